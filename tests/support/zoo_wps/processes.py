"""The zoo's processes: one of every WPS 1.0.0 input and output kind the plugin must turn into Processing.

Plain PyWPS 4.8 processes, written for the plugin's tests and independent of
``wps_server``. ``buffer_features`` needs no geometry library (shapely is not
in the venvs): the buffer of a geometry is its bounding box grown by the
distance on every side, a square around a point.
"""

from __future__ import annotations

import json
import os
import tempfile
import time

from lxml import etree
from pywps import (
    FORMATS,
    BoundingBoxInput,
    ComplexInput,
    ComplexOutput,
    Format,
    LiteralInput,
    LiteralOutput,
    Process,
)
from pywps.app.exceptions import ProcessError
from pywps.inout.literaltypes import AllowedValue
from pywps.inout.storage.file import FileStorage
from pywps.validator.allowed_value import ALLOWEDVALUETYPE

GEOJSON = Format("application/geo+json", extension=".geojson")
GML = Format("application/gml+xml", extension=".gml")
GEOTIFF = Format("image/tiff; subtype=geotiff", extension=".tif", encoding="base64")
TEXT = FORMATS.TEXT


class AtomicStatusStorage(FileStorage):
    """Status documents replaced by a rename: PyWPS rewrites them in place, and a client
    polling at that moment would read a half-written file (a flaky test, not a behaviour)."""

    def write(self, data, destination, data_format=None):
        os.makedirs(self.target, exist_ok=True)
        handle, temporary = tempfile.mkstemp(dir=self.target, prefix=".status-")
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(data)
        os.replace(temporary, os.path.join(self.target, destination))
        return self.url(destination)


class ZooProcess(Process):
    """A PyWPS Process whose status documents are written atomically."""

    def _setup_status_storage(self):
        from pywps import configuration

        self._status_store = AtomicStatusStorage(configuration.get_config_value("server", "outputpath"),
                                                 configuration.get_config_value("server", "outputurl"))


def _range(low, high):
    return [AllowedValue(allowed_type=ALLOWEDVALUETYPE.RANGE, minval=low, maxval=high)]


class Literals(ZooProcess):
    def __init__(self):
        super().__init__(
            self._handler, identifier="literals", title="Literal inputs",
            abstract="Echoes every literal input kind: ranges, enumerations, optional and repeated values.",
            version="1.0", store_supported=True, status_supported=True,
            inputs=[
                LiteralInput("count", "Count", data_type="integer", allowed_values=_range(1, 10), default=3,
                             abstract="A whole number from 1 to 10."),
                LiteralInput("ratio", "Ratio", data_type="float", allowed_values=_range(0, 1), min_occurs=0,
                             default=0.5, abstract="A number from 0 to 1."),
                LiteralInput("name", "Name", data_type="string", abstract="Any text."),
                LiteralInput("flag", "Flag", data_type="boolean", min_occurs=0, default=False),
                LiteralInput("color", "Color", data_type="string", allowed_values=["red", "green", "blue"],
                             default="red"),
                LiteralInput("tags", "Tags", data_type="string", min_occurs=0, max_occurs=5,
                             abstract="Up to five words."),
            ],
            outputs=[
                LiteralOutput("summary", "Summary", data_type="string", abstract="The inputs received, as JSON."),
                LiteralOutput("total", "Total", data_type="float", abstract="count × ratio"),
            ])

    @staticmethod
    def _handler(request, response):
        def values(name):
            return [item.data for item in request.inputs.get(name, [])]

        received = {"count": values("count")[0], "ratio": values("ratio")[0], "name": values("name")[0],
                    "flag": values("flag")[0], "color": values("color")[0], "tags": values("tags")}
        response.outputs["summary"].data = json.dumps(received, sort_keys=True)
        response.outputs["total"].data = received["count"] * received["ratio"]
        return response


class BboxArea(ZooProcess):
    def __init__(self):
        super().__init__(
            self._handler, identifier="bbox_area", title="Bounding box area",
            abstract="The area of a bounding box, in the square units of its CRS.",
            version="1.0", store_supported=True, status_supported=True,
            inputs=[BoundingBoxInput("extent", "Extent", crss=["EPSG:4326", "EPSG:3857"])],
            outputs=[LiteralOutput("area", "Area", data_type="float"),
                     LiteralOutput("crs", "CRS", data_type="string", abstract="The CRS received.")])

    @staticmethod
    def _handler(request, response):
        extent = request.inputs["extent"][0]
        xmin, ymin, xmax, ymax = (float(value) for value in extent.data)
        response.outputs["area"].data = abs((xmax - xmin) * (ymax - ymin))
        response.outputs["crs"].data = extent.crs or ""
        return response


