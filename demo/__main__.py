"""``make demo``: the whole product, offline, on this machine only.

1. a real WMS: QGIS Server over a generated project (QGIS's world map + a pattern raster);
2. our WPS under gunicorn, configured to use that WMS;
3. the tutorial's Execute request, unchanged but for layer and point, saved as PNG;
   the same request asking for a GeoTIFF, asynchronously, with its progress shown;
4. the QGIS algorithm through ``qgis_process``, in-process and through the WPS, for the same tile;
5. an area larger than one GetMap may be (the demo WPS lowers it to 514 pixels a side), computed
   in blocks asynchronously with its progress, as a Cloud Optimized GeoTIFF, and a picture of it
   with the block boundaries marked;
6. side-by-side pictures of source and edges for every method, a timing table,
   and a check that the in-process and remote GeoTIFFs agree.

Every server started here is stopped on exit, also on Ctrl-C or failure.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
import tempfile
import time
import xml.etree.ElementTree as ElementTree
from contextlib import ExitStack, contextmanager
from pathlib import Path

import numpy as np
import requests
from PIL import Image, ImageDraw

from sandbox.qgis_process import QgisProfile
from sandbox.wms import CENTER_LAT, CENTER_LON, LAYER_4326, LAYER_WORLD, QgisServer, build_project
from sandbox.wps import WpsServer
from wmsedge_engine import METHODS, WmsClient, display_bytes, edge_filter, grid_from_center

ROOT = Path(__file__).resolve().parents[1]
TUTORIAL_XML = Path(__file__).with_name("tutorial_execute.xml")
TUTORIAL_LAYER, TUTORIAL_LAT, TUTORIAL_LON = "geoimage:lon_bing_mosaic_tiled", "45.55425883140662", "-73.49350601434709"
WPS_NS = {"wps": "http://www.opengis.net/wps/1.0.0", "ows": "http://www.opengis.net/ows/1.1",
          "xlink": "http://www.w3.org/1999/xlink"}
GEOTIFF = "image/tiff; subtype=geotiff"

# A stretch of borders in central Europe: a world-map tile where edges show.
WORLD_LAT, WORLD_LON, WORLD_BOX_DEGREES = 47.0, 9.0, 8.0
# The demo WPS asks the WMS for at most this many pixels a side (halo included), so the area below
# (Europe, 0.02 degree pixels) takes several blocks.
DEMO_REQUEST_SIDE = 514
AREA_EXTENT, AREA_PIXEL = (-10.0, 35.0, 30.0, 60.0), 0.02


class Stages:
    """Times each stage and prints the table at the end."""

    def __init__(self):
        self.rows = []

    def run(self, name, function, *args, **kwargs):
        print(f"-> {name} ...", flush=True)
        start = time.perf_counter()
        result = function(*args, **kwargs)
        elapsed = time.perf_counter() - start
        self.rows.append((name, elapsed))
        print(f"   done in {elapsed:.2f} s", flush=True)
        return result

    def table(self):
        width = max(len(name) for name, _ in self.rows)
        lines = [f"{'stage':<{width}}  seconds", f"{'-' * width}  -------"]
        lines += [f"{name:<{width}}  {seconds:7.2f}" for name, seconds in self.rows]
        return "\n".join(lines)


def tutorial_request(layer, lat, lon, mime_type=None, asynchronous=False):
    """The tutorial's Execute XML with only layer and point changed; or, asynchronous, with a
    ResponseDocument asking for ``mime_type`` as a stored reference with status updates.

    WPS 1.0.0 reads storeExecuteResponse and status on the ResponseDocument: on the Execute
    element, where the tutorial puts them, they mean nothing.
    """
    xml = TUTORIAL_XML.read_text()
    xml = xml.replace(TUTORIAL_LAYER, layer).replace(TUTORIAL_LAT, repr(lat)).replace(TUTORIAL_LON, repr(lon))
    if asynchronous:
        xml = re.sub(r"<wps:RawDataOutput mimeType=\"image/png\">(.*?)</wps:RawDataOutput>",
                     '<wps:ResponseDocument storeExecuteResponse="true" status="true">'
                     f'<wps:Output asReference="true" mimeType="{mime_type}">\\1'
                     "</wps:Output></wps:ResponseDocument>", xml, flags=re.S)
    return xml


def post_execute(wps_url, xml):
    response = requests.post(wps_url, data=xml.encode(), headers={"Content-Type": "text/xml"}, timeout=120)
    if response.headers.get("content-type", "").startswith("text/xml") and b"ExceptionReport" in response.content:
        raise RuntimeError(f"the WPS refused the request:\n{response.text}")
    response.raise_for_status()
    return response


def run_async(wps_url, xml, destination):
    """Submit, follow the status document printing its progress, download the output reference."""
    document = ElementTree.fromstring(post_execute(wps_url, xml).content)
    status_url = document.get("statusLocation")
    seen = None
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline:
        status = document.find("wps:Status", WPS_NS)
        failed = status.find("wps:ProcessFailed", WPS_NS)
        if failed is not None:
            raise RuntimeError("the WPS job failed: " + " ".join(failed.itertext()).strip())
        if status.find("wps:ProcessSucceeded", WPS_NS) is not None:
            reference = document.find(".//wps:Reference", WPS_NS)
            href = reference.get("href") or reference.get(f"{{{WPS_NS['xlink']}}}href")
            destination.write_bytes(requests.get(href, timeout=60).content)
            print("   100% ProcessSucceeded")
            return destination
        state = status[0]
        percent = state.get("percentCompleted", "0")
        line = f"{percent:>3}% {state.tag.rsplit('}', 1)[-1]}: {(state.text or '').strip()}"
        if line != seen:
            print(f"   {line}", flush=True)
            seen = line
        time.sleep(0.1)
        document = ElementTree.fromstring(requests.get(status_url, timeout=30).content)
    raise RuntimeError(f"the WPS job did not finish in time: {status_url}")


def area_request(layer, extent, pixel, method="sobel_magnitude"):
    """An asynchronous Execute of an area over ``extent`` (EPSG:4326, x first) at ``pixel`` degrees."""
    xmin, ymin, xmax, ymax = extent
    width, height = round((xmax - xmin) / pixel), round((ymax - ymin) / pixel)
    literals = "".join(
        f"<wps:Input><ows:Identifier>{key}</ows:Identifier><wps:Data><wps:LiteralData>{value}</wps:LiteralData>"
        "</wps:Data></wps:Input>" for key, value in
        (("wms", layer), ("method", method), ("width", width), ("height", height), ("wms_version", "1.3.0")))
    return ('<?xml version="1.0" encoding="UTF-8"?><wps:Execute service="WPS" version="1.0.0" '
            'xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1">'
            "<ows:Identifier>get_raster_process</ows:Identifier><wps:DataInputs>" + literals +
            '<wps:Input><ows:Identifier>bbox</ows:Identifier><wps:Data><wps:BoundingBoxData crs="EPSG:4326" '
            f'dimensions="2"><ows:LowerCorner>{xmin!r} {ymin!r}</ows:LowerCorner><ows:UpperCorner>{xmax!r} '
            f"{ymax!r}</ows:UpperCorner></wps:BoundingBoxData></wps:Data></wps:Input></wps:DataInputs>"
            '<wps:ResponseForm><wps:ResponseDocument storeExecuteResponse="true" status="true">'
            f'<wps:Output asReference="true" mimeType="{GEOTIFF}"><ows:Identifier>image</ows:Identifier>'
            "</wps:Output></wps:ResponseDocument></wps:ResponseForm></wps:Execute>")


def area_picture(cog, method, block_side, destination):
    """The area's display rendering, the block boundaries drawn in red; returns (width, height, blocks)."""
    from osgeo import gdal

    dataset = gdal.Open(str(cog))
    gradient = dataset.GetRasterBand(1).ReadAsArray()
    overviews = dataset.GetRasterBand(1).GetOverviewCount()
    image = _on_white(Image.fromarray(display_bytes(gradient, method), "LA"))
    draw = ImageDraw.Draw(image)
    for x in range(block_side, image.width, block_side):
        draw.line([(x, 0), (x, image.height)], fill=(220, 40, 40))
    for y in range(block_side, image.height, block_side):
        draw.line([(0, y), (image.width, y)], fill=(220, 40, 40))
    image.save(destination)
    blocks = -(-image.width // block_side) * -(-image.height // block_side)
    print(f"   {image.width} x {image.height} pixels in {blocks} blocks of at most {block_side}², "
          f"{overviews} overviews; picture: {destination.name}")
    return destination


def side_by_side(source, gradient, method, title):
    """Source tile left, its edge rendering right, with a caption."""
    left = _on_white(Image.fromarray(source))
    right = _on_white(Image.fromarray(display_bytes(gradient, method), "LA"))
    canvas = Image.new("RGB", (left.width + right.width + 10, left.height + 24), "white")
    canvas.paste(left, (0, 24))
    canvas.paste(right, (left.width + 10, 24))
    ImageDraw.Draw(canvas).text((4, 6), f"{title}: source | {method}", fill="black")
    return canvas


def _on_white(image):
    """Transparent pixels (nodata) shown as white."""
    canvas = Image.new("RGB", image.size, "white")
    canvas.paste(image.convert("RGB"), mask=image.getchannel("A") if "A" in image.getbands() else None)
    return canvas


def pictures(wms_url, output):
    """One side-by-side picture per method of the world-map tile, and an overview of all."""
    grid = grid_from_center(WORLD_LON, WORLD_LAT, 256, 256, WORLD_BOX_DEGREES / 256)
    client = WmsClient(timeout=60)
    source_halo = client.get_map(wms_url, LAYER_WORLD, grid.with_halo(), "EPSG:4326", version="1.3.0")
    panels = []
    for method in METHODS:
        gradient = edge_filter(source_halo, method, halo=True)
        panel = side_by_side(source_halo[1:-1, 1:-1], gradient, method, "world map")
        panel.save(output / f"side_by_side_{method}.png")
        panels.append(panel)
    overview = Image.new("RGB", (panels[0].width * 2, panels[0].height * 3), "white")
    for index, panel in enumerate(panels):
        overview.paste(panel, ((index % 2) * panel.width, (index // 2) * panel.height))
    overview.save(output / "side_by_side.png")
    return output / "side_by_side.png"


def wms_layer_source(wms_url, layer):
    """A WMS layer as qgis_process takes it: ``wms://`` then the layer's data source."""
    return f"wms://crs=EPSG:4326&dpiMode=7&format=image/png&layers={layer}&styles=&url={wms_url}"


def compare_geotiffs(first, second):
    """Raise unless both GeoTIFFs have the same size, geotransform, CRS and pixels (NaN = NaN)."""
    from osgeo import gdal, osr

    datasets = [gdal.Open(str(path)) for path in (first, second)]
    arrays = [ds.GetRasterBand(1).ReadAsArray() for ds in datasets]
    transforms = [ds.GetGeoTransform() for ds in datasets]
    crs = [osr.SpatialReference(wkt=ds.GetProjection()) for ds in datasets]
    if arrays[0].shape != arrays[1].shape or not np.allclose(transforms[0], transforms[1], rtol=0, atol=1e-12):
        raise RuntimeError(f"georeferencing differs: {transforms} {[a.shape for a in arrays]}")
    if not crs[0].IsSame(crs[1]):
        raise RuntimeError("CRSs differ")
    if not np.array_equal(arrays[0], arrays[1], equal_nan=True):
        raise RuntimeError(f"pixels differ at {np.count_nonzero(arrays[0] != arrays[1])} places")
    return arrays[0].shape


@contextmanager
def demo_session(argv, description, default_output, prefix):
    """A demo's command line, its fresh output folder, its timed stages and the demo WMS (QGIS Server);
    yields (output, stages, scratch folder, servers stack, wms). Every server entered into the stack is
    stopped at the end, also on Ctrl-C or failure."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--output", type=Path, default=default_output, help="where to write (default: %(default)s)")
    output = parser.parse_args(argv).output.resolve()
    if output.exists():
        shutil.rmtree(output)
    output.mkdir(parents=True)
    stages = Stages()
    with tempfile.TemporaryDirectory(prefix=prefix) as scratch, ExitStack() as servers:
        scratch = Path(scratch)
        project = stages.run("generate the demo WMS project", build_project, scratch / "wms-data")
        wms = servers.enter_context(stages.run("start QGIS Server (WMS)", QgisServer(project, scratch).start))
        print(f"   WMS at {wms.url}")
        yield output, stages, scratch, servers, wms


def main(argv=None):
    with demo_session(argv, __doc__.splitlines()[0], ROOT / "demo-output", "wmsedge-demo-") as session:
        output, stages, scratch, servers, wms = session
        wps = servers.enter_context(stages.run("start the WPS (gunicorn)", WpsServer(
            scratch / "wps", wms.url, wms_extra=f"max_request_size = {DEMO_REQUEST_SIDE}\n").start))
        print(f"   WPS at {wps.url}")

        png = output / "tutorial_request.png"
        response = stages.run("tutorial request, PNG (sync)", post_execute, wps.url,
                              tutorial_request(LAYER_4326, CENTER_LAT, CENTER_LON))
        png.write_bytes(response.content)
        print(f"   {png.name}: {Image.open(png).size[0]} x {Image.open(png).size[1]} PNG")
        stages.run("tutorial request, GeoTIFF (async)", run_async, wps.url,
                                    tutorial_request(LAYER_4326, CENTER_LAT, CENTER_LON, GEOTIFF, asynchronous=True),
                                    output / "tutorial_request.tif")

        area = stages.run("area in blocks, COG (async)", run_async, wps.url,
                          area_request(LAYER_WORLD, AREA_EXTENT, AREA_PIXEL), output / "area_edges.tif")
        stages.run("picture of the area and its blocks", area_picture, area, "sobel_magnitude",
                   DEMO_REQUEST_SIDE - 2, output / "area_blocks.png")

        qgis = stages.run("install the plugin zip for qgis_process", QgisProfile(scratch / "qgis").install_plugin)
        common = {"INPUT": wms_layer_source(wms.url, LAYER_4326), "CENTER": f"{CENTER_LON},{CENTER_LAT} [EPSG:4326]",
                  "WIDTH": 512, "HEIGHT": 512, "PIXEL_SIZE": 0.0005 / 512, "CRS": "EPSG:4326",
                  "METHOD": 0, "WPS_URL": wps.url}
        in_process = output / "qgis_in_process.tif"
        remote = output / "qgis_remote.tif"
        stages.run("qgis_process, in-process backend", qgis.run_algorithm, "wmsedge:edge_tile",
                   {**common, "BACKEND": 0, "OUTPUT": in_process})
        stages.run("qgis_process, remote WPS backend", qgis.run_algorithm, "wmsedge:edge_tile",
                   {**common, "BACKEND": 1, "OUTPUT": remote})
        shape = stages.run("compare in-process and remote GeoTIFFs", compare_geotiffs, in_process, remote)
        print(f"   identical: {shape[1]} x {shape[0]} pixels, same extent, CRS and values")
        overview = stages.run("side-by-side pictures", pictures, wms.url, output)
    print()
    print(stages.table())
    print()
    print(f"Outputs in {output}:")
    for path in sorted(output.iterdir()):
        print(f"  {path.name}")
    print(f"Look at {overview} first.")
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        print("interrupted: servers stopped", file=sys.stderr)
        sys.exit(130)
