"""The QGIS plugin: registers the Processing provider and a menu entry for its setting."""

from __future__ import annotations

from qgis.core import QgsApplication
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction, QInputDialog, QLineEdit

from .provider import ICON_PATH, WmsEdgeProvider
from .settings import default_wps_url, set_default_wps_url
from .translation import install_translator, remove_translator, tr


class WmsEdgePlugin:
    """Registers the ``wmsedge`` provider in ``initProcessing()`` and removes it in ``unload()``.

    ``qgis_process`` calls only ``initProcessing()``; the desktop also calls
    ``initGui()``, which adds "Plugins > WMS Edge > Default WPS server…".
    """

    def __init__(self, iface):
        self.iface = iface
        self.provider = None
        self.settings_action = None
        self.translator = install_translator()

    def initProcessing(self):
        if self.provider is None:
            self.provider = WmsEdgeProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)

    def initGui(self):
        self.initProcessing()
        self.settings_action = QAction(QIcon(str(ICON_PATH)), tr("Default WPS server…"), self.iface.mainWindow())
        self.settings_action.triggered.connect(self.edit_default_wps_url)
        self.iface.addPluginToMenu(tr("WMS Edge"), self.settings_action)

    def unload(self):
        if self.settings_action is not None:
            self.iface.removePluginMenu(tr("WMS Edge"), self.settings_action)
            self.settings_action = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        remove_translator(self.translator)
        self.translator = None

    def edit_default_wps_url(self):
        url, accepted = QInputDialog.getText(
            self.iface.mainWindow(), tr("WMS Edge"),
            tr("WPS endpoint used by default by the remote backend:"), QLineEdit.Normal, default_wps_url())
        if accepted and url.strip():
            set_default_wps_url(url)
