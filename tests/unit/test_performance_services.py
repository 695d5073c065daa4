"""Performance and payment services with fakes: who may act, what is stored, emailed and started, and that
refused requests change nothing."""

import copy
import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from chalicelib import emails
from chalicelib.domain.contracts import ContractStatus
from chalicelib.domain.errors import Conflict, DeadlinePassed, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.invoices import InvoiceStatus
from chalicelib.domain.orders import LineInspection
from chalicelib.services import invoices, orders
from chalicelib.services.ports import Actor, Change, PageRequest, Role
from tests.performance_support import AGENCY, AGENCY_EMAIL, CONTRACTOR, CONTRACTOR_EMAIL, store_contract

D = Decimal
UTC = dt.UTC
AGENCY_USER = Actor("agency-user@DAS", Role.AGENCY, AGENCY)
OTHER_AGENCY = Actor("agency-user@DOT", Role.AGENCY, "DOT")
VENDOR = Actor("vendor-user@acme", Role.VENDOR, CONTRACTOR)
PURCHASING = Actor("buyer@DAS-BOP", Role.PURCHASING, "DAS-BOP")


def snapshot(deps):
    return copy.deepcopy(deps.store.items), len(deps.store.audit), len(deps.notifier.sent), len(deps.workflows.started)


@pytest.fixture
def contract(deps):
    return store_contract(deps)


@pytest.fixture
def approved_order(deps, contract):
    order = orders.place_order(
        deps, AGENCY_USER, contract.id, lines=[("1", D("100"))], deliver_by=dt.date(2026, 3, 13), contact_email=AGENCY_EMAIL
    )
    return orders.approve_order(deps, PURCHASING, order.id, "OSC-1")


@pytest.fixture
def accepted(deps, approved_order):
    delivery = orders.receive_delivery(deps, AGENCY_USER, approved_order.id, lines=[("1", D("100"))])
    return orders.inspect_delivery(deps, AGENCY_USER, delivery.id, results=[LineInspection("1", D("100"), D("0"))])


@pytest.fixture
def invoice(deps, contract, approved_order, accepted):
    deps.clock.advance(days=1)
    return invoices.submit_invoice(deps, VENDOR, contract.id, order_id=approved_order.id, amount=D("12345.67"))


@pytest.mark.rule("R-9k")
def test_the_written_order_is_emailed_to_the_contractor_only_once_approved(deps, contract):
    order = orders.place_order(
        deps, AGENCY_USER, contract.id, lines=[("1", D("10"))], deliver_by=dt.date(2026, 3, 13), contact_email=AGENCY_EMAIL
    )
    assert deps.notifier.sent == []
    orders.approve_order(deps, PURCHASING, order.id, "OSC-7")
    (mail,) = deps.notifier.sent
    assert mail.to == (CONTRACTOR_EMAIL,) and contract.id in mail.text and "OSC-7" in mail.text


@pytest.mark.rule("R-9k")
def test_only_purchasing_records_the_comptrollers_approval(deps, contract):
    order = orders.place_order(
        deps, AGENCY_USER, contract.id, lines=[("1", D("10"))], deliver_by=dt.date(2026, 3, 13), contact_email=AGENCY_EMAIL
    )
    with pytest.raises(Forbidden):
        orders.approve_order(deps, AGENCY_USER, order.id, "OSC-7")


@pytest.mark.rule("R-9b")
def test_an_agency_the_contractor_has_not_accepted_cannot_order_and_nothing_is_stored(deps, contract):
    before = snapshot(deps)
    with pytest.raises(Forbidden) as err:
        orders.place_order(
            deps, OTHER_AGENCY, contract.id, lines=[("1", D("10"))], deliver_by=dt.date(2026, 3, 13), contact_email=AGENCY_EMAIL
        )
    assert err.value.rule == "R-9b" and snapshot(deps) == before


