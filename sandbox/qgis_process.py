"""Run ``qgis_process`` with our plugin installed in a throw-away QGIS profile."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

QGIS_PROCESS = "/usr/bin/qgis_process.bin"  # the Debian wrapper passes --noversioncheck, which 3.22 rejects
PLUGIN_NAME = "wmsedge"
PLUGIN_SOURCE = Path(__file__).resolve().parents[1] / "qgis_plugin"


class QgisProcess:
    """A QGIS profile in ``directory`` with the plugin linked in and enabled."""

    def __init__(self, directory: Path, plugin_folder: Path = PLUGIN_SOURCE):
        self.directory = Path(directory)
        self.config_path = self.directory / "config"
        plugins = self.config_path / "profiles" / "default" / "python" / "plugins"
        plugins.mkdir(parents=True, exist_ok=True)
        link = plugins / PLUGIN_NAME
        if not link.exists():
            link.symlink_to(Path(plugin_folder).resolve(), target_is_directory=True)
        self._call(["plugins", "enable", PLUGIN_NAME])

    def env(self) -> dict:
        runtime = self.directory / "runtime"
        runtime.mkdir(mode=0o700, exist_ok=True)
        env = {key: value for key, value in os.environ.items() if not key.startswith(("PYTHON", "VIRTUAL_ENV"))}
        env.update({
            "QT_QPA_PLATFORM": "offscreen",
            "HOME": str(self.directory),
            "XDG_RUNTIME_DIR": str(runtime),
            "QGIS_CUSTOM_CONFIG_PATH": str(self.config_path),
            "QGIS_OPTIONS_PATH": str(self.config_path),
        })
        return env

    def run(self, algorithm: str, parameters: dict, timeout: float = 300) -> dict:
        """Run ``algorithm`` with ``parameters``; return qgis_process's JSON result, or raise with its output."""
        arguments = [f"--{key}={value}" for key, value in parameters.items()]
        result = self._call(["--json", "run", algorithm, "--", *arguments], timeout=timeout)
        return json.loads(result.stdout[result.stdout.index("{"):])

    def _call(self, arguments, timeout: float = 120):
        result = subprocess.run([QGIS_PROCESS, *arguments], env=self.env(), capture_output=True, text=True,
                                timeout=timeout, stdin=subprocess.DEVNULL, check=False)
        if result.returncode != 0:
            raise RuntimeError(f"qgis_process {' '.join(arguments[:3])} failed (exit {result.returncode}):\n"
                               f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
        return result
