"""Sobel and Prewitt gradients of a raster tile, as signed float32.

Conventions (see README, "Conventions"):

* ``*_x`` is positive where brightness increases eastward (left to right),
  ``*_y`` where it increases northward (bottom to top of the image).
* Kernels are applied as correlation, unnormalised (Sobel 1-2-1, Prewitt 1-1-1),
  so values are in the input's gray-level units and are never clipped.
* RGB is reduced to gray with the ITU-R 601-2 luma weights (as PIL's ``'L'``).
* Fully transparent pixels (alpha == 0) are nodata (NaN) in the output, and
  they create no false edges: a transparent neighbour takes the value of the
  centre pixel, so it contributes no gradient.
* Borders: with ``halo=True`` the input carries one extra pixel on each side
  and every output pixel is a true gradient; otherwise the nearest edge pixel
  is replicated (scipy's ``mode='nearest'``).

The work is done in horizontal strips of 128 Ki to 512 Ki pixels so that every
intermediate array stays in the CPU cache: the only full-size array written
is the result itself, and the intermediates are work arrays each thread keeps
and reuses (a few MiB per thread). 8-bit gray is worked on in int16, where
every gradient is an exact integer, as in float32, with half the memory traffic;
everything else in float32. Strips are independent and numpy releases the GIL in
its loops, so strips of large inputs run on a pool of threads, one per core;
every output pixel is computed by the same operations whatever the thread, so
the result is the same bit for bit.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import ThreadPoolExecutor

import numpy as np

from .cores import usable_cores

SOBEL_X = "sobel_x"
SOBEL_Y = "sobel_y"
PREWITT_X = "prewitt_x"
PREWITT_Y = "prewitt_y"
SOBEL_MAGNITUDE = "sobel_magnitude"
PREWITT_MAGNITUDE = "prewitt_magnitude"

#: Every method name the engine accepts, the tutorial's four first.
METHODS = (SOBEL_X, SOBEL_Y, PREWITT_X, PREWITT_Y, SOBEL_MAGNITUDE, PREWITT_MAGNITUDE)

#: Value of output pixels that have no data (transparent input).
NODATA = float("nan")

#: ITU-R 601-2 luma weights, as used by PIL's ``Image.convert('L')``.
LUMA_WEIGHTS = (0.299, 0.587, 0.114)
_LUMA_PER_MILLE = (299.0, 587.0, 114.0)
_LUMA_PER_MILLE_INT = tuple(np.uint32(weight) for weight in _LUMA_PER_MILLE)

# Smoothing weights across the derivative direction, per kernel family.
_SMOOTHING = {"sobel": 2.0, "prewitt": 1.0}

# Elements per strip, by work dtype. float32: 128 Ki (512 KiB) per temporary keeps a strip's
# working set near L2 while numpy's per-call cost stays small; measured fastest on 512- and
# 4096-wide tiles. int16 (8-bit gray): each pass is cheaper, so 512 Ki, fewer numpy calls: with
# two threads every call risks a wait for the GIL, which on 2 shared cores cost more than
# cache misses (4096 x 4096 sobel_x on 2 threads, best of 7 in two runs: 19-23 ms at 128 Ki,
# 10-15 ms at 512 Ki, 11.5 ms at 1 Mi).
_STRIP_ELEMENTS = {np.dtype(np.float32): 128 * 1024, np.dtype(np.int16): 512 * 1024}

# Below this many output pixels the thread pool costs more than it saves: at
# 512 x 512 it added a third to the CPU time and saved no time on 2 shared
# cores (handing out strips and waking threads; see BENCHMARKS.md).
_PARALLEL_MIN_PIXELS = 1024 * 1024

_pools: dict = {}
_pools_lock = threading.Lock()
_thread_buffers = threading.local()
_luma_weights = np.empty(0, dtype=np.float32)


def edge_filter(image, method: str, *, halo: bool = False, workers: int | None = None,
                out: np.ndarray | None = None) -> np.ndarray:
    """Return the ``method`` gradient of ``image`` as a float32 array.

    ``image`` is a 2-D gray array or an H x W x C array with C = 1 (gray),
    2 (gray + alpha), 3 (RGB) or 4 (RGBA), of any integer or float dtype.
    With ``halo=True`` the result is two pixels smaller in each dimension.
    ``workers``: threads to share the strips; None is one per usable core, and
    the calling thread alone for small inputs. The result does not depend on it.
    ``out``: a C-contiguous float32 array of the result's shape to write into and
    return (a caller computing many blocks reuses one instead of allocating each).
    Raises ``ValueError`` for an unknown method, a wrong shape or an empty input.
    """
    family, direction = _parse_method(method)
    array = _check_image(image, halo)
    gray_source, alpha = _split_channels(array)
    height, width = gray_source.shape[0], gray_source.shape[1]
    out_height, out_width = (height - 2, width - 2) if halo else (height, width)
    if out is None:
        out = np.empty((out_height, out_width), dtype=np.float32)
    elif out.shape != (out_height, out_width) or out.dtype != np.float32 or not out.flags.c_contiguous:
        raise ValueError(f"out must be a C-contiguous float32 array of {out_height} x {out_width}, "
                         f"not {out.dtype} {' x '.join(map(str, out.shape))}")
    weight = _SMOOTHING[family]
    work_dtype = np.dtype(np.int16 if alpha is None and _is_8bit_gray(gray_source) else np.float32)
    strip_rows = max(1, _STRIP_ELEMENTS[work_dtype] // width)

    def compute(row0):
        row1 = min(row0 + strip_rows, out_height)
        strip = _padded_strip(gray_source, row0, row1, halo, work_dtype)
        target = out[row0:row1]
        if alpha is not None:
            valid = _padded_strip(alpha, row0, row1, halo, np.float32, name="valid")
            _masked_gradient(strip, valid, direction, weight, target)
        else:
            _gradient(strip, direction, weight, target)

    starts = range(0, out_height, strip_rows)
    if workers is None:
        workers = usable_cores() if out.size >= _PARALLEL_MIN_PIXELS else 1
    if workers < 1:
        raise ValueError(f"workers must be at least 1, not {workers}")
    if workers == 1 or len(starts) == 1:
        for row0 in starts:
            compute(row0)
    else:
        for _ in _pool(workers).map(compute, starts):
            pass  # map re-raises a strip's exception here
    return out


def gray_float32(rows) -> np.ndarray:
    """Gray levels of an H x W gray array or H x W x C colour array (C = 3 or 4, alpha
    ignored) as float32: RGB by the ITU-R 601-2 luma weights, exactly rounded for 8 bits."""
    rows = np.asarray(rows)
    out = np.empty(rows.shape[:2], dtype=np.float32)
    strip_rows = max(1, _STRIP_ELEMENTS[out.dtype] // rows.shape[1])
    for row0 in range(0, rows.shape[0], strip_rows):  # in strips: the work arrays stay strip-sized
        _gray_into(rows[row0 : row0 + strip_rows], out[row0 : row0 + strip_rows])
    return out


def _gray_into(rows, out):
    """Write the gray levels of H x W, H x W x 3 or H x W x 4 (alpha ignored) ``rows`` into
    the float32 array (or view) ``out``."""
    if rows.ndim == 2:
        np.copyto(out, rows, casting="unsafe")
    elif rows.dtype == np.uint8 and rows.strides[1:] == (4, 1):
        # Packed RGBA: each pixel is one 32-bit word (R in its low byte, read little-endian
        # whatever the machine), so every pass is contiguous: the channels are masked out of
        # the words, weighted and summed in uint32 (exact: at most 255,000), then converted
        # and divided once; a sixth to a third less time than picking every fourth byte.
        words = rows.view("<u4")[:, :, 0]
        luma = _scratch("luma", out.shape, np.uint32)
        channel = _scratch("channel", out.shape, np.uint32)
        np.bitwise_and(words, 0xFF, out=luma)
        np.multiply(luma, _LUMA_PER_MILLE_INT[0], out=luma)
        for shift, weight in ((8, _LUMA_PER_MILLE_INT[1]), (16, _LUMA_PER_MILLE_INT[2])):
            np.right_shift(words, shift, out=channel)
            np.bitwise_and(channel, 0xFF, out=channel)
            np.multiply(channel, weight, out=channel)
            np.add(luma, channel, out=luma)
        np.copyto(out, luma, casting="unsafe")
        np.divide(out, np.float32(1000.0), out=out)
    elif rows.dtype == np.uint8 and rows.strides[1:] != (3, 1):
        # 8 bits, channels stored apart (QGIS's unpacked ARGB, bands read as planes): one pass
        # per channel. Integer weights: every product and partial sum is an integer below
        # 2**24, exact in float32, and the one division rounds once; a neutral gray stays v.
        term = _scratch("term", out.shape)
        np.multiply(rows[:, :, 0], np.float32(_LUMA_PER_MILLE[0]), out=out, dtype=np.float32)
        for channel in (1, 2):
            np.multiply(rows[:, :, channel], np.float32(_LUMA_PER_MILLE[channel]), out=term, dtype=np.float32)
            np.add(out, term, out=out)
        np.divide(out, np.float32(1000.0), out=out)
    elif rows.dtype == np.uint8:
        # Packed RGB: the same exact sums, faster as one contiguous copy and one contiguous
        # product against the weights repeated per pixel (picking every third byte is slow).
        # Not a BLAS product: it is faster alone, but OpenBLAS starts threads of its own that
        # compete with ours (and QGIS's) for the cores.
        colour = _scratch("colour", rows.shape)
        np.copyto(colour, rows, casting="unsafe")
        flat = colour.reshape(-1)
        np.multiply(flat, _repeated_luma_weights(out.size), out=flat)
        np.add(colour[:, :, 0], colour[:, :, 1], out=out)
        np.add(out, colour[:, :, 2], out=out)
        np.divide(out, np.float32(1000.0), out=out)
    else:
        # Wider integers and floats: products in float64, one rounding to float32 at the end.
        colour = rows[:, :, :3].astype(np.float64)
        gray = colour[:, :, 0] * _LUMA_PER_MILLE[0]
        gray += colour[:, :, 1] * _LUMA_PER_MILLE[1]
        gray += colour[:, :, 2] * _LUMA_PER_MILLE[2]
        np.divide(gray, 1000.0, out=out, casting="unsafe")


def _repeated_luma_weights(pixels):
    """The per-mille luma weights repeated for ``pixels`` RGB pixels, as one flat float32 array."""
    global _luma_weights
    weights = _luma_weights
    if weights.size < 3 * pixels:
        weights = _luma_weights = np.tile(np.array(_LUMA_PER_MILLE, dtype=np.float32), pixels)
    return weights[: 3 * pixels]


def _scratch(name, shape, dtype=np.float32):
    """A work array of ``shape`` and ``dtype``, reused by later strips of the same thread: fresh
    arrays of this size are new memory pages, whose first-touch faults cost more than the work."""
    size = int(np.prod(shape))
    buffers = _thread_buffers.__dict__
    key = (name, np.dtype(dtype).char)
    flat = buffers.get(key)
    if flat is None or flat.size < size:
        flat = buffers[key] = np.empty(size, dtype=dtype)
    return flat[:size].reshape(shape)


def _is_8bit_gray(source):
    """True for a 2-D array of 8-bit integers, whose gradients are exact in int16 (at most
    4 x 255 in magnitude): half the memory traffic of float32, and the same values."""
    return source.ndim == 2 and source.dtype.itemsize == 1 and np.issubdtype(source.dtype, np.integer)


def _pool(workers):
    with _pools_lock:
        if workers not in _pools:
            _pools[workers] = ThreadPoolExecutor(workers, thread_name_prefix="wmsedge-filter")
        return _pools[workers]


def _forget_pools():
    """A forked child (a PyWPS async job) has none of its parent's threads: start afresh."""
    global _pools_lock
    _pools.clear()
    _pools_lock = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_forget_pools)


