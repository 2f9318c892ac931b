"""Issue 16 through ``qgis_process`` (QGIS's C++ runner, the plugin installed from its zip), each
result compared with OWSLib executing the same request on the third test service."""

from __future__ import annotations

import xml.etree.ElementTree as ElementTree

import pytest
from owslib.wps import ComplexDataInput, WebProcessingService
from support.ogc_wps import SPELLINGS
from support.zoo_wps.profile import add_server_to_profile

from sandbox.process import free_port
from sandbox.qgis_process import QgisProfile

from .test_ogc_service import BOXES, METALINK, WORDS, extent, owslib_box, owslib_literals, points_layer


@pytest.fixture(scope="module")
def ogc_profile(plugin_zip, ogc_server, tmp_path_factory):
    """(profile, server id): the plugin installed from the zip and enabled, the third service configured."""
    profile = QgisProfile(tmp_path_factory.mktemp("qgis_process_ogc"))
    profile.install_zip(plugin_zip)
    profile.qgis_process("plugins", "enable", "wmsedge")
    return profile, add_server_to_profile(profile, "OGC rules", ogc_server.url)


@pytest.fixture(scope="module")
def wps(ogc_server):
    return WebProcessingService(ogc_server.url, version="1.0.0")


@pytest.mark.parametrize("spelling", ["code", "uri"])
@pytest.mark.parametrize("index, authid, box", BOXES)
def test_bbox_centre_and_echo(ogc_profile, wps, spelling, index, authid, box):
    profile, server_id = ogc_profile
    centre = profile.run_algorithm(f"{server_id}:bbox_centre_{spelling}", {"bbox": extent(box, authid)})["results"]
    direct = owslib_literals(wps, f"bbox_centre_{spelling}", [("bbox", owslib_box(box, SPELLINGS[spelling][index]))])
    assert (centre["x"], centre["y"]) == pytest.approx(((box[0] + box[2]) / 2, (box[1] + box[3]) / 2))
    assert (centre["x"], centre["y"]) == pytest.approx((float(direct["x"]), float(direct["y"])))
    echo = profile.run_algorithm(f"{server_id}:bbox_echo_{spelling}", {"bbox": extent(box, authid)})["results"]
    assert echo["bbox"] == extent(box, authid)


def test_enum_help_and_values_agree(ogc_profile, wps):
    profile, server_id = ogc_profile
    help_text = profile.qgis_process("help", f"{server_id}:calculate").stdout
    assert "3: divide" in help_text  # QGIS's own listing of the options' numbers
    direct = float(owslib_literals(wps, "calculate", [("a", "7"), ("b", "2"), ("operator", "divide"),
                                                      ("factor", "4")])["result"])
    for operator, factor in (("3", "2"), ("divide", "4"), ("3", "4")):
        results = profile.run_algorithm(f"{server_id}:calculate", {"a": 7, "b": 2, "operator": operator,
                                                                   "factor": factor})["results"]
        assert results == {"result": direct, "factor": 4}
    refused = profile.qgis_process("run", f"{server_id}:calculate", "--", "a=1", "b=2", "operator=power", check=False)
    assert refused.returncode != 0
    assert "Operator: “power” is not one of the options; give its number or its text (0: add, 1: subtract, " \
           "2: multiply, 3: divide)." in refused.stdout + refused.stderr


def test_each_range_is_checked_before_sending(ogc_profile, wps):
    profile, server_id = ogc_profile
    assert profile.run_algorithm(f"{server_id}:level", {"level": 150})["results"] == {
        "level": int(owslib_literals(wps, "level", [("level", "150")])["level"])}
    refused = profile.qgis_process("run", f"{server_id}:level", "--", "level=50", check=False)
    output = refused.stdout + refused.stderr
    assert refused.returncode != 0 and "Traceback" not in output
    assert "Level: 50 is not allowed; the server accepts 42, [1, 10], [100, 200]." in output


def test_text_by_reference_and_gml2(ogc_profile, wps, text_server, tmp_path):
    profile, server_id = ogc_profile
    (tmp_path / "words.txt").write_text(WORDS, encoding="utf-8")
    url = text_server("words.txt")
    words = profile.run_algorithm(f"{server_id}:words_by_reference", {"document": url})["results"]
    direct = owslib_literals(wps, "words_by_reference", [("document", ComplexDataInput(url, mimeType="text/plain"))])
    assert words == {"words": int(direct["words"]), "url": direct["url"]} == {"words": 9, "url": url}
    (tmp_path / "points.gml").write_text(
        '<ogr:FeatureCollection xmlns:ogr="http://ogr.maptools.org/" xmlns:gml="http://www.opengis.net/gml">'
        '<gml:featureMember><ogr:p><ogr:geometryProperty><gml:Point><gml:coordinates>4,8</gml:coordinates>'
        '</gml:Point></ogr:geometryProperty></ogr:p></gml:featureMember></ogr:FeatureCollection>', encoding="utf-8")
    by_reference = profile.run_algorithm(f"{server_id}:gml2_points", {"features": text_server("points.gml")})
    assert by_reference["results"] == {"count": 1, "mean_x": 4.0, "mean_y": 8.0}  # a layer's bare URL goes as is
    points = [(1.5, 2.0), (3.5, 6.0)]
    gml = profile.run_algorithm(f"{server_id}:gml2_points", {"features": points_layer(tmp_path, points)})["results"]
    assert gml == {"count": 2, "mean_x": 2.5, "mean_y": 4.0}


def test_metalink_is_written_as_metalink(ogc_profile, wps, tmp_path):
    profile, server_id = ogc_profile
    temporary = profile.run_algorithm(f"{server_id}:metalink", {"count": 2, "files": "TEMPORARY_OUTPUT"})
    assert temporary["results"]["files"].endswith(".metalink")  # qgis_process removes it on exit
    path = profile.run_algorithm(f"{server_id}:metalink", {"count": 2, "files": tmp_path / "files.metalink"})[
        "results"]["files"]
    direct = ElementTree.fromstring(wps.execute("metalink", [("count", "2")]).processOutputs[0].data[0].encode())
    assert [item.text for item in ElementTree.parse(path).iter(f"{METALINK}identity")] == [
        item.text for item in direct.iter(f"{METALINK}identity")] == ["files", "file_0", "file_1"]


def test_an_unreachable_server_says_why_its_algorithms_are_missing(plugin_zip, tmp_path):
    """No cache and nothing listening: qgis_process prints the provider's warning, not only "not found"."""
    profile = QgisProfile(tmp_path / "profile")
    profile.install_zip(plugin_zip)
    profile.qgis_process("plugins", "enable", "wmsedge")
    url = f"http://127.0.0.1:{free_port()}/wps"  # nothing listens there
    settings = profile.config / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    with settings.open("a", encoding="utf-8") as stream:  # as the README describes a server added by hand
        stream.write(f"\n[wmsedge]\nwps_servers\\wps_down\\title=Down\nwps_servers\\wps_down\\url={url}\n")
    result = profile.qgis_process("run", "wps_down:anything", "--", "a=1", check=False)
    assert result.returncode != 0
    assert f"The processes of the WPS server Down could not be loaded: the WPS server at {url} cannot be reached" \
        in result.stderr
    assert "wps_down:anything not found" in result.stderr
