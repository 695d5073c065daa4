"""Contract performance end to end under virtual time: order, approval, delivery, rejection and abandonment,
replacement, a defective invoice corrected in time over Good Friday, late payment and its interest invoice."""

import datetime as dt

import pytest

from chalicelib import bootstrap
from tests.performance_support import AGENCY, AGENCY_EMAIL, CONTRACTOR, CONTRACTOR_EMAIL, store_contract

UTC = dt.UTC


def at_local(day: str, hour: int = 10) -> dt.datetime:
    from chalicelib.domain.calendar import CT

    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=CT)


@pytest.fixture
def contract(stack):
    return store_contract(bootstrap.deps())


@pytest.mark.rule("R-13c")
@pytest.mark.rule("R-13b")
@pytest.mark.rule("R-9j")
@pytest.mark.rule("R-9k")
def test_an_order_runs_from_approval_to_late_payment_and_its_interest_invoice(api, clock, stack, contract):
    agency, vendor, purchasing = api.as_("agency", AGENCY), api.as_vendor(CONTRACTOR), api.as_purchasing()

    # order -> Comptroller approval recorded by purchasing -> written order emailed to the contractor
    order = agency.post(f"/contracts/{contract.id}/orders", json={"lines": [{"line_id": "1", "quantity": "100"}], "deliver_by": "2026-03-13", "contact_email": AGENCY_EMAIL})
    assert order.status == 201, order.json
    assert order.json["status"] == "awaiting_comptroller_approval"
    approved = purchasing.post(f"/orders/{order.json['id']}/comptroller-approval", json={"approval_reference": "OSC-2026-0042"})
    assert approved.status == 200, approved.json
    assert stack.outbox()[-1]["subject"] == f"Purchase order {order.json['id']} under contract {contract.id}"

    # delivery, part rejected; nobody removes it: abandoned after 48 hours
    clock.advance(to=at_local("2026-03-03"))
    first = agency.post(f"/orders/{order.json['id']}/deliveries", json={"lines": [{"line_id": "1", "quantity": "100"}]})
    assert first.status == 201, first.json
    inspected = agency.post(f"/deliveries/{first.json['id']}/inspection", json={"lines": [{"line_id": "1", "accepted": "90", "rejected": "10"}], "reason": "water damage"})
    assert inspected.status == 200, inspected.json
    assert inspected.json["rejected_goods"] == "awaiting_removal"
    assert stack.outbox()[-1]["to"] == [CONTRACTOR_EMAIL]
    clock.advance(hours=47, minutes=59)
    assert api.as_("agency", AGENCY).get(f"/deliveries/{first.json['id']}").json["rejected_goods"] == "awaiting_removal"
    clock.advance(minutes=1)
    assert agency.get(f"/deliveries/{first.json['id']}").json["rejected_goods"] == "abandoned"

    # replacement delivery accepted
    clock.advance(to=at_local("2026-03-10"))
    replacement = agency.post(f"/orders/{order.json['id']}/deliveries", json={"lines": [{"line_id": "1", "quantity": "10"}], "replaces": first.json["id"]})
    assert replacement.status == 201, replacement.json
    assert agency.post(f"/deliveries/{replacement.json['id']}/inspection", json={"lines": [{"line_id": "1", "accepted": "10"}]}).status == 200

    # invoice received Tuesday 24 March: due 45 days later, 8 May
    clock.advance(to=at_local("2026-03-24"))
    invoice = vendor.post(f"/contracts/{contract.id}/invoices", json={"order_id": order.json["id"], "amount": "12345.67"})
    assert invoice.status == 201, invoice.json
    assert invoice.json["due_date"] == "2026-05-08"

    # defect notice on day 8; correction 4 business days later (Good Friday in between) keeps the due date
    clock.advance(to=at_local("2026-04-01"))
    noticed = agency.post(f"/invoices/{invoice.json['id']}/defect-notice", json={"reason": "purchase order number missing"})
    assert noticed.status == 200, noticed.json
    assert noticed.json["defect"]["correction_deadline"] == "2026-04-09"
    clock.advance(to=at_local("2026-04-08"))
    corrected = vendor.post(f"/invoices/{invoice.json['id']}/correction", json={})
    assert corrected.status == 200, corrected.json
    assert corrected.json["due_date"] == "2026-05-08"

    # reminders before the due date, overdue after it
    clock.advance(to=at_local("2026-05-09", 8))
    subjects = [m["subject"] for m in stack.outbox() if m["to"] == [AGENCY_EMAIL]]
    assert subjects == [f"Payment due in 10 days: invoice {invoice.json['id']}", f"Payment due in 3 days: invoice {invoice.json['id']}", f"Payment overdue: invoice {invoice.json['id']}"]
    overdue = agency.get(f"/payments?agency={AGENCY}&status=overdue").json["payments"]
    assert [p["id"] for p in overdue] == [invoice.json["id"]]

    # paid on day 70 (2 June), 25 days late: 12,345.67 x 1% x 25/30 = 102.8805... -> 102.88
    clock.advance(to=at_local("2026-06-02"))
    paid = agency.post(f"/invoices/{invoice.json['id']}/payments", json={"amount": "12345.67"})
    assert paid.status == 201, paid.json
    assert paid.json["invoice"]["status"] == "paid"
    assert paid.json["interest_invoice"]["amount"] == "102.88"
    assert paid.json["interest_invoice"]["kind"] == "interest"
    mail = stack.outbox()[-1]
    assert mail["to"] == [CONTRACTOR_EMAIL] and "102.88" in mail["text"]
    clock.advance(days=40)
    assert stack.execution("invoice-payment", f"invoice-{invoice.json['id']}")["status"] == "SUCCEEDED"


