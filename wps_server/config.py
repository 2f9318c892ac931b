"""The server's configuration: files read once, in order, into typed settings.

:func:`load` reads the package's ``default.cfg`` (every key with its default, beside this file),
then a checkout's ``pywps.cfg`` when the package runs from the repository, then the files given
(``create_app()``, ``--config``), then ``$PYWPS_CFG``; later files override earlier ones key by
key. Relative paths resolve against the folder of the file that sets them, never against the
current directory. The result goes into PyWPS's configuration (PyWPS reads its own keys there)
and into :class:`Settings`, which the server's modules read through :func:`current` instead of
looking keys up per request. Every bad value is a :class:`ConfigError` naming its key.
"""

from __future__ import annotations

import math
import os
import re
from collections.abc import Iterable
from configparser import RawConfigParser
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import SplitResult, unquote, urlsplit

from pywps import configuration

from wmsedge_engine.contract import DEFAULT_REQUESTS_PER_HOST, DEFAULT_RETRIES, DEFAULT_SYNC_MAX_PIXELS

#: Every key with its default; package data, so a pip-installed server has it too.
PACKAGE_DEFAULTS = Path(__file__).resolve().with_name("default.cfg")
#: A checkout's deployment configuration (absent in a pip install).
CHECKOUT_CONFIG = Path(__file__).resolve().parent.parent / "pywps.cfg"
SQLITE_PREFIX = "sqlite:///"

# Values that are paths, resolved against the folder of the file that sets them.
_PATH_KEYS = (("server", "outputpath"), ("server", "workdir"), ("logging", "file"))
_DATABASE_KEY = ("logging", "database")
_REQUIRED = (("server", "url"), ("server", "outputpath"), ("server", "workdir"), ("logging", "database"),
             ("wms", "url"))
_DEFAULT_PORTS = {"http": 80, "https": 443}
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}
_DURATION = re.compile(r"\s*(\d+(?:\.\d*)?)\s*([smhdw]?)\s*", re.IGNORECASE)

_current: Settings | None = None


class ConfigError(ValueError):
    """A configuration value the server cannot work with."""


@dataclass(frozen=True)
class AllowedUrl:
    """One allow-list entry, parsed once: scheme, host, port, path prefix, query."""

    scheme: str
    host: str
    port: int
    path: str
    query: str

    @classmethod
    def parse(cls, url: str) -> AllowedUrl:
        parts = _split_http_url(url)
        if parts is None:
            raise ConfigError(f"[wms] URL {url!r} is not an http(s) URL with a host")
        return cls(parts.scheme.lower(), parts.hostname.lower(), _port(parts), parts.path or "/", parts.query)

    def matches(self, parts: SplitResult) -> bool:
        if (parts.scheme.lower(), parts.hostname.lower(), _port(parts), parts.query) != (
                self.scheme, self.host, self.port, self.query):
            return False
        path = parts.path or "/"
        if path == self.path:
            return True
        prefix = self.path if self.path.endswith("/") else self.path + "/"
        return path.startswith(prefix)


@dataclass(frozen=True)
class WmsSettings:
    """``[wms]``: the default endpoint (always allowed), the allow-list, the timeout, the size limits
    of a run, of a synchronous request and of one GetMap, and how blocks are fetched."""

    url: str
    allowed: tuple
    timeout: float
    max_pixels: int
    sync_max_pixels: int = DEFAULT_SYNC_MAX_PIXELS
    max_request_size: int | None = None
    requests_per_host: int = DEFAULT_REQUESTS_PER_HOST
    retries: int = DEFAULT_RETRIES

    @classmethod
    def from_config(cls) -> WmsSettings:
        url = _text("wms", "url")
        listed = _text("wms", "allowed_urls").split()
        allowed = tuple(dict.fromkeys(AllowedUrl.parse(u) for u in [url, *listed]))
        max_request_size = _positive("wms", "max_request_size", int) if _text("wms", "max_request_size") else None
        if max_request_size is not None and max_request_size < 3:
            raise ConfigError("[wms] max_request_size must be at least 3 pixels (one block pixel and its halo)")
        retries = _integer("wms", "retries")
        if retries < 0:
            raise ConfigError(f"[wms] retries = {retries} must be 0 or more")
        return cls(url, allowed, _positive("wms", "timeout", float), _positive("wms", "max_pixels", int),
                   _positive("wms", "sync_max_pixels", int), max_request_size,
                   _positive("wms", "requests_per_host", int), retries)

    def url_allowed(self, url: str) -> bool:
        """Whether ``url`` is one of the allowed endpoints (or below one of their paths).

        Credentials in the URL, fragments, backslashes and ``.``/``..`` path
        segments are refused outright: they are ways to make a URL mean
        something else to the WMS than to this check.
        """
        parts = _split_http_url(url)
        if parts is None or parts.username is not None or parts.password is not None or parts.fragment:
            return False
        segments = unquote(parts.path).split("/")
        if "\\" in unquote(parts.path) or any(s in (".", "..") for s in segments):
            return False
        return any(entry.matches(parts) for entry in self.allowed)


