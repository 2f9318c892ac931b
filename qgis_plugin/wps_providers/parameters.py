"""Processing parameters and outputs generated from a WPS 1.0.0 process description.

The mapping (each choice is for what a Processing user expects in the dialog,
the model builder and ``qgis_process``):

- LiteralData: a number (integer or double, bounds spanning the allowed ranges;
  each range, and discrete values listed beside ranges, checked before sending),
  a boolean, a string, or an enumeration when AllowedValues lists only values.
  Enumerations number their options as every QGIS enum does (``qgis_process help``
  lists them), and accept an option's number or its text. A literal that may be
  repeated (maxOccurs > 1) is a multi-line string with one value per line: it types
  the same in the dialog, in a model and on the command line, for strings and numbers
  alike (a matrix parameter would need a column header and is awkward on the command
  line). Repeated enumerations allow multiple choices.
- BoundingBoxData: an extent; the CRS sent is the extent's own when the server
  supports it, else the extent is reprojected to the server's default CRS; corners
  in the axis order the CRS's spelling means (``protocol``).
- ComplexData: a vector layer when a GeoJSON or GML format is supported (sent as
  GeoJSON in EPSG:4326, or as GML of the version the format's schema names when the
  server takes no GeoJSON), a raster layer for GeoTIFF (sent base64 by value), a
  file otherwise (text sent as is, anything else base64). Any of them given an
  http(s) URL is sent by reference.
  Repeated complex inputs are multiple-layer (or multiple-file) parameters.
- Outputs: numbers, booleans and strings for literal outputs; a string for a
  bounding box, written as Processing writes extents (``xmin,xmax,ymin,ymax [crs]``)
  so it chains into an extent parameter; destinations for complex outputs
  (raster for GeoTIFF, vector for GeoJSON/GML, file otherwise).
"""

from __future__ import annotations

import mimetypes
from dataclasses import dataclass

from qgis.core import (
    QgsProcessing,
    QgsProcessingOutputBoolean,
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterFileDestination,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorDestination,
)

from ..translation import tr
from ..wps.protocol import BOUNDING_BOX, COMPLEX, LITERAL, Format, InputDescription, OutputDescription
from ..wps.rules import bounds, extension_for_mime, number

INTEGER_TYPES = {"integer", "int", "long", "short", "byte", "nonnegativeinteger", "positiveinteger",
                 "negativeinteger", "nonpositiveinteger", "unsignedint", "unsignedlong", "unsignedshort"}
FLOAT_TYPES = {"float", "double", "decimal"}
BOOLEAN_TYPES = {"boolean", "bool"}

VECTOR, RASTER, FILE = "vector", "raster", "file"
GEOJSON, GML, GEOTIFF = "geojson", "gml", "geotiff"

def format_kind(item: Format) -> str:
    """``geojson``, ``gml``, ``geotiff`` or ``""`` for one ComplexData format."""
    mime = item.mime_type.lower().replace(" ", "")
    base = mime.split(";")[0]
    schema = item.schema.lower()
    if base in ("application/geo+json", "application/vnd.geo+json") or (
            base == "application/json" and "geojson" in schema + mime):
        return GEOJSON
    if base == "application/gml+xml" or "subtype=gml" in mime or (
            base in ("text/xml", "application/xml") and "gml" in schema):
        return GML
    if base in ("image/tiff", "image/geotiff", "image/tiff-fx", "application/geotiff", "application/x-geotiff"):
        return GEOTIFF
    return ""


def complex_kind(formats) -> str:
    """VECTOR when a GeoJSON or GML format is among ``formats``, RASTER for GeoTIFF, FILE otherwise."""
    kinds = {format_kind(item) for item in formats}
    if kinds & {GEOJSON, GML}:
        return VECTOR
    if GEOTIFF in kinds:
        return RASTER
    return FILE


def preferred_format(formats) -> Format:
    """The format to send or ask for: GeoJSON before GML for vectors, the GeoTIFF for rasters,
    else the server's default (the first)."""
    kind = complex_kind(formats)
    order = {VECTOR: (GEOJSON, GML), RASTER: (GEOTIFF,), FILE: ("",)}[kind]
    for wanted in order:
        for item in formats:
            if format_kind(item) == wanted:
                return item
    return formats[0] if formats else Format("application/octet-stream")


def is_binary(item: Format) -> bool:
    """Whether content of this format travels base64-encoded by value."""
    if item.encoding.lower() == "base64":
        return True
    mime = item.mime_type.lower()
    return not (mime.startswith("text/") or "json" in mime or "xml" in mime)


def extension_for(item: Format) -> str:
    """The file extension (no dot) for a format: ours for layers, the table of common formats,
    then Python's ``mimetypes``, else ``dat``."""
    kind = format_kind(item)
    if kind:
        return {GEOJSON: "geojson", GML: "gml", GEOTIFF: "tif"}[kind]
    guessed = mimetypes.guess_extension(item.mime_type.lower().split(";")[0].strip()) or ""
    return extension_for_mime(item.mime_type) or guessed.lstrip(".") or "dat"


def literal_type(description) -> str:
    """``integer``, ``float``, ``boolean`` or ``string`` for a literal input or output."""
    data_type = description.data_type
    if data_type in INTEGER_TYPES:
        return "integer"
    if data_type in FLOAT_TYPES:
        return "float"
    if data_type in BOOLEAN_TYPES:
        return "boolean"
    return "string"


def is_true(text) -> bool:
    return str(text).strip().lower() in ("true", "1", "yes")


