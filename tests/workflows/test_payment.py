"""The invoice-payment state machine and the payment routes under virtual time (R-13a to R-13c), and bad
input answered with the rule's ID while nothing stored changes."""

import dataclasses
import datetime as dt

import pytest

from chalicelib import bootstrap
from chalicelib.domain.calendar import CT
from chalicelib.domain.contracts import ContractStatus
from chalicelib.services.ports import Actor, Change
from tests.performance_support import AGENCY, AGENCY_EMAIL, CONTRACTOR, CONTRACTOR_EMAIL, store_contract


def at_local(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=CT)


@pytest.fixture
def contract(stack):
    return store_contract(bootstrap.deps())


@pytest.fixture
def agency(api):
    return api.as_("agency", AGENCY)


@pytest.fixture
def vendor(api):
    return api.as_vendor(CONTRACTOR)


@pytest.fixture
def order(api, agency, contract):
    """100 cases ordered, approved, delivered and accepted on Monday 2 March."""
    placed = agency.post(
        f"/contracts/{contract.id}/orders",
        json={"lines": [{"line_id": "1", "quantity": "100"}], "deliver_by": "2026-03-13", "contact_email": AGENCY_EMAIL},
    ).json
    api.as_purchasing().post(f"/orders/{placed['id']}/comptroller-approval", json={"approval_reference": "OSC-1"})
    delivery = agency.post(f"/orders/{placed['id']}/deliveries", json={"lines": [{"line_id": "1", "quantity": "100"}]}).json
    agency.post(f"/deliveries/{delivery['id']}/inspection", json={"lines": [{"line_id": "1", "accepted": "100"}]})
    return placed


@pytest.fixture
def invoice(vendor, contract, order):
    """Invoiced on Monday 2 March: due Thursday 16 April."""
    reply = vendor.post(f"/contracts/{contract.id}/invoices", json={"order_id": order["id"], "amount": "1000.00"})
    assert reply.status == 201, reply.json
    return reply.json


def agency_mail(stack):
    return [m["subject"].split(":")[0] for m in stack.outbox() if m["to"] == [AGENCY_EMAIL]]


@pytest.mark.rule("R-13a")
def test_an_invoice_paid_before_the_due_date_gets_no_reminder_and_its_clock_ends(agency, clock, stack, invoice):
    assert invoice["due_date"] == "2026-04-16"
    clock.advance(days=10)
    assert agency.post(f"/invoices/{invoice['id']}/payments", json={"amount": "1000.00"}).json["interest_invoice"] is None
    clock.advance(days=60)
    assert agency_mail(stack) == []
    assert stack.execution("invoice-payment", f"invoice-{invoice['id']}")["status"] == "SUCCEEDED"


@pytest.mark.rule("R-13a")
def test_the_agency_is_reminded_10_and_3_days_before_the_due_date(clock, stack, invoice):
    clock.advance(to=at_local("2026-04-06", 8))
    assert agency_mail(stack) == []
    clock.advance(to=at_local("2026-04-06", 9))
    assert agency_mail(stack) == ["Payment due in 10 days"]
    clock.advance(to=at_local("2026-04-13", 9))
    assert agency_mail(stack) == ["Payment due in 10 days", "Payment due in 3 days"]


@pytest.mark.rule("R-13a")
def test_an_unpaid_invoice_turns_overdue_at_the_end_of_its_due_date(agency, clock, stack, invoice):
    clock.advance(to=at_local("2026-04-16", 23))
    assert agency.get(f"/payments?agency={AGENCY}&status=upcoming").json["items"][0]["id"] == invoice["id"]
    clock.advance(hours=1)
    assert agency.get(f"/payments?agency={AGENCY}&status=overdue").json["items"][0]["id"] == invoice["id"]
    assert agency.get(f"/payments?agency={AGENCY}&status=upcoming").json["items"] == []
    assert agency_mail(stack)[-1] == "Payment overdue"


@pytest.mark.rule("R-13a")
def test_the_contractor_sees_its_own_payments_and_not_an_agencys(api, vendor, invoice):
    assert [p["id"] for p in vendor.get("/payments?status=upcoming").json["items"]] == [invoice["id"]]
    reply = vendor.get(f"/payments?agency={AGENCY}&status=upcoming")
    assert reply.status == 403 and reply.json["rule"] == "R-13a"
    assert api.as_("agency", "DOT").get("/payments?status=upcoming").json["items"] == []


