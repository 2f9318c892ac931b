"""The WMS client against a real QGIS Server (``qgis_mapserver``) and real loopback sockets.

The served rasters hold a pattern whose every value tells which source pixel
it comes from (see sandbox.wms), so comparing a GetMap answer with the
stored values under the grid's pixel centres checks the whole georeferencing
chain: extent, size, BBOX axis order and the geotransform.
"""

import io

import numpy as np
import pytest
from PIL import Image
from support.fault_wms import FaultyWms, answer

from sandbox.wms import (
    LAYER_3857,
    LAYER_4326,
    LAYER_WORLD,
    MAX_IMAGE_SIZE,
    RASTERS,
    QgisServer,
    expected_pixels,
    lonlat_to_3857,
    pixel_centres,
    source_value,
)
from wmsedge_engine.georef import Extent, TileGrid, grid_from_center
from wmsedge_engine.wms import (
    WmsBadResponse,
    WmsClient,
    WmsHttpError,
    WmsServiceException,
    WmsTimeout,
    WmsTooLarge,
    WmsUnreachable,
    WmsWrongSize,
    decode_image,
    getmap_params,
)

VERSIONS = ["1.1.1", "1.3.0"]
PATTERN_LAYERS = [LAYER_4326, LAYER_3857]
TUTORIAL_LON, TUTORIAL_LAT = -73.49350601434709, 45.55425883140662  # the tutorial's Execute example


@pytest.fixture(scope="module")
def client():
    client = WmsClient(timeout=30)
    yield client
    client.close()


def aligned_grid(layer, col, row, cols, rows, factor):
    """A grid over source pixels [col, col+cols) x [row, row+rows), ``factor`` output pixels per source pixel."""
    return TileGrid(Extent(*RASTERS[layer].pixel_extent(col, row, cols, rows)), cols * factor, rows * factor)


def opaque_gray(pixels):
    """The gray band of a gray-rendered RGBA answer, after checking it is opaque gray."""
    assert pixels.dtype == np.uint8 and pixels.ndim == 3 and pixels.shape[2] == 4
    assert (pixels[..., 3] == 255).all()
    assert (pixels[..., 0] == pixels[..., 1]).all() and (pixels[..., 1] == pixels[..., 2]).all()
    return pixels[..., 0]


def test_pattern_window_tells_every_source_pixel_apart():
    """Any 16 x 16 source window holds 256 distinct values (what makes the comparisons below sharp)."""
    grid = aligned_grid(LAYER_4326, 301, 417, 16, 16, 1)
    assert len(np.unique(expected_pixels(LAYER_4326, grid))) == 256


@pytest.mark.parametrize("factor", [1, 2, 3])
@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("layer", PATTERN_LAYERS)
def test_pixels_come_from_the_source_pixel_under_their_centre(wms_server, client, layer, version, factor):
    """Non-square grid, so a swapped axis order or a transposed image could not pass."""
    grid = aligned_grid(layer, 301, 417, 40, 24, factor)
    pixels = client.get_map(wms_server.url, layer, grid, RASTERS[layer].crs, version=version)
    assert pixels.shape == (24 * factor, 40 * factor, 4)
    np.testing.assert_array_equal(opaque_gray(pixels), expected_pixels(layer, grid))


def test_wms_1_3_0_epsg_4326_sends_lat_lon_and_the_server_agrees(wms_server, client):
    """The client writes BBOX as lat,lon; forcing lon,lat instead lands off the data entirely."""
    grid = aligned_grid(LAYER_4326, 500, 600, 48, 20, 2)
    extent = grid.extent
    bbox = getmap_params(LAYER_4326, grid, "EPSG:4326", version="1.3.0")["BBOX"]
    assert [float(v) for v in bbox.split(",")] == [extent.ymin, extent.xmin, extent.ymax, extent.xmax]

    right = client.get_map(wms_server.url, LAYER_4326, grid, "EPSG:4326", version="1.3.0")
    np.testing.assert_array_equal(opaque_gray(right), expected_pixels(LAYER_4326, grid))
    swapped = client.get_map(wms_server.url, LAYER_4326, grid, "EPSG:4326", version="1.3.0", yx=False)
    assert (swapped[..., 3] == 0).all()


