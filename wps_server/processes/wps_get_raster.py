"""get_raster_process: the PyWPS tutorial's process, computed by the shared edge engine."""

from __future__ import annotations

import contextlib
import logging
import os
import shutil
import tempfile
import time

import requests
from pywps import BoundingBoxInput, ComplexOutput, LiteralInput
from pywps.app.Common import Metadata
from pywps.app.exceptions import ProcessError
from pywps.exceptions import InvalidParameterValue, NoApplicableCode
from pywps.inout.formats import Format
from pywps.inout.literaltypes import AllowedValue
from pywps.validator.allowed_value import ALLOWEDVALUETYPE, RANGECLOSURETYPE
from pywps.validator.mode import MODE

from wmsedge_engine.area import AreaError, RetryPolicy, block_size_for, plan_blocks, run_area
from wmsedge_engine.area.array_sink import ArraySink
from wmsedge_engine.area.cog import CogSink
from wmsedge_engine.area.wms_source import WmsPixelSource, advertised_block_size
from wmsedge_engine.contract import (
    DEFAULT_MAX_PIXELS,
    GEOTIFF_MIME,
    METHODS,
    PNG_MIME,
    PROCESS_ID,
    WMS_IMAGE_FORMATS,
    WMS_VERSIONS,
)
from wmsedge_engine.wms import WmsClient, WmsError, WmsNotAllowed, WmsServiceException, WmsTimeout

from .. import config
from ..jobs import store
from ..jobs.process import JobProcess
from ..tile_files import GEOTIFF_NAME, PNG_NAME, png_bytes, write_png, write_png_georeferencing
from ..tile_request import (
    DEFAULT_BBOX_SIZE,
    DEFAULT_CRS,
    DEFAULT_METHOD,
    DEFAULT_SIZE,
    MAX_BBOX_SIZE,
    parse_tile_request,
)

LOGGER = logging.getLogger("PYWPS")
PNG = Format(PNG_MIME, extension=".png")
GEOTIFF = Format(GEOTIFF_MIME, extension=".tif")
OUTPUT_FORMATS = {PNG.mime_type: PNG, GEOTIFF.mime_type: GEOTIFF}

# WMS exception codes that mean "this input of yours is wrong" rather than "the WMS failed".
_WMS_CODE_LOCATORS = {
    "LayerNotDefined": "wms",
    "InvalidSRS": "crs",
    "InvalidCRS": "crs",
    "InvalidFormat": "format",
}

ABSTRACT = f"""\
Fetches a tile or an area of a WMS layer and returns its Sobel or Prewitt gradient.

Geometry: with lat and lon (WGS84) the tile is centred on that point and spans bbox_size degrees
east-west (default {DEFAULT_BBOX_SIZE}) with square pixels; the default is the tutorial's
{DEFAULT_SIZE} x {DEFAULT_SIZE} pixels in EPSG:4326. With another crs the centre is transformed to
it, pixels stay square, and the tile's width is the distance in that CRS between the points
bbox_size/2 degrees west and east of the centre. With bbox (any EPSG CRS, coordinates x/easting
first: lower corner, then upper corner) the tile covers exactly that extent with width x height
pixels, and lat, lon, bbox_size and crs are not used.

The WMS is asked for one more pixel on every side, so every output pixel is a true gradient. An
area larger than one GetMap may be (the WMS's MaxWidth/MaxHeight) is fetched in blocks, each with
its own one-pixel halo, so the result has no seam. Synchronous requests and PNG outputs are
limited in size; larger areas are computed asynchronously, with progress per block, as a Cloud
Optimized GeoTIFF.
Gradients are float32 in the layer's gray levels: *_x is positive where brightness increases
eastward, *_y northward; magnitudes are sqrt(gx^2 + gy^2). Transparent pixels are nodata.

Output image: image/tiff; subtype=geotiff (a Cloud Optimized GeoTIFF: float32, exact extent, pixel
size and CRS, nodata NaN, 512 x 512 tiles, overviews) or
image/png (the default: 8-bit display rendering, 127.5 + g / (2 gain) for signed methods and
g / (gain sqrt 2) for magnitudes, gain 4 for Sobel and 3 for Prewitt; as a reference a world file
.pgw and a .png.aux.xml with the CRS sit beside it)."""


