"""Runs inside the real QGIS desktop (``qgis --code desktop_driver.py``) and clicks through it as a user.

It reads its plan from the JSON file named by ``WMSEDGE_DESKTOP_PLAN``: layers to add, the canvas to
show, and runs, each opened from the Processing toolbox (the algorithm's double-click action, or
"Execute as Batch Process…"), filled through the dialog's own parameter widgets, started with the Run
button and waited for. It writes what it saw (layers in the project, the dialog's log, widget geometry,
pictures) to the plan's ``results`` file, then quits QGIS. Used by tests/plugin/test_desktop_*.py and by
scripts/screenshot_desktop.py; it asserts nothing itself.
"""

import json
import os
import time
import traceback

from processing.gui.AlgorithmDialog import AlgorithmDialog
from processing.gui.BatchAlgorithmDialog import BatchAlgorithmDialog
from processing.tools.dataobjects import createContext
from qgis.core import QgsApplication, QgsCoordinateReferenceSystem, QgsProject, QgsRasterLayer, QgsRectangle
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QPoint, QTimer
from qgis.PyQt.QtWidgets import QApplication, QComboBox, QScrollArea, QTextEdit
from qgis.utils import iface, plugins

PLAN = json.loads(open(os.environ["WMSEDGE_DESKTOP_PLAN"], encoding="utf-8").read())
ALGORITHM = "wmsedge:edge_tile"
RESULTS = {"runs": [], "error": None}


