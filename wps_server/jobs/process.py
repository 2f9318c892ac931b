"""A PyWPS process whose jobs go through the configured runner: subclasses are only inputs,
outputs, ``_handler`` and, optionally, :meth:`JobProcess.check_request`."""

from __future__ import annotations

import json
import logging
import os

from pywps import Process
from pywps.app.exceptions import ProcessError
from pywps.app.WPSRequest import WPSRequest
from pywps.response.status import WPS_STATUS

from .. import config
from . import runner, store
from .execution import AtomicFileStorage, JobResponse

LOGGER = logging.getLogger("PYWPS")


class JobProcess(Process):
    """Synchronous requests run in the worker that received them; asynchronous ones are jobs.

    A handler that wants a synchronous failure reported as a specific OWS exception (not the
    generic ``NoApplicableCode``) sets ``self.failure`` before raising its ProcessError.
    """

    failure = None

    def check_request(self, wps_request):
        """Raise the OWS exception for a request that must be refused before it becomes a job."""

    def execute(self, wps_request, uuid):
        self.check_request(wps_request)
        self.failure = None
        self._set_uuid(uuid)
        self._setup_status_storage()
        response = JobResponse(wps_request, process=self, uuid=self.uuid)
        self.async_ = response.store_status_file = store.is_job(wps_request)
        if not self.async_:
            response = self.run_job(wps_request, response)
            if self.failure is not None:
                raise self.failure
            return response
        if runner().accept(self, wps_request, response):
            runner().start(self, wps_request, response)
        else:
            self.clean()  # a queued job gets a new working folder when it starts
        return response

    def resume_job(self, uuid, wps_request) -> JobResponse:
        """The response of a stored job about to start (its request was queued)."""
        self._set_uuid(uuid)
        self._setup_status_storage()
        self.async_ = True
        self.setup_outputs_from_wps_request(wps_request)
        response = JobResponse(wps_request, process=self, uuid=uuid)
        response.store_status_file = True
        return response

    def run_job(self, wps_request, wps_response):
        """PyWPS's ``_run_process`` without its job database calls for synchronous requests;
        a finished job tells the runner (its slot may go to a queued job)."""
        try:
            wps_response._update_status(WPS_STATUS.STARTED, "PyWPS Process started", 0)
            self.handler(wps_request, wps_response)
            if wps_response.status not in store.FINISHED:
                wps_response._update_status(WPS_STATUS.SUCCEEDED, f"PyWPS Process {self.title} finished", 100)
        except ProcessError as exc:
            wps_response._update_status(WPS_STATUS.FAILED, f"Process error: {exc}", 100)
        except Exception:
            LOGGER.exception("job %s failed", self.uuid)
            wps_response._update_status(WPS_STATUS.FAILED, "Process failed, please check server error log", 100)
        finally:
            if self.async_:
                runner().finished(self.service)
        return wps_response

    def clean(self):
        """PyWPS's, for a request that had a working folder (see ``prepare_process_for_execution``)."""
        if self.workdir:
            super().clean()

    def _setup_status_storage(self):
        """Status documents replaced atomically: a polling client never reads half a document."""
        self._status_store = AtomicFileStorage.from_settings()

    def output_folder(self):
        """This job's folder in outputpath, where PyWPS stores its outputs (it creates it too)."""
        folder = os.path.join(config.current().output_folder, str(self.uuid))
        os.makedirs(folder, exist_ok=True)
        return folder


def restore_job(service, uuid, request_json: bytes):
    """A stored job's process, request and response, as PyWPS's ``launch_next_process`` rebuilds
    them from ``dblog.store_process``'s JSON (written by this server: trusted), with our response."""
    stored = json.loads(request_json.decode("utf-8"))
    process = service.prepare_process_for_execution(stored["identifier"], job=uuid)
    for definitions in stored.get("inputs", {}).values():
        for definition in definitions if isinstance(definitions, list) else [definitions]:
            if isinstance(definition, dict) and "workdir" in definition:
                definition["workdir"] = process.workdir  # PyWPS would create the old, removed one again
    request = WPSRequest()
    request.restore_json(stored)
    for identifier, inputs in request.inputs.items():  # PyWPS's BoundingBoxInput.from_json drops the CRS
        definitions = stored["inputs"][identifier]
        for inpt, definition in zip(inputs, definitions if isinstance(definitions, list) else [definitions]):
            if isinstance(definition, dict) and definition.get("crs") and hasattr(inpt, "crs"):
                inpt.crs = definition["crs"]
    return process, request, process.resume_job(uuid, request)
