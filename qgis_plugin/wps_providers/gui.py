"""Where users manage their WPS servers: a dialog, and actions in the Processing toolbox.

- Plugins > WMS Edge > "WPS servers…": the list (title, URL) with Add, Rename,
  Remove and Refresh.
- The Processing toolbox, as QGIS's own providers do it (Scripts, Models): the
  provider's button in the toolbox's toolbar opens a menu of
  ``processing.gui.ProviderActions`` — "Add WPS server…" on the ``wmsedge``
  provider, and "Add WPS server…", "Rename…", "Remove", "Refresh" on each
  remote server's provider — and right-clicking a remote process offers the
  same per-server actions (``ProviderContextMenuActions``).

QGIS 3.22's toolbox adds provider buttons only when it is built (its
``providerRemoved`` handler is wired to ``addProvider``, and it removes buttons
under a name it never gives them), so the buttons of providers that come and
go later are added and removed here.

Every error reaches the user as a message box (with the server's reason) or a
message bar entry; nothing is stored when a check fails.
"""

from __future__ import annotations

from typing import Callable

from processing.gui.ContextAction import ContextAction
from processing.gui.ProviderActions import ProviderActions, ProviderContextMenuActions
from processing.gui.ToolboxAction import ToolboxAction
from qgis.core import QgsApplication
from qgis.gui import QgsAuthConfigSelect
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtGui import QIcon
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QAction,
    QApplication,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QInputDialog,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QToolButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ..provider import ICON_PATH
from ..translation import tr
from ..wps.protocol import WpsError
from .servers import RemoteServer, ServerRejected, ServerStore

OWN_PROVIDER_ID = "wmsedge"
_BUTTON_PREFIX = "provideraction_"  # the object name QGIS's toolbox gives a provider's button


def _menu_name() -> str:
    return tr("WMS Edge")


class _BusyCursor:
    """The wait cursor while a server is asked something (the request blocks the interface)."""

    def __enter__(self):
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)

    def __exit__(self, *exc):
        QApplication.restoreOverrideCursor()


# ---------------------------------------------------------------- the operations, shared by dialog and toolbox


class AddServerDialog(QDialog):
    """Title, URL and an optional authentication configuration; OK checks the server and adds it.

    A rejected server leaves the dialog open with the reason shown, so the user can fix the URL.
    """

    def __init__(self, store: ServerStore, parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.server: RemoteServer | None = None
        self.setWindowTitle(tr("Add WPS server"))
        self.title_edit = QLineEdit(self)
        self.title_edit.setPlaceholderText(tr("e.g. My institute's WPS"))
        self.url_edit = QLineEdit(self)
        self.url_edit.setPlaceholderText("https://example.org/wps")
        self.auth_select = QgsAuthConfigSelect(self)
        buttons = QDialogButtonBox.StandardButton
        self.button_box = QDialogButtonBox(buttons.Ok | buttons.Cancel, self)
        self.button_box.accepted.connect(self.accept)
        self.button_box.rejected.connect(self.reject)
        form = QFormLayout()
        form.addRow(tr("Title"), self.title_edit)
        form.addRow(tr("URL"), self.url_edit)
        form.addRow(tr("Authentication"), self.auth_select)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.button_box)
        self.setMinimumWidth(480)

    def accept(self):
        self.button_box.setEnabled(False)  # the check runs an event loop: no second click meanwhile
        try:
            with _BusyCursor():
                self.server = self.store.add(self.title_edit.text(), self.url_edit.text(),
                                             self.auth_select.configId())
        except ServerRejected as exc:
            QMessageBox.warning(self, tr("Add WPS server"), str(exc))
            return
        finally:
            self.button_box.setEnabled(True)
        super().accept()


def add_server(parent: QWidget | None, store: ServerStore) -> RemoteServer | None:
    dialog = AddServerDialog(store, parent)
    return dialog.server if dialog.exec() == QDialog.DialogCode.Accepted else None


def rename_server(parent: QWidget | None, store: ServerStore, server_id: str) -> RemoteServer | None:
    server = store.get(server_id)
    if server is None:
        QMessageBox.warning(parent, tr("Rename WPS server"), tr("This WPS server is no longer configured."))
        return None
    title, accepted = QInputDialog.getText(parent, tr("Rename WPS server"), tr("New title of {url}:")
                                           .format(url=server.url), QLineEdit.EchoMode.Normal, server.title)
    if not accepted:
        return None
    try:
        return store.rename(server_id, title)
    except ServerRejected as exc:
        QMessageBox.warning(parent, tr("Rename WPS server"), str(exc))
        return None


