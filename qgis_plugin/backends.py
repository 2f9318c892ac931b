"""The two ways to compute an edge map: in this QGIS, or on the WMS Edge WPS server.

Both take a :class:`TileJob` prepared by the algorithm (grid, CRS, method,
output path) and leave the same Cloud Optimized GeoTIFF at ``job.output``, or nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from osgeo import gdal
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransformContext,
    QgsDataSourceUri,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProviderRegistry,
    QgsRasterBlockFeedback,
)
from qgis.PyQt.QtCore import Qt

from . import area_source
from .core.area import AreaCanceled, AreaError, RetryPolicy, plan_blocks, run_area
from .core.area.cog import CogSink
from .core.area.plan import HALO
from .core.contract import GEOTIFF_MIME, PROCESS_ID
from .core.files import atomic_path
from .core.georef import TileGrid, epsg_code
from .core.wms import redact
from .translation import tr
from .wps.client import WpsClient
from .wps.execute import processing_error, status_follower
from .wps.protocol import (
    ACCEPTED,
    PAUSED,
    STARTED,
    SUCCEEDED,
    BoundingBoxInput,
    LiteralInput,
    OutputRequest,
    WpsError,
)

WMS_FORMATS = ("image/png", "image/jpeg")
#: How our WPS's status document counts blocks (wps_server/processes/wps_get_raster.py).
_BLOCKS_DONE = re.compile(r"(\d+) of (\d+) blocks done")
#: What the log says when the job reaches each status (functions: translated when called).
STATUS_MESSAGES = {
    ACCEPTED: lambda: tr("WPS server: the job is accepted and waits for its turn."),
    STARTED: lambda: tr("WPS server: the job is running."),
    PAUSED: lambda: tr("WPS server: the job is paused."),
    SUCCEEDED: lambda: tr("WPS server: the job is finished."),
}


@dataclass
class TileJob:
    grid: TileGrid
    crs: QgsCoordinateReferenceSystem
    method: str
    output: str
    transform_context: QgsCoordinateTransformContext
    providers: area_source.ProviderPool | None = None
    provider_key: str = ""
    source: str = ""
    wps_url: str = ""
    max_request_size: int | None = None


def canceled() -> QgsProcessingException:
    return QgsProcessingException(tr("Cancelled: no output was written."))


# ---------------------------------------------------------------- in-process

#: How long a stopped run waits for the reads still in flight to give their provider clones back.
_READS_STOP_TIMEOUT = 30.0


def run_in_process(job: TileJob, feedback: QgsProcessingFeedback) -> None:
    """The engine's area pipeline over the layer's provider clones, written by the engine's COG sink."""
    side, limits = area_source.block_size(job.provider_key, job.source, job.max_request_size, feedback)
    plan = plan_blocks(job.grid, side)
    concurrency = min(job.providers.count, len(plan))
    _log_plan(feedback, plan, limits, job, concurrency)
    block_feedback = QgsRasterBlockFeedback()
    # Direct connection: the reads run in worker threads and must stop as soon as
    # the dialog's Cancel button sets the processing feedback.
    feedback.canceled.connect(block_feedback.cancel, Qt.ConnectionType.DirectConnection)
    source = area_source.ProviderPixelSource(job.providers, job.crs, job.transform_context, block_feedback)
    try:
        if feedback.isCanceled():
            raise canceled()
        try:
            sink = CogSink(job.output, plan, _gdal_crs(job.crs))
            run_area(plan, source, sink, job.method, concurrency=concurrency, retry=RetryPolicy(),
                     progress=lambda fraction: feedback.setProgress(100 * fraction), is_canceled=feedback.isCanceled)
        except AreaCanceled as exc:
            raise canceled() from exc
        except AreaError as exc:
            if feedback.isCanceled():
                raise canceled() from exc
            raise QgsProcessingException(tr("Cannot read the layer: {error}").format(error=exc)) from exc
        except (OSError, RuntimeError, ValueError) as exc:
            raise QgsProcessingException(tr("Cannot write {path}: {error}").format(path=job.output, error=exc)) from exc
    finally:
        block_feedback.cancel()  # reads a stopped run left in flight
        job.providers.wait_until_returned(_READS_STOP_TIMEOUT)
        job.providers = None
        feedback.canceled.disconnect(block_feedback.cancel)


def _log_plan(feedback, plan, limits, job, concurrency) -> None:
    """Before the first request: where the block size comes from, how many blocks and requests."""
    getmap = area_source.is_wms_getmap(job.provider_key, job.source)
    if limits != (None, None):
        origin = tr("the WMS's MaxWidth/MaxHeight {width} x {height}").format(
            width=limits[0] or "-", height=limits[1] or "-")
    elif getmap:
        origin = tr("the WMS advertises no MaxWidth/MaxHeight")
    else:
        origin = tr("the layer is not a WMS")
    if job.max_request_size:
        origin += tr("; setting wmsedge/max_request_size = {size}").format(size=job.max_request_size)
    if getmap:
        text = tr("{width} x {height} pixels; blocks: {blocks} ({rows} x {cols}), each at most {size} x {size} "
                  "pixels; GetMap requests: {blocks}, each at most {side} x {side} pixels (block and one-pixel "
                  "halo; {origin}), {concurrency} at once.")
    else:
        text = tr("{width} x {height} pixels; blocks: {blocks} ({rows} x {cols}), each at most {size} x {size} "
                  "pixels; reads of the layer: {blocks}, each at most {side} x {side} pixels (block and one-pixel "
                  "halo; {origin}), {concurrency} at once.")
    feedback.pushInfo(text.format(width=plan.grid.width, height=plan.grid.height, blocks=len(plan), rows=plan.rows,
                                  cols=plan.cols, size=plan.block_size, side=plan.block_size + 2 * HALO,
                                  origin=origin, concurrency=concurrency))


