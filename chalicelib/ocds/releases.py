"""One OCDS release per public event, built from the record as the audit trail keeps it after the event.

Only what the public JSON routes show goes in: the notice, its addenda and dates; the tabulation of opened bids
(never a sealed one: the service passes bids only from the opening on); the award, its supplier and value; the
contract's lines and prices; orders and payments by amount and date. No e-mail address, no proposal content (R-16d),
no draft.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from decimal import Decimal
from typing import Any

from chalicelib.domain import calendar
from chalicelib.domain.bids import Bid, BidStatus
from chalicelib.domain.contracts import Contract
from chalicelib.ocds.events import Event

CURRENCY = "USD"
TENDER_STATUS = {"open": "active", "opened": "active", "awarded": "complete", "cancelled": "cancelled"}
RFP_METHOD = "Request for proposals (Sec. 4a-52-16 of the Regulations of Connecticut State Agencies)"
ITB_METHOD = "Invitation to bid (Sec. 4a-52-4 to 4a-52-9 of the Regulations of Connecticut State Agencies)"


def ocid(prefix: str, process_id: str) -> str:
    """The contracting process's identifier: the publisher's prefix and the solicitation's, request's or plan's id."""
    return f"{prefix}-{process_id}"


def process_of(event: Event, contract: Contract | None = None) -> str | None:
    """The id of the contracting process the event belongs to; None for one outside an invitation or request (a
    sole-source or emergency contract)."""
    after = event.after
    if event.kind in ("solicitation", "rfp", "plan"):
        return after["id"]
    if event.kind == "plan_amendment":
        return after["plan_id"]
    if event.kind == "award":
        return after["solicitation_id"]
    if event.kind == "contract":
        return after.get("solicitation_id") or after.get("rfp_id")
    if contract is not None:  # an order or an invoice: its contract's process
        return contract.solicitation_id or contract.rfp_id
    return None


def release_of(
    event: Event, prefix: str, *, bids: Iterable[Bid] = (), contract: Contract | None = None, supplier_name: str | None = None
) -> dict | None:
    """The release of a public event, or None when it belongs to no published process. `bids` are the opened bids
    (given for an opening and later events of an invitation only); `contract` is the contract of an order or invoice;
    `supplier_name` the awarded proposer's name of a request for proposals."""
    process = process_of(event, contract)
    if process is None:
        return None
    release: dict[str, Any] = {
        "ocid": ocid(prefix, process),
        "id": event.release_id,
        "date": _instant(event.at),
        "tag": [event.tag],
        "initiationType": "tender",
        "language": "en",
    }
    agency = event.after.get("agency") or (contract.agency if contract is not None else None)
    if agency:
        release["buyer"] = _org(agency, agency)
        release["parties"] = [{**_org(agency, agency), "roles": ["buyer", "procuringEntity"]}]
    sections = _SECTIONS[event.kind](event, bids=list(bids), contract=contract, supplier_name=supplier_name)
    for party in sections.pop("_suppliers", []):
        release.setdefault("parties", []).append({**party, "roles": ["supplier"]})
    return release | sections


def _instant(at: dt.datetime) -> str:
    return calendar.iso_utc(at)


def _day_starts(day: str) -> str:
    """A Connecticut calendar date as the instant its day starts (OCDS dates are date-times)."""
    return calendar.iso_utc(calendar.start_of_local_day(dt.date.fromisoformat(day)))


def _day_ends(day: str) -> str:
    return calendar.iso_utc(calendar.end_of_local_day(dt.date.fromisoformat(day)))


def _org(org_id: str, name: str) -> dict:
    return {"id": org_id, "name": name}


def _value(amount) -> dict:
    return {"amount": float(Decimal(str(amount))), "currency": CURRENCY}


