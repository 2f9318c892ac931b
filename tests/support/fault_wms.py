"""Loopback HTTP endpoints that misbehave on purpose, at the socket level.

Also :class:`ClosedPort`, a loopback port where nothing listens.

Each request is read (request line and headers), recorded, and answered by a
*behaviour*: a function ``behaviour(connection, query, stop)`` that writes what
it likes to the socket (``query`` is the request's parsed query, keys upper-case;
``stop`` is an Event set when the server closes). No qgis or osgeo imports:
the pip-only venv can use this module.
"""

from __future__ import annotations

import io
import socket
import struct
import threading
import urllib.request
import zlib
from urllib.parse import parse_qsl, urlencode, urlsplit

import numpy as np
from PIL import Image


class FaultyWms:
    """A 127.0.0.1 server answering every request with ``behaviour``; a context manager.

    ``url`` is its endpoint, ``queries`` the query of every request received.
    """

    def __init__(self, behaviour):
        self.behaviour = behaviour
        self.queries = []
        self._stop = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)  # lets the accept loop notice close()
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/ows/"
        self._threads = [threading.Thread(target=self._accept_forever, name="faulty-wms", daemon=True)]
        self._threads[0].start()

    def _accept_forever(self):
        while not self._stop.is_set():
            try:
                connection, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            thread = threading.Thread(target=self._answer, args=(connection,), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _answer(self, connection):
        with connection:
            connection.settimeout(10)
            try:
                head = b""
                while b"\r\n\r\n" not in head:
                    data = connection.recv(65536)
                    if not data:
                        return
                    head += data
                target = head.split(b" ", 2)[1].decode("latin-1")
                query = {key.upper(): value for key, value in parse_qsl(urlsplit(target).query)}
                self.queries.append(query)
                self.behaviour(connection, query, self._stop)
            except OSError:
                pass  # the client gave up (timeouts): that is what these servers are for

    def close(self):
        self._stop.set()
        self._listener.close()
        for thread in self._threads:
            thread.join(timeout=15)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def png(width: int, height: int, value: int = 128, *, noise: bool = False) -> bytes:
    """A gray PNG, uniform or (``noise``) random, so that it is long enough to cut in its pixel data."""
    pixels = np.random.default_rng(0).integers(0, 256, (height, width), dtype=np.uint8) if noise else \
        np.full((height, width), value, np.uint8)
    stream = io.BytesIO()
    Image.fromarray(pixels).save(stream, format="PNG")
    return stream.getvalue()


def png_declaring(width: int, height: int, pixel_data: bytes = b"") -> bytes:
    """A PNG whose header declares ``width`` x ``height`` 8-bit gray pixels, with only ``pixel_data``
    (a decompression bomb when the size is large)."""
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(pixel_data))
            + chunk(b"IEND", b""))


def answer(status: int, content_type: str, body: bytes, headers: dict | None = None):
    """A behaviour: one complete HTTP response."""
    def behaviour(connection, query, stop):
        lines = [f"HTTP/1.1 {status} X", f"Content-Type: {content_type}", f"Content-Length: {len(body)}",
                 "Connection: close", *(f"{k}: {v}" for k, v in (headers or {}).items())]
        connection.sendall(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
    return behaviour


def image_of_requested_size(connection, query, stop):
    """A behaviour: a good WMS, a gray PNG of the WIDTH x HEIGHT asked for."""
    answer(200, "image/png", png(int(query["WIDTH"]), int(query["HEIGHT"])))(connection, query, stop)


def silence(connection, query, stop):
    """A behaviour: read the request, never answer."""
    stop.wait(60)


def trickle(connection, query, stop, *, chunked=False, pause=0.2):
    """A behaviour: a slowloris, headers then one byte every ``pause`` seconds, forever.

    Each byte comes well within any read timeout: only an overall deadline ends it.
    """
    framing = "Transfer-Encoding: chunked" if chunked else "Content-Length: 1000000"  # below the byte cap
    connection.sendall(f"HTTP/1.1 200 OK\r\nContent-Type: image/png\r\n{framing}\r\n\r\n".encode())
    byte = b"1\r\nx\r\n" if chunked else b"x"
    while not stop.wait(pause):
        connection.sendall(byte)


def own_url(connection) -> str:
    """The endpoint of the FaultyWms that accepted ``connection``."""
    return f"http://127.0.0.1:{connection.getsockname()[1]}/ows/"


def relay(upstream: str, getmap=None, getmap_url: str | None = None):
    """A behaviour: a WMS in front of ``upstream`` whose GetMap misbehaves.

    GetCapabilities (and any other request but GetMap) is fetched from ``upstream``, with the
    upstream's URL replaced by ``getmap_url`` (default: this server), so that QGIS sends its
    GetMap requests there. GetMap is answered by the behaviour ``getmap``, or relayed too.
    """
    def behaviour(connection, query, stop):
        if getmap is not None and query.get("REQUEST", "").lower() == "getmap":
            getmap(connection, query, stop)
            return
        with urllib.request.urlopen(f"{upstream}?{urlencode(query)}", timeout=30) as response:
            status, content_type, body = response.status, response.headers.get("Content-Type", ""), response.read()
        if query.get("REQUEST", "").lower() != "getmap":
            body = body.replace(upstream.encode(), (getmap_url or own_url(connection)).encode())
        answer(status, content_type, body)(connection, query, stop)
    return behaviour


def first_getmap_of_each_bbox_busy(upstream: str):
    """A behaviour: a WMS in front of ``upstream`` answering the first GetMap of each BBOX with HTTP 503
    and ``Retry-After: 0``, every later one as ``upstream`` does (a transient fault once per block)."""
    seen, lock = set(), threading.Lock()
    busy, good = answer(503, "text/plain", b"busy", {"Retry-After": "0"}), relay(upstream)

    def getmap(connection, query, stop):
        with lock:
            first = query["BBOX"] not in seen
            seen.add(query["BBOX"])
        (busy if first else good)(connection, query, stop)
    return relay(upstream, getmap=getmap)


class ClosedPort:
    """A 127.0.0.1 port where nothing listens: connections are refused.

    The port stays bound (without listening) while the object is open, so no
    other process can start listening there in the meantime.
    """

    def __init__(self):
        self._socket = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self._socket.bind(("127.0.0.1", 0))
        self.port = self._socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/ows/"

    def close(self):
        self._socket.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