@dataclass(frozen=True)
class CleanupSettings:
    """``[cleanup]``: ``retention`` (None: no periodic cleanup) and ``interval``, in seconds."""

    retention: float | None
    interval: float

    @classmethod
    def from_config(cls) -> CleanupSettings:
        retention = _text("cleanup", "retention")
        interval = parse_duration(_text("cleanup", "interval") or "1h")
        if interval <= 0:
            raise ConfigError("[cleanup] interval must be longer than 0 s")
        return cls(parse_duration(retention) if retention else None, interval)


@dataclass(frozen=True)
class JobSettings:
    """Asynchronous jobs: ``[server] parallelprocesses`` running, ``maxprocesses`` waiting (-1: no limit);
    ``[jobs] broker`` and ``database`` (both set: the distributed mode, see :mod:`wps_server.jobs`) and
    ``time_limit`` (seconds a distributed job may run)."""

    parallel: int
    queued: int
    broker: str | None = None
    database: str | None = None
    time_limit: float = 3600.0

    @property
    def distributed(self) -> bool:
        return self.broker is not None

    @classmethod
    def from_config(cls) -> JobSettings:
        broker, database = _text("jobs", "broker") or None, _text("jobs", "database") or None
        if (broker is None) != (database is None):
            given, missing = ("broker", "database") if database is None else ("database", "broker")
            raise ConfigError(f"[jobs] {given} is set but [jobs] {missing} is not: the distributed mode needs "
                              "both (a redis:// broker and a postgresql:// database), the embedded mode neither")
        if broker is not None and not broker.startswith(("redis://", "rediss://")):
            raise ConfigError(f"[jobs] broker must be a redis:// (or rediss://) URL, not {_scheme(broker)!r}")
        if database is not None and _scheme(database) not in ("postgresql", "postgres"):
            raise ConfigError(f"[jobs] database must be a postgresql:// URL, not {_scheme(database)!r}")
        time_limit = parse_duration(_text("jobs", "time_limit") or "1h")
        if time_limit <= 0:
            raise ConfigError("[jobs] time_limit must be longer than 0 s")
        return cls(_integer("server", "parallelprocesses"), _integer("server", "maxprocesses"), broker, database,
                   time_limit)


@dataclass(frozen=True)
class Settings:
    """Everything the server reads from its configuration, once."""

    url: str
    output_url: str
    output_folder: str
    work_folder: str
    database: str
    storage_copy_function: str
    max_request_bytes: int
    wms: WmsSettings
    jobs: JobSettings
    cleanup: CleanupSettings

    @property
    def wps_path(self) -> str:
        return _url_path(self.url, "url")

    @property
    def outputs_path(self) -> str | None:
        """The path at which the application serves the output folder (None: not served)."""
        parts = urlsplit(self.output_url)
        return (parts.path or "/") if parts.scheme in ("http", "https") and parts.netloc else None

    @property
    def sqlite_file(self) -> str | None:
        return sqlite_file(self.database)

    @classmethod
    def from_config(cls) -> Settings:
        settings = cls(
            url=_text("server", "url"), output_url=_text("server", "outputurl"),
            output_folder=_text("server", "outputpath"), work_folder=_text("server", "workdir"),
            database=_text(*_DATABASE_KEY), storage_copy_function=_text("server", "storage_copy_function"),
            max_request_bytes=int(configuration.get_size_mb(_text("server", "maxrequestsize")) * 1024 * 1024),
            wms=WmsSettings.from_config(), jobs=JobSettings.from_config(), cleanup=CleanupSettings.from_config())
        settings.wps_path  # noqa: B018 - checks the URL
        return settings


def load(config_files: Iterable = ()) -> Settings:
    """Read the configuration files into PyWPS's configuration and return the typed settings."""
    global _current
    files = configuration_files(config_files)
    configuration.load_hardcoded_configuration()
    configuration.CONFIG.read([str(f) for f in files], encoding="utf-8")
    _resolve_paths(files)
    _distributed_database()
    for section, key in _REQUIRED:
        if not _text(section, key):
            raise ConfigError(f"[{section}] {key} is not set: give it in a configuration file "
                              "(see the repository's pywps.cfg)")
    mode = _text("processing", "mode")
    if mode != "multiprocessing":
        raise ConfigError(f"[processing] mode = {mode!r} is not supported: this server runs asynchronous jobs "
                          "in a forked process of the worker (mode = multiprocessing), see wps_server.jobs")
    if ":memory:" in _text(*_DATABASE_KEY):
        raise ConfigError("[logging] database must be a file (e.g. sqlite:///var/pywps-logs.sqlite): "
                          "job status is shared by every worker through it")
    _current = Settings.from_config()
    for folder in (_current.output_folder, _current.work_folder):
        os.makedirs(folder, exist_ok=True)
    return _current


