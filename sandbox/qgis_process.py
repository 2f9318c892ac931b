"""A throw-away QGIS profile with our plugin installed from its package zip, for ``qgis_process``."""

from __future__ import annotations

import json
import os
import subprocess
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
QGIS_PYTHON = "/usr/bin/python3"  # the interpreter that has qgis; the packager needs nothing more
QGIS_PROCESS = "/usr/bin/qgis_process.bin"  # the Debian wrapper passes --noversioncheck, which 3.22 rejects
PLUGIN_NAME = "wmsedge"


def build_plugin_zip(output: Path, name: str = PLUGIN_NAME) -> Path:
    """The plugin zip, built by scripts/package_plugin.py (what ``make package`` runs)."""
    subprocess.run([QGIS_PYTHON, str(ROOT / "scripts" / "package_plugin.py"), "--name", name, "--output",
                    str(output)], check=True, capture_output=True, text=True, timeout=120)
    return output


class QgisProfile:
    """A QGIS home and profile in ``directory``, for ``qgis_process`` and standalone PyQGIS scripts."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self.config = self.directory / "config"
        self.plugins = self.config / "profiles" / "default" / "python" / "plugins"
        self.plugins.mkdir(parents=True, exist_ok=True)

    def env(self) -> dict:
        runtime = self.directory / "runtime"
        runtime.mkdir(mode=0o700, exist_ok=True)
        env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
        env.update({"QT_QPA_PLATFORM": "offscreen", "HOME": str(self.directory), "XDG_RUNTIME_DIR": str(runtime),
                    "QGIS_CUSTOM_CONFIG_PATH": str(self.config), "QGIS_OPTIONS_PATH": str(self.config)})
        return env

    def install_zip(self, archive: Path) -> None:
        with zipfile.ZipFile(archive) as opened:
            opened.extractall(self.plugins)

    def install_plugin(self) -> QgisProfile:
        """Build the zip, unpack it here and enable the plugin (as a user would)."""
        self.install_zip(build_plugin_zip(self.directory / f"{PLUGIN_NAME}.zip"))
        self.qgis_process("plugins", "enable", PLUGIN_NAME)
        return self

    def qgis_process(self, *arguments, check=True, timeout=300) -> subprocess.CompletedProcess:
        result = subprocess.run([QGIS_PROCESS, *arguments], env=self.env(), capture_output=True, text=True,
                                timeout=timeout, stdin=subprocess.DEVNULL, check=False)
        if check and result.returncode != 0:
            raise RuntimeError(f"qgis_process {' '.join(arguments[:3])} failed (exit {result.returncode}):\n"
                               f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result

    def run_algorithm(self, algorithm: str, parameters: dict) -> dict:
        """``qgis_process --json run ALG -- KEY=VALUE ...``; the JSON answer."""
        arguments = [f"{key}={value}" for key, value in parameters.items()]
        result = self.qgis_process("--json", "run", algorithm, "--", *arguments)
        return json.loads(result.stdout[result.stdout.index("{"):])
