"""Outputs as reference, served by the same application: PNG with its world file and CRS, GeoTIFF,
inline data, and an output handler that serves nothing but the output folder."""

from __future__ import annotations

import base64
import io
import os
from urllib.parse import urlsplit

import numpy as np
import pytest
import rasterio
from lxml import etree
from PIL import Image
from pywps import configuration
from pywps.tests import assert_response_success
from rasterio.crs import CRS
from rasterio.io import MemoryFile

from sandbox.wms import CENTER_LAT, CENTER_LON, LAYER_4326

from .helpers import leftover_files

NS = {"wps": "http://www.opengis.net/wps/1.0.0", "ows": "http://www.opengis.net/ows/1.1"}
PIXEL = 0.0005 / 512


def execute_document(client, output_attributes):
    response = client.get("/wps?service=WPS&version=1.0.0&request=Execute&identifier=get_raster_process"
                          f"&DataInputs=wms={LAYER_4326};lat={CENTER_LAT};lon={CENTER_LON}"
                          f"&ResponseDocument=image{output_attributes}")
    assert_response_success(response)
    return etree.fromstring(response.data)


def reference(doc):
    [ref] = doc.xpath("//wps:ProcessOutputs/wps:Output/wps:Reference", namespaces=NS)
    return ref.get("href"), ref.get("mimeType")


def fetch(client, href):
    response = client.get(urlsplit(href).path)
    assert response.status_code == 200, href
    return response.data


def test_png_reference_has_a_world_file_and_its_crs(client):
    href, mime_type = reference(execute_document(client, "@asReference=true@mimeType=image/png"))
    assert mime_type == "image/png" and href.endswith("/edges.png")
    assert href.startswith(configuration.get_config_value("server", "outputurl"))
    png = fetch(client, href)
    assert Image.open(io.BytesIO(png)).size == (512, 512)
    world_file = fetch(client, href[:-len(".png")] + ".pgw").decode().split()
    expected = [PIXEL, 0.0, 0.0, -PIXEL, CENTER_LON - 0.00025 + PIXEL / 2, CENTER_LAT + 0.00025 - PIXEL / 2]
    assert [float(v) for v in world_file] == pytest.approx(expected, rel=1e-9, abs=1e-15)
    assert b"<PAMDataset>" in fetch(client, href + ".aux.xml")

    folder = os.path.join(configuration.get_config_value("server", "outputpath"), urlsplit(href).path.split("/")[-2])
    assert sorted(os.listdir(folder)) == ["edges.pgw", "edges.png", "edges.png.aux.xml"]
    with rasterio.open(os.path.join(folder, "edges.png")) as dataset:  # GDAL reads .pgw and .aux.xml
        assert dataset.crs == CRS.from_epsg(4326)
        t = dataset.transform
        assert (t.a, t.b, t.d, t.e) == pytest.approx((PIXEL, 0, 0, -PIXEL), rel=1e-9, abs=1e-18)
        assert (t.c, t.f) == pytest.approx((CENTER_LON - 0.00025, CENTER_LAT + 0.00025), rel=0, abs=1e-12)
    assert [f for f in leftover_files() if "workdir" in f] == []


def test_geotiff_reference(client):
    href, mime_type = reference(execute_document(client, "@asReference=true@mimeType=image/tiff; subtype=geotiff"))
    assert mime_type == "image/tiff; subtype=geotiff" and href.endswith("/edges.tif")
    with MemoryFile(fetch(client, href)) as memory, memory.open() as dataset:
        assert (dataset.width, dataset.height, dataset.dtypes[0]) == (512, 512, "float32")
        assert dataset.crs == CRS.from_epsg(4326)


def test_inline_png(client):
    doc = execute_document(client, "@mimeType=image/png")
    [data] = doc.xpath("//wps:ProcessOutputs/wps:Output/wps:Data/wps:ComplexData", namespaces=NS)
    assert data.get("mimeType") == "image/png" and data.get("encoding") == "base64"
    image = Image.open(io.BytesIO(base64.b64decode(data.text)))
    assert image.size == (512, 512) and np.asarray(image).shape == (512, 512, 2)


@pytest.mark.parametrize("path", [
    "/outputs/", "/outputs/..%2Fpywps.cfg", "/outputs/../pywps.cfg", "/outputs/.hidden", "/outputs//etc/passwd",
    "/outputs/%2Fetc%2Fpasswd", "/outputs/../workdir", "/outputs/nope.png", "/outputs/a/../../pywps.cfg",
])
def test_output_handler_serves_only_the_output_folder(client, path):
    folder = configuration.get_config_value("server", "outputpath")
    with open(os.path.join(folder, ".hidden"), "w") as stream:
        stream.write("being written")
    assert client.get(path).status_code == 404


def test_output_handler_is_read_only(client):
    assert client.post("/outputs/x.png", data=b"x").status_code == 405
