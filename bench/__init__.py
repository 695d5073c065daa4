"""Benchmarks of the local stack, run with `make bench` (= `python -m bench`): cold import time of the app,
DynamoDB calls per API operation, workflow timings under virtual time, and any optional section modules."""
