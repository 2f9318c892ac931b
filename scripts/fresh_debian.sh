#!/bin/bash
# Runs `make test` from a fresh clone in a minimal Debian root file system, so a release can be
# checked on the Debian release this machine is not (Debian 12 bookworm / Debian 13 trixie).
#
#   scripts/fresh_debian.sh RELEASE [REPOSITORY [REF]]     (as root)
#
# RELEASE is bookworm or trixie. REPOSITORY (default: the one holding this script) is cloned at
# REF (default HEAD): committed work only. The root file system is built once with debootstrap
# and kept in $WMSEDGE_FRESH_CACHE/RELEASE (default /var/tmp/wmsedge-fresh/RELEASE); delete
# that folder to start from a bare system again. Into it go only this machine's settings for
# reaching the package registries (resolver, pip configuration, local CA certificates, apt
# proxy settings, PIP_*/SSL/CA/proxy environment variables), never files of the project.
set -euo pipefail

usage() { echo "usage: $0 bookworm|trixie [REPOSITORY [REF]]" >&2; exit 2; }
release=${1:-}
case "$release" in bookworm | trixie) ;; *) usage ;; esac
repository=${2:-$(cd "$(dirname "$0")/.." && pwd)}
ref=${3:-HEAD}
mirror=${DEBIAN_MIRROR:-http://deb.debian.org/debian}
cache=${WMSEDGE_FRESH_CACHE:-/var/tmp/wmsedge-fresh}
root=$cache/$release

[ "$(id -u)" = 0 ] || { echo "$0: run as root (debootstrap, chroot and mount need it)" >&2; exit 1; }
commit=$(git -C "$repository" rev-parse --verify "$ref^{commit}") \
  || { echo "$0: $ref is not a commit of $repository" >&2; exit 1; }

if [ ! -d "$root" ]; then
  if ! command -v debootstrap >/dev/null; then
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq debootstrap
  fi
  mkdir -p "$cache"
  rm -rf "$root.partial"
  debootstrap --variant=minbase --include=ca-certificates,git,make "$release" "$root.partial" "$mirror"
  mv "$root.partial" "$root"
fi
# What an installed system has and debootstrap leaves out; no daemon starts in the chroot.
[ -e "$root/etc/hosts" ] || printf '127.0.0.1\tlocalhost\n::1\t\tlocalhost ip6-localhost ip6-loopback\n' > "$root/etc/hosts"
[ -e "$root/usr/sbin/policy-rc.d" ] || install -m 755 /dev/stdin "$root/usr/sbin/policy-rc.d" <<< $'#!/bin/sh\nexit 101'

mounted=()
cleanup() {
  local i
  for ((i = ${#mounted[@]} - 1; i >= 0; i--)); do
    umount -R "${mounted[i]}" 2>/dev/null || umount -Rl "${mounted[i]}" || true
  done
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# Registry access: resolver, pip configuration, CA certificates, apt proxies.
cp -L /etc/resolv.conf "$root/etc/resolv.conf"
[ -f /etc/pip.conf ] && cp /etc/pip.conf "$root/etc/pip.conf"
if [ -d /etc/xdg/pip ]; then mkdir -p "$root/etc/xdg" && rm -rf "$root/etc/xdg/pip" && cp -r /etc/xdg/pip "$root/etc/xdg/pip"; fi
if [ -d /usr/local/share/ca-certificates ]; then
  cp -r /usr/local/share/ca-certificates/. "$root/usr/local/share/ca-certificates/"
fi
for conf in /etc/apt/apt.conf.d/*; do
  grep -qi 'Acquire::[a-z]*::Proxy' "$conf" 2>/dev/null && cp "$conf" "$root/etc/apt/apt.conf.d/"
done
registry_env=(LANG=C.UTF-8 HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
              QT_QPA_PLATFORM=offscreen DEBIAN_FRONTEND=noninteractive)
while IFS= read -r name; do
  registry_env+=("$name=${!name}")
done < <(compgen -e | grep -E '^(PIP_[A-Z_]+|SSL_CERT_(FILE|DIR)|REQUESTS_CA_BUNDLE|CURL_CA_BUNDLE|HTTPLIB2_CA_CERTS|(https?|no|all)_proxy|(HTTPS?|NO|ALL)_PROXY)$' || true)

for fs in proc sys dev; do
  mkdir -p "$root/$fs"
  case "$fs" in
    proc) mount -t proc proc "$root/proc" ;;
    *) mount --rbind "/$fs" "$root/$fs" && mount --make-rslave "$root/$fs" ;;
  esac
  mounted+=("$root/$fs")
done

in_root() { env -i "${registry_env[@]}" chroot "$root" "$@"; }
in_root update-ca-certificates >/dev/null

rm -rf "$root/root/wmsedge"
git clone -q "$repository" "$root/root/wmsedge"
git -C "$root/root/wmsedge" checkout -q --detach "$commit"

echo "fresh_debian: Debian $release, commit $commit, make test as root in $root"
start=$SECONDS
status=0
in_root make -C /root/wmsedge test || status=$?
elapsed=$((SECONDS - start))
if [ "$status" = 0 ]; then
  echo "fresh_debian: make test passed in Debian $release in ${elapsed} s"
else
  echo "fresh_debian: make test FAILED (exit $status) in Debian $release after ${elapsed} s" >&2
fi
exit "$status"
