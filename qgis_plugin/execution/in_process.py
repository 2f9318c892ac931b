"""The in-process backend: the engine's area pipeline over the layer's own data provider, in this QGIS.

Blocks are read through clones of the layer's provider (:mod:`..io.provider_source`), filtered by the
engine and written by its COG sink, the same Cloud Optimized GeoTIFF as the WPS server writes.
"""

from __future__ import annotations

from dataclasses import dataclass

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransformContext,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsRasterBlockFeedback,
)
from qgis.PyQt.QtCore import Qt

from ..core.area import AreaCanceled, AreaError, RetryPolicy, plan_blocks, run_area
from ..core.area.cog import CogSink
from ..core.area.plan import HALO
from ..core.georef import TileGrid, epsg_code
from ..io import provider_source
from ..translation import tr
from . import canceled


@dataclass
class InProcessJob:
    """What ``prepareAlgorithm`` resolves on the main thread for a run in this QGIS."""

    grid: TileGrid
    crs: QgsCoordinateReferenceSystem
    method: str
    transform_context: QgsCoordinateTransformContext
    providers: provider_source.ProviderPool
    provider_key: str
    source: str
    max_request_size: int | None = None
    output: str = ""


#: How long a stopped run waits for the reads still in flight to give their provider clones back.
_READS_STOP_TIMEOUT = 30.0


def run_in_process(job: InProcessJob, feedback: QgsProcessingFeedback) -> None:
    """The engine's area pipeline over the layer's provider clones, written by the engine's COG sink."""
    side, limits = provider_source.block_size(job.provider_key, job.source, job.max_request_size, feedback)
    plan = plan_blocks(job.grid, side)
    concurrency = min(job.providers.count, len(plan))
    _log_plan(feedback, plan, limits, job, concurrency)
    block_feedback = QgsRasterBlockFeedback()
    # Direct connection: the reads run in worker threads and must stop as soon as
    # the dialog's Cancel button sets the processing feedback.
    feedback.canceled.connect(block_feedback.cancel, Qt.ConnectionType.DirectConnection)
    source = provider_source.ProviderPixelSource(job.providers, job.crs, job.transform_context, block_feedback)
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
    getmap = provider_source.is_wms_getmap(job.provider_key, job.source)
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


