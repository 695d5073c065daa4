"""Sole source procurement (R-15) over HTTP on the in-process stack: a request refused in reasonable doubt becomes a
draft invitation to bid of its need, linked both ways; a granted request's negotiated contract is ordered against and
listed on the public record; bad input is a 400 naming the field and the rule."""

import pytest

from chalicelib import bootstrap
from chalicelib.domain.vendors import Vendor, VendorStatus
from chalicelib.services.ports import Actor, Role
from chalicelib.services.vendors import vendor_changes
from local.fein import fein_for

REQUEST = {
    "title": "Chiller controller boards",
    "commodity_codes": ["03100"],
    "lines": [{"id": "1", "description": "Controller board CB-220", "quantity": "4", "unit": "each"}],
    "estimated_amount": "48500.00",
    "justification": "Only the manufacturer's boards are compatible with the installed controls.",
    "basis": "compatibility",
    "contractor_id": "V-chiller",
}
FACTORS = [
    {"name": "price", "weight": "70"},
    {"name": "past_performance", "weight": "20"},
    {"name": "financial_responsibility", "weight": "10"},
]


@pytest.fixture(autouse=True)
def contractor(stack):
    deps = bootstrap.deps()
    vendor = Vendor(
        id="V-chiller",
        org="chiller",
        legal_name="Northeast Chiller Service Co",
        fein=fein_for("chiller").replace("-", ""),
        contact_email="sales@chiller.example",
        commodity_codes=("031",),
        registered_at=deps.clock.now(),
        confirmation_code="1",
        status=VendorStatus.ACTIVE,
    )
    deps.store.commit(
        Actor("chiller", Role.VENDOR, "chiller"), deps.clock.now(), vendor_changes(deps, "vendor.registered", vendor)
    )


@pytest.fixture
def agency(api):
    return api.as_("agency", "DAS")


@pytest.fixture
def purchasing(api):
    return api.as_purchasing()


def requested(agency) -> dict:
    reply = agency.post("/sole-source-requests", json=REQUEST)
    assert reply.status == 201, reply.json
    return reply.json


@pytest.mark.rule("R-15")
def test_a_request_without_its_justification_is_a_400_naming_it_and_the_rule(agency):
    # Given a blank justification / When the agency asks / Then 400 names justification under R-15
    reply = agency.post("/sole-source-requests", json={**REQUEST, "justification": " "})
    assert reply.status == 400
    assert reply.json["rule"] == "R-15" and [d["field"] for d in reply.json["details"]] == ["justification"]


@pytest.mark.rule("R-15")
def test_a_request_refused_in_reasonable_doubt_becomes_a_draft_invitation_to_bid_linked_both_ways(agency, purchasing, stack):
    # Given an agency's request, of which purchasing was emailed
    request = requested(agency)
    assert any(m["to"] == ["purchasing@example.gov"] and request["id"] in m["subject"] for m in stack.outbox())
    # When purchasing refuses it with competition
    reply = purchasing.post(
        f"/sole-source-requests/{request['id']}/determination",
        json={
            "granted": False,
            "reason": "Two other firms service these controls.",
            "competition": True,
            "opening_at": "2026-04-15T14:00:00-04:00",
            "evaluation_factors": FACTORS,
        },
    )
    # Then the request is competed through a draft invitation to bid of its need, which names the request
    assert reply.status == 200, reply.json
    assert reply.json["status"] == "competed"
    invitation = purchasing.get(f"/solicitations/{reply.json['solicitation_id']}").json
    assert (invitation["status"], invitation["sole_source_id"], invitation["title"]) == ("draft", request["id"], REQUEST["title"])
    assert [line["description"] for line in invitation["lines"]] == ["Controller board CB-220"]
    # And the agency is told
    assert any(m["to"] == ["procurement.das@example.gov"] and "competed" in m["subject"] for m in stack.outbox())


