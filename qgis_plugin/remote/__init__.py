"""Remote WPS servers as Processing providers: every process of a configured server is an algorithm.

- ``servers``: the configured servers (QGIS settings) and the ``ServerStore`` that edits them;
- ``cache``: the GetCapabilities and DescribeProcess documents of each server, kept on disk;
- ``parameters``: Processing parameters and outputs generated from a process description, and
  the conversion of parameter values into WPS inputs;
- ``protocol``: the WPS rules that need no QGIS (CRS spellings and axis order, GML versions,
  allowed ranges, enumeration values, output extensions);
- ``algorithm``: one ``QgsProcessingAlgorithm`` per process, which runs it on the server;
- ``provider`` and ``registry``: one provider per server, added and removed as the store changes.
"""
