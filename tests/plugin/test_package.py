"""The zip of ``make package``: one folder, nothing but the plugin; it loads in a fresh QGIS profile."""

from __future__ import annotations

import configparser
import json
import subprocess
import zipfile
from pathlib import Path

import pytest

from sandbox.qgis_process import QGIS_PYTHON, QgisProfile, build_plugin_zip
from sandbox.qgis_process import ROOT as REPO

LOADER = Path(__file__).with_name("load_plugin.py")
PACKAGED_SUFFIXES = {".py", ".png", ".svg", ".qm", ".ts", ".txt"}


def load_in_fresh_profile(tmp_path, archive, name, locale=None):
    profile = QgisProfile(tmp_path / "profile")
    profile.install_zip(archive)
    arguments = [QGIS_PYTHON, str(LOADER), str(profile.plugins), name] + ([locale] if locale else [])
    result = subprocess.run(arguments, env=profile.env(),
                            capture_output=True, text=True, timeout=120, check=False)
    line = next((line for line in result.stdout.splitlines() if line.startswith("REPORT ")), None)
    assert result.returncode == 0 and line, f"{result.stdout[-2000:]}\n{result.stderr[-3000:]}"
    return json.loads(line[len("REPORT "):]), profile


def test_zip_holds_one_folder_with_only_the_plugin(plugin_zip):
    names = zipfile.ZipFile(plugin_zip).namelist()
    assert {name.split("/")[0] for name in names} == {"wmsedge"}
    inside = {name.split("/", 1)[1] for name in names}
    for required in ("metadata.txt", "__init__.py", "plugin.py", "provider.py", "algorithms/edge_tile.py",
                     "core/__init__.py", "core/filters.py", "core/georef.py", "core/wms.py",
                     "core/area/pipeline.py", "core/area/cog.py", "execution/in_process.py", "execution/via_wps.py",
                     "io/provider_read.py", "io/provider_source.py", "wps/client.py", "wps/protocol.py",
                     "icon.png", "i18n/wmsedge_fr.qm"):
        assert required in inside
    assert all(Path(name).suffix in PACKAGED_SUFFIXES or Path(name).name.startswith("LICENSE") for name in inside)
    assert not any("__pycache__" in name or "test" in name or name.startswith(".") for name in inside)
    metadata = configparser.ConfigParser(interpolation=None)
    metadata.optionxform = str
    metadata.read_string(zipfile.ZipFile(plugin_zip).read("wmsedge/metadata.txt").decode("utf-8"))
    general = metadata["general"]
    for key in ("name", "qgisMinimumVersion", "description", "about", "version", "author", "email", "repository",
                "tracker", "homepage", "tags", "category", "icon", "hasProcessingProvider", "changelog"):
        assert general.get(key, "").strip(), key
    assert general["qgisMinimumVersion"] == "3.22" and general["hasProcessingProvider"] == "yes"
    assert f"{general['icon']}" in inside


def test_zip_loads_in_a_fresh_profile_and_registers_the_provider(plugin_zip, tmp_path):
    report, profile = load_in_fresh_profile(tmp_path, plugin_zip, "wmsedge")
    assert report["available"] and report["loaded"] and report["processing_started"]
    assert report["algorithms"] == ["wmsedge:edge_tile"]
    assert report["metadata"]["version"] == "0.1.0" and report["metadata"]["hasProcessingProvider"] == "yes"
    assert report["module_file"].startswith(str(profile.plugins))  # the zip's copy, not the repository's
    assert report["unloaded"] and not report["provider_after_unload"]
    assert report["display_name"] == "Edge map from WMS (Sobel/Prewitt)"


def test_french_locale_loads_the_translation(plugin_zip, tmp_path):
    report, _ = load_in_fresh_profile(tmp_path, plugin_zip, "wmsedge", locale="fr_FR")
    assert report["locale"] == "fr_FR"
    assert report["display_name"] == "Carte de contours depuis un WMS (Sobel/Prewitt)"


def test_the_plugin_folder_may_be_renamed(tmp_path):
    """The plugin imports its engine relatively, so any folder name works."""
    archive = build_plugin_zip(tmp_path / "renamed.zip", name="wmsedge_renamed")
    report, _ = load_in_fresh_profile(tmp_path, archive, "wmsedge_renamed")
    assert report["loaded"] and report["algorithms"] == ["wmsedge:edge_tile"]


def test_deploy_installs_what_the_zip_holds(plugin_zip, tmp_path):
    plugins = tmp_path / "plugins"
    (plugins / "wmsedge").mkdir(parents=True)
    (plugins / "wmsedge" / "stale.py").write_text("old install")
    subprocess.run([QGIS_PYTHON, str(REPO / "scripts" / "package_plugin.py"), "--name", "wmsedge", "--deploy",
                    "--plugins-dir", str(plugins)], check=True, capture_output=True, timeout=120)
    installed = {path.relative_to(plugins).as_posix() for path in plugins.rglob("*") if path.is_file()}
    assert installed == {name for name in zipfile.ZipFile(plugin_zip).namelist() if not name.endswith("/")}


def test_packaging_refuses_incomplete_metadata(tmp_path, monkeypatch):
    import importlib.util

    spec = importlib.util.spec_from_file_location("package_plugin", REPO / "scripts" / "package_plugin.py")
    package_plugin = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(package_plugin)
    broken = tmp_path / "metadata.txt"
    broken.write_text("[general]\nname=WMS Edge\nversion=0.1.0\n")
    with pytest.raises(SystemExit, match="lacks required fields: qgisMinimumVersion, description"):
        package_plugin.check_metadata(broken)
