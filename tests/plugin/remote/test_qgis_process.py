"""``qgis_process`` (QGIS 3.22's C++ runner) runs remote WPS processes once a server is configured.

A fresh profile gets the plugin from its package zip, then the zoo is added to that
profile's settings by the installed plugin's own ServerStore (see support.zoo_wps.profile).
"""

from __future__ import annotations

import json

import numpy as np
import pytest
from support.zoo_wps.profile import add_server_to_profile

from sandbox.qgis_process import QgisProfile

from ..conftest import read_geotiff, write_geotiff


@pytest.fixture(scope="module")
def zoo_profile(plugin_zip, zoo_server, tmp_path_factory):
    """(profile, server id): the plugin installed from the zip and enabled, the zoo configured."""
    profile = QgisProfile(tmp_path_factory.mktemp("qgis_process_remote"))
    profile.install_zip(plugin_zip)
    profile.qgis_process("plugins", "enable", "wmsedge")
    return profile, add_server_to_profile(profile, "Zoo", zoo_server.url)


def test_remote_processes_are_listed_and_described(zoo_profile):
    profile, server_id = zoo_profile
    listed = profile.qgis_process("list").stdout
    for process in ("literals", "bbox_area", "buffer_features", "raster_stats", "word_count", "fail", "slow",
                    "echo_sync"):
        assert f"{server_id}:{process}" in listed
    help_text = profile.qgis_process("help", f"{server_id}:literals").stdout
    for parameter in ("count", "ratio", "name", "flag", "color", "tags", "summary", "total"):
        assert parameter in help_text


def test_literals_from_the_command_line(zoo_profile):
    profile, server_id = zoo_profile
    result = profile.run_algorithm(f"{server_id}:literals", {"count": 4, "name": "x", "color": "blue",
                                                             "ratio": 0.75, "flag": "true"})
    summary = json.loads(result["results"]["summary"])
    assert summary == {"count": 4, "ratio": 0.75, "name": "x", "flag": True, "color": "blue", "tags": []}
    assert result["results"]["total"] == 3.0


def test_raster_from_the_command_line(zoo_profile, tmp_path):
    profile, server_id = zoo_profile
    values = np.arange(20, dtype=np.float32).reshape(4, 5)
    source = write_geotiff(tmp_path / "source.tif", [values], (600000.0, 4.0, 0, 5000000.0, 0, -4.0), 32632)
    result = profile.run_algorithm(f"{server_id}:raster_stats", {"raster": source,
                                                                 "doubled": tmp_path / "doubled.tif"})
    assert json.loads(result["results"]["stats"]) == {"min": 0.0, "max": 19.0, "mean": 9.5}
    doubled, geotransform, *_ = read_geotiff(tmp_path / "doubled.tif")
    np.testing.assert_array_equal(doubled, values * 2)
    assert geotransform == (600000.0, 4.0, 0.0, 5000000.0, 0.0, -4.0)


def test_server_error_from_the_command_line(zoo_profile):
    profile, server_id = zoo_profile
    result = profile.qgis_process("run", f"{server_id}:fail", "--", "reason=out of luck", check=False)
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "out of luck" in output and "NoApplicableCode" in output  # the server's text and exception code
    assert "Traceback" not in output


def test_unknown_process_is_a_clear_error(zoo_profile):
    profile, server_id = zoo_profile
    result = profile.qgis_process("run", f"{server_id}:no_such_process", "--", "text=hi", check=False)
    assert result.returncode != 0
    assert f"{server_id}:no_such_process" in result.stdout + result.stderr
    assert "not found" in (result.stdout + result.stderr).lower()


def test_process_gone_from_the_server_is_a_clear_error_at_run_time(zoo_profile):
    """The cached descriptions list a process the server no longer has (removed since the last refresh)."""
    profile, server_id = zoo_profile
    cache = profile.config / "profiles" / "default" / "wmsedge" / "wps_cache" / f"{server_id}.json"
    profile.qgis_process("list")  # the first start with a new server fills its cache
    original = cache.read_text(encoding="utf-8")
    assert "<ows:Identifier>echo_sync</ows:Identifier>" in original
    cache.write_text(original.replace("<ows:Identifier>echo_sync</ows:Identifier>",
                                      "<ows:Identifier>vanished</ows:Identifier>"), encoding="utf-8")
    try:
        assert f"{server_id}:vanished" in profile.qgis_process("list").stdout
        result = profile.qgis_process("run", f"{server_id}:vanished", "--", "text=hi", check=False)
    finally:
        cache.write_text(original, encoding="utf-8")
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "vanished" in output and "InvalidParameterValue" in output  # the server's exception code
    assert "Traceback" not in output
