"""Areas in QGIS (issue 13, GUIDE.md section 4): an extent larger than one GetMap, read in blocks through
clones of the layer's provider in worker threads, is seamless — equal to scipy's gradient of the raster the
real QGIS Server serves, at its native grid — and the same COG as the remote backend's (our WPS under
gunicorn); GDAL's validator accepts it and QGIS opens its overviews; Cancel, a WMS failing for good at one
block and an area over the limit leave nothing; a WMS busy for a moment changes nothing."""

from __future__ import annotations

import os
import subprocess
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import processing
import pytest
from osgeo import gdal
from qgis.core import QgsNetworkAccessManager, QgsProcessingException, QgsRasterLayer
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QThread
from support.fault_wms import ClosedPort, FaultyWms, answer, first_getmap_of_each_bbox_busy, relay
from support.reference import stored_gradient

from qgis_plugin.core.area import plan_blocks
from qgis_plugin.core.filters import METHODS
from qgis_plugin.core.georef import Extent, TileGrid
from qgis_plugin.settings import MAX_PIXELS_KEY, MAX_REQUEST_SIZE_KEY
from sandbox.wms import LAYER_3857, RASTERS
from sandbox.wps import WpsServer

from .conftest import RecordingFeedback, run_expecting_error, wms_layer

VALIDATOR = ["/usr/bin/python3", "-m", "osgeo_utils.samples.validate_cloud_optimized_geotiff"]
REQUEST_SIDE = 202  # GetMap side, halo included: blocks of 200 output pixels
SYNC_MAX = 200_000  # the WPS's synchronous limit, below the area: the remote backend must go asynchronous
# Source pixels [3, 604) x [2, 459) of the stored raster: 601 x 457 pixels in 3 x 4 = 12 blocks, the last
# column of blocks 1 pixel wide and the last row 57 pixels high.
COLS, ROWS, COL0, ROW0 = 601, 457, 3, 2
BLOCKS = 12
RASTER = RASTERS[LAYER_3857]
IN_PROCESS, REMOTE = 0, 1


@pytest.fixture(scope="module")
def area_wps(wms_server, tmp_path_factory):
    server = WpsServer(tmp_path_factory.mktemp("area_wps"), wms_server.url,
                       wms_extra=f"max_request_size = {REQUEST_SIDE}\nsync_max_pixels = {SYNC_MAX}\n").start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def small_blocks(plugin_settings):
    plugin_settings(MAX_REQUEST_SIZE_KEY, REQUEST_SIDE)


def area_parameters(layer, output, method="sobel_x", backend=IN_PROCESS, wps_url=""):
    xmin, ymin, xmax, ymax = RASTER.pixel_extent(COL0, ROW0, COLS, ROWS)
    return {"INPUT": layer, "EXTENT": f"{xmin!r},{xmax!r},{ymin!r},{ymax!r} [EPSG:3857]",
            "PIXEL_SIZE": RASTER.pixel_size, "CRS": "EPSG:3857", "METHOD": METHODS.index(method),
            "BACKEND": backend, "WPS_URL": wps_url, "OUTPUT": str(output)}


def area_plan():
    return plan_blocks(TileGrid(Extent(*RASTER.pixel_extent(COL0, ROW0, COLS, ROWS)), COLS, ROWS), REQUEST_SIDE - 2)


def cog(path):
    """What two COGs must share: pixels, georeferencing, layout and creation options."""
    dataset = gdal.Open(str(path))
    band = dataset.GetRasterBand(1)
    described = {
        "values": band.ReadAsArray(),
        "size": (dataset.RasterXSize, dataset.RasterYSize),
        "geotransform": dataset.GetGeoTransform(),
        "crs": dataset.GetSpatialRef().GetAuthorityCode(None),
        "type": gdal.GetDataTypeName(band.DataType),
        "nodata": str(band.GetNoDataValue()),
        "block": band.GetBlockSize(),
        "overviews": [(o.XSize, o.YSize) for o in (band.GetOverview(i) for i in range(band.GetOverviewCount()))],
        "structure": dataset.GetMetadata("IMAGE_STRUCTURE"),
    }
    dataset = None
    return described


