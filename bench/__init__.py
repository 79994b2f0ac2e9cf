"""Load and speed benchmarks of the API (`make bench`); not part of the test suite."""
