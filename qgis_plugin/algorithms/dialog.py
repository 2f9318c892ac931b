"""The algorithm's dialog in the QGIS window: QGIS's own, with the output CRS box saying which CRS an
unset output CRS means (the input layer's), and following the layer chosen.

Processing opens it through ``createCustomParametersWidget`` (toolbox, ``processing.execAlgorithmDialog``);
batch mode and the model builder keep QGIS's dialogs. Imported only there: it needs Processing's GUI.
"""

from __future__ import annotations

from processing.gui.AlgorithmDialog import AlgorithmDialog
from processing.tools.dataobjects import createContext
from qgis.core import QgsProcessingParameters
from qgis.gui import QgsProjectionSelectionWidget
from qgis.PyQt import sip

from ..translation import tr


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

    def _show_layer_crs(self, *_):
        layer = QgsProcessingParameters.parameterAsRasterLayer(
            self._layer_wrapper.parameterDefinition(), self._layer_wrapper.parameterValue(), createContext())
        crs = layer.crs().authid() if layer is not None and layer.crs().isValid() else ""
        self._crs_box.setNotSetText(tr("Layer's CRS: {crs}").format(crs=crs) if crs else tr("Layer's CRS"))
