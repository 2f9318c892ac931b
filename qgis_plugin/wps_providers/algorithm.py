"""One Processing algorithm per process of a remote WPS server, built from its DescribeProcess.

Execution: asynchronous when the process supports it (storeSupported and
statusSupported: ``storeExecuteResponse="true" status="true"``), following the
status document for progress and messages; synchronous otherwise. Cancelling
stops waiting at once. WPS 1.0.0 has no operation to stop a job on the server
(Dismiss came with WPS 2.0), so a cancelled job runs to its end there (a
PyWPS server just finishes it); nothing is downloaded or written here.
"""

from __future__ import annotations

import html
import os
import re
import tempfile

from qgis.core import (
    QgsCoordinateReferenceSystem,
    QgsProcessingAlgorithm,
    QgsProcessingException,
    QgsProcessingFeatureSourceDefinition,
    QgsProcessingOutputDefinition,
    QgsProperty,
    QgsVectorLayerFeatureSource,
)

from ..core.files import write_atomically
from ..core.wms import redact
from ..translation import tr
from ..wps.client import WpsClient
from ..wps.execute import processing_error, status_follower
from ..wps.protocol import (
    FAILED,
    BoundingBoxInput,
    Format,
    LiteralInput,
    OutputRequest,
    WpsBadResponse,
    WpsError,
    WpsProcessFailed,
)
from ..wps.rules import (
    NotAnOption,
    box_from_corners,
    crs_to_send,
    describe_allowed,
    enum_choices,
    is_allowed,
    number,
    numbered_options,
    parse_crs,
    yx_order,
)
from . import payloads
from .parameters import (
    BOUNDING_BOX,
    COMPLEX,
    LITERAL,
    RASTER,
    complex_kind,
    input_parameter,
    literal_type,
    output_definitions,
    preferred_format,
)


def epsg_authid(crs_name: str) -> str:
    """QGIS's authid (``EPSG:4326``, ``OGC:CRS84``) for the spellings servers use (``EPSG:4326``,
    ``urn:ogc:def:crs:EPSG::4326``, ``http://www.opengis.net/def/crs/EPSG/0/4326``…); else the name."""
    return parse_crs(crs_name).authid


def algorithm_name(identifier: str) -> str:
    """The Processing name of a process: its identifier, with characters other than letters,
    digits, ``_``, ``-`` and ``.`` replaced by ``_`` (a ``:`` would break ``provider:algorithm`` ids)."""
    return re.sub(r"[^A-Za-z0-9_.-]", "_", identifier)


def _given(value) -> bool:
    return value is not None and value != "" and value != []