@dataclass
class InputBinding:
    """How one WPS input is a Processing parameter: ``shape`` says how to read the value back."""

    description: InputDescription
    shape: str  # number, boolean, enum, enums, string, lines, extent, vector, raster, file, layers, files


@dataclass
class OutputBinding:
    """How one WPS output is a Processing output or destination parameter (``name``)."""

    description: OutputDescription
    name: str
    shape: str  # number, boolean, string, extent, raster, vector, file
    request_format: Format | None = None


def input_parameter(description: InputDescription):
    """(parameter definition, InputBinding) for one WPS input."""
    name = description.identifier
    label = description.title or name
    optional = description.optional
    if description.kind == LITERAL:
        parameter, shape = _literal_parameter(description, name, label, optional)
    elif description.kind == BOUNDING_BOX:
        crs = description.crss[0] if description.crss else ""
        parameter = QgsProcessingParameterExtent(name, label, optional=optional)
        shape = "extent"
        if crs:
            label = tr("{title} (sent in {crs} unless given in a supported CRS)").format(title=label, crs=crs)
            parameter.setDescription(label)
    elif description.kind == COMPLEX:
        parameter, shape = _complex_parameter(description, name, label, optional)
    else:
        raise ValueError(f"unknown WPS input kind {description.kind!r}")
    parameter.setHelp(description.abstract)
    return parameter, InputBinding(description, shape)


def _literal_parameter(description, name, label, optional):
    kind = literal_type(description)
    default = description.default
    if description.allowed_values and not (description.ranges and kind in ("integer", "float")):
        options = list(description.allowed_values)
        if description.multiple:
            defaults = [options.index(default)] if default in options else None
            return QgsProcessingParameterEnum(name, label, options, allowMultiple=True, defaultValue=defaults,
                                              optional=optional), "enums"
        return QgsProcessingParameterEnum(name, label, options, optional=optional,
                                          defaultValue=options.index(default) if default in options else None), "enum"
    if description.multiple:
        label = tr("{title} (one value per line)").format(title=label)
        return QgsProcessingParameterString(name, label, defaultValue=default, multiLine=True,
                                            optional=optional), "lines"
    if kind == "boolean":
        return QgsProcessingParameterBoolean(name, label, defaultValue=is_true(default) if default else False,
                                             optional=optional), "boolean"
    if kind in ("integer", "float"):
        number_type = (QgsProcessingParameterNumber.Integer if kind == "integer"
                       else QgsProcessingParameterNumber.Double)
        minimum, maximum = bounds(description.ranges)
        parameter = QgsProcessingParameterNumber(name, label, number_type, number(default), optional)
        if minimum is not None:
            parameter.setMinimum(minimum)
        if maximum is not None:
            parameter.setMaximum(maximum)
        return parameter, "number"
    return QgsProcessingParameterString(name, label, defaultValue=default, optional=optional), "string"


def _complex_parameter(description, name, label, optional):
    kind = complex_kind(description.formats)
    if description.multiple:
        layer_type = {VECTOR: QgsProcessing.TypeVectorAnyGeometry, RASTER: QgsProcessing.TypeRaster,
                      FILE: QgsProcessing.TypeFile}[kind]
        shape = {VECTOR: "layers", RASTER: "layers", FILE: "files"}[kind]
        return QgsProcessingParameterMultipleLayers(name, label, layer_type, optional=optional), shape
    if kind == VECTOR:
        return QgsProcessingParameterFeatureSource(name, label, [QgsProcessing.TypeVectorAnyGeometry],
                                                   optional=optional), "vector"
    if kind == RASTER:
        return QgsProcessingParameterRasterLayer(name, label, optional=optional), "raster"
    return QgsProcessingParameterFile(name, label, optional=optional, fileFilter=file_filter(description.formats)), \
        "file"


def file_filter(formats) -> str:
    """A Qt file filter listing the formats' extensions, then all files."""
    by_extension = {}
    for item in formats:
        by_extension.setdefault(extension_for(item), item.mime_type)
    filters = [f"{mime_type} (*.{extension})" for extension, mime_type in by_extension.items()]
    return ";;".join([*filters, tr("All files (*.*)")])


def output_definitions(description: OutputDescription, input_names):
    """(definition, OutputBinding): a QgsProcessingOutput for literal and bbox outputs,
    a destination parameter for complex outputs. A complex output named like an input
    becomes ``<identifier>_output`` (parameter names must be unique)."""
    name = description.identifier
    label = description.title or name
    if description.kind == LITERAL:
        kind = literal_type(description)
        if kind in ("integer", "float"):
            return QgsProcessingOutputNumber(name, label), OutputBinding(description, name, "number")
        if kind == "boolean":
            return QgsProcessingOutputBoolean(name, label), OutputBinding(description, name, "boolean")
        return QgsProcessingOutputString(name, label), OutputBinding(description, name, "string")
    if description.kind == BOUNDING_BOX:
        return QgsProcessingOutputString(name, label), OutputBinding(description, name, "extent")
    if name in input_names:
        name = f"{name}_output"
    request_format = preferred_format(description.formats)
    kind = complex_kind(description.formats)
    if kind == RASTER:
        parameter = QgsProcessingParameterRasterDestination(name, label)
        shape = "raster"
    elif kind == VECTOR:
        parameter = QgsProcessingParameterVectorDestination(name, label)
        shape = "vector"
    else:
        parameter = QgsProcessingParameterFileDestination(name, label, file_filter([request_format]))
        shape = "file"
    parameter.setHelp(description.abstract)
    return parameter, OutputBinding(description, name, shape, request_format)