def test_wms_1_3_0_crs84_is_lon_lat(wms_server, client):
    grid = aligned_grid(LAYER_4326, 500, 600, 48, 20, 2)
    pixels = client.get_map(wms_server.url, LAYER_4326, grid, "CRS:84", version="1.3.0")
    np.testing.assert_array_equal(opaque_gray(pixels), expected_pixels(LAYER_4326, grid))


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("layer", PATTERN_LAYERS)
def test_halo_grid_interior_equals_the_tile(wms_server, client, layer, version):
    grid = aligned_grid(layer, 640, 200, 30, 20, 2)
    crs = RASTERS[layer].crs
    tile = client.get_map(wms_server.url, layer, grid, crs, version=version)
    halo = client.get_map(wms_server.url, layer, grid.with_halo(), crs, version=version)
    assert halo.shape == (tile.shape[0] + 2, tile.shape[1] + 2, 4)
    np.testing.assert_array_equal(halo[1:-1, 1:-1], tile)
    np.testing.assert_array_equal(opaque_gray(halo), expected_pixels(layer, grid.with_halo()))


def _values_within_one_pixel(layer, grid):
    """For each pixel, the source values at its centre and at the 8 centres around it."""
    x, y = pixel_centres(grid)
    return np.stack([RASTERS[layer].values_at(x + dx * grid.pixel_size_x, y + dy * grid.pixel_size_y)
                     for dx in (-1, 0, 1) for dy in (-1, 0, 1)])


@pytest.mark.parametrize("version", VERSIONS)
@pytest.mark.parametrize("layer", PATTERN_LAYERS)
def test_tutorial_tile_lands_within_one_pixel(wms_server, client, layer, version):
    """The tutorial's own request: 0.0005 degree (or 50 m) around its point, 512 x 512.

    Its box is not aligned to the source pixels, and QGIS Server's nearest
    neighbour then sometimes picks (in EPSG:4326) the source pixel of a
    neighbouring output pixel at a source pixel edge; so each pixel must match
    its centre or one of the 8 centres around it, and most must match exactly.
    An offset of more than one pixel anywhere fails.
    """
    if layer == LAYER_4326:
        grid = grid_from_center(TUTORIAL_LON, TUTORIAL_LAT, 512, 512, 0.0005 / 512)
    else:
        grid = grid_from_center(*lonlat_to_3857(TUTORIAL_LON, TUTORIAL_LAT), 512, 512, 50 / 512)
    gray = opaque_gray(client.get_map(wms_server.url, layer, grid, RASTERS[layer].crs, version=version))
    assert (gray[None] == _values_within_one_pixel(layer, grid)).any(axis=0).all()
    assert (gray == expected_pixels(layer, grid)).mean() > 0.9


def test_source_value_agrees_with_the_server_at_the_tutorial_point(wms_server, client):
    """A one-pixel request centred on the point returns ``source_value`` there."""
    raster = RASTERS[LAYER_4326]
    col, row = (int(v) for v in raster.pixel_position(TUTORIAL_LON, TUTORIAL_LAT))
    grid = aligned_grid(LAYER_4326, col, row, 1, 1, 1)
    pixels = client.get_map(wms_server.url, LAYER_4326, grid, "EPSG:4326", version="1.3.0")
    assert int(opaque_gray(pixels)[0, 0]) == source_value(LAYER_4326, TUTORIAL_LON, TUTORIAL_LAT)


@pytest.mark.parametrize("version", VERSIONS)
def test_world_countries_land_on_the_right_continents(wms_server, client, version):
    """The whole world in EPSG:4326 at 1 degree pixels: land is filled, the open ocean is empty."""
    grid = TileGrid(Extent(-180.0, -90.0, 180.0, 90.0), 360, 180)
    pixels = client.get_map(wms_server.url, LAYER_WORLD, grid, "EPSG:4326", version=version)
    assert pixels.shape == (180, 360, 4)

    def alpha_at(lon, lat):
        return pixels[int(90 - lat), int(lon + 180), 3]

    for lon, lat in [(2.5, 46.5), (-73.5, 45.5), (133.5, -25.5), (-60.5, -10.5), (20.5, 5.5)]:
        assert alpha_at(lon, lat) > 200, (lon, lat)  # not 255 everywhere: outlines are antialiased
    for lon, lat in [(-30.5, 30.5), (-140.5, 0.5), (75.5, -30.5)]:
        assert alpha_at(lon, lat) == 0, (lon, lat)
    assert len(np.unique(pixels[pixels[..., 3] == 255][:, :3], axis=0)) > 20  # countries differ in colour


