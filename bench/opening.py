"""Bid opening at scale and the cost of one full procurement (invitation to bid, R-5b/R-5n, R-8 to R-9h).

`run(sizes)` seeds N sealed bids (real KMS envelope encryption in moto) into an in-process stack, then runs the
opening task page by page as the state machine loops and reports, untraced: the wall and CPU time per bid, the AWS
calls per bid (KMS Decrypt, DynamoDB transactions, items written, batch reads) counted at botocore, and the wall
time projected on AWS for 10,000 and 100,000 bids from those counts, published latencies and the pool's size, each
beside its goal with PASS/FAIL. The memory the task allocates is measured in a separate, traced run (tracemalloc
slows Python several times). It then runs one full procurement through HTTP under virtual time (notice, 3 bids,
opening, award (the notice forms the contract), a refusal, the next bidder's notice, surety, contract) and counts
state transitions and requests, priced with the constants below.

    python -m bench opening            # 100, 1,000 and 10,000 bids
    python -m bench.opening 100 1000
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import sys
import threading
import time
import tracemalloc
from collections import Counter
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
START = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
OPENING = dt.datetime(2026, 3, 16, 14, 0, tzinfo=dt.UTC)


def _opening_memory_mb() -> int:
    """The opening function's lambda_memory_size in .chalice/config.json (its own, else the default)."""
    config = json.loads((ROOT / ".chalice" / "config.json").read_text())
    own = config["stages"]["prod"].get("lambda_functions", {}).get("itb_open_bids", {})
    return int(own.get("lambda_memory_size", config["lambda_memory_size"]))


LAMBDA_MEMORY_MB = _opening_memory_mb()  # the working memory must stay well below
STATE_LIMIT = 256 * 1024  # Step Functions payload limit

# US East (N. Virginia) list prices, on-demand, as published in 2025 (US dollars).
SFN_STANDARD_PER_TRANSITION = Decimal("0.000025")  # $0.025 per 1,000 state transitions
LAMBDA_PER_REQUEST = Decimal("0.0000002")  # $0.20 per 1M requests
LAMBDA_PER_GB_SECOND = Decimal("0.0000166667")
DYNAMODB_PER_WRITE_REQUEST = Decimal("0.000000625")  # $0.625 per 1M write request units
DYNAMODB_PER_READ_REQUEST = Decimal("0.000000125")  # $0.125 per 1M read request units
KMS_PER_REQUEST = Decimal("0.000003")  # $0.03 per 10,000 requests
SES_PER_EMAIL = Decimal("0.0001")  # $0.10 per 1,000 emails
WRITES = {"PutItem", "UpdateItem", "DeleteItem", "TransactWriteItems", "BatchWriteItem"}
READS = {"GetItem", "Query", "TransactGetItems", "BatchGetItem"}

# Latencies (p50, same region, warm connections) used to project the opening on AWS, from AWS's published figures:
# DynamoDB "single-digit millisecond" reads and writes (a transaction costs about twice a write), KMS symmetric
# Decrypt about 10 ms. Conservative round numbers; the projection scales linearly with each.
LATENCY_MS = {
    ("kms", "Decrypt"): 10.0,
    ("dynamodb", "TransactWriteItems"): 15.0,
    ("dynamodb", "BatchGetItem"): 8.0,
    ("dynamodb", "Query"): 8.0,
    ("dynamodb", "GetItem"): 5.0,
}
DEFAULT_LATENCY_MS = 10.0  # any other call
INVOCATION_OVERHEAD_MS = 100.0  # per page: a Step Functions Task + Choice transition and a warm Lambda invoke
LAMBDA_VCPU_SHARE = min(LAMBDA_MEMORY_MB / 1769, 1.0)  # Lambda gives one vCPU at 1,769 MB, a share of it below
# (bids, goal in seconds, what the goal is, whether pages must also fit their Lambda and the history limit)
GOALS = (
    (10_000, 60.0, "within 60 s", False),
    (100_000, 15 * 60.0, "each page inside its Lambda, within the history limit and 15 min", True),
)
HISTORY_EVENTS_PER_PAGE = 7  # TaskStateEntered, LambdaFunctionScheduled/Started/Succeeded, TaskStateExited, Choice in/out
HISTORY_LIMIT = 25_000  # events in one Standard execution's history
LAMBDA_TIMEOUT_S = 60.0  # lambda_timeout of .chalice/config.json for the task functions


