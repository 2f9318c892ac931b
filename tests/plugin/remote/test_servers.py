"""Configured WPS servers: checked against real servers before they are stored, kept in QGIS settings."""

from __future__ import annotations

import urllib.request

import pytest
from qgis.core import QgsSettings
from support.fault_wms import FaultyWms, answer

from qgis_plugin.wps_providers.servers import (
    CHECK_TIMEOUT,
    SETTINGS_GROUP,
    RemoteServer,
    ServerRejected,
    ServerStore,
    slug,
)

pytestmark = pytest.mark.usefixtures("no_servers")


def stored_keys() -> dict:
    settings = QgsSettings()
    return {key[len(SETTINGS_GROUP) + 1:]: settings.value(key) for key in settings.allKeys()
            if key.startswith(SETTINGS_GROUP + "/")}


@pytest.fixture
def store():
    store = ServerStore()
    store.emitted = 0

    def count():
        store.emitted += 1

    store.changed.connect(count)
    return store


def test_added_server_is_stored_in_settings(store, zoo_server):
    server = store.add("  Zoo\t test  ", zoo_server.url)
    assert server == RemoteServer("wps_zoo_test", "Zoo test", zoo_server.url, "")
    assert stored_keys() == {"wps_zoo_test/title": "Zoo test", "wps_zoo_test/url": zoo_server.url,
                             "wps_zoo_test/authcfg": ""}
    assert store.emitted == 1
    other = ServerStore()  # every store reads the settings
    assert other.servers() == [server] and other.get("wps_zoo_test") == server
    assert other.get("wps_nothing") is None


def test_ids_are_unique_and_survive_a_rename(store, zoo_server):
    first = store.add("Zoo", zoo_server.url)
    second = store.add("Zoo", zoo_server.url + "?map=second")  # another endpoint, same title
    assert (first.server_id, second.server_id) == ("wps_zoo", "wps_zoo_2")
    renamed = store.rename("wps_zoo", "  Élevage   des zèbres ")
    assert renamed == RemoteServer("wps_zoo", "Élevage des zèbres", zoo_server.url)
    assert [server.title for server in ServerStore().servers()] == ["Élevage des zèbres", "Zoo"]
    assert stored_keys()["wps_zoo/title"] == "Élevage des zèbres"
    assert store.emitted == 3
    assert store.add("Élevage", zoo_server.url + "?map=third").server_id == "wps_elevage"


def test_slug():
    assert slug("Zoo WPS (test) #2") == "zoo_wps_test_2"
    assert slug("Ärger über Straßen") == "arger_uber_straen"
    assert slug("天气") == "server"
    assert len(slug("x" * 200)) == 40


def test_remove(store, zoo_server):
    store.add("Zoo", zoo_server.url)
    store.remove("wps_zoo")
    assert store.servers() == [] and stored_keys() == {}
    assert store.emitted == 2
    with pytest.raises(ServerRejected, match="No WPS server wps_zoo is configured"):
        store.remove("wps_zoo")
    with pytest.raises(ServerRejected, match="No WPS server wps_zoo is configured"):
        store.rename("wps_zoo", "Zoo")


def test_same_endpoint_twice_is_refused(store, zoo_server):
    store.add("Zoo", zoo_server.url)
    variant = zoo_server.url.replace("http://127.0.0.1", " HTTP://127.0.0.1")
    with pytest.raises(ServerRejected, match="already configured, as “Zoo”"):
        store.add("Other", variant)
    assert list(stored_keys()) == ["wps_zoo/authcfg", "wps_zoo/title", "wps_zoo/url"]
    assert store.emitted == 1


@pytest.mark.parametrize("title, url, message", [
    ("", "http://127.0.0.1:1/wps", "Give the WPS server a title"),
    ("   ", "http://127.0.0.1:1/wps", "Give the WPS server a title"),
    ("Zoo", "", r"must start with http:// or https:// and name a host: \(empty\)"),
    ("Zoo", "ftp://127.0.0.1/wps", "must start with http:// or https://"),
    ("Zoo", "127.0.0.1:8080/wps", "must start with http:// or https://"),
    ("Zoo", "http:///wps", "name a host"),
    ("Zoo", "http://user:secret@127.0.0.1:1/wps", "no user name or password in the WPS URL"),
])
def test_bad_title_or_url_is_refused_before_any_request(store, title, url, message):
    with pytest.raises(ServerRejected, match=message):
        store.add(title, url)
    assert stored_keys() == {} and store.emitted == 0