@pytest.mark.rule("R-9b")
def test_an_agency_the_contractor_has_not_accepted_does_not_see_the_contract(deps, contract):
    with pytest.raises(NotFound):
        orders.list_orders(deps, OTHER_AGENCY, contract.id, PageRequest())


@pytest.mark.rule("R-9a")
def test_a_refused_order_changes_nothing(deps, contract):
    before = snapshot(deps)
    with pytest.raises(ValidationFailed):
        orders.place_order(
            deps, AGENCY_USER, contract.id, lines=[("1", D("-3"))], deliver_by=dt.date(2026, 3, 13), contact_email=AGENCY_EMAIL
        )
    assert snapshot(deps) == before


@pytest.mark.rule("R-9j")
def test_a_rejection_emails_the_contractor_and_starts_the_48_hour_timer(deps, approved_order):
    delivery = orders.receive_delivery(deps, AGENCY_USER, approved_order.id, lines=[("1", D("100"))])
    orders.inspect_delivery(deps, AGENCY_USER, delivery.id, results=[LineInspection("1", D("95"), D("5"))], reason="torn cases")
    assert deps.notifier.sent[-1].to == (CONTRACTOR_EMAIL,) and "48 hours" in deps.notifier.sent[-1].text
    assert deps.workflows.started[-1] == (
        "rejected-goods",
        f"rejected-{delivery.id}",
        {"delivery_id": delivery.id, "removal_deadline": "2026-03-04T14:00:00Z"},
    )


@pytest.mark.rule("R-9j")
def test_the_abandonment_task_is_idempotent(deps, approved_order):
    delivery = orders.receive_delivery(deps, AGENCY_USER, approved_order.id, lines=[("1", D("100"))])
    orders.inspect_delivery(deps, AGENCY_USER, delivery.id, results=[LineInspection("1", D("95"), D("5"))], reason="torn cases")
    deps.clock.advance(hours=48)
    assert orders.abandon_rejected_goods(deps, "rejected-x", delivery.id)["rejected_goods"] == "abandoned"
    audit, mails = len(deps.store.audit), len(deps.notifier.sent)
    assert orders.abandon_rejected_goods(deps, "rejected-x", delivery.id)["rejected_goods"] == "abandoned"
    assert (len(deps.store.audit), len(deps.notifier.sent)) == (audit, mails)


@pytest.mark.rule("R-13a")
def test_an_invoice_starts_its_payment_clock(deps, invoice):
    assert invoice.due_date == dt.date(2026, 4, 17)
    assert deps.workflows.started[-1] == ("invoice-payment", f"invoice-{invoice.id}", {"invoice_id": invoice.id})


@pytest.mark.rule("R-9h")
def test_an_invoice_on_a_cancelled_contract_is_refused_and_changes_nothing(deps, contract, approved_order, accepted):
    deps.store.commit(
        PURCHASING,
        deps.clock.now(),
        [
            Change(
                action="contract.cancelled", after=dataclasses.replace(contract, status=ContractStatus.CANCELLED), before=contract
            )
        ],
    )
    before = snapshot(deps)
    with pytest.raises(Conflict) as err:
        invoices.submit_invoice(deps, VENDOR, contract.id, order_id=approved_order.id, amount=D("10.00"))
    assert err.value.rule == "R-9h" and snapshot(deps) == before


@pytest.mark.rule("R-13a")
def test_an_invoice_for_more_than_the_accepted_goods_is_refused(deps, contract, approved_order, accepted):
    with pytest.raises(ValidationFailed) as err:
        invoices.submit_invoice(deps, VENDOR, contract.id, order_id=approved_order.id, amount=D("12345.68"))
    assert "12345.67" in err.value.message


@pytest.mark.rule("R-13a")
def test_no_invoice_before_any_goods_are_accepted(deps, contract, approved_order):
    with pytest.raises(ValidationFailed):
        invoices.submit_invoice(deps, VENDOR, contract.id, order_id=approved_order.id, amount=D("10.00"))


