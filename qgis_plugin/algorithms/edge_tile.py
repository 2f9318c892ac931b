"""``wmsedge:edge_tile``: a Sobel/Prewitt edge map of a raster layer, of any size up to a limit, as a COG.

The id stays ``edge_tile`` (saved models and scripts name it) though it now computes areas."""

from __future__ import annotations

import os
from pathlib import Path

from qgis.core import (
    QgsDataSourceUri,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingParameterCrs,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterNumber,
    QgsProcessingParameterPoint,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsUnitTypes,
)
from qgis.PyQt.QtCore import QLocale
from qgis.PyQt.QtGui import QIcon

from ..core.contract import DEFAULT_RETRIES
from ..core.filters import METHODS
from ..core.georef import Extent, grid_from_center, grid_from_extent
from ..execution.in_process import InProcessJob, run_in_process
from ..execution.via_wps import WpsJob, run_via_wps, wms_source
from ..io.provider_source import ProviderPool
from ..settings import default_wps_url, max_pixels, max_request_size, requests_per_host
from ..translation import tr
from .tile_grid import (
    DEFAULT_GEOGRAPHIC_PIXEL_SIZE,
    DEFAULT_PIXEL_SIZE_METRES,
    DEFAULT_SIZE,
    check_pixel_size,
    check_size,
    check_within_crs,
    default_pixel_size,
    native_pixel_size,
    number,
)

ICON_PATH = Path(__file__).resolve().parent.parent / "icons" / "edge_tile.svg"

PIXEL_SIZE_DECIMALS = 10
BACKEND_IN_PROCESS, BACKEND_REMOTE = 0, 1


