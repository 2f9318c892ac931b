"""The processes this WPS offers."""

from .wps_get_raster import GetRasterProcess

processes = [GetRasterProcess()]

__all__ = ["GetRasterProcess", "processes"]
