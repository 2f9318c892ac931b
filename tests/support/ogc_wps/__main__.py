"""``python -m support.ogc_wps CONFIG PORT`` (from tests/): the service at ``/wps``."""

import sys

from .server import main

main(sys.argv[1], int(sys.argv[2]))
