"""`make seed`: a demo data set written through the API of a running `make run` (LOCAL_API, default
http://127.0.0.1:8000), as the people of the process would write it.

Agencies DAS (purchasing agency of the contract), DOT (an ordering agency the contractor accepted) and DSS
(an OPM plan); four confirmed vendors of copy paper; an invitation to bid opened and awarded, whose contract
has orders, deliveries, invoices and a payment; an invitation to bid still open with sealed bids; a request for
proposals open with two sealed proposals; an approved
OPM procurement plan with an amendment under review and a draft plan. The virtual clock moves forward
(8 days for the opening). Data lives in the server's memory: a second run against the same server finds the
first vendor's organisation registered and writes nothing.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from chalicelib.api.auth import issue_dev_token
from local.fein import fein_for
from local.stack import DEV_JWT_SECRET
from local.token import DEFAULT_API, stack_now

BUREAU = ("purchasing", "DAS-BOP")
OPM = ("opm", "OPM")
VENDORS = {  # org: (legal name, contact email, unit price bid on the opened invitation)
    "seed-acme": ("Acme Paper LLC", "bids@acme-paper.example", "30.00"),
    "seed-bolt": ("Bolt Paper Co", "sales@bolt-paper.example", "25.10"),
    "seed-cobra": ("Cobra Stationers Inc", "office@cobra.example", "26.40"),
    "seed-dune": ("Dune Supplies", "bids@dune.example", "28.75"),
}
EVALUATION = [
    {"name": "price", "weight": "70"},
    {"name": "past_performance", "weight": "20"},
    {"name": "financial_responsibility", "weight": "10"},
]


class SeedFailed(Exception):
    """The API refused a step the demo needs; the message names the call and the answer."""


class AlreadySeeded(Exception):
    """The first demo vendor's organisation is registered: a seed already ran on this server."""


def vendor_registration(legal_name: str, contact_email: str) -> dict:
    """The body of POST /vendors: every field of a registration lives here (a FEIN of its own per legal name)."""
    return {"legal_name": legal_name, "fein": fein_for(legal_name), "contact_email": contact_email, "commodity_codes": ["640"]}


def invitation(title: str, opening_at: dt.datetime, quantity: str) -> dict:
    return {
        "title": title,
        "agency": "DAS",
        "commodity_codes": ["64000"],
        "lines": [
            {"id": "1", "description": "Copy paper, letter, 20 lb, case of 10 reams", "quantity": quantity, "unit": "case"}
        ],
        "opening_at": opening_at.isoformat(),
        "award_basis": "all",
        "surety_percent": "10",
        "evaluation_factors": EVALUATION,
    }


def sealed_bid(unit_price: str, quantity: str) -> dict:
    return {
        "lines": [{"line_id": "1", "unit_price": unit_price, "quantity": quantity}],
        "signer": {"name": "Pat Doe", "title": "President"},
        "signed": True,
        "non_collusion": True,
    }


def text(narrative: str) -> dict:
    """A narrative component of a plan."""
    return {"text": narrative}


def plan(competitive_date: dt.date, period: str, contact_email: str) -> dict:
    return {
        "period": period,
        "agency_overview": text("Social services for Connecticut residents."),
        "needs_assessment": text("Caseloads grow 4% a year."),
        "procurement_schedule": [
            {
                "service_id": "HOME-CARE",
                "description": "Home care for elders",
                "service_type": "POS",
                "method": "competitive",
                "competitive_procurement_date": competitive_date.isoformat(),
                "current_contractors": [{"name": "Elder Help Inc", "email": "bids@elderhelp.example"}],
            },
            {
                "service_id": "SHELTER",
                "description": "Emergency shelter",
                "service_type": "POS",
                "method": "non_competitive",
                "current_contractors": [{"name": "Helping Hands", "email": "contracts@helping-hands.example"}],
            },
        ],
        "competition_strategy": text("RFPs on the State Contracting Portal."),
        "waiver_justifications": [{"service_id": "SHELTER", "basis": "Single provider with licensed beds in the region."}],
        "evaluation_and_selection": text("Scored by a panel of three."),
        "contract_monitoring": text("Quarterly reports and site visits."),
        "contact": {"name": "Pat Doe", "email": contact_email},
    }


