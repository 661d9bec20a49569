"""Benchmarks: each `bench/bench_*.py` module has a `main()` that measures one thing and prints it."""