def test_world_countries_in_web_mercator(wms_server, client):
    """2000 x 1000 km (in Mercator metres) around Montreal in EPSG:3857, WMS 1.3.0 (x,y order): land."""
    x, y = lonlat_to_3857(TUTORIAL_LON, TUTORIAL_LAT)
    grid = grid_from_center(x, y, 200, 100, 10_000.0)
    pixels = client.get_map(wms_server.url, LAYER_WORLD, grid, "EPSG:3857", version="1.3.0")
    assert pixels.shape == (100, 200, 4)
    assert (pixels[45:55, 95:105, 3] > 200).all()  # antialiased outlines cross it


@pytest.mark.parametrize("version", VERSIONS)
def test_capabilities_list_layers_and_crs(wms_server, client, version):
    capabilities = client.get_capabilities(wms_server.url, version)
    assert capabilities.version == version
    for name in (LAYER_4326, LAYER_3857, LAYER_WORLD):
        layer = capabilities.layer(name)
        assert layer is not None, f"{name} missing from {[info.name for info in capabilities.layers]}"
        # CRS:84 is defined by WMS 1.3.0 (Annex B) only; QGIS Server 3.40 no longer lists it in 1.1.1.
        assert {"EPSG:4326", "EPSG:3857", *(["CRS:84"] if version == "1.3.0" else [])} <= set(layer.crs)


@pytest.mark.parametrize("version, limit", [("1.3.0", MAX_IMAGE_SIZE), ("1.1.1", None)])
def test_capabilities_size_limits(wms_server, client, version, limit):
    """MaxWidth/MaxHeight exist in WMS 1.3.0 only; QGIS Server advertises the project's values."""
    capabilities = client.get_capabilities(wms_server.url, version)
    assert (capabilities.max_width, capabilities.max_height) == (limit, limit)


def test_a_4098_pixel_wide_request_is_served(wms_server, client):
    """A 4096-pixel tile plus its halo is within the advertised MaxWidth."""
    grid = aligned_grid(LAYER_3857, 0, 500, 683, 1, 6)
    assert grid.width == 4098
    pixels = client.get_map(wms_server.url, LAYER_3857, grid, "EPSG:3857")
    np.testing.assert_array_equal(opaque_gray(pixels), expected_pixels(LAYER_3857, grid))


def test_beyond_max_width_is_a_service_exception(wms_server, client):
    grid = TileGrid(Extent(-74.0, 45.0, -73.0, 46.0), MAX_IMAGE_SIZE + 1, 2)
    with pytest.raises(WmsServiceException) as error:
        client.get_map(wms_server.url, LAYER_WORLD, grid, "EPSG:4326")
    assert error.value.code == "InvalidParameterValue"
    assert "too large" in error.value.message


@pytest.mark.parametrize("version", VERSIONS)
def test_unknown_layer_keeps_the_wms_code_and_message(wms_server, client, version):
    grid = aligned_grid(LAYER_4326, 0, 0, 4, 4, 1)
    with pytest.raises(WmsServiceException) as error:
        client.get_map(wms_server.url, "no_such_layer", grid, "EPSG:4326", version=version)
    assert error.value.code == "LayerNotDefined"
    assert "no_such_layer" in error.value.message
    assert "LayerNotDefined" in str(error.value)


def test_jpeg_is_served_as_rgb_close_to_the_pattern(wms_server, client):
    """JPEG is lossy: the pattern comes back approximately (a 16 x 16-pixel-cell ramp is smooth enough)."""
    grid = aligned_grid(LAYER_3857, 320, 320, 32, 32, 4)
    pixels = client.get_map(wms_server.url, LAYER_3857, grid, "EPSG:3857", image_format="image/jpeg")
    assert pixels.shape == (128, 128, 3)
    difference = np.abs(pixels[..., 0].astype(int) - expected_pixels(LAYER_3857, grid))
    assert np.median(difference) <= 4


