"""DescribeProcess parsing (documents fetched from the real zoo server, checked against OWSLib's reading)
and the Processing parameters and outputs generated from them."""

from __future__ import annotations

import urllib.request

import pytest
from owslib.wps import WebProcessingService
from qgis.core import (
    QgsProcessingOutputNumber,
    QgsProcessingOutputString,
    QgsProcessingParameterBoolean,
    QgsProcessingParameterEnum,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsProcessingParameterMultipleLayers,
    QgsProcessingParameterNumber,
    QgsProcessingParameterRasterDestination,
    QgsProcessingParameterRasterLayer,
    QgsProcessingParameterString,
    QgsProcessingParameterVectorDestination,
)
from support.zoo_wps import PROCESS_IDS

from qgis_plugin.wps.protocol import (
    BOUNDING_BOX,
    COMPLEX,
    LITERAL,
    Format,
    parse_capabilities,
    parse_process_descriptions,
)
from qgis_plugin.wps.rules import AllowedRange
from qgis_plugin.wps_providers.algorithm import RemoteWpsAlgorithm, epsg_authid
from qgis_plugin.wps_providers.parameters import GEOJSON, GEOTIFF, GML, VECTOR, complex_kind, format_kind
from qgis_plugin.wps_providers.servers import RemoteServer

SERVER = RemoteServer("wps_params_test", "Params", "http://127.0.0.1:9/wps")


@pytest.fixture(scope="module")
def zoo_documents(zoo_server):
    """(capabilities, descriptions) XML as the zoo serves them, fetched with urllib (not our client)."""
    def get(query):
        with urllib.request.urlopen(f"{zoo_server.url}?service=WPS&version=1.0.0&{query}", timeout=30) as reply:
            return reply.read()

    capabilities = get("request=GetCapabilities")
    return capabilities, get("request=DescribeProcess&identifier=" + ",".join(PROCESS_IDS))


@pytest.fixture(scope="module")
def descriptions(zoo_documents):
    return {item.identifier: item for item in parse_process_descriptions(zoo_documents[1])}


@pytest.fixture(scope="module")
def owslib_processes(zoo_server):
    wps = WebProcessingService(zoo_server.url, version="1.0.0")
    return {identifier: wps.describeprocess(identifier) for identifier in PROCESS_IDS}


def algorithm(description):
    instance = RemoteWpsAlgorithm(SERVER, description)
    instance.initAlgorithm()
    return instance


def test_capabilities(zoo_documents):
    assert [process.identifier for process in parse_capabilities(zoo_documents[0])] == list(PROCESS_IDS)


def test_descriptions_agree_with_owslib(descriptions, owslib_processes):
    """Identifiers, titles, occurrences, data types, allowed values, defaults and formats as OWSLib reads them."""
    for identifier, reference in owslib_processes.items():
        ours = descriptions[identifier]
        assert (ours.title, ours.store_supported, ours.status_supported) == (
            reference.title, str(reference.storeSupported).lower() == "true",
            str(reference.statusSupported).lower() == "true")
        assert [item.identifier for item in ours.input_descriptions] == [i.identifier for i in reference.dataInputs]
        for item, expected in zip(ours.input_descriptions, reference.dataInputs):
            assert (item.title, item.abstract or None, item.min_occurs, item.max_occurs) == (
                expected.title, expected.abstract, expected.minOccurs, expected.maxOccurs), item.identifier
            if item.kind == LITERAL:
                assert item.data_type == expected.dataType, item.identifier
                owslib_values = [value for value in expected.allowedValues if value != "AnyValue"]
                assert list(item.allowed_values) == owslib_values and item.any_value == (
                    "AnyValue" in expected.allowedValues), item.identifier
                if expected.defaultValue is not None:
                    assert item.default == str(expected.defaultValue) or \
                        float(item.default) == float(expected.defaultValue), item.identifier
            elif item.kind == COMPLEX:
                assert [fmt.mime_type for fmt in item.formats] == list(dict.fromkeys(
                    value.mimeType for value in expected.supportedValues)), item.identifier
            else:
                assert item.kind == BOUNDING_BOX and expected.dataType == "BoundingBoxData"
        assert [item.identifier for item in ours.output_descriptions] == [
            output.identifier for output in reference.processOutputs]


