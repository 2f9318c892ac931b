"""QGIS-side input: a layer's pixels through its own data provider (``provider_read``, with the
checks of every WMS GetMap the read sends) and the area pipeline's pixel source over a pool of
provider clones (``provider_source``). The output is written by the engine's COG sink."""
