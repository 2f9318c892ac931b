"""The real QGIS desktop under Xvfb, as a user clicks it: the plugin installed from its zip, a WMS layer
added as the Data Source Manager writes it, the algorithm opened from the Processing toolbox, filled in
its dialog, run with the Run button (a background task), and the result checked in the project; the
same for batch mode and for a model (saved in the profile) run from its own dialog.

One QGIS session (English) runs every scenario; each test reads its part of what the session saw.
"""

from __future__ import annotations

import numpy as np
import pytest
from osgeo import osr
from qgis.core import (
    QgsProcessingModelAlgorithm,
    QgsProcessingModelChildAlgorithm,
    QgsProcessingModelChildParameterSource,
    QgsProcessingModelOutput,
    QgsProcessingModelParameter,
    QgsProcessingParameterRasterLayer,
)
from scipy import ndimage
from support.fault_wms import ClosedPort

from qgis_plugin.core.georef import Extent, grid_from_extent
from sandbox.wms import LAYER_3857, RASTERS, expected_pixels

from .conftest import read_geotiff
from .desktop_session import dsm_source, run_desktop

RASTER = RASTERS[LAYER_3857]
TILE = Extent(*RASTER.pixel_extent(500, 400, 64, 48))  # whole source pixels: one output pixel each
CENTER = f"{(TILE.xmin + TILE.xmax) / 2!r},{(TILE.ymin + TILE.ymax) / 2!r} [EPSG:3857]"
BATCH_TILES = [Extent(*RASTER.pixel_extent(300, 300, 40, 40)), Extent(*RASTER.pixel_extent(600, 200, 24, 32))]
DEFAULT_DIALOG_SIZE = [688, 523]


def edge_model():
    """layer -> wmsedge:edge_tile (sobel_x over TILE) -> the model's output "edges"."""
    model = QgsProcessingModelAlgorithm("edge_tile_model", "wmsedge tests")
    model.addModelParameter(QgsProcessingParameterRasterLayer("layer", "Layer"), QgsProcessingModelParameter("layer"))
    edge = QgsProcessingModelChildAlgorithm("wmsedge:edge_tile")
    edge.setChildId("edge_tile")
    edge.addParameterSources("INPUT", [QgsProcessingModelChildParameterSource.fromModelParameter("layer")])
    for name, value in (("EXTENT", extent_text(TILE)), ("WIDTH", 64), ("HEIGHT", 48), ("METHOD", 0)):
        edge.addParameterSources(name, [QgsProcessingModelChildParameterSource.fromStaticValue(value)])
    output = QgsProcessingModelOutput("edges", "Edges")
    output.setChildId("edge_tile")
    output.setChildOutputName("OUTPUT")
    edge.setModelOutputs({"edges": output})
    model.addChildAlgorithm(edge)
    return model


def extent_text(extent):
    return f"{extent.xmin!r},{extent.xmax!r},{extent.ymin!r},{extent.ymax!r} [EPSG:3857]"


