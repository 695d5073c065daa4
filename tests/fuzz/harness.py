"""What the fuzz run stands on: the in-process stack behind a `requests` session, and local/seed.py's demo data set
written through it, whose ids the fuzzer puts in path parameters so that its requests reach past the 404s."""

from __future__ import annotations

import datetime as dt
import io
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import ZoneInfo

import pydantic
import requests
from requests.adapters import HTTPAdapter
from urllib3 import HTTPResponse

from local import seed
from local.pytest_plugin import Api

BASE_URL = "http://fuzz.invalid"  # never resolved: the session's adapter hands every request to the test client
NEW_YORK = ZoneInfo("America/New_York")
# The organisation each role's token names: the contractor of the seeded contract (the lowest bidder), the
# purchasing agency of that contract, the Bureau and OPM; the public sends no token.
CONTRACTOR = min(seed.VENDORS, key=lambda org: Decimal(seed.VENDORS[org][2]))
IDENTITIES: dict[str, tuple[str, str] | None] = {
    "public": None,
    "vendor": ("vendor", CONTRACTOR),
    "agency": ("agency", "DAS"),
    "purchasing": seed.BUREAU,
    "opm": seed.OPM,
}
ANSWERS: Counter[str] = Counter()  # the fuzz run's answers by status class ("2xx", "4xx", ...), for its summary
# The path parameter an answer's `id` fills, by the last literal segment of the path that answered it.
ID_OF_COLLECTION = {
    "vendors": "vendor_id",
    "solicitations": "solicitation_id",
    "rfps": "rfp_id",
    "awards": "award_id",
    "bids": "bid_id",
    "contracts": "contract_id",
    "orders": "order_id",
    "deliveries": "delivery_id",
    "invoices": "invoice_id",
    "payments": "payment_id",
    "ordering-agencies": "request_id",
    "plans": "plan_id",
    "amendments": "amendment_id",
    "requisitions": "requisition_id",
}


class ChaliceAdapter(HTTPAdapter):
    """A `requests` transport that answers through the Chalice test client (`api` fixture's client): schemathesis
    sends and validates real `requests` objects, and each request returns once every execution is parked again."""

    def __init__(self, api: Api):
        super().__init__()
        self.api = api

    def send(self, request: requests.PreparedRequest, *args: Any, **kwargs: Any) -> requests.Response:
        url = urlsplit(request.url or "")
        path = url.path + (f"?{url.query}" if url.query else "")
        body = request.body.encode() if isinstance(request.body, str) else (request.body or b"")
        reply = self.api.client.http.request(request.method or "GET", path, headers=dict(request.headers), body=body)
        self.api.stack.clock.run_until_idle()
        ANSWERS[f"{reply.status_code // 100}xx"] += 1
        raw = HTTPResponse(
            body=io.BytesIO(reply.body), headers=reply.headers, status=reply.status_code, version=11, preload_content=False
        )
        return self.build_response(request, raw)


def session_on(api: Api) -> requests.Session:
    """A session whose requests to BASE_URL are answered by `api`'s stack."""
    session = requests.Session()
    session.mount(BASE_URL, ChaliceAdapter(api))
    return session


def bearer(api: Api, role: str) -> dict[str, str]:
    """The Authorization header of `role`, minted at the stack's now (none for the public)."""
    identity = IDENTITIES[role]
    token = api.as_(*identity).bearer() if identity else None
    return {"Authorization": f"Bearer {token}"} if token else {}


@dataclass
class SeedOnStack(seed.Api):
    """local/seed.py's steps on the in-process stack: its calls go through the test client with tokens minted at the
    virtual clock, its dev endpoints (clock, outbox) to the stack itself; every answer is kept for its ids."""

    http: Api | None = None
    answers: list[tuple[str, Any]] = field(default_factory=list)

    def send(self, method: str, path: str, body, who) -> tuple[int, Any]:
        assert self.http is not None
        if path == "/_local/outbox":
            return 200, {"messages": self.http.stack.outbox()}
        caller = self.http.as_(*who) if who else self.http
        reply = caller.request(method, path, json_body=body)
        self.answers.append((path, reply.json))
        return reply.status, reply.json

    def now(self) -> dt.datetime:
        assert self.http is not None
        return self.http.stack.clock.now().astimezone(NEW_YORK)

    def advance(self, duration: str) -> None:
        assert self.http is not None
        self.http.stack.clock.advance(pydantic.TypeAdapter(dt.timedelta).validate_python(duration))


def seeded_ids(answers: list[tuple[str, Any]]) -> dict[str, list[str]]:
    """Path parameter name -> the ids the seed's answers hold, in the order they first appear."""
    found: dict[str, dict[str, None]] = defaultdict(dict)

    def walk(value: Any, name: str | None) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item, name)
        elif isinstance(value, dict):
            if name and isinstance(value.get("id"), str):
                found[name][value["id"]] = None
            for key, item in value.items():
                if key.endswith("_id") and isinstance(item, str):
                    found[key][item] = None
                walk(item, ID_OF_COLLECTION.get(key))

    for path, answer in answers:
        literal = [part for part in path.split("?")[0].split("/") if part][-1:]
        walk(answer, ID_OF_COLLECTION.get(literal[0]) if literal else None)
    return {name: list(ids) for name, ids in found.items()}


def seed_stack(api: Api) -> dict[str, list[str]]:
    """The demo data set of `make seed` written on `api`'s stack; returns the ids by path parameter name."""
    writer = SeedOnStack(base="in-process", http=api)
    seed.seed(writer)
    ids = seeded_ids(writer.answers)
    ids["number"] = ["1", "2"]  # schedule versions of the seeded plans
    return ids