@pytest.mark.rule("R-13c")
def test_interest_compounds_at_each_30_day_period_while_unpaid(agency, clock, invoice):
    clock.advance(to=at_local("2026-06-16", 12))  # 61 days after the due date
    assert agency.get(f"/invoices/{invoice['id']}").json["status"] == "overdue"
    paid = agency.post(f"/invoices/{invoice['id']}/payments", json={"amount": "1000.00"}).json
    # 1000 x 1.01^2 x (1 + 0.01/30) - 1000 = 20.4367 -> 20.44
    assert paid["invoice"]["payments"][0]["days_late"] == 61
    assert paid["interest_invoice"]["amount"] == "20.44"


@pytest.mark.rule("R-13c")
def test_the_interest_invoice_is_emailed_to_the_contractor_and_has_its_own_45_day_clock(agency, clock, stack, invoice):
    clock.advance(to=at_local("2026-05-16"))
    paid = agency.post(f"/invoices/{invoice['id']}/payments", json={"amount": "1000.00"}).json
    interest = paid["interest_invoice"]
    assert interest["amount"] == "10.00" and interest["due_date"] == "2026-06-30"
    assert stack.outbox()[-1]["to"] == [CONTRACTOR_EMAIL] and stack.outbox()[-1]["subject"].startswith(
        f"Interest invoice {interest['id']}"
    )
    assert stack.execution("invoice-payment", f"invoice-{interest['id']}")["status"] == "RUNNING"


@pytest.mark.rule("R-13b")
def test_a_late_correction_moves_the_due_date_and_the_reminders_follow_it(agency, vendor, clock, stack, invoice):
    clock.advance(to=at_local("2026-03-05"))
    agency.post(f"/invoices/{invoice['id']}/defect-notice", json={"reason": "no purchase order number"})
    clock.advance(to=at_local("2026-03-20"))  # window closed on 12 March; the clock still waits for 6 April
    corrected = vendor.post(f"/invoices/{invoice['id']}/correction", json={}).json
    assert corrected["due_date"] == "2026-05-04"
    clock.advance(to=at_local("2026-04-24", 10))
    assert agency_mail(stack) == ["Payment due in 10 days"]
    assert stack.outbox()[-1]["text"].count("Monday, May 4, 2026") == 1


@pytest.mark.rule("R-13b")
def test_an_uncorrected_invoice_stops_its_clock_and_a_later_correction_starts_a_new_one(agency, vendor, clock, stack, invoice):
    agency.post(f"/invoices/{invoice['id']}/defect-notice", json={"reason": "no purchase order number"})
    clock.advance(to=at_local("2026-04-10"))
    assert stack.execution("invoice-payment", f"invoice-{invoice['id']}")["status"] == "SUCCEEDED"
    assert agency_mail(stack) == []  # no reminder for an invoice that is not proper
    corrected = vendor.post(f"/invoices/{invoice['id']}/correction", json={}).json
    assert corrected["due_date"] == "2026-05-25"
    clock.advance(to=at_local("2026-05-15", 10))
    assert agency_mail(stack) == ["Payment due in 10 days"]
    assert stack.execution("invoice-payment", f"invoice-{invoice['id']}-corrected")["status"] == "RUNNING"


@pytest.mark.rule("R-13a")
def test_a_payment_larger_than_due_is_refused_with_the_rule_and_nothing_changes(agency, invoice):
    before = agency.get(f"/invoices/{invoice['id']}").json
    reply = agency.post(f"/invoices/{invoice['id']}/payments", json={"amount": "1000.01"})
    assert reply.status == 400 and reply.json["rule"] == "R-13a" and reply.json["Code"] == "ValidationFailed"
    assert agency.get(f"/invoices/{invoice['id']}").json == before


@pytest.mark.rule("R-13b")
def test_a_day_12_defect_notice_is_recorded_and_cannot_delay_payment_beyond_the_shortened_period(
    agency, vendor, clock, stack, invoice
):
    # Given an invoice received on Monday 2 March; When the agency gives notice on 14 March (day 12, two days late)
    clock.advance(to=at_local("2026-03-14"))
    noticed = agency.post(f"/invoices/{invoice['id']}/defect-notice", json={"reason": "no purchase order number"})
    assert noticed.status == 200 and noticed.json["defect"]["days_late"] == 2
    # And the contractor corrects after its 5 business days, on 1 April
    clock.advance(to=at_local("2026-04-01"))
    corrected = vendor.post(f"/invoices/{invoice['id']}/correction", json={}).json
    # Then the corrected invoice is due 43 days later, on 14 May, and turns overdue at the first second of 15 May
    assert corrected["due_date"] == "2026-05-14"
    clock.advance(to=at_local("2026-05-14", 23))
    clock.advance(minutes=59, seconds=59)
    assert agency.get(f"/invoices/{invoice['id']}").json["status"] == "open"
    clock.advance(seconds=1)
    assert agency.get(f"/invoices/{invoice['id']}").json["status"] == "overdue"