def test_ranges_defaults_crss_and_megabytes(descriptions):
    literals = {item.identifier: item for item in descriptions["literals"].input_descriptions}
    assert literals["count"].ranges == (AllowedRange("1", "10", "closed"),) and literals["count"].default == "3"
    assert literals["tags"].max_occurs == 5 and literals["tags"].optional
    assert descriptions["bbox_area"].input_descriptions[0].crss == ("EPSG:4326", "EPSG:3857")
    features = descriptions["buffer_features"].input_descriptions[0]
    assert features.maximum_megabytes == 10.0
    assert features.formats[0] == Format("application/geo+json")
    raster = descriptions["raster_stats"].input_descriptions[0]
    assert raster.formats == (Format("image/tiff; subtype=geotiff", "base64"),)
    assert not descriptions["echo_sync"].asynchronous and descriptions["slow"].asynchronous


def test_literal_parameters(descriptions):
    instance = algorithm(descriptions["literals"])  # owns the definitions: keep it alive
    parameters = {p.name(): p for p in instance.parameterDefinitions()}
    count, ratio = parameters["count"], parameters["ratio"]
    assert isinstance(count, QgsProcessingParameterNumber) and count.dataType() == QgsProcessingParameterNumber.Integer
    assert (count.minimum(), count.maximum(), count.defaultValue(), count.description()) == (1, 10, 3, "Count")
    assert count.help() == "A whole number from 1 to 10."
    assert ratio.dataType() == QgsProcessingParameterNumber.Double
    assert (ratio.minimum(), ratio.maximum(), ratio.defaultValue()) == (0, 1, 0.5)
    assert ratio.flags() & ratio.FlagOptional and not count.flags() & count.FlagOptional
    assert isinstance(parameters["name"], QgsProcessingParameterString)
    assert isinstance(parameters["flag"], QgsProcessingParameterBoolean) and parameters["flag"].defaultValue() is False
    color = parameters["color"]
    # numbered options, as every QGIS enum (qgis_process help lists the numbers); texts are accepted too
    assert isinstance(color, QgsProcessingParameterEnum) and not color.usesStaticStrings()
    assert (color.options(), color.defaultValue(), color.allowMultiple()) == (["red", "green", "blue"], 0, False)
    tags = parameters["tags"]
    assert isinstance(tags, QgsProcessingParameterString) and tags.multiLine()
    assert "one value per line" in tags.description() and tags.flags() & tags.FlagOptional


def test_bbox_complex_and_output_definitions(descriptions):
    bbox = algorithm(descriptions["bbox_area"])
    assert isinstance(bbox.parameterDefinition("extent"), QgsProcessingParameterExtent)
    assert isinstance(bbox.outputDefinition("area"), QgsProcessingOutputNumber)
    assert isinstance(bbox.outputDefinition("crs"), QgsProcessingOutputString)
    buffer = algorithm(descriptions["buffer_features"])
    assert isinstance(buffer.parameterDefinition("features"), QgsProcessingParameterFeatureSource)
    assert isinstance(buffer.parameterDefinition("buffered"), QgsProcessingParameterVectorDestination)
    assert isinstance(buffer.outputDefinition("count"), QgsProcessingOutputNumber)
    raster = algorithm(descriptions["raster_stats"])
    assert isinstance(raster.parameterDefinition("raster"), QgsProcessingParameterRasterLayer)
    assert isinstance(raster.parameterDefinition("doubled"), QgsProcessingParameterRasterDestination)
    words = algorithm(descriptions["word_count"])
    assert isinstance(words.parameterDefinition("document"), QgsProcessingParameterFile)
    echo = algorithm(descriptions["echo_sync"])
    assert isinstance(echo.parameterDefinition("text"), QgsProcessingParameterString)
    assert isinstance(echo.outputDefinition("text"), QgsProcessingOutputString)


def test_help_lists_every_input_and_output(descriptions):
    for description in descriptions.values():
        text = algorithm(description).shortHelpString()
        for item in description.input_descriptions + description.output_descriptions:
            assert f"({item.identifier})" in text
            assert (item.abstract or "").replace("'", "&#x27;") in text
    literals = algorithm(descriptions["literals"]).shortHelpString()
    assert "one of 0: red, 1: green, 2: blue; give the option&#x27;s number or its text" in literals
    assert "allowed: [1, 10]" in literals and "up to 5 values" in literals


