"""The stack the bench measures on: the storage path of `make run`, on a frozen virtual clock.

`make run` (local/server.py) keeps every table in a moto *server* on loopback: each DynamoDB, KMS, SES and Step
Functions call is serialised by botocore, sent over a socket and parsed by werkzeug, with moto's DynamoDB requests
taken one at a time (local/moto_fixes.py). pytest's `in_process()` skips all of that (botocore's calls are answered
inside the calling thread). The bench runs on what `make run` pays: `served()` starts the same moto server in this
process, points every client at it (AWS_ENDPOINT_URL, as local/server.py does), and provisions the same resources
with the same hooks; only the clock is frozen (it moves when a section advances it), so each run is repeatable.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import socket
import statistics
import threading
import time
import urllib.request
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

HOST = "127.0.0.1"
BASELINE_CALLS = 50  # bare GetItem calls timed for the baseline of each section


@contextmanager
def intercepted(wrap: Callable[[Any, str, dict, Callable[[], Any]], Any]) -> Iterator[None]:
    """Every AWS call of every client of the process, while the block runs, goes through `wrap(client, operation,
    params, call)`, which must return `call()`'s answer: the one way the bench counts and times calls at botocore."""
    from botocore.client import BaseClient

    original = BaseClient._make_api_call

    def through(self, operation_name, api_params):
        return wrap(self, operation_name, api_params, lambda: original(self, operation_name, api_params))

    BaseClient._make_api_call = through
    try:
        yield
    finally:
        BaseClient._make_api_call = original


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def _post(port: int, action: str, body: Any) -> None:
    request = urllib.request.Request(
        f"http://{HOST}:{port}/moto-api/{action}",
        data=json.dumps(body or {}).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=10).read()


@contextmanager
def served(app, start: dt.datetime) -> Iterator:
    """A LocalStack on a moto server on a free loopback port, as `make run` has it, its clock frozen at `start`."""
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from moto.server import ThreadedMotoServer

    from local.stack import MOTO_CONFIG, provisioned

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request lines, as local/server.py quiets them

    port = _free_port()
    saved = {
        name: os.environ.get(name) for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_ENDPOINT_URL", "MOTO_PORT")
    }
    os.environ.update(
        AWS_ACCESS_KEY_ID="testing",
        AWS_SECRET_ACCESS_KEY="testing",
        AWS_ENDPOINT_URL=f"http://{HOST}:{port}",
        MOTO_PORT=str(port),
    )
    moto = ThreadedMotoServer(ip_address=HOST, port=port, verbose=False)
    handle = MotoRequestHandler.handle_one_request
    MotoRequestHandler.handle_one_request = _timed_in_server(handle)  # type: ignore[method-assign]
    moto.start()
    try:
        _post(port, "reset", None)  # moto's backends live in the process: none of an earlier stack's records
        _post(port, "config", MOTO_CONFIG)
        try:
            with provisioned(app, start) as stack:
                yield stack
        finally:
            _post(port, "reset", None)
    finally:
        moto.stop()
        MotoRequestHandler.handle_one_request = handle  # type: ignore[method-assign]
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        from chalicelib import bootstrap

        bootstrap.reset()  # no client of the next stack may keep this server's endpoint


_server_cpu = [0.0]
_server_cpu_lock = threading.Lock()


def _timed_in_server(handle):
    """A request of the moto server, its CPU added up: reading and parsing it, moto's answer, writing it back."""

    def timed(self):
        cpu = time.thread_time()
        try:
            return handle(self)
        finally:
            spent = time.thread_time() - cpu
            with _server_cpu_lock:
                _server_cpu[0] += spent

    return timed


def server_cpu_s() -> float:
    """CPU seconds moto's server threads have spent answering requests in this process (moto's side of every call,
    which the calling thread's own CPU time does not see)."""
    with _server_cpu_lock:
        return _server_cpu[0]


def baseline_call_ms(stack) -> float:
    """The section's baseline: the median wall time of a bare DynamoDB GetItem (a missing key) on this stack's moto
    server, measured in the same run as the section's own timings, so every timing can be read as a ratio to it."""
    import boto3

    from local.stack import REGION

    return bare_get_item_ms(boto3.client("dynamodb", region_name=REGION), stack.env["ENTITIES_TABLE"])


def bare_get_item_ms(client, table: str) -> float:
    """Median milliseconds of BASELINE_CALLS GetItem calls of a missing key through `client`, after one to connect."""
    key = {"pk": {"S": "bench#baseline"}, "sk": {"S": "bench#baseline"}}
    client.get_item(TableName=table, Key=key)
    times = []
    for _ in range(BASELINE_CALLS):
        started = time.perf_counter()
        client.get_item(TableName=table, Key=key)
        times.append(time.perf_counter() - started)
    return statistics.median(times) * 1000


def ratio(ms: float, baseline_ms: float) -> str:
    """A timing as a multiple of the section's baseline call."""
    return f"{ms / baseline_ms:,.0f}x" if ms / baseline_ms >= 10 else f"{ms / baseline_ms:.1f}x"
