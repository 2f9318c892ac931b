"""The area pipeline against the source raster itself, scipy and GDAL's COG validator.

A block-computed area must equal scipy's gradient of the whole source raster, pixel for pixel,
including along every block boundary (GUIDE.md section 4), and end as a valid COG; faults,
failures and cancel must leave the output identical or absent.
"""

import os
import subprocess
import threading

import numpy as np
import pytest
import rasterio
from support.reference import scipy_gradient

from wmsedge_engine.area import (
    AreaCanceled,
    AreaError,
    RetryPolicy,
    TransientSourceError,
    area_grid,
    pipeline,
    plan_blocks,
    run_area,
)
from wmsedge_engine.area.cog import COG_BLOCK_SIZE, CogSink, OsgeoGdal, RasterioGdal
from wmsedge_engine.filters import METHODS
from wmsedge_engine.georef import Extent
from wmsedge_engine.wms import retry_after_seconds

VALIDATOR = ["/usr/bin/python3", "-m", "osgeo_utils.samples.validate_cloud_optimized_geotiff"]
FAST_RETRY = RetryPolicy(retries=3, base_delay=0.01)
PIXEL = 0.5
ORIGIN = (300000.0, 5000000.0)


class RasterSource:
    """Pixels straight from an in-memory raster on a north-up grid (the source raster itself)."""

    def __init__(self, array):
        self.array = array
        self.calls = 0
        self.lock = threading.Lock()

    def fetch(self, grid):
        with self.lock:
            self.calls += 1
        return self.window(grid)

    def window(self, grid):
        col = round((grid.extent.xmin - ORIGIN[0]) / PIXEL)
        row = round((ORIGIN[1] - grid.extent.ymax) / PIXEL)
        assert col >= 0 and row >= 0 and grid.pixel_size_x == pytest.approx(PIXEL)
        window = self.array[row:row + grid.height, col:col + grid.width]
        assert window.shape[:2] == (grid.height, grid.width), "the area must lie inside the raster"
        return window.copy()


def source_raster(height=300, width=340, bands=3, seed=1):
    return np.random.default_rng(seed).integers(0, 256, (height, width, bands), dtype=np.uint8)


def luma(rgb):
    return rgb[..., :3].astype(np.float64) @ np.array([0.299, 0.587, 0.114])


def area_of(col, row, cols, rows):
    return Extent(ORIGIN[0] + col * PIXEL, ORIGIN[1] - (row + rows) * PIXEL,
                  ORIGIN[0] + (col + cols) * PIXEL, ORIGIN[1] - row * PIXEL)


def read(path):
    with rasterio.open(path) as dataset:
        return dataset.read(1), dataset


def gdal_exceptions_on():
    """GDAL's process-wide error mode, which QGIS and other plugins rely on (None without osgeo)."""
    try:
        from osgeo import gdal
    except ImportError:
        return None
    return gdal.GetUseExceptions()


def bindings():
    found = [pytest.param(RasterioGdal, id="rasterio")]
    try:
        OsgeoGdal()
        found.append(pytest.param(OsgeoGdal, id="osgeo"))
    except ImportError:
        pass  # the pip-only venv: rasterio's GDAL is the server's only one
    return found


@pytest.mark.parametrize("binding", bindings())
@pytest.mark.parametrize("method", METHODS)
def test_blocked_area_equals_scipy_on_the_whole_source(tmp_path, method, binding):
    source = RasterSource(source_raster())
    grid = area_grid(area_of(5, 7, 301, 250), pixel_size=PIXEL)
    plan = plan_blocks(grid, 64)  # 4 rows x 5 columns of blocks, the last column 45 wide, the last row 58 high
    output = tmp_path / "edges.tif"
    run_area(plan, source, CogSink(str(output), plan, "EPSG:32618", binding=binding()), method)
    expected = scipy_gradient(luma(source.array), method)[7:257, 5:306]
    values, dataset = read(output)
    assert np.allclose(values, expected, rtol=1e-5, atol=1e-3)
    assert dataset.crs.to_epsg() == 32618 and np.isnan(dataset.nodata)
    assert dataset.transform.to_gdal() == pytest.approx(grid.geotransform())
    assert source.calls == len(plan) == 20
    assert os.listdir(tmp_path) == ["edges.tif"]


