"""What one full procurement costs on AWS: vendor onboarding, an invitation to bid, three sealed bids, the opening,
the award, surety and contract, an order, its delivery accepted, the invoice and its payment, driven through HTTP
under virtual time with the real state machines, on the storage path of `make run` (bench/stack.py).

Counted while it runs: state transitions (the *StateEntered events of every execution), Lambda requests (API
requests and task invocations) with their durations as measured here and their cold starts, API Gateway requests,
DynamoDB request units (bench/units.py), KMS requests and SES emails; priced with bench/prices.py. A cold start is
an invocation more than COLD_AFTER of virtual time after its function's previous one (steps of a procurement are days
apart, so most are cold); its INIT is billed as duration and lasts the cold import of the function's module, measured
here in fresh processes with bench/imports.py's measure().

    python -m bench procurement
"""

from __future__ import annotations

import datetime as dt
import statistics
import threading
import time
from collections import Counter, defaultdict
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

from bench import goals, prices

ROOT = Path(__file__).resolve().parent.parent
START = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
OPENING = dt.datetime(2026, 3, 16, 14, 0, tzinfo=dt.UTC)
COLD_AFTER = dt.timedelta(minutes=10)  # Lambda recycles an idle execution environment after minutes
INIT_REPEATS = 3  # fresh processes per module for its INIT time (median of CPU time)
API_FUNCTION = "api_handler"
AGENCY, AGENCY_EMAIL = "DAS", "receiving@das.example"
STEPS = (
    "vendor onboarding",
    "invitation",
    "bids",
    "opening",
    "award",
    "contract",
    "order",
    "delivery acceptance",
    "invoice",
    "payment",
)
READ_CALLS = {"GetItem", "Query", "Scan", "BatchGetItem", "TransactGetItems"}


class Invocations:
    """Every Lambda invocation (API request or task) by function: count, measured seconds, cold starts."""

    def __init__(self, clock) -> None:
        self.clock = clock
        self.count: Counter = Counter()
        self.seconds: defaultdict[str, float] = defaultdict(float)
        self.cold: Counter = Counter()
        self._last: dict[str, dt.datetime] = {}
        self._lock = threading.Lock()

    @contextmanager
    def invocation(self, function: str):
        now = self.clock.now()
        with self._lock:
            last = self._last.get(function)
            self._last[function] = now
            self.count[function] += 1
            self.cold[function] += last is None or now - last > COLD_AFTER
        started = time.perf_counter()
        try:
            yield
        finally:
            with self._lock:
                self.seconds[function] += time.perf_counter() - started


@contextmanager
def _observed(stack, client):
    """Invocations of the app's tasks (moto's Lambda dispatch, the schedules) and of its API (each HTTP request)."""
    seen = Invocations(stack.clock)
    invoke, request = stack.functions.invoke, client.http.request

    def task(function_name, body, response_headers):
        with seen.invocation(function_name.split(":function:")[-1].split(":")[0].removeprefix("ct-procurement-dev-")):
            return invoke(function_name, body, response_headers)

    def http(*args, **kwargs):
        with seen.invocation(API_FUNCTION):
            return request(*args, **kwargs)

    stack.functions.invoke, client.http.request = task, http
    try:
        yield seen
    finally:
        del stack.functions.invoke
        client.http.request = request


@contextmanager
def _service_calls():
    """KMS requests and SES emails (recipients of each SendEmail) made by every client while the block runs."""
    from bench.stack import intercepted

    counted: Counter = Counter()

    def count(client, operation_name, api_params, call):
        service = client.meta.service_model.service_name
        if service == "kms":
            counted["kms"] += 1
        elif service in ("ses", "sesv2"):
            destination = api_params.get("Destination", {})
            counted["emails"] += max(1, sum(len(destination.get(k, [])) for k in ("ToAddresses", "CcAddresses", "BccAddresses")))
        return call()

    with intercepted(count):
        yield counted


