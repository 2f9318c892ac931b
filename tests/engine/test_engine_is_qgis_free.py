"""The engine must run without QGIS, Qt or PyWPS: the server and the plugin both ship it."""

import ast
import pathlib
import subprocess
import sys

CORE = pathlib.Path(__file__).resolve().parents[2] / "qgis_plugin" / "core"
ALLOWED_THIRD_PARTY = {"numpy", "PIL", "requests"}


def imported_top_level_names(path):
    tree = ast.parse(path.read_text(), filename=str(path))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0:
            yield node.module.split(".")[0]


def test_engine_imports_only_stdlib_numpy_pillow_requests():
    modules = sorted(CORE.glob("*.py"))
    assert modules, f"no engine modules found in {CORE}"
    for module in modules:
        foreign = set(imported_top_level_names(module)) - set(sys.stdlib_module_names) - ALLOWED_THIRD_PARTY
        assert not foreign, f"{module.name} imports {sorted(foreign)}"


def test_engine_imports_with_qgis_qt_and_pywps_blocked():
    blocker = (
        "import sys\n"
        "for name in ('qgis', 'PyQt5', 'pywps', 'osgeo'):\n"
        "    sys.modules[name] = None\n"
        "import qgis_plugin.core as core\n"
        "import numpy\n"
        "print(core.edge_filter(numpy.ones((3, 3)), 'sobel_x').sum())\n"
    )
    root = CORE.parents[1]
    result = subprocess.run([sys.executable, "-c", blocker], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "0.0"
