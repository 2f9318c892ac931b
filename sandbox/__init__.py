"""Local servers for the demo, the tests and the benchmarks, all on 127.0.0.1.

- :mod:`sandbox.wms`: a real QGIS Server (``qgis_mapserver``) over generated data;
- :mod:`sandbox.wps`: our WPS under gunicorn, configured to use that WMS.

Standard library and numpy only, so the pip-only server venv can use them too.
"""