def spin(condition, timeout=120.0):
    """Let QGIS work (events, tasks, rendering) until ``condition()`` holds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("QGIS did not get there in time")
        QApplication.processEvents()
        time.sleep(0.02)


def task_ids():
    return {sip.unwrapinstance(task) for task in QgsApplication.taskManager().tasks()}


def layers_snapshot():
    return {layer.id(): layer for layer in QgsProject.instance().mapLayers().values()}


def describe(layer):
    extent = layer.extent()
    return {"name": layer.name(), "source": layer.source(), "crs": layer.crs().authid(),
            "extent": [extent.xMinimum(), extent.yMinimum(), extent.xMaximum(), extent.yMaximum()],
            "size": [layer.width(), layer.height()], "provider": layer.providerType()}


def value_for(value, layers):
    if isinstance(value, str) and value.startswith("@layer:"):
        return layers[value[len("@layer:"):]]
    return value


def select_in_toolbox(algorithm_id=ALGORITHM):
    toolbox = plugins["processing"].toolbox
    toolbox.show()
    tree = toolbox.algorithmTree
    model = tree.model()
    pending = [model.index(row, 0) for row in range(model.rowCount())]
    while pending:
        index = pending.pop()
        algorithm = tree.algorithmForIndex(index)
        if algorithm is not None and algorithm.id() == algorithm_id:
            tree.setCurrentIndex(index)
            return toolbox
        pending.extend(model.index(row, 0, index) for row in range(model.rowCount(index)))
    raise RuntimeError(f"{algorithm_id} is not in the Processing toolbox")


def modal_dialog(kind):
    """The visible dialog of that class (or a subclass: an algorithm's own dialog)."""
    spin(lambda: any(isinstance(widget, kind) and widget.isVisible() for widget in QApplication.topLevelWidgets()),
         60)
    return next(widget for widget in QApplication.topLevelWidgets() if isinstance(widget, kind) and widget.isVisible())


def grab(widget, path):
    if path:
        QApplication.processEvents()
        widget.grab().save(path)


def widget_geometry(dialog):
    """Where each parameter's widget and label lie in the scroll area's viewport, and its scroll range."""
    scroll = dialog.mainWidget().findChild(QScrollArea)
    viewport = scroll.viewport()
    placed = []
    for name, wrapper in dialog.mainWidget().wrappers.items():
        for role, widget in (("widget", wrapper.wrappedWidget()), ("label", wrapper.wrappedLabel())):
            if widget is None or not widget.isVisible():
                continue
            corner = widget.mapTo(viewport, QPoint(0, 0))
            placed.append({"parameter": name, "role": role, "x": corner.x(), "width": widget.width(),
                           "minimum_width": widget.minimumSizeHint().width(),
                           "text": widget.text() if hasattr(widget, "text") else ""})
    return {"dialog": [dialog.width(), dialog.height()], "viewport_width": viewport.width(),
            "horizontal_scroll_range": scroll.horizontalScrollBar().maximum(), "widgets": placed}


def standard_run(run, layers):
    """The algorithm's dialog, opened from the toolbox, filled, run; its record."""
    record = {"kind": "dialog", "label": run["label"]}

    def drive():
        dialog = None
        try:
            dialog = modal_dialog(AlgorithmDialog)
            spin(lambda: dialog.mainWidget() is not None and dialog.mainWidget().wrappers, 30)
            QApplication.processEvents()  # what the dialog does once shown, before a user can look
            record["geometry"] = widget_geometry(dialog)
            record["dialog_class"] = type(dialog).__name__
            context = createContext()
            for name, value in run["parameters"].items():
                if name == "@destination":  # a model's output: "child:output" up to QGIS 3.22, "output" later
                    (name,) = [output.name() for output in dialog.algorithm().destinationParameterDefinitions()]
                dialog.mainWidget().wrappers[name].setParameterValue(value_for(value, layers), context)
            record["texts"] = {name: wrapper.wrappedWidget().text() for name, wrapper in
                               dialog.mainWidget().wrappers.items() if hasattr(wrapper.wrappedWidget(), "text")}
            crs_box = dialog.mainWidget().wrappers.get("CRS")
            if crs_box is not None:
                combo = crs_box.wrappedWidget().findChild(QComboBox)
                record["crs_box"] = combo.currentText() if combo is not None else None
            record["help"] = "\n".join(text.toPlainText() for text in dialog.findChildren(QTextEdit)
                                       if text.objectName() != "txtLog")
            grab(dialog, run.get("grab_dialog"))
            before = layers_snapshot()
            if run.get("press_run", True):
                earlier = task_ids()  # e.g. the batch dialog's progress task, ended only when collected
                dialog.runButton().click()  # adds the task, or reports a failed preparation at once
                spin(lambda: not task_ids() - earlier)
                QApplication.processEvents()
            after = layers_snapshot()
            record["added"] = [describe(layer) for key, layer in after.items() if key not in before]
            log = dialog.findChild(QTextEdit, "txtLog")
            record["log"] = log.toPlainText() if log is not None else ""
            canvas = iface.mapCanvas()
            record["canvas"] = {"units_per_pixel": canvas.mapUnitsPerPixel(), "size": [canvas.width(), canvas.height()],
                                "extent": canvas.extent().toString()}
        except Exception:
            record["error"] = traceback.format_exc() + "\nTasks: " + ", ".join(
                task.description() for task in QgsApplication.taskManager().tasks())
            log = dialog.findChild(QTextEdit, "txtLog") if dialog is not None else None
            record["log"] = log.toPlainText() if log is not None else ""
        finally:
            for widget in QApplication.topLevelWidgets():
                if isinstance(widget, AlgorithmDialog) and widget.isVisible():
                    widget.close()

    QTimer.singleShot(0, drive)
    select_in_toolbox(run.get("algorithm", ALGORITHM)).executeAlgorithm()  # modal until drive() closes it
    return record


def batch_run(run, layers):
    record = {"kind": "batch", "label": run["label"]}

    def drive():
        try:
            dialog = modal_dialog(BatchAlgorithmDialog)
            panel = dialog.mainWidget()
            panel.checkLoadLayersOnCompletion.setChecked(True)
            rows = run["rows"]
            panel.addRow(len(rows) - 1)
            context = createContext()
            for row, values in enumerate(rows):
                for name, value in values.items():
                    if name == "OUTPUT":
                        column = panel.parameter_to_column["OUTPUT"]
                        panel.tblParameters.cellWidget(row + 1, column).setValue(value)
                    else:
                        wrapper = panel.wrappers[row][panel.parameter_to_column[name]]
                        wrapper.setParameterValue(value_for(value, layers), context)
            before = layers_snapshot()
            dialog.runButton().click()
            spin(lambda: dialog.runButton().isEnabled())
            after = layers_snapshot()
            record["added"] = [describe(layer) for key, layer in after.items() if key not in before]
            log = dialog.findChild(QTextEdit, "txtLog")
            record["log"] = log.toPlainText() if log is not None else ""
        except Exception:
            record["error"] = traceback.format_exc()
        finally:
            for widget in QApplication.topLevelWidgets():
                if isinstance(widget, BatchAlgorithmDialog) and widget.isVisible():
                    widget.close()

    QTimer.singleShot(0, drive)
    select_in_toolbox().executeAlgorithmAsBatchProcess()
    return record


def save_results():
    with open(PLAN["results"], "w", encoding="utf-8") as out:
        json.dump(RESULTS, out, indent=1)


def main():
    try:
        main_window = iface.mainWindow()
        main_window.resize(*PLAN.get("window", [1280, 800]))
        layers = {}
        for spec in PLAN["layers"]:
            layer = QgsRasterLayer(spec["source"], spec["name"], spec.get("provider", "wms"))
            if not layer.isValid():
                raise RuntimeError(f"layer {spec['name']} is not valid: {layer.error().summary()}")
            QgsProject.instance().addMapLayer(layer)
            layers[spec["name"]] = layer
        canvas = iface.mapCanvas()
        # QGIS zooms to the first layer once its event loop runs: let it, then show the plan's view.
        pause = time.monotonic() + 1.0
        spin(lambda: time.monotonic() > pause)
        canvas.setDestinationCrs(QgsCoordinateReferenceSystem(PLAN["canvas_crs"]))
        wanted = QgsRectangle(*PLAN["canvas_extent"])
        canvas.setExtent(wanted)
        canvas.refresh()
        canvas.waitWhileRendering()
        spin(lambda: canvas.extent().contains(wanted.center()) and canvas.extent().width() < 1.5 * max(
            wanted.width(), wanted.height() * canvas.width() / max(canvas.height(), 1)), 30)
        RESULTS["canvas"] = {"units_per_pixel": canvas.mapUnitsPerPixel(), "size": [canvas.width(), canvas.height()]}
        for run in PLAN["runs"]:
            record = batch_run(run, layers) if run["kind"] == "batch" else standard_run(run, layers)
            RESULTS["runs"].append(record)
            if run.get("grab_window"):
                canvas.refresh()
                spin(lambda: not canvas.isDrawing(), 60)
                canvas.waitWhileRendering()
                grab(main_window, run["grab_window"])
            save_results()  # after each run: what was seen survives a hang in a later one
    except Exception:
        RESULTS["error"] = traceback.format_exc()
    finally:
        save_results()
        # QGIS's own shutdown is not under test: if a question (save the project?) holds it, leave anyway.
        QTimer.singleShot(10000, lambda: os._exit(0))
        QgsProject.instance().clear()
        QgsProject.instance().setDirty(False)
        iface.actionExit().trigger()


QTimer.singleShot(int(PLAN.get("start_delay_ms", 2000)), main)
