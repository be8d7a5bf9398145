"""Benchmarks kept outside the apps, run by `make bench`."""
