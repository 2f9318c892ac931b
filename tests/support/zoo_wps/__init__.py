"""The zoo: a plain PyWPS 4.8 test service, separate from ours, standing for "another WPS server".

Processes (see :mod:`.processes`): ``literals``, ``bbox_area``, ``buffer_features``,
``raster_stats``, ``word_count``, ``fail``, ``slow``, ``echo_sync``.
:class:`ZooWpsServer` runs it under gunicorn on a free loopback port.
"""

from .processes import PROCESS_IDS
from .server import ZooWpsServer

__all__ = ["PROCESS_IDS", "ZooWpsServer"]
