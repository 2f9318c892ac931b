"""Files that appear whole or not at all: written under a temporary name in their final folder,
then renamed. A failure, a cancel or a crash never leaves a half-written file under the real
name, and a reader (a polling client, QGIS loading a layer) never sees one."""

from __future__ import annotations

import contextlib
import os
import tempfile


@contextlib.contextmanager
def atomic_path(path, suffix: str = ".part"):
    """Yield a temporary path beside ``path``; rename it to ``path`` if the block succeeds, else remove it.

    ``suffix`` matters to writers that choose a format by extension (e.g. GDAL).
    """
    folder, name = os.path.split(os.path.abspath(path))
    os.makedirs(folder, exist_ok=True)
    handle, temporary = tempfile.mkstemp(prefix=f".{name}.", suffix=suffix, dir=folder)
    os.close(handle)
    try:
        yield temporary
        os.chmod(temporary, 0o644)  # mkstemp's 0600 would hide the file from a web server or another user
        os.replace(temporary, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def write_atomically(path, payload: bytes) -> None:
    """Write ``payload`` to ``path`` whole or not at all."""
    with atomic_path(path) as temporary, open(temporary, "wb") as stream:
        stream.write(payload)
