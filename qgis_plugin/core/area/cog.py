"""The area's output: blocks written as files, then one Cloud Optimized GeoTIFF made by GDAL.

Each block is its own small GeoTIFF in a staging folder beside the destination, written atomically,
so a block computed twice (a retry, a re-run task) is harmless and blocks may come from several
threads or machines. When every block is there, a VRT mosaic of them is copied by GDAL's COG
driver (512² tiles, overviews, lossless, float32, nodata NaN) to a temporary file that is renamed
onto the destination. Abort removes the staging folder and the temporary file: a failed or
canceled run leaves nothing.

GDAL is reached through ``osgeo.gdal`` when it is there (QGIS, Debian) and through rasterio's
GDAL otherwise (the pip-installed server); both run the same driver with the same options.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import warnings
from xml.sax.saxutils import escape

import numpy as np

from ..files import atomic_path
from .plan import Block, BlockPlan

#: Internal tile size of the COG, in pixels.
COG_BLOCK_SIZE = 512
#: Lossless compression of the COG: ZSTD level 1 where GDAL has it (see BENCHMARKS.md), else DEFLATE.
COG_LEVEL = 1
#: GDAL block cache while the COG is made, in MiB: a row of 512-pixel tiles of a 16384-pixel-wide area
#: is 32 MiB; GDAL's default (5% of the RAM, 1.2 GiB here) made the peak RSS grow with the area
#: (2 GiB at 16384², against 535 MiB with this bound; see BENCHMARKS.md).
COG_CACHE_MIB = 64
_STAGING_SUFFIX = ".blocks"


def cog_options(compressions: str) -> dict:
    """COG creation options for a GDAL whose COG driver lists ``compressions``."""
    return {
        "BLOCKSIZE": str(COG_BLOCK_SIZE),
        "COMPRESS": "ZSTD" if "ZSTD" in compressions else "DEFLATE",
        "LEVEL": str(COG_LEVEL),
        "OVERVIEWS": "AUTO",
        "RESAMPLING": "AVERAGE",
        "NUM_THREADS": "ALL_CPUS",
        "BIGTIFF": "IF_SAFER",
    }


class CogSink:
    """A :class:`~.ports.BlockSink` that ends as a COG at ``destination``."""

    def __init__(self, destination: str, plan: BlockPlan, crs: str, *, binding=None):
        self.destination = os.path.abspath(destination)
        self.plan, self.crs = plan, crs
        self.gdal = binding or default_binding()
        folder, name = os.path.split(self.destination)
        os.makedirs(folder, exist_ok=True)
        self.staging = tempfile.mkdtemp(prefix=f".{name}.", suffix=_STAGING_SUFFIX, dir=folder)
        self._lock = threading.Lock()
        self._closed = False

    def write(self, block: Block, gradient: np.ndarray) -> None:
        # Under the lock, so that abort() never races a file half-way into the staging folder.
        with self._lock:
            if self._closed:
                return
            write_block_file(self.gdal, self.staging, block, gradient)

    def commit(self) -> None:
        with self._lock:
            try:
                assemble_cog(self.gdal, self.plan, self.staging, self.destination, self.crs)
            finally:
                self._close()

    def abort(self) -> None:
        with self._lock:
            self._close()

    def _close(self):
        self._closed = True
        shutil.rmtree(self.staging, ignore_errors=True)


def block_file_name(block: Block) -> str:
    return f"block_{block.row}_{block.col}.tif"


def write_block_file(gdal, folder: str, block: Block, gradient: np.ndarray) -> None:
    """One block's float32 values as a plain GeoTIFF in ``folder``, whole or not at all."""
    if gradient.shape != (block.height, block.width):
        raise ValueError(f"{block.describe()} got a {gradient.shape[1]} x {gradient.shape[0]} result")
    with atomic_path(os.path.join(folder, block_file_name(block)), suffix=".tif") as temporary:
        gdal.write_tiff(temporary, np.ascontiguousarray(gradient, dtype=np.float32))


def assemble_cog(gdal, plan: BlockPlan, folder: str, destination: str, crs: str) -> None:
    """The COG of every block file in ``folder``, renamed onto ``destination`` when complete."""
    missing = [b.describe() for b in plan if not os.path.exists(os.path.join(folder, block_file_name(b)))]
    if missing:
        raise RuntimeError(f"{len(missing)} blocks are missing from the mosaic, first {missing[0]}")
    vrt = os.path.join(folder, "mosaic.vrt")
    with open(vrt, "w", encoding="utf-8") as stream:
        stream.write(mosaic_vrt(plan, crs))
    with atomic_path(destination, suffix=".tif") as temporary:
        gdal.translate_to_cog(vrt, temporary, cog_options(gdal.cog_compressions()))


