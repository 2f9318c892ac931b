"""The two ways to compute an edge tile: in this QGIS, or on the WMS Edge WPS server.

Both take a :class:`TileJob` prepared by the algorithm (grid, CRS, method,
output path) and write the float32 GeoTIFF at ``job.output``.
"""

from __future__ import annotations

import os
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
    QgsRasterDataProvider,
)
from qgis.PyQt.QtCore import Qt

from .core.filters import edge_filter
from .core.georef import TileGrid, epsg_code
from .core.wms import redact
from .raster_io import RasterReadCanceled, RasterReadError, read_tile_pixels, write_geotiff
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

WPS_PROCESS = "get_raster_process"
GEOTIFF_MIME_TYPE = "image/tiff; subtype=geotiff"
WMS_FORMATS = ("image/png", "image/jpeg")
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
    provider: QgsRasterDataProvider | None = None
    provider_key: str = ""
    source: str = ""
    wps_url: str = ""


def canceled() -> QgsProcessingException:
    return QgsProcessingException(tr("Cancelled: no output was written."))


# ---------------------------------------------------------------- in-process


def provider_for_tile(layer) -> QgsRasterDataProvider:
    """A clone of the layer's provider that asks the WMS for what the WPS asks too.

    A layer drawn on a canvas has the screen's DPI, and a WMS source from the Data Source Manager
    (``dpiMode=7``) then sends DPI, MAP_RESOLUTION and FORMAT_OPTIONS=dpi: with each GetMap, which
    change how the WMS draws (line widths, symbols, labels). The WPS, an OGC client, sends none, and the
    tile is a grid of a given pixel size, not a screen: so neither backend sends them (DPI -1 = none).
    """
    provider = layer.dataProvider().clone()
    provider.setDpi(-1)
    return provider


def run_in_process(job: TileJob, feedback: QgsProcessingFeedback) -> None:
    """Read the halo grid through the layer's provider, filter, write the GeoTIFF."""
    halo = job.grid.with_halo()
    block_feedback = QgsRasterBlockFeedback()
    # Direct connection: the read runs in this (worker) thread and must stop
    # as soon as the dialog's Cancel button sets the processing feedback.
    feedback.canceled.connect(block_feedback.cancel, Qt.ConnectionType.DirectConnection)
    try:
        if feedback.isCanceled():
            raise canceled()
        feedback.pushInfo(tr("Reading {width} x {height} pixels (the tile and a one-pixel halo) "
                             "through the layer's data provider…").format(width=halo.width, height=halo.height))
        feedback.setProgress(5)

        def band_read(done, total):
            feedback.setProgress(5 + 65 * done / total)

        try:
            pixels = read_tile_pixels(job.provider, halo, job.crs, job.transform_context, block_feedback,
                                      on_band_read=band_read)
        except RasterReadCanceled as exc:
            raise canceled() from exc
        except RasterReadError as exc:
            raise QgsProcessingException(tr("Cannot read the layer: {error}").format(error=exc)) from exc
        finally:
            job.provider = None  # owned and deleted by the pipe
        if feedback.isCanceled():
            raise canceled()
        feedback.pushInfo(tr("Applying {method}…").format(method=job.method))
        gradient = edge_filter(pixels, job.method, halo=True)
        feedback.setProgress(85)
        if feedback.isCanceled():
            raise canceled()
        try:
            write_geotiff(job.output, gradient, job.grid, job.crs)
        except (OSError, ValueError, RuntimeError) as exc:
            raise QgsProcessingException(tr("Cannot write {path}: {error}").format(path=job.output, error=exc)) from exc
        feedback.setProgress(100)
    finally:
        feedback.canceled.disconnect(block_feedback.cancel)


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
    outputs = [OutputRequest("image", as_reference=True, mime_type=GEOTIFF_MIME_TYPE)]
    client = WpsClient(job.wps_url, feedback=feedback)
    # The server's own status texts are in English and name its software: say it in our words.
    on_status = status_follower(feedback, lambda response: STATUS_MESSAGES[response.status]()
                                if response.status in STATUS_MESSAGES else None)

    try:
        feedback.pushInfo(tr("Asking {url} for {process}…").format(url=redact(job.wps_url), process=WPS_PROCESS))
        client.describe_process(WPS_PROCESS)
        feedback.setProgress(5)
        response = client.run(WPS_PROCESS, inputs, outputs, on_status=on_status)
        image = response.outputs.get("image")
        if image is None or not image.href:
            raise QgsProcessingException(tr("The WPS server succeeded but returned no reference to the image."))
        feedback.pushInfo(tr("Downloading the GeoTIFF…"))
        client.download(image.href, job.output)
    except WpsError as exc:
        raise processing_error(exc, server=redact(job.wps_url), process=WPS_PROCESS) from exc
    _check_downloaded(job)
    feedback.setProgress(100)


def _check_downloaded(job: TileJob) -> None:
    """The downloaded file must be the raster asked for; otherwise remove it and say so."""
    dataset = gdal.Open(job.output)
    size = (dataset.RasterXSize, dataset.RasterYSize) if dataset is not None else None
    dataset = None
    if size != (job.grid.width, job.grid.height):
        os.remove(job.output)
        found = tr("not a raster GDAL can read") if size is None else f"{size[0]} x {size[1]}"
        raise QgsProcessingException(tr(
            "The WPS server returned an unexpected image ({found}) instead of a {width} x {height} GeoTIFF.").format(
            found=found, width=job.grid.width, height=job.grid.height))