@pytest.mark.parametrize("binding", bindings())
def test_the_output_is_a_valid_cloud_optimized_geotiff(tmp_path, binding):
    source = RasterSource(source_raster(1400, 1300, bands=1))
    plan = plan_blocks(area_grid(area_of(1, 1, 1298, 1398), pixel_size=PIXEL), 500)
    output = tmp_path / "edges.tif"
    gdal_error_mode = gdal_exceptions_on()
    run_area(plan, source, CogSink(str(output), plan, "EPSG:32618", binding=binding()), "sobel_magnitude")
    assert gdal_exceptions_on() == gdal_error_mode, "the COG sink changed GDAL's error mode for the whole process"
    report = subprocess.run([*VALIDATOR, "--full-check=yes", str(output)], capture_output=True, text=True)
    assert report.returncode == 0, report.stdout + report.stderr
    with rasterio.open(output) as dataset:
        assert dataset.block_shapes == [(COG_BLOCK_SIZE, COG_BLOCK_SIZE)]
        assert dataset.overviews(1) == [2, 4]  # halved until under one 512² tile
        assert dataset.dtypes == ("float32",) and dataset.profile["compress"] in ("zstd", "deflate")


def test_transparent_source_pixels_are_nodata_in_the_mosaic(tmp_path):
    array = source_raster(120, 120, bands=4)
    array[..., 3] = 255
    array[40:60, 50:70, 3] = 0
    source = RasterSource(array)
    plan = plan_blocks(area_grid(area_of(1, 1, 118, 118), pixel_size=PIXEL), 50)
    output = tmp_path / "edges.tif"
    run_area(plan, source, CogSink(str(output), plan, "EPSG:32618"), "sobel_x")
    values, _ = read(output)
    assert np.isnan(values[39:59, 49:69]).all() and not np.isnan(values[:39]).any()


class FailsFirstAttempts(RasterSource):
    """Every block's first ``failures`` fetches fail transiently (``None``: every fetch fails)."""

    def __init__(self, array, failures, retry_after=None):
        super().__init__(array)
        self.failures, self.retry_after, self.attempts = failures, retry_after, {}

    def fetch(self, grid):
        with self.lock:
            self.calls += 1
            attempt = self.attempts[grid.extent] = self.attempts.get(grid.extent, 0) + 1
        if self.failures is None or attempt <= self.failures:
            raise TransientSourceError("HTTP 503 (test)", self.retry_after)
        return self.window(grid)


def test_transient_failures_are_retried_and_the_output_is_identical(tmp_path):
    array = source_raster()
    plan = plan_blocks(area_grid(area_of(1, 1, 300, 280), pixel_size=PIXEL), 60)
    clean, faulty = tmp_path / "clean.tif", tmp_path / "faulty.tif"
    run_area(plan, RasterSource(array), CogSink(str(clean), plan, "EPSG:32618"), "prewitt_y")
    source = FailsFirstAttempts(array, 2, retry_after=0.0)
    run_area(plan, source, CogSink(str(faulty), plan, "EPSG:32618"), "prewitt_y", retry=FAST_RETRY)
    assert source.calls == 3 * len(plan)
    assert np.array_equal(read(clean)[0], read(faulty)[0], equal_nan=True)


def test_a_block_that_keeps_failing_stops_the_run_naming_it_and_leaves_nothing(tmp_path):
    source = FailsFirstAttempts(source_raster(), None)
    plan = plan_blocks(area_grid(area_of(1, 1, 100, 100), pixel_size=PIXEL), 60)
    with pytest.raises(AreaError, match=r"block 0,0 \(pixels 0\.\.59 x 0\.\.59, extent 300000\.5,4999969\.5,"
                                        r"300030\.5,4999999\.5\) failed 4 times; last: HTTP 503"):
        run_area(plan, source, CogSink(str(tmp_path / "edges.tif"), plan, "EPSG:32618"), "sobel_x",
                 retry=FAST_RETRY, concurrency=1)
    assert os.listdir(tmp_path) == []


class FailsAt(RasterSource):
    """A permanent failure (e.g. a ServiceException) at one block."""

    def __init__(self, array, failing_xmin):
        super().__init__(array)
        self.failing_xmin = failing_xmin

    def fetch(self, grid):
        if abs(grid.extent.xmin - self.failing_xmin) < 1e-9:
            raise ValueError("the WMS reported LayerNotDefined: no such layer")
        return super().fetch(grid)


