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
    out = np.empty(gradient.shape + (2,), dtype=np.uint8)
    if direction == "magnitude":
        scaled = np.divide(gradient, np.float32(gain * math.sqrt(2.0)))
    else:
        scaled = np.divide(gradient, np.float32(2.0 * gain))
        np.add(scaled, np.float32(127.5), out=scaled)
    # One sum tells whether any pixel is nodata (NaN or infinite): most tiles have none, and
    # then no mask is built. A sum that overflows only takes the masked path.
    with np.errstate(over="ignore", invalid="ignore"):
        no_nodata = np.isfinite(scaled.sum())
    if no_nodata:
        out[..., 1] = 255
    else:
        valid = np.isfinite(scaled)
        scaled[~valid] = 0.0
        np.multiply(valid, np.uint8(255), out=out[..., 1])
    np.rint(scaled, out=scaled)
    np.clip(scaled, 0, 255, out=scaled)
    out[..., 0] = scaled
    return out