@pytest.mark.rule("R-13b")
def test_a_defect_notice_on_day_12_is_recorded_late_and_the_contractor_told_it_cannot_delay_payment(deps, invoice):
    # Given an invoice received on 3 March; When the agency gives notice on 15 March (day 12)
    deps.clock.advance(days=12)
    noticed = invoices.notice_defect(deps, AGENCY_USER, invoice.id, "missing PO number")
    # Then it is recorded two days late, and the contractor is told the period of a late correction is shortened
    assert noticed.defect.days_late == 2
    assert "shortened by 2 days" in deps.notifier.sent[-1].text


@pytest.mark.rule("R-13b")
def test_a_defect_notice_emails_the_contractor_its_correction_deadline(deps, invoice):
    noticed = invoices.notice_defect(deps, AGENCY_USER, invoice.id, "missing PO number")
    assert deps.notifier.sent[-1].to == (CONTRACTOR_EMAIL,)
    assert f"Correct it by {emails.day(noticed.defect.correction_deadline)}" in deps.notifier.sent[-1].text


@pytest.mark.rule("R-13b")
def test_a_late_correction_moves_the_due_date_and_starts_a_new_payment_clock(deps, invoice):
    invoices.notice_defect(deps, AGENCY_USER, invoice.id, "missing PO number")
    deps.clock.set(dt.datetime(2026, 4, 7, 13, 0, tzinfo=UTC))  # first reminder instant, long after the window
    assert invoices.advance_payment(deps, f"invoice-{invoice.id}", invoice.id)["done"] is True
    corrected = invoices.correct_invoice(deps, VENDOR, invoice.id)
    assert corrected.due_date == dt.date(2026, 5, 22)
    assert deps.workflows.started[-1][1] == f"invoice-{invoice.id}-corrected" == corrected.payment_clock


@pytest.mark.rule("R-13b")
def test_a_late_correction_while_the_clock_still_waits_leaves_it_running_on_the_new_date(deps, invoice):
    invoices.notice_defect(deps, AGENCY_USER, invoice.id, "missing PO number")
    deps.clock.advance(days=10)
    started = len(deps.workflows.started)
    corrected = invoices.correct_invoice(deps, VENDOR, invoice.id)
    assert corrected.due_date == dt.date(2026, 4, 27) and len(deps.workflows.started) == started
    assert invoices.advance_payment(deps, f"invoice-{invoice.id}", invoice.id)["due_date"] == "2026-04-27"


@pytest.mark.rule("R-13b")
def test_a_timely_correction_keeps_the_running_clock(deps, invoice):
    invoices.notice_defect(deps, AGENCY_USER, invoice.id, "missing PO number")
    started = len(deps.workflows.started)
    deps.clock.advance(days=2)
    assert invoices.correct_invoice(deps, VENDOR, invoice.id).due_date == invoice.due_date
    assert len(deps.workflows.started) == started


@pytest.mark.rule("R-13a")
def test_a_payment_larger_than_due_is_refused_and_changes_nothing(deps, invoice):
    before = snapshot(deps)
    with pytest.raises(ValidationFailed) as err:
        invoices.record_payment(deps, AGENCY_USER, invoice.id, D("12345.68"))
    assert err.value.rule == "R-13a" and snapshot(deps) == before


@pytest.mark.rule("R-13a")
def test_the_contractor_cannot_record_a_payment(deps, invoice):
    with pytest.raises(Forbidden):
        invoices.record_payment(deps, VENDOR, invoice.id, D("1.00"))


@pytest.mark.rule("R-13c")
def test_a_late_payment_generates_an_interest_invoice_and_emails_the_contractor(deps, invoice):
    deps.clock.set(dt.datetime(2026, 5, 17, 14, 0, tzinfo=UTC))  # 30 days after the due date of 17 April
    paid, interest = invoices.record_payment(deps, AGENCY_USER, invoice.id, D("12345.67"))
    assert paid.status is InvoiceStatus.PAID and paid.payments[0].interest_invoice_id == interest.id
    assert (interest.kind.value, interest.amount, interest.for_invoice_id) == ("interest", D("123.46"), invoice.id)
    assert deps.notifier.sent[-1].to == (CONTRACTOR_EMAIL,) and "123.46" in deps.notifier.sent[-1].text


