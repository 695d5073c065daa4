"""Workflow timings under virtual time, on `make run`'s storage path (bench/stack.py): real seconds to advance the clock 30 days with 1 and with 50 pending
vendor-onboarding executions, and the state transitions (history events) they went through."""

from __future__ import annotations

import json
import logging
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PROCESS = "vendor-onboarding"
# (pending executions, seconds between registrations): 0 = every reminder timer fires at the same instant
VARIANTS = ((1, 0), (50, 0), (50, 60))


def _registration(i: int) -> dict:
    return {
        "legal_name": f"Bench Vendor {i:03d} LLC",
        "fein": f"06-{i:07d}",
        "contact_email": f"bids@vendor{i:03d}.example",
        "commodity_codes": ["61500"],
    }


def onboarding(pending: int, stagger: int = 0) -> dict:
    """`pending` vendors (distinct orgs) register, `stagger` virtual seconds apart; then the clock moves 7 days (every
    reminder fires) and 23 more."""
    from chalice.test import Client

    from app import app
    from bench.stack import baseline_call_ms, ratio, served
    from local.pytest_plugin import DEFAULT_START, Api

    with served(app, DEFAULT_START) as stack, Client(app, stage_name="dev", project_dir=str(ROOT)) as client:
        baseline_ms = baseline_call_ms(stack)
        api = Api(client, stack)
        t0 = time.perf_counter()
        ids = []
        for i in range(pending):
            reply = api.as_vendor(f"bench-org-{i:03d}").post("/vendors", json=_registration(i))
            if reply.status != 201:
                raise RuntimeError(f"registration {i}: {reply.status} {reply.body[:300]!r}")
            ids.append(reply.json["id"])
            if stagger and i < pending - 1:
                stack.clock.advance(seconds=stagger)
        t1 = time.perf_counter()
        stack.clock.advance(days=7)
        t2 = time.perf_counter()
        stack.clock.advance(days=23)
        t3 = time.perf_counter()
        names = [f"vendor-{vid}" for vid in ids]
        statuses = Counter(stack.execution(PROCESS, name)["status"] for name in names)
        histories = [stack.history(PROCESS, name) for name in names]
        emails = len(stack.outbox())
    failures = Counter(_failure(history) for history in histories if _failure(history))
    return {
        "row": {
            "pending executions": pending,
            "timers": "same instant" if not stagger or pending == 1 else f"{stagger} s apart",
            "register s": f"{t1 - t0:.2f}",
            "x baseline": ratio((t1 - t0) * 1000, baseline_ms),
            "advance 7 d s": f"{t2 - t1:.2f}",
            "x baseline ": ratio((t2 - t1) * 1000, baseline_ms),
            "advance 30 d s": f"{t3 - t1:.2f}",
            "x baseline  ": ratio((t3 - t1) * 1000, baseline_ms),
            "ms / execution (30 d)": f"{(t3 - t1) / pending * 1000:.1f}",
            "x baseline   ": ratio((t3 - t1) / pending * 1000, baseline_ms),
            "history events": sum(len(h) for h in histories),
            "events / execution": f"{sum(len(h) for h in histories) / pending:.1f}",
            "states entered": sum(1 for h in histories for e in h if e["type"].endswith("StateEntered")),
            "emails": emails,
            "outcome": ", ".join(f"{status} {n}" for status, n in sorted(statuses.items())),
        },
        "failures": failures,
        "baseline_ms": baseline_ms,
        "expected": statuses == Counter({"SUCCEEDED": pending}) and emails == 2 * pending,
    }


def _failure(history: list[dict]) -> str:
    """'TaskFailed RuntimeError: message' for the first failed task of an execution, '' if none failed."""
    for event in history:
        details = event.get("taskFailedEventDetails") or event.get("executionFailedEventDetails")
        if details:
            try:
                message = json.loads(details.get("cause", "")).get("errorMessage", "")
            except ValueError:
                message = details.get("cause", "")
            return f"{event['type']} {details.get('error')}: {message}"[:160]
    return ""


def run() -> list:
    quiet = logging.getLogger("moto.stepfunctions")  # failed tasks are summarised below, not dumped as ASTs
    level = quiet.level
    quiet.setLevel(logging.CRITICAL)
    try:
        results = [onboarding(n, stagger) for n, stagger in VARIANTS]
    finally:
        quiet.setLevel(level)
    rows: list = [r["row"] for r in results]
    for r in results:
        if not r["expected"]:
            pending = r["row"]["pending executions"]
            rows.append(
                f"WARNING: with {pending} pending executions ({r['row']['timers']}) not every execution succeeded with 2 emails "
                f"({r['row']['outcome']}, {r['row']['emails']} emails)."
            )
            rows += [f"WARNING:   {n} x {failure}" for failure, n in r["failures"].most_common()]
            if any("dictionary changed size" in failure for failure in r["failures"]):
                rows.append(
                    "WARNING:   (tasks whose timers fire at the same instant run in parallel interpreter threads and "
                    "race inside moto's in-memory DynamoDB: transact_write_items deep-copies a table another "
                    "thread is writing. Local stack only; in-process Lambda invocations need serialising.)"
                )
    rows.append(
        "on a moto server on loopback, as `make run` stores (bench/stack.py); x baseline = the timing over the median "
        "of a bare GetItem on the same server in the same run (" + ", ".join(f"{r['baseline_ms']:.2f} ms" for r in results) + ")."
    )
    rows.append(
        "each vendor registers (confirmation email, task token wait), nobody confirms: at day 7 the wait times out, "
        "the reminder task runs and the execution succeeds; 'advance 30 d' = advance(days=7) + advance(days=23)."
    )
    rows.append(
        "history events = all get_execution_history events of the executions (state entered/exited, task "
        "scheduled/started/submitted/succeeded/timed out, execution started/succeeded); states entered = the "
        "*StateEntered events among them, closest to the state transitions Step Functions bills."
    )
    return rows
