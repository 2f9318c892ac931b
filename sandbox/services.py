"""Private PostgreSQL and Redis instances on free loopback ports, for tests, demos and benchmarks.

Both come from Debian's packages (``postgresql``, ``redis-server``; ``make install`` installs them)
and run in temporary folders with generated passwords. Each is a context manager that stops what
it started, also when starting failed half-way; ``restart()`` and ``stopped()`` serve fault tests.
:class:`WpsWorker` runs a worker node of the server's distributed mode over them.

PostgreSQL: ``initdb`` refuses to run as root, so as root every PostgreSQL program runs as the
``postgres`` user (``runuser``) on a data folder that user owns. Its binaries are under
``/usr/lib/postgresql/VERSION/bin`` (Debian does not put them on PATH).

Redis keeps its data in an append-only file written at every command (``--appendonly yes
--appendfsync always``, ``--save ''``), so a broker stopped and started again still holds its
queued and unacknowledged messages, as a production broker must.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from .process import STARTUP_TIMEOUT, LoopbackServer, free_port

#: Seconds a PostgreSQL start or stop may take on a loaded machine.
POSTGRES_TIMEOUT = 180


def postgres_bin_dir() -> Path:
    """The newest ``/usr/lib/postgresql/*/bin`` that has ``initdb``."""
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"),
                        key=lambda path: int(Path(path).parent.parent.name))
    if not candidates:
        raise RuntimeError("PostgreSQL is missing (no /usr/lib/postgresql/*/bin/initdb): "
                           "install the Debian package postgresql (make install does)")
    return Path(candidates[-1]).parent


class PostgresServer:
    """A PostgreSQL cluster of its own: ``url`` is ``postgresql://USER:PASSWORD@127.0.0.1:PORT/DB``.

    The cluster's superuser is ``user``, with a scram-sha-256 password, local and TCP connections
    alike; it listens on 127.0.0.1 only.
    """

    def __init__(self, user: str = "wmsedge", database: str = "wmsedge"):
        self.user, self.database = user, database
        self.password = secrets.token_urlsafe(18)
        self.bin = postgres_bin_dir()
        self.folder = None
        self.port = None

    @property
    def data(self) -> Path:
        return self.folder / "data"

    @property
    def log_file(self) -> Path:
        return self.folder / "postgresql.log"

    @property
    def url(self) -> str:
        return f"postgresql://{self.user}:{self.password}@127.0.0.1:{self.port}/{self.database}"

    def _run(self, *command, timeout=POSTGRES_TIMEOUT, env=None):
        """A PostgreSQL program, as the ``postgres`` user when we are root."""
        prefix = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
        result = subprocess.run([*prefix, str(self.bin / command[0]), *command[1:]], capture_output=True,
                                text=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL,
                                env={**os.environ, **(env or {})}, cwd="/")
        if result.returncode != 0:
            raise RuntimeError(f"{command[0]} failed (exit {result.returncode}): {result.stderr.strip()}\n"
                               f"{self.log_tail()}")
        return result.stdout

    def start(self):
        try:
            self._create()
            for _ in range(3):  # the free port may be taken meanwhile: try another
                self.port = free_port()
                self._configure()
                try:
                    self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log_file), "-w",
                              "-t", str(POSTGRES_TIMEOUT))
                    break
                except RuntimeError:
                    if "could not bind" not in self.log_tail() and "in use" not in self.log_tail():
                        raise
            else:
                raise RuntimeError(f"PostgreSQL found no free port; its log:\n{self.log_tail()}")
            self._run("psql", "-h", "127.0.0.1", "-p", str(self.port), "-U", self.user, "-d", "postgres",
                      "-v", "ON_ERROR_STOP=1", "-c", f'CREATE DATABASE "{self.database}"',
                      env={"PGPASSWORD": self.password})
        except BaseException:
            self.stop()
            raise
        return self

    def _create(self):
        # The folder lives directly under the system temporary folder, which ``postgres`` can traverse
        # (pytest's folders are root's, mode 0700).
        self.folder = Path(tempfile.mkdtemp(prefix="wmsedge-postgres-"))
        password_file = self.folder / "password"
        password_file.write_text(self.password + "\n")
        if os.geteuid() == 0:
            postgres = pwd.getpwnam("postgres")
            for path in (self.folder, password_file):
                os.chown(path, postgres.pw_uid, postgres.pw_gid)
        password_file.chmod(0o600)
        try:
            self._run("initdb", "-D", str(self.data), "-U", self.user, f"--pwfile={password_file}",
                      "--auth=scram-sha-256", "--encoding=UTF8", "--no-instructions")
        finally:
            password_file.unlink()

    def _configure(self):
        """Settings that a restart keeps: loopback only, this port, sockets in the data folder."""
        settings = {"listen_addresses": "'127.0.0.1'", "port": str(self.port),
                    "unix_socket_directories": f"'{self.data}'", "fsync": "off", "max_connections": "200"}
        conf = self.data / "postgresql.conf"
        text = conf.read_text().split("# wmsedge sandbox\n")[0]
        conf.write_text(text + "# wmsedge sandbox\n" + "".join(f"{k} = {v}\n" for k, v in settings.items()))

    def stop(self):
        """Stop the cluster (fast shutdown) and remove its folder; idempotent."""
        if self.folder is None:
            return
        if (self.data / "postmaster.pid").exists():
            with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", str(POSTGRES_TIMEOUT))
            if (self.data / "postmaster.pid").exists():
                with contextlib.suppress(RuntimeError, subprocess.TimeoutExpired):
                    self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "immediate", "-w")
        shutil.rmtree(self.folder, ignore_errors=True)
        self.folder = None

    def restart(self, crash: bool = False):
        """Stop and start again on the same port with the same data; ``crash``: immediate stop
        (no checkpoint, connections cut), as if the machine had lost the server."""
        self._run("pg_ctl", "restart", "-D", str(self.data), "-l", str(self.log_file),
                  "-m", "immediate" if crash else "fast", "-w", "-t", str(POSTGRES_TIMEOUT))
        return self

    @contextlib.contextmanager
    def stopped(self):
        """The server is down inside the block, up again (same port, same data) after it."""
        self._run("pg_ctl", "stop", "-D", str(self.data), "-m", "fast", "-w", "-t", str(POSTGRES_TIMEOUT))
        try:
            yield
        finally:
            self._run("pg_ctl", "start", "-D", str(self.data), "-l", str(self.log_file), "-w",
                      "-t", str(POSTGRES_TIMEOUT))

    def log_tail(self, chars: int = 4000) -> str:
        if self.folder is None or not self.log_file.exists():
            return ""
        return self.log_file.read_text(errors="replace")[-chars:]

    def __enter__(self):
        return self if self.port is not None and self.folder is not None else self.start()

    def __exit__(self, *exc):
        self.stop()


