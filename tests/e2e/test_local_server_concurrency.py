"""`make run` under concurrent load: each of many simultaneous requests of different kinds gets its own answer
(its own body, its own caller, its own errors), no connection is refused, and Ctrl-C still stops the server."""

import datetime as dt
import signal
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from chalicelib.api.auth import issue_dev_token
from local.fein import fein_for
from local.stack import DEV_JWT_SECRET
from tests.e2e.conftest import call
from tests.e2e.logged_server import logged_server


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with logged_server(tmp_path_factory.mktemp("server")) as running:
        yield running


REQUESTS = 240
THREADS = 32  # over six times the socketserver's default listen backlog of 5


def vendor_token(base: str, org: str) -> str:
    """What `make token ROLE=vendor ORG=org` prints, minted in this process at the stack's clock."""
    _, clock = call("GET", f"{base}/_local/clock")
    return issue_dev_token(DEV_JWT_SECRET, sub=f"user@{org}", role="vendor", org=org, now=dt.datetime.fromisoformat(clock["utc"]))


def registration(n: int, org: str) -> dict:
    """Registration n of organisation `org`, with the organisation's own FEIN (one registration per FEIN)."""
    return {
        "legal_name": f"Concurrent Vendor {n}",
        "fein": fein_for(org),
        "contact_email": f"bids@v{n}.example",
        "commodity_codes": [f"{600 + n % 50}"],
    }


def register(base, token, n) -> list[str]:
    expected = registration(n, f"org-{n}")
    status, body = call("POST", f"{base}/vendors", expected, token)
    same = status == 201 and body["org"] == f"org-{n}" and body["fein"] == expected.pop("fein").replace("-", "")
    return [] if same and all(body[k] == v for k, v in expected.items()) else [f"register {n}: {status} {body}"]


def read_own(base, token, n, vendor_id) -> list[str]:
    status, body = call("GET", f"{base}/vendors/{vendor_id}", token=token)
    return (
        []
        if status == 200 and body["id"] == vendor_id and body["legal_name"] == f"Known Vendor {n}"
        else [f"read {n}: {status} {body}"]
    )


def read_anothers(base, token, n, vendor_id) -> list[str]:
    status, body = call("GET", f"{base}/vendors/{vendor_id}", token=token)
    return [] if status in (403, 404) and body["Code"] else [f"read another's {n}: {status} {body}"]


def register_badly(base, token, n) -> list[str]:
    status, body = call("POST", f"{base}/vendors", {**registration(n, f"org-{n}"), "legal_name": ""}, token)
    fields = [d.get("field") for d in (body or {}).get("details", [])]
    return [] if status == 400 and fields == ["legal_name"] else [f"bad register {n}: {status} {body}"]


def change_clock_badly(base, _token, n) -> list[str]:
    status, body = call("POST", f"{base}/_local/clock", {"advance": f"{n} fortnights"})
    return [] if status == 400 and body["Message"] == "The clock change is invalid." else [f"bad clock {n}: {status} {body}"]


def read_clock(base, _token, n) -> list[str]:
    status, body = call("GET", f"{base}/_local/clock")
    return [] if status == 200 and set(body) == {"now", "utc", "ticking"} else [f"clock {n}: {status} {body}"]


@pytest.fixture(scope="module")
def known_vendors(server):
    """Eight vendors registered one after the other: (org, token, vendor id), each read by its own org."""
    base, _ = server
    known = []
    for n in range(8):
        org = f"known-{n}"
        token = vendor_token(base, org)
        status, body = call("POST", f"{base}/vendors", {**registration(n, org), "legal_name": f"Known Vendor {n}"}, token)
        assert status == 201, body
        known.append((token, body["id"]))
    return known


def test_many_concurrent_requests_of_different_kinds_each_get_their_own_answer(server, known_vendors):
    # Given requests of six kinds, each with its own body and caller, checking what it gets back
    base, _ = server

    def one(n: int) -> list[str]:
        token, vendor_id = known_vendors[n % len(known_vendors)]
        kind = n % 6
        try:
            if kind == 0:
                return register(base, vendor_token(base, f"org-{n}"), n)
            if kind == 1:
                return read_own(base, token, n % len(known_vendors), vendor_id)
            if kind == 2:
                return read_anothers(base, known_vendors[(n + 1) % len(known_vendors)][0], n, vendor_id)
            if kind == 3:
                return register_badly(base, vendor_token(base, f"bad-{n}"), n)
            if kind == 4:
                return change_clock_badly(base, None, n)
            return read_clock(base, None, n)
        except OSError as exc:  # a connection reset or refused is a wrong answer too
            return [f"request {n}: {type(exc).__name__}: {exc}"]

    # When they are all sent at once from many threads
    with ThreadPoolExecutor(THREADS) as pool:
        wrong = [problem for problems in pool.map(one, range(REQUESTS)) for problem in problems]

    # Then every one got its own answer
    assert wrong == []


def test_ctrl_c_after_a_burst_of_concurrent_requests_stops_the_server_within_five_seconds(server, known_vendors):
    # Given a server that has just served a burst from many threads
    base, process = server
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(lambda n: call("GET", f"{base}/_local/clock"), range(THREADS * 2)))

    # When Ctrl-C is pressed
    pressed = time.monotonic()
    process.send_signal(signal.SIGINT)
    code = process.wait(timeout=30)

    # Then it stops cleanly within five seconds
    assert code == 0 and time.monotonic() - pressed < 5