class ImageOutput(ComplexOutput):
    """PyWPS renders an execute document even for a raw response, which it never sends, and
    base64-encodes the whole output into it. A raw output leaves its data out of that document."""

    raw = False

    def _json_data(self, data):
        if self.raw:
            data["type"] = "complex"
            return data
        return super()._json_data(data)


class GetRasterProcess(JobProcess):
    """Edge tile of a WMS layer, around a point or over a bounding box."""

    def __init__(self):
        inputs = [
            LiteralInput("wms", "WMS layer", data_type="string", mode=MODE.NONE,
                         abstract="Name of the layer in the WMS (its LAYERS parameter)."),
            LiteralInput("lat", "Latitude", data_type="float", min_occurs=0, mode=MODE.NONE,
                         abstract="Latitude of the tile's centre, WGS84 degrees; required unless bbox is given.",
                         allowed_values=[_range(-90, 90)]),
            LiteralInput("lon", "Longitude", data_type="float", min_occurs=0, mode=MODE.NONE,
                         abstract="Longitude of the tile's centre, WGS84 degrees; required unless bbox is given.",
                         allowed_values=[_range(-180, 180)]),
            LiteralInput("method", "Method", data_type="string", default=DEFAULT_METHOD, min_occurs=0,
                         mode=MODE.NONE, allowed_values=list(METHODS),
                         abstract="Edge filter: Sobel or Prewitt, x, y or magnitude."),
            LiteralInput("wms_url", "WMS URL", data_type="string", min_occurs=0, mode=MODE.NONE,
                         abstract="WMS endpoint; must be one the server allows. Default: the server's WMS."),
            LiteralInput("wms_version", "WMS version", data_type="string", default="1.1.1", min_occurs=0,
                         mode=MODE.NONE, allowed_values=list(WMS_VERSIONS)),
            LiteralInput("width", "Width", data_type="integer", default=DEFAULT_SIZE, min_occurs=0,
                         mode=MODE.NONE, allowed_values=[_range(1, DEFAULT_MAX_PIXELS)],
                         abstract="Width in pixels (width x height is limited by the server)."),
            LiteralInput("height", "Height", data_type="integer", default=DEFAULT_SIZE, min_occurs=0,
                         mode=MODE.NONE, allowed_values=[_range(1, DEFAULT_MAX_PIXELS)],
                         abstract="Height in pixels."),
            LiteralInput("bbox_size", "Box size", data_type="float", default=DEFAULT_BBOX_SIZE, min_occurs=0,
                         mode=MODE.NONE, allowed_values=[_range(0, MAX_BBOX_SIZE, RANGECLOSURETYPE.OPENCLOSED)],
                         abstract="East-west size of the tile in degrees, around lat/lon."),
            LiteralInput("crs", "CRS", data_type="string", default=DEFAULT_CRS, min_occurs=0, mode=MODE.NONE,
                         abstract="EPSG code of the tile's CRS, e.g. EPSG:3857 (with lat/lon)."),
            LiteralInput("format", "WMS image format", data_type="string", default=WMS_IMAGE_FORMATS[0],
                         min_occurs=0, mode=MODE.NONE, allowed_values=list(WMS_IMAGE_FORMATS),
                         abstract="Image format asked of the WMS."),
            BoundingBoxInput("bbox", "Extent", crss=["EPSG:4326", "EPSG:3857"], min_occurs=0,
                             abstract="Exact extent of the tile, in any EPSG CRS, x (easting) first."),
        ]
        outputs = [
            ImageOutput("image", "Edge tile", as_reference=True, supported_formats=[PNG, GEOTIFF],
                          abstract="PNG display rendering (default) or float32 GeoTIFF."),
        ]
        super().__init__(
            self._handler,
            identifier=PROCESS_ID,
            title="Edge tile of a WMS layer",
            abstract=ABSTRACT,
            version="1.0",
            metadata=[Metadata("Sobel operator", "https://en.wikipedia.org/wiki/Sobel_operator"),
                      Metadata("Prewitt operator", "https://en.wikipedia.org/wiki/Prewitt_operator")],
            inputs=inputs,
            outputs=outputs,
            store_supported=True,
            status_supported=True,
        )

    def setup_outputs_from_wps_request(self, wps_request):
        """Check the ResponseForm (raw or document) before PyWPS applies it."""
        for identifier, requested in wps_request.outputs.items():
            if identifier != "image":
                raise InvalidParameterValue(
                    f"unknown output {identifier[:60]!r}; this process has one output, image", identifier[:60])
            mime_type = _normalise_mime_type(requested.get("mimetype"))
            if mime_type and mime_type not in OUTPUT_FORMATS:
                raise InvalidParameterValue(
                    f"output image cannot be {requested.get('mimetype')[:60]!r}; "
                    f"allowed mimeType values: {', '.join(OUTPUT_FORMATS)}", "image")
            requested["mimetype"] = mime_type or None
        super().setup_outputs_from_wps_request(wps_request)

    def check_request(self, wps_request):
        """Reject bad inputs before the job is accepted, and areas too large for how they are asked."""
        settings = config.current().wms
        tile = parse_tile_request(wps_request.inputs, settings)
        pixels = tile.grid.width * tile.grid.height
        size = f"a {tile.grid.width} x {tile.grid.height} area has {pixels} pixels"
        if not store.is_job(wps_request) and pixels > settings.sync_max_pixels:
            raise InvalidParameterValue(
                f"{size}, more than the {settings.sync_max_pixels} a synchronous request may compute "
                "(sync_max_pixels): ask for asynchronous execution (storeExecuteResponse=true, status=true) "
                "and a GeoTIFF by reference", "width")
        mime_type = _normalise_mime_type(wps_request.outputs.get("image", {}).get("mimetype")) or PNG.mime_type
        if mime_type == PNG.mime_type and pixels > settings.sync_max_pixels:
            raise InvalidParameterValue(
                f"{size}, more than the {settings.sync_max_pixels} of a PNG rendering (sync_max_pixels): "
                f"ask for {GEOTIFF.mime_type}", "image")

    def _handler(self, request, response):
        settings = config.current().wms
        tile = parse_tile_request(request.inputs, settings)
        output = response.outputs["image"]
        output.data_format = OUTPUT_FORMATS[
            _normalise_mime_type(request.outputs.get("image", {}).get("mimetype")) or PNG.mime_type]
        geotiff = output.data_format.mime_type == GEOTIFF.mime_type

        session = _wms_session()
        block_size = _block_size(session, settings, tile.wms_url, tile.grid)
        plan = plan_blocks(tile.grid, block_size)
        largest = plan.block(0, 0).fetch_grid  # the first block is the largest: the others are cut by the edges
        client = WmsClient(timeout=settings.timeout, connect_timeout=min(settings.timeout, 5.0),
                           max_pixels=largest.width * largest.height, url_allowed=settings.url_allowed,
                           session=session)
        source = WmsPixelSource(client, tile.wms_url, tile.layer, tile.crs, version=tile.wms_version,
                                image_format=tile.image_format, requests_per_host=settings.requests_per_host)
        LOGGER.info("job %s: %s over %s", self.uuid, tile.method, plan.describe())
        _progress(response, f"Computing {tile.method} over {plan.describe()}", 5)

        def blocks_done(fraction):
            _progress(response, f"{round(fraction * len(plan))} of {len(plan)} blocks done", 5 + int(85 * fraction))

        with contextlib.ExitStack() as stack:
            if geotiff:
                # A raw request has no working folder: its COG is made aside, then read.
                folder = stack.enter_context(tempfile.TemporaryDirectory(
                    dir=config.current().work_folder)) if request.raw else self.workdir
                path = os.path.join(folder, GEOTIFF_NAME)
            spread = geotiff and self.async_ and len(plan) > 1 and config.current().jobs.distributed
            sink = None if spread else CogSink(path, plan, tile.crs) if geotiff else ArraySink(tile.grid)
            try:
                if spread:
                    from ..jobs.distributed.runner import compute_area  # only in the distributed mode

                    shutil.move(compute_area(self.uuid, tile, block_size, blocks_done), path)
                else:
                    run_area(plan, source, sink, tile.method, concurrency=min(settings.requests_per_host, len(plan)),
                             retry=RetryPolicy(settings.retries if self.async_ else 0), progress=blocks_done)
            except AreaError as exc:
                self.failure = _ows_failure(exc)
                raise ProcessError(self.failure.description) from exc
            _progress(response, f"Writing the {output.data_format.mime_type} output", 95)
            if geotiff and request.raw:
                with open(path, "rb") as stream:
                    output.data = stream.read()
            elif geotiff:
                output.file = path
            elif request.raw:
                output.data = png_bytes(sink.values, tile.method)
            else:
                output.file = os.path.join(self.workdir, PNG_NAME)
                write_png(output.file, sink.values, tile.method)
                if output.as_reference:
                    write_png_georeferencing(os.path.join(self.output_folder(), PNG_NAME), tile.grid, tile.epsg)
        if request.raw:
            # Sent as bytes: PyWPS keeps no file (it would otherwise keep a copy in the output folder).
            output.as_reference = False
            output.raw = True
        return response


