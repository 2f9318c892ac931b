"""The zoo's WSGI application: the PyWPS service at /wps and its output folder at /outputs/.

PyWPS 4.8 does not serve the files it stores (outputs and status documents),
so this router does, read-only and confined to the output folder.
``gunicorn support.zoo_wps.app:application`` builds it from ``$ZOO_WPS_CFG``.
"""

from __future__ import annotations

import os
import time

from pywps import Service, configuration, dblog
from sqlalchemy.exc import OperationalError
from werkzeug.exceptions import HTTPException, MethodNotAllowed, NotFound
from werkzeug.utils import send_from_directory

from .processes import all_processes

WPS_PATH = "/wps"
OUTPUTS_PATH = "/outputs/"


class ZooApplication:
    def __init__(self, config_file: str):
        self.service = Service(all_processes(), cfgfiles=[config_file])
        self.outputs_folder = configuration.get_config_value("server", "outputpath")
        os.makedirs(self.outputs_folder, exist_ok=True)
        os.makedirs(configuration.get_config_value("server", "workdir"), exist_ok=True)
        _create_job_tables()

    def __call__(self, environ, start_response):
        path = environ.get("PATH_INFO", "")
        if path.rstrip("/") == WPS_PATH:
            return self.service(environ, start_response)
        if path.startswith(OUTPUTS_PATH):
            return self._output_file(environ, path[len(OUTPUTS_PATH):])(environ, start_response)
        return NotFound(f"No such page. The WPS endpoint is {WPS_PATH}").get_response(environ)(
            environ, start_response)

    def _output_file(self, environ, relative):
        try:
            if environ.get("REQUEST_METHOD") not in ("GET", "HEAD"):
                raise MethodNotAllowed(valid_methods=["GET", "HEAD"])
            if not relative or any(part.startswith(".") or not part for part in relative.split("/")):
                raise NotFound()
            return send_from_directory(self.outputs_folder, relative, environ)
        except HTTPException as exc:
            return exc.get_response(environ)


def _create_job_tables():
    """PyWPS creates its job tables on first use; two workers starting together may race: retry."""
    for attempt in range(10):
        try:
            dblog.get_session().close()
            return
        except OperationalError:
            if attempt == 9:
                raise
            time.sleep(0.2)


def __getattr__(name):
    """``application``, built on first access, from ``$ZOO_WPS_CFG``."""
    if name == "application":
        app = ZooApplication(os.environ["ZOO_WPS_CFG"])
        globals()["application"] = app
        return app
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
