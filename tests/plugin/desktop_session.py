"""Start the real QGIS desktop under Xvfb on a fresh profile with the plugin installed from its zip, let
desktop_driver.py click through the plan, and return what it saw.

Shared by the desktop tests and scripts/screenshot_desktop.py. Xvfb comes from ``xvfb-run`` (Debian
package ``xvfb``), with a screen of its own, whatever ``DISPLAY`` says.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from qgis.PyQt.QtCore import QSettings

from sandbox.qgis_process import QgisProfile

QGIS_DESKTOP = "/usr/bin/qgis"
DRIVER = Path(__file__).with_name("desktop_driver.py")
SCREEN = "1600x1000x24"
TIMEOUT = 240


def dsm_source(url: str, layer: str, crs: str) -> str:
    """A WMS layer's source exactly as QGIS 3.22's Data Source Manager writes it."""
    return (f"contextualWMSLegend=0&crs={crs}&dpiMode=7&featureCount=10&format=image/png&layers={layer}"
            f"&styles&url={url}")


def set_language(profile: QgisProfile, language: str) -> None:
    """The profile's user-interface language and number format, as Settings ▸ Options ▸ General sets them."""
    ini = profile.config / "profiles" / "default" / "QGIS" / "QGIS3.ini"
    ini.parent.mkdir(parents=True, exist_ok=True)
    settings = QSettings(str(ini), QSettings.Format.IniFormat)
    settings.setValue("locale/overrideFlag", True)
    settings.setValue("locale/userLocale", language)
    settings.setValue("locale/globalLocale", {"fr": "fr_FR", "en": "en_US"}.get(language, language))
    settings.sync()


def run_desktop(plan: dict, workdir: Path, language: str = "en", models=()) -> dict:
    """Run ``plan`` (see desktop_driver.py) in a fresh QGIS with ``models`` (QgsProcessingModelAlgorithm)
    saved in the profile's model folder, where Processing finds them; the driver's results."""
    if shutil.which("xvfb-run") is None:
        raise RuntimeError("xvfb-run not found: install the Debian package xvfb (make install does)")
    workdir.mkdir(parents=True, exist_ok=True)
    profile = QgisProfile(workdir / "profile").install_plugin()
    set_language(profile, language)
    model_folder = profile.config / "profiles" / "default" / "processing" / "models"
    model_folder.mkdir(parents=True, exist_ok=True)
    for model in models:
        if not model.toFile(str(model_folder / f"{model.name()}.model3")):
            raise RuntimeError(f"cannot save the model {model.name()}")
    results = workdir / "results.json"
    plan_file = workdir / "plan.json"
    plan_file.write_text(json.dumps({**plan, "results": str(results)}), encoding="utf-8")
    env = {**profile.env(), "WMSEDGE_DESKTOP_PLAN": str(plan_file)}
    env.pop("QT_QPA_PLATFORM")
    env.pop("DISPLAY", None)
    completed = subprocess.run(
        ["xvfb-run", "-a", "-s", f"-screen 0 {SCREEN}", QGIS_DESKTOP, "--profiles-path", str(profile.config),
         "--nologo", "--noversioncheck", "--code", str(DRIVER)],
        env=env, capture_output=True, text=True, timeout=TIMEOUT, stdin=subprocess.DEVNULL, check=False)
    if not results.is_file():
        raise RuntimeError(f"QGIS wrote no results (exit {completed.returncode}):\n{completed.stderr[-4000:]}")
    answer = json.loads(results.read_text(encoding="utf-8"))
    if answer.get("error"):
        raise RuntimeError(f"the desktop driver failed:\n{answer['error']}")
    return answer