class BufferFeatures(ZooProcess):
    def __init__(self):
        super().__init__(
            self._handler, identifier="buffer_features", title="Buffer features",
            abstract="Each feature's bounding box grown by the distance on every side (a square around a "
                     "point), as GeoJSON polygons with the features' properties.",
            version="1.0", store_supported=True, status_supported=True,
            inputs=[ComplexInput("features", "Features", supported_formats=[GEOJSON, GML]),
                    LiteralInput("distance", "Distance", data_type="float",
                                 abstract="In the units of the features' CRS.")],
            outputs=[ComplexOutput("buffered", "Buffered features", supported_formats=[GEOJSON],
                                   as_reference=True),
                     LiteralOutput("count", "Feature count", data_type="integer")])

    @staticmethod
    def _handler(request, response):
        source = request.inputs["features"][0]
        distance = float(request.inputs["distance"][0].data)
        text = source.data if isinstance(source.data, str) else source.data.decode("utf-8")
        try:
            if source.data_format.mime_type == GML.mime_type:
                features, crs = _gml_features(text), None
            else:
                features, crs = _geojson_features(text)
        except (ValueError, etree.XMLSyntaxError) as exc:
            raise ProcessError(f"features: not readable as {source.data_format.mime_type}") from exc
        polygons = [{"type": "Feature", "properties": properties,
                     "geometry": _square(coordinates, distance)} for properties, coordinates in features]
        collection = {"type": "FeatureCollection", "features": polygons}
        if crs is not None:
            collection["crs"] = crs
        path = os.path.join(response.process.workdir, "buffered.geojson")
        with open(path, "w", encoding="utf-8") as stream:
            json.dump(collection, stream)
        response.outputs["buffered"].file = path
        response.outputs["count"].data = len(polygons)
        return response


def _geojson_features(text):
    """[(properties, coordinates)] of a GeoJSON FeatureCollection, Feature or geometry, and its crs member."""
    document = json.loads(text)
    if document.get("type") == "FeatureCollection":
        items = document.get("features", [])
    elif document.get("type") == "Feature":
        items = [document]
    else:
        items = [{"type": "Feature", "properties": {}, "geometry": document}]
    features = []
    for item in items:
        coordinates = list(_flatten((item.get("geometry") or {}).get("coordinates", [])))
        if not coordinates:
            raise ValueError("a feature has no coordinates")
        features.append((item.get("properties") or {}, coordinates))
    return features, document.get("crs")


def _flatten(coordinates):
    if coordinates and isinstance(coordinates[0], (int, float)):
        yield float(coordinates[0]), float(coordinates[1])
        return
    for part in coordinates:
        yield from _flatten(part)


def _gml_features(text):
    """[(properties, coordinates)] of a GML feature collection (GML 2 or 3, OGR's or a WFS's)."""
    root = etree.fromstring(text.encode("utf-8"), etree.XMLParser(resolve_entities=False, no_network=True))
    members = [child for element in root.iter() if etree.QName(element).localname in ("featureMember", "member")
               for child in element]
    members += [child for element in root.iter() if etree.QName(element).localname == "featureMembers"
                for child in element]
    features = []
    for member in members or [root]:
        coordinates = list(_gml_coordinates(member))
        if not coordinates:
            raise ValueError("a feature has no coordinates")
        properties = {etree.QName(child).localname: child.text.strip() for child in member
                      if len(child) == 0 and child.text and child.text.strip()}
        features.append((properties, coordinates))
    return features


def _gml_coordinates(element):
    for node in element.iter():
        name = etree.QName(node).localname if isinstance(node.tag, str) else ""
        if name in ("pos", "posList"):
            numbers = [float(value) for value in node.text.split()]
            dimension = int(node.get("srsDimension", "2"))
            yield from ((numbers[i], numbers[i + 1]) for i in range(0, len(numbers) - 1, dimension))
        elif name == "coordinates":
            for pair in node.text.split():
                x, y = pair.split(",")[:2]
                yield float(x), float(y)


def _square(coordinates, distance):
    xs, ys = [x for x, _ in coordinates], [y for _, y in coordinates]
    xmin, ymin, xmax, ymax = min(xs) - distance, min(ys) - distance, max(xs) + distance, max(ys) + distance
    return {"type": "Polygon", "coordinates": [[[xmin, ymin], [xmax, ymin], [xmax, ymax], [xmin, ymax],
                                                 [xmin, ymin]]]}


