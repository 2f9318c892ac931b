"""The independent reference of every area test: scipy's Sobel and Prewitt, in the engine's sign
convention (GUIDE.md section 1: x positive eastward, y positive northward), on the source raster."""

from __future__ import annotations

import numpy as np
import scipy.ndimage as ndi

from sandbox.wms import RASTERS


def scipy_gradient(gray, method):
    family, _, direction = method.partition("_")
    operator = ndi.sobel if family == "sobel" else ndi.prewitt
    gx, gy = operator(gray, axis=1), -operator(gray, axis=0)
    return {"x": gx, "y": gy, "magnitude": np.hypot(gx, gy)}[direction]


def stored_gradient(layer, method, col, row, cols, rows):
    """scipy's gradient of a sandbox pattern raster (as stored), over its source pixels
    [col, col + cols) x [row, row + rows): what an area at the raster's native grid must equal."""
    stored = RASTERS[layer].array().astype(np.float64)
    return scipy_gradient(stored, method)[row:row + rows, col:col + cols]
