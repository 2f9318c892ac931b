"""PyWPS responses that share one Jinja environment and write no job record.

PyWPS 4.8 gives every response a new Jinja environment, so each request
parses and compiles its XML templates again: about 15 ms per template on a
2-core machine, more than the rest of a GetCapabilities request. These
subclasses use one environment per process, built with PyWPS's own settings,
whose compiled templates are then reused.

PyWPS also writes every status change of every request to its job database.
GetCapabilities and DescribeProcess are not jobs: their status stays in memory.
Execute responses are in :mod:`wps_server.jobs.execution`.
"""

from __future__ import annotations

import functools

from jinja2 import PackageLoader
from pywps.response import RelEnvironment
from pywps.response.capabilities import CapabilitiesResponse
from pywps.response.describe import DescribeResponse
from pywps.translations import get_translation


@functools.lru_cache(maxsize=1)
def shared_template_env() -> RelEnvironment:
    env = RelEnvironment(loader=PackageLoader("pywps", "templates"), trim_blocks=True, lstrip_blocks=True,
                         autoescape=True)
    env.globals.update(get_translation=get_translation)
    return env


class SharedTemplates:
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


class SharedCapabilitiesResponse(_Unrecorded, SharedTemplates, CapabilitiesResponse):
    pass


class SharedDescribeResponse(_Unrecorded, SharedTemplates, DescribeResponse):
    pass
