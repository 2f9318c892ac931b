"""Issue 16 against the third test service (tests/support/ogc_wps): each process run as a Processing
algorithm and in a saved model, and compared with OWSLib executing the same request directly.

Expected values are computed here (a box's centre, a word count, a metalink's files) or come
from OWSLib; OWSLib's requests put bounding-box corners in the order OWSLib itself reads them
(``owslib.crs.Crs(crs).axisorder``; ``owslib.wps.BoundingBoxDataInput`` writes them as given).
"""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import processing
import pytest
from owslib.crs import Crs
from owslib.wps import BoundingBoxDataInput, ComplexDataInput, WebProcessingService
from qgis.core import (
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildAlgorithm,
    QgsProcessingModelChildParameterSource,
    QgsProcessingModelOutput,
    QgsProcessingModelParameter,
    QgsProcessingParameterExtent,
    QgsProcessingParameterFeatureSource,
    QgsProcessingParameterFile,
    QgsVectorLayer,
)
from support.ogc_wps import SPELLINGS

from ..conftest import run_expecting_error
from .test_execution import run

#: (index in SPELLINGS, QGIS authid, box x first: xmin, ymin, xmax, ymax)
BOXES = [(0, "EPSG:4326", (5.0, 45.0, 10.0, 48.0)),
         (1, "EPSG:3035", (4000000.0, 2500000.0, 4100000.0, 2620000.0)),
         (2, "OGC:CRS84", (5.0, 45.0, 10.0, 48.0))]
WORDS = "the quick brown fox jumps over the lazy dog\n"
METALINK = "{http://www.metalinker.org/}"


@pytest.fixture(scope="module")
def wps(ogc_server):
    return WebProcessingService(ogc_server.url, version="1.0.0")


def owslib_box(box, crs):
    """An OWSLib bbox input meaning ``box`` (x first) in ``crs``."""
    xmin, ymin, xmax, ymax = box
    corners = [ymin, xmin, ymax, xmax] if Crs(crs).axisorder == "yx" else [xmin, ymin, xmax, ymax]
    return BoundingBoxDataInput(corners, crs=crs)


def owslib_literals(wps, identifier, inputs):
    execution = wps.execute(identifier, inputs)
    assert execution.isSucceded(), [(error.code, error.text) for error in execution.errors]
    return {output.identifier: output.data[0] for output in execution.processOutputs}


def extent(box, authid):
    xmin, ymin, xmax, ymax = box
    return f"{xmin!r},{xmax!r},{ymin!r},{ymax!r} [{authid}]"


