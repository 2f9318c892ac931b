"""The processes: plain PyWPS 4.8, each expectation taken from PyWPS's or OWSLib's own code.

Bounding boxes. PyWPS reads a POSTed ``wps:BoundingBoxData`` with OWSLib's
``owslib.ows.BoundingBox`` (pywps/app/WPSRequest.py, ``get_inputs_from_xml``): the corners
are taken y first when ``owslib.crs.Crs(crs).axisorder == "yx"`` (a table of EPSG codes whose
authority order is y first, whatever the spelling), and the input's ``data`` is then
``[minx, miny, maxx, maxy]``, x first, with ``crs`` turned into ``Crs.getcodeurn()``
(``urn:ogc:def:crs:EPSG::4326``). On the way out PyWPS writes ``data`` as it is
(templates/1.0.0/execute/main.xml: ``LowerCorner`` is ``output.ll``, the first two
numbers): a process must itself put them in its output CRS's axis order, which these
processes do with the same OWSLib table, so that what they write reads back as it was read.

``SPELLINGS``: each bbox process exists once per CRS spelling, its BoundingBoxData
advertising EPSG:4326, EPSG:3035 (projected, northing first) and CRS84 in that spelling.
"""

from __future__ import annotations

from lxml import etree
from owslib.crs import Crs
from pywps import (
    FORMATS,
    BoundingBoxInput,
    BoundingBoxOutput,
    ComplexInput,
    ComplexOutput,
    Format,
    LiteralInput,
    LiteralOutput,
    Process,
)
from pywps.app.exceptions import ProcessError
from pywps.inout.literaltypes import AllowedValue
from pywps.inout.outputs import MetaFile, MetaLink
from pywps.validator.allowed_value import ALLOWEDVALUETYPE
from pywps.validator.mode import MODE

SPELLINGS = {
    "code": ["EPSG:4326", "EPSG:3035", "CRS:84"],
    "urn": ["urn:ogc:def:crs:EPSG::4326", "urn:ogc:def:crs:EPSG::3035", "urn:ogc:def:crs:OGC:1.3:CRS84"],
    "uri": ["http://www.opengis.net/def/crs/EPSG/0/4326", "http://www.opengis.net/def/crs/EPSG/0/3035",
            "http://www.opengis.net/def/crs/OGC/1.3/CRS84"],
}
#: GML 2.1.2's schema, as GML 2 services advertise it (OGC 02-069).
GML2_SCHEMA = "http://schemas.opengis.net/gml/2.1.2/feature.xsd"
GML_NS = "http://www.opengis.net/gml"


def in_axis_order(data, crs):
    """``data`` (x first) as the corners are written in ``crs``: y first where OWSLib reads y first."""
    if Crs(crs).axisorder == "yx":
        return [data[1], data[0], data[3], data[2]]
    return list(data)


class BboxEcho(Process):
    def __init__(self, spelling):
        crss = SPELLINGS[spelling]
        super().__init__(
            self._handler, identifier=f"bbox_echo_{spelling}", title=f"Bounding box echo ({spelling})",
            abstract="Returns its bounding box in the CRS it was given in.", version="1.0",
            inputs=[BoundingBoxInput("bbox", "Box", crss=crss)],
            outputs=[BoundingBoxOutput("bbox", "Same box", crss=crss)])

    @staticmethod
    def _handler(request, response):
        box = request.inputs["bbox"][0]
        output = response.outputs["bbox"]
        output.crs = box.crs
        output.data = in_axis_order(box.data, box.crs)
        return response


class BboxCentre(Process):
    def __init__(self, spelling):
        super().__init__(
            self._handler, identifier=f"bbox_centre_{spelling}", title=f"Bounding box centre ({spelling})",
            abstract="The centre of the box in its own CRS: x (easting, longitude) and y (northing, latitude).",
            version="1.0", inputs=[BoundingBoxInput("bbox", "Box", crss=SPELLINGS[spelling])],
            outputs=[LiteralOutput("x", "Centre x", data_type="float"),
                     LiteralOutput("y", "Centre y", data_type="float"),
                     LiteralOutput("crs", "CRS read", data_type="string")])

    @staticmethod
    def _handler(request, response):
        minx, miny, maxx, maxy = request.inputs["bbox"][0].data
        response.outputs["x"].data = (minx + maxx) / 2
        response.outputs["y"].data = (miny + maxy) / 2
        response.outputs["crs"].data = request.inputs["bbox"][0].crs
        return response


class Gml2Points(Process):
    """Reads GML 2 only: ``gml:coordinates`` ("x,y x,y", OGC 02-069 §5.1.5), as GML 2 readers do."""

    def __init__(self):
        super().__init__(
            self._handler, identifier="gml2_points", title="Points of a GML 2 document",
            abstract="Counts the points of a GML 2 feature collection and averages their coordinates.",
            version="1.0",
            inputs=[ComplexInput("features", "Features", supported_formats=[
                Format("text/xml", schema=GML2_SCHEMA, extension=".gml")])],
            outputs=[LiteralOutput("count", "Points", data_type="integer"),
                     LiteralOutput("mean_x", "Mean x", data_type="float"),
                     LiteralOutput("mean_y", "Mean y", data_type="float")])

    @staticmethod
    def _handler(request, response):
        root = etree.fromstring(request.inputs["features"][0].data.encode("utf-8"))
        points = []
        for element in root.iter(f"{{{GML_NS}}}Point"):
            text = element.find(f"{{{GML_NS}}}coordinates").text  # GML 3's gml:pos fails here, as on real servers
            x, y = text.strip().split()[0].split(",")[:2]
            points.append((float(x), float(y)))
        if not points:
            raise ProcessError("no gml:Point in the document")
        response.outputs["count"].data = len(points)
        response.outputs["mean_x"].data = sum(x for x, _ in points) / len(points)
        response.outputs["mean_y"].data = sum(y for _, y in points) / len(points)
        return response


