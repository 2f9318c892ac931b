"""PyWPS responses that share one Jinja environment and write the job database only for jobs.

PyWPS 4.8 gives every response a new Jinja environment, so each request
parses and compiles its XML templates again: about 15 ms per template on a
2-core machine, more than the rest of a GetCapabilities request. These
subclasses use one environment per process, built with PyWPS's own settings,
whose compiled templates are then reused.

PyWPS also writes every status change of every request to its job database,
and renders the execute document at each change, even for a raw output that
never sends it. Here only asynchronous jobs are recorded (see
:mod:`wps_server.jobs`), and a synchronous execute document is rendered once,
when the request ends, and only if it is the answer.
"""

from __future__ import annotations

import functools

from jinja2 import PackageLoader
from pywps.response import RelEnvironment
from pywps.response.capabilities import CapabilitiesResponse
from pywps.response.describe import DescribeResponse
from pywps.response.execute import ExecuteResponse
from pywps.response.status import WPS_STATUS
from pywps.translations import get_translation

from . import jobs


@functools.lru_cache(maxsize=1)
def shared_template_env() -> RelEnvironment:
    env = RelEnvironment(loader=PackageLoader("pywps", "templates"), trim_blocks=True, lstrip_blocks=True,
                         autoescape=True)
    env.globals.update(get_translation=get_translation)
    return env


class _SharedTemplates:
    """``template_env`` is the shared environment; the one PyWPS's constructor assigns is dropped."""

    @property
    def template_env(self):
        return shared_template_env()

    @template_env.setter
    def template_env(self, _per_response_env):
        pass


class _Unrecorded:
    """A response whose status lives only in memory: no job, no database row."""

    def _update_status(self, status, message, status_percentage):
        self.status, self.message, self.status_percentage = status, message, status_percentage


class SharedCapabilitiesResponse(_Unrecorded, _SharedTemplates, CapabilitiesResponse):
    pass


class SharedDescribeResponse(_Unrecorded, _SharedTemplates, DescribeResponse):
    pass


class SharedExecuteResponse(_SharedTemplates, ExecuteResponse):
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
            jobs.store_status(self.uuid, status, message, status_percentage)

    @property
    def json(self):
        """PyWPS's, keeping the message of an accepted job (PyWPS replaces it with a generic
        one, and a queued job's client should read that it is queued)."""
        message = self.message
        data = super().json
        if self.status == WPS_STATUS.ACCEPTED:
            self.message = data["status"]["message"] = message
        return data
