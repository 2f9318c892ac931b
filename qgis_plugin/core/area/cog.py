"""The area's output: blocks written into a tiled GeoTIFF, then one Cloud Optimized GeoTIFF made by GDAL.

A hidden staging folder beside the destination holds ``staging.tif``, an uncompressed GeoTIFF of
the whole output grid in 512² tiles, into which each block is written as it finishes (one writer
at a time; the file is closed after each block, so GDAL's cache never holds more than one
block). When every block is there, GDAL builds the staging file's overviews (``gdaladdo``), then
its COG driver copies the file and those overviews (512² tiles, lossless, float32, nodata NaN) to
a temporary file that is renamed onto the destination (``gdal_translate -of COG``). Building the
overviews first, on both cores, from a tiled file, costs a third of the CPU of letting the COG
driver compute them from a mosaic of the blocks (see BENCHMARKS.md).

Distributed block tasks, on several machines, cannot share one GeoTIFF: each writes its block as
its own small file, atomically (so a block computed twice is harmless), and the assembly copies
them into the staging file before the same two GDAL steps. Abort removes the staging folder and
the temporary file: a failed or canceled run leaves nothing.

GDAL is reached through ``osgeo.gdal`` when it is there (QGIS, Debian) and through rasterio's
GDAL otherwise (the pip-installed server); both run the same drivers with the same options.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import uuid
import warnings

import numpy as np

from ..files import atomic_path
from .memory import return_freed_memory
from .plan import Block, BlockPlan

#: Internal tile size of the COG (and of the staging file), in pixels.
COG_BLOCK_SIZE = 512
#: Lossless compression of the COG: ZSTD level 1 where GDAL has it (see BENCHMARKS.md), else DEFLATE.
COG_LEVEL = 1
#: GDAL block cache while the COG is made, in MiB: GDAL's default (5% of the RAM) made the peak RSS
#: grow with the area (2 GiB at 16384²); 64 MiB added 150 MiB to the peak at 16384², 16 MiB adds 80
#: for the same time (the staging file's tiles are read whole; see BENCHMARKS.md).
COG_CACHE_MIB = 16
#: How overview pixels are made from the level below.
OVERVIEW_RESAMPLING = "AVERAGE"
STAGING_NAME = "staging.tif"
_STAGING_SUFFIX = ".blocks"
_STAGING_OPTIONS = {"TILED": "YES", "BLOCKXSIZE": str(COG_BLOCK_SIZE), "BLOCKYSIZE": str(COG_BLOCK_SIZE),
                    "BIGTIFF": "IF_SAFER"}


def cog_options(compressions: str) -> dict:
    """COG creation options for a GDAL whose COG driver lists ``compressions``."""
    return {
        "BLOCKSIZE": str(COG_BLOCK_SIZE),
        "COMPRESS": "ZSTD" if "ZSTD" in compressions else "DEFLATE",
        "LEVEL": str(COG_LEVEL),
        "OVERVIEWS": "FORCE_USE_EXISTING",
        "NUM_THREADS": "ALL_CPUS",
        "BIGTIFF": "IF_SAFER",
    }


def overview_factors(width: int, height: int) -> list:
    """The COG driver's own choice of levels: halve until the level fits in one tile."""
    factors, factor = [], 1
    while -(-max(width, height) // factor) > COG_BLOCK_SIZE:
        factor *= 2
        factors.append(factor)
    return factors


class CogSink:
    """A :class:`~.ports.BlockSink` that ends as a COG at ``destination``."""

    def __init__(self, destination: str, plan: BlockPlan, crs: str, *, binding=None):
        self.destination = os.path.abspath(destination)
        self.plan = plan
        self.gdal = binding or default_binding()
        folder, name = os.path.split(self.destination)
        os.makedirs(folder, exist_ok=True)
        if len(plan) == 1:
            # A tile: its staging file lives in GDAL's memory (/vsimem), no folder on disk.
            self.staging = None
            self._staging_file = f"/vsimem/wmsedge/{uuid.uuid4().hex}/{STAGING_NAME}"
        else:
            self.staging = tempfile.mkdtemp(prefix=f".{name}.", suffix=_STAGING_SUFFIX, dir=folder)
            self._staging_file = os.path.join(self.staging, STAGING_NAME)
        self._lock = threading.Lock()
        self._closed = False
        try:
            create_staging(self.gdal, self._staging_file, plan, crs)
        except BaseException:
            self._close()
            raise

    def write(self, block: Block, gradient: np.ndarray) -> None:
        gradient = checked_block(block, gradient)
        # One writer at a time (a GeoTIFF is not written from two threads), and never after abort().
        with self._lock:
            if not self._closed:
                self.gdal.write_window(self._staging_file, block.row_off, block.col_off, gradient)

    def commit(self) -> None:
        with self._lock:
            try:
                finish_cog(self.gdal, self.plan, self._staging_file, self.destination)
            finally:
                self._close()

    def abort(self) -> None:
        with self._lock:
            self._close()

    def _close(self):
        self._closed = True
        if self.staging is None:
            self.gdal.remove(self._staging_file)
        else:
            shutil.rmtree(self.staging, ignore_errors=True)


def create_staging(gdal, path: str, plan: BlockPlan, crs: str) -> None:
    """The empty tiled GeoTIFF of the whole output grid at ``path``."""
    gdal.create_staging(path, plan.grid.width, plan.grid.height, plan.grid.geotransform(), crs)


def finish_cog(gdal, plan: BlockPlan, staging_file: str, destination: str) -> None:
    """The COG of the complete staging file, renamed onto ``destination`` when whole."""
    return_freed_memory()
    factors = overview_factors(plan.grid.width, plan.grid.height)
    if factors:
        gdal.add_overviews(staging_file, factors)
    with atomic_path(destination, suffix=".tif") as temporary:
        gdal.copy_to_cog(staging_file, temporary, cog_options(gdal.cog_compressions()))


def checked_block(block: Block, gradient: np.ndarray) -> np.ndarray:
    """``gradient`` as contiguous float32, after checking it has the block's size."""
    if gradient.shape != (block.height, block.width):
        raise ValueError(f"{block.describe()} got a {gradient.shape[1]} x {gradient.shape[0]} result")
    return np.ascontiguousarray(gradient, dtype=np.float32)


def block_file_name(block: Block) -> str:
    return f"block_{block.row}_{block.col}.tif"


def write_block_file(gdal, folder: str, block: Block, gradient: np.ndarray) -> None:
    """One block's float32 values as a plain GeoTIFF in ``folder``, whole or not at all."""
    gradient = checked_block(block, gradient)
    with atomic_path(os.path.join(folder, block_file_name(block)), suffix=".tif") as temporary:
        gdal.write_tiff(temporary, gradient)


def assemble_cog(gdal, plan: BlockPlan, folder: str, destination: str, crs: str) -> None:
    """The COG of every block file in ``folder``, renamed onto ``destination`` when complete."""
    missing = [b.describe() for b in plan if not os.path.exists(os.path.join(folder, block_file_name(b)))]
    if missing:
        raise RuntimeError(f"{len(missing)} blocks are missing from the mosaic, first {missing[0]}")
    staging_file = os.path.join(folder, STAGING_NAME)
    create_staging(gdal, staging_file, plan, crs)
    for block in plan:
        gdal.write_window(staging_file, block.row_off, block.col_off,
                          gdal.read_tiff(os.path.join(folder, block_file_name(block))))
    finish_cog(gdal, plan, staging_file, destination)


class OsgeoGdal:
    """GDAL through its own Python bindings (QGIS, Debian's python3-gdal).

    Failures are read from return values and GDAL's last error, never by ``gdal.UseExceptions()``:
    that switch is global, and inside QGIS it would change GDAL for every other plugin. For the same
    reason the overviews' threads are asked for in the calling thread's configuration only.
    """

    def __init__(self):
        from osgeo import gdal, osr

        self._gdal, self._osr = gdal, osr

    def cog_compressions(self) -> str:
        return self._gdal.GetDriverByName("COG").GetMetadataItem("DMD_CREATIONOPTIONLIST") or ""

    def create_staging(self, path: str, width: int, height: int, geotransform: tuple, crs: str) -> None:
        gdal = self._gdal
        dataset = gdal.GetDriverByName("GTiff").Create(
            path, width, height, 1, gdal.GDT_Float32, options=[f"{k}={v}" for k, v in _STAGING_OPTIONS.items()])
        self._check(dataset is not None, f"cannot create {path}")
        reference = self._osr.SpatialReference()
        self._check(reference.SetFromUserInput(crs) == 0, f"cannot read the CRS {crs!r}")
        dataset.SetSpatialRef(reference)
        dataset.SetGeoTransform(geotransform)
        dataset.GetRasterBand(1).SetNoDataValue(float("nan"))
        dataset = None

    def write_window(self, path: str, row_off: int, col_off: int, array: np.ndarray) -> None:
        dataset = self._gdal.Open(path, self._gdal.GA_Update)
        self._check(dataset is not None, f"cannot open {path}")
        failed = dataset.GetRasterBand(1).WriteArray(array, col_off, row_off)
        dataset.FlushCache()
        dataset = None
        self._check(not failed, f"cannot write {path}")

    def write_tiff(self, path: str, array: np.ndarray) -> None:
        height, width = array.shape
        dataset = self._gdal.GetDriverByName("GTiff").Create(path, width, height, 1, self._gdal.GDT_Float32)
        self._check(dataset is not None, f"cannot create {path}")
        failed = dataset.GetRasterBand(1).WriteArray(array)
        dataset.FlushCache()
        dataset = None
        self._check(not failed, f"cannot write {path}")

    def remove(self, path: str) -> None:
        """Delete ``path`` (a /vsimem file too), if it is there."""
        self._gdal.Unlink(path)

    def read_tiff(self, path: str) -> np.ndarray:
        dataset = self._gdal.Open(path)
        self._check(dataset is not None, f"cannot open {path}")
        return dataset.GetRasterBand(1).ReadAsArray()

    def add_overviews(self, path: str, factors: list) -> None:
        """Build the overviews of ``factors`` into the GeoTIFF at ``path``, on every core."""
        gdal = self._gdal
        with _gdal_cache_max(gdal, COG_CACHE_MIB * 2**20), _thread_config(gdal, "GDAL_NUM_THREADS", "ALL_CPUS"):
            dataset = gdal.Open(path, gdal.GA_Update)
            self._check(dataset is not None, f"cannot open {path}")
            failed = dataset.BuildOverviews(OVERVIEW_RESAMPLING, factors)
            dataset = None
        self._check(not failed, f"cannot build the overviews of {path}")

    def copy_to_cog(self, source: str, path: str, options: dict) -> None:
        """The COG driver's copy of ``source`` and its overviews at ``path``."""
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

    def create_staging(self, path: str, width: int, height: int, geotransform: tuple, crs: str) -> None:
        from rasterio.crs import CRS
        from rasterio.transform import Affine

        with self._rasterio.open(path, "w", driver="GTiff", width=width, height=height, count=1, dtype="float32",
                                 crs=CRS.from_user_input(crs), transform=Affine.from_gdal(*geotransform),
                                 nodata=float("nan"), **_STAGING_OPTIONS):
            pass

    def write_window(self, path: str, row_off: int, col_off: int, array: np.ndarray) -> None:
        from rasterio.windows import Window

        with self._rasterio.open(path, "r+") as dataset:
            dataset.write(array, 1, window=Window(col_off, row_off, array.shape[1], array.shape[0]))

    def write_tiff(self, path: str, array: np.ndarray) -> None:
        height, width = array.shape
        with _not_georeferenced_is_expected(), self._rasterio.open(
                path, "w", driver="GTiff", width=width, height=height, count=1, dtype="float32") as dataset:
            dataset.write(array, 1)

    def remove(self, path: str) -> None:
        """Delete ``path`` (a /vsimem file too), if it is there."""
        from rasterio.errors import RasterioIOError

        with contextlib.suppress(RasterioIOError):
            self._rasterio.shutil.delete(path)

    def read_tiff(self, path: str) -> np.ndarray:
        with _not_georeferenced_is_expected(), self._rasterio.open(path) as dataset:
            return dataset.read(1)

    def add_overviews(self, path: str, factors: list) -> None:
        """Build the overviews of ``factors`` into the GeoTIFF at ``path``, on every core."""
        from rasterio.enums import Resampling

        with self._rasterio.Env(GDAL_CACHEMAX=COG_CACHE_MIB, GDAL_NUM_THREADS="ALL_CPUS"), \
                self._rasterio.open(path, "r+") as dataset:
            dataset.build_overviews(factors, Resampling[OVERVIEW_RESAMPLING.lower()])

    def copy_to_cog(self, source: str, path: str, options: dict) -> None:
        """The COG driver's copy of ``source`` and its overviews at ``path``."""
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
    """Block files carry no georeferencing (the staging file does): rasterio's warning says nothing."""
    from rasterio.errors import NotGeoreferencedWarning

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", NotGeoreferencedWarning)
        yield


@contextlib.contextmanager
def _thread_config(gdal, key, value):
    """A GDAL configuration option set for the calling thread only, then restored."""
    previous = gdal.GetThreadLocalConfigOption(key, None)
    gdal.SetThreadLocalConfigOption(key, value)
    try:
        yield
    finally:
        gdal.SetThreadLocalConfigOption(key, previous)


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
