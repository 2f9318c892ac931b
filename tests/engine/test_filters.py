"""The edge engine against independent implementations: scipy.ndimage and PIL."""

import numpy as np
import pytest
import scipy.ndimage as ndi
from PIL import Image, ImageFilter

from wmsedge_engine import filters
from wmsedge_engine.filters import LUMA_WEIGHTS, METHODS, edge_filter, gray_float32

SCIPY = {
    "sobel_x": lambda a: ndi.sobel(a, axis=1, mode="nearest"),
    "sobel_y": lambda a: -ndi.sobel(a, axis=0, mode="nearest"),
    "prewitt_x": lambda a: ndi.prewitt(a, axis=1, mode="nearest"),
    "prewitt_y": lambda a: -ndi.prewitt(a, axis=0, mode="nearest"),
}
SCIPY["sobel_magnitude"] = lambda a: np.hypot(SCIPY["sobel_x"](a), SCIPY["sobel_y"](a))
SCIPY["prewitt_magnitude"] = lambda a: np.hypot(SCIPY["prewitt_x"](a), SCIPY["prewitt_y"](a))

# The tutorial's kernels, as it passes them to PIL.ImageFilter.Kernel.
TUTORIAL_KERNELS = {
    "sobel_x": [-1, 0, 1, -2, 0, 2, -1, 0, 1],
    "sobel_y": [-1, -2, -1, 0, 0, 0, 1, 2, 1],
    "prewitt_x": [-1, 0, 1, -1, 0, 1, -1, 0, 1],
    "prewitt_y": [-1, -1, -1, 0, 0, 0, 1, 1, 1],
}

DTYPES = [np.uint8, np.uint16, np.int16, np.int32, np.float32, np.float64]


def random_image(shape, dtype, seed=0):
    rng = np.random.default_rng(seed)
    if np.issubdtype(dtype, np.integer):
        info = np.iinfo(dtype)
        low, high = max(info.min, -1000), min(info.max, 1000)
        return rng.integers(low, high, shape, endpoint=True).astype(dtype)
    return (rng.standard_normal(shape) * 100).astype(dtype)


def tolerance(reference):
    return 1e-5 * max(1.0, float(np.abs(reference).max()))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("method", METHODS)
def test_gray_equals_scipy_with_nearest_borders(method, dtype):
    image = random_image((41, 67), dtype)
    expected = SCIPY[method](image.astype(np.float64))
    result = edge_filter(image, method)
    assert result.dtype == np.float32
    assert result.shape == image.shape
    np.testing.assert_allclose(result, expected, rtol=1e-6, atol=tolerance(expected))


@pytest.mark.parametrize("method", METHODS)
def test_rgb_uses_itu_601_luma(method):
    rgb = random_image((33, 29, 3), np.uint8, seed=1)
    luma = rgb.astype(np.float64) @ np.array(LUMA_WEIGHTS)
    expected = SCIPY[method](luma)
    np.testing.assert_allclose(edge_filter(rgb, method), expected, rtol=1e-5, atol=tolerance(expected))


def test_luma_weights_are_pils():
    rgb = random_image((16, 16, 3), np.uint8, seed=2)
    pil_gray = np.asarray(Image.fromarray(rgb, "RGB").convert("L"), dtype=np.float64)
    ours = rgb.astype(np.float64) @ np.array(LUMA_WEIGHTS)
    assert np.abs(ours - pil_gray).max() <= 0.5 + 1e-9


@pytest.mark.parametrize("method", METHODS)
def test_halo_output_is_interior_of_larger_image(method):
    image = random_image((70, 90), np.float32, seed=3)
    full = edge_filter(image, method)
    haloed = edge_filter(image, method, halo=True)
    assert haloed.shape == (68, 88)
    np.testing.assert_array_equal(haloed, full[1:-1, 1:-1])


@pytest.mark.parametrize("method", ["sobel_x", "sobel_y", "prewitt_x", "prewitt_y"])
def test_positive_part_reproduces_tutorial_pil_filter(method):
    gray = random_image((50, 60), np.uint8, seed=4)
    kernel = ImageFilter.Kernel((3, 3), TUTORIAL_KERNELS[method], scale=1, offset=0)
    pil = np.asarray(Image.fromarray(gray, "L").filter(kernel), dtype=np.float32)
    ours = np.clip(edge_filter(gray, method), 0, 255)
    # PIL copies the border unfiltered: compare the interior only.
    np.testing.assert_array_equal(ours[1:-1, 1:-1], pil[1:-1, 1:-1])


