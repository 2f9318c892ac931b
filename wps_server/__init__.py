"""The WMS Edge WPS server: PyWPS 4 serving ``get_raster_process``.

``wps_server.app:application`` is the WSGI application (``gunicorn
wps_server.app:application``); ``python -m wps_server`` runs a development
server. Configuration: ``pywps.cfg`` (see :func:`wps_server.app.create_app`).
"""
