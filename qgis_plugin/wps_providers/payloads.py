"""Layers and files turned into WPS ComplexData, and complex outputs written to their destinations.

Vector features are sent as GeoJSON in EPSG:4326 (RFC 7946 has no other CRS),
written by QGIS's own ``QgsJsonExporter``; GML is converted from that GeoJSON by
GDAL when the server takes no GeoJSON, in the version the format's schema names
(GML 2, ``gml:coordinates``, when none says 3; srsName ``EPSG:4326``, x first).
An http(s) URL given for any input is sent as a ``wps:Reference``. Rasters
are sent as GeoTIFF: the file itself when it is one, else a GeoTIFF made by
GDAL in memory. Outputs are written atomically (a temporary file in the same
folder, then a rename), and converted by GDAL when the destination's format
is not the one the server returned.
"""

from __future__ import annotations

import os
import uuid
from urllib.parse import urlsplit

from osgeo import gdal
from qgis.core import QgsJsonExporter, QgsVectorFileWriter

from ..core.files import atomic_path
from ..wps.protocol import ComplexInput, Format
from ..wps.rules import gml_version
from .parameters import GEOTIFF, GML, extension_for, format_kind, is_binary

# GDAL is used in its default (non-exception) mode: turning exceptions on is
# process-wide and would change the behaviour of other code in the same QGIS.


class PayloadError(Exception):
    """A layer or file that cannot be sent, or an output that cannot be written; ``str()`` is for users."""


def check_size(identifier: str, size: int, maximum_megabytes: float | None) -> None:
    """Refuse content larger than the input's maximumMegabytes, before anything is sent."""
    if maximum_megabytes is not None and size > maximum_megabytes * 1024 * 1024:
        raise PayloadError(f"the input {identifier!r} is {size / 1048576:.2f} MB, more than the "
                           f"{maximum_megabytes:g} MB the server accepts for it")


def geojson_text(features, crs) -> str:
    """A GeoJSON FeatureCollection of ``features`` (in ``crs``), coordinates in EPSG:4326."""
    exporter = QgsJsonExporter()
    exporter.setSourceCrs(crs)
    exporter.setTransformGeometries(True)
    exporter.setPrecision(17)  # the default (6 decimals) would move points by up to 0.1 m
    return exporter.exportFeatures(list(features))


def vector_input(identifier: str, features, crs, item: Format, maximum_megabytes) -> ComplexInput:
    text = geojson_text(features, crs)
    if format_kind(item) == GML:
        text = _geojson_to_gml(text, gml_version(item.mime_type, item.schema))
    payload = text.encode("utf-8")
    check_size(identifier, len(payload), maximum_megabytes)
    return ComplexInput.from_bytes(identifier, item.mime_type, payload, binary=False, schema=item.schema or None)


def _geojson_to_gml(text: str, version: str) -> str:
    """GML of ``version`` (GDAL's ``GML2``, ``GML3``, ``GML3.2``) with a short srsName
    (``EPSG:4326``: x/longitude first, as GDAL writes it)."""
    folder = f"/vsimem/{uuid.uuid4().hex}"
    source, target = f"{folder}/features.geojson", f"{folder}/features.gml"  # the layer is named "features"
    gdal.FileFromMemBuffer(source, text.encode("utf-8"))
    try:
        options = [f"FORMAT={version}", "XSISCHEMA=OFF"]
        if version != "GML2":
            options.append("SRSNAME_FORMAT=SHORT")
        if gdal.VectorTranslate(target, source, format="GML", datasetCreationOptions=options) is None:
            raise PayloadError(f"the features cannot be written as GML: {gdal.GetLastErrorMsg()}")
        return _read_vsimem(target).decode("utf-8")
    finally:
        gdal.RmdirRecursive(folder)


def _read_vsimem(path: str) -> bytes:
    handle = gdal.VSIFOpenL(path, "rb")
    try:
        gdal.VSIFSeekL(handle, 0, 2)
        size = gdal.VSIFTellL(handle)
        gdal.VSIFSeekL(handle, 0, 0)
        return bytes(gdal.VSIFReadL(1, size, handle))
    finally:
        gdal.VSIFCloseL(handle)


def remote_url(source: str) -> str | None:
    """The http(s) URL of a layer read over the network by GDAL, or of a file given as a URL, else None."""
    url = source.strip()
    url = url[len("/vsicurl/"):] if url.startswith("/vsicurl/") else url
    return url if url.lower().startswith(("http://", "https://")) else None


