"""The tasks of an area job: one per block, then the assembly, as one Celery chord.

A block task computes its block with the engine's own block step (fetch with retries, edge
filter with the halo, block file written atomically to the shared staging folder) and records it
in the job's progress. It is idempotent: a block whose file is there is only recorded, and a job
already over is left alone, so a re-delivered task (its worker lost, the broker restarted) costs
little and changes nothing. Its result is the same on every run, which lets Celery's Redis chord
count a duplicate once.
"""

from __future__ import annotations

import os
import shutil
import threading

from celery import chord

from wmsedge_engine.area import AreaError, ComputeSlots, compute_block
from wmsedge_engine.area.cog import assemble_cog, block_file_name, default_binding, write_block_file
from wmsedge_engine.area.wms_source import WmsPixelSource
from wmsedge_engine.wms import WmsClient

from .progress import FAILED, FINISHED, SUCCEEDED, store_for
from .spec import AreaJobSpec

BLOCK_TASK = "wmsedge.area.block"
ASSEMBLE_TASK = "wmsedge.area.assemble"
FAILED_TASK = "wmsedge.area.failed"
#: A whole asynchronous Execute: (job uuid, PyWPS's stored request JSON); see :mod:`.runner`.
JOB_TASK = "wmsedge.job.run"
#: A worker process runs one block task at a time; its result buffer is kept for the next one.
_BLOCK_SLOTS = ComputeSlots(1)


class StagingSink:
    """The block half of the COG sink: block files in the shared staging folder."""

    def __init__(self, folder: str):
        self.folder, self.gdal = folder, default_binding()

    def write(self, block, gradient) -> None:
        write_block_file(self.gdal, self.folder, block, gradient)


def run_block(database: str, spec_data: dict, row: int, col: int) -> list:
    spec = AreaJobSpec.from_dict(spec_data)
    store = store_for(database)
    progress = store.progress(spec.job_id)
    if progress is None or progress.state in FINISHED:
        return [row, col]  # forgotten or over (failed elsewhere, or a late duplicate): nothing to add
    try:
        spec.check_deadline()
        block = spec.plan().block(row, col)
        if not os.path.exists(os.path.join(spec.staging, block_file_name(block))):
            _compute(spec, block)
    except AreaError as exc:
        # The job fails now, not when its last block is done: the blocks still queued see it and stop.
        store.finish(spec.job_id, FAILED, str(exc))
        raise
    store.block_done(spec.job_id, row, col)
    return [row, col]


def _compute(spec: AreaJobSpec, block) -> None:
    client = WmsClient(timeout=spec.wms_timeout)
    try:
        source = WmsPixelSource(client, spec.url, spec.layer, spec.crs, version=spec.version,
                                image_format=spec.image_format, styles=spec.styles)
        compute_block(block, source, StagingSink(spec.staging), spec.method, spec.retry_policy(),
                      threading.Event(), slots=_BLOCK_SLOTS)
    finally:
        client.close()


def run_assemble(database: str, block_results: list, spec_data: dict, destination: str) -> dict:
    spec = AreaJobSpec.from_dict(spec_data)
    store = store_for(database)
    report = {"job_id": spec.job_id, "destination": destination, "blocks": len(block_results)}
    progress = store.progress(spec.job_id)
    if progress is None:
        raise AreaError(f"job {spec.job_id} has no record any more (removed by retention?)")
    if progress.state == SUCCEEDED:
        return report  # a re-delivered assembly: the COG is already in place
    spec.check_deadline()
    plan = spec.plan()
    assemble_cog(default_binding(), plan, spec.staging, destination, spec.crs)
    shutil.rmtree(spec.staging, ignore_errors=True)
    store.finish(spec.job_id, SUCCEEDED)
    return report


def run_failed(database: str, exc: BaseException, spec_data: dict) -> None:
    """Error callback of the chord: the job fails with the reason, its staging folder goes."""
    spec = AreaJobSpec.from_dict(spec_data)
    store_for(database).finish(spec.job_id, FAILED, str(exc))
    shutil.rmtree(spec.staging, ignore_errors=True)


def register(app) -> None:
    """Add the area tasks to ``app`` (see celery_app.make_app); the database comes from its settings
    (never from a message, so no password travels through the broker). Not shared with other apps:
    each app's tasks use its own database."""
    database = app.conf.wmsedge_database

    @app.task(name=BLOCK_TASK, shared=False)
    def block(spec_data, row, col):
        return run_block(database, spec_data, row, col)

    @app.task(name=JOB_TASK, shared=False)
    def job(uuid, request_json):
        from .job import run_stored_job  # PyWPS: only where a job runs

        run_stored_job(uuid, request_json)

    @app.task(name=ASSEMBLE_TASK, shared=False)
    def assemble(block_results, spec_data, destination):
        return run_assemble(database, block_results, spec_data, destination)

    # Celery calls an error callback with (request, exc, traceback) when it takes them, and only if it
    # is not a bound task.
    @app.task(name=FAILED_TASK, shared=False)
    def failed(request, exc, traceback, spec_data):
        run_failed(database, exc, spec_data)


def area_chord(app, spec: AreaJobSpec, destination: str):
    """The job's chord: every block, then the COG assembly; an error callback records a failure."""
    data = spec.to_dict()
    header = [app.signature(BLOCK_TASK, args=(data, b.row, b.col)) for b in spec.plan()]
    callback = app.signature(ASSEMBLE_TASK, args=(data, os.path.abspath(destination)))
    callback.on_error(app.signature(FAILED_TASK, args=(data,)))
    return chord(header, callback)


def submit_area(app, spec: AreaJobSpec, destination: str):
    """Record the job (its blocks to do) and send its chord; the AsyncResult is the assembly's."""
    store_for(app.conf.wmsedge_database).start_job(spec.job_id, len(spec.plan()))
    return area_chord(app, spec, destination).apply_async()
