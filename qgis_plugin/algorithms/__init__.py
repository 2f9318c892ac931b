"""The plugin's Processing algorithms."""

from .edge_tile import EdgeTileAlgorithm

__all__ = ["EdgeTileAlgorithm"]
