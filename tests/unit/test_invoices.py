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
from chalicelib.domain.orders import Delivery, DeliveryLine, DeliveryStatus, OrderLine, OrderStatus, PurchaseOrder

D = Decimal


def local(day: str, hour: int = 10, minute: int = 0, second: int = 0) -> dt.datetime:
    return dt.datetime.combine(dt.date.fromisoformat(day), dt.time(hour, minute, second), tzinfo=CT).astimezone(dt.UTC)


def last_second(day: str) -> dt.datetime:
    return local(day, 23, 59, 59)


def invoice(
    received: str = "2026-03-24",
    goods: str = "2026-03-10",
    amount: str = "1000.00",
    payment_days: int | None = None,
    discount: tuple[str, int] | None = None,
    **changes,
) -> rules.Invoice:
    inv = rules.new_invoice(
        invoice_id="INV-1",
        contract_id="C-1",
        agency="DAS",
        contractor_org="acme",
        contractor_name="Acme",
        contractor_email="a@acme.example",
        agency_email="r@das.example",
        amount=Decimal(amount),
        goods_received_at=local(goods),
        now=local(received),
        order_id="PO-1",
        payment_days=payment_days,
        cash_discount_percent=Decimal(discount[0]) if discount else None,
        cash_discount_days=discount[1] if discount else None,
    )
    return dataclasses.replace(inv, **changes)


@pytest.mark.rule("R-13a")
def test_payment_is_due_45_days_after_the_invoice_when_the_goods_came_first():
    assert invoice(received="2026-03-24", goods="2026-03-10").due_date == dt.date(2026, 5, 8)


@pytest.mark.rule("R-13a")
def test_payment_is_due_45_days_after_the_goods_when_the_invoice_came_first():
    assert rules.due_date(local("2026-03-20"), local("2026-03-02")) == dt.date(2026, 5, 4)


@pytest.mark.rule("R-13a")
def test_a_payment_on_the_due_date_is_on_time_until_the_end_of_that_day():
    # Given an invoice due on 8 May
    inv = invoice()
    # Then a payment at the last second of 8 May is on time and one at the first second of 9 May is a day late
    assert rules.pay(inv, Decimal("1000.00"), last_second("2026-05-08")).days_late == 0
    assert rules.pay(inv, Decimal("1000.00"), local("2026-05-09", 0)).days_late == 1


@pytest.mark.rule("R-13a")
def test_an_invoice_amount_must_be_positive():
    with pytest.raises(ValidationFailed) as err:
        invoice(amount="0")
    assert err.value.rule == "R-13a"


@pytest.mark.rule("R-13b")
def test_a_defect_notice_at_the_last_second_of_day_10_is_in_time():
    # Given an invoice received on 24 March; When the agency gives notice at 23:59:59 on 3 April (day 10)
    noticed = rules.notice_defect(invoice(), "no PO number", last_second("2026-04-03"))
    # Then it is a timely notice
    assert (noticed.defect.reason, noticed.defect.days_late) == ("no PO number", 0)


@pytest.mark.rule("R-13b")
def test_a_defect_notice_at_the_first_second_of_day_11_is_recorded_one_day_late():
    # When the agency gives notice at 00:00 on 4 April (day 11)
    noticed = rules.notice_defect(invoice(), "no PO number", local("2026-04-04", 0))
    # Then it is recorded, one day late
    assert noticed.defect.days_late == 1


@pytest.mark.rule("R-13b")
def test_a_late_correction_after_a_day_12_notice_has_its_period_shortened_by_the_two_late_days():
    # Given a notice on day 12 (5 April), two days late
    noticed = rules.notice_defect(invoice(), "no PO number", local("2026-04-05"))
    # When the contractor corrects after the 5 business days, on 20 April
    corrected = rules.correct(noticed, local("2026-04-20"))
    # Then the corrected invoice is due 43 days (45 - 2) after its receipt, not 45
    assert corrected.due_date == dt.date(2026, 6, 2)


@pytest.mark.rule("R-13b")
def test_a_correction_in_time_after_a_late_notice_keeps_the_original_due_date():
    noticed = rules.notice_defect(invoice(), "no PO number", local("2026-04-05"))
    assert rules.correct(noticed, local("2026-04-10")).due_date == dt.date(2026, 5, 8)


@pytest.mark.rule("R-13b")
def test_the_correction_deadline_is_5_business_days_skipping_good_friday():
    noticed = rules.notice_defect(invoice(), "no PO number", local("2026-04-01"))
    assert noticed.defect.correction_deadline == dt.date(2026, 4, 9)