def call(base: str, method: str, path: str, body=None, token: str | None = None, timeout: float = 120) -> tuple[int, Any]:
    """One HTTP call to the local stack: its status and decoded JSON answer, an error status included."""
    headers = {"Content-Type": "application/json", **({"Authorization": f"Bearer {token}"} if token else {})}
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"{base}{path}", data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as reply:
            return reply.status, json.loads(reply.read() or b"null")
    except urllib.error.HTTPError as err:
        return err.code, json.loads(err.read() or b"null")


@dataclass
class Api:
    """HTTP calls to the local stack, each with a token minted at its clock (which the seed moves)."""

    base: str
    written: list[str] = field(default_factory=list)

    def call(self, method: str, path: str, body=None, *, who: tuple[str, str] | None = None, expect=(200, 201)) -> dict:
        status, answer = self.send(method, path, body, who)
        if status not in expect:
            raise SeedFailed(f"{method} {path} answered {status}: {json.dumps(answer)}")
        return answer

    def send(self, method: str, path: str, body, who) -> tuple[int, dict]:
        token = None
        if who is not None:
            role, org = who
            token = issue_dev_token(DEV_JWT_SECRET, sub=f"{role}-user@{org}", role=role, org=org, now=stack_now(self.base))
        return call(self.base, method, path, body, token)

    def now(self) -> dt.datetime:
        return dt.datetime.fromisoformat(self.call("GET", "/_local/clock")["now"])

    def opening_in(self, days: int) -> dt.datetime:
        """10:00 Connecticut time, `days` days from the stack's today."""
        return (self.now() + dt.timedelta(days=days)).replace(hour=10, minute=0, second=0, microsecond=0)

    def advance(self, duration: str) -> None:
        self.call("POST", "/_local/clock", {"advance": duration})

    def note(self, line: str) -> None:
        self.written.append(line)
        print(f"  {line}", flush=True)


def confirmation_code(api: Api, email: str) -> str:
    mail = [
        m for m in api.call("GET", "/_local/outbox")["messages"] if m["to"] == [email] and "Confirmation code: " in m["text"]
    ][-1]
    return mail["text"].split("Confirmation code: ")[1].split()[0]


def register_vendors(api: Api) -> dict[str, str]:
    """org -> vendor id, each registered and confirmed with the code emailed to it."""
    ids: dict[str, str] = {}
    for org, (name, email, _) in VENDORS.items():
        status, vendor = api.send("POST", "/vendors", vendor_registration(name, email), ("vendor", org))
        if status == 409 and not ids:
            raise AlreadySeeded(f"organisation {org} is already registered as vendor {vendor['details'][0]['vendor_id']}")
        if status != 201:
            raise SeedFailed(f"POST /vendors answered {status}: {json.dumps(vendor)}")
        api.call("POST", f"/vendors/{vendor['id']}/confirm", {"code": confirmation_code(api, email)}, who=("vendor", org))
        ids[org] = vendor["id"]
        api.note(f"vendor {vendor['id']} {name} ({org}) confirmed")
    return ids


def opened_invitation(api: Api) -> str:
    """Published, bid on by every vendor, opened 7 days later: its tabulation is public. Returns its id."""
    sol = api.call("POST", "/solicitations", invitation("Copy paper, statewide (demo)", api.opening_in(7), "100"), who=BUREAU)
    api.call("POST", f"/solicitations/{sol['id']}/publish", who=BUREAU)
    for org, (_, _, price) in VENDORS.items():
        api.call("POST", f"/solicitations/{sol['id']}/bids", sealed_bid(price, "100"), who=("vendor", org))
    api.advance("P8D")
    tabulation = api.call("GET", f"/solicitations/{sol['id']}/tabulation")
    api.note(f"invitation to bid {sol['id']} opened: {tabulation['bid_count']} bids in its tabulation")
    return sol["id"]