@dataclasses.dataclass
class Calls:
    """AWS API calls of every thread, by (service, operation): those made by the opening's pool of workers apart from
    the serial ones, the DynamoDB items written, and the CPU seconds spent inside the calls (botocore and moto)."""

    pooled: Counter = dataclasses.field(default_factory=Counter)
    serial: Counter = dataclasses.field(default_factory=Counter)
    items_written: int = 0
    cpu_in_calls: float = 0.0

    def total(self, service: str, operation: str) -> int:
        return self.pooled[(service, operation)] + self.serial[(service, operation)]


@contextmanager
def aws_calls():
    from botocore.client import BaseClient

    calls = Calls()
    lock = threading.Lock()
    original = BaseClient._make_api_call

    def counted(self, operation_name, api_params):
        key = (self.meta.service_model.service_name, operation_name)
        cpu = time.thread_time()
        try:
            return original(self, operation_name, api_params)
        finally:
            spent = time.thread_time() - cpu
            with lock:
                pool = calls.pooled if threading.current_thread().name.startswith("opening") else calls.serial
                pool[key] += 1
                calls.items_written += len(api_params.get("TransactItems", ())) + sum(
                    len(v) for v in api_params.get("RequestItems", {}).values() if operation_name == "BatchWriteItem"
                )
                calls.cpu_in_calls += spent

    BaseClient._make_api_call = counted
    try:
        yield calls
    finally:
        BaseClient._make_api_call = original


@contextmanager
def moto_without_transaction_backup():
    """moto deep-copies every table a TransactWriteItems touches, before each transaction, to roll back on failure:
    each write then costs O(table size) and opening N bids O(N^2) time and memory. DynamoDB does not; for the
    bench only, the backup is skipped (no transaction here fails), so the numbers are those of our code."""
    import copy
    import types

    from moto.dynamodb import models

    def deepcopy(value, *args, **kwargs):
        return value if isinstance(value, models.Table) else copy.deepcopy(value, *args, **kwargs)

    original = models.copy
    models.copy = types.SimpleNamespace(deepcopy=deepcopy, copy=copy.copy)  # type: ignore[assignment]  # a stand-in for the module
    try:
        yield
    finally:
        models.copy = original


def _solicitation(deps):
    from chalicelib.domain import solicitations as rules
    from chalicelib.domain.solicitations import AwardBasis, EvaluationFactor, LineItem
    from chalicelib.services.ports import Actor, Change, Role

    lines = [LineItem(str(i), f"Article {i}", Decimal(100), "each") for i in range(1, 6)]
    factors = [
        EvaluationFactor(n, Decimal(w)) for n, w in (("price", 70), ("past_performance", 20), ("financial_responsibility", 10))
    ]
    sol = rules.new_solicitation(
        solicitation_id="ITB-BENCH",
        title="Bench",
        agency="DAS",
        commodity_codes=["64000"],
        lines=lines,
        groups=[],
        opening_at=OPENING,
        award_basis=AwardBasis.ALL,
        evaluation_factors=factors,
        now=START,
        created_by="bench",
    )
    sol = rules.publish(sol, START)  # committed directly: no workflow, so only the measured task runs
    deps.store.commit(Actor("bench", Role.PURCHASING, "DAS-BOP"), START, [Change(action="solicitation.published", after=sol)])
    return sol


def _seed(deps, sealer, sol, count: int) -> None:
    """N sealed bids as submit_bid stores them (commitment, KMS envelope of salt and bid), written 40 to a transaction."""
    from chalicelib.domain import bids as rules
    from chalicelib.domain import commitment
    from chalicelib.domain.bids import Bid
    from chalicelib.services.bids import bids_collection
    from chalicelib.services.ports import Actor, Change, Member, Role

    actor = Actor("bench", Role.VENDOR, "bench")
    batch: list[Change | Member] = []
    for i in range(count):
        body = {
            "lines": [
                {"line_id": str(n), "unit_price": f"{10 + (i * 7 + n) % 991}.{i % 100:02d}", "quantity": "100"}
                for n in range(1, 6)
            ],
            "signer": {"name": f"Signer {i}", "title": "President"},
            "signed": True,
            "non_collusion": True,
        }
        rules.check_bid(sol, body, START)
        bid_id, salt = f"BID-{i:06d}", i.to_bytes(32, "big")
        batch.append(
            Change(
                action="bid.received",
                after=Bid(
                    id=bid_id,
                    solicitation_id=sol.id,
                    vendor_id=f"V-{i:06d}",
                    vendor_org=f"org-{i}",
                    bidder_name=f"Bidder {i:05d}",
                    bidder_email=f"bids@v{i}.example",
                    received_at=START,
                    commitment=commitment.commitment(rules.canonical(body), salt),
                    sealed=sealer.seal(commitment.envelope(rules.canonical(body), salt), sol.id, bid_id),
                ),
            )
        )
        batch.append(Member(bids_collection(sol.id), bid_id))  # the collection the opening reads, as submit_bid writes it
        if len(batch) == 60:  # 30 bids: 90 writes (an entity, its audit record and its membership each), within 100
            deps.store.commit(actor, START, batch)
            batch = []
    if batch:
        deps.store.commit(actor, START, batch)