@pytest.mark.rule("R-13b")
def test_a_correction_at_the_last_second_of_the_5th_business_day_keeps_the_original_due_date():
    noticed = rules.notice_defect(invoice(), "no PO number", local("2026-04-01"))
    assert rules.correct(noticed, last_second("2026-04-09")).due_date == dt.date(2026, 5, 8)


@pytest.mark.rule("R-13b")
def test_a_correction_at_the_first_second_after_the_5_business_days_makes_the_corrected_invoice_the_proper_one():
    noticed = rules.notice_defect(invoice(), "no PO number", local("2026-04-01"))
    corrected = rules.correct(noticed, local("2026-04-10", 0))
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
def test_withholding_noticed_at_the_last_second_before_the_due_date_reduces_the_balance():
    # Given an invoice due on 8 May; When payment is withheld at 23:59:59 on 7 May
    withheld = rules.withhold(invoice(), Decimal("200.00"), "toner missing", last_second("2026-05-07"))
    # Then the withheld amount leaves the balance
    assert withheld.balance == Decimal("800.00")


@pytest.mark.rule("R-13a")
def test_withholding_noticed_on_the_due_date_is_refused():
    # When the notice comes at 00:00 on the due date itself; Then it is refused, naming the last day
    with pytest.raises(DeadlinePassed) as err:
        rules.withhold(invoice(), Decimal("200.00"), "toner missing", local("2026-05-08", 0))
    assert err.value.rule == "R-13a" and "2026-05-07" in err.value.message


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
    inv = rules.mark_reminded(inv, first, 10)
    second = rules.next_event(inv, local("2026-04-28"))
    assert second.name == "reminder-3"
    inv = rules.mark_reminded(inv, second, 3)
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


# --- invoices sent on delivery, goods rejected at inspection (R-13a) ----------------------------------------


def order_and_delivery(received: str = "2026-03-02", inspected: tuple[str, str] | None = None):
    order = PurchaseOrder(
        "PO-1",
        "C-1",
        "DAS",
        "acme",
        "a@acme.example",
        "r@das.example",
        (OrderLine("1", D("100"), D("10.00")),),
        dt.date(2026, 3, 13),
        local("2026-02-27"),
        status=OrderStatus.APPROVED,
    )
    delivery = Delivery("DL-1", "PO-1", "C-1", "DAS", "acme", "a@acme.example", (DeliveryLine("1", D("100")),), local(received))
    if inspected is not None:
        accepted, rejected = inspected
        delivery = dataclasses.replace(
            delivery, status=DeliveryStatus.INSPECTED, lines=(DeliveryLine("1", D("100"), D(accepted), D(rejected)),)
        )
    return order, delivery


@pytest.mark.rule("R-13a")
def test_goods_awaiting_inspection_may_be_invoiced_at_the_contract_price_from_their_receipt():
    order, delivery = order_and_delivery()
    assert rules.billable_value(order, [delivery]) == D("1000.00")
    assert rules.goods_received_at([delivery]) == local("2026-03-02")


@pytest.mark.rule("R-13a")
def test_goods_rejected_at_inspection_are_not_billable():
    order, delivery = order_and_delivery(inspected=("90", "10"))
    assert rules.billable_value(order, [delivery]) == D("900.00")


@pytest.mark.rule("R-13a")
def test_an_invoice_sent_on_delivery_is_reduced_by_the_goods_rejected_later():
    # Given 1000.00 invoiced on delivery; When inspection rejects 10 of the 100 cases
    order, delivery = order_and_delivery(inspected=("90", "10"))
    (reduced,) = rules.not_due_after_inspection([invoice(amount="1000.00")], rules.billable_value(order, [delivery]))
    # Then 100.00 of the invoice is not due, and reducing again changes nothing
    assert (reduced.not_due, reduced.balance) == (D("100.00"), D("900.00"))
    assert rules.not_due_after_inspection([reduced], D("900.00")) == []


@pytest.mark.rule("R-13a")
def test_an_invoice_whose_goods_were_all_rejected_is_settled_with_nothing_due():
    (reduced,) = rules.not_due_after_inspection([invoice(amount="1000.00")], D("0"))
    assert (reduced.balance, reduced.status) == (D("0"), InvoiceStatus.PAID)


@pytest.mark.rule("R-13a")
def test_the_invitations_payment_terms_replace_the_45_days():
    assert invoice(received="2026-03-24", payment_days=30).due_date == dt.date(2026, 4, 23)


# --- withholding released (R-13a) ---------------------------------------------------------------------------


def fully_withheld() -> rules.Invoice:
    return rules.withhold(invoice(), D("1000.00"), "toner missing", local("2026-04-01"))