class RasterStats(ZooProcess):
    def __init__(self):
        super().__init__(
            self._handler, identifier="raster_stats", title="Raster statistics",
            abstract="Minimum, maximum and mean of the first band, and the raster with its values doubled.",
            version="1.0", store_supported=True, status_supported=True,
            inputs=[ComplexInput("raster", "Raster", supported_formats=[GEOTIFF])],
            outputs=[LiteralOutput("stats", "Statistics", data_type="string",
                                   abstract="JSON: min, max, mean of band 1 (nodata excluded)."),
                     ComplexOutput("doubled", "Doubled raster", supported_formats=[GEOTIFF], as_reference=True)])

    @staticmethod
    def _handler(request, response):
        import numpy as np
        import rasterio

        source = request.inputs["raster"][0].file
        try:
            with rasterio.open(source) as dataset:
                values = dataset.read(masked=True).astype("float64")
                profile = dataset.profile
        except rasterio.errors.RasterioIOError as exc:
            raise ProcessError("raster: not a readable GeoTIFF") from exc
        band = values[0]
        response.outputs["stats"].data = json.dumps(
            {"min": float(band.min()), "max": float(band.max()), "mean": float(band.mean())})
        profile.update(driver="GTiff", dtype="float64")
        target = os.path.join(response.process.workdir, "doubled.tif")
        with rasterio.open(target, "w", **profile) as doubled:
            doubled.write(np.ma.filled(values * 2, profile.get("nodata") or 0))
        response.outputs["doubled"].file = target
        return response


class WordCount(ZooProcess):
    def __init__(self):
        super().__init__(
            self._handler, identifier="word_count", title="Word count",
            abstract="The number of whitespace-separated words of a text document.",
            version="1.0", store_supported=True, status_supported=True,
            inputs=[ComplexInput("document", "Document", supported_formats=[TEXT])],
            outputs=[LiteralOutput("words", "Words", data_type="integer")])

    @staticmethod
    def _handler(request, response):
        data = request.inputs["document"][0].data
        text = data if isinstance(data, str) else data.decode("utf-8", errors="replace")
        response.outputs["words"].data = len(text.split())
        return response


class Fail(ZooProcess):
    def __init__(self):
        super().__init__(
            self._handler, identifier="fail", title="Always fails",
            abstract="Raises a ProcessError with the reason given.", version="1.0",
            store_supported=True, status_supported=True,
            inputs=[LiteralInput("reason", "Reason", data_type="string", min_occurs=0,
                                 default="deliberate failure")],
            outputs=[LiteralOutput("never", "Never set", data_type="string")])

    @staticmethod
    def _handler(request, response):
        raise ProcessError(request.inputs["reason"][0].data)


class Slow(ZooProcess):
    def __init__(self):
        super().__init__(
            self._handler, identifier="slow", title="Slow process",
            abstract="Waits, reporting its progress every 0.2 s.", version="1.0",
            store_supported=True, status_supported=True,
            inputs=[LiteralInput("seconds", "Seconds", data_type="float", min_occurs=0, default=3.0,
                                 allowed_values=_range(0, 60))],
            outputs=[LiteralOutput("waited", "Seconds waited", data_type="float")])

    @staticmethod
    def _handler(request, response):
        seconds = float(request.inputs["seconds"][0].data)
        start = time.monotonic()
        while (elapsed := time.monotonic() - start) < seconds:
            response.update_status(f"waited {elapsed:.1f} of {seconds:g} s", int(100 * elapsed / seconds))
            time.sleep(min(0.2, max(0.0, seconds - elapsed)))
        response.outputs["waited"].data = time.monotonic() - start
        return response


class EchoSync(ZooProcess):
    def __init__(self):
        super().__init__(
            self._handler, identifier="echo_sync", title="Echo (synchronous only)",
            abstract="Returns its text; supports neither stored responses nor status.", version="1.0",
            store_supported=False, status_supported=False,
            inputs=[LiteralInput("text", "Text", data_type="string")],
            outputs=[LiteralOutput("text", "Text", data_type="string")])

    @staticmethod
    def _handler(request, response):
        response.outputs["text"].data = request.inputs["text"][0].data
        return response


def all_processes() -> list:
    return [Literals(), BboxArea(), BufferFeatures(), RasterStats(), WordCount(), Fail(), Slow(), EchoSync()]


PROCESS_IDS = ("literals", "bbox_area", "buffer_features", "raster_stats", "word_count", "fail", "slow",
               "echo_sync")
