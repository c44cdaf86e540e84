"""Benchmarks, run by hand (see README); never part of the test suite."""
