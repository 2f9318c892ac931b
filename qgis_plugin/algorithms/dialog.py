"""The algorithm's dialog in the QGIS window: QGIS's own, with the output CRS box saying which CRS an
unset output CRS means (the input layer's), and following the layer chosen; and, when the parameters
need more width than the splitter gives them (QGIS's own "open output file…" check box in French),
the help panel yields that width, so nothing needs horizontal scrolling.

Processing opens it through ``createCustomParametersWidget`` (toolbox, ``processing.execAlgorithmDialog``);
batch mode and the model builder keep QGIS's dialogs. Imported only there: it needs Processing's GUI.
"""

from __future__ import annotations

from processing.gui.AlgorithmDialog import AlgorithmDialog
from processing.tools.dataobjects import createContext
from qgis.core import QgsProcessingParameters
from qgis.gui import QgsProjectionSelectionWidget
from qgis.PyQt import sip
from qgis.PyQt.QtCore import QTimer
from qgis.PyQt.QtWidgets import QScrollArea, QSplitter

from ..translation import tr

#: The help panel never narrower than this when it makes room for the parameters.
MIN_HELP_WIDTH = 150


class EdgeTileDialog(AlgorithmDialog):
    def __init__(self, algorithm, in_place=False, parent=None):
        super().__init__(algorithm, in_place, parent)
        wrappers = self.mainWidget().wrappers
        crs_widget = wrappers[algorithm.CRS].wrappedWidget()
        if not crs_widget.inherits("QgsProjectionSelectionWidget"):
            raise TypeError(f"unexpected output CRS widget {crs_widget.metaObject().className()}")
        # PyQt sees QGIS's CRS widget as a plain QWidget here: give it its class back.
        self._crs_box = sip.cast(crs_widget, QgsProjectionSelectionWidget)
        self._layer_wrapper = wrappers[algorithm.INPUT]
        self._layer_wrapper.widgetValueHasChanged.connect(self._show_layer_crs)
        self._show_layer_crs()

    def showEvent(self, event):  # noqa: N802 (Qt API)
        super().showEvent(event)
        QTimer.singleShot(0, self._fit_parameters)  # once the layout has given the panels their sizes

    def _fit_parameters(self):
        scroll, splitter = self.mainWidget().findChild(QScrollArea), self.findChild(QSplitter)
        if scroll is None or splitter is None or splitter.count() != 2:
            return
        missing = scroll.widget().minimumSizeHint().width() - scroll.viewport().width()
        parameters, help_panel = splitter.sizes()
        give = min(missing, help_panel - MIN_HELP_WIDTH)
        if give > 0:
            splitter.setSizes([parameters + give, help_panel - give])

    def _show_layer_crs(self, *_):
        layer = QgsProcessingParameters.parameterAsRasterLayer(
            self._layer_wrapper.parameterDefinition(), self._layer_wrapper.parameterValue(), createContext())
        crs = layer.crs().authid() if layer is not None and layer.crs().isValid() else ""
        self._crs_box.setNotSetText(tr("Layer's CRS: {crs}").format(crs=crs) if crs else tr("Layer's CRS"))
