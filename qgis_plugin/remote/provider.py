"""One Processing provider per remote WPS server; its algorithms are the server's processes.

Why a provider per server rather than a group in ``wmsedge``: ``qgis_process run
<server_id>:<process>`` names the server, each server is refreshed or removed on
its own (``refreshAlgorithms`` of one provider), process identifiers of different
servers never clash, and the toolbox shows each server as its own branch with
its own actions.
"""

from __future__ import annotations

from qgis.core import Qgis, QgsMessageLog, QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from ..provider import ICON_PATH
from ..translation import tr
from ..wps_client import WpsError, redact
from .algorithm import RemoteWpsAlgorithm

LOG_TAG = "WMS Edge"


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
            try:
                descriptions = self.cache.fetch(self.server)
            except WpsError as exc:
                self.load_error = tr("The processes of the WPS server {title} could not be loaded: {error}").format(
                    title=self.server.title, error=exc)
                QgsMessageLog.logMessage(self.load_error, LOG_TAG, Qgis.Warning)
                descriptions = []
        for description in descriptions:
            self.addAlgorithm(RemoteWpsAlgorithm(self.server, description))

    def supportsNonFileBasedOutput(self):
        return False

    def supportedOutputRasterLayerExtensions(self):
        return ["tif"]

    def defaultRasterFileExtension(self):
        return "tif"

    def supportedOutputVectorLayerExtensions(self):
        return ["geojson", "gml", "gpkg", "shp"]

    def defaultVectorFileExtension(self, hasGeometry=True):  # noqa: N803 (QGIS signature)
        return "geojson"
