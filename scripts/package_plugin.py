"""Build the QGIS plugin zip, or install the plugin into a QGIS profile.

The zip holds exactly one folder, ``NAME/``, with metadata.txt, the plugin's
code (engine included), its icon, its translations and LICENSE if there is
one; nothing else (no tests, caches or development files). QGIS's "Install
from ZIP" and the plugin repository expect that layout. The plugin imports
its engine relatively, so the folder may be named anything.

Usage:
  python3 scripts/package_plugin.py --name wmsedge --output dist/wmsedge.zip
  python3 scripts/package_plugin.py --name wmsedge --deploy [--plugins-dir DIR]
"""

from __future__ import annotations

import argparse
import configparser
import os
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCE = ROOT / "qgis_plugin"
METADATA = ROOT / "metadata.txt"
LICENSE_NAMES = ("LICENSE", "LICENSE.txt", "LICENSE.md", "COPYING")
#: File types that belong in the plugin; anything else in the source folder is left out.
PACKAGED_SUFFIXES = {".py", ".png", ".svg", ".qm", ".ts"}
REQUIRED_METADATA = ("name", "qgisMinimumVersion", "description", "about", "version", "author", "email",
                     "repository", "tracker", "homepage", "tags", "category", "icon", "hasProcessingProvider",
                     "changelog")
# A fixed date keeps the zip byte-for-byte reproducible.
ZIP_DATE = (2024, 1, 1, 0, 0, 0)


def check_metadata(path: Path = METADATA) -> configparser.SectionProxy:
    """The [general] section of metadata.txt; exits with a message if a required field is missing."""
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # keys are case-sensitive (qgisMinimumVersion)
    if not parser.read(path, encoding="utf-8") or not parser.has_section("general"):
        raise SystemExit(f"{path} is missing or has no [general] section")
    general = parser["general"]
    missing = [key for key in REQUIRED_METADATA if not general.get(key, "").strip()]
    if missing:
        raise SystemExit(f"{path} lacks required fields: {', '.join(missing)}")
    icon = SOURCE / general["icon"]
    if not icon.is_file():
        raise SystemExit(f"metadata.txt names the icon {general['icon']}, which is not in {SOURCE}")
    return general


def plugin_files() -> list:
    """(archive path relative to the plugin folder, file on disk), sorted."""
    files = [(METADATA.name, METADATA)]
    for path in sorted(SOURCE.rglob("*")):
        relative = path.relative_to(SOURCE)
        if not path.is_file() or path.suffix not in PACKAGED_SUFFIXES:
            continue
        if any(part.startswith((".", "__pycache__")) for part in relative.parts):
            continue
        files.append((relative.as_posix(), path))
    license_file = next((ROOT / name for name in LICENSE_NAMES if (ROOT / name).is_file()), None)
    if license_file is not None:
        files.append((license_file.name, license_file))
    return files


def build_zip(name: str, output: Path) -> Path:
    """Write the plugin zip to ``output`` (atomically) and return its path."""
    check_metadata()
    output = output if output.is_absolute() else ROOT / output
    output.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=output.parent, prefix=f".{output.name}-", suffix=".part")
    os.close(handle)
    try:
        with zipfile.ZipFile(temporary, "w", zipfile.ZIP_DEFLATED) as archive:
            for relative, path in plugin_files():
                info = zipfile.ZipInfo(f"{name}/{relative}", ZIP_DATE)
                info.external_attr = 0o644 << 16
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, path.read_bytes())
        os.replace(temporary, output)
    except BaseException:
        if os.path.exists(temporary):
            os.remove(temporary)
        raise
    return output


def default_plugins_dir() -> Path:
    """python/plugins of the default profile (honours QGIS_CUSTOM_CONFIG_PATH like QGIS does)."""
    custom = os.environ.get("QGIS_CUSTOM_CONFIG_PATH")
    if custom:
        base = Path(custom)
    elif sys.platform == "win32":
        base = Path(os.environ["APPDATA"]) / "QGIS" / "QGIS3"
    elif sys.platform == "darwin":
        base = Path.home() / "Library" / "Application Support" / "QGIS" / "QGIS3"
    else:
        base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "QGIS" / "QGIS3"
    return base / "profiles" / "default" / "python" / "plugins"


def deploy(name: str, plugins_dir: Path) -> Path:
    """Install the plugin (exactly what the zip holds) into ``plugins_dir/name``, replacing an old copy."""
    with tempfile.TemporaryDirectory() as folder:
        archive = build_zip(name, Path(folder) / f"{name}.zip")
        plugins_dir.mkdir(parents=True, exist_ok=True)
        target = plugins_dir / name
        if target.is_symlink() or target.is_file():
            target.unlink()
        elif target.exists():
            shutil.rmtree(target)
        with zipfile.ZipFile(archive) as opened:
            opened.extractall(plugins_dir)
    return target


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--name", default="wmsedge", help="plugin folder name inside the zip (default wmsedge)")
    target = parser.add_mutually_exclusive_group(required=True)
    target.add_argument("--output", type=Path, help="zip file to write, e.g. dist/wmsedge.zip")
    target.add_argument("--deploy", action="store_true", help="install into a QGIS profile's plugins folder")
    parser.add_argument("--plugins-dir", type=Path, help="with --deploy: the python/plugins folder "
                        "(default: the default QGIS profile's)")
    args = parser.parse_args(argv)
    if args.deploy:
        installed = deploy(args.name, args.plugins_dir or default_plugins_dir())
        print(f"installed {installed}; enable it in Plugins > Manage and Install Plugins "
              f"(or: qgis_process.bin plugins enable {args.name})")
    else:
        written = build_zip(args.name, args.output)
        print(f"wrote {written}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
