"""What a job writes as it runs: its response (status document, then row) and its status file.

A status document is replaced atomically (PyWPS rewrites it in place, so a polling client could
read half of one), and the execute document of a synchronous request is rendered once, when the
request ends, and only if it is the answer.
"""

from __future__ import annotations

import os
import time

from lxml import etree
from pywps.inout.storage.file import FileStorage
from pywps.response.execute import ExecuteResponse
from pywps.response.status import WPS_STATUS

from wmsedge_engine.files import atomic_path

from .. import config
from ..responses import SharedTemplates
from . import store

_WPS = "{http://www.opengis.net/wps/1.0.0}"
_OWS = "{http://www.opengis.net/ows/1.1}"
_PARSER = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True)


class JobResponse(SharedTemplates, ExecuteResponse):
    """An asynchronous job (``store_status_file``) writes its status document, then its
    row; a synchronous request keeps its status in memory."""

    def _update_status(self, status, message, status_percentage, clean=True):
        """Build the document (which stores the outputs), remove the working folder of a finished
        request, then publish: a client that reads a final status finds no working folder left."""
        self.status, self.message, self.status_percentage = status, message, status_percentage
        finished = status in (WPS_STATUS.SUCCEEDED, WPS_STATUS.FAILED)
        if self.store_status_file or (finished and not self.wps_request.raw):
            self._update_status_doc()  # for a synchronous request, only the answer
        if clean and finished:
            self.process.clean()
        if self.store_status_file:
            self._update_status_file()
            store.retried(store.store_status)(self.uuid, status, message, status_percentage)

    def accepted(self):
        self._update_status(WPS_STATUS.ACCEPTED, "PyWPS Request accepted", 0)

    def queued(self):
        self._update_status(WPS_STATUS.ACCEPTED, "PyWPS Process stored in job queue", 0)

    @property
    def json(self):
        """PyWPS's, keeping the message of an accepted job (PyWPS replaces it with a generic
        one, and a queued job's client should read that it is queued)."""
        message = self.message
        data = super().json
        if self.status == WPS_STATUS.ACCEPTED:
            self.message = data["status"]["message"] = message
        return data


class AtomicFileStorage(FileStorage):
    """PyWPS's file storage, each status document written under a temporary name then renamed."""

    @classmethod
    def from_settings(cls) -> AtomicFileStorage:
        settings = config.current()
        return cls(settings.output_folder, settings.output_url, copy_function=settings.storage_copy_function)

    def write(self, data, destination, data_format=None):
        os.makedirs(self.target, exist_ok=True)
        with atomic_path(os.path.join(self.target, destination)) as temporary:
            with open(temporary, "w", encoding="utf-8") as stream:
                stream.write(data)
        return self.url(destination)


def fail_status_document(uuid, message):
    """Rewrite the job's status document as ProcessFailed with ``message`` (replaced atomically)."""
    path = os.path.join(config.current().output_folder, f"{uuid}.xml")
    try:
        tree = etree.parse(path, _PARSER)
    except (OSError, etree.XMLSyntaxError):
        return False
    status = tree.getroot().find(f"{_WPS}Status")
    if status is None:
        return False
    for child in list(status):
        status.remove(child)
    status.set("creationTime", time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()))
    report = etree.SubElement(etree.SubElement(status, f"{_WPS}ProcessFailed"), f"{_WPS}ExceptionReport")
    exception = etree.SubElement(report, f"{_OWS}Exception", exceptionCode="NoApplicableCode")
    etree.SubElement(exception, f"{_OWS}ExceptionText").text = message
    for outputs in tree.getroot().findall(f"{_WPS}ProcessOutputs"):
        tree.getroot().remove(outputs)
    with atomic_path(path) as temporary:
        tree.write(temporary, xml_declaration=True, encoding="UTF-8")
    return True
