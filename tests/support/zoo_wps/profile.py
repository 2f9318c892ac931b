"""Configure a WPS server in a throw-away QGIS profile (sandbox.qgis_process.QgisProfile), as a user would.

The plugin installed in the profile adds the server with its own ``ServerStore`` (so the
GetCapabilities check runs) in a standalone PyQGIS process whose settings are the
profile's: ``qgis_process`` and the desktop started on that profile then see it.
No qgis import here: the work happens in ``/usr/bin/python3``.
"""

from __future__ import annotations

import json
import subprocess

QGIS_PYTHON = "/usr/bin/python3"

_ADD_SERVER = """
import json, sys
from qgis.core import QgsApplication, QgsSettings
# the names QGIS gives itself, which place QgsSettings in <profile>/QGIS/QGIS3.ini
QgsApplication.setOrganizationName("QGIS")
QgsApplication.setOrganizationDomain("qgis.org")
QgsApplication.setApplicationName("QGIS3")
app = QgsApplication([], False)
app.initQgis()
sys.path.insert(0, sys.argv[1])
from {plugin}.wps_providers.servers import ServerStore
server = ServerStore().add(sys.argv[2], sys.argv[3])
print(json.dumps({{"server_id": server.server_id, "settings": QgsSettings().fileName()}}))
app.exitQgis()
"""


def add_server_to_profile(profile, title: str, url: str, plugin: str = "wmsedge") -> str:
    """Add the WPS at ``url`` to ``profile``'s settings with the installed plugin; its server (provider) id."""
    result = subprocess.run([QGIS_PYTHON, "-c", _ADD_SERVER.format(plugin=plugin), str(profile.plugins), title, url],
                            env=profile.env(), capture_output=True, text=True, timeout=120, check=False)
    if result.returncode != 0:
        raise RuntimeError(f"adding {url} to the profile failed:\n{result.stdout[-2000:]}\n{result.stderr[-2000:]}")
    answer = json.loads(result.stdout.strip().splitlines()[-1])
    if not answer["settings"].startswith(str(profile.config)) or not answer["settings"].endswith("QGIS3.ini"):
        raise RuntimeError(f"the server went to {answer['settings']}, not to the profile in {profile.config}")
    return answer["server_id"]
