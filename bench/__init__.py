"""Benchmarks: `python -m bench` runs them all at a small size (see bench/README.md)."""
