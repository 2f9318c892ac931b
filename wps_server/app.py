"""The WSGI application: the PyWPS service at ``[server] url``, outputs at ``[server] outputurl``.

``gunicorn wps_server.app:application`` serves it. :func:`create_app` loads
the configuration (:mod:`wps_server.config`), prepares the job runner
(:mod:`wps_server.jobs`) and builds the PyWPS ``Service`` once, so requests pay
for nothing that does not depend on them.

PyWPS keeps its configuration in one module-level object: the application
created last decides the configuration of every application in the process.
"""

from __future__ import annotations

import copy
import io
import logging
import os
import re
import stat
import tempfile
import types
import uuid
from collections.abc import Iterable

from lxml import etree
from owslib.crs import Crs
from pywps import Service, dblog
from pywps.app.WPSRequest import WPSRequest
from pywps.exceptions import (
    FileSizeExceeded,
    InvalidParameterValue,
    MissingParameterValue,
    NoApplicableCode,
    ServerBusy,
)
from pywps.response.status import WPS_STATUS
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.security import safe_join
from werkzeug.utils import send_file
from werkzeug.wsgi import ClosingIterator

from . import config, kvp
from .config import CleanupSettings
from .jobs import retention, runner, store
from .processes import processes
from .responses import SharedCapabilitiesResponse, SharedDescribeResponse

