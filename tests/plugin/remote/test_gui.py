"""The "WPS servers" dialog and the Processing toolbox actions, driven headless through their widgets.

Sub-dialogs run their real ``exec_()``: a timer finds the modal dialog, fills it and clicks
its buttons. Message boxes are replaced by recorders that answer as a user would.
"""

from __future__ import annotations

import time

import pytest
from processing.gui.ProviderActions import ProviderActions, ProviderContextMenuActions
from qgis.core import QgsApplication, QgsProcessingAlgorithm, QgsProcessingProvider, QgsSettings
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QCoreApplication, QTimer
from qgis.PyQt.QtWidgets import QApplication, QDialogButtonBox, QInputDialog, QMessageBox, QToolButton

from qgis_plugin.remote.gui import AddServerDialog, ServersDialog, install_gui, uninstall_gui
from qgis_plugin.remote.servers import SETTINGS_GROUP, ServerStore

pytestmark = pytest.mark.usefixtures("no_servers")


class Boxes:
    """Records QMessageBox.warning/question/information calls; ``question`` answers ``answer``."""

    def __init__(self, monkeypatch):
        self.shown = []
        self.answer = QMessageBox.Yes
        for kind in ("warning", "information", "critical"):
            monkeypatch.setattr(QMessageBox, kind, self._recorder(kind))
        monkeypatch.setattr(QMessageBox, "question", self._question)

    def _recorder(self, kind):
        def show(parent, title, text, *args):
            self.shown.append((kind, title, text))
            return QMessageBox.Ok
        return show

    def _question(self, parent, title, text, *args):
        self.shown.append(("question", title, text))
        return self.answer


@pytest.fixture
def boxes(monkeypatch):
    return Boxes(monkeypatch)


class Modal:
    """Acts on the next modal dialog from the event loop, while the code under test is in its exec_()."""

    def __init__(self):
        self.errors = []
        self.seen = []

    def next(self, action, timeout=30.0):
        deadline = time.monotonic() + timeout

        def poll():
            widget = QApplication.activeModalWidget()
            if widget is None:
                if time.monotonic() < deadline:
                    QTimer.singleShot(10, poll)
                else:
                    self.errors.append("no modal dialog appeared")
                return
            self.seen.append(type(widget).__name__)
            try:
                action(widget)
            except Exception as exc:  # reported by check(); the dialog must not stay open
                self.errors.append(repr(exc))
                widget.reject()

        QTimer.singleShot(0, poll)

    def check(self):
        assert self.errors == []


@pytest.fixture
def modal():
    modal = Modal()
    yield modal
    modal.check()


def fill_add_dialog(title, url, then_cancel=False):
    def action(dialog):
        assert isinstance(dialog, AddServerDialog)
        dialog.title_edit.setText(title)
        dialog.url_edit.setText(url)
        dialog.button_box.button(QDialogButtonBox.Ok).click()
        if then_cancel:
            assert dialog.isVisible(), "a rejected server must leave the dialog open"
            dialog.button_box.button(QDialogButtonBox.Cancel).click()
    return action


def answer_input(text):
    def action(dialog):
        assert isinstance(dialog, QInputDialog)
        dialog.setTextValue(text)
        dialog.accept()
    return action


def rows(dialog):
    items = [dialog.server_list.topLevelItem(i) for i in range(dialog.server_list.topLevelItemCount())]
    return [(item.text(0), item.text(1)) for item in items]


def select(dialog, title):
    for index in range(dialog.server_list.topLevelItemCount()):
        item = dialog.server_list.topLevelItem(index)
        item.setSelected(item.text(0) == title)


def settings_of(server_id):
    settings = QgsSettings()
    return {key: settings.value(f"{SETTINGS_GROUP}/{server_id}/{key}") for key in ("title", "url", "authcfg")}


@pytest.fixture
def refreshed():
    return []


@pytest.fixture
def dialog(refreshed):
    dialog = ServersDialog(ServerStore(), refreshed.append)
    yield dialog
    dialog.close()
    sip.delete(dialog)


