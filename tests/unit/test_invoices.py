"""Invoice rules: the 45-day due date (R-13a), defect notice and correction (R-13b), withholding (R-13a),
set-off (R-13d), payments and the payment clock's events."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.domain import invoices as rules
from chalicelib.domain.calendar import CT
from chalicelib.domain.errors import Conflict, DeadlinePassed, ValidationFailed
from chalicelib.domain.invoices import InvoiceStatus


def local(day: str, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour), tzinfo=CT).astimezone(dt.UTC)


def invoice(received: str = "2026-03-24", goods: str = "2026-03-10", amount: str = "1000.00", **changes) -> rules.Invoice:
    inv = rules.new_invoice(
        invoice_id="INV-1", contract_id="C-1", agency="DAS", contractor_org="acme", contractor_name="Acme",
        contractor_email="a@acme.example", agency_email="r@das.example", amount=Decimal(amount),
        goods_received_on=dt.date.fromisoformat(goods), now=local(received), order_id="PO-1",
    )
    return dataclasses.replace(inv, **changes)


@pytest.mark.rule("R-13a")
def test_payment_is_due_45_days_after_the_invoice_when_the_goods_came_first():
    assert invoice(received="2026-03-24", goods="2026-03-10").due_date == dt.date(2026, 5, 8)


@pytest.mark.rule("R-13a")
def test_payment_is_due_45_days_after_the_goods_when_the_invoice_came_first():
    assert rules.due_date(dt.date(2026, 3, 20), dt.date(2026, 3, 2)) == dt.date(2026, 5, 4)


@pytest.mark.rule("R-13a")
def test_a_payment_on_the_due_date_is_on_time_until_the_end_of_that_day():
    inv = invoice()
    assert rules.pay(inv, Decimal("1000.00"), local("2026-05-08", 23)).days_late == 0
    assert rules.pay(inv, Decimal("1000.00"), local("2026-05-09", 0)).days_late == 1


@pytest.mark.rule("R-13a")
def test_an_invoice_amount_must_be_positive():
    with pytest.raises(ValidationFailed) as err:
        invoice(amount="0")
    assert err.value.rule == "R-13a"


@pytest.mark.rule("R-13b")
def test_a_defect_notice_on_day_10_is_allowed():
    noticed = rules.notice_defect(invoice(), "no PO number", local("2026-04-03", 23))
    assert noticed.defect.reason == "no PO number"


@pytest.mark.rule("R-13b")
def test_a_defect_notice_on_day_11_is_refused_with_the_last_allowed_day():
    with pytest.raises(DeadlinePassed) as err:
        rules.notice_defect(invoice(), "no PO number", local("2026-04-04", 0))
    assert err.value.rule == "R-13b" and "2026-04-03" in err.value.message


@pytest.mark.rule("R-13b")
def test_the_correction_deadline_is_5_business_days_skipping_good_friday():
    noticed = rules.notice_defect(invoice(), "no PO number", local("2026-04-01"))
    assert noticed.defect.correction_deadline == dt.date(2026, 4, 9)


@pytest.mark.rule("R-13b")
def test_a_correction_within_5_business_days_keeps_the_original_due_date():
    noticed = rules.notice_defect(invoice(), "no PO number", local("2026-04-01"))
    assert rules.correct(noticed, local("2026-04-09", 17)).due_date == dt.date(2026, 5, 8)


@pytest.mark.rule("R-13b")
def test_a_late_correction_makes_the_corrected_invoice_the_proper_one_and_moves_the_due_date():
    noticed = rules.notice_defect(invoice(), "no PO number", local("2026-04-01"))
    corrected = rules.correct(noticed, local("2026-04-10"))
    assert corrected.due_date == dt.date(2026, 5, 25) and corrected.original_due_date == dt.date(2026, 5, 8)


@pytest.mark.rule("R-13b")
def test_a_correction_after_the_45_day_period_moves_the_due_date_even_within_5_business_days():
    inv = invoice(received="2026-03-24")
    noticed = dataclasses.replace(inv, defect=rules.DefectNotice(local("2026-05-06"), "x", dt.date(2026, 5, 13)))
    assert rules.correct(noticed, local("2026-05-11")).due_date == dt.date(2026, 6, 25)


@pytest.mark.rule("R-13b")
def test_a_correction_without_a_defect_notice_is_refused():
    with pytest.raises(Conflict):
        rules.correct(invoice(), local("2026-04-01"))


@pytest.mark.rule("R-13b")
def test_a_second_defect_notice_is_refused():
    noticed = rules.notice_defect(invoice(), "no PO number", local("2026-03-25"))
    with pytest.raises(Conflict):
        rules.notice_defect(noticed, "again", local("2026-03-26"))


@pytest.mark.rule("R-13a")
def test_withholding_with_a_written_notice_before_the_due_date_reduces_the_balance():
    withheld = rules.withhold(invoice(), Decimal("200.00"), "toner missing", local("2026-05-08", 23))
    assert withheld.balance == Decimal("800.00")


@pytest.mark.rule("R-13a")
def test_withholding_after_the_due_date_is_refused():
    with pytest.raises(DeadlinePassed) as err:
        rules.withhold(invoice(), Decimal("200.00"), "toner missing", local("2026-05-09", 0))
    assert err.value.rule == "R-13a"


@pytest.mark.rule("R-13a")
def test_a_payment_larger_than_the_balance_is_refused():
    with pytest.raises(ValidationFailed) as err:
        rules.pay(invoice(), Decimal("1000.01"), local("2026-05-01"))
    assert err.value.rule == "R-13a" and "1000.00" in err.value.message


@pytest.mark.rule("R-13a")
def test_a_full_payment_settles_the_invoice_and_a_partial_one_does_not():
    inv = invoice()
    part = rules.record_payment(inv, rules.pay(inv, Decimal("400.00"), local("2026-05-01")))
    assert part.status is InvoiceStatus.OPEN and part.balance == Decimal("600.00")
    rest = rules.record_payment(part, rules.pay(part, Decimal("600.00"), local("2026-05-02")))
    assert rest.status is InvoiceStatus.PAID


@pytest.mark.rule("R-13c")
def test_a_late_payment_carries_interest_on_the_amount_paid_for_the_days_late():
    payment = rules.pay(invoice(amount="12345.67"), Decimal("12345.67"), local("2026-06-02"))
    assert (payment.days_late, payment.interest) == (25, Decimal("102.88"))


@pytest.mark.rule("R-13d")
def test_a_charge_is_set_off_against_open_invoices_earliest_due_first():
    early = invoice(amount="100.00")
    late = dataclasses.replace(invoice(amount="500.00"), id="INV-2", due_date=dt.date(2026, 6, 1))
    allocations = rules.allocate_set_off(Decimal("250.00"), [late, early])
    assert [(i.id, amount) for i, amount in allocations] == [("INV-1", Decimal("100.00")), ("INV-2", Decimal("150.00"))]


@pytest.mark.rule("R-13d")
def test_a_charge_larger_than_what_is_due_leaves_the_rest_owed():
    allocations = rules.allocate_set_off(Decimal("2500.00"), [invoice(amount="1000.00")])
    assert [amount for _, amount in allocations] == [Decimal("1000.00")]


@pytest.mark.rule("R-13d")
def test_a_set_off_reduces_the_balance_and_a_full_one_settles_the_invoice():
    assert rules.set_off(invoice(), "OM-1", Decimal("1000.00"), local("2026-04-01")).status is InvoiceStatus.PAID


@pytest.mark.rule("R-13a")
def test_the_clock_reminds_the_agency_10_then_3_days_before_then_marks_overdue():
    inv = invoice()
    first = rules.next_event(inv, local("2026-03-24"))
    assert (first.name, first.at) == ("reminder-10", local("2026-04-28", 9))
    inv = rules.mark_reminded(inv, 10)
    assert rules.next_event(inv, local("2026-04-28")).name == "reminder-3"
    inv = rules.mark_reminded(inv, 3)
    overdue = rules.next_event(inv, local("2026-05-05"))
    assert (overdue.name, overdue.at) == ("overdue", local("2026-05-09", 0))


@pytest.mark.rule("R-13c")
def test_after_the_due_date_the_clock_wakes_at_each_30_day_period_end():
    inv = rules.mark_overdue(invoice(), local("2026-05-09", 0))
    event = rules.next_event(inv, local("2026-05-09", 0))
    assert (event.name, event.at) == ("period-1", local("2026-06-08", 0))
    assert rules.record_period(inv, 1).accrued_interest == Decimal("10.00")


@pytest.mark.rule("R-13a")
def test_the_clock_ends_when_the_invoice_is_paid():
    inv = rules.record_payment(invoice(), rules.pay(invoice(), Decimal("1000.00"), local("2026-04-01")))
    assert rules.next_event(inv, local("2026-04-01")) is None


@pytest.mark.rule("R-13b")
def test_while_a_defect_awaits_correction_the_clock_waits_for_the_window_and_then_ends():
    noticed = rules.notice_defect(invoice(), "x", local("2026-04-01"))
    event = rules.next_event(noticed, local("2026-04-01"))
    assert (event.name, event.at) == ("correction-window", local("2026-04-10", 0))
    assert rules.next_event(noticed, local("2026-04-10", 0)) is None


@pytest.mark.rule("R-13a")
def test_a_reminder_already_past_when_the_invoice_arrives_is_skipped():
    inv = invoice(received="2026-03-24", goods="2026-03-24")
    late_arrival = dataclasses.replace(inv, received_at=local("2026-05-01"))
    assert rules.next_event(late_arrival, local("2026-05-01")).name == "reminder-3"
