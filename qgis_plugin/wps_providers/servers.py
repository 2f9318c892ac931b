"""The WPS servers the user configured: kept in QGIS settings, checked before they are added.

Each server is a Processing provider whose id is the server's ``server_id``
(``wps_`` + a slug of the title given when it was added). A rename changes
only the title, so saved models and scripts that name ``<server_id>:<process>``
keep working.

Settings: ``wmsedge/wps_servers/<server_id>/title``, ``.../url``, ``.../authcfg``.
Every read goes to ``QgsSettings``, so all ``ServerStore`` instances (the
plugin's, a dialog's, a test's) see the same list.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from dataclasses import dataclass
from urllib.parse import urlsplit

from qgis.core import QgsApplication, QgsFeedback, QgsSettings
from qgis.PyQt.QtCore import QObject, pyqtSignal

from ..core.wms import redact
from ..translation import tr
from ..wps.client import WpsClient
from ..wps.protocol import WpsCanceled, WpsError

SETTINGS_GROUP = "wmsedge/wps_servers"
ID_PREFIX = "wps_"
#: Seconds the GetCapabilities check of a new server may take. QGIS's own network
#: timeout (Settings > Options > Network, 60 s by default) is global and too long for a
#: dialog the user waits on; a WPS that has not answered its capabilities in 10 s
#: is treated as not answering (the user can retry).
CHECK_TIMEOUT = 10.0
_MAX_SLUG = 40


@dataclass(frozen=True)
class RemoteServer:
    """A configured WPS server; ``server_id`` is also its Processing provider id."""

    server_id: str
    title: str
    url: str
    authcfg: str = ""


class ServerRejected(Exception):
    """A server that cannot be added or renamed as asked; ``str()`` is a message for users."""


def slug(title: str) -> str:
    """``title`` as lowercase ``[a-z0-9_]`` (accents dropped), never empty."""
    ascii_title = unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii")
    text = re.sub(r"[^a-z0-9]+", "_", ascii_title.lower()).strip("_")
    return text[:_MAX_SLUG].rstrip("_") or "server"


def _sort_key(title: str) -> str:
    return unicodedata.normalize("NFKD", title).encode("ascii", "ignore").decode("ascii").casefold()


def clean_title(title: str) -> str:
    text = " ".join(str(title or "").split())
    if not text:
        raise ServerRejected(tr("Give the WPS server a title."))
    return text


def clean_url(url: str) -> str:
    """The URL without surrounding spaces; http(s) with a host, or ServerRejected."""
    text = str(url or "").strip()
    parts = urlsplit(text)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ServerRejected(tr("The WPS URL must start with http:// or https:// and name a host: {url}")
                             .format(url=text or tr("(empty)")))
    if parts.username or parts.password:
        raise ServerRejected(tr("Put no user name or password in the WPS URL (QGIS settings would keep them in "
                                "clear): choose an authentication configuration instead."))
    return text


def _same_endpoint(first: str, second: str) -> bool:
    """Same scheme, host, port, path and query (scheme and host are case-insensitive)."""
    a, b = urlsplit(first), urlsplit(second)
    return ((a.scheme.lower(), (a.hostname or "").lower(), a.port, a.path or "/", a.query)
            == (b.scheme.lower(), (b.hostname or "").lower(), b.port, b.path or "/", b.query))


def check_server(url: str, authcfg: str = "", timeout: float = CHECK_TIMEOUT) -> list:
    """The processes of the WPS at ``url`` (its GetCapabilities), or ServerRejected saying why not.

    The wait is bounded by ``timeout`` seconds: a feedback that a timer cancels
    aborts the request, which works in the main thread and in worker threads.
    """
    if authcfg and authcfg not in QgsApplication.authManager().configIds():
        raise ServerRejected(tr("The authentication configuration {authcfg} does not exist in this QGIS profile.")
                             .format(authcfg=authcfg))
    feedback = QgsFeedback()
    timer = threading.Timer(timeout, feedback.cancel)
    timer.start()
    try:
        return WpsClient(url, authcfg=authcfg, feedback=feedback).get_capabilities()
    except WpsCanceled:
        raise ServerRejected(tr("The server at {url} did not answer within {seconds:g} s: is it a WPS server, "
                                "and is it running?").format(url=redact(url), seconds=timeout)) from None
    except WpsError as exc:
        raise ServerRejected(tr("{url} is not a usable WPS server: {reason}")
                             .format(url=redact(url), reason=exc)) from None
    finally:
        timer.cancel()


class ServerStore(QObject):
    """Adds, renames and removes configured WPS servers; ``changed`` after each edit."""

    changed = pyqtSignal()

    def __init__(self, parent: QObject | None = None, *, check_timeout: float = CHECK_TIMEOUT):
        super().__init__(parent)
        self.check_timeout = check_timeout

    def servers(self) -> list:
        """Every configured server, by title (ignoring case and accents), then id."""
        settings = QgsSettings()
        settings.beginGroup(SETTINGS_GROUP)
        ids = settings.childGroups()
        settings.endGroup()
        found = [server for server in map(self.get, ids) if server is not None]
        return sorted(found, key=lambda server: (_sort_key(server.title), server.server_id))

    def get(self, server_id: str) -> RemoteServer | None:
        settings = QgsSettings()
        key = f"{SETTINGS_GROUP}/{server_id}"
        url = str(settings.value(f"{key}/url", "") or "")
        if not server_id or not url:
            return None
        title = str(settings.value(f"{key}/title", "") or "") or server_id
        return RemoteServer(server_id, title, url, str(settings.value(f"{key}/authcfg", "") or ""))

    def add(self, title: str, url: str, authcfg: str = "") -> RemoteServer:
        """Check the server (GetCapabilities) and store it; ServerRejected stores nothing."""
        title, url, authcfg = clean_title(title), clean_url(url), str(authcfg or "").strip()
        for existing in self.servers():
            if _same_endpoint(existing.url, url):
                raise ServerRejected(tr("This WPS server is already configured, as “{title}”.")
                                     .format(title=existing.title))
        check_server(url, authcfg, self.check_timeout)
        server = RemoteServer(self._unused_id(title), title, url, authcfg)
        settings = QgsSettings()
        key = f"{SETTINGS_GROUP}/{server.server_id}"
        settings.setValue(f"{key}/title", server.title)
        settings.setValue(f"{key}/url", server.url)
        settings.setValue(f"{key}/authcfg", server.authcfg)
        settings.sync()
        self.changed.emit()
        return server

    def rename(self, server_id: str, title: str) -> RemoteServer:
        """A new title; the id (the provider id) stays."""
        server = self._existing(server_id)
        title = clean_title(title)
        QgsSettings().setValue(f"{SETTINGS_GROUP}/{server_id}/title", title)
        self.changed.emit()
        return RemoteServer(server.server_id, title, server.url, server.authcfg)

    def remove(self, server_id: str) -> None:
        self._existing(server_id)
        settings = QgsSettings()
        settings.remove(f"{SETTINGS_GROUP}/{server_id}")
        settings.sync()
        self.changed.emit()

    def _existing(self, server_id: str) -> RemoteServer:
        server = self.get(server_id)
        if server is None:
            raise ServerRejected(tr("No WPS server {server_id} is configured (removed meanwhile?).")
                                 .format(server_id=server_id))
        return server

    def _unused_id(self, title: str) -> str:
        base = ID_PREFIX + slug(title)
        settings = QgsSettings()
        settings.beginGroup(SETTINGS_GROUP)
        taken = set(settings.childGroups())
        settings.endGroup()
        candidate, number = base, 2
        while candidate in taken or QgsApplication.processingRegistry().providerById(candidate) is not None:
            candidate, number = f"{base}_{number}", number + 1
        return candidate
