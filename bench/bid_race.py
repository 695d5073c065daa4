"""The bid race: 300+ concurrent sealed bids from distinct vendors across the opening instant (R-5b, R-5n), on a
real `make run` server process.

Vendors are registered and confirmed first. The clock is set just before the opening; a thread pool fires one
bid per vendor, and while they are in flight the clock is moved across the opening. Each answer is counted:
accepted (201), refused as late (409 R-5b), retryable (another 409, or 503), 5xx, other; then, once the opening
has run, every accepted receipt must be in the public tabulation (lost must be 0) and no answer may be a 5xx.

    python -m bench.bid_race            # 320 bids, 32 threads
    python -m bench.bid_race 500 48
"""

from __future__ import annotations

import datetime as dt
import os
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Self

from local.seed import call, invitation, sealed_bid, vendor_registration

ROOT = Path(__file__).resolve().parent.parent
BIDS, THREADS = 320, 32
BEFORE_OPENING = dt.timedelta(seconds=30)  # where the clock is set when the first bid goes out
CROSS_AFTER = 0.4  # share of the bids answered when the clock is moved across the opening


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Server:
    """`python -m local.server` on free loopback ports, logging to a temporary file; stopped with Ctrl-C."""

    def __enter__(self) -> Self:
        self.port, self.moto_port = _free_port(), _free_port()
        self.log = tempfile.NamedTemporaryFile("w", prefix="bid-race-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            [sys.executable, "-m", "local.server", "--port", str(self.port), "--moto-port", str(self.moto_port)],
            cwd=ROOT,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        self.base = f"http://127.0.0.1:{self.port}"
        limit = time.monotonic() + 60
        while True:
            if self.process.poll() is not None:
                raise RuntimeError(f"the server exited at start; see {self.log.name}")
            try:
                urllib.request.urlopen(f"{self.base}/openapi.json", timeout=1).read()
                return self
            except OSError:
                if time.monotonic() > limit:
                    raise RuntimeError(f"the server did not answer within a minute; see {self.log.name}") from None
                time.sleep(0.1)

    def baseline_ms(self) -> float:
        """A bare DynamoDB GetItem on the server's own moto, the baseline of this section's timings."""
        import boto3

        from bench.stack import bare_get_item_ms
        from local.stack import REGION, STACK_NAME

        client = boto3.client(
            "dynamodb",
            region_name=REGION,
            endpoint_url=f"http://127.0.0.1:{self.moto_port}",
            aws_access_key_id="testing",
            aws_secret_access_key="testing",
        )
        return bare_get_item_ms(client, f"{STACK_NAME}-EntitiesTable")

    def __exit__(self, *exc) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.log.close()
        os.unlink(self.log.name)


def _ok(answer: tuple[int, dict], *expected: int) -> dict:
    status, body = answer
    if status not in expected:
        raise RuntimeError(f"answered {status}: {body}")
    return body


class Stack:
    """The server's API with tokens minted at its virtual clock."""

    def __init__(self, base: str):
        self.base = base

    def now(self) -> dt.datetime:
        return dt.datetime.fromisoformat(_ok(call(self.base, "GET", "/_local/clock"), 200)["utc"])

    def token(self, role: str, org: str, now: dt.datetime | None = None) -> str:
        from chalicelib.api.auth import issue_dev_token
        from local.stack import DEV_JWT_SECRET

        return issue_dev_token(DEV_JWT_SECRET, sub=f"{role}-user@{org}", role=role, org=org, now=now or self.now())

    def move_clock(self, to: dt.datetime) -> None:
        _ok(call(self.base, "POST", "/_local/clock", {"to": to.isoformat()}), 200)


def _vendors(stack: Stack, count: int, pool: ThreadPoolExecutor) -> list[str]:
    """`count` vendor organisations registered, then confirmed with the codes read once from the outbox."""
    now = stack.now()
    orgs = [f"racer-{i:04d}" for i in range(count)]
    email = {org: f"bids@{org}.example" for org in orgs}

    def register(org: str) -> str:
        body = _ok(
            call(
                stack.base, "POST", "/vendors", vendor_registration(f"Racer {org}", email[org]), stack.token("vendor", org, now)
            ),
            201,
        )
        return body["id"]

    ids = dict(zip(orgs, pool.map(register, orgs)))
    codes = {}
    for message in _ok(call(stack.base, "GET", "/_local/outbox"), 200)["messages"]:
        if "Confirmation code: " in message["text"] and message["to"]:
            codes[message["to"][0]] = message["text"].split("Confirmation code: ")[1].split()[0]
    list(
        pool.map(
            lambda org: _ok(
                call(
                    stack.base,
                    "POST",
                    f"/vendors/{ids[org]}/confirm",
                    {"code": codes[email[org]]},
                    stack.token("vendor", org, now),
                ),
                200,
            ),
            orgs,
        )
    )
    return orgs


def _invitation(stack: Stack) -> tuple[str, dt.datetime]:
    opening = (stack.now() + dt.timedelta(days=1)).replace(minute=0, second=0, microsecond=0)
    body = invitation("Bid race", opening, "100")
    bureau = stack.token("purchasing", "DAS-BOP")
    sol = _ok(call(stack.base, "POST", "/solicitations", body, bureau), 201)
    _ok(call(stack.base, "POST", f"/solicitations/{sol['id']}/publish", None, bureau), 200)
    return sol["id"], opening


def _bid(n: int) -> dict:
    return sealed_bid(f"{20 + n % 97}.{n % 100:02d}", "100")


def _kind(status: int, body) -> str:
    if status == 201:
        return "accepted"
    if status == 409 and isinstance(body, dict) and body.get("rule") == "R-5b":
        return "refused-late"
    if status in (409, 503):
        return "retryable"
    if status >= 500:
        return "5xx"
    return f"other {status}"


def race(bids: int = BIDS, threads: int = THREADS) -> dict:
    """Run one race on a fresh server; returns the counts and latencies."""
    with Server() as server, ThreadPoolExecutor(threads) as pool:
        stack = Stack(server.base)
        t0 = time.perf_counter()
        orgs = _vendors(stack, bids, pool)
        sol_id, opening = _invitation(stack)
        prepared = time.perf_counter() - t0
        baseline_ms = server.baseline_ms()
        stack.move_clock(opening - BEFORE_OPENING)
        now = stack.now()
        tokens = {org: stack.token("vendor", org, now) for org in orgs}
        answered, crossed = threading.Semaphore(0), {}

        def fire(n: int):
            started = time.perf_counter()
            try:
                status, body = call(stack.base, "POST", f"/solicitations/{sol_id}/bids", _bid(n), tokens[orgs[n]])
            except OSError as exc:
                status, body = 0, {"error": repr(exc)}
            answered.release()
            return status, body, time.perf_counter() - started

        t1 = time.perf_counter()
        futures = [pool.submit(fire, n) for n in range(bids)]
        for _ in range(int(bids * CROSS_AFTER)):
            answered.acquire()
        crossed["at"] = time.perf_counter() - t1
        stack.move_clock(opening + dt.timedelta(seconds=1))  # returns once the opening has run and parked again
        results = [f.result() for f in futures]
        fired = time.perf_counter() - t1
        _ok(call(stack.base, "GET", "/_local/outbox"), 200)  # waits until every execution is parked
        status, tabulated = _tabulation(stack.base, sol_id)
    receipts = {body["bid_id"]: body["received_at"] for status, body, _ in results if status == 201}
    kinds = Counter("connection error" if s == 0 else _kind(s, b) for s, b, _ in results)
    latencies = sorted(elapsed for *_, elapsed in results)
    return {
        "bids": bids,
        "threads": threads,
        "kinds": kinds,
        "lost": sorted(receipts[b] for b in set(receipts) - tabulated),
        "opening": opening,
        "tabulation": status,
        "tabulated": len(tabulated),
        "p50": latencies[len(latencies) // 2],
        "p99": latencies[min(len(latencies) - 1, int(len(latencies) * 0.99))],
        "prepared s": prepared,
        "fired s": fired,
        "baseline ms": baseline_ms,
        "crossed s": crossed["at"],
    }


def _tabulation(base: str, sol_id: str) -> tuple[int, set[str]]:
    """(status, the bid ids of every page of the public tabulation): it is a paged list like every other."""
    found: set[str] = set()
    cursor: str | None = None
    while True:
        query = "?limit=200" + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else "")
        status, page = call(base, "GET", f"/solicitations/{sol_id}/tabulation{query}")
        if status != 200:
            return status, found
        found |= {row["bid_id"] for row in page["items"]}
        cursor = page.get("next")
        if cursor is None:
            return status, found


def run(bids: int = BIDS, threads: int = THREADS) -> list:
    """Rows for `make bench` (see bench/__main__.py)."""
    from bench.stack import ratio

    result = race(bids, threads)
    kinds = result["kinds"]
    rows: list = [
        {
            "bids": result["bids"],
            "threads": result["threads"],
            "accepted": kinds["accepted"],
            "refused-late": kinds["refused-late"],
            "retryable (409/503)": kinds["retryable"],
            "lost": len(result["lost"]),
            "5xx": kinds["5xx"],
            "p50 ms": f"{result['p50'] * 1000:.0f}",
            "x baseline": ratio(result["p50"] * 1000, result["baseline ms"]),
            "p99 ms": f"{result['p99'] * 1000:.0f}",
            "x baseline ": ratio(result["p99"] * 1000, result["baseline ms"]),
        }
    ]
    others = {k: n for k, n in kinds.items() if k not in ("accepted", "refused-late", "retryable", "5xx")}
    rows.append(
        f"{result['bids']} vendors registered and confirmed and the invitation published in {result['prepared s']:.1f} s "
        f"({ratio(result['prepared s'] * 1000, result['baseline ms'])} baseline); bids fired in {result['fired s']:.1f} s "
        f"({ratio(result['fired s'] * 1000, result['baseline ms'])}), the clock moved across the opening after {result['crossed s']:.1f} s "
        f"({CROSS_AFTER:.0%} of the answers in). Tabulation: {result['tabulation']}, {result['tabulated']} bids. "
        f"x baseline = over the median of a bare GetItem on the server's moto in the same run ({result['baseline ms']:.2f} ms)."
        + (f" Other answers: {others}." if others else "")
    )
    if result["tabulation"] != 200:
        rows.append(f"WARNING: the tabulation answered {result['tabulation']} after the opening")
    if result["lost"]:
        rows.append(
            f"WARNING: {len(result['lost'])} bids got a receipt (201) but are not in the tabulation; received at "
            f"{', '.join(result['lost'])}, the opening at {result['opening'].isoformat()}"
        )
    if kinds["5xx"] or kinds["connection error"]:
        rows.append(f"WARNING: {kinds['5xx']} answers were 5xx and {kinds['connection error']} connections failed")
    if not kinds["accepted"] or not kinds["refused-late"]:
        rows.append("WARNING: the bids did not straddle the opening (none accepted or none late)")
    return rows


def main(argv: list[str]) -> int:
    from bench.__main__ import render

    numbers = [int(a) for a in argv[1:3]]
    lines, warned = render(run(*numbers))
    print("\n".join(lines))
    return 1 if warned else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
