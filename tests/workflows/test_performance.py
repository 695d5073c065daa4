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
    order = agency.post(
        f"/contracts/{contract.id}/orders",
        json={"lines": [{"line_id": "1", "quantity": "100"}], "deliver_by": "2026-03-13", "contact_email": AGENCY_EMAIL},
    )
    assert order.status == 201, order.json
    assert order.json["status"] == "awaiting_comptroller_approval"
    approved = purchasing.post(f"/orders/{order.json['id']}/comptroller-approval", json={"approval_reference": "OSC-2026-0042"})
    assert approved.status == 200, approved.json
    assert stack.outbox()[-1]["subject"] == f"Purchase order {order.json['id']} under contract {contract.id}"

    # delivery, part rejected; nobody removes it: abandoned after 48 hours
    clock.advance(to=at_local("2026-03-03"))
    first = agency.post(f"/orders/{order.json['id']}/deliveries", json={"lines": [{"line_id": "1", "quantity": "100"}]})
    assert first.status == 201, first.json
    inspected = agency.post(
        f"/deliveries/{first.json['id']}/inspection",
        json={"lines": [{"line_id": "1", "accepted": "90", "rejected": "10"}], "reason": "water damage"},
    )
    assert inspected.status == 200, inspected.json
    assert inspected.json["rejected_goods"] == "awaiting_removal"
    assert stack.outbox()[-1]["to"] == [CONTRACTOR_EMAIL]
    clock.advance(hours=47, minutes=59)
    assert api.as_("agency", AGENCY).get(f"/deliveries/{first.json['id']}").json["rejected_goods"] == "awaiting_removal"
    clock.advance(minutes=1)
    assert agency.get(f"/deliveries/{first.json['id']}").json["rejected_goods"] == "abandoned"

    # replacement delivery accepted
    clock.advance(to=at_local("2026-03-10"))
    replacement = agency.post(
        f"/orders/{order.json['id']}/deliveries",
        json={"lines": [{"line_id": "1", "quantity": "10"}], "replaces": first.json["id"]},
    )
    assert replacement.status == 201, replacement.json
    assert (
        agency.post(
            f"/deliveries/{replacement.json['id']}/inspection", json={"lines": [{"line_id": "1", "accepted": "10"}]}
        ).status
        == 200
    )

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
    assert subjects == [
        f"Payment due in 10 days: invoice {invoice.json['id']}",
        f"Payment due in 3 days: invoice {invoice.json['id']}",
        f"Payment overdue: invoice {invoice.json['id']}",
    ]
    overdue = agency.get(f"/payments?agency={AGENCY}&status=overdue").json["items"]
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
def test_only_purchasing_amends_a_contract_over_http_and_it_binds_when_the_contractor_accepts(api, contract):
    body = {"lines": [{"line_id": "1", "quantity": "150"}], "reason": "second warehouse"}
    refused = api.as_("agency", AGENCY).post(f"/contracts/{contract.id}/amendments", json=body)
    assert refused.status == 403 and refused.json["rule"] == "R-9c"
    signed = api.as_purchasing().post(f"/contracts/{contract.id}/amendments", json=body)
    assert signed.status == 201 and (signed.json["number"], signed.json["status"]) == (1, "awaiting_acceptance")
    assert api.as_purchasing().get(f"/contracts/{contract.id}").json["lines"][0]["quantity"] == "100"
    accepted = api.as_vendor(CONTRACTOR).post(
        f"/contracts/{contract.id}/amendments/{signed.json['id']}/decision", json={"accept": True}
    )
    assert accepted.status == 200 and accepted.json["status"] == "accepted", accepted.json
    assert api.as_purchasing().get(f"/contracts/{contract.id}").json["lines"][0]["quantity"] == "150"
    assert [a["number"] for a in api.as_vendor(CONTRACTOR).get(f"/contracts/{contract.id}/amendments").json["items"]] == [1]