@dataclasses.dataclass
class Measured:
    bids: int
    wall: float  # seconds, the opening task's pages one after the other
    cpu: float  # CPU seconds of the process during them (moto's included)
    calls: Calls
    invocations: int
    state_bytes: int  # the largest page's output, the state the workflow carries
    working: int = 0  # bytes allocated during the opening and freed by its end (traced run only)


def opening(count: int, *, traced: bool = False) -> Measured:
    """Seed `count` sealed bids; run the opening task page by page, as the state machine loops, untraced unless
    `traced` (then only the memory figure is meaningful)."""
    from app import app
    from chalicelib import bootstrap
    from chalicelib.services import bids
    from local.stack import in_process

    with in_process(app, START) as stack, moto_without_transaction_backup():
        deps, sealer = bootstrap.deps(), bootstrap.sealer()
        sol = _solicitation(deps)
        _seed(deps, sealer, sol, count)
        stack.clock.advance(to=OPENING)
        with aws_calls() as calls:
            if traced:
                tracemalloc.start()
            wall, cpu = time.perf_counter(), time.process_time()
            output: dict[str, Any] = {"after": "", "opened": 0}
            invocations, size = 0, 0
            while not output.get("done"):  # what the state machine's loop does, one Lambda invocation per page
                output = bids.open_bids(deps, sealer, "bench-opening", sol.id, after=output["after"], opened=output["opened"])
                invocations += 1
                size = max(size, len(json.dumps(output)))
            wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
            working = 0
            if traced:
                retained, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                working = peak - retained
    if output["opened"] != count:
        raise RuntimeError(f"opened {output['opened']} of {count} bids")
    return Measured(count, wall, cpu, calls, invocations, size, working)


def _per_bid(m: Measured, counter: Counter) -> float:
    """Milliseconds of AWS latency per bid for the calls in `counter`."""
    return sum(n * LATENCY_MS.get(key, DEFAULT_LATENCY_MS) for key, n in counter.items()) / m.bids


def _code_cpu_ms(m: Measured) -> float:
    """CPU per bid outside the AWS calls: our code (AES-GCM, hashing, JSON, the bid rules, pynamodb's encoding)."""
    return (m.cpu - m.calls.cpu_in_calls) / m.bids * 1000


