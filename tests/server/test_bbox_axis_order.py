"""A bounding box input is read by its CRS spelling's rule, whatever client sent it.

OGC 06-121r3 (OWS Common) and the OGC CRS URN/URI policy: ``urn:ogc:def:crs:EPSG::n`` and
``http://www.opengis.net/def/crs/EPSG/0/n`` list coordinates in the authority's axis order
(EPSG:4326: latitude, then longitude); the legacy ``EPSG:n`` is x (easting/longitude) first, as
WMS 1.1.1 and most WPS 1.0.0 clients send it. The same extent in each spelling must give the same
tile."""

import numpy as np
import pytest
import rasterio
from rasterio.io import MemoryFile

from sandbox.wms import LAYER_3857, LAYER_4326, RASTERS

from .helpers import execute_xml

GEOTIFF = "image/tiff; subtype=geotiff"


def tile(client, layer, crs, corners):
    body = execute_xml({"wms": layer, "width": "64", "height": "48", "method": "sobel_x"}, bbox=(crs, *corners),
                       mime_type=GEOTIFF)
    response = client.post("/wps", data=body, content_type="text/xml")
    assert response.status_code == 200, response.data[:1500]
    with MemoryFile(response.data) as memory, memory.open() as dataset:
        return dataset.transform.to_gdal(), dataset.crs.to_epsg(), dataset.read(1)


@pytest.mark.parametrize("spelling", ["urn:ogc:def:crs:EPSG::4326", "http://www.opengis.net/def/crs/EPSG/0/4326"])
def test_latitude_first_spellings_of_4326_give_the_tile_of_the_legacy_x_first_one(client, spelling):
    xmin, ymin, xmax, ymax = RASTERS[LAYER_4326].pixel_extent(100, 100, 64, 48)
    legacy = tile(client, LAYER_4326, "EPSG:4326", (xmin, ymin, xmax, ymax))
    authority = tile(client, LAYER_4326, spelling, (ymin, xmin, ymax, xmax))
    assert legacy[0] == pytest.approx((xmin, (xmax - xmin) / 64, 0.0, ymax, 0.0, -(ymax - ymin) / 48))
    assert authority[:2] == legacy[:2]
    assert np.array_equal(authority[2], legacy[2])


@pytest.mark.parametrize("spelling", ["EPSG:3857", "urn:ogc:def:crs:EPSG::3857"])
def test_projected_spellings_are_easting_first_in_every_form(client, spelling):
    xmin, ymin, xmax, ymax = RASTERS[LAYER_3857].pixel_extent(100, 100, 64, 48)
    transform, epsg, _ = tile(client, LAYER_3857, spelling, (xmin, ymin, xmax, ymax))
    assert epsg == 3857 and transform == pytest.approx((xmin, 1.0, 0.0, ymax, 0.0, -1.0))


def test_the_kvp_form_is_x_first(client):
    xmin, ymin, xmax, ymax = RASTERS[LAYER_4326].pixel_extent(100, 100, 64, 48)
    response = client.get("/wps?service=WPS&version=1.0.0&request=Execute&identifier=get_raster_process"
                          f"&DataInputs=wms={LAYER_4326};width=64;height=48;bbox={xmin!r},{ymin!r},{xmax!r},{ymax!r},"
                          f"EPSG:4326&RawDataOutput=image@mimeType={GEOTIFF}")
    assert response.status_code == 200, response.data[:1500]
    with rasterio.MemoryFile(response.data) as memory, memory.open() as dataset:
        assert dataset.transform.to_gdal() == pytest.approx((xmin, (xmax - xmin) / 64, 0.0, ymax, 0.0,
                                                             -(ymax - ymin) / 48))