def _gdal_crs(crs: QgsCoordinateReferenceSystem) -> str:
    """The CRS as the COG records it: ``EPSG:n`` as the WPS writes it, so both backends' files agree."""
    if epsg_code(crs.authid()) is not None:
        return crs.authid()
    return crs.toWkt(QgsCoordinateReferenceSystem.WKT_PREFERRED_GDAL)


# ---------------------------------------------------------------- remote WPS


@dataclass
class WmsSource:
    url: str
    layers: str
    image_format: str
    styles: str = ""


def wms_source(provider_key: str, source: str) -> WmsSource:
    """The WMS URL, layer name(s) and format of a QGIS WMS layer; error for XYZ, WMTS and others."""
    if provider_key != "wms":
        raise QgsProcessingException(tr(
            "The remote WPS backend needs a WMS layer, but this layer comes from the '{provider}' provider. "
            "Use the in-process backend for this layer.").format(provider=provider_key))
    parts = QgsProviderRegistry.instance().decodeUri("wms", source)
    kind = (parts.get("type") or "").lower()
    if kind == "xyz" or parts.get("tileMatrixSet"):
        raise QgsProcessingException(tr(
            "The remote WPS backend needs a WMS layer, but this layer is a {kind} tile layer. "
            "Use the in-process backend for this layer.").format(kind="XYZ" if kind == "xyz" else "WMTS"))
    url = parts.get("url") or ""
    # decodeUri keeps only the last of repeated 'layers' keys: read them all.
    uri = QgsDataSourceUri()
    uri.setEncodedUri(source)
    layers = ",".join(name for name in uri.params("layers") if name)
    if not url or not layers:
        raise QgsProcessingException(tr("The layer's source has no WMS URL or layer name."))
    image_format = parts.get("format") or "image/png"
    styles = ",".join(uri.params("styles"))
    if styles.strip(","):
        raise QgsProcessingException(tr(
            "The layer asks the WMS for the style(s) '{styles}', which the remote backend cannot pass on "
            "(it always uses the default style). Use the in-process backend, or the layer with its default "
            "style.").format(styles=styles))
    return WmsSource(url, layers, image_format, styles)


def run_remote(job: TileJob, feedback: QgsProcessingFeedback) -> None:
    """Execute ``get_raster_process`` asynchronously, follow its status, download the GeoTIFF."""
    source = wms_source(job.provider_key, job.source)
    code = epsg_code(job.crs.authid())
    if code is None:
        raise QgsProcessingException(tr(
            "The remote WPS backend needs an output CRS with an EPSG code; {crs} has none.").format(
            crs=job.crs.authid() or job.crs.description()))
    image_format = source.image_format
    if image_format not in WMS_FORMATS:
        feedback.reportError(tr("The remote backend asks the WMS for {formats}, not the layer's {format}: "
                                "asking for image/png, which may give other pixels than the in-process "
                                "backend.").format(formats=", ".join(WMS_FORMATS), format=image_format))
        image_format = "image/png"
    extent = job.grid.extent
    inputs = [
        LiteralInput("wms", source.layers),
        BoundingBoxInput("bbox", extent.xmin, extent.ymin, extent.xmax, extent.ymax, f"EPSG:{code}"),
        LiteralInput("width", job.grid.width),
        LiteralInput("height", job.grid.height),
        LiteralInput("method", job.method),
        LiteralInput("wms_url", source.url),
        LiteralInput("wms_version", "1.3.0"),
        LiteralInput("format", image_format),
    ]
    outputs = [OutputRequest("image", as_reference=True, mime_type=GEOTIFF_MIME)]
    client = WpsClient(job.wps_url, feedback=feedback)

    def describe(response):
        blocks = _BLOCKS_DONE.search(response.message or "")
        if blocks:
            feedback.setProgressText(tr("{done} of {total} blocks done").format(
                done=blocks.group(1), total=blocks.group(2)))
        # The server's own status texts are in English and name its software: say it in our words.
        return STATUS_MESSAGES[response.status]() if response.status in STATUS_MESSAGES else None

    on_status = status_follower(feedback, describe)

    try:
        feedback.pushInfo(tr("Asking {url} for {process}…").format(url=redact(job.wps_url), process=PROCESS_ID))
        client.describe_process(PROCESS_ID)
        feedback.setProgress(5)
        response = client.run(PROCESS_ID, inputs, outputs, on_status=on_status)
        image = response.outputs.get("image")
        if image is None or not image.href:
            raise QgsProcessingException(tr("The WPS server succeeded but returned no reference to the image."))
        feedback.pushInfo(tr("Downloading the GeoTIFF…"))
        # Checked before it appears at the output path: a wrong answer is never there, even briefly.
        with atomic_path(job.output, suffix=".tif") as temporary:
            client.download(image.href, temporary)
            _check_downloaded(temporary, job.grid)
    except WpsError as exc:
        raise processing_error(exc, server=redact(job.wps_url), process=PROCESS_ID) from exc
    feedback.setProgress(100)


def _check_downloaded(path: str, grid: TileGrid) -> None:
    """The downloaded file must be the raster asked for."""
    dataset = gdal.Open(path)
    size = (dataset.RasterXSize, dataset.RasterYSize) if dataset is not None else None
    dataset = None
    if size != (grid.width, grid.height):
        found = tr("not a raster GDAL can read") if size is None else f"{size[0]} x {size[1]}"
        raise QgsProcessingException(tr(
            "The WPS server returned an unexpected image ({found}) instead of a {width} x {height} GeoTIFF.").format(
            found=found, width=grid.width, height=grid.height))
