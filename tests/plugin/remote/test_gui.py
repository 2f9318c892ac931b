"""The "WPS servers" dialog and the Processing toolbox actions, driven headless through their widgets.

Sub-dialogs run their real ``exec_()``: a timer finds the modal dialog, fills it and clicks
its buttons. Message boxes are replaced by recorders that answer as a user would.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import pytest
from processing.gui.ProviderActions import ProviderActions, ProviderContextMenuActions
from qgis.core import Qgis, QgsApplication, QgsSettings
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QCoreApplication, QTimer
from qgis.PyQt.QtWidgets import QApplication, QDialogButtonBox, QInputDialog, QMessageBox, QToolButton
from support.zoo_wps import ZooWpsServer

from qgis_plugin.wps.protocol import WpsError
from qgis_plugin.wps_providers.cache import DescriptionCache
from qgis_plugin.wps_providers.gui import AddServerDialog, ServersDialog, install_gui, uninstall_gui
from qgis_plugin.wps_providers.registry import RemoteProviders
from qgis_plugin.wps_providers.servers import SETTINGS_GROUP, ServerStore

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


def test_authentication_configuration_chosen_in_the_dialog_is_stored(dialog, zoo_server, modal, basic_authcfg):
    def choose(add_dialog):
        add_dialog.auth_select.setConfigId(basic_authcfg)
        fill_add_dialog("Zoo", zoo_server.url)(add_dialog)

    modal.next(choose)
    dialog.add_button.click()
    assert settings_of("wps_zoo") == {"title": "Zoo", "url": zoo_server.url, "authcfg": basic_authcfg}


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
        raise WpsError(f"{server_id} answered nonsense")

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


@pytest.fixture
def toolbox(qgis_iface):
    """QGIS's own Processing toolbox dock, built as the Processing plugin builds it."""
    from processing.gui.ProcessingToolbox import ProcessingToolbox

    toolbox = ProcessingToolbox()
    yield toolbox
    toolbox.close()
    sip.delete(toolbox)


@pytest.fixture
def plugin_parts(qgis_iface, tmp_path):
    """A store, the real registry of remote providers on it, and the GUI installed, as plugin.py wires them;
    the recorded ``refresh`` calls go on to the registry's."""
    store = ServerStore()
    registry = RemoteProviders(store, DescriptionCache(tmp_path / "cache"))
    refreshed = []

    def refresh(server_id):
        refreshed.append(server_id)
        registry.refresh(server_id)

    handle = install_gui(qgis_iface, store, refresh)
    yield store, registry, handle, refreshed
    uninstall_gui(handle)
    registry.unload()


def button(toolbox, provider_id):
    QCoreApplication.sendPostedEvents(None, 0)  # buttons taken away are deleted later
    return toolbox.findChild(QToolButton, f"provideraction_{provider_id}")


def menu_texts(tool_button):
    return [action.text() for action in tool_button.menu().actions()]


def test_toolbox_actions(provider, toolbox, qgis_iface, plugin_parts, zoo_server, boxes, modal):
    store, registry, handle, refreshed = plugin_parts
    assert menu_texts(button(toolbox, "wmsedge")) == ["Add WPS server…"]
    assert button(toolbox, "wps_zoo") is None

    modal.next(fill_add_dialog("Zoo", zoo_server.url))
    button(toolbox, "wmsedge").menu().actions()[0].trigger()
    assert [server.server_id for server in store.servers()] == ["wps_zoo"]
    assert qgis_iface.messageBar().get_messages(Qgis.Success)[-1].startswith("WPS servers:“Zoo” added")

    zoo_button = button(toolbox, "wps_zoo")  # the registry added the provider, the GUI its button
    assert menu_texts(zoo_button) == ["Add WPS server…", "Rename WPS server…", "Remove WPS server",
                                      "Refresh WPS server"]
    assert zoo_button.toolTip() == "Zoo"
    zoo_button.menu().actions()[3].trigger()
    assert refreshed == ["wps_zoo"] and boxes.shown == []

    modal.next(answer_input("Menagerie"))
    zoo_button.menu().actions()[1].trigger()
    assert store.get("wps_zoo").title == "Menagerie"
    assert button(toolbox, "wps_zoo").toolTip() == "Menagerie"  # the provider was replaced, its button too

    algorithm = QgsApplication.processingRegistry().algorithmById("wps_zoo:literals")
    own_algorithm = next(iter(provider.algorithms()))
    ours = [action for action in ProviderContextMenuActions.actions if action in handle.context_actions]
    assert [action.name for action in ours] == ["Rename WPS server…", "Remove WPS server", "Refresh WPS server"]
    for action in ours:
        action.setData(own_algorithm, toolbox)
        assert not action.isEnabled()
        action.setData(algorithm, toolbox)
        assert action.isEnabled()
    ours[2].execute()
    assert refreshed == ["wps_zoo", "wps_zoo"]

    button(toolbox, "wps_zoo").menu().actions()[2].trigger()  # Remove, confirmed
    assert store.servers() == [] and boxes.shown[-1][0] == "question"
    assert QgsApplication.processingRegistry().providerById("wps_zoo") is None
    assert "wps_zoo" not in ProviderActions.actions and button(toolbox, "wps_zoo") is None


def test_refresh_of_a_server_gone_quiet_is_a_message(provider, toolbox, plugin_parts, boxes):
    store, registry, handle, refreshed = plugin_parts
    with ZooWpsServer(Path(tempfile.mkdtemp(prefix="zoo-gone-"))) as short_lived:
        store.add("Short-lived", short_lived.url)
    button(toolbox, "wps_short_lived").menu().actions()[3].trigger()
    assert refreshed == ["wps_short_lived"]
    [(kind, title, text)] = boxes.shown
    assert (kind, title) == ("warning", "Refresh WPS server")
    assert text.startswith("The processes of “Short-lived” could not be refreshed:") and "cannot be reached" in text


def test_uninstall_takes_everything_away(provider, toolbox, qgis_iface, plugin_parts, zoo_server):
    store, registry, handle, refreshed = plugin_parts
    store.add("Zoo", zoo_server.url)
    menu_action, context_actions = handle.menu_action, list(handle.context_actions)
    assert button(toolbox, "wps_zoo") is not None and "wps_zoo" in ProviderActions.actions
    uninstall_gui(handle)
    assert button(toolbox, "wps_zoo") is None and button(toolbox, "wmsedge") is None
    assert "wps_zoo" not in ProviderActions.actions and "wmsedge" not in ProviderActions.actions
    assert not any(action in ProviderContextMenuActions.actions for action in context_actions)
    qgis_iface.removePluginMenu.assert_called_with("WMS Edge", menu_action)
    calls = qgis_iface.removePluginMenu.call_count
    uninstall_gui(handle)  # a second time does nothing
    assert qgis_iface.removePluginMenu.call_count == calls


def test_menu_entry_opens_the_dialog(qgis_iface, modal):
    handle = install_gui(qgis_iface, ServerStore(), lambda server_id: None)
    try:
        modal.next(lambda dialog: dialog.button_box.button(QDialogButtonBox.Close).click())
        handle.menu_action.trigger()
        assert modal.seen == ["ServersDialog"]
    finally:
        uninstall_gui(handle)
