"""The PyWPS tutorial's ``GetRasterProcess``, recreated as the benchmarks' baseline.

The handler does what the tutorial's does, statement for statement: ``requests.get`` of a
WMS 1.1.1 GetMap of 512 x 512 pixels over a 0.0005-degree box, ``Image.open``,
``convert('L')``, ``ImageFilter.Kernel`` with the tutorial's coefficients, PNG save to
``images/tile_{method}_{lat}_{lon}.png``. Only two things differ, so that it runs here: the WMS
URL (the tutorial's ``http://geoserver:8080/geoserver/wms``) and the images folder (its
``/app/images``) come from ``TUTORIAL_WMS_URL`` and ``TUTORIAL_IMAGES_DIR``. The image is loaded
explicitly before ``convert('L')`` (which would load it anyway) so that decoding is timed as its
own stage. :mod:`benchmarks.tutorial_wps` is the tutorial's ``wps.py``.
"""

from __future__ import annotations

import contextlib
import os
from io import BytesIO

import numpy as np
import requests
from PIL import Image, ImageFilter
from pywps import ComplexOutput, LiteralInput, Process
from pywps.app.Common import Metadata
from pywps.inout.formats import Format

# sobel filter x and y coefficients
sobel_x_coeffs = [
    -1, 0, 1,
    -2, 0, 2,
    -1, 0, 1,
]
sobel_y_coeffs = [
    -1, -2, -1,
    0, 0, 0,
    1, 2, 1,
]

# prewitt filter x and y coefficients
prewitt_x_coeffs = [
    -1, 0, 1,
    -1, 0, 1,
    -1, 0, 1,
]
prewitt_y_coeffs = [
    -1, -1, -1,
    0, 0, 0,
    1, 1, 1,
]

TILE_SIZE = 512
BBOX_SIZE_DEG = 0.0005


class _NoClock:
    """Stands in for a :class:`benchmarks.stages.StageClock` when nothing is timed."""

    @contextlib.contextmanager
    def mark(self, stage):
        yield


def tutorial_tile(lat, lon, wms_layer, method, *, wms_url=None, images_dir=None, clock=None):
    """The tutorial handler's body; returns the written PNG's path. ``clock`` times its stages."""
    clock = clock or _NoClock()
    wms_url = wms_url or os.environ["TUTORIAL_WMS_URL"]
    images_dir = images_dir or os.environ["TUTORIAL_IMAGES_DIR"]
    layer = wms_layer
    width, height = TILE_SIZE, TILE_SIZE
    bbox_size_deg = BBOX_SIZE_DEG

    # Estimate bbox around the point
    minx = lon - bbox_size_deg / 2
    maxx = lon + bbox_size_deg / 2
    miny = lat - bbox_size_deg / 2
    maxy = lat + bbox_size_deg / 2
    bbox = f"{minx},{miny},{maxx},{maxy}"

    # Get the WMS image
    params = {
        "service": "WMS",
        "version": "1.1.1",
        "request": "GetMap",
        "layers": layer,
        "bbox": bbox,
        "width": width,
        "height": height,
        "srs": "EPSG:4326",
        "format": "image/png",
    }

    with clock.mark("wms_wait"):
        r = requests.get(wms_url, params=params)
        r.raise_for_status()

    with clock.mark("decode"):
        img = Image.open(BytesIO(r.content))
        img.load()

    if method == "sobel_x":
        kernel = np.array(sobel_x_coeffs).reshape((3, 3))
    elif method == "sobel_y":
        kernel = np.array(sobel_y_coeffs).reshape((3, 3))
    elif method == "prewitt_x":
        kernel = np.array(prewitt_x_coeffs).reshape((3, 3))
    elif method == "prewitt_y":
        kernel = np.array(prewitt_y_coeffs).reshape((3, 3))
    else:
        raise ValueError("Invalid method specified. Use 'sobel_x', 'sobel_y', 'prewitt_x', or 'prewitt_y'.")

    with clock.mark("gray"):
        img = img.convert("L")
    with clock.mark("filter"):
        img = img.filter(ImageFilter.Kernel((3, 3), kernel.flatten(), scale=1, offset=0))

    with clock.mark("encode"):
        os.makedirs(images_dir, exist_ok=True)
        image_path = os.path.join(images_dir, f"tile_{method}_{lat}_{lon}.png")
        img.save(image_path)
    return image_path


class GetRasterProcess(Process):
    """Process to get a raster image from a WMS layer and apply a filter."""

    def __init__(self):
        inputs = [
            LiteralInput("wms", "WMS Layer", data_type="string"),
            LiteralInput("lat", "Latitude", data_type="float"),
            LiteralInput("lon", "Longitude", data_type="float"),
            LiteralInput("method", "Method", data_type="string", default="sobel_x",
                         allowed_values=["sobel_x", "sobel_y", "prewitt_x", "prewitt_y"]),
        ]
        outputs = [
            ComplexOutput("image", "WMS Result Image", as_reference=True,
                          supported_formats=[Format("image/png")]),
        ]
        super().__init__(
            self._handler,
            identifier="get_raster_process",
            title="Get Raster Image",
            abstract="Get a 512x512 raster image centered at the given lat/lon.",
            metadata=[Metadata("Raster Image")],
            inputs=inputs,
            outputs=outputs,
        )

    def _handler(self, request, response):
        lat = request.inputs["lat"][0].data
        lon = request.inputs["lon"][0].data
        wms_layer = request.inputs["wms"][0].data
        method = request.inputs.get("method", ["slic"])[0].data
        output_type = request.outputs["image"]["mimetype"]
        image_path = tutorial_tile(lat, lon, wms_layer, method)
        response.outputs["image"].output_format = Format(output_type)
        response.outputs["image"].file = image_path
        return response