def _solicitation(event: Event, *, bids: list[Bid], **_) -> dict:
    sol = event.after
    tender: dict[str, Any] = {
        "id": sol["id"],
        "title": sol["title"],
        "status": TENDER_STATUS.get(sol["status"], "active"),
        "procurementMethod": "open",
        "procurementMethodDetails": ITB_METHOD,
        "procuringEntity": _org(sol["agency"], sol["agency"]),
        "items": [
            {
                "id": line["id"],
                "description": line["description"],
                "quantity": float(line["quantity"]),
                "unit": {"name": line["unit"]},
            }
            for line in sol["lines"]
        ],
        "tenderPeriod": {"startDate": sol["published_at"], "endDate": _opening(sol)},
        "awardCriteriaDetails": ", ".join(f"{f['name']} ({f['weight']})" for f in sol["evaluation_factors"]),
        "amendments": [
            {"id": str(a["number"]), "date": a["issued_at"], "description": a["text"]} for a in sol.get("addenda", [])
        ],
    }
    sections: dict[str, Any] = {"tender": tender}
    if sol.get("opened_at") is not None:
        tender["numberOfTenderers"] = len(bids)
        tender["tenderers"] = [_org(b.vendor_id, b.bidder_name) for b in bids]
        sections["bids"] = {"details": [_bid(b) for b in bids]}
    return sections


def _opening(sol: dict) -> str:
    """The opening time the latest addendum postponing it set, else the notice's (R-5o)."""
    postponed = [a["opening_at"] for a in sol.get("addenda", []) if a.get("opening_at")]
    return postponed[-1] if postponed else sol["opening_at"]


def _bid(bid: Bid) -> dict:
    """A bid of the tabulation (R-5n): public from the opening; its price is the total as corrected (R-5l)."""
    detail: dict[str, Any] = {
        "id": bid.id,
        "date": _instant(bid.received_at),
        "status": "withdrawn" if bid.status is BidStatus.WITHDRAWN else "valid" if bid.eligible else "disqualified",
        "tenderers": [_org(bid.vendor_id, bid.bidder_name)],
    }
    if bid.content is not None:
        detail["value"] = _value(bid.content.total)
    return detail


def _award(event: Event, **_) -> dict:
    award = event.after
    awards, suppliers = [], {}
    for share in award["shares"]:
        candidate = share["candidate"]
        supplier = _org(candidate["vendor_id"], candidate["bidder_name"])
        suppliers[supplier["id"]] = supplier
        awards.append(
            {
                "id": award_id(award["id"], candidate["vendor_id"]),
                "status": _award_status(share),
                "date": share["created_at"],
                "value": _value(candidate["amount"]),
                "suppliers": [supplier],
                "items": [{"id": line["line_id"], "quantity": float(line["quantity"])} for line in share["lines"]],
                "relatedBid": candidate["bid_id"],
            }
        )
    return {"awards": awards, "_suppliers": list(suppliers.values())}


def _award_status(share: dict) -> str:
    """A firm award is in force with its notice (R-9a); a conditional one once accepted (R-8c)."""
    return "pending" if share["conditional"] and share["status"] not in ("accepted", "contracted") else "active"


def award_id(award: str, vendor_id: str) -> str:
    """An invitation's award is one OCDS award per supplier given a share."""
    return f"{award}-{vendor_id}"


def _contract(event: Event, **_) -> dict:
    contract = event.after
    total = sum((Decimal(str(line["unit_price"])) * Decimal(str(line["quantity"])) for line in contract["lines"]), Decimal(0))
    entry: dict[str, Any] = {
        "id": contract["id"],
        "awardID": _award_of(contract.get("award_id"), contract.get("rfp_id"), contract["contractor_id"]),
        "status": "active" if contract["status"] == "active" else "terminated",
        "dateSigned": contract["created_at"],
        "value": _value(total),
        "items": [
            {
                "id": line["line_id"],
                "description": line["description"],
                "quantity": float(line["quantity"]),
                "unit": {"name": line["unit"], "value": _value(line["unit_price"])},
            }
            for line in contract["lines"]
        ],
    }
    if contract.get("term_start") and contract.get("term_end"):
        entry["period"] = {"startDate": _day_starts(contract["term_start"]), "endDate": _day_ends(contract["term_end"])}
    supplier = _org(contract["contractor_id"], contract["contractor_name"])
    return {"contracts": [entry], "_suppliers": [supplier]}


def _award_of(award: str | None, rfp: str | None, contractor_id: str) -> str:
    return award_id(award, contractor_id) if award else rfp_award_id(rfp or "")


def rfp_award_id(rfp: str) -> str:
    return f"{rfp}-award"


