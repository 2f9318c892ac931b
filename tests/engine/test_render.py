"""The PNG display mapping: fixed, documented, and never hiding nodata."""

import numpy as np
import pytest

from wmsedge_engine.filters import edge_filter
from wmsedge_engine.render import display_bytes


def test_signed_mapping_spans_the_8_bit_range_for_8_bit_input():
    step = np.zeros((3, 4), np.uint8)
    step[:, 2:] = 255
    gradient = edge_filter(step, "sobel_x")  # 0, 1020, 1020, 0
    gray = display_bytes(gradient, "sobel_x")[..., 0]
    assert gray[1].tolist() == [128, 255, 255, 128]
    assert display_bytes(-gradient, "sobel_x")[1, 1, 0] == 0


def test_magnitude_mapping_and_transparent_nodata():
    gradient = np.array([[0.0, 3 * 255 * np.sqrt(2), np.nan]], np.float32)
    rendered = display_bytes(gradient, "prewitt_magnitude")
    assert rendered[0, :, 0].tolist() == [0, 255, 0]
    assert rendered[0, :, 1].tolist() == [255, 255, 0]


def test_unknown_method():
    with pytest.raises(ValueError, match="allowed values"):
        display_bytes(np.zeros((2, 2), np.float32), "canny")


@pytest.mark.parametrize("method", ["sobel_x", "prewitt_y", "sobel_magnitude", "prewitt_magnitude"])
@pytest.mark.parametrize("nodata", [False, True])
def test_mapping_is_the_documented_formula(method, nodata):
    rng = np.random.default_rng(3)
    gradient = (rng.standard_normal((40, 50)) * 600).astype(np.float32)
    if nodata:
        gradient[::7, ::3] = np.nan
        gradient[1, 1], gradient[2, 2] = np.inf, -np.inf  # infinities are nodata too
    gain = 4.0 if method.startswith("sobel") else 3.0
    values = np.nan_to_num(gradient.astype(np.float64), nan=0.0, posinf=0.0, neginf=0.0)
    if method.endswith("magnitude"):
        expected = values / (gain * np.sqrt(2.0))
    else:
        expected = 127.5 + values / (2.0 * gain)
    valid = np.isfinite(gradient)
    rendered = display_bytes(gradient, method)
    assert (rendered[..., 1] == np.where(valid, 255, 0)).all()
    gray = np.where(valid, np.clip(np.rint(expected), 0, 255), 0)
    # float32 arithmetic may land on the other side of a .5 than float64: at most 1 apart
    assert np.abs(rendered[..., 0].astype(int) - gray).max() <= 1
    assert (rendered[..., 0][valid] == np.clip(np.rint(expected[valid]), 0, 255)).mean() > 0.99
