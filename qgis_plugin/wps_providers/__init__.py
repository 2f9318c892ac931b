"""Remote WPS servers as Processing providers: every process of a configured server is an algorithm.

The WPS protocol itself, and its rules that need no QGIS, are in :mod:`qgis_plugin.wps`.

- ``servers``: the configured servers (QGIS settings) and the ``ServerStore`` that edits them;
- ``cache``: the GetCapabilities and DescribeProcess documents of each server, kept on disk;
- ``parameters``: Processing parameters and outputs generated from a process description, and
  the conversion of parameter values into WPS inputs;
- ``algorithm``: one ``QgsProcessingAlgorithm`` per process, which runs it on the server;
- ``provider`` and ``registry``: one provider per server, added and removed as the store changes.
"""