def remove_server(parent: QWidget | None, store: ServerStore, server_id: str) -> bool:
    server = store.get(server_id)
    if server is None:
        return False
    answer = QMessageBox.question(
        parent, tr("Remove WPS server"),
        tr("Remove the WPS server “{title}” ({url})? Its processes leave the Processing toolbox; models "
           "that use them will not run until it is added again.").format(title=server.title, url=server.url),
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No, QMessageBox.StandardButton.No)
    if answer != QMessageBox.StandardButton.Yes:
        return False
    try:
        store.remove(server_id)
    except ServerRejected as exc:
        QMessageBox.warning(parent, tr("Remove WPS server"), str(exc))
        return False
    return True


def refresh_server(parent: QWidget | None, store: ServerStore, refresh: Callable[[str], None],
                   server_id: str) -> bool:
    """Ask the registry to fetch the server's process descriptions again (it raises WpsError on failure)."""
    server = store.get(server_id)
    if server is None:
        return False
    try:
        with _BusyCursor():
            refresh(server_id)
    except WpsError as exc:
        QMessageBox.warning(parent, tr("Refresh WPS server"),
                            tr("The processes of “{title}” could not be refreshed: {reason}")
                            .format(title=server.title, reason=exc))
        return False
    return True


# ---------------------------------------------------------------- the dialog


class ServersDialog(QDialog):
    """The configured WPS servers (title, URL), with Add, Rename, Remove and Refresh."""

    def __init__(self, store: ServerStore, refresh: Callable[[str], None], parent: QWidget | None = None):
        super().__init__(parent)
        self.store = store
        self.refresh = refresh
        self.setWindowTitle(tr("WPS servers"))
        self.server_list = QTreeWidget(self)
        self.server_list.setColumnCount(2)
        self.server_list.setHeaderLabels([tr("Title"), tr("URL")])
        self.server_list.setRootIsDecorated(False)
        self.server_list.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.server_list.setColumnWidth(0, 200)
        self.add_button = QPushButton(tr("Add…"), self)
        self.rename_button = QPushButton(tr("Rename…"), self)
        self.remove_button = QPushButton(tr("Remove"), self)
        self.refresh_button = QPushButton(tr("Refresh"), self)
        self.button_box = QDialogButtonBox(QDialogButtonBox.StandardButton.Close, self)
        self.button_box.rejected.connect(self.reject)

        buttons = QVBoxLayout()
        for button in (self.add_button, self.rename_button, self.remove_button, self.refresh_button):
            buttons.addWidget(button)
        buttons.addStretch()
        row = QHBoxLayout()
        row.addWidget(self.server_list)
        row.addLayout(buttons)
        layout = QVBoxLayout(self)
        layout.addLayout(row)
        layout.addWidget(self.button_box)
        self.resize(640, 320)

        self.add_button.clicked.connect(self._add)
        self.rename_button.clicked.connect(self._rename)
        self.remove_button.clicked.connect(self._remove)
        self.refresh_button.clicked.connect(self._refresh)
        self.server_list.itemSelectionChanged.connect(self._update_buttons)
        self.server_list.itemDoubleClicked.connect(lambda *_: self._rename())
        store.changed.connect(self.reload)
        self.reload()

    def reload(self):
        """Show the servers the settings hold now, keeping the selection when it still exists."""
        selected = self.selected_server_id()
        self.server_list.clear()
        for server in self.store.servers():
            item = QTreeWidgetItem([server.title, server.url])
            item.setData(0, Qt.ItemDataRole.UserRole, server.server_id)
            item.setToolTip(0, tr("Processing provider id: {server_id}").format(server_id=server.server_id))
            self.server_list.addTopLevelItem(item)
            if server.server_id == selected:
                item.setSelected(True)
        self._update_buttons()

    def selected_server_id(self) -> str | None:
        items = self.server_list.selectedItems()
        return items[0].data(0, Qt.ItemDataRole.UserRole) if items else None

    def select(self, server_id: str):
        for index in range(self.server_list.topLevelItemCount()):
            item = self.server_list.topLevelItem(index)
            item.setSelected(item.data(0, Qt.ItemDataRole.UserRole) == server_id)

    def _update_buttons(self):
        chosen = self.selected_server_id() is not None
        for button in (self.rename_button, self.remove_button, self.refresh_button):
            button.setEnabled(chosen)

    def _add(self):
        server = add_server(self, self.store)
        if server is not None:
            self.select(server.server_id)

    def _rename(self):
        if self.selected_server_id():
            rename_server(self, self.store, self.selected_server_id())

    def _remove(self):
        if self.selected_server_id():
            remove_server(self, self.store, self.selected_server_id())

    def _refresh(self):
        if self.selected_server_id():
            refresh_server(self, self.store, self.refresh, self.selected_server_id())

    def done(self, result):
        self.store.changed.disconnect(self.reload)
        super().done(result)


