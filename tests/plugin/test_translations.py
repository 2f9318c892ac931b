"""The French translation is complete, compiled from the current .ts, and keeps every placeholder."""

from __future__ import annotations

import re
import string
import subprocess
import xml.etree.ElementTree as ElementTree

from sandbox.qgis_process import QGIS_PYTHON
from sandbox.qgis_process import ROOT as REPO

TS_FILE = REPO / "qgis_plugin" / "i18n" / "wmsedge_fr.ts"


def test_ts_is_current_complete_and_compiled():
    result = subprocess.run([QGIS_PYTHON, str(REPO / "scripts" / "translations.py"), "--check"],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr


def test_translations_keep_placeholders_and_markup():
    formatter = string.Formatter()
    for message in ElementTree.parse(TS_FILE).getroot().iter("message"):
        source, translation = message.findtext("source"), message.findtext("translation")
        fields = sorted(name for _, name, _, _ in formatter.parse(source) if name)
        assert sorted(name for _, name, _, _ in formatter.parse(translation) if name) == fields, source
        assert re.findall(r"</?\w+>", translation) == re.findall(r"</?\w+>", source), source
