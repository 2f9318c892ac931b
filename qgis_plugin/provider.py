"""The ``wmsedge`` Processing provider."""

from __future__ import annotations

from pathlib import Path

from qgis.core import QgsProcessingProvider
from qgis.PyQt.QtGui import QIcon

from .algorithms import EdgeTileAlgorithm
from .translation import tr

ICON_PATH = Path(__file__).resolve().parent / "icon.png"


class WmsEdgeProvider(QgsProcessingProvider):
    """Holds the edge algorithms; its id prefixes their ids (``wmsedge:edge_tile``)."""

    def id(self):
        return "wmsedge"

    def name(self):
        return tr("WMS Edge")

    def longName(self):
        return tr("WMS Edge: Sobel/Prewitt edge maps of WMS layers")

    def icon(self):
        return QIcon(str(ICON_PATH))

    def loadAlgorithms(self):
        self.addAlgorithm(EdgeTileAlgorithm())

    def supportedOutputRasterLayerExtensions(self):
        return ["tif"]

    def defaultRasterFileExtension(self):
        return "tif"