@pytest.mark.rule("R-13a")
def test_an_invoice_sent_on_delivery_is_due_from_the_delivery_even_with_inspection_28_days_later(
    api, agency, vendor, clock, stack, contract
):
    # Given 100 cases delivered on Monday 2 March and invoiced the same day, before inspection
    placed = agency.post(
        f"/contracts/{contract.id}/orders",
        json={"lines": [{"line_id": "1", "quantity": "100"}], "deliver_by": "2026-03-13", "contact_email": AGENCY_EMAIL},
    ).json
    api.as_purchasing().post(f"/orders/{placed['id']}/comptroller-approval", json={"approval_reference": "OSC-1"})
    delivery = agency.post(f"/orders/{placed['id']}/deliveries", json={"lines": [{"line_id": "1", "quantity": "100"}]}).json
    reply = vendor.post(f"/contracts/{contract.id}/invoices", json={"order_id": placed["id"], "amount": "12345.67"})
    assert reply.status == 201, reply.json
    assert reply.json["due_date"] == "2026-04-16"
    # When inspection, 28 days later, rejects 10 cases
    clock.advance(days=28)
    inspected = agency.post(
        f"/deliveries/{delivery['id']}/inspection",
        json={"lines": [{"line_id": "1", "accepted": "90", "rejected": "10"}], "reason": "torn"},
    )
    assert inspected.status == 200, inspected.json
    # Then the due date still runs from the delivery: the clock reminds the agency 10 days before 16 April
    clock.advance(to=at_local("2026-04-06", 9))
    assert agency_mail(stack) == ["Payment due in 10 days"]
    # And the rejected cases are not due: the invoice carries the accepted 90 only
    invoice = agency.get(f"/invoices/{reply.json['id']}").json
    assert (invoice["due_date"], invoice["not_due"], invoice["balance"]) == ("2026-04-16", "1234.57", "11111.10")


@pytest.mark.rule("R-13a")
def test_a_withholding_released_after_the_due_date_is_due_that_day_and_paid_closes_the_invoice(agency, clock, stack, invoice):
    # Given the whole invoice withheld for non-performance before its due date of 16 April
    clock.advance(to=at_local("2026-04-10"))
    withheld = agency.post(f"/invoices/{invoice['id']}/withholdings", json={"amount": "1000.00", "reason": "cases short"})
    assert withheld.status == 200 and withheld.json["status"] == "withheld"
    # Then it never turns overdue on a zero balance, and its clock ends
    clock.advance(to=at_local("2026-04-20"))
    assert agency.get(f"/invoices/{invoice['id']}").json["status"] == "withheld"
    assert "Payment overdue" not in agency_mail(stack)
    assert stack.execution("invoice-payment", f"invoice-{invoice['id']}")["status"] == "SUCCEEDED"
    # When the withholding is released on 20 April
    released = agency.post(f"/invoices/{invoice['id']}/withholding-releases", json={"number": 1})
    assert released.status == 200, released.json
    assert (released.json["status"], released.json["withholdings"][0]["released_due_date"]) == ("open", "2026-04-20")
    # Then the released amount is due that day: overdue from the first second of 21 April
    clock.advance(to=at_local("2026-04-21", 0))
    assert agency.get(f"/invoices/{invoice['id']}").json["status"] == "overdue"
    # And paid on 23 April it closes the invoice, with interest for 3 days on 1000.00 (1.00)
    clock.advance(to=at_local("2026-04-23"))
    paid = agency.post(f"/invoices/{invoice['id']}/payments", json={"amount": "1000.00"}).json
    assert (paid["invoice"]["status"], paid["invoice"]["payments"][0]["days_late"], paid["interest_invoice"]["amount"]) == (
        "paid",
        3,
        "1.00",
    )
    clock.advance(days=30)  # the clock ends at its next wake
    assert stack.execution("invoice-payment", f"invoice-{invoice['id']}-released-1")["status"] == "SUCCEEDED"