# ---------------------------------------------------------------- Processing toolbox


class _ProviderAction(ToolboxAction):
    """An entry of a provider's menu in the toolbox's toolbar (QGIS reads ``name`` and calls ``execute``)."""

    def __init__(self, name: str, callback: Callable[[], None]):
        self.name = name
        self._callback = callback

    def execute(self):
        self._callback()


class _ServerContextAction(ContextAction):
    """An entry of the toolbox's right-click menu on a process of a configured server."""

    def __init__(self, name: str, store: ServerStore, callback: Callable[[str], None]):
        super().__init__()
        self.name = name
        self._store = store
        self._callback = callback

    def _server_id(self) -> str | None:
        provider = self.itemData.provider() if getattr(self, "itemData", None) is not None else None
        return provider.id() if provider is not None else None

    def isEnabled(self):
        server_id = self._server_id()
        return server_id is not None and self._store.get(server_id) is not None

    def execute(self):
        self._callback(self._server_id())


def _processing_toolbox():
    """The Processing toolbox dock, if the Processing plugin built one."""
    from qgis.utils import plugins

    toolbox = getattr(plugins.get("processing"), "toolbox", None)
    if toolbox is not None:
        return toolbox
    from processing.gui.ProcessingToolbox import ProcessingToolbox

    return next((widget for widget in QApplication.topLevelWidgets() if isinstance(widget, ProcessingToolbox)), None)


class GuiHandle:
    """What :func:`install_gui` put in place, so that :func:`uninstall_gui` takes all of it away."""

    def __init__(self, iface, store: ServerStore, refresh: Callable[[str], None]):
        self.iface = iface
        self.store = store
        self.refresh = refresh
        self.menu_action: QAction | None = None
        self.provider_ids: set = set()
        self.context_actions: list = []
        self.dialog: ServersDialog | None = None
        self.installed = False

    def parent(self) -> QWidget | None:
        return self.iface.mainWindow() if self.iface is not None else None

    def message(self, text: str):
        if self.iface is not None:
            self.iface.messageBar().pushSuccess(tr("WPS servers"), text)

    # -- the operations, with a message bar note on success

    def add(self):
        server = add_server(self.parent(), self.store)
        if server is not None:
            self.message(tr("“{title}” added: its processes are in the Processing toolbox.")
                         .format(title=server.title))

    def rename(self, server_id: str):
        server = rename_server(self.parent(), self.store, server_id)
        if server is not None:
            self.message(tr("WPS server renamed “{title}”.").format(title=server.title))

    def remove(self, server_id: str):
        title = (self.store.get(server_id) or RemoteServer(server_id, server_id, "")).title
        if remove_server(self.parent(), self.store, server_id):
            self.message(tr("WPS server “{title}” removed.").format(title=title))

    def refresh_descriptions(self, server_id: str):
        if refresh_server(self.parent(), self.store, self.refresh, server_id):
            self.message(tr("Processes of “{title}” refreshed.").format(title=self.store.get(server_id).title))

    def show_dialog(self):
        self.dialog = ServersDialog(self.store, self.refresh, self.parent())
        self.dialog.exec()
        self.dialog = None

    # -- toolbox actions of providers as they come and go

    def provider_actions(self, provider_id: str) -> list:
        add = _ProviderAction(tr("Add WPS server…"), self.add)
        if provider_id == OWN_PROVIDER_ID:
            return [add]
        return [add,
                _ProviderAction(tr("Rename WPS server…"), lambda: self.rename(provider_id)),
                _ProviderAction(tr("Remove WPS server"), lambda: self.remove(provider_id)),
                _ProviderAction(tr("Refresh WPS server"), lambda: self.refresh_descriptions(provider_id))]

    def provider_added(self, provider_id: str):
        if provider_id != OWN_PROVIDER_ID and self.store.get(provider_id) is None:
            return
        provider = QgsApplication.processingRegistry().providerById(provider_id)
        if provider is None:
            return
        ProviderActions.registerProviderActions(provider, self.provider_actions(provider_id))
        self.provider_ids.add(provider_id)
        toolbox = _processing_toolbox()
        if toolbox is not None and _toolbox_button(toolbox, provider_id) is None:
            toolbox.addProviderActions(provider)

    def provider_removed(self, provider_id: str):
        if provider_id not in self.provider_ids:
            return
        self.provider_ids.discard(provider_id)
        ProviderActions.actions.pop(provider_id, None)
        toolbox = _processing_toolbox()
        if toolbox is not None:
            _remove_toolbox_button(toolbox, provider_id)

    def store_changed(self):
        """New titles show in the buttons' tooltips; servers gone lose their actions."""
        toolbox = _processing_toolbox()
        for provider_id in list(self.provider_ids):
            provider = QgsApplication.processingRegistry().providerById(provider_id)
            if provider_id != OWN_PROVIDER_ID and self.store.get(provider_id) is None:
                self.provider_removed(provider_id)
            elif toolbox is not None and provider is not None:
                button = _toolbox_button(toolbox, provider_id)
                if button is not None:
                    button.setToolTip(provider.name())