class EdgeTileAlgorithm(QgsProcessingAlgorithm):
    """Computes the edge map in this QGIS or on the WPS server; the output is the same COG."""

    INPUT = "INPUT"
    CENTER = "CENTER"
    EXTENT = "EXTENT"
    WIDTH = "WIDTH"
    HEIGHT = "HEIGHT"
    PIXEL_SIZE = "PIXEL_SIZE"
    CRS = "CRS"
    METHOD = "METHOD"
    BACKEND = "BACKEND"
    WPS_URL = "WPS_URL"
    OUTPUT = "OUTPUT"

    def __init__(self):
        super().__init__()
        self._job = None
        self._backend = BACKEND_IN_PROCESS

    def tr(self, text):
        return tr(text)

    def createInstance(self):
        return type(self)()

    def name(self):
        return "edge_tile"

    def displayName(self):
        return tr("Edge map from WMS (Sobel/Prewitt)")

    def group(self):
        return tr("Edge detection")

    def groupId(self):
        return "edge_detection"

    def tags(self):
        return tr("edge,sobel,prewitt,gradient,wms,wps,filter").split(",")

    def icon(self):
        return QIcon(str(ICON_PATH))

    def createCustomParametersWidget(self, parent=None):  # noqa: N802 (QGIS API)
        from .dialog import EdgeTileDialog  # Processing's GUI: the QGIS window only

        return EdgeTileDialog(self, parent=parent)

    def shortHelpString(self):
        return tr(
            "<p>Computes a Sobel or Prewitt edge map of a raster layer (WMS is the main case), from a small tile "
            "to an area of up to {max_pixels} pixels, and writes it as a float32 Cloud Optimized GeoTIFF "
            "(512 x 512 internal tiles, overviews, lossless compression, nodata NaN) with exact extent, pixel size "
            "and CRS.</p>"
            "<h3>Parameters</h3>"
            "<p><b>Input layer</b>: the raster layer (WMS or any raster). The in-process backend reads any layer "
            "QGIS reads (WMS, WMTS, XYZ, GeoTIFF…) through QGIS's own data provider, so QGIS's proxy and "
            "authentication settings apply. The remote backend needs a WMS layer.</p>"
            "<p><b>Tile centre</b> or <b>Tile extent</b>: give exactly one. A centre may be in any CRS "
            "(click it on the map); the edge map is then Width x Height pixels of the given pixel size around it. "
            "An extent is covered by as many pixels of the given pixel size as needed (the extent grows around "
            "its centre to whole pixels); without a pixel size, by pixels of the layer's own resolution when it "
            "has one (e.g. a GeoTIFF in the output CRS), otherwise exactly by Width x Height pixels.</p>"
            "<p><b>Width</b>, <b>Height</b>: size in pixels (default {default_size}). One run computes at most "
            "{max_pixels} pixels in all (setting wmsedge/max_pixels); a larger one is refused before any "
            "request.</p>"
            "<p><b>Pixel size</b>: in units of the output CRS (degrees for a geographic CRS, usually metres "
            "for a projected one). When empty: the layer's own resolution when it has one (e.g. a GeoTIFF) and "
            "the output CRS is the layer's; otherwise, in the QGIS window, the resolution of the map canvas "
            "showing the centre (the tile then covers as many screen pixels as it has pixels); otherwise "
            "(qgis_process, scripts) {default_metres} m per pixel in a projected CRS and {default_degrees}° "
            "(about {default_metres} m) in a geographic CRS. A tile beyond the CRS's valid area (latitudes "
            "beyond ±90°, wider than the CRS's whole extent) or a pixel size of 0 is refused before any request.</p>"
            "<p><b>Output CRS</b>: when not set, the layer's CRS. The remote backend needs an EPSG code.</p>"
            "<p><b>Method</b>: sobel_x, sobel_y, prewitt_x, prewitt_y (the tutorial's four), sobel_magnitude, "
            "prewitt_magnitude (square root of the sum of the squared x and y gradients).</p>"
            "<p><b>Backend</b>: in-process (this QGIS computes) or remote WPS (the WMS Edge WPS server's "
            "get_raster_process computes, asynchronously; progress follows the server's status). Both ask "
            "the WMS for the same image: the layer's format, styles and layers, the output CRS, and no DPI "
            "parameters (a screen setting of QGIS's canvas that the WPS cannot send), so they give the same "
            "pixels. The remote backend refuses a layer with a named style, which it cannot forward. "
            "In process, each WMS request waits at most QGIS's network timeout (Settings ▸ Options ▸ "
            "Network; it starts again whenever data arrives). A WMS that refuses the connection, does not "
            "answer in time or answers with anything but the image asked for (an error page, a service "
            "exception, a broken image or one of the wrong size) stops the algorithm with a message naming "
            "the problem, and no file is written.</p>"
            "<p><b>WPS URL</b>: the WPS endpoint of the remote backend (default from the plugin setting "
            "wmsedge/wps_url, else http://127.0.0.1:5000/wps).</p>"
            "<h3>Areas in blocks</h3>"
            "<p>The in-process backend reads the area in blocks, each a GetMap of the block and a one-pixel halo, "
            "so the blocks join without seams. A block side is the WMS's MaxWidth/MaxHeight (from its "
            "capabilities) less the halo, lowered by the setting wmsedge/max_request_size, and 2048 pixels "
            "without either; {requests} blocks are read at once (setting wmsedge/requests_per_host). The log "
            "says how many blocks and requests the run makes before the first one. A request that fails for a "
            "while (timeout, HTTP 429, 502, 503 or 504) is tried again up to {retries} times; any other failure "
            "stops the run, naming the block. On a raster WMS at its own grid the result equals one request of "
            "the whole area; a WMS that draws vectors with anti-aliasing or labels may draw a block's border "
            "slightly differently. The remote backend lets the WPS server fetch the blocks "
            "(its own limits apply).</p>"
            "<p><b>Edge map</b>: the output Cloud Optimized GeoTIFF, written aside and renamed into place when "
            "complete (a cancelled or failed run leaves nothing), added to the project when the run "
            "succeeds.</p>"
            "<h3>Values and sign convention</h3>"
            "<p>Values are float32, signed, in the input's gray-level units (RGB converted to gray with the "
            "ITU-R 601-2 luma weights), never clipped. Kernels are unnormalised correlations (Sobel 1-2-1, "
            "Prewitt 1-1-1). *_x is positive where brightness increases eastward (left to right), *_y where it "
            "increases northward (bottom to top). Every pixel is a true gradient: the source is read with one "
            "extra pixel on each side. Transparent or nodata source pixels give nodata (NaN) and no false "
            "edges around them.</p>"
        ).format(max_pixels=number(max_pixels()), default_size=number(DEFAULT_SIZE),
                 requests=number(requests_per_host()), retries=number(DEFAULT_RETRIES),
                 default_metres=number(DEFAULT_PIXEL_SIZE_METRES),
                 default_degrees=QLocale().toString(DEFAULT_GEOGRAPHIC_PIXEL_SIZE, "f", 7))

    def initAlgorithm(self, config=None):
        self.addParameter(QgsProcessingParameterRasterLayer(self.INPUT, tr("Input layer")))
        self.addParameter(QgsProcessingParameterPoint(self.CENTER, tr("Tile centre"), optional=True))
        self.addParameter(QgsProcessingParameterExtent(self.EXTENT, tr("Tile extent"), optional=True))
        for key, label in ((self.WIDTH, tr("Width (pixels)")), (self.HEIGHT, tr("Height (pixels)"))):
            self.addParameter(QgsProcessingParameterNumber(
                key, label, QgsProcessingParameterNumber.Integer, DEFAULT_SIZE, minValue=1))
        pixel_size = QgsProcessingParameterNumber(self.PIXEL_SIZE, tr("Pixel size"),
                                                  QgsProcessingParameterNumber.Double, None, optional=True,
                                                  minValue=0.0)
        # Enough decimals for degrees: 1e-9° is about 0.1 mm.
        pixel_size.setMetadata({"widget_wrapper": {"decimals": PIXEL_SIZE_DECIMALS}})
        self.addParameter(pixel_size)
        self.addParameter(QgsProcessingParameterCrs(self.CRS, tr("Output CRS"), optional=True))
        self.addParameter(QgsProcessingParameterEnum(self.METHOD, tr("Method"), options=list(METHODS),
                                                     defaultValue=0))
        self.addParameter(QgsProcessingParameterEnum(
            self.BACKEND, tr("Backend"), options=[tr("In-process (this QGIS)"), tr("Remote WPS server")],
            defaultValue=BACKEND_IN_PROCESS))
        self.addParameter(QgsProcessingParameterString(self.WPS_URL, tr("WPS URL"), defaultValue=default_wps_url(),
                                                       optional=True))
        self.addParameter(QgsProcessingParameterRasterDestination(self.OUTPUT, tr("Edge map")))

    def prepareAlgorithm(self, parameters, context, feedback):
        """Resolve the layer and the tile grid on the main thread (layers and canvases are not thread-safe)."""
        layer = self.parameterAsRasterLayer(parameters, self.INPUT, context)
        if layer is None:
            raise QgsProcessingException(tr("The input layer could not be loaded."))
        if not layer.isValid() or layer.dataProvider() is None:
            detail = layer.error().summary() if not layer.error().isEmpty() else tr("its source cannot be read")
            raise QgsProcessingException(tr("The input layer is not valid: {error} (provider {provider}, "
                                            "source {source})").format(
                error=detail, provider=layer.providerType(), source=QgsDataSourceUri.removePassword(layer.source())))
        crs = self.parameterAsCrs(parameters, self.CRS, context)
        if not crs.isValid():
            crs = layer.crs()
        if not crs.isValid():
            raise QgsProcessingException(tr("The layer has no CRS: choose an output CRS."))
        grid = self._grid(parameters, context, feedback, layer, crs)
        self._backend = self.parameterAsEnum(parameters, self.BACKEND, context)
        wps_url = (self.parameterAsString(parameters, self.WPS_URL, context) or "").strip()
        if self._backend == BACKEND_REMOTE:
            if not wps_url:
                raise QgsProcessingException(tr("The remote backend needs a WPS URL."))
            wms_source(layer.providerType(), layer.source())
        method = METHODS[self.parameterAsEnum(parameters, self.METHOD, context)]
        if self._backend == BACKEND_REMOTE:
            self._job = WpsJob(grid=grid, crs=crs, method=method, provider_key=layer.providerType(),
                               source=layer.source(), wps_url=wps_url)
        else:
            self._job = InProcessJob(grid=grid, crs=crs, method=method, transform_context=context.transformContext(),
                                     providers=ProviderPool(layer, requests_per_host()),
                                     provider_key=layer.providerType(), source=layer.source(),
                                     max_request_size=max_request_size())
        feedback.pushInfo(tr("Edge map: {width} x {height} pixels of {px} x {py} {units}, extent "
                             "{xmin}, {ymin}, {xmax}, {ymax} in {crs}.").format(
            width=grid.width, height=grid.height, px=number(grid.pixel_size_x), py=number(grid.pixel_size_y),
            units=QgsUnitTypes.toString(crs.mapUnits()), xmin=number(grid.extent.xmin),
            ymin=number(grid.extent.ymin), xmax=number(grid.extent.xmax), ymax=number(grid.extent.ymax),
            crs=crs.authid() or crs.description()))
        return True

    def processAlgorithm(self, parameters, context, feedback):
        """The output is registered here, in the context this run returns its results in.

        When the dialog runs the algorithm as a background task, processAlgorithm gets a context of its
        own whose layers to load replace the dialog's (QgsProcessingContext.takeResultsFrom): a layer
        registered in prepareAlgorithm would be lost. QGIS's own algorithms register here too.
        """
        job, self._job = self._job, None
        output = self.parameterAsOutputLayer(parameters, self.OUTPUT, context)
        try:
            if os.path.splitext(output)[1].lower() not in (".tif", ".tiff"):
                raise QgsProcessingException(tr(
                    "The output is a GeoTIFF: give a file name ending in .tif, not {path}").format(path=output))
            job.output = output
            if self._backend == BACKEND_REMOTE:
                run_via_wps(job, feedback)
            else:
                run_in_process(job, feedback)
        except Exception:
            # Nothing to load after a failure, so QGIS reports no "layers not correctly generated".
            layers = context.layersToLoadOnCompletion()
            layers.pop(output, None)
            context.setLayersToLoadOnCompletion(layers)
            raise
        return {self.OUTPUT: output}

    # ------------------------------------------------------------ the tile grid

    def _grid(self, parameters, context, feedback, layer, crs):
        has_center = _given(parameters.get(self.CENTER))
        has_extent = _given(parameters.get(self.EXTENT))
        if has_center == has_extent:
            raise QgsProcessingException(
                tr("Give a tile centre or a tile extent (exactly one of CENTER and EXTENT).") if not has_center
                else tr("Give either a tile centre or a tile extent, not both."))
        width = self.parameterAsInt(parameters, self.WIDTH, context)
        height = self.parameterAsInt(parameters, self.HEIGHT, context)
        pixel_size = None
        if _given(parameters.get(self.PIXEL_SIZE)):
            pixel_size = self.parameterAsDouble(parameters, self.PIXEL_SIZE, context)
            check_pixel_size(pixel_size)
        try:
            if has_center:
                point = self.parameterAsPoint(parameters, self.CENTER, context, crs)
                if pixel_size:
                    size_x = size_y = pixel_size
                else:
                    (size_x, size_y), origin = default_pixel_size(
                        layer, crs, self.parameterAsPoint(parameters, self.CENTER, context),
                        self.parameterAsPointCrs(parameters, self.CENTER, context), context.transformContext())
                    feedback.pushInfo(tr("Pixel size: {size} ({origin}).").format(size=number(size_x),
                                                                                origin=origin))
                grid = grid_from_center(point.x(), point.y(), width, height, size_x, size_y)
            else:
                rectangle = self.parameterAsExtent(parameters, self.EXTENT, context, crs)
                extent = Extent(rectangle.xMinimum(), rectangle.yMinimum(), rectangle.xMaximum(),
                                rectangle.yMaximum())
                native = None if pixel_size else native_pixel_size(layer, crs)
                if pixel_size:
                    grid = grid_from_extent(extent, pixel_size=pixel_size)
                elif native:
                    grid = grid_from_extent(extent, pixel_size=native[0], pixel_size_y=native[1])
                    feedback.pushInfo(tr("Pixel size: {size} ({origin}).").format(
                        size=number(native[0]), origin=tr("the layer's resolution")))
                else:
                    grid = grid_from_extent(extent, width, height)
        except ValueError as exc:
            raise QgsProcessingException(tr("Invalid tile: {error}").format(error=exc)) from exc
        check_size(grid.width, grid.height, max_pixels(), pixel_size)
        check_within_crs(grid, crs, context.transformContext())
        return grid


def _given(value) -> bool:
    return value is not None and value != ""
