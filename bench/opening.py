"""Bid opening at scale and the cost of one full procurement (invitation to bid, R-5b/R-5n, R-8 to R-9h).

`run(sizes)` seeds N sealed bids (real KMS envelope encryption in moto) into an in-process stack, then runs the
opening task once and reports its wall time, the peak Python memory it allocated (tracemalloc), the AWS calls
it made and the size of its state output. It then runs one full procurement through HTTP under virtual time
(notice, 3 bids, opening, award (the notice forms the contract), a refusal, the next bidder's notice, surety, contract) and counts
state transitions and requests, priced with the constants below.

    python -m bench.opening            # 100, 1,000 and 10,000 bids
    python -m bench.opening 100 1000
"""

from __future__ import annotations

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
LAMBDA_MEMORY_MB = 256  # lambda_memory_size of .chalice/config.json; the working memory must stay well below
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


@contextmanager
def aws_calls():
    """Every AWS API call of every thread, by (service, operation)."""
    from botocore.client import BaseClient

    calls: Counter = Counter()
    lock = threading.Lock()
    original = BaseClient._make_api_call

    def counted(self, operation_name, api_params):
        with lock:
            calls[(self.meta.service_model.service_name, operation_name)] += 1
        return original(self, operation_name, api_params)

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


def opening(count: int) -> dict:
    """Seed `count` sealed bids; time and trace the opening task once."""
    from app import app
    from chalicelib import bootstrap
    from chalicelib.services import bids
    from local.stack import in_process

    with in_process(app, START) as stack, moto_without_transaction_backup():
        deps, sealer = bootstrap.deps(), bootstrap.sealer()
        sol = _solicitation(deps)
        t0 = time.perf_counter()
        _seed(deps, sealer, sol, count)
        seeded = time.perf_counter() - t0
        stack.clock.advance(to=OPENING)
        with aws_calls() as calls:
            tracemalloc.start()
            t1 = time.perf_counter()
            output: dict[str, Any] = {"after": "", "opened": 0}
            invocations, size = 0, 0
            while not output.get("done"):  # what the state machine's loop does, one Lambda invocation per batch
                output = bids.open_bids(deps, sealer, "bench-opening", sol.id, after=output["after"], opened=output["opened"])
                invocations += 1
                size = max(size, len(json.dumps(output)))
            elapsed = time.perf_counter() - t1
            retained, peak = tracemalloc.get_traced_memory()
            tracemalloc.stop()
    if output["opened"] != count:
        raise RuntimeError(f"opened {output['opened']} of {count} bids")
    return {
        "bids": count,
        "seed s": f"{seeded:.1f}",
        "opening s (traced)": f"{elapsed:.2f}",
        "ms / bid": f"{elapsed / count * 1000:.2f}",
        "invocations": invocations,
        "peak MiB": f"{peak / 2**20:.1f}",
        "working MiB": f"{(peak - retained) / 2**20:.1f}",
        "Query pages": calls[("dynamodb", "Query")],
        "TransactWrite": calls[("dynamodb", "TransactWriteItems")],
        "KMS Decrypt": calls[("kms", "Decrypt")],
        "max state output B": size,
        "_peak": peak - retained,
        "_size": size,
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
    writes = sum(n for (svc, op), n in calls.items() if svc == "dynamodb" and op in WRITES)
    reads = sum(n for (svc, op), n in calls.items() if svc == "dynamodb" and op in READS)
    kms = sum(n for (svc, _), n in calls.items() if svc == "kms")
    emails = sum(n for (svc, _), n in calls.items() if svc == "ses")
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


def run(sizes=(100, 1000, 10000)) -> list:
    """Rows for `make bench` (see bench/__main__.py): one per opening size, then the procurement's counts and cost."""
    from chalicelib.services.bids import OPENING_BATCH

    logging.getLogger("ct-procurement").setLevel(logging.WARNING)
    rows: list = []
    for size in sizes:
        result = opening(size)
        peak, state = result.pop("_peak"), result.pop("_size")
        rows.append(result)
        if peak > LAMBDA_MEMORY_MB * 2**20 / 4:
            rows.append(
                f"WARNING: opening {size} bids needed {peak / 2**20:.0f} MiB of working memory, over a quarter of {LAMBDA_MEMORY_MB} MB"
            )
        if state > STATE_LIMIT:
            rows.append(f"WARNING: the opening task's output ({state} B) exceeds the 256 KB state limit")
    rows.append(
        "Opening: bids paged by Query (never Scan), one KMS Decrypt and one 2-item transaction (bid + audit) per bid, "
        f"at most {OPENING_BATCH} bids per Lambda invocation (the state machine loops); memory holds one page. Times: in-process moto with tracemalloc on (slower than Lambda), moto's per-transaction "
        "table backup skipped. peak = all Python allocations during the task, including moto's in-memory tables "
        "growing by the audit records; working = peak minus what is still allocated at the end (the task's transient memory)."
    )
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
