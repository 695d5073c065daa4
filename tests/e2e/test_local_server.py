"""`make run` for real: the server process on 127.0.0.1, driven over HTTP as a developer would with curl."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def call(method, url, body=None, token=None):
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


@pytest.fixture(scope="module")
def server():
    port, moto_port = free_port(), free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(
        [sys.executable, "-m", "local.server", "--port", str(port), "--moto-port", str(moto_port)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):  # bounded: at most about a minute of start-up
        if process.poll() is not None:
            pytest.fail(f"server exited early:\n{process.stdout.read()}")
        try:
            urllib.request.urlopen(f"{base}/openapi.json", timeout=1)
            break
        except OSError:
            time.sleep(0.1)
    else:
        process.kill()
        pytest.fail("server did not answer within a minute")
    yield base, process
    if process.poll() is None:
        process.send_signal(signal.SIGINT)
        process.wait(timeout=30)


def token(role, org):
    out = subprocess.run([sys.executable, "-m", "local.token", role, org], cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, capture_output=True, text=True, check=True)
    return out.stdout.strip()


def test_openapi_document_is_served_on_loopback(server):
    base, _ = server
    status, doc = call("GET", f"{base}/openapi.json")
    assert status == 200 and "/vendors" in doc["paths"]


def test_a_registered_vendor_is_reminded_after_the_clock_advances_seven_days(server):
    base, _ = server
    status, vendor = call("POST", f"{base}/vendors", {"legal_name": "Acme Office Supply", "contact_email": "bids@acme.example", "commodity_codes": ["61500"]}, token("vendor", "acme-e2e"))
    assert status == 201, vendor
    _, outbox = call("GET", f"{base}/_local/outbox")
    assert [m["subject"] for m in outbox["messages"]] == [f"Confirm your vendor registration {vendor['id']}"]

    status, clock = call("POST", f"{base}/_local/clock", {"advance": "P7D"})
    assert status == 200

    _, outbox = call("GET", f"{base}/_local/outbox")
    assert outbox["messages"][-1]["subject"] == f"Reminder: confirm your vendor registration {vendor['id']}"


def test_a_malformed_clock_change_is_refused_with_the_error_shape(server):
    base, _ = server
    status, body = call("POST", f"{base}/_local/clock", {"advance": "ten days"})
    assert status == 400 and body["Code"] == "ValidationFailed" and body["details"]


def test_ctrl_c_stops_the_whole_stack(server):
    base, process = server
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{base}/openapi.json", timeout=2)