def _steps(api, stack) -> dict[str, int]:
    """The procurement, step by step; each step's HTTP requests."""
    from tests.workflows.test_invitation_to_bid import INVITATION, bid, register_and_confirm

    requests: Counter = Counter()

    def call(step: str, reply, status: int) -> dict:
        requests[step] += 1
        if reply.status != status:
            raise RuntimeError(f"{step}: {reply.status}: {reply.body[:300]!r}")
        return reply.json

    for org in ("acme", "bolt", "cobra"):
        register_and_confirm(api, stack, org)
        requests["vendor onboarding"] += 2
    purchasing, agency, bolt = api.as_purchasing(), api.as_("agency", AGENCY), api.as_vendor("bolt")
    sol = call("invitation", purchasing.post("/solicitations", json=INVITATION), 201)
    call("invitation", purchasing.post(f"/solicitations/{sol['id']}/publish"), 200)
    for org, unit_prices in (("acme", ("30.00", "40.00")), ("bolt", ("25.10", "38.00")), ("cobra", ("26.00", "39.00"))):
        call("bids", api.as_vendor(org).post(f"/solicitations/{sol['id']}/bids", json=bid(*unit_prices)), 201)
    stack.clock.advance(to=OPENING)
    call("opening", api.get(f"/solicitations/{sol['id']}/tabulation"), 200)
    award = call("award", purchasing.post(f"/solicitations/{sol['id']}/award", json={}), 201)["awards"][0]
    stack.clock.advance(days=2)
    surety = {"form": "performance_bond", "amount": "327.00", "reference": "PB-1"}  # 10% of 100 x 25.10 + 20 x 38.00
    call("contract", bolt.post(f"/awards/{award['id']}/surety", json=surety), 200)
    contract_id = call("contract", purchasing.get(f"/awards/{award['id']}"), 200)["contract_id"]
    call("contract", purchasing.get(f"/contracts/{contract_id}"), 200)
    stack.clock.advance(days=1)
    order = {"lines": [{"line_id": "1", "quantity": "100"}], "deliver_by": "2026-04-10", "contact_email": AGENCY_EMAIL}
    placed = call("order", agency.post(f"/contracts/{contract_id}/orders", json=order), 201)
    call("order", purchasing.post(f"/orders/{placed['id']}/comptroller-approval", json={"approval_reference": "OSC-1"}), 200)
    stack.clock.advance(days=7)
    lines = [{"line_id": "1", "quantity": "100"}]
    delivery = call("delivery acceptance", agency.post(f"/orders/{placed['id']}/deliveries", json={"lines": lines}), 201)
    inspected = {"lines": [{"line_id": "1", "accepted": "100"}]}
    call("delivery acceptance", agency.post(f"/deliveries/{delivery['id']}/inspection", json=inspected), 200)
    invoice = call(
        "invoice", bolt.post(f"/contracts/{contract_id}/invoices", json={"order_id": placed["id"], "amount": "2510.00"}), 201
    )
    stack.clock.advance(days=20)
    call("payment", agency.post(f"/invoices/{invoice['id']}/payments", json={"amount": "2510.00"}), 201)
    stack.clock.advance(days=60)  # every execution ends (the invitation's, the award's, the invoice's clock)
    return dict(requests)


def _transitions(stack) -> dict[str, int]:
    """State transitions of every execution of the stack, by state machine (the *StateEntered events)."""
    found: Counter = Counter()
    for execution in stack.executions():
        process = execution["stateMachineArn"].rsplit(":", 1)[-1].removeprefix("ct-procurement-local-")
        history = stack.history(process, execution["name"])
        found[process] += sum(1 for e in history if e["type"].endswith("StateEntered"))
    return dict(found)


def _init_seconds(functions: list[str]) -> tuple[dict[str, float], float]:
    """Each function's INIT and `import boto3`'s, in fresh processes: the median CPU time of importing boto3 (every
    function makes AWS calls, and loads it with its first) and its module; for the API, every route's module too (a cold
    API function serving a procurement's many routes loads most of them with its first requests)."""
    from app import app
    from bench.imports import EVERY_MODULE, measure

    registered: list[Any] = [*app.pure_lambda_functions, *app.event_sources]
    module_of = {f.name: f.handler_string.rsplit(".", 1)[0] for f in registered}
    statements = {
        name: f"import boto3; {EVERY_MODULE}" if name == API_FUNCTION else f"import boto3, {module_of.get(name, 'app')}"
        for name in functions
    }
    timed: dict[str, float] = {}
    for statement in sorted(set(statements.values()) | {"import boto3"}):
        timed[statement] = statistics.median(measure(statement)["cpu"] for _ in range(INIT_REPEATS))
    return {name: timed[s] for name, s in statements.items()}, timed["import boto3"]


def procurement() -> dict:
    from chalice.test import Client

    from app import app
    from bench.stack import baseline_call_ms, served
    from bench.units import request_units
    from local.pytest_plugin import Api

    with served(app, START) as stack, Client(app, stage_name="dev", project_dir=str(ROOT)) as client:
        baseline_ms = baseline_call_ms(stack)
        api = Api(client, stack)
        started = time.perf_counter()
        with _observed(stack, client) as seen, request_units() as units, _service_calls() as services:
            requests = _steps(api, stack)
        wall = time.perf_counter() - started
        transitions = _transitions(stack)
    return {
        "requests": requests,
        "seen": seen,
        "units": units,
        "services": services,
        "transitions": transitions,
        "wall": wall,
        "baseline_ms": baseline_ms,
    }


def _lambda_cost(
    seen: Invocations, init: dict[str, float], bookkeeping_s: float
) -> tuple[Decimal, Decimal, float, float, Decimal]:
    """(requests cost, GB-seconds cost, measured duration s, INIT s, INIT GB-s); the unit counter's own time taken out."""
    run_s = sum(seen.seconds.values())
    scale = max(0.0, run_s - bookkeeping_s) / run_s if run_s else 0.0
    gb_s, init_s, init_gb_s = Decimal(0), 0.0, Decimal(0)
    for function in seen.count:
        gb = Decimal(prices.memory_mb(function)) / 1024
        function_init = seen.cold[function] * init[function]
        init_s += function_init
        init_gb_s += gb * Decimal(str(function_init))
        gb_s += gb * Decimal(str(seen.seconds[function] * scale + function_init))
    requests = prices.LAMBDA_PER_REQUEST * sum(seen.count.values())
    return requests, prices.LAMBDA_PER_GB_SECOND * gb_s, run_s * scale, init_s, init_gb_s


