"""Providers from the description cache: startup without network, refresh, rename, remove,
an unreachable server, a process removed from the server since it was cached."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ElementTree

import processing
import pytest
from qgis.core import QgsApplication

from qgis_plugin.wps.protocol import WpsUnreachable
from qgis_plugin.wps_providers.cache import DescriptionCache
from qgis_plugin.wps_providers.provider import RemoteWpsProvider
from qgis_plugin.wps_providers.servers import RemoteServer

from ..conftest import RecordingFeedback, run_expecting_error
from .remote_providers import registered_server

OWS = "http://www.opengis.net/ows/1.1"


@pytest.fixture
def zoo_registered(zoo_server, tmp_path, qgis_processing):
    with registered_server(zoo_server.url, tmp_path / "cache") as registered:
        yield registered


@pytest.fixture
def provider_from_record(tmp_path, qgis_processing):
    """Register a provider for ``server`` whose cache holds ``record``; removed afterwards."""
    providers = []

    def register(server, record):
        cache = DescriptionCache(tmp_path / "records")
        cache.directory.mkdir(parents=True, exist_ok=True)
        cache.path(server.server_id).write_text(json.dumps({**record, "url": server.url}), encoding="utf-8")
        provider = RemoteWpsProvider(server, cache)
        assert QgsApplication.processingRegistry().addProvider(provider)
        providers.append(provider)
        return provider

    yield register
    for provider in providers:
        QgsApplication.processingRegistry().removeProvider(provider)


def cached_record(cache, server_id):
    return json.loads(cache.path(server_id).read_text(encoding="utf-8"))


def test_descriptions_are_cached_and_reused_without_network(zoo_registered, provider_from_record, closed_url):
    """A provider whose server cannot be reached still lists every process from the cache."""
    _store, registry, server = zoo_registered
    record = cached_record(registry.cache, server.server_id)
    assert record["url"] == server.url and "ProcessDescriptions" in record["descriptions"]
    offline = provider_from_record(RemoteServer("wps_offline_test", "Offline", closed_url), record)
    assert sorted(algorithm.name() for algorithm in offline.algorithms()) == sorted(
        algorithm.name() for algorithm in registry.provider(server.server_id).algorithms())
    assert offline.warningMessage() == ""
    error = run_expecting_error("wps_offline_test:echo_sync", {"text": "hello"})
    assert "The WPS server Offline cannot be reached" in error


def test_unreachable_server_without_cache_gives_an_empty_provider(closed_url, tmp_path, qgis_processing):
    provider = RemoteWpsProvider(RemoteServer("wps_unreachable_test", "Gone", closed_url),
                                 DescriptionCache(tmp_path / "empty"))
    assert QgsApplication.processingRegistry().addProvider(provider)
    try:
        assert provider.algorithms() == []
        assert "could not be loaded" in provider.warningMessage() and "cannot be reached" in provider.warningMessage()
    finally:
        QgsApplication.processingRegistry().removeProvider(provider)


def test_unknown_process_at_run_time(zoo_registered, provider_from_record):
    """A process cached under a name the server no longer has: a clear message, not a parse error."""
    _store, registry, server = zoo_registered
    record = cached_record(registry.cache, server.server_id)
    for key in ("capabilities", "descriptions"):
        record[key] = record[key].replace(">echo_sync<", ">vanished<")
    provider_from_record(RemoteServer("wps_vanished_test", "Zoo (old)", server.url), record)
    error = run_expecting_error("wps_vanished_test:vanished", {"text": "hello"})
    assert "does not offer the process vanished; refresh the server's processes" in error


def test_a_process_with_an_unusable_input_is_left_out_and_the_others_load(zoo_registered, provider_from_record):
    """An input that is neither LiteralData, BoundingBoxData nor ComplexData (a malformed
    description) costs only its own process."""
    _store, registry, server = zoo_registered
    record = cached_record(registry.cache, server.server_id)
    descriptions = ElementTree.fromstring(record["descriptions"])
    fail = next(item for item in descriptions if item.findtext(f"{{{OWS}}}Identifier") == "fail")
    literal = fail.find("DataInputs/Input/LiteralData")
    fail.find("DataInputs/Input").remove(literal)
    record["descriptions"] = ElementTree.tostring(descriptions, encoding="unicode")
    provider = provider_from_record(RemoteServer("wps_malformed_test", "Zoo (malformed)", server.url), record)
    names = sorted(algorithm.name() for algorithm in provider.algorithms())
    assert "fail" not in names and len(names) == 7 and "literals" in names


def test_refresh_fetches_the_descriptions_again(zoo_registered):
    _store, registry, server = zoo_registered
    path = registry.cache.path(server.server_id)
    record = cached_record(registry.cache, server.server_id)
    record["capabilities"] = record["capabilities"].replace(">slow<", ">slow_renamed<")
    record["descriptions"] = record["descriptions"].replace(">slow<", ">slow_renamed<")
    path.write_text(json.dumps(record), encoding="utf-8")
    provider = registry.provider(server.server_id)
    provider.refreshAlgorithms()
    assert QgsApplication.processingRegistry().algorithmById(f"{server.server_id}:slow_renamed") is not None
    registry.refresh(server.server_id)
    assert QgsApplication.processingRegistry().algorithmById(f"{server.server_id}:slow_renamed") is None
    assert processing.run(f"{server.server_id}:slow", {"seconds": 0.1},
                          feedback=RecordingFeedback())["waited"] >= 0.1


def test_refresh_failure_keeps_the_algorithms(zoo_registered, closed_url):
    store, registry, server = zoo_registered
    provider = registry.provider(server.server_id)
    count = len(provider.algorithms())
    provider.server = RemoteServer(server.server_id, server.title, closed_url)
    try:
        with pytest.raises(WpsUnreachable):
            registry.refresh(server.server_id)
    finally:
        provider.server = server
    assert len(provider.algorithms()) == count
    assert cached_record(registry.cache, server.server_id)["url"] == server.url


def test_rename_keeps_the_id_and_remove_forgets_the_server(zoo_registered):
    store, registry, server = zoo_registered
    store.rename(server.server_id, "Zoo renamed")
    provider = QgsApplication.processingRegistry().providerById(server.server_id)
    assert provider.name() == "Zoo renamed" and len(provider.algorithms()) == 8
    store.remove(server.server_id)
    assert QgsApplication.processingRegistry().providerById(server.server_id) is None
    assert not registry.cache.path(server.server_id).exists()
