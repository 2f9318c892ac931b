"""Pictures of the algorithm in the real QGIS desktop: its dialog (docs/desktop-dialog.png) and the result
on the map (docs/desktop-result.png).

Usage: .venv/bin/python scripts/screenshot_desktop.py [--output-dir DIR]   (starts its own Xvfb)

A QGIS Server WMS of QGIS's world map runs on loopback; a fresh QGIS profile gets the plugin from its
package zip; the desktop adds the countries as the Data Source Manager would, opens the algorithm from
the Processing toolbox, fills it (a centre on the map, no pixel size: the canvas's resolution), grabs
the dialog, presses Run, and grabs the main window once the tile is on the map (see
tests/plugin/desktop_driver.py).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(1, str(ROOT))

from plugin.desktop_session import dsm_source, run_desktop  # noqa: E402

from sandbox.wms import LAYER_WORLD, start_wms_server  # noqa: E402

DEFAULT_OUTPUT_DIR = ROOT / "docs"


def take_screenshots(output_dir: Path) -> list:
    dialog, result = output_dir / "desktop-dialog.png", output_dir / "desktop-result.png"
    with tempfile.TemporaryDirectory(prefix="wmsedge-desktop-") as folder:
        folder = Path(folder)
        wms = start_wms_server(folder / "wms")
        try:
            plan = {
                "layers": [{"name": LAYER_WORLD, "source": dsm_source(wms.url, LAYER_WORLD, "EPSG:4326")}],
                "canvas_crs": "EPSG:4326",
                "canvas_extent": [-14.0, 33.0, 36.0, 63.0],
                "window": [1200, 760],
                "runs": [{"kind": "dialog", "label": "screenshot", "parameters": {
                    "INPUT": f"@layer:{LAYER_WORLD}", "CENTER": "9.0,48.5 [EPSG:4326]", "WIDTH": 512,
                    "HEIGHT": 384, "METHOD": 4, "OUTPUT": str(folder / "edges.tif")},
                    "grab_dialog": str(dialog), "grab_window": str(result)}],
            }
            answer = run_desktop(plan, folder / "session")
        finally:
            wms.stop()
    run = answer["runs"][0]
    if run.get("error") or not run.get("added"):
        raise SystemExit(f"the run did not put a layer on the map (canvas {run.get('canvas')}):\n"
                         f"{run.get('error') or run.get('log', '')[-3000:]}")
    missing = [str(path) for path in (dialog, result) if not path.is_file()]
    if missing:
        raise SystemExit(f"QGIS wrote no picture: {', '.join(missing)}")
    return [dialog, result]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output-dir", type=Path, default=DEFAULT_OUTPUT_DIR)
    arguments = parser.parse_args()
    arguments.output_dir.mkdir(parents=True, exist_ok=True)
    for path in take_screenshots(arguments.output_dir.resolve()):
        print(path)


if __name__ == "__main__":
    main()