def test_rename_to_an_empty_title_is_refused(store, zoo_server):
    store.add("Zoo", zoo_server.url)
    with pytest.raises(ServerRejected, match="Give the WPS server a title"):
        store.rename("wps_zoo", " ")
    assert store.get("wps_zoo").title == "Zoo"


def assert_rejected(store, url, *fragments, **kwargs):
    with pytest.raises(ServerRejected) as raised:
        store.add("Bad", url, **kwargs)
    message = str(raised.value)
    for fragment in fragments:
        assert fragment in message
    assert "Traceback" not in message
    assert stored_keys() == {} and store.emitted == 0
    return message


def test_closed_port_is_refused(store, closed_url):
    assert_rejected(store, closed_url, "is not a usable WPS server", "cannot be reached", "refused")


def test_server_that_never_answers_is_refused_within_the_check_timeout(closed_url, silent_server):
    store = ServerStore(check_timeout=1.0)
    store.emitted = 0
    assert_rejected(store, silent_server.url, "did not answer within 1 s", silent_server.url)
    assert silent_server.queries[0]["REQUEST"] == "GetCapabilities"
    assert CHECK_TIMEOUT == 10.0  # the documented default


@pytest.mark.parametrize("body", [
    b"<html><body><p>Welcome<br></body></html>",
    b"<!DOCTYPE html>\n<html><body>Welcome</body></html>",
    b"<!-- generated -->\n<HTML><body>Welcome</body></HTML>",
])
def test_html_page_is_refused(store, body):
    with FaultyWms(answer(200, "text/html", body)) as server:
        assert_rejected(store, server.url, "is not a usable WPS server", "with an HTML page, not WPS XML")


@pytest.mark.parametrize("body", [
    b'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY x SYSTEM "file:///etc/passwd">]><wps:Capabilities '
    b'xmlns:wps="http://www.opengis.net/wps/1.0.0">&x;</wps:Capabilities>',
    b'<?xml version="1.0"?><!DOCTYPE c [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    b'<wps:Capabilities xmlns:wps="http://www.opengis.net/wps/1.0.0">&b;</wps:Capabilities>',
], ids=["xxe", "entity-expansion"])
def test_capabilities_with_entity_declarations_are_refused(store, body):
    """No entity of a server's answer is ever expanded: a document that declares one is refused."""
    with FaultyWms(answer(200, "text/xml", body)) as server:
        assert_rejected(store, server.url, "is not a usable WPS server", "declares a DTD, which is refused")


@pytest.mark.parametrize("body, fragment", [
    (b"Not found", "answered the GetCapabilities request with HTTP 404"),
    (b"<html><body>Not found<br></body></html>", "answered the GetCapabilities request with HTTP 404"),
    (b"<ExceptionReport><broken", "answered the GetCapabilities request with HTTP 404"),
])
def test_http_error_is_refused(store, body, fragment):
    with FaultyWms(answer(404, "text/html", body)) as server:
        assert_rejected(store, server.url, fragment)


def test_wms_capabilities_are_refused(store, wms_server):
    """A real WMS GetCapabilities document, served where a WPS was expected, and the WMS itself."""
    with urllib.request.urlopen(wms_server.url + "?SERVICE=WMS&REQUEST=GetCapabilities&VERSION=1.3.0") as reply:
        capabilities = reply.read()
    assert b"WMS_Capabilities" in capabilities
    with FaultyWms(answer(200, "text/xml", capabilities)) as server:
        assert_rejected(store, server.url, "WMS_Capabilities document, not a WPS answer")
    assert_rejected(store, wms_server.url, "is not a usable WPS server")


def test_unknown_authentication_configuration_is_refused(store, zoo_server):
    assert_rejected(store, zoo_server.url, "authentication configuration nosuch1 does not exist",
                    authcfg="nosuch1")


def test_authentication_configuration_is_kept(store, zoo_server, basic_authcfg):
    server = store.add("Zoo", zoo_server.url, authcfg=basic_authcfg)
    assert server.authcfg == basic_authcfg
    assert ServerStore().get(server.server_id).authcfg == basic_authcfg