@pytest.mark.rule("R-9c")
def test_each_amendment_over_http_shows_the_contracts_lines_before_and_after_it_though_it_keeps_only_those_it_changes(
    api, contract
):
    purchasing, vendor = api.as_purchasing(), api.as_vendor(CONTRACTOR)
    original = [(x["line_id"], x["quantity"], x["unit_price"]) for x in purchasing.get(f"/contracts/{contract.id}").json["lines"]]
    (one, q1, p1), (two, q2, p2) = original[:2]

    def amend(change: dict, accept: bool) -> None:
        signed = purchasing.post(f"/contracts/{contract.id}/amendments", json={"lines": [change], "reason": "more"})
        assert signed.status == 201, signed.json
        path = f"/contracts/{contract.id}/amendments/{signed.json['id']}/decision"
        assert vendor.post(path, json={"accept": accept, "reason": "" if accept else "no"}).status == 200

    # Given line 1 raised to 150 (accepted), line 2's price cut to 1.00 (accepted), line 1 to 160 (refused)
    amend({"line_id": one, "quantity": "150"}, True)
    amend({"line_id": two, "unit_price": "1.00"}, True)
    amend({"line_id": one, "quantity": "160"}, False)
    # When the contractor lists the amendments
    items = vendor.get(f"/contracts/{contract.id}/amendments").json["items"]

    # Then each shows every line of the contract as it was before it and as it makes it, rebuilt from the contract
    def terms(lines: list[dict]) -> list[tuple]:
        return [(x["line_id"], x["quantity"], x["unit_price"]) for x in lines[:2]]

    assert [(terms(a["lines_before"]), terms(a["lines_after"])) for a in items] == [
        ([(one, q1, p1), (two, q2, p2)], [(one, "150", p1), (two, q2, p2)]),
        ([(one, "150", p1), (two, q2, p2)], [(one, "150", p1), (two, q2, "1.00")]),
        ([(one, "150", p1), (two, q2, "1.00")], [(one, "160", p1), (two, q2, "1.00")]),
    ]
    assert all(len(a["lines_before"]) == len(original) == len(a["lines_after"]) for a in items)


ORDER_80 = {
    "lines": [{"line_id": "1", "quantity": "80"}, {"line_id": "2", "quantity": "20"}],
    "deliver_by": "2026-04-10",
    "contact_email": AGENCY_EMAIL,
}


def shortfall_mails(stack, contract):
    return [m for m in stack.outbox() if m["subject"] == f"Contract {contract.id}: orders below 90% at the end of the term"]


@pytest.mark.rule("R-9a")
@pytest.mark.rule("R-9d/e")
def test_a_term_ending_with_orders_below_ninety_percent_is_reported_at_its_first_second_after(api, clock, stack, contract):
    agency, purchasing = api.as_("agency", AGENCY), api.as_purchasing()
    # Given a term from 2 to 31 March and 80 of 100 cases of line 1 ordered
    term = purchasing.post(f"/contracts/{contract.id}/term", json={"start": "2026-03-02", "end": "2026-03-31"})
    assert term.status == 200, term.json
    assert term.json["ordering_ends_at"] == "2026-04-01T00:00:00-04:00"
    assert agency.post(f"/contracts/{contract.id}/orders", json=ORDER_80).status == 201
    # When the clock reaches the last second of 31 March; Then nothing is reported yet and orders are still taken
    clock.advance(to=at_local("2026-03-31", 23).replace(minute=59, second=59))
    assert agency.get(f"/contracts/{contract.id}/term-reports").json["items"] == [] and shortfall_mails(stack, contract) == []
    # When the term is over (00:00:00 on 1 April)
    clock.advance(seconds=1)
    # Then the shortfall is recorded and emailed to purchasing and the agency's contact, and no order is taken
    (report,) = agency.get(f"/contracts/{contract.id}/term-reports").json["items"]
    assert (report["term_end"], [(s["line_id"], s["ordered"]) for s in report["lines"]]) == ("2026-03-31", [("1", "80")])
    (mail,) = shortfall_mails(stack, contract)
    assert mail["to"] == ["purchasing@example.gov", AGENCY_EMAIL]
    late = agency.post(f"/contracts/{contract.id}/orders", json={**ORDER_80, "lines": [{"line_id": "1", "quantity": "10"}]})
    assert late.status == 409 and late.json["rule"] == "R-9d/e"
    assert stack.execution("contract-term", f"contract-term-{contract.id}-2026-03-31")["status"] == "SUCCEEDED"