def test_add_rename_refresh_remove_in_the_dialog(dialog, zoo_server, boxes, modal, refreshed):
    assert rows(dialog) == []
    assert not dialog.rename_button.isEnabled() and not dialog.remove_button.isEnabled()

    modal.next(fill_add_dialog("  Zoo  ", zoo_server.url))
    dialog.add_button.click()
    assert rows(dialog) == [("Zoo", zoo_server.url)]
    assert settings_of("wps_zoo") == {"title": "Zoo", "url": zoo_server.url, "authcfg": ""}
    assert dialog.selected_server_id() == "wps_zoo" and dialog.rename_button.isEnabled()

    modal.next(answer_input("Animals"))
    dialog.rename_button.click()
    assert rows(dialog) == [("Animals", zoo_server.url)]
    assert settings_of("wps_zoo")["title"] == "Animals"  # the id (provider id) stays

    dialog.refresh_button.click()
    assert refreshed == ["wps_zoo"]

    boxes.answer = QMessageBox.No
    dialog.remove_button.click()
    assert rows(dialog) == [("Animals", zoo_server.url)]
    boxes.answer = QMessageBox.Yes
    dialog.remove_button.click()
    assert rows(dialog) == [] and ServerStore().servers() == []
    assert [(kind, title) for kind, title, _ in boxes.shown] == [("question", "Remove WPS server")] * 2
    assert "“Animals”" in boxes.shown[0][2]
    assert modal.seen == ["AddServerDialog", "QInputDialog"]


def test_rejected_server_keeps_the_add_dialog_open_and_stores_nothing(dialog, closed_url, boxes, modal):
    modal.next(fill_add_dialog("Nothing there", closed_url, then_cancel=True))
    dialog.add_button.click()
    assert rows(dialog) == [] and ServerStore().servers() == []
    [(kind, title, text)] = boxes.shown
    assert (kind, title) == ("warning", "Add WPS server")
    assert "cannot be reached" in text and "Traceback" not in text


def test_empty_title_and_bad_url_are_explained(dialog, boxes, modal):
    modal.next(fill_add_dialog("", "http://127.0.0.1:9/wps", then_cancel=True))
    dialog.add_button.click()
    modal.next(fill_add_dialog("Zoo", "www.example.org/wps", then_cancel=True))
    dialog.add_button.click()
    assert [text for _, _, text in boxes.shown] == [
        "Give the WPS server a title.",
        "The WPS URL must start with http:// or https:// and name a host: www.example.org/wps"]
    assert ServerStore().servers() == []


def test_rename_to_nothing_is_refused(dialog, zoo_server, boxes, modal):
    ServerStore().add("Zoo", zoo_server.url)
    dialog.reload()
    select(dialog, "Zoo")
    modal.next(answer_input("   "))
    dialog.rename_button.click()
    assert rows(dialog) == [("Zoo", zoo_server.url)]
    assert boxes.shown == [("warning", "Rename WPS server", "Give the WPS server a title.")]


def test_refresh_failure_is_a_message(zoo_server, boxes):
    def failing_refresh(server_id):
        raise RuntimeError(f"{server_id} answered nonsense")

    ServerStore().add("Zoo", zoo_server.url)
    dialog = ServersDialog(ServerStore(), failing_refresh)
    try:
        select(dialog, "Zoo")
        dialog.refresh_button.click()
    finally:
        dialog.close()
        sip.delete(dialog)
    assert boxes.shown == [("warning", "Refresh WPS server",
                            "The processes of “Zoo” could not be refreshed: wps_zoo answered nonsense")]


def test_dialog_follows_other_stores(dialog, zoo_server):
    """The plugin's store, a toolbox action or another dialog may edit the list: the settings are the truth."""
    store = dialog.store
    store.add("Zoo", zoo_server.url)
    assert rows(dialog) == [("Zoo", zoo_server.url)]
    ServerStore().rename("wps_zoo", "Elsewhere")
    store.changed.emit()
    assert rows(dialog) == [("Elsewhere", zoo_server.url)]


class ServerStandIn(QgsProcessingProvider):
    """A provider with a server's id and one algorithm, as H3's registry makes them."""

    def __init__(self, server_id):
        super().__init__()
        self._id = server_id

    def id(self):
        return self._id

    def name(self):
        return "Zoo (WPS)"

    def loadAlgorithms(self):
        self.addAlgorithm(NoOp())


class NoOp(QgsProcessingAlgorithm):
    def name(self):
        return "noop"

    def displayName(self):
        return "No-op"

    def createInstance(self):
        return NoOp()

    def initAlgorithm(self, config=None):
        pass

    def processAlgorithm(self, parameters, context, feedback):
        return {}