@pytest.mark.parametrize("image_format", ["image/gif", "image/png; mode=8bit", "text/html"])
def test_unsupported_format_is_refused_before_any_request(client, closed_url, image_format):
    """Refused by the client itself: the URL is dead, so reaching it would raise WmsUnreachable instead.

    (QGIS Server would answer ``InvalidFormat`` for image/gif, but the client
    only ever sends image/png or image/jpeg, both of which it serves.)
    """
    grid = aligned_grid(LAYER_4326, 0, 0, 4, 4, 1)
    with pytest.raises(ValueError, match="image/png, image/jpeg"):
        client.get_map(closed_url, LAYER_4326, grid, "EPSG:4326", image_format=image_format)


def test_response_byte_cap(wms_server):
    """The colourful world at 360 x 180 is a PNG of well over 1000 bytes."""
    grid = TileGrid(Extent(-180.0, -90.0, 180.0, 90.0), 360, 180)
    small = WmsClient(timeout=30, max_bytes=1000)
    try:
        with pytest.raises(WmsTooLarge, match="1000 bytes"):
            small.get_map(wms_server.url, LAYER_WORLD, grid, "EPSG:4326")
    finally:
        small.close()


def test_pixel_cap_is_checked_before_any_request(closed_url):
    grid = aligned_grid(LAYER_3857, 0, 0, 101, 100, 1)
    small = WmsClient(timeout=5, max_pixels=100 * 100)
    try:
        with pytest.raises(WmsTooLarge, match="10000 pixels"):
            small.get_map(closed_url, LAYER_3857, grid, "EPSG:3857")
    finally:
        small.close()


def test_stopped_server_is_unreachable(wms_server, tmp_path):
    """A second QGIS Server answers, is stopped, and then its URL is unreachable."""
    grid = aligned_grid(LAYER_3857, 0, 0, 8, 8, 1)
    client = WmsClient(timeout=10)
    try:
        with QgisServer(wms_server.project_file, tmp_path) as server:
            url = server.url
            assert client.get_map(url, LAYER_3857, grid, "EPSG:3857").shape == (8, 8, 4)
        with pytest.raises(WmsUnreachable, match="cannot be reached"):
            client.get_map(url, LAYER_3857, grid, "EPSG:3857")
    finally:
        client.close()


def test_nothing_listening_is_unreachable(client, closed_url):
    with pytest.raises(WmsUnreachable, match="connection refused"):
        client.get_map(closed_url, LAYER_4326, aligned_grid(LAYER_4326, 0, 0, 4, 4, 1), "EPSG:4326")
    with pytest.raises(WmsUnreachable):
        client.get_capabilities(closed_url)


def test_silent_server_times_out(silent_server):
    quick = WmsClient(timeout=1.0)
    try:
        with pytest.raises(WmsTimeout, match="did not answer"):
            quick.get_map(silent_server.url, LAYER_4326, aligned_grid(LAYER_4326, 0, 0, 4, 4, 1), "EPSG:4326")
        with pytest.raises(WmsTimeout):
            quick.get_capabilities(silent_server.url)
    finally:
        quick.close()