def project(m: Measured, bids: int, workers: int, page: int) -> dict:
    """Seconds the opening of `bids` would take on AWS: the pool's calls spread over its workers, the serial calls
    one after the other, our code's CPU on the Lambda's share of a vCPU (the GIL: CPU does not overlap), and each
    page's invocation; summed, so nothing is assumed to overlap."""
    pages = -(-bids // page)
    pooled = bids * _per_bid(m, m.calls.pooled) / workers / 1000
    serial = bids * _per_bid(m, m.calls.serial) / 1000
    cpu = bids * _code_cpu_ms(m) / LAMBDA_VCPU_SHARE / 1000
    return {
        "pages": pages,
        "total": pooled + serial + cpu + pages * INVOCATION_OVERHEAD_MS / 1000,
        "io": pooled + serial,
        "cpu": cpu,
    }


def procurement() -> dict:
    """One full procurement through HTTP under virtual time; histories and calls counted."""
    from chalice.test import Client

    from app import app
    from local.pytest_plugin import Api
    from local.stack import in_process
    from tests.workflows.test_invitation_to_bid import INVITATION, bid, register_and_confirm

    with in_process(app, START) as stack, Client(app, stage_name="dev", project_dir=str(ROOT)) as client:
        api = Api(client, stack)
        for org in ("acme", "bolt", "cobra"):
            register_and_confirm(api, stack, org)
        with aws_calls() as calls:
            requests = 0

            def call(reply, status):
                nonlocal requests
                requests += 1
                if reply.status != status:
                    raise RuntimeError(f"{reply.status}: {reply.body[:300]!r}")
                return reply.json

            sol = call(api.as_purchasing().post("/solicitations", json=INVITATION), 201)
            call(api.as_purchasing().post(f"/solicitations/{sol['id']}/publish"), 200)
            for org, prices in (("acme", ("30.00", "40.00")), ("bolt", ("25.10", "38.00")), ("cobra", ("26.00", "39.00"))):
                call(api.as_vendor(org).post(f"/solicitations/{sol['id']}/bids", json=bid(*prices)), 201)
            stack.clock.advance(to=OPENING)
            call(api.get(f"/solicitations/{sol['id']}/tabulation"), 200)
            award_id = call(api.as_purchasing().post(f"/solicitations/{sol['id']}/award", json={}), 201)["awards"][0]["id"]
            stack.clock.advance(days=3)
            call(api.as_vendor("bolt").post(f"/awards/{award_id}/decline", json={"reason": "cannot supply"}), 200)
            call(api.as_purchasing().post(f"/awards/{award_id}/next"), 200)
            call(
                api.as_vendor("cobra").post(
                    f"/awards/{award_id}/surety", json={"form": "performance_bond", "amount": "338.00", "reference": "PB-1"}
                ),
                200,
            )
            contract_id = call(api.as_purchasing().get(f"/awards/{award_id}"), 200)["contract_id"]
            call(api.as_purchasing().get(f"/contracts/{contract_id}"), 200)
            stack.clock.advance(days=31)  # the invitation-to-bid execution ends
            histories = {
                "invitation-to-bid": stack.history("invitation-to-bid", f"itb-{sol['id']}"),
                "award-acceptance": stack.history("award-acceptance", f"award-{award_id}-2"),
            }
    transitions = {p: sum(1 for e in h if e["type"].endswith("StateEntered")) for p, h in histories.items()}
    tasks = sum(
        1 for h in histories.values() for e in h if e["type"] == "LambdaFunctionScheduled" or e["type"] == "TaskScheduled"
    )
    counted = calls.pooled + calls.serial
    writes = sum(n for (svc, op), n in counted.items() if svc == "dynamodb" and op in WRITES)
    reads = sum(n for (svc, op), n in counted.items() if svc == "dynamodb" and op in READS)
    kms = sum(n for (svc, _), n in counted.items() if svc == "kms")
    emails = sum(n for (svc, _), n in counted.items() if svc == "ses")
    lambda_requests = requests + tasks
    cost = {
        "Step Functions": SFN_STANDARD_PER_TRANSITION * sum(transitions.values()),
        "Lambda requests": LAMBDA_PER_REQUEST * lambda_requests,
        "Lambda duration (est. 200 ms at 256 MB each)": LAMBDA_PER_GB_SECOND * Decimal("0.05") * lambda_requests,
        "DynamoDB (each call counted as 1 request unit)": DYNAMODB_PER_WRITE_REQUEST * writes + DYNAMODB_PER_READ_REQUEST * reads,
        "KMS": KMS_PER_REQUEST * kms,
        "SES": SES_PER_EMAIL * emails,
    }
    return {
        "events": {p: len(h) for p, h in histories.items()},
        "transitions": transitions,
        "lambda requests": lambda_requests,
        "dynamodb writes": writes,
        "dynamodb reads": reads,
        "kms": kms,
        "emails": emails,
        "cost": cost,
    }


def _row(m: Measured) -> dict:
    calls, n = m.calls, m.bids
    return {
        "bids": n,
        "opening s (untraced)": f"{m.wall:.2f}",
        "wall ms / bid": f"{m.wall / n * 1000:.2f}",
        "CPU ms / bid": f"{m.cpu / n * 1000:.2f}",
        "code CPU ms / bid": f"{_code_cpu_ms(m):.2f}",
        "pages": m.invocations,
        "KMS Decrypt / bid": f"{calls.total('kms', 'Decrypt') / n:.2f}",
        "TransactWrite / bid": f"{calls.total('dynamodb', 'TransactWriteItems') / n:.3f}",
        "items written / bid": f"{calls.items_written / n:.2f}",
        "BatchGet / bid": f"{calls.total('dynamodb', 'BatchGetItem') / n:.3f}",
        "GetItem / bid": f"{calls.total('dynamodb', 'GetItem') / n:.3f}",
        "Query / bid": f"{calls.total('dynamodb', 'Query') / n:.4f}",
        "state B": m.state_bytes,
    }


def run(sizes=(100, 1000, 10000)) -> list:
    """Rows for `make bench` (see bench/__main__.py): one per opening size, the projection on AWS with its goals,
    the memory of a traced run, then the procurement's counts and cost."""
    from chalicelib.services import bids

    workers = getattr(bids, "OPENING_WORKERS", 1)
    page = bids.OPENING_BATCH
    logging.getLogger("ct-procurement").setLevel(logging.WARNING)
    measured = [opening(size) for size in sizes]
    rows: list = [_row(m) for m in measured]
    basis = measured[-1]
    rows.append(
        "Counted at botocore on the in-process stack (moto; its per-transaction table backup skipped), timed without "
        "tracing. CPU = the process's, moto included; code CPU = outside the AWS calls (our code: AES-GCM, hashes, JSON, "
        "the bid rules, item encoding)."
    )
    latencies = ", ".join(f"{op} {ms:g} ms" for (_, op), ms in LATENCY_MS.items())
    page_s = project(basis, page, workers, page)
    page_fits = page_s["total"] <= LAMBDA_TIMEOUT_S - bids.TIME_RESERVE_MS / 1000
    for bids_n, goal, what, paged in GOALS:
        p = project(basis, bids_n, workers, page)
        ok = p["total"] <= goal and (not paged or (page_fits and p["pages"] * HISTORY_EVENTS_PER_PAGE <= HISTORY_LIMIT))
        rows.append(
            {
                "projected on AWS": f"{bids_n:,} bids",
                "pages": p["pages"],
                "AWS calls s": f"{p['io']:.1f}",
                "code CPU s": f"{p['cpu']:.1f}",
                "total s": f"{p['total']:.1f}",
                "s per page": f"{page_s['total']:.1f}",
                "goal": what,
                "result": "PASS" if ok else "FAIL",
            }
        )
    rows.append(
        f"Projection from the {basis.bids:,}-bid run's calls per bid: p50 latencies {latencies} (others {DEFAULT_LATENCY_MS:g} ms); "
        f"the pool's calls over {workers} workers, serial calls in sequence, code CPU on {LAMBDA_VCPU_SHARE:.2f} vCPU "
        f"({LAMBDA_MEMORY_MB} MB), {INVOCATION_OVERHEAD_MS:g} ms per page of {page:,} bids (Task + Choice transition, warm invoke); "
        f"summed, no overlap assumed. A page must end within the {LAMBDA_TIMEOUT_S:g} s Lambda timeout less the task's "
        f"{bids.TIME_RESERVE_MS / 1000:g} s reserve; {HISTORY_EVENTS_PER_PAGE} history events per page of Step Functions' {HISTORY_LIMIT:,}."
    )
    for m in measured:
        if m.state_bytes > STATE_LIMIT:
            rows.append(f"WARNING: the opening task's output ({m.state_bytes} B) exceeds the 256 KB state limit")
    memory_size = min(max(sizes), page)
    working = opening(memory_size, traced=True).working
    rows.append(
        f"Memory (a separate run under tracemalloc, {memory_size:,} bids = one page): the opening allocated "
        f"{working / 2**20:.1f} MiB of working memory (peak minus what stays allocated)."
    )
    if working > LAMBDA_MEMORY_MB * 2**20 / 4:
        rows.append(
            f"WARNING: opening a page needed {working / 2**20:.0f} MiB of working memory, over a quarter of {LAMBDA_MEMORY_MB} MB"
        )
    if any(isinstance(r, dict) and r.get("result") == "FAIL" for r in rows):
        rows.append("WARNING: the opening's projection on AWS misses a goal")
    result = procurement()
    total = sum(result["cost"].values(), Decimal(0))
    rows.append({"full procurement": "history events", **result["events"]})
    rows.append({"full procurement": "state transitions", **result["transitions"]})
    rows.append(
        f"Lambda requests {result['lambda requests']} (API calls + tasks), DynamoDB writes {result['dynamodb writes']}, "
        f"reads {result['dynamodb reads']}, KMS calls {result['kms']}, emails {result['emails']}."
    )
    rows.append(
        "Cost of one procurement: " + "; ".join(f"{k} ${v:.6f}" for k, v in result["cost"].items()) + f"; total ${total:.6f}."
    )
    return rows


def main(argv: list[str]) -> int:
    sizes = tuple(int(a) for a in argv[1:]) or (100, 1000, 10000)
    for row in run(sizes):
        print(json.dumps(row, default=str) if isinstance(row, dict) else row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
