"""Benchmarks of the edge engine, the tile pipeline and the server (`make bench`)."""
