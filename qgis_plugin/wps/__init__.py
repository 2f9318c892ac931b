"""The WPS 1.0.0 client of the plugin: :mod:`.protocol` and :mod:`.rules` need no QGIS; :mod:`.client`
sends requests over QGIS's network stack; :mod:`.execute` turns a run's errors and progress into
Processing's."""
