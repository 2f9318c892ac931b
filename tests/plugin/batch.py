"""Running QGIS's batch dialog (processing.gui.BatchAlgorithmDialog) headless, on QGIS 3.22 and 3.40."""

from __future__ import annotations

import time

from qgis.core import QgsApplication
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QEvent


def run_batch(dialog):
    """Run every row of ``dialog``; the successful rows and the failed ones, as the dialog reports them.

    Both versions end a batch with ``createSummaryTable(results, errors)`` (lists of
    {"parameters", "results"} and {"parameters", "errors"}). QGIS 3.22 runs the rows inside
    ``runAlgorithm``; 3.40 (QgsProcessingBatchAlgorithmDialogBase) runs them as background tasks,
    reports after the last one, and a hidden dialog then deletes itself with ``deleteLater``.
    The dialog is deleted here while QGIS runs: left to the interpreter's exit, its point widget
    crashes. ``deleteLater`` may safely be called twice (Qt documents it).
    """
    reported = {}
    summary_table = dialog.createSummaryTable

    def create_summary_table(results, errors):
        reported.update(results=results, errors=errors)
        summary_table(results, errors)

    dialog.createSummaryTable = create_summary_table
    dialog.runAlgorithm()
    while not reported:
        QgsApplication.processEvents()
        time.sleep(0.01)
    if not sip.isdeleted(dialog):
        dialog.deleteLater()
    QgsApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
    return reported["results"], reported["errors"]