def test_sign_in_map_terms():
    east_brighter = np.tile(np.arange(8, dtype=np.uint8) * 10, (8, 1))
    north_brighter = east_brighter.T[::-1].copy()
    assert (edge_filter(east_brighter, "sobel_x", halo=True) == 80).all()
    assert (edge_filter(east_brighter, "sobel_y", halo=True) == 0).all()
    assert (edge_filter(north_brighter, "sobel_y", halo=True) == 80).all()
    assert (edge_filter(north_brighter, "prewitt_y", halo=True) == 60).all()
    assert (edge_filter(north_brighter, "prewitt_magnitude", halo=True) == 60).all()


def test_values_are_never_clipped():
    step = np.zeros((5, 6), dtype=np.uint8)
    step[:, 3:] = 255
    assert edge_filter(step, "sobel_x").max() == 1020
    assert edge_filter(step[:, ::-1], "sobel_x").min() == -1020


@pytest.mark.parametrize("dtype", [np.uint8, np.int8])
@pytest.mark.parametrize("method", METHODS)
def test_8bit_extremes_are_exact(method, dtype):
    # 8-bit gray is computed in int16: the largest gradients of either sign, from checkerboards
    # and steps of the dtype's extreme values, must equal scipy's float64 ones exactly.
    info = np.iinfo(dtype)
    rows, cols = np.indices((40, 50))
    patterns = [((rows // 2 + cols // 3) % 2).astype(bool), cols >= 25, rows < 20, (rows + cols) % 2 == 0]
    for pattern in patterns:
        image = np.where(pattern, info.max, info.min).astype(dtype)
        for halo in (False, True):
            expected = SCIPY[method](image.astype(np.float64))
            if halo:
                expected = expected[1:-1, 1:-1]
            np.testing.assert_array_equal(edge_filter(image, method, halo=halo), expected.astype(np.float32))


def test_strips_join_without_seams():
    # Tall enough for many strips: every row must equal scipy's.
    image = random_image((1000, 70), np.uint8, seed=5)
    expected = SCIPY["sobel_y"](image.astype(np.float64))
    np.testing.assert_array_equal(edge_filter(image, "sobel_y"), expected.astype(np.float32))


class TestTransparency:
    def rgba_with_hole(self):
        rgba = np.zeros((20, 20, 4), dtype=np.uint8)
        rgba[..., :3] = 120
        rgba[..., 3] = 255
        rgba[5:10, 6:12, 3] = 0
        rgba[5:10, 6:12, :3] = (255, 0, 37)  # colour under transparency must not matter
        return rgba

    @pytest.mark.parametrize("method", METHODS)
    def test_transparent_pixels_are_nodata_and_create_no_edges(self, method):
        result = edge_filter(self.rgba_with_hole(), method)
        hole = np.zeros((20, 20), dtype=bool)
        hole[5:10, 6:12] = True
        assert np.isnan(result[hole]).all()
        assert (result[~hole] == 0).all()

    def test_gray_alpha_input(self):
        gray_alpha = self.rgba_with_hole()[..., [0, 3]]
        result = edge_filter(gray_alpha, "sobel_x", halo=True)
        assert np.isnan(result[4:9, 5:11]).all()
        assert np.nansum(np.abs(result)) == 0

    def test_opaque_pixels_next_to_a_hole_keep_their_true_edges(self):
        rgba = self.rgba_with_hole()
        rgba[:, 15:, :3] = 200  # a real edge, far from the hole
        result = edge_filter(rgba, "sobel_x")
        expected = SCIPY["sobel_x"](rgba[..., 0].astype(np.float64))
        np.testing.assert_array_equal(result[:, 13:], expected[:, 13:].astype(np.float32))

    def test_fully_opaque_alpha_is_ignored(self):
        rgb = random_image((12, 13, 3), np.uint8, seed=6)
        rgba = np.dstack([rgb, np.full((12, 13), 255, np.uint8)])
        np.testing.assert_array_equal(edge_filter(rgba, "sobel_x"), edge_filter(rgb, "sobel_x"))

    def test_partially_transparent_pixels_are_data(self):
        rgba = self.rgba_with_hole()
        rgba[..., 3] = np.where(rgba[..., 3] == 0, 0, 10)
        assert np.isfinite(edge_filter(rgba, "sobel_x")[0, 0])


class TestErrors:
    def test_unknown_method_names_allowed_values(self):
        with pytest.raises(ValueError, match="unknown edge method 'slic'.*sobel_x, sobel_y, prewitt_x"):
            edge_filter(np.zeros((4, 4)), "slic")

    @pytest.mark.parametrize("shape", [(4,), (4, 4, 5), (2, 4, 4, 3), ()])
    def test_wrong_shape(self, shape):
        with pytest.raises(ValueError, match="shape .* is not supported"):
            edge_filter(np.zeros(shape), "sobel_x")

    @pytest.mark.parametrize("shape", [(0, 5), (5, 0), (0, 0, 3)])
    def test_empty_input(self, shape):
        with pytest.raises(ValueError, match="is empty"):
            edge_filter(np.zeros(shape), "sobel_x")

    def test_halo_needs_three_pixels(self):
        with pytest.raises(ValueError, match="halo=True needs at least 3 x 3"):
            edge_filter(np.zeros((2, 10)), "sobel_x", halo=True)

    @pytest.mark.parametrize("values", [np.zeros((3, 3), bool), np.array([["a"] * 3] * 3), np.zeros((3, 3), complex)])
    def test_unsupported_dtype(self, values):
        with pytest.raises(ValueError, match="dtype .* is not supported"):
            edge_filter(values, "sobel_x")

    def test_single_pixel_without_halo(self):
        assert edge_filter(np.array([[7]], np.uint8), "sobel_magnitude").tolist() == [[0.0]]


def bits(array):
    """The float32 result as raw bits: equal bits, not merely equal values (-0.0, NaN)."""
    return np.ascontiguousarray(array).view(np.uint32)


def image_with_bands(shape, dtype, bands, seed):
    """``bands`` 0: H x W; otherwise H x W x bands. Alpha (bands 2 and 4) has fully
    transparent pixels, so the masked path is taken."""
    image = random_image(shape if bands == 0 else (*shape, bands), dtype, seed=seed)
    if bands in (2, 4):
        alpha = image[..., -1]
        alpha[...] = 200
        alpha[::5, ::3] = 0
    return image


class TestThreads:
    """Strips shared among threads give the single-threaded result bit for bit."""

    @pytest.fixture(autouse=True)
    def small_strips(self, monkeypatch):
        # 30 elements per strip: 3 rows of these 10-column images, so many strips and threads.
        monkeypatch.setattr(filters, "_STRIP_ELEMENTS", dict.fromkeys(filters._STRIP_ELEMENTS, 30))

    @pytest.mark.parametrize("bands", [0, 1, 2, 3, 4])
    @pytest.mark.parametrize("dtype", DTYPES)
    @pytest.mark.parametrize("method", METHODS)
    def test_threads_equal_one_thread(self, method, dtype, bands):
        # 23 rows: 7 strips of 3 and a last strip of 2 rows without halo; with the halo,
        # 21 output rows: the last strip ends exactly on the last row.
        image = image_with_bands((23, 8), dtype, bands, seed=7)
        for halo in (False, True):
            single = edge_filter(image, method, halo=halo, workers=1)
            for workers in (2, 3):
                np.testing.assert_array_equal(bits(edge_filter(image, method, halo=halo, workers=workers)),
                                              bits(single))

    @pytest.mark.parametrize("shape, halo", [((1, 40), False), ((40, 1), False), ((3, 40), True),
                                             ((40, 3), True), ((1, 1), False)])
    @pytest.mark.parametrize("bands", [0, 3, 4])
    @pytest.mark.parametrize("method", METHODS)
    def test_one_row_or_column(self, method, bands, shape, halo):
        image = image_with_bands(shape, np.uint8, bands, seed=8)
        single = edge_filter(image, method, halo=halo, workers=1)
        np.testing.assert_array_equal(bits(edge_filter(image, method, halo=halo, workers=2)), bits(single))
        # and still the reference: replicated borders around one row or column
        if bands == 0:
            reference = SCIPY[method](image.astype(np.float64))
            if halo:
                reference = reference[1:-1, 1:-1]
            np.testing.assert_allclose(single, reference, rtol=1e-6, atol=tolerance(reference))


def test_default_threads_on_a_large_input_equal_one_thread():
    rgba = image_with_bands((1100, 1000), np.uint8, 4, seed=9)  # above the size where the pool is used
    assert rgba.shape[0] * rgba.shape[1] >= filters._PARALLEL_MIN_PIXELS
    for method in ("sobel_x", "prewitt_magnitude"):
        np.testing.assert_array_equal(bits(edge_filter(rgba, method)), bits(edge_filter(rgba, method, workers=1)))


@pytest.mark.parametrize("halo", [False, True])
def test_a_reused_result_buffer_gets_every_pixel_anew(halo):
    rgba = image_with_bands((300, 200), np.uint8, 4, seed=4)
    rows, cols = (298, 198) if halo else (300, 200)
    buffer = np.full((rows, cols), 12345.0, dtype=np.float32)  # stale values of an earlier block
    for method in METHODS:
        result = edge_filter(rgba, method, halo=halo, out=buffer)
        assert result is buffer
        np.testing.assert_array_equal(bits(result), bits(edge_filter(rgba, method, halo=halo)))


@pytest.mark.parametrize("out", [np.zeros((10, 11), np.float32), np.zeros((10, 10), np.float64),
                                 np.zeros((10, 20), np.float32)[:, ::2]])
def test_a_result_buffer_of_the_wrong_kind_is_refused(out):
    with pytest.raises(ValueError, match="out must be a C-contiguous float32 array of 10 x 10"):
        edge_filter(np.zeros((10, 10)), "sobel_x", out=out)


def test_workers_must_be_positive():
    with pytest.raises(ValueError, match="workers must be at least 1"):
        edge_filter(np.zeros((4, 4)), "sobel_x", workers=0)


class TestGray:
    """The RGB -> gray path against the float64 ITU-R 601-2 luma: within float32 rounding."""

    @staticmethod
    def assert_within_float32_rounding(ours, colour):
        reference = colour[..., :3].astype(np.float64) @ np.array(LUMA_WEIGHTS)
        assert ours.dtype == np.float32
        # one float32 rounding of the exact value: at most half a float32 spacing, plus the
        # float64 reference's own error
        spacing = np.spacing(np.abs(reference).astype(np.float32)).astype(np.float64)
        assert (np.abs(ours.astype(np.float64) - reference) <= spacing / 2 + 1e-9 * spacing).all()

    @pytest.mark.parametrize("bands", [3, 4])
    @pytest.mark.parametrize("dtype", [np.uint8, np.uint16, np.float32, np.float64])
    def test_luma_within_float32_rounding(self, dtype, bands):
        rng = np.random.default_rng(10)
        shape = (37, 53, bands)
        if dtype == np.uint8:
            colour = rng.integers(0, 256, shape).astype(dtype)
        elif dtype == np.uint16:
            colour = rng.integers(0, 65536, shape).astype(dtype)
        else:
            colour = rng.uniform(0, 255, shape).astype(dtype)
        self.assert_within_float32_rounding(gray_float32(colour), colour)

    def test_every_8bit_colour_of_a_channel_and_neutral_grays(self):
        values = np.arange(256, dtype=np.uint8)
        colours = np.stack(np.meshgrid(values, values, indexing="ij"), axis=-1)  # 256 x 256 x 2
        alpha = np.random.default_rng(12).integers(0, 256, colours.shape[:2], dtype=np.uint8)
        for third in (0, 128, 255):
            rgb = np.dstack([colours, np.full(colours.shape[:2], third, np.uint8)])
            self.assert_within_float32_rounding(gray_float32(rgb), rgb)
            # packed RGBA (read as 32-bit words): the same, whatever the alpha
            rgba = np.dstack([rgb, alpha])
            self.assert_within_float32_rounding(gray_float32(rgba), rgba)
            # and with the channels the other way round (B, G, R in the first bytes)
            self.assert_within_float32_rounding(gray_float32(rgba[:, :, [2, 1, 0, 3]]), rgba[:, :, [2, 1, 0, 3]])
        neutral = np.repeat(values[None, :, None], 3, axis=2)
        assert (gray_float32(neutral)[0] == values).all()

    def test_edge_filter_uses_this_gray(self):
        rgb = random_image((30, 31, 3), np.uint8, seed=11)
        np.testing.assert_array_equal(edge_filter(rgb, "sobel_y"), edge_filter(gray_float32(rgb), "sobel_y"))


def _filter_in_child(image, queue):
    queue.put(edge_filter(image, "sobel_x", workers=2).tobytes())


def test_a_forked_child_gets_threads_of_its_own():
    """PyWPS forks async jobs from a worker whose pool threads do not exist in the child."""
    import multiprocessing

    image = random_image((200, 50), np.uint8, seed=12)
    expected = edge_filter(image, "sobel_x", workers=2)  # the parent's pool now has threads
    context = multiprocessing.get_context("fork")
    queue = context.Queue()
    child = context.Process(target=_filter_in_child, args=(image, queue))
    child.start()
    try:
        assert queue.get(timeout=60) == expected.tobytes()
    finally:
        child.join(timeout=10)
        if child.is_alive():
            child.kill()


@pytest.mark.parametrize("bands", [3, 4])
def test_channels_stored_apart_give_the_same_bits(bands):
    """QGIS's unpacked ARGB is a plane per channel (fancy indexing of the last axis); rasterio
    reads bands as planes too: the result does not depend on the memory layout."""
    interleaved = image_with_bands((300, 500), np.uint8, bands, seed=13)
    planar = np.moveaxis(np.ascontiguousarray(np.moveaxis(interleaved, 2, 0)), 0, 2)
    assert planar.strides[2] == 300 * 500 and np.array_equal(planar, interleaved)
    np.testing.assert_array_equal(bits(gray_float32(planar)), bits(gray_float32(interleaved)))
    for method in ("sobel_x", "prewitt_magnitude"):
        for halo in (False, True):
            np.testing.assert_array_equal(bits(edge_filter(planar, method, halo=halo)),
                                          bits(edge_filter(interleaved, method, halo=halo)))