_READ_CHUNK = 64 * 1024
# Parses a request only to look at its prolog: no entity is expanded, nothing is loaded.
_PROLOG_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)
_DTD_MARKUP = re.compile(rb"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_LITERAL_DATA = "{http://www.opengis.net/wps/1.0.0}LiteralData"
_INPUT = "{http://www.opengis.net/wps/1.0.0}Input"
_BOUNDING_BOX = "{http://www.opengis.net/wps/1.0.0}Data/{http://www.opengis.net/wps/1.0.0}BoundingBoxData"
_CRS_AS_SENT = "wmsedge_crs_as_sent"
_IDENTIFIER = "{http://www.opengis.net/ows/1.1}Identifier"
LOGGER = logging.getLogger("PYWPS")


class EdgeService(Service):
    """PyWPS's ``Service`` with the WPS 1.0.0 KVP encoding of GET Execute, input parsing
    errors that name the input at fault, compiled response templates kept between requests,
    and job records for asynchronous jobs only (see :mod:`wps_server.jobs.store`)."""

    def call(self, http_request):
        """PyWPS's ``Service.call``, logging a request in the job database only if it is an
        asynchronous job. Must not raise: every failure becomes an ExceptionReport. A job database
        that cannot be reached (e.g. PostgreSQL restarting) is ServerBusy, HTTP 503: WPS 1.0.0's code
        for a server that cannot "accept and queue the request at this time"; try again later."""
        try:
            request_uuid = uuid.uuid1()
            wps_request = WPSRequest(http_request, self.preprocessors)
            is_job = store.is_job(wps_request)
            if is_job:
                dblog.log_request(request_uuid, wps_request)
            try:
                if wps_request.operation == "getcapabilities":
                    return self.get_capabilities(wps_request, request_uuid)
                if wps_request.operation == "describeprocess":
                    return self.describe(wps_request, request_uuid, wps_request.identifiers)
                if wps_request.operation == "execute":
                    return self.execute(wps_request.identifier, wps_request, request_uuid)
                raise RuntimeError(f"Unknown operation {wps_request.operation}")
            except Exception:
                if is_job:  # the job was refused before it was accepted
                    _reject(request_uuid)
                raise
        except NoApplicableCode as exc:
            return exc
        except HTTPException as exc:
            return NoApplicableCode(exc.description, code=exc.code)
        except OperationalError as exc:
            LOGGER.warning("request refused: the job database cannot be reached: %s", exc)
            return ServerBusy("the server cannot take jobs now: its job database cannot be reached. "
                              "Please try again later.", code=503)
        except Exception:
            LOGGER.exception("request failed")
            return NoApplicableCode("No applicable error code, please check error log.", code=500)

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
        elif http_request is not None and http_request.method == "POST":
            _note_bbox_crs_as_sent(wps_request)
        process = self.prepare_process_for_execution(identifier, workdir=not wps_request.raw)
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

    def prepare_process_for_execution(self, identifier, workdir=True, job=None):
        """A copy of the process for one request, and its working folder.

        PyWPS deep-copies the whole process, input definitions included (0.3 ms). Here the
        process and its input definitions are copied shallowly (a request sets only their
        uuid and working folder; PyWPS clones them to hold the request's values), its
        outputs deeply (they carry the results). ``workdir=False``: no working folder, for a
        request that writes no file (a raw output is encoded in memory). ``job``: the uuid of the
        job the folder is for, written in its name, so that retention knows whose it is."""
        try:
            prototype = self.processes[identifier]
        except KeyError:
            raise InvalidParameterValue(f"Unknown process '{identifier}'", "Identifier") from None
        process = copy.copy(prototype)
        process.inputs = [copy.copy(inpt) for inpt in prototype.inputs]
        process.outputs = [output.clone() for output in prototype.outputs]
        if getattr(prototype.handler, "__self__", None) is prototype:
            process.handler = types.MethodType(prototype.handler.__func__, process)
        process.service = self
        if workdir:
            folder = config.current().work_folder
            prefix = f"pywps_process_{job}_" if job else "pywps_process_"
            process.set_workdir(tempfile.mkdtemp(prefix=prefix, dir=folder))
        return process

    def create_literal_inputs(self, source, inputs):
        try:
            return super().create_literal_inputs(source, inputs)
        except (InvalidParameterValue, ValueError, TypeError, OverflowError):
            given = ", ".join(_shorten(inpt.get("data")) for inpt in inputs)
            raise InvalidParameterValue(
                f"input {source.identifier}: {given} is not a valid {source.data_type}", source.identifier) from None

    def create_bbox_inputs(self, source, inputs):
        """Bounding boxes in x (easting/longitude) first order, each CRS spelling read by its rule.

        ``urn:ogc:def:crs:EPSG::n`` and ``http://www.opengis.net/def/crs/EPSG/0/n`` follow the
        authority's axis order (latitude first for EPSG:4326), which PyWPS reads correctly with
        OWSLib. The legacy ``EPSG:n`` is x first, but OWSLib gives it the authority's order too and
        swaps it: that swap is undone here (PyWPS passes on only the URN, so the spelling as sent is
        noted from the request itself). The KVP form ``xmin,ymin,xmax,ymax,crs`` is x first and keeps
        its CRS (PyWPS drops it).
        """
        normalised = []
        for inpt in inputs:
            inpt = dict(inpt)
            data, crs, as_sent = inpt.get("data"), inpt.get("crs"), inpt.pop(_CRS_AS_SENT, None)
            if isinstance(data, str):
                fields = data.split(",")
                if len(fields) == 5 and not crs:
                    crs = fields[4].strip()
                data = fields if len(fields) in (4, 5) else None
                data = data[:4] if data else None
            elif isinstance(data, list) and len(data) == 4 and crs and all(isinstance(v, str) for v in data):
                if _is_legacy_spelling(as_sent) and _owslib_swaps_axes(crs):
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

    def __init__(self, service: EdgeService, wps_path: str, outputs_path: str | None, outputs_folder: str,
                 cleanup: CleanupSettings | None = None):
        self.service = service
        self.wps_path = wps_path.rstrip("/") or "/"
        self.outputs_prefix = outputs_path.rstrip("/") + "/" if outputs_path else None
        self.outputs_folder = outputs_folder
        self.cleanup = retention.Schedule(cleanup or CleanupSettings(None, 3600.0))

    def __call__(self, environ, start_response):
        """Route the request; a periodic cleanup, when due, runs after the response is sent."""
        response = self._route(environ, start_response)
        if self.cleanup.due():
            return ClosingIterator(response, [self._cleanup])
        return response

    def _cleanup(self):
        """Retention, then queued jobs for the slots the reaper may have freed."""
        try:
            retention.run_if_due(self.cleanup.settings)
            runner().launch_queued(self.service)
        except Exception:  # the next interval tries again; requests are never failed for it
            LOGGER.exception("periodic cleanup failed")

    def _route(self, environ, start_response):
        path = environ.get("SCRIPT_NAME", "") + environ.get("PATH_INFO", "")
        if self.outputs_prefix and path.startswith(self.outputs_prefix):
            return self._output_file(environ, path[len(self.outputs_prefix):])(environ, start_response)
        if self.wps_path == "/" or path.rstrip("/") == self.wps_path:
            if environ.get("REQUEST_METHOD") == "POST":
                return self._post(environ, start_response)
            return self.service(environ, start_response)
        return NotFound(f"No such page. The WPS endpoint is {self.wps_path}").get_response(environ)(
            environ, start_response)

    def _post(self, environ, start_response):
        """Hand PyWPS a POST body it can read safely.

        PyWPS compares the Content-Length with ``maxrequestsize`` and fails with
        HTTP 500 when there is none (a chunked body): such a body is read here,
        up to the limit, and an oversize one gets PyWPS's own FileSizeExceeded.
        XML with a document type declaration is refused: WPS requests have none,
        and entities (XXE, billion laughs) are best never parsed at all.
        """
        limit = config.current().max_request_bytes
        declared = _content_length(environ)
        if declared is not None and declared > limit:
            return self.service(environ, start_response)  # PyWPS refuses it without reading it
        if declared is not None:
            body = _read_body(environ["wsgi.input"], declared)
        elif environ.get("wsgi.input_terminated") or "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower():
            body = _read_body(environ["wsgi.input"], limit + 1)
        else:
            body = b""  # no length and no end marker: WSGI says there is no body
        try:
            if len(body) > limit:
                raise FileSizeExceeded("File size for input exceeded. "
                                       f"Maximum request size allowed: {limit / 1024 / 1024} megabytes")
            if "json" not in environ.get("CONTENT_TYPE", ""):
                _check_xml_request(body)
        except NoApplicableCode as exc:
            return exc(environ, start_response)
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        return self.service(environ, start_response)

    def _output_file(self, environ, relative):
        """A file of the output folder; hidden names (files being written) and other folders are 404."""
        try:
            if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
                raise MethodNotAllowed(valid_methods=["GET", "HEAD"])
            if not relative or any(part.startswith(".") or not part for part in relative.split("/")):
                raise NotFound()
            if store.STATUS_DOCUMENT.fullmatch(relative):
                runner().status_requested(self.service)
            return _send_snapshot(safe_join(self.outputs_folder, relative), environ)
        except HTTPException as exc:
            return exc.get_response(environ)


def _send_snapshot(path, environ):
    """The file as it is when opened: size and body from one open file, so that a status
    document replaced meanwhile (atomically, by rename) is never sent half old, half new."""
    try:
        stream = open(path, "rb") if path else None
    except OSError:
        stream = None
    if stream is None:
        raise NotFound()
    info = os.fstat(stream.fileno())
    if not stat.S_ISREG(info.st_mode):
        stream.close()
        raise NotFound()
    response = send_file(stream, environ, download_name=os.path.basename(path), last_modified=info.st_mtime,
                         etag=f"{info.st_mtime_ns:x}-{info.st_size:x}")
    response.content_length = info.st_size
    return response


def create_app(config_files: Iterable = ()) -> Application:
    """Load the configuration and build the application (the PyWPS Service is built once here)."""
    settings = load_configuration(config_files)
    service = EdgeService(processes)
    runner().recover(service)
    return Application(service, settings.wps_path, settings.outputs_path, settings.output_folder, settings.cleanup)


def load_configuration(config_files: Iterable = ()) -> config.Settings:
    """Read the configuration (see :mod:`wps_server.config`) and prepare the job tables."""
    settings = config.load(config_files)
    runner().prepare()
    return settings


def _reject(request_uuid):
    """Mark a refused job's row failed, if the database answers (a row it keeps with no status is
    never counted as a job, and retention deletes it)."""
    try:
        store.store_status(request_uuid, WPS_STATUS.FAILED, "Request rejected due to exception", 100)
    except OperationalError as exc:
        LOGGER.warning("job %s: its refusal could not be recorded: %s", request_uuid, exc)


def _content_length(environ):
    value = environ.get("CONTENT_LENGTH", "")
    return int(value) if value.isdigit() else None


def _read_body(stream, size):
    """At most ``size`` bytes of ``stream`` (never more: the stream may be the socket itself)."""
    chunks, read = [], 0
    while read < size:
        chunk = stream.read(min(_READ_CHUNK, size - read))
        if not chunk:
            break
        chunks.append(chunk)
        read += len(chunk)
    return b"".join(chunks)


def _check_xml_request(body):
    """Refuse a document type declaration (in any encoding lxml reads, or entity markup in a
    body it cannot read), and an empty ``<LiteralData/>``, which PyWPS would read as 'None'.
    Malformed XML is left to PyWPS, which reports it."""
    try:
        root = etree.fromstring(body, _PROLOG_PARSER)
    except etree.XMLSyntaxError:
        root = None
    docinfo = root.getroottree().docinfo if root is not None else None
    if (_DTD_MARKUP.search(body) if root is None else docinfo.doctype or docinfo.internalDTD is not None):
        raise NoApplicableCode("XML with a document type declaration (DOCTYPE or ENTITY) is refused: "
                               "send the WPS request without one", code=400)
    for literal in root.iter(_LITERAL_DATA) if root is not None else ():
        if literal.text is None and len(literal) == 0:
            identifier = literal.getparent().getparent().findtext(_IDENTIFIER) or ""
            raise InvalidParameterValue(f"input {identifier[:60]} is empty", identifier[:60])


def _note_bbox_crs_as_sent(wps_request):
    """Beside each XML bounding box input, the ``crs`` attribute as the client spelled it."""
    try:
        root = etree.fromstring(wps_request.http_request.get_data(), _PROLOG_PARSER)
    except etree.XMLSyntaxError:
        return
    for element in root.iter(_INPUT):
        boxes = element.findall(_BOUNDING_BOX)
        given = wps_request.inputs.get(element.findtext(_IDENTIFIER) or "", [])
        for box, inpt in zip(boxes, [i for i in given if isinstance(i, dict) and "crs" in i]):
            inpt[_CRS_AS_SENT] = box.get("crs") or ""


def _is_legacy_spelling(crs):
    """``EPSG:n`` and the like, as opposed to an OGC URN or URI (None: not known, treated as legacy)."""
    return crs is None or not crs.strip().lower().startswith(("urn:", "http://", "https://"))


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


__all__ = ["Application", "EdgeService", "create_app", "load_configuration"]