def contract_of(api: Api, sol_id: str) -> tuple[str, str]:
    """Award to the lowest bidder, whose notice forms the contract, and its surety. Returns (contract id, contractor org)."""
    award_id = api.call("POST", f"/solicitations/{sol_id}/award", {}, who=BUREAU)["awards"][0]["id"]
    api.advance("PT1S")  # the workflow sends the notice of award
    award = api.call("GET", f"/awards/{award_id}", who=BUREAU)
    share = award["shares"][0]
    contractor = next(org for org, (name, _, _) in VENDORS.items() if name == share["bidder_name"])
    api.call(
        "POST",
        f"/awards/{award_id}/surety",
        {"form": "performance_bond", "amount": share["surety_amount"], "reference": "PB-DEMO-1"},
        who=("vendor", contractor),
    )
    contract_id = api.call("GET", f"/awards/{award_id}", who=BUREAU)["contract_id"]
    api.note(f"award {award_id}: contract {contract_id} with {share['bidder_name']}, surety furnished")
    return contract_id, contractor


def add_ordering_agency(api: Api, contract_id: str, contractor: str, agency: str) -> None:
    request = api.call("POST", f"/contracts/{contract_id}/ordering-agencies", {"agency": agency}, who=("agency", agency))
    api.call("POST", f"/ordering-agency-requests/{request['id']}/decision", {"accept": True}, who=("vendor", contractor))
    api.note(f"agency {agency} may order from contract {contract_id}")


def order_delivered_and_invoiced(api: Api, contract_id: str, contractor: str, agency: str, cases: str, *, paid: bool) -> None:
    """An order approved by the Comptroller, delivered, accepted and invoiced; paid when `paid`."""
    contact = f"receiving@{agency.lower()}.example.gov"
    deliver_by = (api.now() + dt.timedelta(days=10)).date().isoformat()
    order = api.call(
        "POST",
        f"/contracts/{contract_id}/orders",
        {"lines": [{"line_id": "1", "quantity": cases}], "deliver_by": deliver_by, "contact_email": contact},
        who=("agency", agency),
    )
    api.call("POST", f"/orders/{order['id']}/comptroller-approval", {"approval_reference": f"OSC-{order['id']}"}, who=BUREAU)
    delivery = api.call(
        "POST", f"/orders/{order['id']}/deliveries", {"lines": [{"line_id": "1", "quantity": cases}]}, who=("agency", agency)
    )
    api.call(
        "POST",
        f"/deliveries/{delivery['id']}/inspection",
        {"lines": [{"line_id": "1", "accepted": cases}]},
        who=("agency", agency),
    )
    amount = order_amount(api, contract_id, cases)
    invoice = api.call(
        "POST", f"/contracts/{contract_id}/invoices", {"order_id": order["id"], "amount": amount}, who=("vendor", contractor)
    )
    if paid:
        api.call("POST", f"/invoices/{invoice['id']}/payments", {"amount": amount}, who=("agency", agency))
    api.note(
        f"order {order['id']} of {agency}: {cases} cases delivered, invoice {invoice['id']} of ${amount} {'paid' if paid else 'due ' + invoice['due_date']}"
    )


def order_amount(api: Api, contract_id: str, cases: str) -> str:
    contract = api.call("GET", f"/contracts/{contract_id}", who=BUREAU)
    unit_price = next(line["unit_price"] for line in contract["lines"] if line["line_id"] == "1")
    return str((Decimal(str(unit_price)) * Decimal(cases)).quantize(Decimal("0.01")))


def open_invitation(api: Api) -> str:
    """Published, opening in 14 days, with two sealed bids."""
    sol = api.call(
        "POST", "/solicitations", invitation("Copy paper, second half year (demo)", api.opening_in(14), "80"), who=BUREAU
    )
    api.call("POST", f"/solicitations/{sol['id']}/publish", who=BUREAU)
    for org in ("seed-acme", "seed-cobra"):
        api.call("POST", f"/solicitations/{sol['id']}/bids", sealed_bid(VENDORS[org][2], "80"), who=("vendor", org))
    api.note(f"invitation to bid {sol['id']} open until {sol['opening_at']}: 2 sealed bids")
    return sol["id"]


