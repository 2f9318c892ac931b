"""The WSGI application: the PyWPS service at ``[server] url``, outputs at ``[server] outputurl``.

``gunicorn wps_server.app:application`` serves it. :func:`create_app` reads
the repository's ``pywps.cfg``, then the files given, then ``$PYWPS_CFG``,
and builds the PyWPS ``Service`` once, so requests pay for nothing that does
not depend on them.

PyWPS keeps its configuration in one module-level object: the application
created last decides the configuration of every application in the process.
"""

from __future__ import annotations

import os
import sqlite3
import time
from collections.abc import Iterable
from configparser import RawConfigParser
from pathlib import Path
from urllib.parse import urlsplit

from owslib.crs import Crs
from pywps import Service, configuration, dblog
from pywps.exceptions import InvalidParameterValue, MissingParameterValue
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.utils import send_from_directory

from . import kvp
from .processes import processes
from .responses import SharedCapabilitiesResponse, SharedDescribeResponse
from .wms_settings import ConfigError, WmsSettings

#: The default configuration: ``pywps.cfg`` at the repository root (absent when the
#: package is installed on its own; then give a configuration file or ``PYWPS_CFG``).
DEFAULT_CONFIG = Path(__file__).resolve().parent.parent / "pywps.cfg"

# Configuration values that are paths, resolved against the folder of the file that sets them.
_PATH_KEYS = (("server", "outputpath"), ("server", "workdir"), ("logging", "file"))
_DATABASE_KEY = ("logging", "database")
_SQLITE_PREFIX = "sqlite:///"


class EdgeService(Service):
    """PyWPS's ``Service`` with the WPS 1.0.0 KVP encoding of GET Execute, input parsing
    errors that name the input at fault, and compiled response templates kept between requests."""

    def get_capabilities(self, wps_request, uuid):
        return SharedCapabilitiesResponse(wps_request, uuid, version=wps_request.version, processes=self.processes)

    def describe(self, wps_request, uuid, identifiers):
        return SharedDescribeResponse(wps_request, uuid, processes=self.processes, identifiers=identifiers)

    def execute(self, identifier, wps_request, uuid):
        """PyWPS's execute, minus GRASS, and without leaking the job's working folder
        (created before the inputs are checked) when the request is rejected."""
        http_request = wps_request.http_request
        if http_request is not None and http_request.method == "GET":
            args = {key.lower(): value for key, value in http_request.args.items()}
            wps_request.inputs = kvp.parse_data_inputs(args.get("datainputs", ""))
            form = args.get("responsedocument", args.get("rawdataoutput"))
            wps_request.outputs = kvp.parse_response_form(form) if form else {}
        process = self.prepare_process_for_execution(identifier)
        try:
            return self._parse_and_execute(process, wps_request, uuid)
        except MissingParameterValue as exc:
            process.clean()
            if exc.description == exc.locator:  # PyWPS's message is the bare identifier
                raise MissingParameterValue(f"input {exc.locator} is required", exc.locator) from None
            raise
        except Exception:
            process.clean()
            raise

    def create_literal_inputs(self, source, inputs):
        try:
            return super().create_literal_inputs(source, inputs)
        except (InvalidParameterValue, ValueError, TypeError, OverflowError):
            given = ", ".join(_shorten(inpt.get("data")) for inpt in inputs)
            raise InvalidParameterValue(
                f"input {source.identifier}: {given} is not a valid {source.data_type}", source.identifier) from None

    def create_bbox_inputs(self, source, inputs):
        """Bounding boxes, always x (easting/longitude) first, whatever the CRS.

        PyWPS reads XML bounding boxes with OWSLib, which swaps the corners'
        coordinates for CRSs whose official axis order is y, x (EPSG:4326 among
        them): that swap is undone here. The KVP form ``xmin,ymin,xmax,ymax,crs``
        keeps its CRS (PyWPS drops it).
        """
        normalised = []
        for inpt in inputs:
            data, crs = inpt.get("data"), inpt.get("crs")
            if isinstance(data, str):
                fields = data.split(",")
                if len(fields) == 5 and not crs:
                    crs = fields[4].strip()
                data = fields if len(fields) in (4, 5) else None
                data = data[:4] if data else None
            elif isinstance(data, list) and len(data) == 4 and crs and all(isinstance(v, str) for v in data):
                if _owslib_swaps_axes(crs):
                    data = [data[1], data[0], data[3], data[2]]
            normalised.append({**inpt, "data": data, "crs": crs})
        try:
            result = super().create_bbox_inputs(source, normalised)
        except (ValueError, TypeError):
            result = None
        if not result or any(item.data is None or len(item.data) != 4 for item in result):
            raise InvalidParameterValue(
                f"input {source.identifier}: give four numbers, xmin ymin xmax ymax, and a crs", source.identifier)
        return result