class RemoteWpsAlgorithm(QgsProcessingAlgorithm):
    """Runs one process of ``server`` (a ``RemoteServer``) described by ``description``."""

    def __init__(self, server, description):
        super().__init__()
        self._server = server
        self._description = description
        self._input_bindings = []
        self._output_bindings = []
        self._prepared = None

    def tr(self, text):
        return tr(text)

    def createInstance(self):
        return type(self)(self._server, self._description)

    def name(self):
        return algorithm_name(self._description.identifier)

    def displayName(self):
        return self._description.title or self._description.identifier

    def shortDescription(self):
        return self._description.abstract

    def tags(self):
        return ["wps", "remote", self._description.identifier]

    def shortHelpString(self):
        description = self._description
        parts = [f"<p>{html.escape(description.abstract)}</p>" if description.abstract else ""]
        parts.append(tr("<p>Process <b>{identifier}</b> of the WPS server {title} ({url}), run {mode}.</p>").format(
            identifier=html.escape(description.identifier), title=html.escape(self._server.title),
            url=html.escape(redact(self._server.url)),
            mode=tr("asynchronously (progress follows the server's status)") if description.asynchronous
            else tr("synchronously (the server offers no status updates for it)")))
        parts.append(f"<h3>{tr('Inputs')}</h3>")
        for item in description.input_descriptions:
            parts.append(f"<p><b>{html.escape(item.title or item.identifier)}</b> ({html.escape(item.identifier)})"
                         f"{': ' + html.escape(item.abstract) if item.abstract else ''}{_input_notes(item)}</p>")
        parts.append(f"<h3>{tr('Outputs')}</h3>")
        for item in description.output_descriptions:
            parts.append(f"<p><b>{html.escape(item.title or item.identifier)}</b> ({html.escape(item.identifier)})"
                         f"{': ' + html.escape(item.abstract) if item.abstract else ''}</p>")
        if description.asynchronous:
            parts.append(tr("<p>Cancelling stops waiting for the job; WPS 1.0.0 cannot stop it on the server, "
                            "where it runs to its end.</p>"))
        return "".join(parts)

    def initAlgorithm(self, config=None):
        self._input_bindings, self._output_bindings = [], []
        names = set()
        for item in self._description.input_descriptions:
            parameter, binding = input_parameter(item)
            self.addParameter(parameter)
            self._input_bindings.append(binding)
            names.add(item.identifier)
        for item in self._description.output_descriptions:
            definition, binding = output_definitions(item, names)
            if isinstance(definition, QgsProcessingOutputDefinition):
                self.addOutput(definition)
            else:
                self.addParameter(definition)
            self._output_bindings.append(binding)

    def checkParameterValues(self, parameters, context):
        """Enumerations given by text (checked here, then passed on as their numbers, which QGIS's
        own check expects), and numbers outside the allowed values and ranges, with a message
        naming them (QGIS's own check knows only the lowest minimum and the highest maximum)."""
        converted = dict(parameters)
        for binding in self._input_bindings:
            item = binding.description
            if not _given(parameters.get(item.identifier)):
                continue
            try:
                if binding.shape in ("enum", "enums"):
                    indices = [item.allowed_values.index(choice)
                               for choice in _enum_values(item, parameters[item.identifier])]
                    if indices:
                        converted[item.identifier] = indices if binding.shape == "enums" else indices[0]
                elif binding.shape == "number" and number(_plain(parameters[item.identifier])) is not None:
                    self._number_value(item, parameters, context)  # anything else: QGIS's own message
            except QgsProcessingException as exc:
                return False, str(exc)
        references = {item.identifier for item in self._description.input_descriptions
                      if item.kind == COMPLEX and _is_reference(parameters.get(item.identifier))}
        if not references:
            return super().checkParameterValues(converted, context)
        # QGIS's own check would try to open an http(s) URL as a layer: the server reads it, not QGIS
        for definition in self.parameterDefinitions():
            name = definition.name()
            if name not in references and not definition.checkValueIsAcceptable(converted.get(name), context):
                return False, tr("Incorrect parameter value for {name}").format(name=name)
        return True, ""

    # ------------------------------------------------------------ prepare (main thread)

    def prepareAlgorithm(self, parameters, context, feedback):
        """Read literal values, extents, layers and destinations; layers only here (not thread-safe)."""
        literals, complex_inputs = [], []
        for binding in self._input_bindings:
            item = binding.description
            value = parameters.get(item.identifier, self.parameterDefinition(item.identifier).defaultValue())
            if not _given(value):
                continue
            literals.extend(self._literal_inputs(binding, parameters, context, feedback))
            complex_inputs.extend(self._complex_inputs(binding, parameters, context))
        destinations = {}
        for binding in self._output_bindings:
            if binding.shape in ("raster", "vector"):
                destinations[binding.name] = self.parameterAsOutputLayer(parameters, binding.name, context)
            elif binding.shape == "file":
                destinations[binding.name] = self.parameterAsFileOutput(parameters, binding.name, context)
        self._prepared = (literals, complex_inputs, destinations)
        return True

    def _literal_inputs(self, binding, parameters, context, feedback):
        item, name, shape = binding.description, binding.description.identifier, binding.shape
        if shape == "number":
            return [LiteralInput(name, self._number_value(item, parameters, context))]
        if shape == "boolean":
            return [LiteralInput(name, self.parameterAsBoolean(parameters, name, context))]
        if shape in ("enum", "enums"):
            value = parameters.get(name)
            if not _given(value):
                value = self.parameterDefinition(name).defaultValue()
            values = _enum_values(item, value)
            self._check_count(item, len(values))
            return [LiteralInput(name, value) for value in values]
        if shape == "string":
            return [LiteralInput(name, self.parameterAsString(parameters, name, context))]
        if shape == "lines":
            values = [line.strip() for line in self.parameterAsString(parameters, name, context).splitlines()]
            values = [_checked_literal(item, value) for value in values if value]
            self._check_count(item, len(values))
            return [LiteralInput(name, value) for value in values]
        if shape == "extent":
            return [self._bounding_box(item, parameters, context, feedback)]
        return []

    def _number_value(self, item, parameters, context):
        """The number given for ``item``, checked against each allowed range and value."""
        name = item.identifier
        if literal_type(item) == "integer":
            value = self.parameterAsInt(parameters, name, context)
        else:
            value = self.parameterAsDouble(parameters, name, context)
        _check_allowed(item, value)
        return value

    def _check_count(self, item, count):
        if item.max_occurs is not None and count > item.max_occurs:
            raise QgsProcessingException(tr("{input}: at most {maximum} values, {count} given.").format(
                input=item.title or item.identifier, maximum=item.max_occurs, count=count))
        if count < item.min_occurs:
            raise QgsProcessingException(tr("{input}: at least {minimum} values, {count} given.").format(
                input=item.title or item.identifier, minimum=item.min_occurs, count=count))

    def _bounding_box(self, item, parameters, context, feedback):
        """The extent in its own CRS when the server supports it, else reprojected to the server's
        default; named and ordered by the axis-order rules of ``protocol``."""
        name = item.identifier
        given_crs = self.parameterAsExtentCrs(parameters, name, context)
        supported = {epsg_authid(crs) for crs in item.crss}
        if given_crs.isValid() and (given_crs.authid() in supported or not supported):
            target = given_crs
        else:
            target = QgsCoordinateReferenceSystem(epsg_authid(item.crss[0]))
            if not target.isValid():
                raise QgsProcessingException(tr("{input}: QGIS does not know the server's CRS {crs}.").format(
                    input=item.title or name, crs=item.crss[0]))
            if given_crs.isValid():
                feedback.pushInfo(tr("{input}: the server does not take {given}; the extent is sent in {crs}.")
                                  .format(input=item.title or name, given=given_crs.authid(), crs=item.crss[0]))
        rectangle = self.parameterAsExtent(parameters, name, context, target)
        inverted = target.hasAxisInverted()
        crs_name = crs_to_send(target.authid(), item.crss, inverted)
        return BoundingBoxInput(name, rectangle.xMinimum(), rectangle.yMinimum(), rectangle.xMaximum(),
                                rectangle.yMaximum(), crs_name.text, yx=yx_order(crs_name, inverted))

    def _complex_inputs(self, binding, parameters, context):
        """Callables that make the ComplexInputs in processAlgorithm (exports may take a while)."""
        item, name, shape = binding.description, binding.description.identifier, binding.shape
        if item.kind != COMPLEX:
            return []
        wanted = preferred_format(item.formats)
        limit = item.maximum_megabytes
        if _is_reference(parameters.get(name)):
            urls = [payloads.remote_url(value) for value in _sources(parameters.get(name))]
            if shape in ("files", "layers"):
                self._check_count(item, len(urls))
            return [lambda url=url: payloads.reference_input(name, url, item.formats) for url in urls]
        if shape == "vector":
            return [lambda: self._vector_input(item, wanted, parameters, context)]
        if shape == "raster":
            layer = self.parameterAsRasterLayer(parameters, name, context)
            if layer is None:
                raise QgsProcessingException(tr("{input}: the raster layer could not be loaded.").format(
                    input=item.title or name))
            source = layer.source()
            return [lambda: _layer_input(name, source, item.formats, wanted, limit)]
        if shape == "file":
            path = self.parameterAsFile(parameters, name, context)
            return [lambda: payloads.file_input(name, path, wanted, limit)]
        if shape == "files":
            paths = self.parameterAsFileList(parameters, name, context)
            self._check_count(item, len(paths))
            return [lambda path=path: payloads.reference_input(name, path, item.formats)
                    if payloads.remote_url(path) else payloads.file_input(name, path, wanted, limit)
                    for path in paths]
        if shape == "layers":
            layers = self.parameterAsLayerList(parameters, name, context)
            self._check_count(item, len(layers))
            if complex_kind(item.formats) == RASTER:
                raster_sources = [layer.source() for layer in layers]
                return [lambda source=source: _layer_input(name, source, item.formats, wanted, limit)
                        for source in raster_sources]
            sources = [(QgsVectorLayerFeatureSource(layer), layer.crs()) for layer in layers]
            return [lambda source=source, crs=crs: payloads.vector_input(name, source.getFeatures(), crs, wanted,
                                                                         limit)
                    for source, crs in sources]
        return []

    def _vector_input(self, item, wanted, parameters, context):
        source = self.parameterAsSource(parameters, item.identifier, context)
        if source is None:
            raise QgsProcessingException(tr("{input}: the vector layer could not be loaded.").format(
                input=item.title or item.identifier))
        return payloads.vector_input(item.identifier, source.getFeatures(), source.sourceCrs(), wanted,
                                     item.maximum_megabytes)

    # ------------------------------------------------------------ run (worker thread)

    def processAlgorithm(self, parameters, context, feedback):
        literals, complex_makers, destinations = self._prepared
        self._prepared = None
        description = self._description
        try:
            inputs = literals + [make() for make in complex_makers]
        except payloads.PayloadError as exc:
            raise QgsProcessingException(tr("Cannot send the input: {error}").format(error=exc)) from exc
        outputs = [OutputRequest(binding.description.identifier,
                                 as_reference=binding.description.kind == COMPLEX and description.store_supported,
                                 mime_type=binding.request_format.mime_type if binding.request_format else None)
                   for binding in self._output_bindings]
        client = WpsClient(self._server.url, authcfg=self._server.authcfg, feedback=feedback)
        feedback.setProgress(5)
        try:
            response = self._execute(client, inputs, outputs, feedback)
            results = self._write_outputs(client, response, destinations, feedback)
        except WpsError as exc:
            raise self._error(exc) from exc
        except payloads.PayloadError as exc:
            raise QgsProcessingException(tr("Cannot write the output: {error}").format(error=exc)) from exc
        feedback.setProgress(100)
        return results

    def _execute(self, client, inputs, outputs, feedback):
        identifier = self._description.identifier
        if not self._description.asynchronous:
            feedback.pushInfo(tr("Running {process} on {url} (synchronous)…").format(
                process=identifier, url=redact(self._server.url)))
            response = client.execute(identifier, inputs, outputs, asynchronous=False)
            if response.status == FAILED:
                raise WpsProcessFailed(response.exception_code, response.exception_text)
            return response
        feedback.pushInfo(tr("Running {process} on {url} (asynchronous)…").format(
            process=identifier, url=redact(self._server.url)))
        # A server we did not write: its own words are the news (in its language), marked as its own.
        on_status = status_follower(feedback, lambda response: response.message and tr("WPS: {message}").format(
            message=response.message))
        return client.run(identifier, inputs, outputs, on_status=on_status)

    def _write_outputs(self, client, response, destinations, feedback):
        """The results; when one output cannot be written, the files already written are removed."""
        results, written = {}, []
        try:
            for binding in self._output_bindings:
                identifier = binding.description.identifier
                value = response.outputs.get(identifier)
                if value is None:
                    raise WpsBadResponse(f"the server's answer has no output {identifier!r}")
                if binding.shape in ("raster", "vector", "file"):
                    feedback.pushInfo(tr("Writing {output}…").format(output=identifier))
                    results[binding.name] = self._write_complex(client, binding, value, destinations[binding.name])
                    written.append(results[binding.name])
                else:
                    results[binding.name] = _literal_result(binding, value)
        except BaseException:
            for path in written:
                if os.path.exists(path):
                    os.remove(path)
            raise
        return results

    def _write_complex(self, client, binding, value, path):
        """Download or write the output at ``path``, converted when its extension asks for another format."""
        served = preferred_format(binding.description.formats)
        if value.mime_type:
            served = Format(value.mime_type, value.encoding or served.encoding, value.schema or served.schema)
        native = binding.shape == "file" or os.path.splitext(path)[1].lower() in payloads.native_extensions(served)
        target = path
        if not native:
            handle, target = tempfile.mkstemp(suffix=payloads.native_extensions(served)[0],
                                              dir=os.path.dirname(os.path.abspath(path)),
                                              prefix="wmsedge_download_")
            os.close(handle)
        try:
            if value.href:
                client.download(value.href, target)
            else:
                write_atomically(target, value.payload())
            if not native:
                payloads.convert(target, path, served)
        finally:
            if not native and os.path.exists(target):
                os.remove(target)
        return path

    def _error(self, exc) -> QgsProcessingException:
        return processing_error(exc, server=self._server.title, process=self._description.identifier,
                                refresh_hint=True)