@pytest.mark.rule("R-9c")
def test_only_purchasing_amends_a_contract_over_http(api, contract):
    body = {"lines": [{"line_id": "1", "quantity": "150"}], "reason": "second warehouse"}
    refused = api.as_("agency", AGENCY).post(f"/contracts/{contract.id}/amendments", json=body)
    assert refused.status == 403 and refused.json["rule"] == "R-9c"
    signed = api.as_purchasing().post(f"/contracts/{contract.id}/amendments", json=body)
    assert signed.status == 201 and signed.json["number"] == 1
    assert [a["number"] for a in api.as_vendor(CONTRACTOR).get(f"/contracts/{contract.id}/amendments").json["amendments"]] == [1]


@pytest.mark.rule("R-14")
def test_the_contractor_gives_a_force_majeure_notice_the_agency_can_read(api, contract):
    given = api.as_vendor(CONTRACTOR).post(f"/contracts/{contract.id}/force-majeure-notices", json={"cause": "flood at the warehouse", "probable_duration_days": 7})
    assert given.status == 201, given.json
    notices = api.as_("agency", AGENCY).get(f"/contracts/{contract.id}/force-majeure-notices").json["notices"]
    assert [n["cause"] for n in notices] == ["flood at the warehouse"]


@pytest.mark.rule("R-9i")
@pytest.mark.rule("R-13d")
def test_an_open_market_purchase_after_a_late_delivery_is_set_off_against_the_invoice(api, clock, contract):
    agency, vendor = api.as_("agency", AGENCY), api.as_vendor(CONTRACTOR)
    order = agency.post(f"/contracts/{contract.id}/orders", json={"lines": [{"line_id": "1", "quantity": "100"}, {"line_id": "2", "quantity": "20"}], "deliver_by": "2026-03-06", "contact_email": AGENCY_EMAIL}).json
    api.as_purchasing().post(f"/orders/{order['id']}/comptroller-approval", json={"approval_reference": "OSC-3"})
    delivery = agency.post(f"/orders/{order['id']}/deliveries", json={"lines": [{"line_id": "1", "quantity": "100"}]}).json
    agency.post(f"/deliveries/{delivery['id']}/inspection", json={"lines": [{"line_id": "1", "accepted": "100"}]})
    invoice = vendor.post(f"/contracts/{contract.id}/invoices", json={"order_id": order["id"], "amount": "12345.67"}).json
    early = agency.post(f"/orders/{order['id']}/open-market-purchases", json={"line_id": "2", "quantity": "20", "cost": "1900.00", "reason": "toner not delivered"})
    assert early.status == 409 and early.json["rule"] == "R-9i"
    clock.advance(to=at_local("2026-03-09"))
    bought = agency.post(f"/orders/{order['id']}/open-market-purchases", json={"line_id": "2", "quantity": "20", "cost": "1900.00", "reason": "toner not delivered"})
    assert bought.status == 201, bought.json
    assert (bought.json["excess"], bought.json["set_off"]) == ("300.00", "300.00")
    assert agency.get(f"/invoices/{invoice['id']}").json["balance"] == "12045.67"
