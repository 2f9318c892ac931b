"""The GetCapabilities and DescribeProcess documents of each remote WPS server, kept on disk.

One JSON file per server in ``<QGIS profile>/wmsedge/wps_cache/<server_id>.json``
holding the URL and the two XML documents as the server sent them (the
descriptions merged into one ProcessDescriptions document). Why files and not
QgsSettings: descriptions are tens of kilobytes per server, and QgsSettings
(an ini file) is read whole by every QGIS start and every settings object;
multi-line XML in an ini value is fragile; a file per server is replaced
atomically and removed with the server. Why a cache at all: QGIS and
``qgis_process`` start without network requests once a server is known, and
the algorithms stay the same until the user refreshes the server.
"""

from __future__ import annotations

import json
from pathlib import Path

from qgis.core import QgsApplication

from ..core.files import write_atomically
from ..wps.client import WpsClient
from ..wps.protocol import WpsBadResponse, WpsError, parse_capabilities, parse_process_descriptions

FORMAT_VERSION = 1


def _text(document: bytes) -> str:
    """XML bytes as JSON-safe text, whatever their encoding (bytes that are not UTF-8 round-trip)."""
    return document.decode("utf-8", "surrogateescape")


def _bytes(text: str) -> bytes:
    return text.encode("utf-8", "surrogateescape")


def default_cache_dir() -> Path:
    return Path(QgsApplication.qgisSettingsDirPath()) / "wmsedge" / "wps_cache"


class DescriptionCache:
    """Reads, fetches and forgets the process descriptions of servers (``RemoteServer``)."""

    def __init__(self, directory: Path | None = None):
        self.directory = Path(directory) if directory is not None else default_cache_dir()

    def path(self, server_id: str) -> Path:
        return self.directory / f"{server_id}.json"

    def load(self, server):
        """The cached descriptions of ``server`` (in the server's order), or None when there is no
        usable cache: none yet, another URL, or a file that cannot be read."""
        try:
            record = json.loads(self.path(server.server_id).read_text(encoding="utf-8"))
            if record.get("version") != FORMAT_VERSION or record.get("url") != server.url:
                return None
            return self._descriptions(_bytes(record["capabilities"]), _bytes(record["descriptions"]))
        except (OSError, ValueError, KeyError, TypeError, AttributeError, WpsError):
            return None

    def fetch(self, server, feedback=None):
        """Ask the server for its processes and their descriptions, save them, return the descriptions.

        Raises a :class:`WpsError` (message for users) and keeps the previous cache on failure.
        """
        client = WpsClient(server.url, authcfg=server.authcfg, feedback=feedback)
        capabilities = client.capabilities_document()
        identifiers = [process.identifier for process in parse_capabilities(capabilities)]
        descriptions = client.descriptions_document(identifiers) if identifiers else \
            b"<ProcessDescriptions xmlns='http://www.opengis.net/wps/1.0.0'/>"
        result = self._descriptions(capabilities, descriptions)
        record = {"version": FORMAT_VERSION, "url": server.url, "capabilities": _text(capabilities),
                  "descriptions": _text(descriptions)}
        write_atomically(self.path(server.server_id), json.dumps(record).encode("utf-8"))
        return result

    def remove(self, server_id: str) -> None:
        try:
            self.path(server_id).unlink()
        except FileNotFoundError:
            pass

    @staticmethod
    def _descriptions(capabilities: bytes, descriptions: bytes):
        """ProcessDescription or UnusableProcess items, in the order of the capabilities."""
        order = [process.identifier for process in parse_capabilities(capabilities)]
        unusable = []
        described = {item.identifier: item for item in parse_process_descriptions(descriptions, unusable=unusable)}
        described.update((item.identifier, item) for item in unusable)
        missing = [identifier for identifier in order if identifier not in described]
        if missing:
            raise WpsBadResponse(f"the server offers processes it does not describe: {', '.join(missing)}")
        return [described[identifier] for identifier in order]
