"""Requests for proposals over HTTP on the in-process stack: the draft refused without its factors (R-16a, R-18a/b),
the conference before the due date (R-16b), the public notice emailed to the vendors of the commodity (R-4), addenda
and cancellation before the due date only, drafts hidden from the public, and the list paged past one page."""

import datetime as dt

import pytest

from chalicelib import bootstrap
from chalicelib.domain.vendors import Vendor, VendorStatus
from chalicelib.services.ports import Actor, Role
from chalicelib.services.vendors import vendor_changes
from local.fein import fein_for

DUE = "2026-04-15T14:00:00-04:00"
FACTORS = [
    {"name": name, "weight": weight}
    for name, weight in [
        ("plan_of_performance", "25"),
        ("ability", "15"),
        ("personnel_equipment_facilities", "10"),
        ("past_performance", "15"),
        ("price", "30"),
        ("financial_responsibility", "5"),
    ]
]
BODY: dict = {
    "title": "Case management system",
    "agency": "DSS",
    "commodity_codes": ["20800"],
    "scope": "Configure, host and support a case management system for 1,200 caseworkers.",
    "proposals_due": DUE,
    "evaluation_factors": FACTORS,
    "conference": {"at": "2026-03-25T10:00:00-04:00", "location": "450 Columbus Blvd, Hartford", "mandatory": True},
}


@pytest.fixture
def purchasing(api):
    return api.as_purchasing()


@pytest.fixture
def vendor_of_the_commodity(stack):
    """An active vendor of NIGP class 208, stored as its confirmation stores it."""
    deps = bootstrap.deps()
    org = "acme"
    vendor = Vendor(
        id="V-acme",
        org=org,
        legal_name="Acme Systems LLC",
        fein=fein_for(org).replace("-", ""),
        contact_email="proposals@acme.example",
        commodity_codes=("208",),
        registered_at=deps.clock.now(),
        confirmation_code="1",
        status=VendorStatus.ACTIVE,
    )
    deps.store.commit(Actor(org, Role.VENDOR, org), deps.clock.now(), vendor_changes(deps, "vendor.registered", vendor))
    return vendor.contact_email


def drafted(purchasing, **changes) -> dict:
    reply = purchasing.post("/rfps", json={**BODY, **changes})
    assert reply.status == 201, reply.json
    return reply.json


def published(purchasing, **changes) -> dict:
    reply = purchasing.post(f"/rfps/{drafted(purchasing, **changes)['id']}/publish")
    assert reply.status == 200, reply.json
    return reply.json


def mails_to(stack, address: str) -> list[dict]:
    return [m for m in stack.outbox() if m["to"] == [address]]


@pytest.mark.rule("R-16a")
def test_a_draft_without_the_r16a_factors_is_refused_with_400_naming_them_and_the_rule(purchasing):
    # Given the factors without plan_of_performance and ability / When purchasing drafts / Then 400 names both and R-16a
    factors = [f for f in FACTORS if f["name"] not in ("plan_of_performance", "ability")]
    reply = purchasing.post("/rfps", json={**BODY, "evaluation_factors": factors})
    assert reply.status == 400 and reply.json["rule"] == "R-16a"
    assert [d["problem"] for d in reply.json["details"]] == [
        "must include 'plan_of_performance' (R-16a)",
        "must include 'ability' (R-16a)",
    ]
    assert purchasing.get("/rfps?status=draft").json["items"] == []


@pytest.mark.rule("R-18a/b")
def test_a_draft_without_financial_responsibility_is_refused_under_r18(purchasing):
    reply = purchasing.post("/rfps", json={**BODY, "evaluation_factors": FACTORS[:-1]})
    assert reply.status == 400 and reply.json["rule"] == "R-18a/b"
    assert reply.json["details"][0]["problem"] == "must include 'financial_responsibility' (R-18a/b)"


@pytest.mark.rule("R-16b")
def test_a_conference_on_the_due_date_is_refused(purchasing):
    conference = {**BODY["conference"], "at": "2026-04-15T00:00:00-04:00"}
    reply = purchasing.post("/rfps", json={**BODY, "conference": conference})
    assert reply.status == 400 and reply.json["rule"] == "R-16b"


def test_a_vendor_may_not_draft(api):
    assert api.as_vendor("acme").post("/rfps", json=BODY).status == 403


@pytest.mark.rule("R-4")
def test_a_draft_is_hidden_from_the_public_and_vendors_until_published(api, purchasing):
    # Given a draft / Then purchasing reads it, the public and a vendor get 404 and no draft in the list
    rfp = drafted(purchasing)
    assert purchasing.get(f"/rfps/{rfp['id']}").json["status"] == "draft"
    assert api.get(f"/rfps/{rfp['id']}").status == 404
    assert api.as_vendor("acme").get(f"/rfps/{rfp['id']}").status == 404
    assert api.get("/rfps?status=draft").json["items"] == []
    # When it is published / Then the public reads it
    purchasing.post(f"/rfps/{rfp['id']}/publish")
    public = api.get(f"/rfps/{rfp['id']}").json
    assert public["status"] == "open" and public["conference"]["mandatory"] is True
    assert public["proposals_due"] == DUE and public["negotiation_notice_days"] == 3


