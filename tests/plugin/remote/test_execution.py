"""Every zoo process run through its generated Processing algorithm (processing.run), results checked."""

from __future__ import annotations

import json

import numpy as np
import processing
import pytest
from qgis.core import (
    QgsApplication,
    QgsCoordinateReferenceSystem,
    QgsCoordinateTransform,
    QgsFeature,
    QgsGeometry,
    QgsPointXY,
    QgsProject,
    QgsRasterLayer,
    QgsRectangle,
    QgsVectorLayer,
)
from support.zoo_wps import PROCESS_IDS

from qgis_plugin.wps.client import WpsClient
from qgis_plugin.wps.protocol import Format, LiteralInput, OutputRequest
from qgis_plugin.wps_providers import payloads
from qgis_plugin.wps_providers.algorithm import epsg_authid

from ..conftest import RecordingFeedback, read_geotiff, run_expecting_error, write_geotiff
from .remote_providers import registered_server


@pytest.fixture(scope="module")
def zoo(zoo_server, tmp_path_factory, qgis_processing):
    """The zoo added as a server; yields its provider id."""
    with registered_server(zoo_server.url, tmp_path_factory.mktemp("wps_cache"), "Zoo") as (_store, _registry,
                                                                                               server):
        yield server.server_id


def run(algorithm_id, parameters, feedback=None):
    return processing.run(algorithm_id, parameters, feedback=feedback or RecordingFeedback())


def test_every_process_is_an_algorithm(zoo):
    provider = QgsApplication.processingRegistry().providerById(zoo)
    assert provider.name() == "Zoo"
    assert sorted(algorithm.name() for algorithm in provider.algorithms()) == sorted(PROCESS_IDS)


def test_literals_given(zoo):
    results = run(f"{zoo}:literals", {"count": 7, "ratio": 0.25, "name": "élan vital", "flag": True,
                                      "color": "green", "tags": "alpha\n beta \n\ngamma"})
    assert json.loads(results["summary"]) == {"count": 7, "ratio": 0.25, "name": "élan vital", "flag": True,
                                              "color": "green", "tags": ["alpha", "beta", "gamma"]}
    assert results["total"] == pytest.approx(1.75)


def test_literals_defaults(zoo):
    """Only the required name: the description's defaults are sent; no tags at all."""
    results = run(f"{zoo}:literals", {"name": "x"})
    assert json.loads(results["summary"]) == {"count": 3, "ratio": 0.5, "name": "x", "flag": False,
                                              "color": "red", "tags": []}
    assert results["total"] == pytest.approx(1.5)


@pytest.mark.parametrize(("parameters", "message"), [
    ({"count": 11, "name": "x"}, "Count: 11 is not allowed; the server accepts [1, 10]."),
    ({"ratio": 1.5, "name": "x"}, "Ratio: 1.5 is not allowed; the server accepts [0, 1]."),
    ({"color": "purple", "name": "x"}, "Color: “purple” is not one of the options; give its number or its text "
                                       "(0: red, 1: green, 2: blue)."),
    ({"count": 2}, "name"),
    ({"name": "x", "tags": "a\nb\nc\nd\ne\nf"}, "at most 5 values, 6 given"),
])
def test_literals_refused_before_anything_is_sent(zoo, parameters, message):
    assert message in run_expecting_error(f"{zoo}:literals", parameters)


@pytest.mark.parametrize("crs", ["EPSG:4326", "EPSG:3857"])
def test_bbox_in_a_supported_crs_is_sent_as_is(zoo, crs):
    results = run(f"{zoo}:bbox_area", {"extent": f"10,14,40,42.5 [{crs}]"})
    assert epsg_authid(results["crs"]) == crs  # PyWPS echoes it as urn:ogc:def:crs:EPSG::<code>
    assert results["area"] == pytest.approx(4 * 2.5)


def test_bbox_in_another_crs_is_reprojected_to_the_default(zoo):
    feedback = RecordingFeedback()
    results = run(f"{zoo}:bbox_area", {"extent": "500000,510000,4400000,4410000 [EPSG:32631]"}, feedback)
    assert epsg_authid(results["crs"]) == "EPSG:4326"
    transform = QgsCoordinateTransform(QgsCoordinateReferenceSystem("EPSG:32631"),
                                       QgsCoordinateReferenceSystem("EPSG:4326"), QgsProject.instance())
    expected = transform.transformBoundingBox(QgsRectangle(500000, 4400000, 510000, 4410000))
    assert results["area"] == pytest.approx(expected.width() * expected.height())
    assert any("EPSG:32631" in info for info in feedback.infos)


