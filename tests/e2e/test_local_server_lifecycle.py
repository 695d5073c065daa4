"""`make run` starts cleanly or says why not, and stops promptly: the server process on loopback ports."""

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request

from local.fein import fein_for
from tests.e2e.conftest import ROOT, call, free_port, token


def launch(port: int, moto_port: int, output) -> subprocess.Popen:
    """The server, writing to a file (a pipe nobody reads yet could fill and block it)."""
    return subprocess.Popen(
        [sys.executable, "-m", "local.server", "--port", str(port), "--moto-port", str(moto_port)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=output,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_until_serving(process: subprocess.Popen, base: str) -> None:
    for _ in range(600):
        assert process.poll() is None, "server exited early"
        try:
            urllib.request.urlopen(f"{base}/openapi.json", timeout=1)
            return
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise AssertionError("server did not answer within a minute")


def test_a_taken_moto_port_stops_the_start_with_a_message_naming_it(tmp_path):
    # Given something listening on the moto port
    log = tmp_path / "server.log"
    with socket.socket() as holder, log.open("w") as out:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        moto_port = holder.getsockname()[1]

        # When the server starts
        process = launch(free_port(), moto_port, out)
        process.wait(timeout=60)
    output = log.read_text()

    # Then it exits at once with a message naming the port and how to choose another
    assert process.returncode == 2
    assert f"Port {moto_port} on 127.0.0.1 (moto) is already in use" in output
    assert f"MOTO_PORT={moto_port + 1}" in output


def test_ctrl_c_stops_the_server_within_five_seconds_even_with_executions_waiting(tmp_path):
    # Given a running server with a workflow waiting (a vendor's onboarding)
    port, log = free_port(), tmp_path / "server.log"
    process = launch(port, free_port(), log.open("w"))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_serving(process, base)
        status, _ = call(
            "POST",
            f"{base}/vendors",
            {
                "legal_name": "Acme",
                "fein": fein_for("acme-stop"),
                "contact_email": "bids@acme.example",
                "commodity_codes": ["61500"],
            },
            token("vendor", "acme-stop", base),
        )
        assert status == 201

        # When Ctrl-C is pressed
        pressed = time.monotonic()
        process.send_signal(signal.SIGINT)
        code = process.wait(timeout=30)

        # Then it has stopped within five seconds, cleanly, saying the data was in memory
        assert time.monotonic() - pressed < 5 and code == 0
        assert "in-memory data is discarded" in log.read_text()
    finally:
        if process.poll() is None:
            process.kill()
