"""The engine must run without QGIS, Qt or PyWPS: the server and the plugin both ship it."""

import ast
import pathlib
import subprocess
import sys

CORE = pathlib.Path(__file__).resolve().parents[2] / "qgis_plugin" / "core"
ALLOWED_THIRD_PARTY = {"numpy", "PIL", "requests"}
# The COG sink reaches GDAL through whichever binding is installed, imported when it is used.
GDAL_BINDINGS = {"area/cog.py": {"osgeo", "rasterio"}}


def imported_top_level_names(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.split(".")[0]


def test_engine_imports_only_stdlib_numpy_pillow_requests():
    modules = sorted(CORE.rglob("*.py"))
    assert CORE / "area" / "pipeline.py" in modules, f"engine modules not found in {CORE}"
    for module in modules:
        name = module.relative_to(CORE).as_posix()
        allowed = ALLOWED_THIRD_PARTY | GDAL_BINDINGS.get(name, set())
        foreign = set(imported_top_level_names(module)) - set(sys.stdlib_module_names) - allowed
        assert not foreign, f"{name} imports {sorted(foreign)}"


def output_with_blocked(code: str) -> str:
    """What ``code`` prints in a fresh interpreter where qgis, Qt, PyWPS and GDAL cannot be imported."""
    blocker = ("import sys\n"
               "for name in ('qgis', 'PyQt5', 'PyQt6', 'pywps', 'osgeo'):\n"
               "    sys.modules[name] = None\n")
    result = subprocess.run([sys.executable, "-c", blocker + code], cwd=CORE.parents[1], capture_output=True,
                            text=True)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_engine_imports_with_qgis_qt_and_pywps_blocked():
    assert output_with_blocked(
        "import wmsedge_engine as core\n"
        "import wmsedge_engine.area.pipeline, wmsedge_engine.area.wms_source\n"
        "import numpy\n"
        "print(core.edge_filter(numpy.ones((3, 3)), 'sobel_x').sum())\n") == "0.0"


def test_the_plugins_wps_protocol_imports_with_qgis_and_qt_blocked():
    """The WPS protocol and its rules are plain Python too: only the client's transport needs QGIS."""
    assert output_with_blocked(
        "import qgis_plugin.wps.protocol as protocol, qgis_plugin.wps.rules as rules\n"
        "print(protocol.execute_request_xml('p', [], []).startswith(b'<?xml'))\n") == "True"
