"""Write the test WMS's data and QGIS project into a directory.

Run with the system interpreter, which has PyQGIS and GDAL (the pip-only test
venv has neither): ``/usr/bin/python3 make_wms_project.py OUTPUT_DIR``.
Writes ``pattern_4326.tif``, ``pattern_3857.tif`` (GDAL) and ``wms.qgs`` (PyQGIS).
The layout and the pattern come from ``wms_server.py`` next to this file.
"""

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sandbox.wms import LAYER_WORLD, MAX_IMAGE_SIZE, RASTERS, WMS_CRS_LIST, WORLD_GPKG  # noqa: E402


def write_geotiff(raster, path):
    """An uncompressed 8-bit GeoTIFF of the pattern, with no nodata value."""
    from osgeo import gdal, osr

    gdal.UseExceptions()
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), raster.width, raster.height, 1, gdal.GDT_Byte)
    dataset.SetGeoTransform(raster.geotransform())
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(raster.epsg)
    dataset.SetProjection(srs.ExportToWkt())
    dataset.GetRasterBand(1).WriteArray(raster.array())
    dataset.FlushCache()
    dataset = None


def unstretched_gray(layer):
    """Gray renderer with no contrast stretch: the rendered gray is the stored byte.

    The resample filter keeps no resamplers, i.e. nearest neighbour both ways.
    """
    from qgis.core import Qgis, QgsContrastEnhancement, QgsSingleBandGrayRenderer

    renderer = QgsSingleBandGrayRenderer(layer.dataProvider(), 1)
    enhancement = QgsContrastEnhancement(Qgis.Byte)
    enhancement.setContrastEnhancementAlgorithm(QgsContrastEnhancement.NoEnhancement)
    renderer.setContrastEnhancement(enhancement)
    layer.setRenderer(renderer)
    layer.resampleFilter().setZoomedInResampler(None)
    layer.resampleFilter().setZoomedOutResampler(None)
    layer.resampleFilter().setMaxOversampling(1.0)


def styled_countries():
    """The countries, each filled with a colour derived from its id, with dark outlines."""
    from qgis.core import QgsFillSymbol, QgsProperty, QgsSingleSymbolRenderer, QgsSymbolLayer, QgsVectorLayer

    layer = QgsVectorLayer(f"{WORLD_GPKG}|layername=countries", LAYER_WORLD, "ogr")
    if not layer.isValid():
        raise RuntimeError(f"cannot open the countries of {WORLD_GPKG}")
    symbol = QgsFillSymbol.createSimple({"color": "200,200,200,255", "outline_color": "30,30,30,255",
                                         "outline_width": "0.4", "outline_width_unit": "MM"})
    symbol.symbolLayer(0).setDataDefinedProperty(
        QgsSymbolLayer.PropertyFillColor,
        QgsProperty.fromExpression('color_rgb(("fid" * 53) % 256, ("fid" * 97) % 256, ("fid" * 151) % 256)'))
    layer.setRenderer(QgsSingleSymbolRenderer(symbol))
    return layer


def write_project(directory):
    from qgis.core import QgsApplication, QgsCoordinateReferenceSystem, QgsProject, QgsRasterLayer

    QgsApplication.setPrefixPath("/usr", True)
    app = QgsApplication([], False)
    app.initQgis()
    try:
        project = QgsProject.instance()
        project.setCrs(QgsCoordinateReferenceSystem("EPSG:4326"))
        for raster in RASTERS.values():
            path = directory / f"{raster.name}.tif"
            write_geotiff(raster, path)
            layer = QgsRasterLayer(str(path), raster.name, "gdal")
            if not layer.isValid():
                raise RuntimeError(f"QGIS cannot open the GeoTIFF it was given: {path}")
            unstretched_gray(layer)
            project.addMapLayer(layer)
        project.addMapLayer(styled_countries())
        project.setTitle("wmsedge test WMS")
        project.writeEntry("WMSServiceCapabilities", "/", True)
        project.writeEntry("WMSServiceTitle", "/", "wmsedge test WMS")
        project.writeEntry("WMSCrsList", "/", list(WMS_CRS_LIST))
        project.writeEntry("WMSMaxWidth", "/", MAX_IMAGE_SIZE)
        project.writeEntry("WMSMaxHeight", "/", MAX_IMAGE_SIZE)
        project.writeEntry("Paths", "/Absolute", True)
        if not project.write(str(directory / "wms.qgs")):
            raise RuntimeError(f"cannot write the project: {project.error()}")
    finally:
        app.exitQgis()


if __name__ == "__main__":
    if len(sys.argv) != 2:
        sys.exit("usage: /usr/bin/python3 make_wms_project.py OUTPUT_DIR")
    output = Path(sys.argv[1]).resolve()
    output.mkdir(parents=True, exist_ok=True)
    write_project(output)
