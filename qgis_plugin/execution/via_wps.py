"""The remote backend: the WMS Edge WPS server's ``get_raster_process`` computes, this QGIS follows its
status and downloads the Cloud Optimized GeoTIFF. What it sends the WPS is what the layer's source
asks of the WMS (layers, format), with no DPI parameters, as the in-process backend reads it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from osgeo import gdal
from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsDataSourceUri,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProviderRegistry,
)

from ..core.contract import GEOTIFF_MIME, PROCESS_ID
from ..core.files import atomic_path
from ..core.georef import TileGrid, epsg_code
from ..core.wms import redact
from ..translation import tr
from ..wps.client import WpsClient
from ..wps.execute import processing_error, status_follower
from ..wps.protocol import (
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
class WpsJob:
    """What ``prepareAlgorithm`` resolves for a run on the WPS server."""

    grid: TileGrid
    crs: QgsCoordinateReferenceSystem
    method: str
    provider_key: str
    source: str
    wps_url: str
    output: str = ""



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


def run_via_wps(job: WpsJob, feedback: QgsProcessingFeedback) -> None:
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
