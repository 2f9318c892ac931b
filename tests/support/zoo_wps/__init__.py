"""The zoo: a plain PyWPS 4.8 test service, separate from ours, standing for "another WPS server".

Processes (see :mod:`.processes`): ``literals``, ``bbox_area``, ``buffer_features``,
``raster_stats``, ``word_count``, ``fail``, ``slow``, ``echo_sync``.
:class:`ZooWpsServer` runs it under gunicorn on a free loopback port.

Plain PyWPS 4.8 shows through, as it would on someone else's server: boolean
defaults are described as ``False``/``True``; ``count`` and ``color`` have a
DefaultValue yet minOccurs 1; a KVP (GET) bounding box loses its CRS (POST keeps
it); a ProcessError's text reaches clients as ``Process error: <text>`` with code
NoApplicableCode; ``echo_sync`` asked for asynchronously answers StorageNotSupported.
One change from stock PyWPS: status documents are replaced atomically, so that
polling clients never read half a document (see :class:`.processes.ZooProcess`).
"""

from .processes import PROCESS_IDS
from .server import ZooWpsServer

__all__ = ["PROCESS_IDS", "ZooWpsServer"]