def run() -> list:
    import logging

    logging.getLogger("moto.stepfunctions").setLevel(logging.CRITICAL)
    result = procurement()
    seen, units, services = result["seen"], result["units"], result["services"]
    init, boto3_s = _init_seconds(sorted(seen.count))
    lambda_requests, lambda_duration, duration_s, init_s, init_gb_s = _lambda_cost(seen, init, units.bookkeeping_s)
    api_requests = seen.count[API_FUNCTION]
    transitions = sum(result["transitions"].values())
    cost = {
        "Step Functions (state transitions)": (transitions, prices.SFN_STANDARD_PER_TRANSITION * transitions),
        "Lambda requests (API + tasks)": (sum(seen.count.values()), lambda_requests),
        "Lambda GB-seconds (duration + INIT)": (f"{duration_s:.2f} s + {init_s:.2f} s INIT", lambda_duration),
        "API Gateway (REST requests)": (api_requests, prices.API_GATEWAY_REST_PER_REQUEST * api_requests),
        "DynamoDB read request units": (f"{units.rru:g}", prices.DYNAMODB_PER_READ_UNIT * Decimal(str(units.rru))),
        "DynamoDB write request units": (units.wru, prices.DYNAMODB_PER_WRITE_UNIT * units.wru),
        "KMS requests": (services["kms"], prices.KMS_PER_REQUEST * services["kms"]),
        "SES emails": (services["emails"], prices.SES_PER_EMAIL * services["emails"]),
    }
    total = sum((c for _, c in cost.values()), Decimal(0))
    rows: list = [
        {"service": name, "count": count, "cost $": f"{c:.6f}", "share": f"{c / total:.0%}"} for name, (count, c) in cost.items()
    ]
    rows.append({"service": "total", "count": "", "cost $": f"{total:.6f}", "share": "100%"})
    rows.append(
        "Steps (HTTP requests): "
        + ", ".join(f"{step} {n}" for step, n in result["requests"].items())
        + ". State transitions by machine: "
        + ", ".join(f"{p} {n}" for p, n in sorted(result["transitions"].items()))
        + "."
    )
    dynamo = Counter({op: n for op, n in units.calls.items()})
    rows.append(
        f"DynamoDB: {sum(dynamo.values())} calls ({', '.join(f'{op} {n}' for op, n in dynamo.most_common())}) = "
        f"{units.rru:g} RRU and {units.wru} WRU; "
        "computed from item sizes (moto's ConsumedCapacity is a constant per call): 1 WRU per KB, twice in a transaction, "
        "plus a write per global secondary index holding the item; 1 RRU per 4 KB consistent, half eventual. "
        f"Largest item written: {units.largest_item / 1024:.1f} KB."
    )
    rows.append(
        "Lambda: "
        + ", ".join(f"{f} {n} ({seen.cold[f]} cold)" for f, n in seen.count.most_common())
        + f". Durations as measured on the local stack ({duration_s:.2f} s in all); INIT per cold start = the cold import of "
        "boto3 and the function's module (for the API: the app and every route's module, an upper bound; a task: its own "
        f"module, which its handler string names), e.g. the API {init.get(API_FUNCTION, 0) * 1000:.0f} ms = "
        f"{init.get(API_FUNCTION, 0) / boto3_s:.1f}x import boto3 "
        f"({boto3_s * 1000:.0f} ms). A cold start = more than {COLD_AFTER.seconds // 60} min of virtual time since the "
        "function's previous invocation. Scheduled functions count as they ran here (on AWS the outbox and audit "
        "schedules also run every minute whatever the procurements: a fixed monthly cost, not in this total)."
    )
    baseline_ms = result["baseline_ms"]
    rows.append(
        f"The procurement ran in {result['wall']:.1f} s on the local stack = {result['wall'] * 1000 / baseline_ms:,.0f}x "
        f"the baseline (a bare GetItem on its moto server, {baseline_ms:.2f} ms median in this run)."
    )
    steps = set(result["requests"])
    goals.record(5, "a full procurement priced, onboarding to payment", f"${total:.4f}", "every step priced", steps >= set(STEPS))
    api_and_init = cost["API Gateway (REST requests)"][1] + prices.LAMBDA_PER_GB_SECOND * Decimal(str(init_gb_s))
    goals.record(
        5, "API Gateway and Lambda INIT in that cost", f"${api_and_init:.6f}", "included", api_requests > 0 and init_s > 0
    )
    goals.record(
        5,
        "DynamoDB billed in request units from item sizes",
        f"{units.rru:g} RRU, {units.wru} WRU",
        "not 1 per call",
        units.wru != sum(n for op, n in units.calls.items() if op not in READ_CALLS),
    )
    goals.record(
        4,
        "largest item written in the procurement",
        f"{units.largest_item / 1024:.1f} KB",
        "<= 400 KB",
        units.largest_item <= 400 * 1024,
    )
    return rows