@pytest.fixture
def toolbox(qgis_iface, monkeypatch):
    """QGIS's own Processing toolbox dock, built as the Processing plugin builds it."""
    from processing.gui.ProcessingToolbox import ProcessingToolbox

    toolbox = ProcessingToolbox()
    yield toolbox
    toolbox.close()
    sip.delete(toolbox)


def menu_texts(button):
    return [action.text() for action in button.menu().actions()]


def test_toolbox_actions(provider, toolbox, qgis_iface, zoo_server, boxes, modal, refreshed):
    store = ServerStore()
    handle = install_gui(qgis_iface, store, refreshed.append)
    menu_action = handle.menu_action
    registry = QgsApplication.processingRegistry()
    stand_in = None
    try:
        assert handle.menu_action.text() == "WPS servers…"
        own = toolbox.findChild(QToolButton, "provideraction_wmsedge")
        assert menu_texts(own) == ["Add WPS server…"]

        modal.next(fill_add_dialog("Zoo", zoo_server.url))
        own.menu().actions()[0].trigger()
        assert [server.server_id for server in store.servers()] == ["wps_zoo"]
        assert qgis_iface.messageBar().get_messages(3)[-1].startswith("WPS servers:“Zoo” added")

        stand_in = ServerStandIn("wps_zoo")
        assert registry.addProvider(stand_in)  # the registry does this on store.changed
        button = toolbox.findChild(QToolButton, "provideraction_wps_zoo")
        assert menu_texts(button) == ["Add WPS server…", "Rename WPS server…", "Remove WPS server",
                                      "Refresh WPS server"]
        assert button.toolTip() == "Zoo (WPS)"
        button.menu().actions()[3].trigger()
        assert refreshed == ["wps_zoo"]
        modal.next(answer_input("Menagerie"))
        button.menu().actions()[1].trigger()
        assert store.get("wps_zoo").title == "Menagerie"

        algorithm = registry.algorithmById("wps_zoo:noop")
        own_algorithm = next(iter(provider.algorithms()))
        ours = [action for action in ProviderContextMenuActions.actions if action in handle.context_actions]
        assert [action.name for action in ours] == ["Rename WPS server…", "Remove WPS server",
                                                    "Refresh WPS server"]
        for action in ours:
            action.setData(own_algorithm, toolbox)
            assert not action.isEnabled()
            action.setData(algorithm, toolbox)
            assert action.isEnabled()
        ours[2].execute()
        assert refreshed == ["wps_zoo", "wps_zoo"]

        button.menu().actions()[2].trigger()  # Remove, confirmed
        assert store.servers() == [] and boxes.shown[-1][0] == "question"
        assert "wps_zoo" not in ProviderActions.actions
        QCoreApplication.sendPostedEvents(None, 0)
        assert toolbox.findChild(QToolButton, "provideraction_wps_zoo") is None
    finally:
        if stand_in is not None:
            registry.removeProvider(stand_in)
        uninstall_gui(handle)
    assert "wmsedge" not in ProviderActions.actions
    assert not any(action in ProviderContextMenuActions.actions for action in ours)
    qgis_iface.removePluginMenu.assert_called_with("WMS Edge", menu_action)


def test_provider_of_a_server_gets_its_button_when_it_appears(provider, toolbox, qgis_iface, zoo_server):
    store = ServerStore()
    store.add("Zoo", zoo_server.url)
    handle = install_gui(qgis_iface, store, lambda server_id: None)
    registry = QgsApplication.processingRegistry()
    stand_in, stranger = ServerStandIn("wps_zoo"), ServerStandIn("not_a_server")
    try:
        assert registry.addProvider(stand_in) and registry.addProvider(stranger)
        assert toolbox.findChild(QToolButton, "provideraction_wps_zoo") is not None
        assert toolbox.findChild(QToolButton, "provideraction_not_a_server") is None
        registry.removeProvider(stand_in)
        QCoreApplication.sendPostedEvents(None, 0)
        assert toolbox.findChild(QToolButton, "provideraction_wps_zoo") is None
    finally:
        registry.removeProvider(stranger)
        uninstall_gui(handle)


def test_menu_entry_opens_the_dialog(qgis_iface, modal):
    handle = install_gui(qgis_iface, ServerStore(), lambda server_id: None)
    try:
        modal.next(lambda dialog: dialog.button_box.button(QDialogButtonBox.Close).click())
        handle.menu_action.trigger()
        assert modal.seen == ["ServersDialog"]
    finally:
        uninstall_gui(handle)
