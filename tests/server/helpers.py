"""Helpers of the WPS server tests: configurations in temporary folders, leftover files,
and a real gunicorn on a free loopback port. No qgis or osgeo imports (pip-only venv)."""

from __future__ import annotations

import http.server
import os
import threading
import urllib.error
import urllib.request
from xml.sax.saxutils import escape

from pywps import configuration

from sandbox.wms import CENTER_LAT, CENTER_LON
from wmsedge_engine.filters import edge_filter
from wmsedge_engine.georef import Extent, TileGrid
from wmsedge_engine.wms import WmsClient

STARTUP_TIMEOUT = 60.0


def engine_result(wms_url, layer, grid, crs, method, **get_map_options):
    """What the server must return: the engine's gradient of the halo tile fetched from the same WMS."""
    pixels = WmsClient(timeout=10).get_map(wms_url, layer, grid.with_halo(), crs, **get_map_options)
    return edge_filter(pixels, method, halo=True), pixels


def tutorial_grid(lon=CENTER_LON, lat=CENTER_LAT, size=0.0005, width=512, height=512):
    """The tutorial's box (lon +- size/2, lat +- size/2 for a square tile), written out by hand."""
    half_height = size / 2 * height / width
    return TileGrid(Extent(lon - size / 2, lat - half_height, lon + size / 2, lat + half_height), width, height)


def leftover_files() -> list:
    """Files in the working folder, and in the output folder apart from status documents."""
    workdir = configuration.get_config_value("server", "workdir")
    outputs = configuration.get_config_value("server", "outputpath")
    found = [os.path.join(folder, name) for folder, _, names in os.walk(workdir) for name in names]
    found += [os.path.join(folder, name) for folder, _, names in os.walk(outputs) for name in names
              if not (folder == outputs and name.endswith(".xml"))]
    return found


class GatedProxy:
    """A loopback HTTP proxy to ``upstream`` that holds every request until ``open()`` is called
    (and again after ``close()``): a slow WMS whose slowness the test controls. A context
    manager; ``url`` is its endpoint."""

    def __init__(self, upstream: str):
        gate = self._gate = threading.Event()
        self.waiting = threading.Event()
        waiting = self.waiting

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):  # noqa: N802 (http.server's naming)
                waiting.set()
                gate.wait(timeout=60)
                query = self.path.partition("?")[2]
                with urllib.request.urlopen(f"{upstream}?{query}", timeout=30) as answer:
                    body = answer.read()
                    self.send_response(answer.status)
                    self.send_header("Content-Type", answer.headers["Content-Type"])
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self._server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/ows/"
        self._thread = threading.Thread(target=self._server.serve_forever, name="gated-proxy", daemon=True)
        self._thread.start()

    def open(self):
        self._gate.set()

    def close(self):
        """Hold the requests that arrive from now on (until ``open()``)."""
        self.waiting.clear()
        self._gate.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.open()
        self._server.shutdown()
        self._server.server_close()
        self._thread.join()


def execute_xml(inputs: dict, *, bbox=None, mime_type=None, reference=False, asynchronous=False,
                prolog: str = "") -> str:
    """A POST Execute of get_raster_process.

    ``inputs`` maps identifiers to literal text, inserted verbatim (a test may put entity
    references in it); ``bbox`` = (crs, xmin, ymin, xmax, ymax) adds the BoundingBoxData input,
    x first. The output ``image`` is raw, or a reference (``reference``), stored with status
    updates when ``asynchronous``; ``prolog`` goes before the root element.
    """
    data = "".join(
        f"<wps:Input><ows:Identifier>{escape(key)}</ows:Identifier>"
        f"<wps:Data><wps:LiteralData>{value}</wps:LiteralData></wps:Data></wps:Input>"
        for key, value in inputs.items())
    if bbox is not None:
        crs, xmin, ymin, xmax, ymax = bbox
        data += (f'<wps:Input><ows:Identifier>bbox</ows:Identifier><wps:Data><wps:BoundingBoxData crs="{crs}" '
                 f'dimensions="2"><ows:LowerCorner>{xmin!r} {ymin!r}</ows:LowerCorner>'
                 f"<ows:UpperCorner>{xmax!r} {ymax!r}</ows:UpperCorner></wps:BoundingBoxData></wps:Data></wps:Input>")
    format_attribute = f' mimeType="{mime_type}"' if mime_type else ""
    if reference or asynchronous:
        mode = ' storeExecuteResponse="true" status="true"' if asynchronous else ""
        form = (f'<wps:ResponseDocument{mode}><wps:Output asReference="true"{format_attribute}>'
                "<ows:Identifier>image</ows:Identifier></wps:Output></wps:ResponseDocument>")
    else:
        form = f"<wps:RawDataOutput{format_attribute}><ows:Identifier>image</ows:Identifier></wps:RawDataOutput>"
    return ('<?xml version="1.0" encoding="UTF-8"?>\n' + prolog +
            '<wps:Execute service="WPS" version="1.0.0" xmlns:wps="http://www.opengis.net/wps/1.0.0" '
            'xmlns:ows="http://www.opengis.net/ows/1.1"><ows:Identifier>get_raster_process</ows:Identifier>'
            f"<wps:DataInputs>{data}</wps:DataInputs><wps:ResponseForm>{form}</wps:ResponseForm></wps:Execute>")