@pytest.mark.rule("R-4")
def test_publication_emails_the_notice_to_the_vendors_of_the_commodity(purchasing, stack, clock, vendor_of_the_commodity):
    # Given an active vendor of class 208 / When a request of item 20800 is published and the outbox worker runs
    rfp = published(purchasing)
    clock.advance(minutes=2)
    # Then the vendor has the notice with the due date, the factors and the conference
    (notice,) = mails_to(stack, vendor_of_the_commodity)
    assert (
        notice["subject"]
        == f"Request for proposals {rfp['id']}: Case management system, proposals due Wednesday, April 15, 2026, 2:00 PM EDT"
    )
    assert "Plan of performance: 25" in notice["text"] and "Attendance is mandatory." in notice["text"]


@pytest.mark.rule("R-16c")
def test_an_addendum_postpones_the_due_date_and_is_emailed(purchasing, stack, clock, vendor_of_the_commodity):
    # Given a published request / When purchasing issues an addendum with a later due date
    rfp = published(purchasing)
    reply = purchasing.post(
        f"/rfps/{rfp['id']}/addenda", json={"text": "Also 300 eligibility workers.", "proposals_due": "2026-04-29T14:00:00-04:00"}
    )
    # Then the request is due then and the vendor is told
    assert reply.status == 201, reply.json
    assert reply.json["proposals_due"] == "2026-04-29T14:00:00-04:00" and reply.json["addenda"][0]["number"] == 1
    clock.advance(minutes=2)
    assert [m["subject"] for m in mails_to(stack, vendor_of_the_commodity)][-1].startswith(
        f"Addendum 1 to request for proposals {rfp['id']}"
    )


@pytest.mark.rule("R-16c")
def test_an_addendum_one_second_before_the_due_date_is_issued_and_at_the_due_instant_refused(purchasing, clock):
    # Given a published request
    rfp = published(purchasing)
    due = dt.datetime.fromisoformat(DUE)
    # When an addendum comes at the last second before the due date / Then it is issued
    clock.advance(to=due - dt.timedelta(seconds=1))
    assert purchasing.post(f"/rfps/{rfp['id']}/addenda", json={"text": "Last clarification."}).status == 201
    # When another comes at the due instant / Then 409 names the due date and the rule
    clock.advance(to=due)
    late = purchasing.post(f"/rfps/{rfp['id']}/addenda", json={"text": "Too late."})
    assert late.status == 409 and late.json["Code"] == "ProposalsClosed" and late.json["rule"] == "R-16c"


@pytest.mark.rule("R-16c")
def test_cancellation_is_emailed_before_the_due_date_and_refused_at_it(purchasing, stack, clock, vendor_of_the_commodity):
    # Given two published requests
    first, second = published(purchasing), published(purchasing)
    # When the first is cancelled before the due date / Then it is cancelled and the vendor told the reason
    reply = purchasing.post(f"/rfps/{first['id']}/cancel", json={"reason": "Need met by a multistate contract."})
    assert reply.status == 200 and reply.json["status"] == "cancelled"
    clock.advance(minutes=2)
    assert any("Reason: Need met by a multistate contract." in m["text"] for m in mails_to(stack, vendor_of_the_commodity))
    # When the second is cancelled at the due instant / Then 409
    clock.advance(to=dt.datetime.fromisoformat(DUE))
    assert purchasing.post(f"/rfps/{second['id']}/cancel", json={"reason": "Late."}).status == 409


@pytest.mark.rule("R-4")
def test_the_public_list_pages_past_one_page_in_due_date_order(api, purchasing):
    # Given three open requests due a day apart, published latest first
    ids = [published(purchasing, proposals_due=f"2026-04-{day}T14:00:00-04:00")["id"] for day in (17, 16, 15)]
    # When the public reads them two at a time
    first = api.get("/rfps?limit=2").json
    second = api.get(f"/rfps?limit=2&cursor={first['next']}").json
    # Then the pages hold all three by due date, and the last page ends the list
    assert [r["id"] for r in first["items"] + second["items"]] == list(reversed(ids)) and second["next"] is None


@pytest.mark.rule("R-4")
def test_a_cancelled_request_is_listed_under_cancelled(api, purchasing):
    rfp = published(purchasing)
    purchasing.post(f"/rfps/{rfp['id']}/cancel", json={"reason": "No longer needed."})
    assert [r["id"] for r in api.get("/rfps?status=cancelled").json["items"]] == [rfp["id"]]
    assert api.get("/rfps").json["items"] == []
