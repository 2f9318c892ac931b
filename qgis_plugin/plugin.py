"""The QGIS plugin: registers the Processing providers (ours and one per remote WPS server) and its menus."""

from __future__ import annotations

from qgis.core import QgsApplication
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import QAction, QInputDialog, QLineEdit

from .provider import ICON_PATH, WmsEdgeProvider
from .settings import default_wps_url, set_default_wps_url
from .translation import install_translator, remove_translator, tr
from .wps_providers.gui import install_gui, uninstall_gui
from .wps_providers.registry import RemoteProviders
from .wps_providers.servers import ServerStore


class WmsEdgePlugin:
    """Registers the providers in ``initProcessing()`` and removes them in ``unload()``.

    ``qgis_process`` calls only ``initProcessing()``, which registers ``wmsedge``
    and one provider per configured WPS server (from the description cache, so
    without network requests once a server is known). The desktop also calls
    ``initGui()``, which adds "Plugins > WMS Edge > Default WPS server…" and the
    WPS server management (menu entry and Processing toolbox actions).
    """

    def __init__(self, iface):
        self.iface = iface
        self.provider = None
        self.server_store = None
        self.remote_providers = None
        self.settings_action = None
        self.remote_gui = None
        self.translator = install_translator()

    def initProcessing(self):
        if self.provider is None:
            self.provider = WmsEdgeProvider()
            QgsApplication.processingRegistry().addProvider(self.provider)
        if self.remote_providers is None:
            self.server_store = ServerStore()
            self.remote_providers = RemoteProviders(self.server_store)

    def initGui(self):
        self.initProcessing()
        self.settings_action = QAction(QIcon(str(ICON_PATH)), tr("Default WPS server…"), self.iface.mainWindow())
        self.settings_action.triggered.connect(self.edit_default_wps_url)
        self.iface.addPluginToMenu(tr("WMS Edge"), self.settings_action)
        self.remote_gui = install_gui(self.iface, self.server_store, self.remote_providers.refresh)

    def unload(self):
        if self.remote_gui is not None:
            uninstall_gui(self.remote_gui)
            self.remote_gui = None
        if self.settings_action is not None:
            self.iface.removePluginMenu(tr("WMS Edge"), self.settings_action)
            self.settings_action = None
        if self.remote_providers is not None:
            self.remote_providers.unload()
            self.remote_providers = None
            self.server_store = None
        if self.provider is not None:
            QgsApplication.processingRegistry().removeProvider(self.provider)
            self.provider = None
        remove_translator(self.translator)
        self.translator = None

    def edit_default_wps_url(self):
        url, accepted = QInputDialog.getText(
            self.iface.mainWindow(), tr("WMS Edge"),
            tr("WPS endpoint used by default by the remote backend:"), QLineEdit.EchoMode.Normal, default_wps_url())
        if accepted and url.strip():
            set_default_wps_url(url)