def reference_input(identifier: str, url: str, formats) -> ComplexInput:
    """An input by reference: the server fetches ``url``. Its format is the one whose
    extension the URL's path ends with, else the server's first; no credentials in the URL
    (the server, and its logs, would see them)."""
    parts = urlsplit(url)
    if parts.username or parts.password:
        raise PayloadError(f"the URL for {identifier!r} holds a user name or password, which the WPS server "
                           "would receive in clear; give a URL without them")
    path = parts.path.lower()
    item = next((item for item in formats if path.endswith("." + extension_for(item))),
                formats[0] if formats else Format("application/octet-stream"))
    return ComplexInput(identifier, item.mime_type, href=url, schema=item.schema or None)


def raster_input(identifier: str, source: str, item: Format, maximum_megabytes) -> ComplexInput:
    """A GeoTIFF input: the GeoTIFF's bytes, base64."""
    dataset = gdal.Open(source)
    if dataset is None:
        raise PayloadError(f"the raster for {identifier!r} is not a file GDAL can read "
                           f"({gdal.GetLastErrorMsg() or source}); save it as a GeoTIFF first")
    try:
        if dataset.GetDriver().ShortName == "GTiff" and os.path.isfile(source):
            with open(source, "rb") as stream:
                payload = stream.read()
        else:
            target = f"/vsimem/{uuid.uuid4().hex}.tif"
            try:
                if gdal.Translate(target, dataset, format="GTiff") is None:
                    raise PayloadError(f"the raster for {identifier!r} cannot be converted to GeoTIFF: "
                                       f"{gdal.GetLastErrorMsg()}")
                payload = _read_vsimem(target)
            finally:
                gdal.Unlink(target)
    finally:
        dataset = None
    check_size(identifier, len(payload), maximum_megabytes)
    return ComplexInput.from_bytes(identifier, item.mime_type, payload, binary=True, schema=item.schema or None)


def file_input(identifier: str, path: str, item: Format, maximum_megabytes) -> ComplexInput:
    """A file by value: text as is, anything else base64."""
    try:
        size = os.path.getsize(path)
        check_size(identifier, size, maximum_megabytes)
        with open(path, "rb") as stream:
            payload = stream.read()
    except OSError as exc:
        raise PayloadError(f"cannot read {path} for {identifier!r}: {exc.strerror or exc}") from exc
    binary = is_binary(item)
    if not binary:
        try:
            payload.decode("utf-8")
        except UnicodeDecodeError:
            raise PayloadError(f"the file {path} for {identifier!r} must be UTF-8 text ({item.mime_type})") from None
    return ComplexInput.from_bytes(identifier, item.mime_type, payload, binary=binary, schema=item.schema or None)


def native_extensions(item: Format) -> tuple:
    """File extensions under which the server's format can be written as is."""
    kind = format_kind(item)
    if kind == GEOTIFF:
        return (".tif", ".tiff")
    if kind == GML:
        return (".gml", ".xml")
    return (".geojson", ".json")


def convert(source: str, destination: str, item: Format) -> None:
    """Write ``source`` (the server's format) to ``destination`` in the format of its extension, atomically."""
    extension = os.path.splitext(destination)[1]
    with atomic_path(destination, suffix=extension) as temporary:
        os.remove(temporary)  # GDAL creates it; an empty file of that name would be read as a dataset
        if format_kind(item) == GEOTIFF:
            result = gdal.Translate(temporary, source, format=_raster_driver(extension))
        else:
            driver_name = QgsVectorFileWriter.driverForExtension(extension.lstrip("."))
            if not driver_name:
                raise PayloadError(f"no vector format is known for the extension {extension!r}")
            result = gdal.VectorTranslate(temporary, source, format=driver_name)
        if result is None:
            raise PayloadError(f"cannot write {destination}: {gdal.GetLastErrorMsg()}")
        result = None


def _raster_driver(extension: str) -> str:
    for index in range(gdal.GetDriverCount()):
        driver = gdal.GetDriver(index)
        extensions = (driver.GetMetadataItem(gdal.DMD_EXTENSIONS) or "").split()
        if driver.GetMetadataItem(gdal.DCAP_CREATECOPY) and extension.lstrip(".").lower() in extensions:
            return driver.ShortName
    raise PayloadError(f"no raster format is known for the extension {extension!r}")