def _parse_method(method):
    if method not in METHODS:
        raise ValueError(
            f"unknown edge method {method!r}; allowed values: {', '.join(METHODS)}"
        )
    family, _, direction = method.partition("_")
    return family, direction


def _check_image(image, halo):
    array = np.asarray(image)
    if array.dtype == np.bool_ or not (
        np.issubdtype(array.dtype, np.integer) or np.issubdtype(array.dtype, np.floating)
    ):
        raise ValueError(
            f"image dtype {array.dtype} is not supported; use an integer or float array"
        )
    if array.ndim not in (2, 3) or (array.ndim == 3 and array.shape[2] not in (1, 2, 3, 4)):
        raise ValueError(
            f"image shape {array.shape} is not supported; allowed: H x W (gray), "
            "H x W x 1 (gray), H x W x 2 (gray + alpha), H x W x 3 (RGB), H x W x 4 (RGBA)"
        )
    minimum = 3 if halo else 1
    if array.shape[0] < minimum or array.shape[1] < minimum:
        raise ValueError(
            f"image of {array.shape[0]} x {array.shape[1]} pixels is empty"
            + (" once its one-pixel halo is removed (halo=True needs at least 3 x 3)" if halo else "")
        )
    return array


def _split_channels(array):
    """Return (gray source, alpha validity mask or None).

    The gray source is either a 2-D array or, for RGB(A), the colour array itself
    (alpha is ignored): the luma conversion is done strip by strip in ``_padded_strip``.
    The mask is None when every pixel is opaque (most WMS tiles): no pass builds it.
    """
    if array.ndim == 2:
        return array, None
    channels = array.shape[2]
    if channels in (1, 3):
        return (array[:, :, 0] if channels == 1 else array), None
    gray = array[:, :, 0] if channels == 2 else array
    alpha = array[:, :, -1]
    return gray, (None if alpha.all() else alpha != 0)


