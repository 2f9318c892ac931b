"""``RemoteProviders``: keeps one registered Processing provider per configured WPS server."""

from __future__ import annotations

from qgis.core import QgsApplication
from qgis.PyQt.QtCore import QObject

from ..translation import tr
from ..wps.protocol import WpsError
from .cache import DescriptionCache
from .provider import RemoteWpsProvider


class RemoteProviders(QObject):
    """Adds, replaces and removes providers as the ``ServerStore`` changes.

    ``refresh(server_id)`` asks the server again for its processes; on failure
    it raises :class:`WpsError` (``str()`` is a message for users) and the
    provider keeps the algorithms it had.
    """

    def __init__(self, store, cache: DescriptionCache | None = None, parent: QObject | None = None):
        super().__init__(parent)
        self.store = store
        self.cache = cache if cache is not None else DescriptionCache()
        self.providers = {}
        store.changed.connect(self.sync)
        self.sync()

    def sync(self):
        """Match the registered providers to the store: new servers added, edited ones replaced
        (a rename only re-reads the cache; a new URL fetches again), removed ones removed."""
        registry = QgsApplication.processingRegistry()
        servers = {server.server_id: server for server in self.store.servers()}
        for server_id in list(self.providers):
            if servers.get(server_id) != self.providers[server_id].server:
                registry.removeProvider(self.providers.pop(server_id))
                if server_id not in servers:
                    self.cache.remove(server_id)
        for server_id, server in servers.items():
            if server_id not in self.providers:
                provider = RemoteWpsProvider(server, self.cache)
                if registry.addProvider(provider):
                    self.providers[server_id] = provider

    def provider(self, server_id: str) -> RemoteWpsProvider | None:
        return self.providers.get(server_id)

    def refresh(self, server_id: str) -> None:
        """Fetch the server's processes again and reload its algorithms."""
        provider = self.providers.get(server_id)
        if provider is None:
            raise WpsError(tr("No WPS server with the id {server_id} is configured.").format(server_id=server_id))
        self.cache.fetch(provider.server)
        provider.refreshAlgorithms()

    def unload(self):
        """Remove every provider (the cache stays for the next start)."""
        try:
            self.store.changed.disconnect(self.sync)
        except TypeError:
            pass
        registry = QgsApplication.processingRegistry()
        for provider in self.providers.values():
            registry.removeProvider(provider)
        self.providers = {}
