"""`make run`: the whole emulated stack on 127.0.0.1.

A moto server (state machines executed for real, Lambda tasks dispatched in-process to the app's
handlers) and the Chalice API on one virtual clock that ticks with real time and jumps forward with
`POST /_local/clock`. Every record lives in moto's memory: stopping the server discards it. Ctrl-C stops
everything within STOP_SECONDS; a port already in use stops the start with a message naming it.

Concurrent requests run in parallel threads, as concurrent Lambdas do on AWS: Chalice's local server makes
`app.current_request` thread-local (it turns the app into a `LocalChalice`), so each handler reads its own
request; the listen backlog takes a burst of connections, where the socketserver default of 5 resets them.
An unknown route gets the deployed API's answer (`as_deployed`), here and in the test client (`GatewayClient`).
"""

from __future__ import annotations

import argparse
import datetime as dt
import functools
import json
import logging
import os
import signal
import socket
import sys
import threading
import urllib.request
from pathlib import Path
from typing import NoReturn

from chalice.local import ChaliceRequestHandler, ForbiddenError, LocalGatewayException
from chalice.test import Client, TestHTTPClient

ROOT = Path(__file__).resolve().parent.parent
STOP_SECONDS = 5
LISTEN_BACKLOG = 1024  # connections waiting to be accepted; API Gateway refuses none


class PortTaken(Exception):
    """A port the stack needs is already in use; the message says which and what to do."""


class GatewayAnswer(LocalGatewayException):
    def __init__(self, status: int, body: bytes) -> None:
        super().__init__({"Content-Type": "application/json"}, body)
        self.CODE = status


def as_deployed(refusal: LocalGatewayException) -> LocalGatewayException:
    """Chalice's LocalGateway refuses an unknown route as a bare API Gateway does (403 "Missing Authentication Token");
    the deployed API answers it with its gateway response (infra/build.py), and so does this. The app has no Chalice
    authorizer, so LocalGateway refuses nothing else."""
    from infra import build

    return GatewayAnswer(*build.unknown_route_answer()) if isinstance(refusal, ForbiddenError) else refusal


class GatewayRequestHandler(ChaliceRequestHandler):
    def _send_error_response(self, error: LocalGatewayException) -> None:
        super()._send_error_response(as_deployed(error))


class GatewayHTTPClient(TestHTTPClient):
    def _error_response(self, e: LocalGatewayException):
        return super()._error_response(as_deployed(e))


class GatewayClient(Client):
    """chalice.test.Client whose HTTP calls get the deployed API's answer to an unknown route."""

    @property
    def http(self) -> TestHTTPClient:
        if self._http_client is None:
            self._http_client = GatewayHTTPClient(self._app, self._chalice_config)
        return self._http_client


# a burst of requests (hundreds of registrations) may start more executions than park again within a test's 30 s
SETTLE_TIMEOUT_S = 300.0


def check_free(host: str, ports: dict[str, tuple[int, str]]) -> None:
    """Bind each port once, as the servers will: moto's own start would wait forever on a taken port."""
    for role, (port, variable) in ports.items():
        with socket.socket() as probe:
            probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                probe.bind((host, port))
            except OSError as exc:
                raise PortTaken(
                    f"Port {port} on {host} ({role}) is already in use ({exc.strerror}). Stop the process holding it "
                    f"(e.g. an earlier `make run`; see `lsof -i :{port}`) or choose another port: make run {variable}={port + 1}"
                ) from None


def start(host: str, port: int, moto_port: int, *, quiet: bool = False):
    """Start moto and the API in background threads; return (api_server, moto_server, stack)."""
    check_free(host, {"the API": (port, "PORT"), "moto": (moto_port, "MOTO_PORT")})
    sys.path.insert(0, str(ROOT))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    os.environ["MOTO_PORT"] = str(moto_port)
    os.environ["AWS_ENDPOINT_URL"] = f"http://{host}:{moto_port}"

    from chalice.cli.factory import CLIFactory
    from chalice.local import LocalChalice
    from moto.server import ThreadedMotoServer

    from app import app
    from local import devroutes
    from local.stack import MOTO_CONFIG, LocalStack
    from local.virtual_time import VirtualClock

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request lines drown the API's
    moto = ThreadedMotoServer(ip_address=host, port=moto_port, verbose=False)
    moto.start()
    request = urllib.request.Request(
        f"http://{host}:{moto_port}/moto-api/config",
        data=json.dumps(MOTO_CONFIG).encode(),
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request, timeout=10).read()

    stack = LocalStack(app, VirtualClock(dt.datetime.now(dt.UTC), tick=True, idle_timeout=SETTLE_TIMEOUT_S).start())
    stack.install_hooks()
    stack.provision()
    devroutes.attach(app, stack)

    factory = CLIFactory(str(ROOT))
    config = factory.create_config_obj(chalice_stage_name="dev")
    os.environ.update(config.environment_variables)
    os.environ.update(stack.env)
    api = factory.create_local_server(app, config, host, port)
    api.server.RequestHandlerClass = functools.partial(GatewayRequestHandler, app_object=app, config=config)
    if not isinstance(app, LocalChalice):  # concurrent handlers would read each other's request
        raise TypeError("chalice's local server no longer makes app.current_request thread-local")
    api.server.socket.listen(LISTEN_BACKLOG)
    threading.Thread(target=api.serve_forever, name="chalice-local", daemon=True).start()
    if not quiet:
        print(f"API      http://{host}:{port}  (GET /openapi.json)")
        print(f"moto     http://{host}:{moto_port}")
        print(f"clock    GET/POST http://{host}:{port}/_local/clock   outbox GET http://{host}:{port}/_local/outbox")
        print("tokens   make token ROLE=vendor ORG=acme   (HS256, dev secret in local/stack.py)")
        print("data     in memory only: stopping the server discards every record, email and execution")
        print("Ctrl-C stops everything.", flush=True)
    return api, moto, stack


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")))
    parser.add_argument("--moto-port", type=int, default=int(os.environ.get("MOTO_PORT", "5000")))
    args = parser.parse_args(argv)
    try:
        api, moto, stack = start(args.host, args.port, args.moto_port)
    except PortTaken as taken:
        print(f"make run: {taken}", file=sys.stderr, flush=True)
        return 2
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    while not stop.wait(0.2):  # a bare wait() never wakes when the signal lands on another thread
        pass
    print("\nstopping (the in-memory data is discarded)...", flush=True)
    _exit_after(STOP_SECONDS - 1)  # a request or an execution still running does not hold the stop up
    api.shutdown()
    stack.clock.release_all()
    moto.stop()
    _exit_now()


def _exit_after(seconds: float) -> None:
    watchdog = threading.Timer(seconds, _exit_now)
    watchdog.daemon = True
    watchdog.start()


def _exit_now() -> NoReturn:
    """Exit without waiting for moto's interpreter threads: nothing in memory is kept anyway."""
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


if __name__ == "__main__":
    raise SystemExit(main())
