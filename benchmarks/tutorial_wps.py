"""The tutorial's ``wps.py``: a stock PyWPS ``Service`` with its process and ``pywps.cfg`` from the
current folder (``gunicorn benchmarks.tutorial_wps:application``, run in that folder).

One fix: the tutorial passes ``config_file='pywps.cfg'``, which PyWPS 4.x rejects (TypeError);
its parameter is ``cfgfiles``.
"""

from pywps import Service

from benchmarks.tutorial_baseline import GetRasterProcess

processes = [GetRasterProcess()]
application = Service(processes, cfgfiles=["pywps.cfg"])
