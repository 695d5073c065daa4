"""A notice to 10,000 registered vendors (R-4) through the outbox, on an in-process stack.

The notice task writes one broadcast (its time does not grow with the vendors); the outbox worker, the scheduled
function, expands it page by page (one transaction of 99 messages and the cursor each) and sends every email. The
figures: the task's time, the worker's time, pages, emails sent (counted at moto's SES), invocations of the worker
needed at its 300 s timeout, AWS calls per email, and the worker's peak Python memory.

    python -m bench.notice_fanout          # 10,000 vendors
    python -m bench.notice_fanout 2000
"""

from __future__ import annotations

import datetime as dt
import sys
import time
import tracemalloc

from bench.opening import aws_calls

START = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
WORKER_TIMEOUT_S = 300  # lambda_timeout of outbox_deliver in .chalice/config.json
SEED_BATCH = 50  # vendors per transaction (each with its audit record: DynamoDB's 100 items)


def _seed_vendors(deps, count: int) -> None:
    from chalicelib.domain.vendors import Vendor, VendorStatus, normalise_fein
    from chalicelib.services.ports import Actor, Change
    from local.fein import fein_for

    system = Actor.system("bench")
    vendors = [
        Vendor(
            id=f"V-{n:06d}",
            org=f"org{n:06d}",
            legal_name=f"Vendor {n:06d} LLC",
            fein=normalise_fein(fein_for(f"org{n:06d}")),
            contact_email=f"bids@org{n:06d}.example",
            commodity_codes=("640",),
            registered_at=START,
            confirmation_code="0",
            status=VendorStatus.ACTIVE,
            confirmed_at=START,
        )
        for n in range(count)
    ]
    for start in range(0, count, SEED_BATCH):
        deps.store.commit(
            system, START, [Change(action="vendor.registered", after=v) for v in vendors[start : start + SEED_BATCH]]
        )


def fanout(count: int) -> dict:
    from moto.ses.models import ses_backends

    from app import app
    from bench.opening import _solicitation
    from chalicelib import bootstrap
    from chalicelib.services import outbox, solicitations
    from local.stack import ACCOUNT, REGION, in_process

    with in_process(app, START) as stack:
        stack.schedules.stop()  # the bench runs the worker itself, timed, as the schedule would invoke it
        deps = bootstrap.deps()
        _seed_vendors(deps, count)
        sol = _solicitation(deps)  # published directly: no workflow, so only the measured task and worker run
        started = time.perf_counter()
        solicitations.give_notice(deps, "bench-notice", sol.id)
        task_ms = (time.perf_counter() - started) * 1000
        sent_before = len(ses_backends[ACCOUNT][REGION].sent_messages)
        tracemalloc.start()
        started = time.perf_counter()
        with aws_calls() as calls:
            result = outbox.deliver_due(deps)
        worker_s = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        emails = len(ses_backends[ACCOUNT][REGION].sent_messages) - sent_before
        return {
            "vendors": count,
            "notice task ms": round(task_ms, 1),
            "worker s": round(worker_s, 1),
            "pages": -(-result["expanded"] // outbox.PAGE),
            "emails": emails,
            "worker runs at 300 s": max(1, -(-int(worker_s) // WORKER_TIMEOUT_S)),
            "AWS calls/email": round(sum(calls.values()) / max(emails, 1), 2),
            "peak MiB": round(peak / 2**20, 1),
            "done": result["done"],
        }


def run(sizes=(10_000,)) -> list:
    rows: list = []
    for count in sizes:
        row = fanout(count)
        rows.append(row)
        if row["emails"] != count:
            rows.append(f"WARNING: {count} vendors invited but {row['emails']} emails sent")
    rows.append(
        "The notice task writes one broadcast whatever the number of vendors; the worker pages the vendors "
        "(Query, 99 per page) and writes each page with its cursor in one transaction. On AWS, SES's sending "
        "rate (e.g. 14/s in a new account) bounds the worker; a run stops 30 s before its timeout and the next "
        "minute's run continues from the cursor."
    )
    return rows


def main(argv: list[str]) -> int:
    from bench.__main__ import render

    lines, warned = render(run(tuple(int(a) for a in argv) or (10_000,)))
    print("\n".join(lines))
    return 1 if warned else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