def _distributed_database():
    """In the distributed mode PyWPS's job table lives in ``[jobs] database`` too (through psycopg 3),
    whatever ``[logging] database`` says: every front end and worker must see every job."""
    database = _text("jobs", "database")
    if database and _scheme(database) in ("postgresql", "postgres"):
        url = "postgresql+psycopg://" + database.partition("://")[2]
        configuration.CONFIG.set(*_DATABASE_KEY, url.replace("%", "%%"))


def _scheme(url) -> str:
    return str(url).partition("://")[0].lower()


def current() -> Settings:
    """The settings of the last :func:`load` in this process."""
    if _current is None:
        raise ConfigError("the server's configuration has not been loaded (wps_server.config.load)")
    return _current


def configuration_files(given: Iterable = ()) -> list:
    """The package defaults, a checkout's pywps.cfg, the given files, then ``$PYWPS_CFG``; all must exist."""
    files = [PACKAGE_DEFAULTS] + ([CHECKOUT_CONFIG] if CHECKOUT_CONFIG.is_file() else [])
    files += [Path(f) for f in given]
    if os.environ.get("PYWPS_CFG"):
        files.append(Path(os.environ["PYWPS_CFG"]))
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise ConfigError(f"configuration file not found: {', '.join(missing)}")
    return [f.resolve() for f in files]


def parse_duration(text) -> float:
    """Seconds in ``7d``, ``12h``, ``30m``, ``45s``, ``2w`` or a plain number of seconds."""
    match = _DURATION.fullmatch(str(text))
    if not match:
        raise ConfigError(f"{text!r} is not a duration: write a number and a unit, e.g. 7d, 12h, 30m, 45s")
    return float(match.group(1)) * _UNITS[(match.group(2) or "s").lower()]


def sqlite_file(database_url) -> str | None:
    """The file of a ``sqlite:///file?query`` database URL; None for another database."""
    url = str(database_url)
    return url[len(SQLITE_PREFIX):].partition("?")[0] if url.startswith(SQLITE_PREFIX) else None


def _resolve_paths(files):
    """Make relative paths absolute against the folder of the last file that sets them."""
    for section, key in (*_PATH_KEYS, _DATABASE_KEY):
        source = _last_file_setting(files, section, key)
        if source is None:
            continue
        value = _text(section, key)
        if (section, key) == _DATABASE_KEY:
            value = _resolve_database(value, source.parent)
        elif value:
            value = os.path.normpath(os.path.join(source.parent, value))
        configuration.CONFIG.set(section, key, value.replace("%", "%%"))


def _last_file_setting(files, section, key):
    for path in reversed(files):
        parser = RawConfigParser(default_section="\0")
        parser.read(path, encoding="utf-8")
        if parser.has_option(section, key) and parser.get(section, key).strip():
            return path
    return None


def _resolve_database(url, folder):
    """``sqlite:///relative/file`` -> ``sqlite:////absolute/file`` (other databases unchanged)."""
    path = sqlite_file(url)
    if not path or path == ":memory:":
        return url
    query = url.partition("?")[2]
    path = os.path.normpath(os.path.join(folder, path))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return SQLITE_PREFIX + path + (f"?{query}" if query else "")


def _url_path(url, key):
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return parts.path or "/"
    raise ConfigError(f"[server] {key} = {url!r} must be an http(s) URL")


def _text(section, key) -> str:
    return str(configuration.get_config_value(section, key) or "").strip()


def _integer(section, key) -> int:
    raw = _text(section, key)
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"[{section}] {key} = {raw!r} is not a whole number") from None


def _positive(section, key, kind):
    raw = _text(section, key)
    try:
        value = kind(raw)
    except (TypeError, ValueError):
        raise ConfigError(f"[{section}] {key} = {raw!r} is not a number") from None
    if not (math.isfinite(value) and value > 0):
        raise ConfigError(f"[{section}] {key} = {raw!r} must be a positive number")
    return value


def _split_http_url(url):
    """The parsed URL if it is http(s) with a host and a valid port, else None."""
    if not isinstance(url, str) or any(ord(ch) < 33 for ch in url):
        return None
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a malformed port
    except ValueError:
        return None
    if parts.scheme.lower() not in _DEFAULT_PORTS or not parts.hostname:
        return None
    return parts


def _port(parts):
    return parts.port or _DEFAULT_PORTS[parts.scheme.lower()]