def request_for_proposals(due: dt.datetime) -> dict:
    """The body of POST /rfps: the factors of R-16a with price and financial responsibility (R-18a/b)."""
    factors = ("plan_of_performance", "ability", "personnel_equipment_facilities", "past_performance", "price")
    return {
        "title": "Records digitisation services (demo)",
        "agency": "DAS",
        "commodity_codes": ["64000"],
        "scope": "Scan, index and host 2 million paper records of the Department.",
        "proposals_due": due.isoformat(),
        "evaluation_factors": [
            *({"name": name, "weight": "15"} for name in factors),
            {"name": "financial_responsibility", "weight": "25"},
        ],
    }


def open_rfp(api: Api) -> str:
    """Published, proposals due in 21 days, with two sealed proposals (R-16c)."""
    rfp = api.call("POST", "/rfps", request_for_proposals(api.opening_in(21)), who=BUREAU)
    api.call("POST", f"/rfps/{rfp['id']}/publish", who=BUREAU)
    for org, price in (("seed-acme", "410000.00"), ("seed-dune", "388500.00")):
        proposal = {"price": price, "description": f"Digitisation by {VENDORS[org][0]}."}
        api.call("POST", f"/rfps/{rfp['id']}/proposals", proposal, who=("vendor", org))
    api.note(f"request for proposals {rfp['id']} open until {rfp['proposals_due']}: 2 sealed proposals")
    return rfp["id"]


def plans(api: Api) -> None:
    """DSS's plan approved by OPM with an amendment under review; DCF's plan still a draft."""
    dss, competitive = ("agency", "DSS"), (api.now() + dt.timedelta(days=180)).date()
    approved = api.call("POST", "/plans", plan(competitive, "FY 26-28", "procurement@dss.example.gov"), who=dss)
    api.call("POST", f"/plans/{approved['id']}/submit", who=dss)
    api.call("POST", f"/plans/{approved['id']}/approve", {"note": "Approved as filed."}, who=OPM)
    amendment = api.call(
        "POST",
        f"/plans/{approved['id']}/amendments",
        {"service_id": "HOME-CARE", "change": "to_non_competitive", "reason": "Program redesign."},
        who=dss,
    )
    api.note(
        f"plan {approved['id']} of DSS approved; amendment {amendment['id']} under review until {amendment['review_due_at']}"
    )
    draft = api.call("POST", "/plans", plan(competitive, "FY 26-28", "procurement@dcf.example.gov"), who=("agency", "DCF"))
    api.note(f"plan {draft['id']} of DCF drafted")


def seed(api: Api) -> list[str]:
    """Write the demo data set; returns what was written, one line each."""
    register_vendors(api)
    sol_id = opened_invitation(api)
    contract_id, contractor = contract_of(api, sol_id)
    add_ordering_agency(api, contract_id, contractor, "DOT")
    order_delivered_and_invoiced(api, contract_id, contractor, "DAS", "40", paid=True)
    order_delivered_and_invoiced(api, contract_id, contractor, "DOT", "25", paid=False)
    open_invitation(api)
    open_rfp(api)
    plans(api)
    return api.written


def main(argv: list[str]) -> int:
    base = os.environ.get("LOCAL_API", DEFAULT_API).rstrip("/")
    if stack_now(base) is None:
        print(f"make seed: no local stack answers at {base}; start it with `make run` (or set LOCAL_API)", file=sys.stderr)
        return 2
    api = Api(base)
    print(f"seeding {base}", flush=True)
    try:
        seed(api)
    except AlreadySeeded as seeded:
        print(f"already seeded: {seeded}; nothing written (stop and restart `make run` for a fresh data set)")
        return 0
    except SeedFailed as failed:
        print(f"make seed: {failed} (after {len(api.written)} steps)", file=sys.stderr)
        return 1
    print(f"done: {len(api.written)} steps written; the clock is now {api.now().isoformat()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
