"""Bid opening at scale (invitation to bid, R-5b/R-5n, R-8).

`run(sizes)` seeds N sealed bids (real KMS envelope encryption in moto) into a stack on `make run`'s storage path (a
moto server on loopback, bench/stack.py), then runs the opening task page by page as the state machine loops and
reports, untraced: the wall and CPU time per bid (beside its ratio to a bare GetItem on the same server, measured in
the same run), the AWS calls per bid (KMS Decrypt, DynamoDB transactions, items written, batch reads) counted at
botocore, and the wall time projected on AWS for 10,000 and 100,000 bids from those counts, published latencies and
the pool's size, each beside its goal with PASS/FAIL. The memory the task allocates, and the DynamoDB request units
per bid, are measured in a separate, traced run (tracemalloc slows Python several times). The cost of a whole
procurement is bench/procurement.py's.

    python -m bench opening            # 100 and 1,000 bids (one full page: the projection's basis)
    python -m bench.opening 100 1000 10000
"""

from __future__ import annotations

import contextlib
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

from bench import goals, prices

ROOT = Path(__file__).resolve().parent.parent
START = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
OPENING = dt.datetime(2026, 3, 16, 14, 0, tzinfo=dt.UTC)
LAMBDA_MEMORY_MB = prices.memory_mb("itb_open_bids")  # the working memory must stay well below
STATE_LIMIT = 256 * 1024  # Step Functions payload limit

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
    from bench.stack import intercepted

    calls = Calls()
    lock = threading.Lock()

    def counted(client, operation_name, api_params, call):
        key = (client.meta.service_model.service_name, operation_name)
        cpu = time.thread_time()
        try:
            return call()
        finally:
            spent = time.thread_time() - cpu
            with lock:
                pool = calls.pooled if threading.current_thread().name.startswith("opening") else calls.serial
                pool[key] += 1
                calls.items_written += len(api_params.get("TransactItems", ())) + sum(
                    len(v) for v in api_params.get("RequestItems", {}).values() if operation_name == "BatchWriteItem"
                )
                calls.cpu_in_calls += spent

    with intercepted(counted):
        yield calls


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
                    commitment=commitment.commitment(commitment.canonical(body), salt),
                    sealed=sealer.seal(commitment.envelope(commitment.canonical(body), salt), sol.id, bid_id),
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
    cpu: float  # CPU seconds of the process during them (moto's server threads included)
    server_cpu: float  # of which moto's server spent answering the calls
    calls: Calls
    invocations: int
    state_bytes: int  # the largest page's output, the state the workflow carries
    baseline_ms: float  # a bare GetItem on the same moto server, measured in the same run
    working: int = 0  # bytes allocated during the opening and freed by its end (traced run only)
    units: Any = None  # DynamoDB request units of the opening (traced run only)


def opening(count: int, *, traced: bool = False) -> Measured:
    """Seed `count` sealed bids; run the opening task page by page, as the state machine loops, untraced unless
    `traced` (then only the memory figure and the request units are meaningful: both are counted in that run only)."""
    from app import app
    from bench.stack import baseline_call_ms, served, server_cpu_s
    from bench.units import request_units
    from chalicelib import bootstrap
    from chalicelib.services import bids

    with served(app, START) as stack:
        deps, sealer = bootstrap.deps(), bootstrap.sealer()
        sol = _solicitation(deps)
        _seed(deps, sealer, sol, count)
        stack.clock.advance(to=OPENING)
        baseline_ms = baseline_call_ms(stack)
        with aws_calls() as calls, request_units() if traced else contextlib.nullcontext() as units:
            if traced:
                tracemalloc.start()
            wall, cpu, server = time.perf_counter(), time.process_time(), server_cpu_s()
            output: dict[str, Any] = {"after": "", "opened": 0}
            invocations, size = 0, 0
            while not output.get("done"):  # what the state machine's loop does, one Lambda invocation per page
                output = bids.open_bids(deps, sealer, "bench-opening", sol.id, after=output["after"], opened=output["opened"])
                invocations += 1
                size = max(size, len(json.dumps(output)))
            wall, cpu, server = time.perf_counter() - wall, time.process_time() - cpu, server_cpu_s() - server
            working = 0
            if traced:
                retained, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
                working = peak - retained
    if output["opened"] != count:
        raise RuntimeError(f"opened {output['opened']} of {count} bids")
    return Measured(count, wall, cpu, server, calls, invocations, size, baseline_ms, working, units)


