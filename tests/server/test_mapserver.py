"""Execute against a second, independent WMS: MapServer 8 (``sandbox.mapserver``) serving an RGB
GeoTIFF whose pixels the test knows. The result must be scipy's Sobel of the ITU-R 601-2 luma of
those stored pixels: the RGB path end to end (MapServer's PNG, our decode, gray, filter, GeoTIFF).

MapServer comes from Debian's python3-mapscript (``make install``); the pip-only venv cannot
have it, so this module is skipped there, saying so."""

from __future__ import annotations

import numpy as np
import pytest
import scipy.ndimage

pytest.importorskip("mapscript", reason="MapServer's python3-mapscript (a Debian package) is not installed")

from sandbox.mapserver import BOUNDS, LAYER, PIXEL_SIZE, MapServer, rgb_pattern  # noqa: E402
from wmsedge_engine.filters import LUMA_WEIGHTS  # noqa: E402 (after the skips)

from .test_execute_values import execute, read_geotiff  # noqa: E402

SIZE = 64
COL, ROW = 700, 900  # top-left source pixel of the tile (its halo starts one pixel before)


@pytest.fixture(scope="module")
def mapserver(tmp_path_factory):
    with MapServer(tmp_path_factory.mktemp("mapserver"), workers=1) as server:
        yield server


@pytest.fixture
def mapserver_client(make_app, mapserver):
    from pywps.tests import client_for

    return client_for(make_app(mapserver.url, wms_extra="timeout = 10\n"))


@pytest.mark.parametrize("method", ["sobel_x", "sobel_y", "prewitt_magnitude"])
def test_rgb_tile_equals_scipy_on_the_stored_luma(mapserver_client, method):
    xmin, _, _, ymax = BOUNDS
    lon = xmin + (COL + SIZE / 2) * PIXEL_SIZE
    lat = ymax - (ROW + SIZE / 2) * PIXEL_SIZE
    inputs = {"wms": LAYER, "lat": repr(lat), "lon": repr(lon), "method": method, "width": SIZE, "height": SIZE,
              "bbox_size": repr(SIZE * PIXEL_SIZE)}
    array, profile = read_geotiff(execute(mapserver_client, inputs).data)
    assert (profile["width"], profile["height"]) == (SIZE, SIZE)

    halo = rgb_pattern()[ROW - 1 : ROW + SIZE + 1, COL - 1 : COL + SIZE + 1].astype(np.float64)
    luma = halo @ np.array(LUMA_WEIGHTS)
    operator = scipy.ndimage.prewitt if method.startswith("prewitt") else scipy.ndimage.sobel
    gx = operator(luma, axis=1)[1:-1, 1:-1]
    gy = -operator(luma, axis=0)[1:-1, 1:-1]
    expected = {"x": gx, "y": gy, "magnitude": np.hypot(gx, gy)}[method.split("_")[1]]
    assert np.abs(expected).max() > 10, "the tile must hold edges"
    np.testing.assert_allclose(array, expected, rtol=1e-6, atol=1e-3)
