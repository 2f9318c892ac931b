"""Test support shared by tests/engine, tests/server and tests/plugin.

Import it as ``from support.wms_server import ...`` (not ``tests.support``):
tests/conftest.py puts the tests/ folder on ``sys.path``, which works both
from the repository root (``pytest tests/...``) and for the pip-only run
``cd tests && python -m pytest --rootdir=.. -c ../pyproject.toml engine server``.

Nothing here imports qgis or osgeo: ``wms_server`` runs ``make_wms_project.py``
with ``/usr/bin/python3`` in a subprocess and drives the ``qgis_mapserver`` binary.
"""
