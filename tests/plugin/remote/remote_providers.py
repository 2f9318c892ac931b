"""A WPS server registered through the real ServerStore and RemoteProviders, for H3's tests."""

from __future__ import annotations

import contextlib
import uuid

from qgis_plugin.wps_providers.cache import DescriptionCache
from qgis_plugin.wps_providers.registry import RemoteProviders
from qgis_plugin.wps_providers.servers import ServerStore


@contextlib.contextmanager
def registered_server(url: str, cache_dir, title: str | None = None):
    """Add ``url`` as a server (its GetCapabilities is checked), yield (store, registry, server);
    afterwards remove it from the settings and its provider from Processing."""
    store = ServerStore()
    registry = RemoteProviders(store, DescriptionCache(cache_dir))
    server = store.add(title or f"Test {uuid.uuid4().hex[:8]}", url)
    try:
        yield store, registry, server
    finally:
        if store.get(server.server_id) is not None:
            store.remove(server.server_id)
        registry.unload()