def assert_equal_to_scipy(values, method):
    expected = stored_gradient(LAYER_3857, method, COL0, ROW0, COLS, ROWS).astype(np.float32)
    if "magnitude" in method:
        np.testing.assert_allclose(values, expected, rtol=1e-6)
    else:
        np.testing.assert_array_equal(values, expected)


@pytest.mark.slow
@pytest.mark.parametrize("method", METHODS)
def test_an_area_in_blocks_equals_scipy_and_the_remote_cog(edge_tile_id, wms_server, area_wps, add_layer,
                                                           small_blocks, tmp_path, method):
    layer = add_layer(wms_layer(wms_server.url, LAYER_3857, "EPSG:3857"))
    feedback = RecordingFeedback()
    processing.run(edge_tile_id, area_parameters(layer, tmp_path / "local.tif", method), feedback=feedback)
    plan = (f"{COLS} x {ROWS} pixels; blocks: {BLOCKS} (3 x 4), each at most 200 x 200 pixels; GetMap requests: "
            f"{BLOCKS}, each at most {REQUEST_SIDE} x {REQUEST_SIDE} pixels (block and one-pixel halo; the WMS's "
            f"MaxWidth/MaxHeight 5000 x 5000; setting wmsedge/max_request_size = {REQUEST_SIDE}), 4 at once.")
    assert plan in feedback.infos, feedback.infos
    assert feedback.progress_values == pytest.approx([100 * done / BLOCKS for done in range(1, BLOCKS + 1)])
    remote_feedback = RecordingFeedback()
    processing.run(edge_tile_id, area_parameters(layer, tmp_path / "remote.tif", method, REMOTE, area_wps.url),
                   feedback=remote_feedback)
    local, remote = cog(tmp_path / "local.tif"), cog(tmp_path / "remote.tif")
    assert local["size"] == (COLS, ROWS) and local["crs"] == "3857"
    xmin, _, _, ymax = RASTER.pixel_extent(COL0, ROW0, COLS, ROWS)
    assert local["geotransform"] == (xmin, 1.0, 0.0, ymax, 0.0, -1.0)
    assert_equal_to_scipy(local["values"], method)
    np.testing.assert_array_equal(local.pop("values"), remote.pop("values"))
    assert local == remote
    assert local["structure"]["LAYOUT"] == "COG" and local["block"] == [512, 512]
    # GDAL's overview of factor 2 covers every pixel: ceil(n / 2) a side (gdaladdo's rule)
    assert local["type"] == "Float32" and local["nodata"] == "nan"
    assert local["overviews"] == [(-(-COLS // 2), -(-ROWS // 2))]
    # the server's progress, per block, reached the dialog
    assert any(value not in (5, 100) for value in remote_feedback.progress_values), remote_feedback.progress_values


def test_each_python_worker_thread_has_its_own_network_access_manager():
    """What makes provider reads from the pipeline's threads safe: QGIS hands each thread (Python's
    too, which Qt adopts) a QgsNetworkAccessManager living in that thread, not the main one."""
    def manager_of_this_thread(_):
        manager = QgsNetworkAccessManager.instance()
        return sip.unwrapinstance(manager), manager.thread() is QThread.currentThread()

    with ThreadPoolExecutor(max_workers=2) as pool:
        seen = list(pool.map(manager_of_this_thread, range(2)))
    main = QgsNetworkAccessManager.instance()
    assert all(lives_here for _, lives_here in seen) and sip.unwrapinstance(main) not in {a for a, _ in seen}


def test_the_cog_is_valid_and_qgis_opens_its_overviews(edge_tile_id, wms_server, add_layer, small_blocks,
                                                       tmp_path):
    layer = add_layer(wms_layer(wms_server.url, LAYER_3857, "EPSG:3857"))
    output = tmp_path / "area.tif"
    processing.run(edge_tile_id, area_parameters(layer, output, "prewitt_magnitude"))
    report = subprocess.run([*VALIDATOR, str(output)], capture_output=True, text=True)
    assert report.returncode == 0, report.stdout + report.stderr
    edges = QgsRasterLayer(str(output), "edges", "gdal")
    assert edges.isValid() and edges.dataProvider().hasPyramids()
    pyramids = edges.dataProvider().buildPyramidList()
    assert [p.getLevel() for p in pyramids if p.getExists()] == [2]  # the one overview, half the size
    assert sorted(os.listdir(tmp_path)) == ["area.tif"]  # no staging folder, no temporary file left


def test_cancel_in_the_middle_of_an_area_writes_nothing(edge_tile_id, wms_server, add_layer, small_blocks,
                                                        tmp_path):
    layer = add_layer(wms_layer(wms_server.url, LAYER_3857, "EPSG:3857"))
    feedback = RecordingFeedback(cancel_after=2)
    with pytest.raises(QgsProcessingException, match="Cancelled"):
        processing.run(edge_tile_id, area_parameters(layer, tmp_path / "area.tif"), feedback=feedback)
    assert len(feedback.progress_values) == 2 and feedback.progress_values[-1] < 100
    assert os.listdir(tmp_path) == []


def fails_for_good_at(block, upstream):
    """A WMS in front of ``upstream`` answering the GetMap of ``block`` (by its centre) with a ServiceException."""
    extent, good = block.grid.extent, relay(upstream)  # a request's centre is its block's

    def getmap(connection, query, stop):
        xmin, ymin, xmax, ymax = map(float, query["BBOX"].split(","))
        if extent.xmin < (xmin + xmax) / 2 < extent.xmax and extent.ymin < (ymin + ymax) / 2 < extent.ymax:
            answer(200, "text/xml", b'<?xml version="1.0"?><ServiceExceptionReport version="1.3.0">'
                   b'<ServiceException code="LayerNotDefined">the layer is gone</ServiceException>'
                   b"</ServiceExceptionReport>")(connection, query, stop)
        else:
            good(connection, query, stop)
    return relay(upstream, getmap=getmap)


def test_a_wms_failing_for_good_at_one_block_names_it_and_writes_nothing(edge_tile_id, wms_server, add_layer,
                                                                          small_blocks, tmp_path):
    block = area_plan().block(1, 2)
    with FaultyWms(fails_for_good_at(block, wms_server.url)) as faulty:
        layer = add_layer(wms_layer(faulty.url, LAYER_3857, "EPSG:3857"))
        error = run_expecting_error(edge_tile_id, area_parameters(layer, tmp_path / "area.tif"))
        failures = [q for q in faulty.queries if q.get("REQUEST", "").lower() == "getmap"]
    assert block.describe() in error and "LayerNotDefined" in error and "the layer is gone" in error, error
    assert "failed 1 times" not in error and len(failures) <= BLOCKS  # not retried
    assert os.listdir(tmp_path) == []


def test_a_busy_wms_is_retried_and_the_area_is_unchanged(edge_tile_id, wms_server, add_layer, small_blocks,
                                                          tmp_path):
    with FaultyWms(first_getmap_of_each_bbox_busy(wms_server.url)) as busy:
        layer = add_layer(wms_layer(busy.url, LAYER_3857, "EPSG:3857"))
        processing.run(edge_tile_id, area_parameters(layer, tmp_path / "area.tif", "sobel_y"))
        getmaps = [q for q in busy.queries if q.get("REQUEST", "").lower() == "getmap"]
    assert len(getmaps) == 2 * BLOCKS
    assert_equal_to_scipy(cog(tmp_path / "area.tif")["values"], "sobel_y")


@pytest.mark.parametrize("backend", [IN_PROCESS, REMOTE])
def test_an_area_over_the_limit_is_refused_before_any_request(edge_tile_id, wms_server, add_layer, plugin_settings,
                                                              tmp_path, backend):
    plugin_settings(MAX_PIXELS_KEY, 250_000)
    with FaultyWms(relay(wms_server.url)) as counting, ClosedPort() as closed_wps:
        layer = add_layer(wms_layer(counting.url, LAYER_3857, "EPSG:3857"))
        before = len(counting.queries)
        error = run_expecting_error(edge_tile_id, area_parameters(layer, tmp_path / "area.tif", backend=backend,
                                                                  wps_url=closed_wps.url))
        assert len(counting.queries) == before
    assert "601 x 457 = 274,657 pixels" in error and "more than the 250,000 pixels" in error, error
    assert "wmsedge/max_pixels" in error
    assert os.listdir(tmp_path) == []