def _input_notes(item) -> str:
    """Allowed values, ranges, units, CRSs, formats and occurrences of an input, for the help."""
    notes = []
    if item.kind == LITERAL:
        if item.allowed_values and not item.ranges:
            notes.append(tr("one of {options}; give the option's number or its text").format(
                options=numbered_options(item.allowed_values)))
        elif item.allowed_values or item.ranges:
            notes.append(tr("allowed: {allowed}").format(allowed=describe_allowed(item.allowed_values, item.ranges)))
        if item.default is not None:
            notes.append(tr("default {value}").format(value=item.default))
        if item.uoms:
            notes.append(tr("unit {unit}").format(unit=", ".join(item.uoms)))
    elif item.kind == BOUNDING_BOX and item.crss:
        notes.append(tr("CRS {crss}").format(crss=", ".join(item.crss)))
    elif item.kind == COMPLEX:
        notes.append(tr("formats {formats}").format(formats=", ".join(
            dict.fromkeys(fmt.mime_type for fmt in item.formats))))
        if item.maximum_megabytes:
            notes.append(tr("at most {megabytes:g} MB").format(megabytes=item.maximum_megabytes))
    if item.optional:
        notes.append(tr("optional"))
    if item.multiple:
        notes.append(tr("up to {count} values").format(count=item.max_occurs) if item.max_occurs
                     else tr("any number of values"))
    return f" <i>({html.escape('; '.join(notes))})</i>" if notes else ""