class RedisServer(LoopbackServer):
    """``redis-server`` on 127.0.0.1 with a password: ``url`` is ``redis://:PASSWORD@127.0.0.1:PORT/0``."""

    def __init__(self, workdir: Path | None = None):
        self._own_workdir = workdir is None
        super().__init__(Path(workdir or tempfile.mkdtemp(prefix="wmsedge-redis-")), "redis.log")
        self.password = secrets.token_urlsafe(18)

    @property
    def url(self) -> str:
        return f"redis://:{self.password}@127.0.0.1:{self.port}/0"

    def command(self, port):
        binary = shutil.which("redis-server")
        if binary is None:
            raise RuntimeError("redis-server is missing: install the Debian package redis-server (make install does)")
        return [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "yes",
                "--appendfsync", "always", "--dir", str(self.workdir), "--requirepass", self.password]

    def environment(self, port):
        return dict(os.environ)

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            if self.ping():
                return True
            time.sleep(0.1)
        return False

    def ping(self) -> bool:
        """Whether the server answers PING once authenticated (Redis's protocol, no client library)."""
        try:
            with socket.create_connection(("127.0.0.1", self.port), timeout=5) as connection:
                connection.sendall(f"AUTH {self.password}\r\nPING\r\n".encode())
                answer = b""
                while answer.count(b"\r\n") < 2:
                    data = connection.recv(1024)
                    if not data:
                        return False
                    answer += data
                return answer == b"+OK\r\n+PONG\r\n"
        except OSError:
            return False

    @contextlib.contextmanager
    def stopped(self):
        """The broker is down inside the block, up again (same port, same data) after it."""
        port = self.port
        self.stop()
        try:
            yield
        finally:
            self.start(port=port)

    def __exit__(self, *exc):
        self.stop()
        if self._own_workdir:
            shutil.rmtree(self.workdir, ignore_errors=True)


class WpsWorker(LoopbackServer):
    """``python -m wps_server worker --config FILE`` in ``workdir``: a worker node of the distributed mode.

    It listens on no port; it is ready once its log says so for both of its Celery workers (``NAME``
    for blocks, ``jobs-NAME`` for jobs: Celery's ``ready.`` line, written once connected to the broker).
    """

    def __init__(self, workdir: Path, config_file: Path, name: str, *, concurrency: int = 2,
                 python: str | None = None):
        """``concurrency``: processes for blocks, and as many for jobs."""
        super().__init__(workdir, "worker.log")
        self.config_file, self.name, self.concurrency = Path(config_file), name, concurrency
        self.python = python or sys.executable

    @property
    def url(self) -> str:
        return ""

    def command(self, port):
        return [self.python, "-m", "wps_server", "worker", "--config", str(self.config_file),
                "--hostname", self.name, "--concurrency", str(self.concurrency), "--jobs", str(self.concurrency)]

    def environment(self, port):
        return dict(os.environ)

    def _wait_ready(self) -> bool:
        deadline = time.monotonic() + 3 * STARTUP_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                return False
            log = self.log_tail(1_000_000)
            if f"] {self.name} ready." in log and f"] jobs-{self.name} ready." in log:
                return True
            time.sleep(0.2)
        return False