HAND_WRITTEN = b"""<?xml version="1.0" encoding="UTF-8"?>
<wps:ProcessDescriptions xmlns:wps="http://www.opengis.net/wps/1.0.0" xmlns:ows="http://www.opengis.net/ows/1.1"
  service="WPS" version="1.0.0">
 <ProcessDescription wps:processVersion="2" storeSupported="true" statusSupported="false">
  <ows:Identifier>gs:Other</ows:Identifier><ows:Title>Other spellings</ows:Title>
  <DataInputs>
   <Input minOccurs="0" maxOccurs="unbounded">
    <ows:Identifier>layers</ows:Identifier><ows:Title>Layers</ows:Title>
    <ComplexData maximumMegabytes="2">
     <Default><Format><MimeType>text/xml</MimeType><Schema>http://schemas.opengis.net/gml/3.1.1/base/feature.xsd</Schema></Format></Default>
     <Supported><Format><MimeType>text/xml</MimeType><Schema>http://schemas.opengis.net/gml/3.1.1/base/feature.xsd</Schema></Format>
      <Format><MimeType>application/json</MimeType><Schema>http://geojson.org/geojson-spec.html</Schema></Format></Supported>
    </ComplexData>
   </Input>
   <Input minOccurs="1" maxOccurs="1">
    <ows:Identifier>length</ows:Identifier><ows:Title>Length</ows:Title>
    <LiteralData><ows:DataType ows:reference="http://www.w3.org/TR/xmlschema-2/#double">Double</ows:DataType>
     <UOMs><Default><ows:UOM>metre</ows:UOM></Default><Supported><ows:UOM>metre</ows:UOM><ows:UOM>foot</ows:UOM></Supported></UOMs>
     <ows:AllowedValues><ows:Range><ows:MinimumValue>0</ows:MinimumValue></ows:Range></ows:AllowedValues>
    </LiteralData>
   </Input>
   <Input minOccurs="1" maxOccurs="1">
    <ows:Identifier>area</ows:Identifier><ows:Title>Area</ows:Title>
    <BoundingBoxData><Default><CRS>urn:ogc:def:crs:EPSG::2154</CRS></Default>
     <Supported><CRS>urn:ogc:def:crs:EPSG::2154</CRS><CRS>http://www.opengis.net/def/crs/EPSG/0/4326</CRS></Supported>
    </BoundingBoxData>
   </Input>
  </DataInputs>
  <ProcessOutputs>
   <Output><ows:Identifier>box</ows:Identifier><ows:Title>Box</ows:Title>
    <BoundingBoxOutput><Default><CRS>EPSG:4326</CRS></Default><Supported><CRS>EPSG:4326</CRS></Supported></BoundingBoxOutput>
   </Output>
   <Output><ows:Identifier>report</ows:Identifier><ows:Title>Report</ows:Title>
    <ComplexOutput><Default><Format><MimeType>application/pdf</MimeType></Format></Default>
     <Supported><Format><MimeType>application/pdf</MimeType></Format></Supported></ComplexOutput>
   </Output>
  </ProcessOutputs>
 </ProcessDescription>
</wps:ProcessDescriptions>"""


def test_other_servers_spellings():
    """What GeoServer-like servers write (unbounded, UOMs, DataType references, urn CRSs, GML by schema)
    supplements the zoo's documents, which PyWPS writes one way only."""
    (description,) = parse_process_descriptions(HAND_WRITTEN)
    layers, length, area = description.input_descriptions
    assert layers.max_occurs is None and layers.optional and layers.maximum_megabytes == 2.0
    assert [format_kind(item) for item in layers.formats] == [GML, GEOJSON] and complex_kind(layers.formats) == VECTOR
    assert length.data_type == "double" and length.uoms == ("metre", "foot")
    assert length.ranges == (AllowedRange("0", ""),)
    assert [epsg_authid(crs) for crs in area.crss] == ["EPSG:2154", "EPSG:4326"]
    assert format_kind(Format("image/tiff; subtype=geotiff")) == GEOTIFF
    instance = algorithm(description)
    assert instance.name() == "gs_Other"
    assert isinstance(instance.parameterDefinition("layers"), QgsProcessingParameterMultipleLayers)
    assert instance.parameterDefinition("length").minimum() == 0
    assert isinstance(instance.outputDefinition("box"), QgsProcessingOutputString)
    assert "application/pdf" in instance.parameterDefinition("report").fileFilter()