@pytest.mark.rule("R-13a")
def test_a_withholding_on_the_due_date_is_refused_with_the_rule_and_nothing_changes(agency, clock, invoice):
    clock.advance(to=at_local("2026-04-16", 0))
    before = agency.get(f"/invoices/{invoice['id']}").json
    reply = agency.post(f"/invoices/{invoice['id']}/withholdings", json={"amount": "10.00", "reason": "cases short"})
    assert reply.status == 409 and reply.json["rule"] == "R-13a" and "2026-04-15" in reply.json["Message"]
    assert agency.get(f"/invoices/{invoice['id']}").json == before


@pytest.mark.rule("R-13a")
def test_a_solicitation_payment_term_below_one_day_is_refused_with_the_field(api):
    reply = api.as_purchasing().post("/solicitations", json={"payment_days": 0})
    assert reply.status == 400 and any(d["field"] == "payment_days" for d in reply.json["details"])


@pytest.mark.rule("R-9h")
def test_an_invoice_on_a_cancelled_contract_is_refused_with_the_rule_and_nothing_changes(vendor, contract, order):
    store = bootstrap.deps().store
    current = store.get(type(contract), contract.id)
    store.commit(
        Actor.system("test"),
        bootstrap.deps().clock.now(),
        [
            Change(
                action="contract.cancelled", after=dataclasses.replace(current, status=ContractStatus.CANCELLED), before=current
            )
        ],
    )
    reply = vendor.post(f"/contracts/{contract.id}/invoices", json={"order_id": order["id"], "amount": "10.00"})
    assert reply.status == 409 and reply.json["rule"] == "R-9h"
    assert vendor.get("/payments?status=upcoming").json["items"] == []


@pytest.mark.rule("R-9a")
def test_a_negative_quantity_is_refused_with_the_rule_and_nothing_changes(agency, contract):
    reply = agency.post(
        f"/contracts/{contract.id}/orders",
        json={"lines": [{"line_id": "1", "quantity": "-5"}], "deliver_by": "2026-03-13", "contact_email": AGENCY_EMAIL},
    )
    assert reply.status == 400 and reply.json["rule"] == "R-9a"
    assert reply.json["details"] == [{"field": "lines[0].quantity", "problem": "must be greater than 0", "type": "value_error"}]
    assert agency.get(f"/contracts/{contract.id}/orders").json["items"] == []


@pytest.mark.rule("R-9a")
def test_an_order_beyond_ten_percent_of_the_contract_is_refused_over_http(agency, contract):
    reply = agency.post(
        f"/contracts/{contract.id}/orders",
        json={"lines": [{"line_id": "2", "quantity": "23"}], "deliver_by": "2026-03-13", "contact_email": AGENCY_EMAIL},
    )
    assert reply.status == 400 and reply.json["rule"] == "R-9a" and "22.00" in reply.json["details"][0]["problem"]


@pytest.mark.rule("R-9k")
def test_a_contractor_cannot_place_an_order(vendor, contract):
    reply = vendor.post(
        f"/contracts/{contract.id}/orders",
        json={"lines": [{"line_id": "1", "quantity": "5"}], "deliver_by": "2026-03-13", "contact_email": AGENCY_EMAIL},
    )
    assert reply.status == 403


@pytest.mark.rule("R-9j")
def test_rejected_goods_removed_within_48_hours_are_not_abandoned(api, agency, clock, contract):
    placed = agency.post(
        f"/contracts/{contract.id}/orders",
        json={"lines": [{"line_id": "2", "quantity": "20"}], "deliver_by": "2026-03-13", "contact_email": AGENCY_EMAIL},
    ).json
    api.as_purchasing().post(f"/orders/{placed['id']}/comptroller-approval", json={"approval_reference": "OSC-2"})
    delivery = agency.post(f"/orders/{placed['id']}/deliveries", json={"lines": [{"line_id": "2", "quantity": "20"}]}).json
    agency.post(
        f"/deliveries/{delivery['id']}/inspection",
        json={"lines": [{"line_id": "2", "accepted": "15", "rejected": "5"}], "reason": "wrong model"},
    )
    clock.advance(hours=20)
    assert agency.post(f"/deliveries/{delivery['id']}/removal").json["rejected_goods"] == "removed"
    clock.advance(hours=30)
    assert agency.get(f"/deliveries/{delivery['id']}").json["rejected_goods"] == "removed"