def points_layer(tmp_path, points):
    path = tmp_path / "points.geojson"
    features = ",".join(f'{{"type":"Feature","properties":{{}},"geometry":{{"type":"Point","coordinates":[{x},{y}]}}}}'
                        for x, y in points)
    path.write_text(f'{{"type":"FeatureCollection","features":[{features}]}}', encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
@pytest.mark.parametrize("index, authid, box", BOXES)
def test_bbox_centre_in_every_spelling(ogc_provider_id, wps, spelling, index, authid, box):
    results = run(f"{ogc_provider_id}:bbox_centre_{spelling}", {"bbox": extent(box, authid)})
    centre = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    assert (results["x"], results["y"]) == pytest.approx(centre)
    direct = owslib_literals(wps, f"bbox_centre_{spelling}", [("bbox", owslib_box(box, SPELLINGS[spelling][index]))])
    assert (float(direct["x"]), float(direct["y"])) == pytest.approx(centre)


@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
@pytest.mark.parametrize("index, authid, box", BOXES)
def test_bbox_echo_in_every_spelling(ogc_provider_id, wps, spelling, index, authid, box):
    results = run(f"{ogc_provider_id}:bbox_echo_{spelling}", {"bbox": extent(box, authid)})
    assert results["bbox"] == extent(box, authid)
    execution = wps.execute(f"bbox_echo_{spelling}", [("bbox", owslib_box(box, SPELLINGS[spelling][index]))])
    echoed = execution.processOutputs[0].data[0]
    assert tuple(float(number) for number in (echoed.minx, echoed.miny, echoed.maxx, echoed.maxy)) == box


def test_the_reported_echo_comes_back_unswapped(ogc_provider_id):
    """Issue 16's example: ``5,10,45,48 [EPSG:4326]`` came back as ``45,48,5,10``."""
    assert run(f"{ogc_provider_id}:bbox_echo_urn", {"bbox": "5,10,45,48 [EPSG:4326]"})["bbox"] == \
        "5.0,10.0,45.0,48.0 [EPSG:4326]"


def test_a_saved_model_chains_a_bbox_output_into_an_extent_parameter(ogc_provider_id, wps, tmp_path):
    """box -> <ogc>:bbox_echo_urn -> native:extenttolayer: the polygon is the box, in its CRS."""
    model = QgsProcessingModelAlgorithm("bbox chain", "wmsedge tests")
    model.addModelParameter(QgsProcessingParameterExtent("box", "Box"), QgsProcessingModelParameter("box"))
    echo = QgsProcessingModelChildAlgorithm(f"{ogc_provider_id}:bbox_echo_urn")
    echo.setChildId("echo")
    echo.addParameterSources("bbox", [QgsProcessingModelChildParameterSource.fromModelParameter("box")])
    model.addChildAlgorithm(echo)
    layer = QgsProcessingModelChildAlgorithm("native:extenttolayer")
    layer.setChildId("layer")
    layer.addParameterSources("INPUT", [QgsProcessingModelChildParameterSource.fromChildOutput("echo", "bbox")])
    output = QgsProcessingModelOutput("polygon", "polygon")
    output.setChildId("layer")
    output.setChildOutputName("OUTPUT")
    layer.setModelOutputs({"polygon": output})
    model.addChildAlgorithm(layer)
    assert model.toFile(str(tmp_path / "chain.model3"))
    loaded = QgsProcessingModelAlgorithm()
    assert loaded.fromFile(str(tmp_path / "chain.model3"))

    index, authid, box = BOXES[1]
    target = tmp_path / "polygon.gpkg"
    (destination,) = loaded.destinationParameterDefinitions()  # named as tests/plugin/test_model.py explains
    processing.run(loaded, {"box": extent(box, authid), destination.name(): str(target)})
    polygon = QgsVectorLayer(str(target), "polygon", "ogr")
    assert polygon.isValid() and polygon.crs().authid() == authid
    rectangle = next(polygon.getFeatures()).geometry().boundingBox()
    ours = (rectangle.xMinimum(), rectangle.yMinimum(), rectangle.xMaximum(), rectangle.yMaximum())
    echoed = wps.execute("bbox_echo_urn", [("bbox", owslib_box(box, SPELLINGS["urn"][index]))]).processOutputs[0]
    direct = echoed.data[0]
    assert ours == pytest.approx(box) == tuple(float(n) for n in (direct.minx, direct.miny, direct.maxx, direct.maxy))


def test_gml2_only_process_gets_gml2(ogc_provider_id, wps, tmp_path):
    points = [(1.5, 2.0), (3.5, 6.0), (10.0, -4.0)]
    results = run(f"{ogc_provider_id}:gml2_points", {"features": points_layer(tmp_path, points)})
    mean = (sum(x for x, _ in points) / 3, sum(y for _, y in points) / 3)
    assert results["count"] == 3 and (results["mean_x"], results["mean_y"]) == pytest.approx(mean)
    gml2 = ('<ogr:FeatureCollection xmlns:ogr="http://ogr.maptools.org/" xmlns:gml="http://www.opengis.net/gml">'
            + "".join(f'<gml:featureMember><ogr:p><ogr:geometryProperty><gml:Point srsName="EPSG:4326">'
                      f'<gml:coordinates>{x},{y}</gml:coordinates></gml:Point></ogr:geometryProperty></ogr:p>'
                      f'</gml:featureMember>' for x, y in points) + "</ogr:FeatureCollection>")
    direct = owslib_literals(wps, "gml2_points", [("features", ComplexDataInput(gml2, mimeType="text/xml"))])
    assert int(direct["count"]) == 3
    assert (float(direct["mean_x"]), float(direct["mean_y"])) == pytest.approx(mean)


def test_layer_given_as_url_goes_by_reference(ogc_provider_id, wps, text_server, tmp_path):
    """A vector parameter given an http URL: the server fetches the GML 2 document itself."""
    gml2 = ('<ogr:FeatureCollection xmlns:ogr="http://ogr.maptools.org/" xmlns:gml="http://www.opengis.net/gml">'
            '<gml:featureMember><ogr:p><ogr:geometryProperty><gml:Point><gml:coordinates>4,8</gml:coordinates>'
            '</gml:Point></ogr:geometryProperty></ogr:p></gml:featureMember></ogr:FeatureCollection>')
    (tmp_path / "points.gml").write_text(gml2, encoding="utf-8")
    url = text_server("points.gml")
    for given in (url, f"/vsicurl/{url}"):  # bare, or as QGIS names a remote file it opens
        results = run(f"{ogc_provider_id}:gml2_points", {"features": given})
        assert results == {"count": 1, "mean_x": 4.0, "mean_y": 8.0}
    direct = owslib_literals(wps, "gml2_points", [("features", ComplexDataInput(url, mimeType="text/xml"))])
    assert (int(direct["count"]), float(direct["mean_x"]), float(direct["mean_y"])) == (1, 4.0, 8.0)


def test_text_input_by_reference(ogc_provider_id, wps, text_server, tmp_path):
    (tmp_path / "words.txt").write_text(WORDS, encoding="utf-8")
    url = text_server("words.txt")
    results = run(f"{ogc_provider_id}:words_by_reference", {"document": url})
    assert results == {"words": len(WORDS.split()), "url": url}
    assert owslib_literals(wps, "words_by_reference", [("document", ComplexDataInput(url, mimeType="text/plain"))]) \
        == {"words": str(len(WORDS.split())), "url": url}
    # by value the process refuses it: the plugin really sent a reference above
    error = run_expecting_error(f"{ogc_provider_id}:words_by_reference", {"document": str(tmp_path / "words.txt")})
    assert "give the document by reference" in error


def test_a_url_with_credentials_is_not_sent(ogc_provider_id):
    error = run_expecting_error(f"{ogc_provider_id}:words_by_reference",
                                {"document": "http://user:secret@127.0.0.1:9/words.txt"})
    assert "holds a user name or password" in error and "secret" not in error.replace("user:secret", "")


@pytest.mark.parametrize("operator, factor, expected", [
    (3, None, 7 / 2), ("3", "2", 7 / 2 * 4), ("divide", "4", 7 / 2 * 4), ("multiply", 1, 7 * 2 * 2),
    ("0", "1", (7 + 2) * 2)])
def test_enum_by_number_or_text(ogc_provider_id, wps, operator, factor, expected):
    parameters = {"a": 7, "b": 2, "operator": operator, **({"factor": factor} if factor is not None else {})}
    results = run(f"{ogc_provider_id}:calculate", parameters)
    assert results["result"] == pytest.approx(expected)
    options, factors = ["add", "subtract", "multiply", "divide"], ["1", "2", "4"]
    chosen = operator if operator in options else options[int(operator)]
    factor_text = factors[int(factor)] if factor is not None and str(factor) in ("0", "1", "2") else str(factor or 1)
    direct = owslib_literals(wps, "calculate", [("a", "7"), ("b", "2"), ("operator", chosen), ("factor", factor_text)])
    assert float(direct["result"]) == pytest.approx(expected) and int(direct["factor"]) == results["factor"]


def test_enum_refuses_what_is_no_option(ogc_provider_id):
    error = run_expecting_error(f"{ogc_provider_id}:calculate", {"a": 1, "b": 2, "operator": "power"})
    assert "Operator: “power” is not one of the options; give its number or its text (0: add, 1: subtract, " \
           "2: multiply, 3: divide)." in error


@pytest.mark.parametrize("level", [1, 10, 42, 100, 150, 200])
def test_two_ranges_and_a_value_accepted(ogc_provider_id, wps, level):
    assert run(f"{ogc_provider_id}:level", {"level": level}) == {"level": level}
    assert owslib_literals(wps, "level", [("level", str(level))]) == {"level": str(level)}


@pytest.mark.parametrize("level", [0, 11, 50, 99, 201])
def test_outside_every_range_refused_before_sending(ogc_provider_id, wps, level):
    error = run_expecting_error(f"{ogc_provider_id}:level", {"level": level})
    assert f"Level: {level} is not allowed; the server accepts 42, [1, 10], [100, 200]." in error
    with pytest.raises(Exception, match="InvalidParameterValue"):  # the server agrees
        wps.execute("level", [("level", str(level))])


def test_not_a_number_keeps_qgis_own_message(ogc_provider_id):
    assert "Incorrect parameter value for level" in run_expecting_error(f"{ogc_provider_id}:level", {"level": "abc"})


def test_metalink_output_is_a_metalink_file(ogc_provider_id, wps, tmp_path):
    results = run(f"{ogc_provider_id}:metalink", {"count": 3, "files": "TEMPORARY_OUTPUT"})
    assert results["files"].endswith(".metalink")
    ours = ElementTree.parse(results["files"]).getroot()
    direct = wps.execute("metalink", [("count", "3")]).processOutputs[0]
    assert direct.mimeType == "application/metalink+xml; version=3.0"
    theirs = ElementTree.fromstring(direct.data[0].encode("utf-8"))
    identities = [[item.text for item in root.iter(f"{METALINK}identity")] for root in (ours, theirs)]
    assert identities[0] == identities[1] == ["files", "file_0", "file_1", "file_2"]


def test_saved_model_runs_the_other_processes(ogc_provider_id, text_server, tmp_path):
    """points and a URL -> gml2_points, words_by_reference, calculate (enum by number), level, metalink."""
    (tmp_path / "words.txt").write_text(WORDS, encoding="utf-8")
    static, parameter = (QgsProcessingModelChildParameterSource.fromStaticValue,
                         QgsProcessingModelChildParameterSource.fromModelParameter)
    model = QgsProcessingModelAlgorithm("ogc processes", "wmsedge tests")
    model.addModelParameter(QgsProcessingParameterFeatureSource("points", "Points"),
                            QgsProcessingModelParameter("points"))
    model.addModelParameter(QgsProcessingParameterFile("document", "Document"), QgsProcessingModelParameter("document"))
    steps = {"gml": ("gml2_points", {"features": parameter("points")}),
             "words": ("words_by_reference", {"document": parameter("document")}),
             "calc": ("calculate", {"a": static(7), "b": static(2), "operator": static(3), "factor": static("4")}),
             "level": ("level", {"level": static(150)}),
             "meta": ("metalink", {"count": static(2)})}
    for child_id, (process, sources) in steps.items():
        step = QgsProcessingModelChildAlgorithm(f"{ogc_provider_id}:{process}")
        step.setChildId(child_id)
        for name, source in sources.items():
            step.addParameterSources(name, [source])
        if process == "metalink":
            output = QgsProcessingModelOutput("files", "files")
            output.setChildId(child_id)
            output.setChildOutputName("files")
            step.setModelOutputs({"files": output})
        model.addChildAlgorithm(step)
    assert model.toFile(str(tmp_path / "ogc.model3"))
    loaded = QgsProcessingModelAlgorithm()
    assert loaded.fromFile(str(tmp_path / "ogc.model3"))
    document = text_server("words.txt")
    (destination,) = loaded.destinationParameterDefinitions()  # named as tests/plugin/test_model.py explains
    results = processing.run(loaded, {"points": points_layer(tmp_path, [(1.0, 2.0), (3.0, 4.0)]),
                                      "document": document, destination.name(): str(tmp_path / "files.metalink")})
    assert results["CHILD_RESULTS"] == {
        "gml": {"count": 2, "mean_x": 2.0, "mean_y": 3.0},
        "words": {"words": len(WORDS.split()), "url": document},
        "calc": {"result": 7 / 2 * 4, "factor": 4},  # option 3 of add, subtract, multiply, divide; factor "4"
        "level": {"level": 150},
        "meta": {"files": str(tmp_path / "files.metalink")}}
    identities = [item.text for item in ElementTree.parse(tmp_path / "files.metalink").iter(f"{METALINK}identity")]
    assert identities == ["files", "file_0", "file_1"]