def test_a_permanent_failure_is_not_retried(tmp_path):
    plan = plan_blocks(area_grid(area_of(1, 1, 200, 100), pixel_size=PIXEL), 100)
    failing = plan.block(0, 1)
    source = FailsAt(source_raster(), failing.fetch_grid.extent.xmin)
    with pytest.raises(AreaError, match=r"block 0,1 \(pixels 100\.\.199 x 0\.\.99.*LayerNotDefined"):
        run_area(plan, source, CogSink(str(tmp_path / "edges.tif"), plan, "EPSG:32618"), "sobel_x",
                 retry=FAST_RETRY)
    assert os.listdir(tmp_path) == []


def test_cancel_in_the_middle_leaves_nothing(tmp_path):
    source = RasterSource(source_raster(600, 600))
    plan = plan_blocks(area_grid(area_of(1, 1, 598, 598), pixel_size=PIXEL), 50)
    fractions = []
    with pytest.raises(AreaCanceled):
        run_area(plan, source, CogSink(str(tmp_path / "edges.tif"), plan, "EPSG:32618"), "sobel_x",
                 progress=fractions.append, is_canceled=lambda: len(fractions) >= 20, concurrency=4)
    # Seen right after the 20th block: no later block is reported, and none is fetched beyond the
    # three already in flight, however many blocks finished together.
    assert len(fractions) == 20 and source.calls <= 20 + 3
    assert os.listdir(tmp_path) == []


class AtOnce:
    """Counts the calls running at once, each held ``hold`` seconds; keeps the largest count."""

    def __init__(self, hold):
        self.hold, self.now, self.most = hold, 0, 0
        self.lock = threading.Lock()

    def __enter__(self):
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        return self

    def __exit__(self, *exc):
        threading.Event().wait(self.hold)
        with self.lock:
            self.now -= 1


class GatedSource(RasterSource):
    """The first four fetches return only once all four are running."""

    def __init__(self, array):
        super().__init__(array)
        self.first_four = threading.Barrier(4, timeout=120)

    def fetch(self, grid):
        if self.calls < 4:
            self.first_four.wait()
        return super().fetch(grid)


class CountingSink:
    def __init__(self):
        self.writing, self.written = AtOnce(hold=0.05), []

    def write(self, block, gradient):
        with self.writing:
            self.written.append((block.row, block.col))

    def commit(self):
        pass

    def abort(self):
        pass


def test_blocks_are_fetched_four_at_once_but_filtered_and_written_one_per_core(tmp_path, monkeypatch):
    """Filtering and writing are CPU work: more blocks at once than cores would only hold more memory."""
    monkeypatch.setattr(pipeline, "usable_cores", lambda: 2)
    plan = plan_blocks(area_grid(area_of(1, 1, 250, 120), pixel_size=PIXEL), 50)
    source, sink = GatedSource(source_raster()), CountingSink()
    run_area(plan, source, sink, "sobel_x", concurrency=4)
    assert sorted(sink.written) == sorted((b.row, b.col) for b in plan)
    assert sink.writing.most == 2


def test_progress_is_the_fraction_of_blocks_done(tmp_path):
    plan = plan_blocks(area_grid(area_of(1, 1, 250, 120), pixel_size=PIXEL), 50)
    fractions = []
    run_area(plan, RasterSource(source_raster()), CogSink(str(tmp_path / "e.tif"), plan, "EPSG:32618"), "sobel_x",
             progress=fractions.append)
    assert fractions == [n / 15 for n in range(1, 16)]


def test_backoff_doubles_honours_a_longer_retry_after_and_is_capped():
    policy = RetryPolicy(retries=3, base_delay=0.5, max_delay=60.0)
    assert [policy.delay(n) for n in range(4)] == [0.5, 1.0, 2.0, 4.0]
    assert policy.delay(0, retry_after=7.0) == 7.0
    assert policy.delay(2, retry_after=1.0) == 2.0
    assert policy.delay(0, retry_after=3600.0) == 60.0


@pytest.mark.parametrize("header,seconds", [("120", 120.0), (None, None), ("soon", None),
                                            ("Wed, 21 Oct 2015 07:28:00 GMT", 0.0)])
def test_retry_after_header_forms_of_rfc_9110(header, seconds):
    assert retry_after_seconds(header) == seconds