def _checked_literal(item, text: str):
    """One line of a repeated literal, checked against the data type and range."""
    kind = literal_type(item)
    try:
        value = int(text) if kind == "integer" else float(text) if kind == "float" else text
    except ValueError:
        raise QgsProcessingException(tr("{input}: “{value}” is not a valid {kind}.").format(
            input=item.title or item.identifier, value=text, kind=kind)) from None
    if kind in ("integer", "float"):
        _check_allowed(item, value)
    return value


def _check_allowed(item, value) -> None:
    if not is_allowed(value, item.allowed_values, item.ranges):
        raise QgsProcessingException(tr("{input}: {value} is not allowed; the server accepts {allowed}.").format(
            input=item.title or item.identifier, value=value, allowed=describe_allowed(item.allowed_values,
                                                                                       item.ranges)))


def _enum_values(item, value) -> list:
    """The option texts an enumeration's value means (numbers or texts, see ``protocol.enum_choices``)."""
    options = list(item.allowed_values)
    try:
        return enum_choices(_plain(value), options)
    except NotAnOption as exc:
        raise QgsProcessingException(tr(
            "{input}: “{value}” is not one of the options; give its number or its text ({options}).").format(
            input=item.title or item.identifier, value=exc.value, options=numbered_options(options))) from None


