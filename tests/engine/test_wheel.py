"""What ``pip install .[server]`` installs: the engine under its own name and the server, every module
of both, and no module that imports QGIS (the plugin's folder is QGIS code and is never installed)."""

import ast
import pathlib
import subprocess
import sys
import zipfile

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def wheel(tmp_path_factory):
    folder = tmp_path_factory.mktemp("wheel")
    build = tmp_path_factory.mktemp("build")
    result = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                             "-w", str(folder), str(ROOT)], capture_output=True, text=True, timeout=600,
                            env={"PATH": "/usr/bin:/bin", "TMPDIR": str(build), "HOME": str(build)})
    assert result.returncode == 0, result.stderr[-3000:]
    (path,) = folder.glob("wmsedge-*.whl")
    return zipfile.ZipFile(path)


def modules_of(wheel):
    return {name: wheel.read(name).decode("utf-8") for name in wheel.namelist() if name.endswith(".py")}


def test_the_wheel_holds_every_engine_and_server_module_and_nothing_else(wheel):
    expected = {f"wmsedge_engine/{path.relative_to(ROOT / 'qgis_plugin' / 'core').as_posix()}"
                for path in (ROOT / "qgis_plugin" / "core").rglob("*.py")}
    expected |= {path.relative_to(ROOT).as_posix() for path in (ROOT / "wps_server").rglob("*.py")}
    assert set(modules_of(wheel)) == expected
    assert "wps_server/default.cfg" in wheel.namelist()


def test_no_module_of_the_wheel_imports_qgis_or_qt(wheel):
    for name, source in modules_of(wheel).items():
        for node in ast.walk(ast.parse(source, filename=name)):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import)
                     else [node.module or ""] if isinstance(node, ast.ImportFrom) and node.level == 0 else [])
            assert not any(n.split(".")[0] in ("qgis", "PyQt5", "PyQt6", "qgis_plugin") for n in names), (name, names)
