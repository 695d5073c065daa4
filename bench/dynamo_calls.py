"""DynamoDB API calls per HTTP operation, counted at botocore (every client: pynamodb's and Powertools'), with the
read and write request units AWS would bill for them (bench/units.py: from the item sizes), on `make run`'s storage
path (a moto server on loopback, bench/stack.py)."""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REGISTRATION = {
    "legal_name": "Acme Office Supply LLC",
    "fein": "06-1234567",
    "contact_email": "bids@acme.example",
    "commodity_codes": ["61500", "615"],
}


class CallCounter:
    """Counts DynamoDB calls by API name, split into those made by the HTTP handler (the calling thread) and
    those made by workflow tasks the request set off (moto's interpreter threads, run until parked again)."""

    def __init__(self):
        self.handler: Counter = Counter()
        self.workflow: Counter = Counter()
        self._lock = threading.Lock()
        self._main = threading.get_ident()

    def record(self, service: str, operation: str) -> None:
        if service != "dynamodb":
            return
        with self._lock:
            (self.handler if threading.get_ident() == self._main else self.workflow)[operation] += 1

    @contextmanager
    def window(self) -> Iterator[tuple[Counter, Counter]]:
        """The calls made inside the `with` block."""
        handler: Counter[str] = Counter()
        workflow: Counter[str] = Counter()
        with self._lock:
            self.handler, self.workflow = handler, workflow
        yield handler, workflow


@contextmanager
def counting() -> Iterator[CallCounter]:
    from bench.stack import intercepted

    counter = CallCounter()

    def counted(client, operation_name, api_params, call):
        counter.record(client.meta.service_model.service_name, operation_name)
        return call()

    with intercepted(counted):
        yield counter


def _fmt(calls: Counter) -> str:
    return ", ".join(f"{name} {n}" for name, n in sorted(calls.items())) or "-"


def run() -> list:
    from chalice.test import Client

    from app import app
    from bench.stack import served
    from bench.units import request_units
    from local.pytest_plugin import DEFAULT_START, Api

    rows: list = []
    warnings: list[str] = []
    with (
        served(app, DEFAULT_START) as stack,
        Client(app, stage_name="dev", project_dir=str(ROOT)) as client,
        counting() as counter,
        request_units() as units,
    ):
        api = Api(client, stack)
        vendor, purchasing, public = api.as_vendor("acme"), api.as_purchasing(), api

        def measure(label: str, call, expected: int, *, needed: bool = False):
            """One request's calls; an unexpected status is a warning, or an error when later steps need the answer."""
            rru, wru = units.rru, units.wru
            with counter.window() as (handler, workflow):
                reply = call()
            if reply.status != expected:
                problem = f"{label}: expected {expected}, got {reply.status}: {reply.body[:200].decode(errors='replace')}"
                if needed:
                    raise RuntimeError(problem)
                warnings.append(f"WARNING: {problem}")
            rows.append(
                {
                    "operation": label,
                    "status": reply.status,
                    "handler calls": sum(handler.values()),
                    "by API (handler)": _fmt(handler),
                    "workflow tasks it set off": _fmt(workflow),
                    "RRU": f"{units.rru - rru:g}",
                    "WRU": units.wru - wru,
                }
            )
            return reply

        created = measure("POST /vendors", lambda: vendor.post("/vendors", json=REGISTRATION), 201, needed=True).json
        vid = created["id"]
        measure("GET /vendors/{id} (vendor)", lambda: vendor.get(f"/vendors/{vid}"), 200)
        measure("GET /vendors/{id} (purchasing)", lambda: purchasing.get(f"/vendors/{vid}"), 200)
        code = stack.outbox()[0]["text"].split("Confirmation code: ")[1].split()[0]
        measure("POST /vendors/{id}/confirm", lambda: vendor.post(f"/vendors/{vid}/confirm", json={"code": code}), 200)
        measure("GET /audit?entity=vendor:{id}", lambda: purchasing.get(f"/audit?entity=vendor:{vid}"), 200)
        measure("GET /openapi.json", lambda: public.get("/openapi.json"), 200)
        other, other_registration = api.as_vendor("globex"), {**REGISTRATION, "fein": "13-7654321"}
        key = {"Idempotency-Key": "bench-1"}
        measure(
            "POST /vendors + Idempotency-Key (first)", lambda: other.post("/vendors", json=other_registration, headers=key), 201
        )
        replay = measure(
            "POST /vendors + Idempotency-Key (replay)", lambda: other.post("/vendors", json=other_registration, headers=key), 201
        )
        measure("GET /vendors/duplicates", lambda: purchasing.get("/vendors/duplicates"), 200)
        if replay.headers.get("Idempotent-Replayed") != "true":
            warnings.append("WARNING: the replay was not answered from the idempotency record")
    rows.append(
        "handler = calls made by the HTTP request itself (TransactWriteItems = entity + audit record + the organisation "
        "and FEIN guards in one transaction; Query = one index partition, e.g. duplicates read the three by_status "
        "partitions sorted by normalised legal name, never a Scan)."
    )
    rows.append(
        "workflow tasks = calls of the vendor-onboarding Lambda tasks the request set off, run before it returned "
        "(GetItem + TransactWriteItems = token stored with its audit record and the confirmation email in the outbox; "
        "BatchGetItem + TransactWriteItems = the email's first try read back and marked sent)."
    )
    rows.append(
        "RRU / WRU = the read and write request units of all those calls (handler and tasks), computed from the item "
        "sizes as DynamoDB bills on demand (moto's ConsumedCapacity is a constant per call): 1 WRU per KB of the larger "
        "of the item before and after, twice in a transaction, one more per global secondary index holding the item; "
        "1 RRU per 4 KB strongly consistent, half eventually consistent."
    )
    rows.append(
        "Idempotency-Key: the first request adds PutItem (in-progress record) and UpdateItem (saved answer); the "
        "replay is one conditional PutItem that fails and returns the saved answer."
    )
    return rows + warnings
