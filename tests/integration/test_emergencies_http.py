"""Emergency purchases (R-20) over HTTP on the in-process stack: one above $600 waits for purchasing's approval with
no contract, so nothing can be ordered and nothing is on the public record; approved, its contract is ordered against
and listed; one up to $600 approved by the agency head beforehand is made at once; bad input is a 400 with the rule."""

import pytest

from chalicelib import bootstrap
from chalicelib.domain.vendors import Vendor, VendorStatus
from chalicelib.services.ports import Actor, Role
from chalicelib.services.vendors import vendor_changes
from local.fein import fein_for

PURCHASE = {
    "threat": "A failed storm drain pump is flooding the Route 9 underpass.",
    "threatened": "health_or_safety",
    "why_not_normal": "The underpass must reopen tonight; a solicitation takes weeks.",
    "limited_to_need": "Two pumps for five days, until the repaired pump is back.",
    "quotations": [
        {"vendor": "Valley Pump Rental LLC", "amount": "2400.00"},
        {"vendor": "Shoreline Equipment Inc", "amount": "3100.00"},
    ],
    "contractor_id": "V-pumps",
    "selection_basis": "The lowest quotation, on site within two hours.",
    "contract_type": "fixed_price",
    "items": [
        {"description": "Trash pump, 6 inch, rental", "unit": "day", "quantity": "10", "unit_price": "220.00"},
        {"description": "Delivery and pickup", "unit": "each", "quantity": "1", "unit_price": "200.00"},
    ],
}
ORDER = {"lines": [{"line_id": "1", "quantity": "10"}], "deliver_by": "2026-03-31", "contact_email": "garage@dot.example"}


@pytest.fixture(autouse=True)
def contractor(stack):
    deps = bootstrap.deps()
    vendor = Vendor(
        id="V-pumps",
        org="pumps",
        legal_name="Valley Pump Rental LLC",
        fein=fein_for("pumps").replace("-", ""),
        contact_email="rentals@pumps.example",
        commodity_codes=("031",),
        registered_at=deps.clock.now(),
        confirmation_code="1",
        status=VendorStatus.ACTIVE,
    )
    deps.store.commit(Actor("pumps", Role.VENDOR, "pumps"), deps.clock.now(), vendor_changes(deps, "vendor.registered", vendor))


@pytest.fixture
def agency(api):
    return api.as_("agency", "DOT")


@pytest.fixture
def purchasing(api):
    return api.as_purchasing()


@pytest.mark.rule("R-20")
def test_a_record_without_any_competition_is_a_400_naming_it_and_the_rule(agency):
    # Given neither quotations nor a statement / When the agency records / Then 400 names competition_statement, R-20
    reply = agency.post("/emergency-purchases", json={**PURCHASE, "quotations": []})
    assert reply.status == 400
    assert reply.json["rule"] == "R-20" and [d["field"] for d in reply.json["details"]] == ["competition_statement"]
    assert agency.get("/registers/emergency").json["items"] == []


@pytest.mark.rule("R-20")
def test_an_emergency_above_600_dollars_waits_for_approval_and_nothing_is_ordered_until_it_is(agency, purchasing, api, stack):
    # Given an agency's emergency purchase of $2,400.00 with its head's approval
    body = {**PURCHASE, "head_approval": {"name": "Commissioner J. Ruiz", "approved_at": "2026-03-01T08:00:00-05:00"}}
    reply = agency.post("/emergency-purchases", json=body)
    # Then it awaits purchasing's approval, with no contract to order against, off the public record
    assert reply.status == 201, reply.json
    waiting = reply.json
    assert (waiting["status"], waiting["amount"], waiting["contract_id"]) == ("awaiting_approval", "2400.00", None)
    assert agency.get("/agencies/DOT/orders").json["items"] == []
    assert api.get("/registers/emergency").json["items"] == []
    # And purchasing is emailed to approve
    assert any(m["to"] == ["purchasing@example.gov"] and waiting["id"] in m["subject"] for m in stack.outbox())
    # When purchasing approves
    approved = purchasing.post(f"/emergency-purchases/{waiting['id']}/approve")
    assert approved.status == 200, approved.json
    assert approved.json["status"] == "approved"
    # Then the agency orders against its contract, and the record is public
    contract_id = approved.json["contract_id"]
    order = agency.post(f"/contracts/{contract_id}/orders", json=ORDER)
    assert order.status == 201, order.json
    (record,) = api.get("/registers/emergency").json["items"]
    assert (record["contractor_name"], record["amount"], record["contract_type"], record["contract_id"]) == (
        "Valley Pump Rental LLC",
        "2400.00",
        "fixed_price",
        contract_id,
    )
    assert [i["description"] for i in record["items"]] == ["Trash pump, 6 inch, rental", "Delivery and pickup"]
    assert "threat" not in record


@pytest.mark.rule("R-20")
def test_an_emergency_of_600_dollars_approved_by_the_head_beforehand_is_made_at_once(agency):
    # Given $600.00 with the agency head's prior approval / When recorded / Then approved with its contract
    body = {
        **PURCHASE,
        "items": [{"description": "Trash pump, 6 inch, rental", "unit": "day", "quantity": "3", "unit_price": "200.00"}],
        "head_approval": {"name": "Commissioner J. Ruiz", "approved_at": "2026-03-01T08:00:00-05:00"},
    }
    reply = agency.post("/emergency-purchases", json=body)
    assert reply.status == 201, reply.json
    assert (reply.json["status"], reply.json["approved_by"]) == ("approved", "Commissioner J. Ruiz")
    assert (
        agency.post(
            f"/contracts/{reply.json['contract_id']}/orders", json={**ORDER, "lines": [{"line_id": "1", "quantity": "3"}]}
        ).status
        == 201
    )


@pytest.mark.rule("R-20")
def test_a_denied_emergency_is_not_approved_afterwards(agency, purchasing):
    # Given a purchase above $600 denied by purchasing / When purchasing approves it / Then 409, still no contract
    waiting = agency.post("/emergency-purchases", json=PURCHASE).json
    denied = purchasing.post(f"/emergency-purchases/{waiting['id']}/deny", json={"reason": "A state pump is available."})
    assert denied.status == 200 and denied.json["status"] == "denied"
    assert purchasing.post(f"/emergency-purchases/{waiting['id']}/approve").status == 409
    assert agency.get(f"/emergency-purchases/{waiting['id']}").json["contract_id"] is None
