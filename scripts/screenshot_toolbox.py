"""Screenshot of the Processing toolbox listing remote WPS processes: docs/remote-toolbox.png.

Usage (needs an X display; Xvfb gives one): xvfb-run -a .venv/bin/python scripts/screenshot_toolbox.py [--output PNG]

What it does, all on loopback and in throw-away folders:
1. starts the zoo test WPS (tests/support/zoo_wps) and our own WPS (over a QGIS Server WMS);
2. makes a fresh QGIS profile, installs the plugin from its package zip, enables it, and adds
   both servers to the profile with the installed plugin's ServerStore (as a user would);
3. starts the real QGIS desktop on that profile with a startup script that opens the Processing
   toolbox, expands the remote providers, grabs the toolbox to PNG and quits QGIS.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(1, str(ROOT))

from support.zoo_wps import ZooWpsServer  # noqa: E402
from support.zoo_wps.profile import add_server_to_profile  # noqa: E402

from sandbox.qgis_process import QgisProfile  # noqa: E402
from sandbox.wms import start_wms_server  # noqa: E402
from sandbox.wps import WpsServer  # noqa: E402

QGIS_DESKTOP = "/usr/bin/qgis"
DEFAULT_OUTPUT = ROOT / "docs" / "remote-toolbox.png"
QGIS_TIMEOUT = 180

# Runs inside QGIS (``qgis --code``): waits until the main window is up, then shows the toolbox
# floating at a fixed size, with only the given providers expanded and scrolled into view, and saves
# its picture.
_GRAB = textwrap.dedent("""
    from qgis.core import QgsApplication
    from qgis.PyQt.QtCore import Qt, QTimer
    from qgis.utils import iface, plugins

    OUTPUT = {output!r}
    PROVIDERS = {providers!r}
    FAILED = {failed!r}

    def grab():
        try:
            toolbox = plugins["processing"].toolbox
            toolbox.setFloating(True)
            toolbox.show()
            toolbox.resize(440, 560)
            tree = toolbox.algorithmTree
            tree.collapseAll()
            model = tree.model()
            for row in range(model.rowCount()):
                index = model.index(row, 0)
                name = model.data(index, Qt.DisplayRole)
                if name in PROVIDERS:
                    tree.expand(index)
            tree.scrollToBottom()
            QgsApplication.processEvents()
            if not toolbox.grab().save(OUTPUT):
                raise RuntimeError("the picture could not be saved")
        except Exception as exc:
            open(FAILED, "w").write(repr(exc))
        finally:
            iface.actionExit().trigger()

    QTimer.singleShot(3000, grab)
""")


def take_screenshot(output: Path) -> None:
    if not os.environ.get("DISPLAY"):
        raise SystemExit("no X display: run it under Xvfb: xvfb-run -a .venv/bin/python scripts/screenshot_toolbox.py")
    with tempfile.TemporaryDirectory(prefix="wmsedge-screenshot-") as folder:
        folder = Path(folder)
        wms = start_wms_server(folder / "wms")
        try:
            with ZooWpsServer(folder / "zoo") as zoo, WpsServer(folder / "wps", wms.url) as wps:
                profile = QgisProfile(folder / "profile").install_plugin()
                titles = ["Zoo (test WPS)", "WMS Edge (our WPS)"]
                add_server_to_profile(profile, titles[0], zoo.url)
                add_server_to_profile(profile, titles[1], wps.url)
                failed = folder / "failed.txt"
                script = folder / "grab.py"
                script.write_text(_GRAB.format(output=str(output), providers=titles, failed=str(failed)))
                env = {**profile.env(), "DISPLAY": os.environ["DISPLAY"]}
                env.pop("QT_QPA_PLATFORM")
                result = subprocess.run(
                    [QGIS_DESKTOP, "--profiles-path", str(profile.config), "--nologo", "--noversioncheck",
                     "--code", str(script)],
                    env=env, capture_output=True, text=True, timeout=QGIS_TIMEOUT, stdin=subprocess.DEVNULL)
                if failed.exists():
                    raise SystemExit(f"QGIS could not take the picture: {failed.read_text()}")
                if not output.is_file():
                    raise SystemExit(f"QGIS wrote no picture (exit {result.returncode}):\n{result.stderr[-3000:]}")
        finally:
            wms.stop()
    print(output)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT)
    arguments = parser.parse_args()
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    if arguments.output.exists():
        arguments.output.unlink()
    take_screenshot(arguments.output.resolve())


if __name__ == "__main__":
    main()
