"""One Processing provider per remote WPS server; its algorithms are the server's processes.

Why a provider per server rather than a group in ``wmsedge``: ``qgis_process run
<server_id>:<process>`` names the server, each server is refreshed or removed on
its own (``refreshAlgorithms`` of one provider), process identifiers of different
servers never clash, and the toolbox shows each server as its own branch with
its own actions.
"""

from __future__ import annotations

import sys
import threading

from qgis.core import Qgis, QgsApplication, QgsFeedback, QgsMessageLog, QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..core.wms import redact
from ..provider import ICON_PATH
from ..translation import tr
from ..wps.protocol import UnusableProcess, WpsCanceled, WpsError
from .algorithm import RemoteWpsAlgorithm

LOG_TAG = "WMS Edge"
#: Seconds a server without cached descriptions may take to describe its processes when its
#: provider loads (QGIS start, ``qgis_process``): QGIS's own network timeout (60 s by default)
#: would hold the start that long for a server that does not answer.
LOAD_TIMEOUT = 20.0


class RemoteWpsProvider(QgsProcessingProvider):
    """The processes of ``server`` (a ``RemoteServer``), from the cache, else fetched once.

    A server that cannot be reached (and has no cache) gives a provider with no
    algorithms, a warning in the message log and in the toolbox: never an
    exception while QGIS starts.
    """

    def __init__(self, server, cache):
        super().__init__()
        self.server = server
        self.cache = cache
        self.load_error = ""

    def id(self):
        return self.server.server_id

    def name(self):
        return self.server.title

    def longName(self):
        return tr("{title} (WPS server {url})").format(title=self.server.title, url=redact(self.server.url))

    def icon(self):
        return QIcon(str(ICON_PATH))

    def warningMessage(self):
        return self.load_error

    def loadAlgorithms(self):
        descriptions = self.cache.load(self.server)
        self.load_error = ""
        if descriptions is None:
            feedback = QgsFeedback()
            timer = threading.Timer(LOAD_TIMEOUT, feedback.cancel)
            timer.start()
            try:
                descriptions = self.cache.fetch(self.server, feedback)
            except WpsCanceled:
                descriptions = self._failed(tr("no answer within {seconds:g} s").format(seconds=LOAD_TIMEOUT))
            except WpsError as exc:
                descriptions = self._failed(str(exc))
            except Exception as exc:  # noqa: BLE001 (a provider must never break QGIS's start)
                descriptions = self._failed(f"{type(exc).__name__}: {exc}")
            finally:
                timer.cancel()
        for description in descriptions:
            if isinstance(description, UnusableProcess):
                QgsMessageLog.logMessage(
                    tr("The process {identifier} of the WPS server {title} is left out: {reason}").format(
                        identifier=description.identifier, title=self.server.title, reason=description.reason),
                    LOG_TAG, Qgis.Warning)
            else:
                self.addAlgorithm(RemoteWpsAlgorithm(self.server, description))

    def _failed(self, reason: str) -> list:
        """Log why the processes could not be loaded (shown in the toolbox too; ``qgis_process``,
        which shows no provider warnings, prints it on stderr, before its "Algorithm … not found!"),
        no algorithms."""
        self.load_error = tr("The processes of the WPS server {title} could not be loaded: {error}").format(
            title=self.server.title, error=reason)
        QgsMessageLog.logMessage(self.load_error, LOG_TAG, Qgis.Warning)
        if QgsApplication.platform() == "qgis_process":
            print(tr("Warning: {message} (provider {provider})").format(message=self.load_error, provider=self.id()),
                  file=sys.stderr, flush=True)
        return []

    def supportsNonFileBasedOutput(self):
        return False

    def supportedOutputRasterLayerExtensions(self):
        return ["tif"]

    def defaultRasterFileExtension(self):
        return "tif"

    def supportedOutputVectorLayerExtensions(self):
        return ["geojson", "gml", "gpkg"]

    def defaultVectorFileExtension(self, hasGeometry=True):  # noqa: N803 (QGIS signature)
        return "geojson"
