"""Fixtures of the QGIS plugin tests: the registered provider, layers, feedbacks, GeoTIFFs."""

from __future__ import annotations

import numpy as np
import processing
import pytest
from osgeo import gdal, osr
from qgis.core import (
    QgsApplication,
    QgsProcessingException,
    QgsProcessingFeedback,
    QgsProject,
    QgsRasterLayer,
    QgsSettings,
)

from qgis_plugin.algorithms import EdgeTileAlgorithm
from qgis_plugin.provider import WmsEdgeProvider
from sandbox.qgis_process import QgisProfile, build_plugin_zip


@pytest.fixture
def add_layer():
    """Add layers to the project, which owns them, and remove them after the test.

    Tests must not pass Python-owned layers to algorithms that fail: QGIS 3.22
    keeps the traceback of an exception raised in a Python algorithm, whose
    frames (through their callers) keep such a layer alive until after QGIS
    has exited, and deleting it then crashes the interpreter.
    """
    added = []

    def add(layer, must_be_valid=True):
        assert layer.isValid() or not must_be_valid, layer.error().summary()
        QgsProject.instance().addMapLayer(layer, False)
        added.append(layer.id())
        return layer

    yield add
    QgsProject.instance().removeMapLayers(added)


@pytest.fixture
def plugin_settings():
    """Set plugin settings (``wmsedge/...``) for one test; each is restored afterwards."""
    settings, previous = QgsSettings(), {}

    def set_setting(key, value):
        previous.setdefault(key, settings.value(key))
        settings.setValue(key, value)

    yield set_setting
    for key, value in previous.items():
        if value is None:
            settings.remove(key)
        else:
            settings.setValue(key, value)


@pytest.fixture(scope="session")
def provider(qgis_processing):
    """The plugin's provider, registered for the session (add, yield, remove)."""
    provider = WmsEdgeProvider()
    assert QgsApplication.processingRegistry().addProvider(provider)
    yield provider
    QgsApplication.processingRegistry().removeProvider(provider)


@pytest.fixture(scope="session")
def edge_tile_id(provider):
    return f"{provider.id()}:{EdgeTileAlgorithm().name()}"


class RecordingFeedback(QgsProcessingFeedback):
    """Keeps progress values, infos and errors; cancels itself after ``cancel_after`` progress reports,
    or at the first info starting with ``cancel_on_info``."""

    def __init__(self, cancel_after: int | None = None, cancel_on_info: str | None = None):
        super().__init__()
        self.progress_values, self.infos, self.errors = [], [], []
        self.cancel_after = cancel_after
        self.cancel_on_info = cancel_on_info
        self.progressChanged.connect(self._on_progress)

    def _on_progress(self, value):
        self.progress_values.append(value)
        if self.cancel_after is not None and len(self.progress_values) >= self.cancel_after:
            self.cancel()

    def pushInfo(self, info):
        self.infos.append(info)
        super().pushInfo(info)
        if self.cancel_on_info is not None and info.startswith(self.cancel_on_info):
            self.cancel()

    def reportError(self, error, fatalError=False):  # noqa: N803 (QGIS signature)
        self.errors.append(error)
        super().reportError(error, fatalError)

    @property
    def error_text(self) -> str:
        return "\n".join(self.errors)


@pytest.fixture
def feedback():
    return RecordingFeedback()


def wms_layer(url: str, layer: str, crs: str, image_format: str = "image/png") -> QgsRasterLayer:
    """A QGIS WMS layer, as the Data Source Manager would make it."""
    source = f"crs={crs}&dpiMode=7&format={image_format}&layers={layer}&styles=&url={url}"
    return QgsRasterLayer(source, layer, "wms")


def write_geotiff(path, bands, geotransform, epsg: int, nodata=None, alpha_band: int | None = None) -> str:
    """A GeoTIFF from a list of 2-D arrays (one per band), written with GDAL."""
    types = {np.dtype(np.uint8): gdal.GDT_Byte, np.dtype(np.int16): gdal.GDT_Int16,
             np.dtype(np.float32): gdal.GDT_Float32}
    height, width = bands[0].shape
    dataset = gdal.GetDriverByName("GTiff").Create(str(path), width, height, len(bands), types[bands[0].dtype])
    dataset.SetGeoTransform(geotransform)
    srs = osr.SpatialReference()
    srs.ImportFromEPSG(epsg)
    dataset.SetProjection(srs.ExportToWkt())
    for index, array in enumerate(bands, start=1):
        band = dataset.GetRasterBand(index)
        band.WriteArray(array)
        if nodata is not None:
            band.SetNoDataValue(nodata)
        if alpha_band == index:
            band.SetColorInterpretation(gdal.GCI_AlphaBand)
    dataset.FlushCache()
    dataset = None
    return str(path)


def read_geotiff(path):
    """(array, geotransform, WKT, nodata, size) of a single-band GeoTIFF."""
    dataset = gdal.Open(str(path))
    band = dataset.GetRasterBand(1)
    result = (band.ReadAsArray(), dataset.GetGeoTransform(), dataset.GetProjection(), band.GetNoDataValue(),
              (dataset.RasterXSize, dataset.RasterYSize), gdal.GetDataTypeName(band.DataType))
    dataset = None
    return result


def run_expecting_error(algorithm_id: str, params: dict, feedback: RecordingFeedback | None = None) -> str:
    """Run and return the error text: errors in prepareAlgorithm go to the feedback, later ones are raised."""
    feedback = feedback or RecordingFeedback()
    with pytest.raises(QgsProcessingException) as raised:
        processing.run(algorithm_id, params, feedback=feedback)
    return f"{raised.value}\n{feedback.error_text}"


@pytest.fixture(scope="session")
def wps_server(wms_server, tmp_path_factory):
    """Our WPS under a real gunicorn on 127.0.0.1, its [wms] url/allowed_urls the WMS fixture's."""
    from sandbox.wps import WpsServer

    server = WpsServer(tmp_path_factory.mktemp("wps_server"), wms_server.url).start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def plugin_zip(tmp_path_factory):
    return build_plugin_zip(tmp_path_factory.mktemp("dist") / "wmsedge.zip")


@pytest.fixture(scope="session")
def qgis_process_profile(plugin_zip, tmp_path_factory):
    """A QGIS profile with the plugin installed from the package zip and enabled by qgis_process."""
    profile = QgisProfile(tmp_path_factory.mktemp("qgis_process"))
    profile.install_zip(plugin_zip)
    profile.qgis_process("plugins", "enable", "wmsedge")
    return profile
