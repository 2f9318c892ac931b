"""Tiles that make no sense are refused before any request, by both backends, with a message naming the
value and the likely cause (a decimal comma: "0,005" read as 5). No GetMap is sent (watched on QGIS's network
manager), and the WPS URL points at a closed port, where a request would fail with another message."""

from __future__ import annotations

import processing
import pytest
from qgis.PyQt.QtCore import QLocale

from qgis_plugin.io.provider_read import GetMapCheck
from sandbox.wms import LAYER_WORLD

from .conftest import RecordingFeedback, run_expecting_error, wms_layer

CLOSED_WPS = "http://127.0.0.1:9/wps"
HINT = "decimal separator"


@pytest.fixture(autouse=True)
def english_numbers():
    """Numbers are written in the user's locale: English here, whatever the machine's."""
    previous = QLocale()
    QLocale.setDefault(QLocale(QLocale.Language.English, QLocale.Country.UnitedStates))
    yield
    QLocale.setDefault(previous)


@pytest.fixture
def world(wms_server, add_layer):
    return add_layer(wms_layer(wms_server.url, LAYER_WORLD, "EPSG:4326"))


CASES = {
    # The issue's own: "0,005" read as 5 -> 2560° wide, latitudes -1233 to 1326.
    "decimal comma read as thousands": (
        {"CENTER": "2.35,46.5 [EPSG:4326]", "PIXEL_SIZE": 5.0, "CRS": "EPSG:4326"},
        ["latitudes -1", "beyond ±90°", "pixel size 5°"]),
    "latitude beyond the pole": (
        {"CENTER": "0,89.9 [EPSG:4326]", "PIXEL_SIZE": 0.01, "CRS": "EPSG:4326"},
        ["to 92.46", "beyond ±90°"]),
    "wider than the world": (
        {"EXTENT": "-200,200,-10,10 [EPSG:4326]", "CRS": "EPSG:4326"},
        ["400° wide", "360° of longitude"]),
    "wider than EPSG:3857": (
        {"CENTER": "0,0 [EPSG:3857]", "PIXEL_SIZE": 100000.0, "CRS": "EPSG:3857"},
        ["51,200,000 x 51,200,000", "whole extent of EPSG:3857"]),
    "pixel size 0": (
        {"CENTER": "2.35,46.5 [EPSG:4326]", "PIXEL_SIZE": 0.0, "CRS": "EPSG:4326"},
        ["The pixel size is 0;", "greater than 0"]),
    "more pixels than the limit": (
        {"EXTENT": "2,3,46,47 [EPSG:4326]", "PIXEL_SIZE": 0.00002, "CRS": "EPSG:4326"},
        ["50,000 x 50,000 = 2,500,000,000 pixels", "more than the 1,073,741,824 pixels",
         "(setting wmsedge/max_pixels)", "pixel size 2e-05"]),
}


@pytest.mark.parametrize("backend", [0, 1])
@pytest.mark.parametrize("case", list(CASES))
def test_nonsense_tile_is_refused_before_any_request(edge_tile_id, world, tmp_path, case, backend):
    values, expected = CASES[case]
    feedback = RecordingFeedback()
    with GetMapCheck() as check:
        error = run_expecting_error(edge_tile_id, {
            "INPUT": world, "WIDTH": 512, "HEIGHT": 512, "BACKEND": backend, "WPS_URL": CLOSED_WPS,
            "OUTPUT": str(tmp_path / "out.tif"), **values}, feedback)
    assert check._urls == []
    for text in expected + [HINT]:
        assert text in error, error
    assert not any("blocks:" in info or info.startswith("Asking") for info in feedback.infos)
    assert list(tmp_path.iterdir()) == []


def test_a_world_wide_tile_of_a_projected_crs_is_accepted(edge_tile_id, world, tmp_path):
    """The EPSG:3857 check refuses only what is wider than the world: a whole-world tile passes."""
    result = processing.run(edge_tile_id, {
        "INPUT": world, "EXTENT": "-20037508,20037508,-15000000,15000000 [EPSG:3857]", "CRS": "EPSG:3857",
        "WIDTH": 64, "HEIGHT": 48, "OUTPUT": str(tmp_path / "world.tif")})
    assert (tmp_path / "world.tif").is_file() and result["OUTPUT"] == str(tmp_path / "world.tif")


def test_numbers_in_messages_follow_the_locale(edge_tile_id, world, tmp_path):
    QLocale.setDefault(QLocale(QLocale.Language.French, QLocale.Country.France))
    error = run_expecting_error(edge_tile_id, {
        "INPUT": world, "CENTER": "0,89.9 [EPSG:4326]", "PIXEL_SIZE": 0.01, "CRS": "EPSG:4326",
        "OUTPUT": str(tmp_path / "out.tif")})
    assert "to 92,46°" in error and "pixel size 0,01°" in error