@pytest.mark.rule("R-9a")
@pytest.mark.rule("R-9c")
@pytest.mark.rule("R-9d/e")
def test_an_accepted_extension_moves_the_report_to_the_new_end_of_the_term(api, clock, stack, contract):
    agency, purchasing, vendor = api.as_("agency", AGENCY), api.as_purchasing(), api.as_vendor(CONTRACTOR)
    # Given a term to 31 March, 80% ordered, and an extension to 30 April the contractor accepts
    purchasing.post(f"/contracts/{contract.id}/term", json={"start": "2026-03-02", "end": "2026-03-31"})
    agency.post(f"/contracts/{contract.id}/orders", json=ORDER_80)
    amendment = purchasing.post(
        f"/contracts/{contract.id}/amendments", json={"term_end": "2026-04-30", "reason": "unordered balances"}
    )
    assert amendment.status == 201, amendment.json
    assert (
        vendor.post(f"/contracts/{contract.id}/amendments/{amendment.json['id']}/decision", json={"accept": True}).status == 200
    )
    # When 1 April comes; Then nothing is reported and the agency may still order
    clock.advance(to=at_local("2026-04-01", 9))
    assert shortfall_mails(stack, contract) == []
    assert (
        agency.post(f"/contracts/{contract.id}/orders", json={**ORDER_80, "lines": [{"line_id": "1", "quantity": "5"}]}).status
        == 201
    )
    # When the extended term is over; Then the shortfall (85 of 100) is reported once
    clock.advance(to=at_local("2026-05-01", 0))
    (mail,) = shortfall_mails(stack, contract)
    assert "Line 1: " in mail["text"] and "ordered 85 of 100" in mail["text"]
    assert [r["term_end"] for r in agency.get(f"/contracts/{contract.id}/term-reports").json["items"]] == ["2026-04-30"]


@pytest.mark.rule("R-9d/e")
def test_the_contractor_states_unordered_balances_purchasing_requested_before_the_end(api, clock, contract):
    purchasing, vendor = api.as_purchasing(), api.as_vendor(CONTRACTOR)
    purchasing.post(f"/contracts/{contract.id}/term", json={"start": "2026-03-02", "end": "2026-03-31"})
    requested = purchasing.post(f"/contracts/{contract.id}/unordered-balance-statements")
    assert requested.status == 201, requested.json
    stated = vendor.post(
        f"/unordered-balance-statements/{requested.json['id']}/statement",
        json={"lines": [{"line_id": "1", "unordered": "100"}, {"line_id": "2", "unordered": "20"}]},
    )
    assert stated.status == 200 and stated.json["stated_at"] is not None, stated.json
    clock.advance(to=at_local("2026-04-01", 0))
    late = purchasing.post(f"/contracts/{contract.id}/unordered-balance-statements")
    assert late.status == 409 and late.json["rule"] == "R-9d/e"


@pytest.mark.rule("R-9b")
def test_an_agency_not_named_orders_over_http_once_the_contractor_accepts_it(api, contract):
    dot, vendor = api.as_("agency", "DOT"), api.as_vendor(CONTRACTOR)
    order = {"lines": [{"line_id": "1", "quantity": "10"}], "deliver_by": "2026-03-13", "contact_email": "receiving@dot.example"}
    refused = dot.post(f"/contracts/{contract.id}/orders", json=order)
    assert refused.status == 403 and refused.json["rule"] == "R-9b"
    request = dot.post(f"/contracts/{contract.id}/ordering-agencies", json={})
    assert request.status == 201, request.json
    assert vendor.post(f"/ordering-agency-requests/{request.json['id']}/decision", json={"accept": True}).status == 200
    assert dot.get(f"/contracts/{contract.id}/term").json["ordering_agencies"] == [AGENCY, "DOT"]
    placed = dot.post(f"/contracts/{contract.id}/orders", json=order)
    assert placed.status == 201 and placed.json["agency"] == "DOT"


