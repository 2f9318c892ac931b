"""Loopback endpoints that fail in known ways: one that never answers, one where nothing listens."""

from __future__ import annotations

import socket
import threading


class SilentServer:
    """A 127.0.0.1 TCP listener that accepts connections and never sends a byte.

    A client connects at once and then waits for an answer until its read
    timeout. Use as a context manager; ``url`` is an HTTP URL on it.
    """

    def __init__(self):
        self._listener = socket.create_server(("127.0.0.1", 0))
        self._listener.settimeout(0.1)  # lets the accept loop notice close()
        self.port = self._listener.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}/ows/"
        self._connections = []
        self._closing = threading.Event()
        self._thread = threading.Thread(target=self._accept_forever, name="silent-server", daemon=True)
        self._thread.start()

    def _accept_forever(self):
        while not self._closing.is_set():
            try:
                connection, _ = self._listener.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            self._connections.append(connection)  # held open, never read nor written

    def close(self):
        self._closing.set()
        self._thread.join()
        self._listener.close()
        for connection in self._connections:
            connection.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


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