@pytest.mark.rule("R-13c")
def test_an_on_time_payment_generates_no_interest_invoice(deps, invoice):
    deps.clock.set(dt.datetime(2026, 4, 17, 20, 0, tzinfo=UTC))
    assert invoices.record_payment(deps, AGENCY_USER, invoice.id, D("12345.67"))[1] is None


@pytest.mark.rule("R-13a")
def test_withholding_needs_a_notice_before_the_due_date(deps, invoice):
    withheld = invoices.withhold_payment(deps, AGENCY_USER, invoice.id, amount=D("345.67"), reason="10 cases short")
    assert withheld.balance == D("12000.00") and deps.notifier.sent[-1].to == (CONTRACTOR_EMAIL,)
    deps.clock.set(dt.datetime(2026, 4, 18, 14, 0, tzinfo=UTC))
    with pytest.raises(DeadlinePassed):
        invoices.withhold_payment(deps, AGENCY_USER, invoice.id, amount=D("1.00"), reason="late")


@pytest.mark.rule("R-13a")
def test_agencies_and_contractors_list_their_payments_by_status(deps, invoice):
    assert [i.id for i in invoices.list_payments(deps, AGENCY_USER, PageRequest(), status="upcoming", agency=AGENCY).items] == [
        invoice.id
    ]
    assert [i.id for i in invoices.list_payments(deps, VENDOR, PageRequest(), status="upcoming").items] == [invoice.id]
    assert invoices.list_payments(deps, AGENCY_USER, PageRequest(), status="overdue").items == []
    with pytest.raises(Forbidden):
        invoices.list_payments(deps, OTHER_AGENCY, PageRequest(), status="upcoming", agency=AGENCY)


@pytest.mark.rule("R-13a")
def test_the_payment_task_reminds_marks_overdue_and_is_idempotent(deps, invoice):
    assert invoices.advance_payment(deps, "ex", invoice.id)["wake_at"] == "2026-04-07T13:00:00Z"
    deps.clock.set(dt.datetime(2026, 4, 18, 4, 0, tzinfo=UTC))  # just after midnight local, 18 April
    result = invoices.advance_payment(deps, "ex", invoice.id)
    assert result == {"done": False, "wake_at": "2026-05-18T04:00:00Z", "next": "period-1", "due_date": "2026-04-17"}
    assert [m.subject.split(":")[0] for m in deps.notifier.sent[-3:]] == [
        "Payment due in 10 days",
        "Payment due in 3 days",
        "Payment overdue",
    ]
    audit, mails = len(deps.store.audit), len(deps.notifier.sent)
    invoices.advance_payment(deps, "ex", invoice.id)
    assert (len(deps.store.audit), len(deps.notifier.sent)) == (audit, mails)
    assert [i.id for i in invoices.list_payments(deps, AGENCY_USER, PageRequest(), status="overdue").items] == [invoice.id]


@pytest.mark.rule("R-13d")
def test_an_open_market_charge_is_set_off_against_the_open_invoice(deps, contract, invoice):
    order2 = orders.place_order(
        deps, AGENCY_USER, contract.id, lines=[("2", D("10"))], deliver_by=dt.date(2026, 3, 13), contact_email=AGENCY_EMAIL
    )
    orders.approve_order(deps, PURCHASING, order2.id, "OSC-2")
    deps.clock.set(dt.datetime(2026, 3, 16, 14, 0, tzinfo=UTC))  # after the delivery date
    purchase = orders.record_open_market_purchase(
        deps, AGENCY_USER, order2.id, line_id="2", quantity=D("10"), cost=D("950.00"), reason="not delivered by 13 March"
    )
    assert (purchase.excess, purchase.set_off) == (D("150.00"), D("150.00"))
    assert invoices.get_invoice(deps, AGENCY_USER, invoice.id).balance == D("12195.67")
    assert "150.00" in deps.notifier.sent[-1].text


