"""The QGIS venv keeps Debian's numpy, so GDAL's array bindings and Debian's scipy still import."""

from pathlib import Path

import numpy

DEBIAN_PACKAGES = Path("/usr/lib/python3/dist-packages")


def test_the_venv_numpy_is_debians_and_gdal_array_uses_it():
    from osgeo import gdal_array

    assert DEBIAN_PACKAGES in Path(numpy.__file__).resolve().parents, numpy.__file__
    assert gdal_array.OpenArray(numpy.zeros((2, 3), numpy.float32)).RasterXSize == 3
