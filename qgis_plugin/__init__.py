"""WMS Edge: the QGIS plugin package (its engine lives in ``core``)."""


def classFactory(iface):  # noqa: N802 (QGIS plugin entry point)
    """QGIS entry point; imports Qt only here so that ``core`` stays QGIS-free."""
    from .plugin import WmsEdgePlugin

    return WmsEdgePlugin(iface)