@pytest.mark.rule("R-13d")
def test_an_unrecovered_charge_is_set_off_against_the_next_invoice(deps, contract, approved_order):
    delivery = orders.receive_delivery(deps, AGENCY_USER, approved_order.id, lines=[("1", D("100"))])
    orders.inspect_delivery(deps, AGENCY_USER, delivery.id, results=[LineInspection("1", D("90"), D("10"))], reason="torn")
    orders.record_open_market_purchase(
        deps, AGENCY_USER, approved_order.id, line_id="1", quantity=D("10"), cost=D("1300.00"), reason="not replaced"
    )
    invoice = invoices.submit_invoice(deps, VENDOR, contract.id, order_id=approved_order.id, amount=D("11111.10"))
    assert invoice.set_off_total == D("65.43") and invoice.balance == D("11045.67")


@pytest.mark.rule("R-14")
def test_the_contractor_records_a_force_majeure_notice_against_the_contract(deps, contract):
    notice = orders.give_force_majeure_notice(
        deps, VENDOR, contract.id, cause="flood at the warehouse", probable_duration_days=10
    )
    assert [n.id for n in orders.list_force_majeure_notices(deps, AGENCY_USER, contract.id, PageRequest()).items] == [notice.id]


@pytest.mark.rule("R-14")
def test_another_vendor_cannot_give_notice_on_the_contract(deps, contract):
    with pytest.raises(NotFound):
        orders.give_force_majeure_notice(
            deps, Actor("x", Role.VENDOR, "other"), contract.id, cause="flood", probable_duration_days=10
        )


@pytest.mark.rule("R-11")
def test_the_contractor_requests_a_delivery_extension_and_the_agency_is_told(deps, approved_order):
    requested = orders.request_delivery_extension(
        deps, VENDOR, approved_order.id, deliver_by=dt.date(2026, 3, 27), reason="strike"
    )
    assert requested.effective_deliver_by == dt.date(2026, 3, 13) and requested.pending_extension.requested_by == VENDOR.sub
    assert deps.notifier.sent[-1].to == (AGENCY_EMAIL,) and "by Friday, March 27, 2026" in deps.notifier.sent[-1].text


@pytest.mark.rule("R-11")
def test_the_state_approves_the_extension_and_the_contractor_is_told(deps, approved_order):
    orders.request_delivery_extension(deps, VENDOR, approved_order.id, deliver_by=dt.date(2026, 3, 27), reason="strike")
    extended = orders.decide_delivery_extension(deps, AGENCY_USER, approved_order.id, approve=True)
    assert extended.effective_deliver_by == dt.date(2026, 3, 27)
    assert deps.notifier.sent[-1].to == (CONTRACTOR_EMAIL,) and "due by Friday, March 27, 2026" in deps.notifier.sent[-1].text


@pytest.mark.rule("R-11")
def test_the_contractor_cannot_approve_its_own_extension(deps, approved_order):
    orders.request_delivery_extension(deps, VENDOR, approved_order.id, deliver_by=dt.date(2026, 3, 27), reason="strike")
    with pytest.raises(Forbidden):
        orders.decide_delivery_extension(deps, VENDOR, approved_order.id, approve=True)
    with pytest.raises(Forbidden):
        orders.request_delivery_extension(deps, AGENCY_USER, approved_order.id, deliver_by=dt.date(2026, 3, 30), reason="x")


@pytest.fixture
def proposed_price(deps, approved_order):
    delivery = orders.receive_delivery(deps, AGENCY_USER, approved_order.id, lines=[("1", D("100"))])
    return orders.inspect_delivery(deps, AGENCY_USER, delivery.id, results=[LineInspection("1", D("100"), D("0"), D("100.00"))])


