"""Benchmarks, each runnable as ``python -m benchmarks.<name>`` with its config in ``benchmarks/conf/``."""
