"""The 8-bit display rendering of a gradient (the PNG output), separate from the data.

The mapping is fixed, not stretched per tile, so neighbouring PNG tiles
match. ``gain`` is the kernel's response to a unit step (Sobel 4, Prewitt 3),
so for 8-bit input no value is clipped:

* signed methods (``*_x``, ``*_y``): ``127.5 + g / (2 * gain)``; mid-gray is
  no gradient, brighter is positive (eastward / northward increase);
* magnitudes: ``g / (gain * sqrt(2))``; black is no gradient.

Nodata pixels are fully transparent (an L + alpha image).
"""

from __future__ import annotations

import math

import numpy as np

from .filters import METHODS

_GAIN = {"sobel": 4.0, "prewitt": 3.0}


def display_bytes(gradient: np.ndarray, method: str) -> np.ndarray:
    """Map a float32 gradient to an H x W x 2 uint8 (gray, alpha) array."""
    if method not in METHODS:
        raise ValueError(f"unknown edge method {method!r}; allowed values: {', '.join(METHODS)}")
    family, _, direction = method.partition("_")
    gain = _GAIN[family]
    if direction == "magnitude":
        scaled = gradient / np.float32(gain * math.sqrt(2.0))
    else:
        scaled = gradient / np.float32(2.0 * gain) + np.float32(127.5)
    valid = np.isfinite(gradient)
    out = np.empty(gradient.shape + (2,), dtype=np.uint8)
    out[..., 0] = np.clip(np.rint(np.where(valid, scaled, 0.0)), 0, 255)
    out[..., 1] = np.where(valid, 255, 0)
    return out
