"""The edge engine against independent implementations: scipy.ndimage and PIL."""

import numpy as np
import pytest
import scipy.ndimage as ndi
from PIL import Image, ImageFilter

from qgis_plugin.core.filters import LUMA_WEIGHTS, METHODS, edge_filter

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