@pytest.mark.rule("R-15")
def test_competition_without_the_opening_is_a_400_and_the_request_stays_undetermined(agency, purchasing):
    # Given a request / When purchasing refuses with competition but no opening / Then 400 names opening_at, unchanged
    request = requested(agency)
    reply = purchasing.post(
        f"/sole-source-requests/{request['id']}/determination", json={"granted": False, "reason": "doubt", "competition": True}
    )
    assert reply.status == 400 and reply.json["details"][0]["field"] == "opening_at"
    assert agency.get(f"/sole-source-requests/{request['id']}").json["status"] == "requested"


@pytest.mark.rule("R-15")
def test_a_granted_requests_contract_is_ordered_against_and_listed_publicly(agency, purchasing, api):
    # Given a request granted with its basis, scope and last day
    request = requested(agency)
    granted = purchasing.post(
        f"/sole-source-requests/{request['id']}/determination",
        json={
            "granted": True,
            "determination": "Only the manufacturer's boards fit the installed controls.",
            "scope": "Controller boards for the two Hartford chillers.",
            "effective_until": "2026-12-31",
        },
    )
    assert granted.status == 200 and granted.json["status"] == "granted"
    # When purchasing records the negotiated price and terms
    contracted = purchasing.post(
        f"/sole-source-requests/{request['id']}/contract",
        json={"price": "46200.00", "terms": "Delivery in 30 days; one-year warranty.", "contract_type": "fixed_price"},
    )
    assert contracted.status == 200, contracted.json
    contract_id = contracted.json["contract_id"]
    # Then the agency orders against the one-line contract
    order = agency.post(
        f"/contracts/{contract_id}/orders",
        json={"lines": [{"line_id": "1", "quantity": "1"}], "deliver_by": "2026-04-30", "contact_email": "buyer@das.example"},
    )
    assert order.status == 201, order.json
    # And anyone reads the record: contractor, amount and type, what was bought, contract file number
    (record,) = api.get("/registers/sole-source").json["items"]
    assert (record["contractor_name"], record["amount"], record["contract_type"], record["procured"], record["contract_id"]) == (
        "Northeast Chiller Service Co",
        "46200.00",
        "fixed_price",
        "Chiller controller boards",
        contract_id,
    )
    assert "justification" not in record


def contracted(agency, purchasing, n: int) -> str:
    """A request granted and contracted at a price of its own: its contract file number."""
    request = requested(agency)
    determination = {
        "granted": True,
        "determination": "Only the manufacturer's boards fit the installed controls.",
        "scope": "Controller boards for the two Hartford chillers.",
        "effective_until": "2026-12-31",
    }
    assert purchasing.post(f"/sole-source-requests/{request['id']}/determination", json=determination).status == 200
    price = {"price": f"{46200 + n}.00", "terms": "Delivery in 30 days.", "contract_type": "fixed_price"}
    reply = purchasing.post(f"/sole-source-requests/{request['id']}/contract", json=price)
    assert reply.status == 200, reply.json
    return reply.json["contract_id"]


@pytest.mark.rule("R-15")
def test_the_boards_register_page_shows_the_record_page_by_page_and_its_csv_the_same_page(agency, purchasing, api, monkeypatch):
    # Given three sole source contracts in the record and board pages of two records
    import html
    import re

    from chalicelib.board import views

    contracts = [contracted(agency, purchasing, n) for n in range(3)]
    monkeypatch.setattr(views, "BOARD_PAGE", 2)
    # When the public opens the registers page and follows the record's "next" link
    first = api.get("/board/registers").body.decode()
    (link,) = re.findall(r'href="(/board/registers\?register=sole-source&amp;page=[^"#]+)#sole-source">Next records', first)
    second = api.get(html.unescape(link)).body.decode()
    # Then the first page shows two contracts and the second the third, and the second page's CSV is that page
    on_first, on_second = [c for c in contracts if c in first], [c for c in contracts if c in second]
    assert len(on_first) == 2 and len(on_second) == 1 and set(on_first + on_second) == set(contracts)
    assert "Next records" not in second
    page = html.unescape(link).split("page=")[1]
    rows = api.get(f"/board/registers?format=csv&register=sole-source&page={page}").body.decode()
    assert [c for c in contracts if c in rows] == on_second
    # And the page's link is the sole source record's alone: on the emergency record it is a 400 page
    assert api.get(f"/board/registers?register=emergency&page={page}").status == 400