@pytest.mark.rule("R-12")
def test_an_agency_proposal_of_an_adjusted_price_asks_purchasing_to_determine_it(deps, proposed_price):
    assert proposed_price.awaiting_price_determination
    assert deps.notifier.sent[-1].to == (deps.mailboxes.purchasing,) and "100.00" in deps.notifier.sent[-1].text


@pytest.mark.rule("R-12")
def test_only_purchasing_determines_the_adjusted_price(deps, proposed_price):
    with pytest.raises(Forbidden):
        orders.determine_prices(deps, AGENCY_USER, proposed_price.id, prices={"1": D("100.00")}, reason="x")


@pytest.mark.rule("R-12")
def test_goods_awaiting_the_price_determination_cannot_be_invoiced_then_are_at_the_determined_price(
    deps, contract, approved_order, proposed_price
):
    # Given goods awaiting purchasing's determination; When the contractor invoices; Then nothing is payable yet
    with pytest.raises(ValidationFailed):
        invoices.submit_invoice(deps, VENDOR, contract.id, order_id=approved_order.id, amount=D("1.00"))
    # When purchasing determines 110.00; Then the contractor and the agency are told and 11,000.00 may be invoiced
    orders.determine_prices(deps, PURCHASING, proposed_price.id, prices={"1": D("110.00")}, reason="minor defect")
    assert deps.notifier.sent[-1].to == (CONTRACTOR_EMAIL, AGENCY_EMAIL)
    assert invoices.submit_invoice(deps, VENDOR, contract.id, order_id=approved_order.id, amount=D("11000.00")).amount == D(
        "11000.00"
    )


@pytest.mark.rule("R-13a")
def test_an_invoice_sent_on_delivery_is_due_from_the_delivery_and_reduced_for_goods_rejected_later(
    deps, contract, approved_order
):
    # Given 100 cases delivered on 2 March and invoiced at once, before inspection
    delivery = orders.receive_delivery(deps, AGENCY_USER, approved_order.id, lines=[("1", D("100"))])
    invoice = invoices.submit_invoice(deps, VENDOR, contract.id, order_id=approved_order.id, amount=D("12345.67"))
    assert invoice.due_date == dt.date(2026, 4, 16)
    # When inspection 28 days later rejects 10 cases
    deps.clock.advance(days=28)
    orders.inspect_delivery(deps, AGENCY_USER, delivery.id, results=[LineInspection("1", D("90"), D("10"))], reason="torn")
    # Then the due date stands and the rejected cases are not due: at most the rest can be paid
    with pytest.raises(ValidationFailed):
        invoices.record_payment(deps, AGENCY_USER, invoice.id, D("12345.67"))
    paid, _ = invoices.record_payment(deps, AGENCY_USER, invoice.id, D("11111.10"))
    assert (paid.due_date, paid.not_due, paid.status) == (dt.date(2026, 4, 16), D("1234.57"), InvoiceStatus.PAID)


@pytest.mark.rule("R-13a")
def test_a_released_withholding_restarts_the_ended_payment_clock(deps, invoice):
    # Given the whole invoice withheld and its clock ended with nothing payable
    invoices.withhold_payment(deps, AGENCY_USER, invoice.id, amount=D("12345.67"), reason="cases short")
    assert invoices.advance_payment(deps, f"invoice-{invoice.id}", invoice.id)["done"] is True
    # When the agency releases it
    released = invoices.release_withholding(deps, AGENCY_USER, invoice.id, 1)
    # Then a new clock runs for the released amount and both parties are told it is due
    assert deps.workflows.started[-1][1] == f"invoice-{invoice.id}-released-1" == released.payment_clock
    released_mail = deps.notifier.sent[-1]
    assert released_mail.to == (CONTRACTOR_EMAIL, AGENCY_EMAIL) and "payable by Friday, April 17, 2026" in released_mail.text