_SESSIONS: dict = {}


def _wms_session() -> requests.Session:
    """This process's HTTP session to the WMS, kept between requests so that its connections
    are reused (a gunicorn worker serves one request at a time; a forked job process gets its
    own session, never its parent's sockets)."""
    pid = os.getpid()
    if pid not in _SESSIONS:
        _SESSIONS.clear()
        _SESSIONS[pid] = requests.Session()
    return _SESSIONS[pid]


def _progress(response, message, percent):
    """Report progress. Only stored jobs with status have a status document that a client can
    read, so synchronous requests skip the work of rebuilding it."""
    if response.store_status_file:
        response.update_status(message, percent)


_BLOCK_SIZES: dict = {}
_BLOCK_SIZE_LIFETIME = 600.0


def _block_size(session, settings, url, grid) -> int:
    """Output pixels per GetMap side for ``url``: its advertised limits (asked once per process every
    ten minutes), lowered to ``[wms] max_request_size``. A tile that fits in one GetMap of
    the default size is never worth a GetCapabilities of its own."""
    default = block_size_for(cap=settings.max_request_size)
    if grid.width <= default and grid.height <= default:
        return default
    known = _BLOCK_SIZES.get(url)
    if known is None or time.monotonic() - known[1] > _BLOCK_SIZE_LIFETIME:
        client = WmsClient(timeout=settings.timeout, url_allowed=settings.url_allowed, session=session)
        known = _BLOCK_SIZES[url] = (advertised_block_size(client, url, settings.max_request_size), time.monotonic())
    return known[0]


def _ows_failure(exc: AreaError) -> NoApplicableCode:
    """The OWS exception that a failed block stands for: the client's input, or the WMS."""
    cause, text = exc.__cause__, str(exc)
    while cause is not None and not isinstance(cause, WmsError):
        cause = cause.__cause__
    if isinstance(cause, WmsServiceException) and cause.code in _WMS_CODE_LOCATORS:
        return InvalidParameterValue(text, _WMS_CODE_LOCATORS[cause.code])
    if isinstance(cause, WmsNotAllowed):
        return InvalidParameterValue(text, "wms_url")
    if isinstance(cause, WmsTimeout):
        return NoApplicableCode(text, code=504)
    return NoApplicableCode(text, code=502)


def _normalise_mime_type(mime_type):
    """``image/tiff;subtype=GeoTIFF`` and the like, spelled as in DescribeProcess."""
    if not isinstance(mime_type, str) or not mime_type.strip():
        return ""
    parts = [part.strip().lower() for part in mime_type.split(";")]
    return "; ".join(part for part in parts if part)


def _range(low, high, closure=RANGECLOSURETYPE.CLOSED):
    return AllowedValue(allowed_type=ALLOWEDVALUETYPE.RANGE, minval=low, maxval=high, range_closure=closure)