def points_layer(crs="EPSG:4326"):
    layer = QgsVectorLayer(f"Point?crs={crs}&field=name:string", "points", "memory")
    features = []
    for name, x, y in (("a", 1.0, 2.0), ("b", 10.0, -5.0)):
        feature = QgsFeature(layer.fields())
        feature.setAttributes([name])
        feature.setGeometry(QgsGeometry.fromPointXY(QgsPointXY(x, y)))
        features.append(feature)
    layer.dataProvider().addFeatures(features)
    return layer


@pytest.mark.parametrize("extension", ["geojson", "gpkg"])
def test_features_in_and_out(zoo, add_layer, tmp_path, extension):
    layer = add_layer(points_layer())
    output = tmp_path / f"buffered.{extension}"
    results = run(f"{zoo}:buffer_features", {"features": layer, "distance": 0.5, "buffered": str(output)})
    assert results["count"] == 2 and results["buffered"] == str(output)
    buffered = QgsVectorLayer(str(output), "buffered", "ogr")
    assert buffered.isValid() and buffered.crs().authid() == "EPSG:4326"
    boxes = {feature["name"]: feature.geometry().boundingBox() for feature in buffered.getFeatures()}
    assert boxes["a"] == QgsRectangle(0.5, 1.5, 1.5, 2.5) and boxes["b"] == QgsRectangle(9.5, -5.5, 10.5, -4.5)
    assert [path.name for path in tmp_path.iterdir()] == [output.name]  # no temporary file left


def test_features_are_sent_in_epsg_4326(zoo, add_layer, tmp_path):
    """GeoJSON has one CRS: a layer in EPSG:3857 is reprojected before it is sent."""
    layer = add_layer(points_layer("EPSG:3857"))
    output = tmp_path / "buffered.geojson"
    run(f"{zoo}:buffer_features", {"features": layer, "distance": 0.0, "buffered": str(output)})
    transform = QgsCoordinateTransform(layer.crs(), QgsCoordinateReferenceSystem("EPSG:4326"),
                                       QgsProject.instance())
    expected = {feature["name"]: transform.transform(feature.geometry().asPoint())
                for feature in layer.getFeatures()}
    for feature in QgsVectorLayer(str(output), "buffered", "ogr").getFeatures():
        box = feature.geometry().boundingBox()
        assert (box.xMinimum(), box.yMinimum()) == pytest.approx(
            (expected[feature["name"]].x(), expected[feature["name"]].y()), rel=1e-12, abs=1e-15)


def test_raster_in_and_out(zoo, add_layer, tmp_path):
    values = np.arange(12, dtype=np.float32).reshape(3, 4) - 2.5
    source = write_geotiff(tmp_path / "in.tif", [values], (500000.0, 10.0, 0.0, 4400000.0, 0.0, -10.0), 32631)
    layer = add_layer(QgsRasterLayer(source, "in"))
    output = tmp_path / "doubled.tif"
    results = run(f"{zoo}:raster_stats", {"raster": layer, "doubled": str(output)})
    assert json.loads(results["stats"]) == pytest.approx(
        {"min": float(values.min()), "max": float(values.max()), "mean": float(values.mean())})
    doubled, transform, _wkt, _nodata, size, _type = read_geotiff(output)
    np.testing.assert_array_equal(doubled, values * 2)
    assert transform == (500000.0, 10.0, 0.0, 4400000.0, 0.0, -10.0) and size == (4, 3)
    loaded = QgsRasterLayer(str(output), "doubled")
    assert loaded.isValid() and loaded.crs().authid() == "EPSG:32631"


def test_text_file(zoo, tmp_path):
    document = tmp_path / "words.txt"
    document.write_text("Zéro un\ndeux  trois\tquatre\n", encoding="utf-8")
    assert run(f"{zoo}:word_count", {"document": str(document)})["words"] == 5


