"""The QGIS venv keeps Debian's numpy, so GDAL's array bindings still import."""

import numpy


def test_gdal_array_imports_with_the_venv_numpy():
    from osgeo import gdal_array

    assert numpy.__version__.startswith("1."), numpy.__version__
    assert gdal_array.OpenArray(numpy.zeros((2, 3), numpy.float32)).RasterXSize == 3