def mosaic_vrt(plan: BlockPlan, crs: str) -> str:
    """A GDAL VRT placing each block file at its window of the output grid (GDAL's VRT format)."""
    grid = plan.grid
    geotransform = ", ".join(repr(float(v)) for v in grid.geotransform())
    sources = "".join(
        f"<SimpleSource><SourceFilename relativeToVRT=\"1\">{block_file_name(b)}</SourceFilename>"
        f"<SourceBand>1</SourceBand>"
        f"<SourceProperties RasterXSize=\"{b.width}\" RasterYSize=\"{b.height}\" DataType=\"Float32\" "
        f"BlockXSize=\"{b.width}\" BlockYSize=\"1\"/>"
        f"<SrcRect xOff=\"0\" yOff=\"0\" xSize=\"{b.width}\" ySize=\"{b.height}\"/>"
        f"<DstRect xOff=\"{b.col_off}\" yOff=\"{b.row_off}\" xSize=\"{b.width}\" ySize=\"{b.height}\"/>"
        f"</SimpleSource>"
        for b in plan)
    return (f"<VRTDataset rasterXSize=\"{grid.width}\" rasterYSize=\"{grid.height}\">"
            f"<SRS>{escape(crs)}</SRS><GeoTransform>{geotransform}</GeoTransform>"
            f"<VRTRasterBand dataType=\"Float32\" band=\"1\"><NoDataValue>nan</NoDataValue>{sources}"
            f"</VRTRasterBand></VRTDataset>")


class OsgeoGdal:
    """GDAL through its own Python bindings (QGIS, Debian's python3-gdal).

    Failures are read from return values and GDAL's last error, never by ``gdal.UseExceptions()``:
    that switch is global, and inside QGIS it would change GDAL for every other plugin.
    """

    def __init__(self):
        from osgeo import gdal

        self._gdal = gdal

    def cog_compressions(self) -> str:
        return self._gdal.GetDriverByName("COG").GetMetadataItem("DMD_CREATIONOPTIONLIST") or ""

    def write_tiff(self, path: str, array: np.ndarray) -> None:
        height, width = array.shape
        dataset = self._gdal.GetDriverByName("GTiff").Create(path, width, height, 1, self._gdal.GDT_Float32)
        self._check(dataset is not None, f"cannot create {path}")
        failed = dataset.GetRasterBand(1).WriteArray(array)
        dataset.FlushCache()
        dataset = None
        self._check(not failed, f"cannot write {path}")

    def translate_to_cog(self, source: str, path: str, options: dict) -> None:
        gdal = self._gdal
        with _gdal_cache_max(gdal, COG_CACHE_MIB * 2**20):
            source_dataset = gdal.Open(source)
            self._check(source_dataset is not None, f"cannot open {source}")
            result = gdal.GetDriverByName("COG").CreateCopy(
                path, source_dataset, strict=1, options=[f"{k}={v}" for k, v in options.items()])
            self._check(result is not None, f"cannot write the COG {path}")
            result.FlushCache()
            result = source_dataset = None

    def _check(self, succeeded: bool, what: str) -> None:
        if not succeeded:
            raise RuntimeError(f"GDAL {what}: {self._gdal.GetLastErrorMsg() or 'unknown error'}")


class RasterioGdal:
    """GDAL through rasterio (the server installed by pip alone)."""

    def __init__(self):
        import rasterio
        import rasterio.shutil

        self._rasterio = rasterio

    def cog_compressions(self) -> str:
        """rasterio does not expose a driver's option list: ask its GDAL to compress one pixel."""
        from rasterio.errors import RasterioError
        from rasterio.io import MemoryFile

        try:
            with _not_georeferenced_is_expected(), MemoryFile() as memory, memory.open(
                    driver="COG", width=1, height=1, count=1, dtype="uint8", COMPRESS="ZSTD") as dataset:
                dataset.write(np.zeros((1, 1, 1), dtype=np.uint8))
        except RasterioError:
            return ""
        return "ZSTD"

    def write_tiff(self, path: str, array: np.ndarray) -> None:
        height, width = array.shape
        with _not_georeferenced_is_expected(), self._rasterio.open(
                path, "w", driver="GTiff", width=width, height=height, count=1, dtype="float32") as dataset:
            dataset.write(array, 1)

    def translate_to_cog(self, source: str, path: str, options: dict) -> None:
        with self._rasterio.Env(GDAL_CACHEMAX=COG_CACHE_MIB):
            self._rasterio.shutil.copy(source, path, driver="COG", strict=True, **options)


def default_binding():
    """``osgeo.gdal`` when importable, else rasterio's GDAL."""
    try:
        return OsgeoGdal()
    except ImportError:
        return RasterioGdal()


@contextlib.contextmanager
def _not_georeferenced_is_expected():
    """Block files carry no georeferencing (the mosaic VRT does): rasterio's warning says nothing."""
    from rasterio.errors import NotGeoreferencedWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        yield


@contextlib.contextmanager
def _gdal_cache_max(gdal, size_bytes):
    """GDAL's block cache bounded while the COG is made (GDAL reads GDAL_CACHEMAX only once per process,
    so the size is set, then restored, directly)."""
    previous = gdal.GetCacheMax()
    gdal.SetCacheMax(min(previous, size_bytes))
    try:
        yield
    finally:
        gdal.SetCacheMax(previous)
