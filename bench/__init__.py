"""Load and speed benchmarks of the API (`make bench`), and the loopback topology that `make test-deploy` shares."""