def _order(event: Event, *, contract: Contract, **_) -> dict:
    order = event.after
    total = sum((Decimal(str(line["unit_price"])) * Decimal(str(line["quantity"])) for line in order["lines"]), Decimal(0))
    milestone = {
        "id": order["id"],
        "title": f"Purchase order {order['id']}",
        "type": "delivery",
        "description": f"Order of {_value(total)['amount']:.2f} {CURRENCY} under contract {contract.id}",
        "dueDate": _day_ends(order["deliver_by"]),
        "dateModified": _instant(event.at),
        "status": "scheduled",
    }
    return {"contracts": [_implementation(contract, {"milestones": [milestone]})]}


def _payment(event: Event, *, contract: Contract, **_) -> dict:
    invoice = event.after
    payments = invoice.get("payments", [])
    transactions = [
        {
            "id": f"{invoice['id']}-{n}",
            "date": payment["paid_at"],
            "value": _value(Decimal(str(payment["amount"])) - Decimal(str(payment.get("discount", 0)))),
            "payer": _org(contract.agency, contract.agency),
            "payee": _org(contract.contractor_id, contract.contractor_name),
        }
        for n, payment in enumerate(payments, start=1)
    ]
    return {"contracts": [_implementation(contract, {"transactions": transactions})]}


def _implementation(contract: Contract, implementation: dict) -> dict:
    return {
        "id": contract.id,
        "awardID": _award_of(contract.award_id, contract.rfp_id, contract.contractor_id),
        "implementation": implementation,
    }


def _rfp(event: Event, *, supplier_name: str | None, **_) -> dict:
    rfp = event.after
    due = [a["proposals_due"] for a in rfp.get("addenda", []) if a.get("proposals_due")]
    tender = {
        "id": rfp["id"],
        "title": rfp["title"],
        "description": rfp["scope"],
        "status": "complete" if rfp["status"] == "awarded" else "cancelled" if rfp["status"] == "cancelled" else "active",
        "procurementMethod": "selective",
        "procurementMethodDetails": RFP_METHOD,
        "procuringEntity": _org(rfp["agency"], rfp["agency"]),
        "tenderPeriod": {"startDate": rfp["published_at"], "endDate": due[-1] if due else rfp["proposals_due"]},
        "awardCriteriaDetails": ", ".join(f"{f['name']} ({f['weight']})" for f in rfp["evaluation_factors"]),
        "amendments": [
            {"id": str(a["number"]), "date": a["issued_at"], "description": a["text"]} for a in rfp.get("addenda", [])
        ],
    }
    sections: dict[str, Any] = {"tender": tender}
    if rfp.get("awarded_at") and rfp.get("awarded_vendor_id"):  # R-16m: the award and its price are public
        supplier = _org(rfp["awarded_vendor_id"], supplier_name or rfp["awarded_vendor_id"])
        sections["awards"] = [
            {
                "id": rfp_award_id(rfp["id"]),
                "status": "active",
                "date": rfp["awarded_at"],
                "value": _value(rfp["award_price"]),
                "suppliers": [supplier],
            }
        ]
        sections["_suppliers"] = [supplier]
    return sections


def _plan(event: Event, **_) -> dict:
    plan = event.after
    schedule = plan.get("procurement_schedule") or []
    return {
        "planning": {
            "rationale": f"Procurement plan of {plan['agency']} for {plan['period']} (OPM-2)",
            "milestones": [
                {
                    "id": service["service_id"],
                    "title": service["description"],
                    "type": "preProcurement",
                    "status": "scheduled",
                    **(
                        {"dueDate": _day_starts(service["competitive_procurement_date"])}
                        if service.get("competitive_procurement_date")
                        else {}
                    ),
                }
                for service in schedule
            ],
        }
    }


def _plan_amendment(event: Event, **_) -> dict:
    amendment = event.after
    return {"planning": {"rationale": f"Amendment {amendment['id']} of procurement plan {amendment['plan_id']} (OPM-6)"}}


_SECTIONS: dict[str, Callable[..., dict]] = {
    "solicitation": _solicitation,
    "award": _award,
    "contract": _contract,
    "purchase_order": _order,
    "invoice": _payment,
    "rfp": _rfp,
    "plan": _plan,
    "plan_amendment": _plan_amendment,
}
