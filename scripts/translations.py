"""Refresh the plugin's Qt translation sources (i18n/*.ts) from the code, and compile them (.qm).

The plugin's strings all go through ``tr("...")`` with one context (``WmsEdge``,
see ``qgis_plugin/translation.py``), so they are collected here with Python's
``ast``: pylupdate5 is not packaged for Debian 12 any more, and Qt 5's
``lupdate`` does not read Python. Existing translations are kept; new
strings are added as unfinished; strings no longer in the code are dropped.
Then ``lrelease`` (Debian package qttools5-dev-tools) writes the ``.qm`` files.

Usage: python3 scripts/translations.py [--check]
  --check  change nothing; exit 1 if a .ts is out of date or has unfinished messages.
"""

from __future__ import annotations

import argparse
import ast
import shutil
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ElementTree
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PLUGIN = ROOT / "qgis_plugin"
I18N = PLUGIN / "i18n"
CONTEXT = "WmsEdge"
LANGUAGES = {"fr": "fr_FR"}


def collect_messages(plugin: Path = PLUGIN) -> dict:
    """{source text: [(relative file, line), ...]} of every ``tr("literal")`` call in the plugin."""
    messages = {}
    for path in sorted(plugin.rglob("*.py")):
        relative = path.relative_to(plugin)
        if relative.parts[0] == "core":  # the QGIS-free engine has no Qt strings
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.Call) or not node.args:
                continue
            name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", None)
            first = node.args[0]
            if name == "tr" and isinstance(first, ast.Constant) and isinstance(first.value, str):
                messages.setdefault(first.value, []).append((relative.as_posix(), node.lineno))
    return messages


def read_translations(ts_file: Path) -> dict:
    """{source: translation} of the finished messages of an existing .ts file."""
    if not ts_file.is_file():
        return {}
    translations = {}
    for message in ElementTree.parse(ts_file).getroot().iter("message"):
        source, translation = message.find("source"), message.find("translation")
        if source is None or translation is None or translation.get("type") in ("unfinished", "obsolete"):
            continue
        if translation.text:
            translations[source.text or ""] = translation.text
    return translations


def ts_document(language: str, messages: dict, translations: dict) -> bytes:
    root = ElementTree.Element("TS", {"version": "2.1", "language": language})
    context = ElementTree.SubElement(root, "context")
    ElementTree.SubElement(context, "name").text = CONTEXT
    for source, locations in messages.items():
        message = ElementTree.SubElement(context, "message")
        for filename, line in locations:
            ElementTree.SubElement(message, "location", {"filename": f"../{filename}", "line": str(line)})
        ElementTree.SubElement(message, "source").text = source
        translation = ElementTree.SubElement(message, "translation")
        if source in translations:
            translation.text = translations[source]
        else:
            translation.set("type", "unfinished")
    ElementTree.indent(root)
    return b'<?xml version="1.0" encoding="utf-8"?>\n<!DOCTYPE TS>\n' + ElementTree.tostring(root, "utf-8") + b"\n"


def unfinished(messages: dict, translations: dict) -> list:
    return [source for source in messages if source not in translations]


def compile_qm(ts_file: Path, qm_file: Path | None = None) -> Path:
    lrelease = shutil.which("lrelease")
    if lrelease is None:
        raise SystemExit("lrelease not found: install the Debian package qttools5-dev-tools")
    qm_file = qm_file or ts_file.with_suffix(".qm")
    subprocess.run([lrelease, "-silent", str(ts_file), "-qm", str(qm_file)], check=True)
    return qm_file


def qm_is_current(ts_file: Path) -> bool:
    """Whether the committed .qm is what lrelease makes of the .ts now."""
    qm_file = ts_file.with_suffix(".qm")
    with tempfile.TemporaryDirectory() as folder:
        fresh = compile_qm(ts_file, Path(folder) / qm_file.name)
        return qm_file.is_file() and fresh.read_bytes() == qm_file.read_bytes()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a .ts is stale or incomplete")
    args = parser.parse_args(argv)
    messages = collect_messages()
    status = 0
    for short, language in LANGUAGES.items():
        ts_file = I18N / f"wmsedge_{short}.ts"
        translations = read_translations(ts_file)
        document = ts_document(language, messages, translations)
        missing = unfinished(messages, translations)
        if args.check:
            if not ts_file.is_file() or ts_file.read_bytes() != document or not qm_is_current(ts_file):
                print(f"{ts_file.relative_to(ROOT)} or its .qm is out of date: run make translations",
                      file=sys.stderr)
                status = 1
            for source in missing:
                print(f"{ts_file.name}: untranslated: {source[:70]!r}", file=sys.stderr)
                status = 1
            continue
        I18N.mkdir(parents=True, exist_ok=True)
        ts_file.write_bytes(document)
        qm_file = compile_qm(ts_file)
        print(f"{ts_file.relative_to(ROOT)}: {len(messages)} messages, {len(missing)} untranslated; "
              f"compiled {qm_file.relative_to(ROOT)}")
    return status


if __name__ == "__main__":
    sys.exit(main())
