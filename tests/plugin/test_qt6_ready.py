"""The plugin keeps out the Qt 5-only forms that PyQt6 (QGIS 4) rejects.

Checked on the syntax tree of every module of qgis_plugin/: Qt imported other than through
``qgis.PyQt``, ``exec_()``/``print_()``, classes PyQt6 removed, and Qt enum values reached
without their enum (``Qt.DirectConnection`` instead of ``Qt.ConnectionType.DirectConnection``;
PyQt6 only has the scoped form, PyQt5 has both). QGIS's own enums are left alone: QGIS 4 keeps
their unscoped names, and many scoped ones do not exist yet in QGIS 3.22.
QGIS's scripts/pyqt5_to_pyqt6/pyqt5_to_pyqt6.py finds the same forms (see the README).
"""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

PLUGIN = Path(__file__).resolve().parents[2] / "qgis_plugin"
RENAMED_METHODS = {"exec_": "exec", "print_": "print"}
REMOVED_IN_QT6 = {"QRegExp", "QRegExpValidator", "QDesktopWidget", "qApp", "QMatrix", "QGLWidget", "QTextCodec",
                  "QSound", "resources_rc"}


def _is_qt_enum_value(value) -> bool:
    """A PyQt5 enum value (its type is a sip enum) or a PyQt6 one (an enum.Enum)."""
    kind = type(value)
    return type(kind).__name__ in ("enumtype", "EnumType") and not isinstance(value, type)


def qt5_only_forms(source: str, filename: str = "<source>") -> list[str]:
    """Each Qt 5-only form in ``source``, as "file:line: what"."""
    tree = ast.parse(source, filename)
    problems = []
    qt_names = {}  # local name -> Qt class, for the names imported from qgis.PyQt.QtXxx
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            for alias in node.names:
                if alias.name in REMOVED_IN_QT6:
                    problems.append(f"{filename}:{node.lineno}: {alias.name} does not exist in Qt 6")
            if module.split(".")[0] in ("PyQt5", "PyQt6", "sip"):
                problems.append(f"{filename}:{node.lineno}: import from {module}, not qgis.PyQt")
            elif module.startswith("qgis.PyQt.Qt"):
                qt_module = importlib.import_module(module)
                for alias in node.names:
                    qt_names[alias.asname or alias.name] = getattr(qt_module, alias.name, None)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in ("PyQt5", "PyQt6", "sip"):
                    problems.append(f"{filename}:{node.lineno}: import {alias.name}, not qgis.PyQt")
        elif isinstance(node, ast.Attribute) and node.attr in RENAMED_METHODS:
            problems.append(f"{filename}:{node.lineno}: {node.attr}(), {RENAMED_METHODS[node.attr]}() in Qt 6")
        elif isinstance(node, ast.FunctionDef) and node.name in RENAMED_METHODS:
            problems.append(f"{filename}:{node.lineno}: def {node.name}, {RENAMED_METHODS[node.name]} in Qt 6")
        elif isinstance(node, ast.Name) and node.id in REMOVED_IN_QT6:
            problems.append(f"{filename}:{node.lineno}: {node.id} does not exist in Qt 6")
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in qt_names:
            value = getattr(qt_names[node.value.id], node.attr, None)
            if _is_qt_enum_value(value):
                scoped = f"{node.value.id}.{type(value).__name__}.{node.attr}"
                problems.append(f"{filename}:{node.lineno}: {node.value.id}.{node.attr}, not {scoped}")
    return problems


@pytest.mark.parametrize("module", sorted(PLUGIN.rglob("*.py")), ids=lambda path: str(path.relative_to(PLUGIN)))
def test_plugin_module_has_no_qt5_only_form(module):
    assert qt5_only_forms(module.read_text(encoding="utf-8"), module.name) == []


def test_the_check_finds_each_qt5_only_form():
    source = (
        "from PyQt5.QtCore import QRegExp\n"
        "from qgis.PyQt.QtCore import Qt, QUrl\n"
        "from qgis.PyQt.QtWidgets import QDialog\n"
        "signal.connect(slot, Qt.DirectConnection)\n"
        "url.toString(QUrl.UrlFormattingOption.RemoveQuery | QUrl.RemoveFragment)\n"
        "ok = dialog.exec_() == QDialog.DialogCode.Accepted\n"
        "signal.connect(slot, Qt.ConnectionType.QueuedConnection)\n"
    )
    assert qt5_only_forms(source) == [
        "<source>:1: QRegExp does not exist in Qt 6",
        "<source>:1: import from PyQt5.QtCore, not qgis.PyQt",
        "<source>:6: exec_(), exec() in Qt 6",
        "<source>:4: Qt.DirectConnection, not Qt.ConnectionType.DirectConnection",
        "<source>:5: QUrl.RemoveFragment, not QUrl.UrlFormattingOption.RemoveFragment",
    ]