@pytest.fixture(scope="module")
def session(wms_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("desktop")
    outputs = {name: str(folder / f"{name}.tif") for name in ("dialog", "canvas_default", "failed", "batch_0",
                                                                "batch_1", "model")}
    with ClosedPort() as closed:
        plan = {
            "layers": [{"name": LAYER_3857, "source": dsm_source(wms_server.url, LAYER_3857, "EPSG:3857")}],
            "canvas_crs": "EPSG:3857",
            "canvas_extent": list(RASTER.pixel_extent(256, 256, 512, 512)),
            "runs": [
                {"kind": "dialog", "label": "dialog", "parameters": {
                    "INPUT": f"@layer:{LAYER_3857}", "CENTER": CENTER, "WIDTH": 64, "HEIGHT": 48,
                    "PIXEL_SIZE": 1.0, "METHOD": 0, "OUTPUT": outputs["dialog"]}},
                {"kind": "dialog", "label": "canvas_default", "parameters": {
                    "INPUT": f"@layer:{LAYER_3857}", "CENTER": CENTER, "WIDTH": 32, "HEIGHT": 32, "METHOD": 4,
                    "OUTPUT": outputs["canvas_default"]}},
                {"kind": "dialog", "label": "failed", "parameters": {
                    "INPUT": f"@layer:{LAYER_3857}", "CENTER": CENTER, "WIDTH": 32, "HEIGHT": 32,
                    "PIXEL_SIZE": 1.0, "BACKEND": 1, "WPS_URL": closed.url, "OUTPUT": outputs["failed"]}},
                {"kind": "batch", "label": "batch", "rows": [
                    {"INPUT": f"@layer:{LAYER_3857}", "EXTENT": extent_text(tile), "WIDTH": 8, "HEIGHT": 8,
                     "PIXEL_SIZE": 1.0, "METHOD": 1, "OUTPUT": outputs[f"batch_{row}"]}
                    for row, tile in enumerate(BATCH_TILES)]},
                {"kind": "dialog", "label": "decimals", "press_run": False, "parameters": {
                    "INPUT": f"@layer:{LAYER_3857}", "PIXEL_SIZE": 0.0005 / 512}},
                {"kind": "dialog", "label": "model", "algorithm": "model:edge_tile_model", "parameters": {
                    "layer": f"@layer:{LAYER_3857}", "@destination": outputs["model"]}},
            ],
        }
        results = run_desktop(plan, folder / "en", models=[edge_model()])
    runs = {run["label"]: run for run in results["runs"]}
    for run in runs.values():
        assert not run.get("error"), run["error"]
    return {"runs": runs, "canvas": results["canvas"], "outputs": outputs}


def sobel_x(extent, width, height):
    """The expected tile, from the pattern's known values with scipy (east-positive x gradient)."""
    halo = grid_from_extent(extent, width, height).with_halo()
    return ndimage.sobel(expected_pixels(LAYER_3857, halo).astype(np.float64), axis=1)[1:-1, 1:-1]


def test_dialog_run_loads_the_tile_into_the_project(session):
    run, output = session["runs"]["dialog"], session["outputs"]["dialog"]
    assert [layer["source"] for layer in run["added"]] == [output], run["log"][-3000:]
    layer = run["added"][0]
    assert layer["name"] == "Edge map" and layer["provider"] == "gdal" and layer["crs"] == "EPSG:3857"
    assert layer["size"] == [64, 48]
    assert layer["extent"] == pytest.approx([TILE.xmin, TILE.ymin, TILE.xmax, TILE.ymax], abs=1e-6)
    values, geotransform, wkt, _, size, data_type = read_geotiff(output)
    assert osr.SpatialReference(wkt=wkt).GetAuthorityCode(None) == "3857" and data_type == "Float32"
    assert geotransform == (TILE.xmin, 1.0, 0.0, TILE.ymax, 0.0, -1.0)
    np.testing.assert_array_equal(values, sobel_x(TILE, 64, 48).astype(np.float32))
    assert "not correctly generated" not in run["log"]


def test_default_pixel_size_is_the_canvas_resolution(session):
    """No pixel size, a centre clicked on the canvas: the tile is as large on screen as it has pixels."""
    run = session["runs"]["canvas_default"]
    assert len(run["added"]) == 1, run["log"][-3000:]
    geotransform = read_geotiff(session["outputs"]["canvas_default"])[1]
    units_per_pixel = session["canvas"]["units_per_pixel"]
    assert 0.5 < units_per_pixel < 5  # the canvas shows 512 source pixels: its resolution is about 1 m
    assert geotransform[1] == pytest.approx(units_per_pixel, rel=1e-9)
    assert -geotransform[5] == pytest.approx(units_per_pixel, rel=1e-9)
    assert "map canvas's resolution" in run["log"]


def test_failed_run_adds_nothing_and_says_why(session, tmp_path):
    run = session["runs"]["failed"]
    assert run["added"] == []
    assert "cannot be reached" in run["log"]
    assert "not correctly generated" not in run["log"]
    assert "PyWPS" not in run["log"] and " our " not in run["log"]


def test_batch_run_loads_every_row(session):
    run, outputs = session["runs"]["batch"], session["outputs"]
    assert sorted(layer["source"] for layer in run["added"]) == sorted([outputs["batch_0"], outputs["batch_1"]])
    for row, tile in enumerate(BATCH_TILES):
        values, geotransform, *_ = read_geotiff(outputs[f"batch_{row}"])
        assert geotransform == (tile.xmin, 1.0, 0.0, tile.ymax, 0.0, -1.0)
        halo = grid_from_extent(tile, values.shape[1], values.shape[0]).with_halo()
        expected = -ndimage.sobel(expected_pixels(LAYER_3857, halo).astype(np.float64), axis=0)[1:-1, 1:-1]
        np.testing.assert_array_equal(values, expected.astype(np.float32))


def test_model_run_from_its_dialog_loads_the_tile(session):
    run, output = session["runs"]["model"], session["outputs"]["model"]
    assert [layer["source"] for layer in run["added"]] == [output], run["log"][-3000:]
    values, geotransform, *_ = read_geotiff(output)
    assert geotransform == (TILE.xmin, 1.0, 0.0, TILE.ymax, 0.0, -1.0)
    np.testing.assert_array_equal(values, sobel_x(TILE, 64, 48).astype(np.float32))


def test_dialog_widgets_fit_at_the_default_size_in_english(session):
    geometry = session["runs"]["dialog"]["geometry"]
    assert_fits(geometry)


def test_pixel_size_box_shows_a_geographic_pixel_size(session):
    """The tutorial's 0.0005°/512 reads 0.0000009766, not 0.000001 (6 decimals) or 0."""
    assert session["runs"]["decimals"]["texts"]["PIXEL_SIZE"] == "0.0000009766"


def test_unset_output_crs_names_the_layer_crs(session):
    run = session["runs"]["dialog"]
    assert run["dialog_class"] == "EdgeTileDialog" and run["crs_box"] == "Layer's CRS: EPSG:3857"


def assert_fits(geometry):
    assert geometry["dialog"] == DEFAULT_DIALOG_SIZE
    assert geometry["horizontal_scroll_range"] == 0
    assert {placed["parameter"] for placed in geometry["widgets"]} >= {"INPUT", "CENTER", "EXTENT", "PIXEL_SIZE",
                                                                        "CRS", "WPS_URL", "OUTPUT"}
    for placed in geometry["widgets"]:
        assert 0 <= placed["x"] and placed["x"] + placed["width"] <= geometry["viewport_width"], placed
        assert placed["minimum_width"] <= placed["width"], placed
