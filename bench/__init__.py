"""Benchmark scripts (run as files, e.g. `python bench/queue.py`); each prints JSON lines."""
