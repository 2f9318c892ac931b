"""Engine speed: our filters beside the tutorial's PIL path, scipy.ndimage, OpenCV and a plain copy."""

import numpy as np
from PIL import Image, ImageFilter

from qgis_plugin.core.filters import METHODS, edge_filter

from .timing import best_ms, peak_bytes

TUTORIAL_SOBEL_X = [-1, 0, 1, -2, 0, 2, -1, 0, 1]
SIZES = (512, 4096)
TARGET_VS_PIL = 5.0
TARGET_VS_COPY = 2.5
TARGET_PEAK = 3.0


def sample(size, channels):
    rng = np.random.default_rng(42)
    shape = (size, size) if channels == 1 else (size, size, channels)
    return rng.integers(0, 256, shape, dtype=np.uint8)


def baselines(image):
    """Independent implementations of sobel_x on the same input (float32 out where they can)."""
    import cv2
    import scipy.ndimage as ndi

    mode = "L" if image.ndim == 2 else "RGBA"
    pil_image = Image.fromarray(image, mode)
    kernel = ImageFilter.Kernel((3, 3), TUTORIAL_SOBEL_X, scale=1, offset=0)
    gray = image if image.ndim == 2 else np.asarray(pil_image.convert("L"))
    output = np.full(gray.shape, 1.0, np.float32)  # touched pages: a real copy source
    return {
        "tutorial PIL (convert L + Kernel, uint8, clipped)": lambda: pil_image.convert("L").filter(kernel),
        "scipy.ndimage.sobel (float32)": lambda: ndi.sobel(gray.astype(np.float32), axis=1, mode="nearest"),
        "OpenCV cv2.Sobel (CV_32F)": lambda: cv2.Sobel(gray, cv2.CV_32F, 1, 0, ksize=3,
                                                      borderType=cv2.BORDER_REPLICATE),
        "plain float32 copy of the output": lambda: output.copy(),
    }


def run():
    """Return (markdown lines, dict of headline ratios)."""
    lines = ["## Engine", "",
             "Best of 5 runs, milliseconds. Input: random uint8 gray (1 band) or RGBA (4 bands).", ""]
    headline = {}
    for channels, label in ((1, "uint8 gray"), (4, "RGBA")):
        for size in SIZES:
            image = sample(size, channels)
            lines += [f"### {size} x {size}, {label}", "", "| what | ms |", "| --- | ---: |"]
            for method in METHODS:
                lines.append(f"| ours `{method}` | {best_ms(lambda m=method, a=image: edge_filter(a, m)):.1f} |")
            base_times = {name: best_ms(fn) for name, fn in baselines(image).items()}
            lines += [f"| {name} | {ms:.1f} |" for name, ms in base_times.items()]
            ours = best_ms(lambda a=image: edge_filter(a, "sobel_x"))
            pil = base_times["tutorial PIL (convert L + Kernel, uint8, clipped)"]
            copy = base_times["plain float32 copy of the output"]
            lines += ["", f"`sobel_x`: {pil / ours:.1f}x faster than the tutorial's PIL path, "
                          f"{ours / copy:.2f}x a plain copy.", ""]
            if size == 4096 and channels == 1:
                headline["engine_vs_pil"] = pil / ours
                headline["engine_vs_copy"] = ours / copy
    image = sample(4096, 1)
    output_bytes = 4096 * 4096 * 4
    for method in ("sobel_x", "sobel_magnitude"):
        ratio = peak_bytes(lambda m=method: edge_filter(image, m)) / output_bytes
        headline[f"peak_{method}"] = ratio
    lines += ["### Peak memory at 4096 x 4096 uint8", "",
              "Peak bytes allocated during one call (tracemalloc, numpy included), as a multiple of the "
              "64 MiB float32 output.", "",
              f"- `sobel_x`: {headline['peak_sobel_x']:.2f}x",
              f"- `sobel_magnitude`: {headline['peak_sobel_magnitude']:.2f}x", ""]
    return lines, headline


def targets(headline):
    """(target text, measured text, met?) rows for the engine."""
    return [
        (f"4096² `sobel_x` ≥ {TARGET_VS_PIL:g}x faster than PIL", f"{headline['engine_vs_pil']:.1f}x",
         headline["engine_vs_pil"] >= TARGET_VS_PIL),
        (f"4096² `sobel_x` ≤ {TARGET_VS_COPY:g}x a plain copy", f"{headline['engine_vs_copy']:.2f}x",
         headline["engine_vs_copy"] <= TARGET_VS_COPY),
        (f"peak memory ≤ {TARGET_PEAK:g}x the output", f"{headline['peak_sobel_x']:.2f}x "
         f"(magnitude {headline['peak_sobel_magnitude']:.2f}x)",
         max(headline["peak_sobel_x"], headline["peak_sobel_magnitude"]) <= TARGET_PEAK),
    ]
