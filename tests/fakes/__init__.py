"""Fake platform APIs on 127.0.0.1 for the adapter tests and benchmarks."""