@pytest.mark.rule("R-11")
@pytest.mark.rule("R-12")
def test_the_contractor_asks_for_an_extension_and_purchasing_determines_the_adjusted_price(api, contract):
    agency, vendor, purchasing = api.as_("agency", AGENCY), api.as_vendor(CONTRACTOR), api.as_purchasing()
    order = agency.post(
        f"/contracts/{contract.id}/orders",
        json={"lines": [{"line_id": "1", "quantity": "10"}], "deliver_by": "2026-03-13", "contact_email": AGENCY_EMAIL},
    ).json
    purchasing.post(f"/orders/{order['id']}/comptroller-approval", json={"approval_reference": "OSC-5"})
    # the contractor asks, the agency approves
    asked = vendor.post(f"/orders/{order['id']}/delivery-extensions", json={"deliver_by": "2026-03-20", "reason": "mill strike"})
    assert asked.status == 201 and asked.json["effective_deliver_by"] == "2026-03-13", asked.json
    decided = agency.post(f"/orders/{order['id']}/delivery-extensions/decision", json={"approve": True})
    assert decided.status == 200 and decided.json["effective_deliver_by"] == "2026-03-20", decided.json
    # substandard goods: the agency proposes, purchasing determines
    delivery = agency.post(f"/orders/{order['id']}/deliveries", json={"lines": [{"line_id": "1", "quantity": "10"}]}).json
    inspected = agency.post(
        f"/deliveries/{delivery['id']}/inspection",
        json={"lines": [{"line_id": "1", "accepted": "10", "proposed_unit_price": "100.00"}]},
    )
    assert inspected.status == 200 and inspected.json["awaiting_price_determination"] is True, inspected.json
    refused = agency.post(
        f"/deliveries/{delivery['id']}/price-determination",
        json={"lines": [{"line_id": "1", "adjusted_unit_price": "100.00"}], "reason": "x"},
    )
    assert refused.status == 403
    determined = purchasing.post(
        f"/deliveries/{delivery['id']}/price-determination",
        json={"lines": [{"line_id": "1", "adjusted_unit_price": "110.00"}], "reason": "minor defect"},
    )
    assert determined.status == 200 and determined.json["lines"][0]["adjusted_unit_price"] == "110.00", determined.json


@pytest.mark.rule("R-14")
def test_the_contractor_gives_a_force_majeure_notice_the_agency_can_read(api, contract):
    given = api.as_vendor(CONTRACTOR).post(
        f"/contracts/{contract.id}/force-majeure-notices", json={"cause": "flood at the warehouse", "probable_duration_days": 7}
    )
    assert given.status == 201, given.json
    notices = api.as_("agency", AGENCY).get(f"/contracts/{contract.id}/force-majeure-notices").json["items"]
    assert [n["cause"] for n in notices] == ["flood at the warehouse"]


@pytest.mark.rule("R-9i")
@pytest.mark.rule("R-13d")
def test_an_open_market_purchase_after_a_late_delivery_is_set_off_against_the_invoice(api, clock, contract):
    agency, vendor = api.as_("agency", AGENCY), api.as_vendor(CONTRACTOR)
    order = agency.post(
        f"/contracts/{contract.id}/orders",
        json={
            "lines": [{"line_id": "1", "quantity": "100"}, {"line_id": "2", "quantity": "20"}],
            "deliver_by": "2026-03-06",
            "contact_email": AGENCY_EMAIL,
        },
    ).json
    api.as_purchasing().post(f"/orders/{order['id']}/comptroller-approval", json={"approval_reference": "OSC-3"})
    delivery = agency.post(f"/orders/{order['id']}/deliveries", json={"lines": [{"line_id": "1", "quantity": "100"}]}).json
    agency.post(f"/deliveries/{delivery['id']}/inspection", json={"lines": [{"line_id": "1", "accepted": "100"}]})
    invoice = vendor.post(f"/contracts/{contract.id}/invoices", json={"order_id": order["id"], "amount": "12345.67"}).json
    early = agency.post(
        f"/orders/{order['id']}/open-market-purchases",
        json={"line_id": "2", "quantity": "20", "cost": "1900.00", "reason": "toner not delivered"},
    )
    assert early.status == 409 and early.json["rule"] == "R-9i"
    clock.advance(to=at_local("2026-03-09"))
    bought = agency.post(
        f"/orders/{order['id']}/open-market-purchases",
        json={"line_id": "2", "quantity": "20", "cost": "1900.00", "reason": "toner not delivered"},
    )
    assert bought.status == 201, bought.json
    assert (bought.json["excess"], bought.json["set_off"]) == ("300.00", "300.00")
    assert agency.get(f"/invoices/{invoice['id']}").json["balance"] == "12045.67"
