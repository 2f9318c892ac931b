"""The real QGIS desktop in French (Settings ▸ Options ▸ General: language and number format): the
dialog's widgets fit at its default size, labels, help and messages are French, numbers written the
French way, and a nonsense tile is refused with its value and the likely cause."""

from __future__ import annotations

import pytest

from qgis_plugin.algorithms.tile_grid import DEFAULT_GEOGRAPHIC_PIXEL_SIZE
from sandbox.wms import LAYER_3857, RASTERS

from .desktop_session import dsm_source, run_desktop
from .test_desktop_toolbox import DEFAULT_DIALOG_SIZE, assert_fits

RASTER = RASTERS[LAYER_3857]


@pytest.fixture(scope="module")
def session(wms_server, tmp_path_factory):
    folder = tmp_path_factory.mktemp("desktop_fr")
    plan = {
        "layers": [{"name": LAYER_3857, "source": dsm_source(wms_server.url, LAYER_3857, "EPSG:3857")}],
        "canvas_crs": "EPSG:3857",
        "canvas_extent": list(RASTER.pixel_extent(256, 256, 512, 512)),
        "runs": [
            {"kind": "dialog", "label": "pole", "parameters": {
                "INPUT": f"@layer:{LAYER_3857}", "CENTER": "0,89.9 [EPSG:4326]", "CRS": "EPSG:4326",
                "PIXEL_SIZE": 0.01, "OUTPUT": str(folder / "pole.tif")}},
            {"kind": "dialog", "label": "unset", "press_run": False,
             "parameters": {"INPUT": f"@layer:{LAYER_3857}"}},
            {"kind": "dialog", "label": "native", "algorithm": "native:createconstantrasterlayer",
             "press_run": False, "parameters": {}},
        ],
    }
    results = run_desktop(plan, folder / "fr", language="fr")
    runs = {run["label"]: run for run in results["runs"]}
    for run in runs.values():
        assert not run.get("error"), run["error"]
    return runs


def test_dialog_widgets_fit_at_the_default_size_in_french(session):
    """Every widget fits the viewport with no horizontal scrolling. QGIS's own output widget has a check
    box, "Ouvrir le fichier en sortie après l'exécution de l'algorithme", wider than the parameter side
    of QGIS 3.22's default split (its native:createconstantrasterlayer scrolls for it at this size; 3.40's
    does not): the edge tile's dialog takes any missing width from its help panel."""
    geometry, native = session["pole"]["geometry"], session["native"]["geometry"]
    assert native["dialog"] == DEFAULT_DIALOG_SIZE == geometry["dialog"]
    assert_fits(geometry)
    labels = {placed["parameter"]: placed["text"] for placed in geometry["widgets"] if placed["role"] == "label"}
    assert labels["PIXEL_SIZE"].startswith("Taille de pixel") and labels["INPUT"] == "Couche en entrée"


def test_unset_output_crs_names_the_layer_crs_in_french(session):
    assert session["unset"]["crs_box"] == "SCR de la couche : EPSG:3857"


def test_help_and_messages_in_french_with_french_numbers(session):
    session = session["pole"]
    assert "Taille de pixel" in session["help"]
    # QGIS's French number format: a decimal comma (and, by QGIS's default, no group separator).
    assert f"{DEFAULT_GEOGRAPHIC_PIXEL_SIZE:.7f}°".replace(".", ",") in session["help"]
    assert "au-delà de ±90°" in session["log"] and "92,46" in session["log"]
    assert "Vérifiez le séparateur décimal" in session["log"]
    assert session["added"] == [] and "not correctly generated" not in session["log"]
