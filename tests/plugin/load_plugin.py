"""Load a plugin from a QGIS profile's plugin folder the way QGIS does, and report in JSON.

Run with /usr/bin/python3 in an isolated profile (QGIS_CUSTOM_CONFIG_PATH):
``load_plugin.py PLUGINS_DIR NAME [LOCALE]`` (LOCALE: the QGIS user interface locale to set
first, as the Options dialog does, e.g. fr_FR). Prints {"loaded", "processing_started", "providers",
"algorithms", "metadata", "display_name_fr"} and unloads the plugin.
"""

import json
import sys

from qgis.core import QgsApplication, QgsSettings

plugins_dir, name = sys.argv[1], sys.argv[2]
app = QgsApplication([], False)
app.initQgis()
if len(sys.argv) > 3:
    QgsSettings().setValue("locale/userLocale", sys.argv[3])
sys.path.insert(0, "/usr/share/qgis/python/plugins")
import qgis.utils  # noqa: E402
from processing.core.Processing import Processing  # noqa: E402

Processing.initialize()
qgis.utils.plugin_paths = [plugins_dir]
sys.path.insert(0, plugins_dir)
qgis.utils.updateAvailablePlugins()
report = {"available": name in qgis.utils.available_plugins, "loaded": qgis.utils.loadPlugin(name)}
report["processing_started"] = qgis.utils.startProcessingPlugin(name)
registry = QgsApplication.processingRegistry()
provider = registry.providerById("wmsedge")
report["providers"] = [p.id() for p in registry.providers()]
report["algorithms"] = [a.id() for a in provider.algorithms()] if provider else []
report["display_name"] = registry.algorithmById("wmsedge:edge_tile").displayName() if provider else None
report["metadata"] = {key: qgis.utils.pluginMetadata(name, key)
                      for key in ("name", "version", "qgisMinimumVersion", "hasProcessingProvider", "icon")}
report["module_file"] = sys.modules[name].__file__
report["locale"] = QgsSettings().value("locale/userLocale", "")
report["unloaded"] = qgis.utils.unloadPlugin(name)
report["provider_after_unload"] = registry.providerById("wmsedge") is not None
print("REPORT " + json.dumps(report))
app.exitQgis()