def _padded_strip(source, row0, row1, halo, dtype, name="gray"):
    """Gray rows for output rows [row0, row1), one pixel margin each side, in the thread's
    ``name`` work array of ``dtype``. Without a halo the margin replicates the nearest edge pixel.
    """
    height, width = source.shape[0], source.shape[1]
    if halo:
        rows = source[row0 : row1 + 2]
        strip = _scratch(name, rows.shape[:2], dtype)
        _gray_into(rows, strip)
        return strip
    strip = _scratch(name, (row1 - row0 + 2, width + 2), dtype)
    first, last = max(row0 - 1, 0), min(row1 + 1, height)
    top = 1 if row0 == 0 else 0
    _gray_into(source[first:last], strip[top : top + last - first, 1:-1])
    if top:
        strip[0, 1:-1] = strip[1, 1:-1]
    if row1 + 1 > height:
        strip[-1, 1:-1] = strip[-2, 1:-1]
    strip[:, 0] = strip[:, 1]
    strip[:, -1] = strip[:, -2]
    return strip


def _gradient(strip, direction, weight, out):
    """Correlate a padded strip with the separable kernel, writing into ``out``.

    The strip is worked on as one flat array: the neighbour one column away is one element
    away, one row away is a row length away. Every step is then one contiguous pass (numpy
    is much slower on 2-D views whose rows are not contiguous), computing a few unused
    values where a shift wraps around a row end; the last step copies the wanted columns
    into ``out``. Sobel's 1-2-1 smoothing is two pairwise sums, (a + b) + (b + c).
    """
    height, width = out.shape
    if direction == "magnitude":
        gx = _scratch("gx", out.shape)
        _gradient(strip, "x", weight, gx)
        _gradient(strip, "y", weight, out)
        np.multiply(out, out, out=out)
        np.multiply(gx, gx, out=gx)
        np.add(out, gx, out=out)
        np.sqrt(out, out=out)
        return
    row = strip.shape[1]
    flat = strip.reshape(-1)
    if direction == "x":
        # Difference east - west, then smooth north-south.
        diff = _scratch("diff", flat.size - 2, strip.dtype)
        np.subtract(flat[2:], flat[:-2], out=diff)
        step = row
    else:
        # Difference north - south (row above minus row below), then smooth east-west.
        diff = _scratch("diff", flat.size - 2 * row, strip.dtype)
        np.subtract(flat[: -2 * row], flat[2 * row :], out=diff)
        step = 1
    total = _scratch("total", height * row, strip.dtype)
    smoothed = total[: diff.size - 2 * step]
    if weight == 2.0:
        pairs = _scratch("pairs", diff.size - step, strip.dtype)
        np.add(diff[:-step], diff[step:], out=pairs)
        np.add(pairs[:-step], pairs[step:], out=smoothed)
    else:
        np.add(diff[: -2 * step], diff[step:-step], out=smoothed)
        np.add(smoothed, diff[2 * step :], out=smoothed)
    np.copyto(out, total.reshape(height, row)[:, :width], casting="unsafe")


def _masked_gradient(strip, valid, direction, weight, out):
    """Gradient where transparent neighbours take the centre pixel's value.

    ``valid`` is the padded strip of 1.0 (opaque) and 0.0 (transparent).
    For a zero-sum kernel K, sum_k K_k * (v_k if valid_k else v_c) equals
    K*(v . valid) - v_c * (K*valid): two correlations of the same kernel.
    """
    values = strip * valid  # not a work array: _gradient below uses those
    if direction == "magnitude":
        gx = _masked_component(values, valid, strip, "x", weight, out.shape)
        gy = _masked_component(values, valid, strip, "y", weight, out.shape)
        np.sqrt(gx * gx + gy * gy, out=out)
    else:
        out[...] = _masked_component(values, valid, strip, direction, weight, out.shape)
    out[valid[1:-1, 1:-1] == 0] = NODATA


def _masked_component(values, valid, strip, direction, weight, shape):
    component = np.empty(shape, dtype=np.float32)
    support = np.empty(shape, dtype=np.float32)
    _gradient(values, direction, weight, component)
    _gradient(valid, direction, weight, support)
    component -= strip[1:-1, 1:-1] * support
    return component
