"""A third PyWPS 4.8 test service, written for issue 16 from PyWPS's and OWSLib's own sources
rather than from our client's assumptions: bounding boxes in three CRS spellings, a GML 2-only
reader, an input readable only by reference, enumerations, a two-range integer, a metalink output.

Each expectation in :mod:`.processes` names the PyWPS or OWSLib source behaviour it follows.
:class:`OgcWpsServer` runs it (werkzeug, threaded) on a free loopback port.
"""

from .processes import PROCESS_IDS, SPELLINGS
from .server import OgcWpsServer

__all__ = ["PROCESS_IDS", "SPELLINGS", "OgcWpsServer"]
