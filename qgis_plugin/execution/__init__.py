"""The two ways ``wmsedge:edge_tile`` runs, one job type each: :mod:`.in_process` (this QGIS computes)
and :mod:`.via_wps` (the WMS Edge WPS server computes). Both leave the same Cloud Optimized GeoTIFF
at the job's output path, or nothing."""

from qgis.core import QgsProcessingException

from ..translation import tr


def canceled() -> QgsProcessingException:
    return QgsProcessingException(tr("Cancelled: no output was written."))