def test_maximum_megabytes_is_enforced_before_sending(zoo, tmp_path):
    document = tmp_path / "big.txt"
    document.write_bytes(b"word " * (11 * 1024 * 1024 // 5))
    error = run_expecting_error(f"{zoo}:word_count", {"document": str(document)})
    assert "more than the 10 MB the server accepts" in error and "'document'" in error


def test_failing_process_reports_code_and_text(zoo):
    error = run_expecting_error(f"{zoo}:fail", {"reason": "the sky is falling"})
    assert "The WPS process fail failed with NoApplicableCode" in error and "the sky is falling" in error


def test_slow_process_reports_progress_and_messages(zoo):
    feedback = RecordingFeedback()
    results = run(f"{zoo}:slow", {"seconds": 4.0}, feedback)
    assert results["waited"] >= 4.0
    assert feedback.progress_values == sorted(feedback.progress_values) and feedback.progress_values[-1] == 100
    assert len({value for value in feedback.progress_values if 5 < value < 90}) >= 2
    assert any(info.startswith("WPS: waited") for info in feedback.infos)


def test_cancel_during_the_slow_process(zoo):
    feedback = RecordingFeedback(cancel_on_info="WPS: waited")
    error = run_expecting_error(f"{zoo}:slow", {"seconds": 30}, feedback)
    assert "Cancelled" in error and "cannot stop a job on the server" in error


def test_synchronous_only_process(zoo):
    feedback = RecordingFeedback()
    assert run(f"{zoo}:echo_sync", {"text": "bonjour <&>"}, feedback) == {"text": "bonjour <&>"}
    assert any("(synchronous)" in info for info in feedback.infos)


def test_raster_by_reference_when_the_layer_is_an_http_url(zoo, zoo_server, add_layer, tmp_path):
    """A GeoTIFF the server can fetch itself is sent as a Reference, not as base64."""
    values = np.array([[1, 2], [3, 40]], dtype=np.float32)
    write_geotiff(zoo_server.workdir / "outputs" / "by_reference.tif", [values],
                  (0.0, 1.0, 0.0, 2.0, 0.0, -1.0), 4326)
    layer = add_layer(QgsRasterLayer(f"/vsicurl/{zoo_server.outputs_url}by_reference.tif", "remote"))
    reference = payloads.reference_input("raster", payloads.remote_url(layer.source()),
                                         [Format("image/tiff; subtype=geotiff")])
    assert reference.href == f"{zoo_server.outputs_url}by_reference.tif" and reference.data is None
    results = run(f"{zoo}:raster_stats", {"raster": layer, "doubled": str(tmp_path / "doubled.tif")})
    assert json.loads(results["stats"]) == {"min": 1.0, "max": 40.0, "mean": 11.5}


def test_gml_is_embedded_as_xml_when_the_server_takes_it(zoo_server, add_layer):
    """The GML form of the features (for servers without GeoJSON), sent to the zoo's GML reader."""
    layer = add_layer(points_layer())
    gml = payloads.vector_input("features", layer.getFeatures(), layer.crs(), Format("application/gml+xml"), None)
    assert gml.data.lstrip().startswith("<") and "gml" in gml.data
    response = WpsClient(zoo_server.url).execute(
        "buffer_features", [gml, LiteralInput("distance", 1.0)],
        [OutputRequest("buffered", as_reference=False), OutputRequest("count", as_reference=False)],
        asynchronous=False)
    assert response.status == "succeeded", response.exception_text
    assert response.outputs["count"].data == "2"
    boxes = sorted(feature["geometry"]["coordinates"][0][0] for feature in
                   json.loads(response.outputs["buffered"].payload())["features"])
    assert boxes == [[0.0, 1.0], [9.0, -6.0]]


def test_temporary_outputs_are_geojson_and_geotiff(zoo, add_layer, tmp_path):
    """Processing's TEMPORARY_OUTPUT takes the provider's default formats: no conversion needed."""
    vector = run(f"{zoo}:buffer_features", {"features": add_layer(points_layer()), "distance": 1.0,
                                            "buffered": "TEMPORARY_OUTPUT"})["buffered"]
    assert vector.endswith(".geojson") and QgsVectorLayer(vector, "buffered", "ogr").featureCount() == 2
    source = write_geotiff(tmp_path / "in.tif", [np.ones((2, 2), np.float32)], (0, 1, 0, 2, 0, -1), 4326)
    raster = run(f"{zoo}:raster_stats", {"raster": add_layer(QgsRasterLayer(source, "in")),
                                         "doubled": "TEMPORARY_OUTPUT"})["doubled"]
    assert raster.endswith(".tif") and read_geotiff(raster)[0].tolist() == [[2.0, 2.0], [2.0, 2.0]]