def png_bytes(width, height, mode="L", noise=False):
    """A PNG made by PIL (noise makes it large enough to cut in the middle of the pixel data)."""
    shape = (height, width) if mode == "L" else (height, width, len(mode))
    rng = np.random.default_rng(0)
    array = rng.integers(0, 256, shape, dtype=np.uint8) if noise else np.zeros(shape, np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(array, mode).save(buffer, "PNG")
    return buffer.getvalue()


EXCEPTION_REPORT = (b'<?xml version="1.0" encoding="UTF-8"?>\n<ServiceExceptionReport version="1.3.0" '
                    b'xmlns="http://www.opengis.net/ogc"><ServiceException code="InvalidCRS">'
                    b"CRS EPSG:9999 is not supported</ServiceException></ServiceExceptionReport>")

# name -> (HTTP status, content type, body) served by the stand-in WMS below.
ANSWERS = {
    "/plain-503": (503, "text/plain", b"busy, come back later"),
    "/html-404": (404, "text/html", b"<html><body><h1>Not Found</h1></body></html>"),
    "/empty-500": (500, "text/plain", b""),
    "/report-200": (200, "application/vnd.ogc.se_xml", EXCEPTION_REPORT),
    "/report-500": (500, "text/xml", EXCEPTION_REPORT),
    "/html-200": (200, "text/html", b"<html><body>maintenance</body></html>"),
    "/text-200": (200, "text/plain", b"not an image"),
    "/wrong-size": (200, "image/png", png_bytes(5, 4)),
    "/truncated": (200, "image/png", png_bytes(64, 64, noise=True)[:2000]),
}


@pytest.fixture
def stand_in_wms():
    """``stand_in_wms(path)``: the URL of a loopback server answering ``ANSWERS[path]``,
    for what QGIS Server never does."""
    servers = []

    def serve(path):
        servers.append(FaultyWms(answer(*ANSWERS[path])))
        return servers[-1].url

    yield serve
    for server in servers:
        server.close()


@pytest.mark.parametrize("path, status", [("/plain-503", 503), ("/html-404", 404), ("/empty-500", 500)])
def test_http_error_without_exception_report(client, stand_in_wms, path, status):
    with pytest.raises(WmsHttpError, match=f"HTTP {status}") as error:
        client.get_map(stand_in_wms(path), "x", aligned_grid(LAYER_4326, 0, 0, 5, 4, 1), "EPSG:4326")
    assert error.value.status == status


@pytest.mark.parametrize("path", ["/report-200", "/report-500"])
def test_exception_report_wins_whatever_the_status(client, stand_in_wms, path):
    with pytest.raises(WmsServiceException) as error:
        client.get_map(stand_in_wms(path), "x", aligned_grid(LAYER_4326, 0, 0, 5, 4, 1), "EPSG:4326")
    assert (error.value.code, error.value.message) == ("InvalidCRS", "CRS EPSG:9999 is not supported")


@pytest.mark.parametrize("path, size, error, message", [
    ("/html-200", 6, WmsBadResponse, "html document instead of an image"),
    ("/text-200", 6, WmsBadResponse, "not an image"),
    ("/wrong-size", 6, WmsWrongSize, "5 x 4 image instead of 6 x 6"),
    ("/truncated", 64, WmsBadResponse, "truncated or corrupt"),
])
def test_bad_answers_with_http_200(client, stand_in_wms, path, size, error, message):
    grid = aligned_grid(LAYER_4326, 0, 0, size, size, 1)
    with pytest.raises(error, match=message):
        client.get_map(stand_in_wms(path), "x", grid, "EPSG:4326")


def test_decode_truncated_png():
    with pytest.raises(WmsBadResponse, match="truncated or corrupt"):
        decode_image(png_bytes(64, 64, noise=True)[:2000], 64, 64)


def test_decode_wrong_size():
    with pytest.raises(WmsWrongSize, match="64 x 32 image instead of 32 x 64"):
        decode_image(png_bytes(64, 32), 32, 64)


def test_decode_checks_the_pixel_cap_before_decoding():
    with pytest.raises(WmsTooLarge, match="100 pixels"):
        decode_image(png_bytes(20, 20), 20, 20, max_pixels=100)


def test_decode_not_an_image():
    with pytest.raises(WmsBadResponse, match="not an image"):
        decode_image(b"GIF89a but not really", 4, 4)


@pytest.mark.parametrize("mode, channels", [("L", None), ("LA", 2), ("RGB", 3), ("RGBA", 4)])
def test_decode_keeps_gray_and_alpha(mode, channels):
    pixels = decode_image(png_bytes(7, 3, mode, noise=True), 7, 3)
    assert pixels.dtype == np.uint8
    assert pixels.shape == ((3, 7) if channels is None else (3, 7, channels))


@pytest.mark.parametrize("mode, shape", [("L", (2411, 2049)), ("LA", (1703, 1301, 2)), ("RGB", (1601, 1207, 3)),
                                         ("RGBA", (1029, 1031, 4))])
def test_decode_of_a_block_sized_image_equals_the_pixels_encoded(mode, shape):
    """Above 4 MiB the pixels leave PIL in bands of rows; the last band here is shorter than the others."""
    pixels = np.random.default_rng(5).integers(0, 256, shape, dtype=np.uint8)
    encoded = io.BytesIO()
    Image.fromarray(pixels, mode).save(encoded, "PNG", compress_level=0)
    decoded = decode_image(encoded.getvalue(), shape[1], shape[0])
    assert decoded.nbytes > 4 * 2**20 and decoded.shape == shape
    assert np.array_equal(decoded, pixels)