@pytest.mark.rule("R-13a")
def test_an_invoice_withheld_in_full_is_withheld_not_overdue_and_its_clock_ends():
    withheld = fully_withheld()
    assert withheld.status is InvoiceStatus.WITHHELD and withheld.bucket == "withheld"
    assert rules.next_event(withheld, local("2026-05-09", 0)) is None


@pytest.mark.rule("R-13a")
def test_an_amount_released_before_the_due_date_is_due_on_the_due_date():
    released = rules.release_withholding(fully_withheld(), 1, local("2026-04-20"))
    assert (released.status, released.withholdings[0].released_due_date, released.balance) == (
        InvoiceStatus.OPEN,
        dt.date(2026, 5, 8),
        D("1000.00"),
    )


@pytest.mark.rule("R-13a")
def test_an_amount_released_after_the_due_date_is_due_on_the_day_of_release_and_late_from_the_next():
    # Given a full withholding released on 1 June, after the due date of 8 May
    released = rules.release_withholding(fully_withheld(), 1, local("2026-06-01"))
    # Then it is due by the end of 1 June: on time at its last second, a day late at the first second of 2 June
    assert rules.pay(released, D("1000.00"), last_second("2026-06-01")).interest == D("0")
    late = rules.pay(released, D("1000.00"), local("2026-06-02", 0))
    assert (late.days_late, late.interest) == (1, D("0.33"))
    # And the clock turns it overdue at the start of 2 June
    event = rules.next_event(released, local("2026-06-01"))
    assert (event.name, event.at) == ("overdue", local("2026-06-02", 0))


@pytest.mark.rule("R-13a")
def test_a_released_and_paid_withholding_settles_the_invoice():
    released = rules.release_withholding(fully_withheld(), 1, local("2026-04-20"))
    assert rules.record_payment(released, rules.pay(released, D("1000.00"), local("2026-04-21"))).status is InvoiceStatus.PAID


@pytest.mark.rule("R-13a")
def test_a_withholding_is_released_only_once():
    released = rules.release_withholding(fully_withheld(), 1, local("2026-04-20"))
    with pytest.raises(Conflict):
        rules.release_withholding(released, 1, local("2026-04-21"))


@pytest.mark.rule("R-13a")
def test_the_cash_discount_may_still_be_taken_on_a_released_amount_within_its_days_from_the_release():
    # Given 2% for payment within 10 days; the whole invoice withheld, and released on 20 April, long after those 10 days
    inv = rules.withhold(invoice(discount=("2", 10)), D("1000.00"), "toner missing", local("2026-03-25"))
    released = rules.release_withholding(inv, 1, local("2026-04-20"))
    # Then the State still takes the discount up to the last second of 30 April
    assert rules.pay(released, D("1000.00"), last_second("2026-04-30"), take_cash_discount=True).discount == D("20.00")
    with pytest.raises(DeadlinePassed):
        rules.pay(released, D("1000.00"), local("2026-05-01", 0), take_cash_discount=True)


@pytest.mark.rule("R-13a")
def test_the_cash_discount_ends_with_its_period_after_the_proper_invoice():
    inv = invoice(discount=("2", 10))
    assert rules.pay(inv, D("1000.00"), last_second("2026-04-03"), take_cash_discount=True).discount == D("20.00")
    with pytest.raises(DeadlinePassed):
        rules.pay(inv, D("1000.00"), local("2026-04-04", 0), take_cash_discount=True)


# --- interest and corrections (R-13b, R-13c) ----------------------------------------------------------------


@pytest.mark.rule("R-13c")
def test_interest_after_a_timely_correction_is_counted_from_the_original_due_date():
    # Given a defect noticed on 1 April and corrected in time on 9 April (a 45-day period from then would end 24 May)
    corrected = rules.correct(rules.notice_defect(invoice(), "no PO number", local("2026-04-01")), local("2026-04-09"))
    # When it is paid on 18 May, 10 days after the original due date of 8 May
    payment = rules.pay(corrected, D("1000.00"), local("2026-05-18"))
    # Then interest runs for those 10 days: 1000 x 1% x 10/30
    assert (payment.days_late, payment.interest) == (10, D("3.33"))


@pytest.mark.rule("R-13b")
def test_an_invoice_whose_defect_is_never_corrected_accrues_no_interest():
    noticed = rules.notice_defect(invoice(), "no PO number", local("2026-04-01"))
    assert rules.pay(noticed, D("1000.00"), local("2026-06-30")).interest == D("0")
    assert rules.interest_to_date(noticed, dt.date(2026, 6, 30)) == D("0")