def _per_bid(m: Measured, counter: Counter) -> float:
    """Milliseconds of AWS latency per bid for the calls in `counter`."""
    return sum(n * LATENCY_MS.get(key, DEFAULT_LATENCY_MS) for key, n in counter.items()) / m.bids


def _code_cpu_ms(m: Measured) -> float:
    """CPU per bid outside the AWS calls: our code (AES-GCM, hashing, JSON, the bid rules, pynamodb's encoding); the
    calls' CPU is botocore's in the calling threads and moto's in its server's threads."""
    return max(0.0, m.cpu - m.calls.cpu_in_calls - m.server_cpu) / m.bids * 1000


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


def _row(m: Measured) -> dict:
    from bench.stack import ratio

    calls, n = m.calls, m.bids
    return {
        "bids": n,
        "opening s (untraced)": f"{m.wall:.2f}",
        "wall ms / bid": f"{m.wall / n * 1000:.2f}",
        "x baseline": ratio(m.wall / n * 1000, m.baseline_ms),
        "CPU ms / bid": f"{m.cpu / n * 1000:.2f}",
        "x baseline  ": ratio(m.cpu / n * 1000, m.baseline_ms),
        "code CPU ms / bid": f"{_code_cpu_ms(m):.2f}",
        "x baseline ": ratio(_code_cpu_ms(m), m.baseline_ms),
        "pages": m.invocations,
        "KMS Decrypt / bid": f"{calls.total('kms', 'Decrypt') / n:.2f}",
        "TransactWrite / bid": f"{calls.total('dynamodb', 'TransactWriteItems') / n:.3f}",
        "items written / bid": f"{calls.items_written / n:.2f}",
        "BatchGet / bid": f"{calls.total('dynamodb', 'BatchGetItem') / n:.3f}",
        "GetItem / bid": f"{calls.total('dynamodb', 'GetItem') / n:.3f}",
        "Query / bid": f"{calls.total('dynamodb', 'Query') / n:.4f}",
        "state B": m.state_bytes,
    }


def run(sizes=(100, 1000)) -> list:
    """Rows for `make bench` (see bench/__main__.py): one per opening size, the projection on AWS with its goals,
    then the memory and request units of a separate traced run."""
    from chalicelib.services import bids, sealed

    workers = sealed.OPENING_WORKERS
    page = bids.OPENING_BATCH
    logging.getLogger("ct-procurement").setLevel(logging.WARNING)
    measured = [opening(size) for size in sizes]
    rows: list = [_row(m) for m in measured]
    basis = measured[-1]
    rows.append(
        "Counted at botocore on a moto server on loopback, as `make run` stores (bench/stack.py), timed without "
        "tracing. CPU = the process's, moto's server threads included; code CPU = outside the AWS calls (our code: "
        "AES-GCM, hashes, JSON, the bid rules, item encoding). x baseline = the figure over the median of a bare "
        f"GetItem on the same server in the same run ({basis.baseline_ms:.2f} ms at {basis.bids:,} bids)."
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
        goals.record(2, f"opening {bids_n:,} bids projected on AWS", f"{p['total']:.1f} s, {p['pages']} pages", what, ok)
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
    traced = opening(memory_size, traced=True)
    working, units = traced.working, traced.units
    rows.append(
        f"Memory and request units (a separate run under tracemalloc, {memory_size:,} bids = one page): the opening "
        f"allocated {working / 2**20:.1f} MiB of working memory (peak minus what stays allocated); DynamoDB "
        f"{units.rru / memory_size:.2f} RRU and {units.wru / memory_size:.2f} WRU per bid (from item sizes, bench/units.py), "
        f"${units.cost() / memory_size * 10_000:.4f} per 10,000 bids."
    )
    if working > LAMBDA_MEMORY_MB * 2**20 / 4:
        rows.append(
            f"WARNING: opening a page needed {working / 2**20:.0f} MiB of working memory, over a quarter of {LAMBDA_MEMORY_MB} MB"
        )
    if any(isinstance(r, dict) and r.get("result") == "FAIL" for r in rows):
        rows.append("WARNING: the opening's projection on AWS misses a goal")
    return rows


def main(argv: list[str]) -> int:
    sizes = tuple(int(a) for a in argv[1:]) or (100, 1000)
    for row in run(sizes):
        print(json.dumps(row, default=str) if isinstance(row, dict) else row)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
