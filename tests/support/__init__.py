"""Test-only support: loopback endpoints that fail on purpose (``fault_wms``).

Import it as ``from support.fault_wms import ...`` (not ``tests.support``):
tests/conftest.py puts the tests/ folder on ``sys.path``, which works both from
the repository root and for the pip-only run ``cd tests && python -m pytest
--rootdir=.. -c ../pyproject.toml engine server``. The real servers that tests,
demo and benchmarks share live in the top-level ``sandbox`` package.
"""