def _toolbox_button(toolbox, provider_id: str) -> QToolButton | None:
    return toolbox.findChild(QToolButton, _BUTTON_PREFIX + provider_id)


def _remove_toolbox_button(toolbox, provider_id: str):
    button = _toolbox_button(toolbox, provider_id)
    if button is None:
        return
    toolbar = toolbox.processingToolbar
    for action in toolbar.actions():
        if toolbar.widgetForAction(action) is button:
            toolbar.removeAction(action)
    button.setParent(None)
    button.deleteLater()


def install_gui(iface, store: ServerStore, refresh: Callable[[str], None]) -> GuiHandle:
    """Add the "WPS servers…" menu entry and the toolbox actions; returns the handle for :func:`uninstall_gui`."""
    handle = GuiHandle(iface, store, refresh)
    handle.menu_action = QAction(QIcon(str(ICON_PATH)), tr("WPS servers…"), iface.mainWindow())
    handle.menu_action.setObjectName("wmsedge_wps_servers")
    handle.menu_action.triggered.connect(handle.show_dialog)
    iface.addPluginToMenu(_menu_name(), handle.menu_action)

    registry = QgsApplication.processingRegistry()
    registry.providerAdded.connect(handle.provider_added)
    registry.providerRemoved.connect(handle.provider_removed)
    store.changed.connect(handle.store_changed)
    for provider in registry.providers():
        handle.provider_added(provider.id())
    handle.context_actions = [
        _ServerContextAction(tr("Rename WPS server…"), store, handle.rename),
        _ServerContextAction(tr("Remove WPS server"), store, handle.remove),
        _ServerContextAction(tr("Refresh WPS server"), store, handle.refresh_descriptions),
    ]
    ProviderContextMenuActions.registerProviderContextMenuActions(handle.context_actions)
    handle.installed = True
    return handle


def uninstall_gui(handle: GuiHandle) -> None:
    """Remove everything :func:`install_gui` added (menu entry, toolbox buttons and actions); once."""
    if not handle.installed:
        return
    handle.installed = False
    registry = QgsApplication.processingRegistry()
    registry.providerAdded.disconnect(handle.provider_added)
    registry.providerRemoved.disconnect(handle.provider_removed)
    handle.store.changed.disconnect(handle.store_changed)
    for provider_id in list(handle.provider_ids):
        handle.provider_removed(provider_id)
    ProviderContextMenuActions.deregisterProviderContextMenuActions(handle.context_actions)
    handle.context_actions = []
    if handle.menu_action is not None:
        handle.iface.removePluginMenu(_menu_name(), handle.menu_action)
        handle.menu_action.deleteLater()
        handle.menu_action = None
