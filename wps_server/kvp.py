"""WPS 1.0.0 key-value-pair encoding of DataInputs and of the response form (GET Execute).

PyWPS 4.8 drops an input whose value contains ``=`` (a URL with a query),
keeps ``image@mimeType=image/png`` as the output's identifier, and splits
``image/tiff; subtype=geotiff`` at its ``;``. This module parses both
parameters as WPS 1.0.0 section 10.2.2 describes them: ``;`` separates
entries, ``@`` attributes, the first ``=`` of each part separates the name
from its value, and values are URL-decoded once more (so a client may encode
``;``, ``@`` or ``=`` inside a value as ``%3B``, ``%40``, ``%3D``).
"""

from __future__ import annotations

from urllib.parse import unquote

# PyWPS's names for the output attributes it reads.
_OUTPUT_ATTRIBUTES = {"mimetype": "mimetype", "asreference": "asReference", "encoding": "encoding",
                      "schema": "schema", "uom": "uom"}


def parse_data_inputs(text: str) -> dict:
    """``wms=a;lat=45.5@uom=degree`` -> ``{"wms": [{"identifier": "wms", "data": "a"}], ...}``."""
    inputs = {}
    for entry in filter(None, text.split(";")):
        fields = entry.split("@")
        identifier, _, value = fields[0].partition("=")
        item = {"identifier": identifier, "data": unquote(value)}
        for field in fields[1:]:
            name, _, attribute = field.partition("=")
            item["href" if name == "xlink:href" else name] = unquote(attribute)
        inputs.setdefault(identifier, []).append(item)
    return inputs


def parse_response_form(text: str) -> dict:
    """``image@mimeType=image/tiff; subtype=geotiff@asReference=true`` -> ``{"image": {...}}``.

    An entry whose first part holds ``=`` cannot be an output identifier: it
    continues the previous attribute's value (a media type parameter).
    """
    outputs = {}
    current, last_name = None, None
    for entry in filter(None, text.split(";")):
        fields = entry.split("@")
        if "=" in fields[0] and last_name is not None:
            current[last_name] += ";" + unquote(fields[0])
        else:
            current, last_name = {fields[0]: ""}, None
            outputs[fields[0]] = current
        for field in fields[1:]:
            name, _, value = field.partition("=")
            last_name = _OUTPUT_ATTRIBUTES.get(name.lower(), name)
            current[last_name] = unquote(value)
    return outputs
