"""Areas from a real QGIS Server at the source raster's native grid: seamless, retried, stopped.

At the native grid (same CRS and pixel size, corners on source pixel edges) the WMS does not
resample, so the area computed in blocks must equal scipy's gradient of the stored raster itself,
pixel for pixel, along every block boundary too (GUIDE.md section 4).
"""

import itertools
import os
import threading

import numpy as np
import pytest
import rasterio
from support.fault_wms import FaultyWms, answer, relay
from support.reference import stored_gradient

from sandbox.wms import LAYER_3857, LAYER_4326, MAX_IMAGE_SIZE, RASTERS
from wmsedge_engine.area import AreaError, RetryPolicy, area_grid, block_size_for, plan_blocks, run_area
from wmsedge_engine.area.cog import CogSink
from wmsedge_engine.area.wms_source import WmsPixelSource, advertised_block_size
from wmsedge_engine.filters import METHODS
from wmsedge_engine.georef import Extent
from wmsedge_engine.wms import WmsClient

FAST_RETRY = RetryPolicy(retries=3, base_delay=0.05)


def native_area(layer, col, row, cols, rows):
    raster = RASTERS[layer]
    return area_grid(Extent(*raster.pixel_extent(col, row, cols, rows)), pixel_size=raster.pixel_size)


def compute(url, layer, grid, method, output, *, cap, version="1.1.1", retry=None, client=None):
    plan = plan_blocks(grid, block_size_for(cap=cap))
    source = WmsPixelSource(client or WmsClient(timeout=60), url, layer, RASTERS[layer].crs, version=version)
    run_area(plan, source, CogSink(str(output), plan, RASTERS[layer].crs), method, retry=retry or RetryPolicy())
    with rasterio.open(output) as dataset:
        return plan, dataset.read(1)


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
def test_blocks_from_the_wms_equal_scipy_on_the_stored_raster(wms_server, tmp_path, method):
    grid = native_area(LAYER_3857, 3, 2, 601, 457)
    plan, values = compute(wms_server.url, LAYER_3857, grid, method, tmp_path / "edges.tif", cap=202)
    assert (plan.rows, plan.cols) == (3, 4)  # blocks of 200: a 1-pixel last column, a 57-pixel last row
    assert np.array_equal(values, stored_gradient(LAYER_3857, method, 3, 2, 601, 457).astype(np.float32))


@pytest.mark.slow
def test_a_geographic_area_in_wms_1_3_0_is_seamless_too(wms_server, tmp_path):
    grid = native_area(LAYER_4326, 10, 20, 700, 650)
    _, values = compute(wms_server.url, LAYER_4326, grid, "sobel_magnitude", tmp_path / "edges.tif", cap=258,
                        version="1.3.0")
    assert np.allclose(values, stored_gradient(LAYER_4326, "sobel_magnitude", 10, 20, 700, 650), rtol=1e-6)


def test_block_size_comes_from_the_capabilities_and_may_be_lowered(wms_server):
    """MaxWidth/MaxHeight exist in WMS 1.3.0 capabilities only: they are read there for both versions."""
    client = WmsClient()
    assert client.get_capabilities(wms_server.url, "1.1.1").max_width is None
    assert client.get_capabilities(wms_server.url, "1.3.0").max_width == MAX_IMAGE_SIZE
    assert advertised_block_size(client, wms_server.url) == MAX_IMAGE_SIZE - 2
    assert advertised_block_size(client, wms_server.url, cap=1000) == 998


def test_a_wms_without_1_3_0_capabilities_gets_the_default_block_size():
    refusal = answer(200, "application/vnd.ogc.se_xml", b'<ServiceExceptionReport version="1.1.1"><ServiceException '
                     b'code="InvalidUpdateSequence">1.1.1 only</ServiceException></ServiceExceptionReport>')
    with FaultyWms(refusal) as server:
        assert advertised_block_size(WmsClient(), server.url) == 2046
        assert advertised_block_size(WmsClient(), server.url, cap=1024) == 1022


def every_third_getmap_fails(upstream):
    """503 with Retry-After, a connection closed without an answer, then a good answer, in turn."""
    counter, lock = itertools.count(1), threading.Lock()
    busy = answer(503, "text/plain", b"busy", {"Retry-After": "0"})
    good = relay(upstream)

    def getmap(connection, query, stop):
        with lock:
            n = next(counter)
        if n % 6 == 3:
            busy(connection, query, stop)
        elif n % 6 == 0:
            connection.close()
        else:
            good(connection, query, stop)
    return relay(upstream, getmap=getmap)


@pytest.mark.slow
def test_transient_wms_faults_give_an_output_identical_to_a_clean_run(wms_server, tmp_path):
    grid = native_area(LAYER_3857, 1, 1, 500, 400)
    _, clean = compute(wms_server.url, LAYER_3857, grid, "prewitt_x", tmp_path / "clean.tif", cap=130)
    with FaultyWms(every_third_getmap_fails(wms_server.url)) as faulty:
        _, faulted = compute(faulty.url, LAYER_3857, grid, "prewitt_x", tmp_path / "faulted.tif", cap=130,
                             retry=FAST_RETRY)
        getmaps = [q for q in faulty.queries if q.get("REQUEST", "").lower() == "getmap"]
    assert len(getmaps) > 4 * 4  # 16 blocks, some asked for more than once
    assert np.array_equal(clean, faulted)


def test_a_service_exception_at_one_block_stops_the_run_naming_it(wms_server, tmp_path):
    grid = native_area(LAYER_3857, 1, 1, 300, 300)
    report = (b'<?xml version="1.0"?><ServiceExceptionReport version="1.1.1"><ServiceException code="InvalidFormat">'
              b'cannot render this block</ServiceException></ServiceExceptionReport>')
    refusal, good = answer(200, "application/vnd.ogc.se_xml", report), relay(wms_server.url)
    plan = plan_blocks(grid, block_size_for(cap=152))
    failing = plan.block(1, 0).fetch_grid.extent

    def getmap(connection, query, stop):
        xmin = float(query["BBOX"].split(",")[0])
        (refusal if abs(xmin - failing.xmin) < 1e-6 and float(query["BBOX"].split(",")[3]) == failing.ymax
         else good)(connection, query, stop)

    with FaultyWms(relay(wms_server.url, getmap=getmap)) as faulty, \
            pytest.raises(AreaError, match=r"block 1,0 \(pixels 0\.\.149 x 150\.\.299, extent .*\) failed: "
                                           r"the WMS reported InvalidFormat: cannot render this block"):
        compute(faulty.url, LAYER_3857, grid, "sobel_x", tmp_path / "edges.tif", cap=152, retry=FAST_RETRY)
    assert os.listdir(tmp_path) == []
