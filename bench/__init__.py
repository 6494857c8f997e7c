"""Benchmarks: load from a separate process on loopback, results in bench/results/*.json."""