class Application:
    """Routes ``[server] url``'s path to PyWPS and ``[server] outputurl``'s path to the output folder."""

    def __init__(self, service: EdgeService, wps_path: str, outputs_path: str | None, outputs_folder: str):
        self.service = service
        self.wps_path = wps_path.rstrip("/") or "/"
        self.outputs_prefix = outputs_path.rstrip("/") + "/" if outputs_path else None
        self.outputs_folder = outputs_folder

    def __call__(self, environ, start_response):
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        if self.outputs_prefix and path.startswith(self.outputs_prefix):
            return self._output_file(environ, path[len(self.outputs_prefix):])(environ, start_response)
        if self.wps_path == "/" or path.rstrip("/") == self.wps_path:
            return self.service(environ, start_response)
        return NotFound(f"No such page. The WPS endpoint is {self.wps_path}").get_response(environ)(
            environ, start_response)

    def _output_file(self, environ, relative):
        """A file of the output folder; hidden names (files being written) and other folders are 404."""
        try:
            if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
                raise MethodNotAllowed(valid_methods=["GET", "HEAD"])
            if not relative or any(part.startswith(".") or not part for part in relative.split("/")):
                raise NotFound()
            return send_from_directory(self.outputs_folder, relative, environ)
        except HTTPException as exc:
            return exc.get_response(environ)


def create_app(config_files: Iterable = ()) -> Application:
    """Load the configuration and build the application (the PyWPS Service is built once here)."""
    files = _configuration_files(config_files)
    configuration.load_hardcoded_configuration()
    configuration.CONFIG.read([str(f) for f in files], encoding="utf-8")
    _resolve_paths(files)
    WmsSettings.from_config()  # fail at startup, not on the first request
    wps_path = _url_path("url", required=True)
    outputs_path = _url_path("outputurl", required=False)
    outputs_folder = configuration.get_config_value("server", "outputpath")
    for key in ("outputpath", "workdir"):
        os.makedirs(configuration.get_config_value("server", key), exist_ok=True)
    _prepare_database()
    service = EdgeService(processes)
    return Application(service, wps_path, outputs_path, outputs_folder)


def _configuration_files(given):
    """The default file (if present), the given files, then ``$PYWPS_CFG``; all must exist."""
    files = [DEFAULT_CONFIG] if DEFAULT_CONFIG.is_file() else []
    files += [Path(f) for f in given]
    if os.environ.get("PYWPS_CFG"):
        files.append(Path(os.environ["PYWPS_CFG"]))
    if not files:
        raise ConfigError(f"no configuration: {DEFAULT_CONFIG} is missing; set PYWPS_CFG to a pywps.cfg")
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise ConfigError(f"configuration file not found: {', '.join(missing)}")
    return [f.resolve() for f in files]


def _resolve_paths(files):
    """Make relative paths absolute against the folder of the last file that sets them."""
    for section, key in (*_PATH_KEYS, _DATABASE_KEY):
        source = _last_file_setting(files, section, key)
        if source is None:
            continue
        value = str(configuration.get_config_value(section, key) or "")
        if (section, key) == _DATABASE_KEY:
            value = _resolve_database(value, source.parent)
        elif value:
            value = os.path.normpath(os.path.join(source.parent, value))
        configuration.CONFIG.set(section, key, value.replace("%", "%%"))
    database = str(configuration.get_config_value(*_DATABASE_KEY))
    if ":memory:" in database:
        raise ConfigError("[logging] database must be a file (e.g. sqlite:///var/pywps-logs.sqlite): "
                          "job status is shared by every worker through it")


def _last_file_setting(files, section, key):
    for path in reversed(files):
        parser = RawConfigParser(default_section="\0")
        parser.read(path, encoding="utf-8")
        if parser.has_option(section, key):
            return path
    return None


def _resolve_database(url, folder):
    """``sqlite:///relative/file`` -> ``sqlite:////absolute/file`` (other databases unchanged)."""
    if not url.startswith(_SQLITE_PREFIX):
        return url
    path, _, query = url[len(_SQLITE_PREFIX):].partition("?")
    if not path or path == ":memory:":
        return url
    path = os.path.normpath(os.path.join(folder, path))
    os.makedirs(os.path.dirname(path), exist_ok=True)
    return _SQLITE_PREFIX + path + (f"?{query}" if query else "")


def _url_path(key, required):
    url = str(configuration.get_config_value("server", key) or "")
    parts = urlsplit(url)
    if parts.scheme in ("http", "https") and parts.netloc:
        return parts.path or "/"
    if required:
        raise ConfigError(f"[server] {key} = {url!r} must be an http(s) URL")
    return None


def _prepare_database():
    """Create PyWPS's tables now, and switch SQLite to write-ahead logging so that status
    reads by one worker do not wait for another worker's writes. Workers starting together
    may race to create the tables: the loser retries."""
    database = str(configuration.get_config_value(*_DATABASE_KEY))
    if database.startswith(_SQLITE_PREFIX):
        path = database[len(_SQLITE_PREFIX):].partition("?")[0]
        with sqlite3.connect(path, timeout=30) as connection:
            connection.execute("PRAGMA journal_mode=WAL")
        connection.close()
    for attempt in range(5):
        try:
            dblog.get_session().close()
            return
        except OperationalError:
            if attempt == 4:
                raise
            time.sleep(0.1)


def _owslib_swaps_axes(crs):
    """Whether OWSLib read this CRS's bounding box corners as y, x (and swapped them)."""
    try:
        return Crs(crs).axisorder == "yx"
    except (ValueError, IndexError, AttributeError):
        return False


def _shorten(value, limit=40):
    text = repr(value)
    return text if len(text) <= limit else text[:limit] + "..."


def __getattr__(name):
    """``application``, built on first access (``gunicorn wps_server.app:application``), so that
    importing this module (e.g. for :func:`create_app`) reads no configuration."""
    if name == "application":
        app = create_app()
        globals()["application"] = app
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = ["Application", "EdgeService", "create_app"]
