"""`make run`: the whole emulated stack on 127.0.0.1.

A moto server (state machines executed for real, Lambda tasks dispatched in-process to the app's
handlers) and the Chalice API on one virtual clock that ticks with real time and jumps forward with
`POST /_local/clock`. Ctrl-C stops everything.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import logging
import os
import signal
import sys
import threading
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start(host: str, port: int, moto_port: int, *, quiet: bool = False):
    """Start moto and the API in background threads; return (api_server, moto_server, stack)."""
    sys.path.insert(0, str(ROOT))
    for name in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        os.environ.setdefault(name, "testing")
    os.environ["AWS_DEFAULT_REGION"] = "us-east-1"
    os.environ["MOTO_PORT"] = str(moto_port)
    os.environ["AWS_ENDPOINT_URL"] = f"http://{host}:{moto_port}"

    from chalice.cli.factory import CLIFactory
    from moto.server import ThreadedMotoServer

    from app import app
    from local import devroutes
    from local.stack import MOTO_CONFIG, LocalStack
    from local.virtual_time import VirtualClock

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # moto's per-request lines drown the API's
    moto = ThreadedMotoServer(ip_address=host, port=moto_port, verbose=False)
    moto.start()
    request = urllib.request.Request(
        f"http://{host}:{moto_port}/moto-api/config", data=json.dumps(MOTO_CONFIG).encode(), method="POST",
        headers={"Content-Type": "application/json"},
    )
    urllib.request.urlopen(request).read()

    stack = LocalStack(app, VirtualClock(dt.datetime.now(dt.timezone.utc), tick=True).start())
    stack.install_hooks()
    stack.provision()
    devroutes.attach(app, stack)

    factory = CLIFactory(str(ROOT))
    config = factory.create_config_obj(chalice_stage_name="dev")
    os.environ.update(config.environment_variables)
    os.environ.update(stack.env)
    api = factory.create_local_server(app, config, host, port)
    threading.Thread(target=api.serve_forever, name="chalice-local", daemon=True).start()
    if not quiet:
        print(f"API      http://{host}:{port}  (GET /openapi.json)")
        print(f"moto     http://{host}:{moto_port}")
        print(f"clock    GET/POST http://{host}:{port}/_local/clock   outbox GET http://{host}:{port}/_local/outbox")
        print("tokens   make token ROLE=vendor ORG=acme   (HS256, dev secret in local/stack.py)")
        print("Ctrl-C stops everything.", flush=True)
    return api, moto, stack


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", 8000)))
    parser.add_argument("--moto-port", type=int, default=int(os.environ.get("MOTO_PORT", 5000)))
    args = parser.parse_args(argv)
    api, moto, stack = start(args.host, args.port, args.moto_port)
    stop = threading.Event()
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    stop.wait()
    print("\nstopping...", flush=True)
    api.shutdown()
    stack.clock.release_all()
    moto.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