def _plain(value):
    """A parameter value as Python data (a QgsProperty from a model or a batch is its static value)."""
    return value.staticValue() if isinstance(value, QgsProperty) else value


def _sources(value) -> list:
    """The texts of a complex parameter's value (one, or a list): file paths, layer sources, URLs."""
    value = _plain(value)
    if isinstance(value, QgsProcessingFeatureSourceDefinition):
        value = _plain(value.source)
    if isinstance(value, (list, tuple)):
        return [text for item in value for text in _sources(item)]
    return [value] if isinstance(value, str) and value else []


def _is_reference(value) -> bool:
    """Whether a complex parameter's value is only http(s) URLs (bare or ``/vsicurl/``): sent by reference."""
    sources = _sources(value)
    return bool(sources) and all(payloads.remote_url(source) for source in sources)


def _layer_input(name, source, formats, wanted, limit):
    """A raster layer: by reference when it is read over http(s) (``/vsicurl/``), else by value."""
    url = payloads.remote_url(source)
    if url is not None:
        return payloads.reference_input(name, url, formats)
    return payloads.raster_input(name, source, wanted, limit)


def _literal_result(binding, value):
    text = (value.data or "").strip()
    if binding.shape == "extent":
        if value.bbox is None:
            raise WpsBadResponse(f"the output {binding.description.identifier!r} is not a bounding box")
        crs_name = parse_crs(value.crs)
        crs = QgsCoordinateReferenceSystem(crs_name.authid)
        yx = yx_order(crs_name, crs.isValid() and crs.hasAxisInverted())
        xmin, ymin, xmax, ymax = box_from_corners(value.bbox[:2], value.bbox[2:], yx)
        suffix = f" [{crs_name.authid}]" if value.crs else ""
        return f"{xmin!r},{xmax!r},{ymin!r},{ymax!r}{suffix}"
    if binding.shape == "boolean":
        return text.lower() in ("true", "1")
    if binding.shape == "number":
        try:
            number = float(text)
        except ValueError:
            raise WpsBadResponse(f"the output {binding.description.identifier!r} is not a number: {text!r}") from None
        return int(number) if literal_type(binding.description) == "integer" and number.is_integer() else number
    return value.data or ""