class WordsByReference(Process):
    """A text the process fetches itself: PyWPS gives a ``wps:Reference`` input a URL handler
    (pywps/inout/basic.py ``UrlHandler``, ``prop == "url"``); by value is refused."""

    def __init__(self):
        super().__init__(
            self._handler, identifier="words_by_reference", title="Words of a remote text",
            abstract="Counts the words of a text given by reference (http URL) only.", version="1.0",
            inputs=[ComplexInput("document", "Document", supported_formats=[FORMATS.TEXT])],
            outputs=[LiteralOutput("words", "Words", data_type="integer"),
                     LiteralOutput("url", "URL read", data_type="string")])

    @staticmethod
    def _handler(request, response):
        document = request.inputs["document"][0]
        if document.prop != "url":
            raise ProcessError("give the document by reference (an http URL)")
        response.outputs["words"].data = len(document.data.split())
        response.outputs["url"].data = document.url
        return response


class Calculate(Process):
    """Enumerations of strings and of integers (AllowedValues with ows:Value only)."""

    def __init__(self):
        super().__init__(
            self._handler, identifier="calculate", title="Calculate",
            abstract="a operator b, times a factor.", version="1.0",
            inputs=[LiteralInput("a", "a", data_type="float"), LiteralInput("b", "b", data_type="float"),
                    LiteralInput("operator", "Operator", data_type="string", mode=MODE.SIMPLE,
                                 allowed_values=["add", "subtract", "multiply", "divide"]),
                    LiteralInput("factor", "Factor", data_type="integer", mode=MODE.SIMPLE,
                                 allowed_values=[1, 2, 4], default=1, min_occurs=0)],
            outputs=[LiteralOutput("result", "Result", data_type="float"),
                     LiteralOutput("factor", "Factor used", data_type="integer")])

    @staticmethod
    def _handler(request, response):
        a, b = request.inputs["a"][0].data, request.inputs["b"][0].data
        operator = request.inputs["operator"][0].data
        factor = request.inputs["factor"][0].data if "factor" in request.inputs else 1
        value = {"add": a + b, "subtract": a - b, "multiply": a * b, "divide": a / b if b else float("nan")}[operator]
        response.outputs["result"].data = value * factor
        response.outputs["factor"].data = factor
        return response


class Level(Process):
    """Two ranges and a discrete value; PyWPS accepts a value when any of them does
    (pywps/validator/literalvalidator.py ``validate_allowed_values``)."""

    def __init__(self):
        super().__init__(
            self._handler, identifier="level", title="Level",
            abstract="Echoes a level from 1 to 10, from 100 to 200, or 42.", version="1.0",
            inputs=[LiteralInput("level", "Level", data_type="integer", mode=MODE.SIMPLE, allowed_values=[
                AllowedValue(allowed_type=ALLOWEDVALUETYPE.RANGE, minval=1, maxval=10),
                AllowedValue(allowed_type=ALLOWEDVALUETYPE.RANGE, minval=100, maxval=200),
                AllowedValue(allowed_type=ALLOWEDVALUETYPE.VALUE, value=42)])],
            outputs=[LiteralOutput("level", "Level", data_type="integer")])

    @staticmethod
    def _handler(request, response):
        response.outputs["level"].data = request.inputs["level"][0].data
        return response


class Metalink(Process):
    """A metalink 3.0 output (PyWPS's ``MetaLink``/``MetaFile``, FORMATS.METALINK)."""

    def __init__(self):
        super().__init__(
            self._handler, identifier="metalink", title="Metalink",
            abstract="Writes `count` text files and returns their metalink.", version="1.0",
            inputs=[LiteralInput("count", "Files", data_type="integer", default=2, min_occurs=0)],
            outputs=[ComplexOutput("files", "Files", supported_formats=[FORMATS.METALINK])])

    def _handler(self, request, response):
        count = request.inputs["count"][0].data if "count" in request.inputs else 2
        metalink = MetaLink(identity="files", description="Numbered text files", workdir=self.workdir)
        for number in range(count):
            item = MetaFile(identity=f"file_{number}", description=f"File {number}", fmt=FORMATS.TEXT)
            item.data = f"file number {number}\n"
            metalink.append(item)
        response.outputs["files"].data = metalink.xml
        return response


def all_processes() -> list:
    processes = [factory(spelling) for spelling in SPELLINGS for factory in (BboxEcho, BboxCentre)]
    return processes + [Gml2Points(), WordsByReference(), Calculate(), Level(), Metalink()]


PROCESS_IDS = tuple(process.identifier for process in all_processes())
