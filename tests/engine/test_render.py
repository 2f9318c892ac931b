"""The PNG display mapping: fixed, documented, and never hiding nodata."""

import numpy as np
import pytest

from qgis_plugin.core.filters import edge_filter
from qgis_plugin.core.render import display_bytes


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
