"""Invoices and the payment clock (R-13a, R-13b, R-13c, R-13d): due dates, defect notices, corrections,
withholding, set-off, payments, and the events the payment workflow waits for.

Readings (docs/rules-performance.md): days are Connecticut calendar dates; the day of receipt is day 0.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain import calendar
from chalicelib.domain.errors import Conflict, DeadlinePassed, ValidationFailed
from chalicelib.domain.interest import days_late, late_interest

PAYMENT_DAYS = 45  # R-13a
DEFECT_NOTICE_DAYS = 10  # R-13b: the agency contacts the contractor within ten days of receipt
CORRECTION_BUSINESS_DAYS = 5  # R-13b
REMINDER_DAYS_BEFORE = (10, 3)  # the agency is reminded this many days before the due date
REMINDER_LOCAL_TIME = dt.time(9, 0)
ZERO = Decimal(0)


class InvoiceKind(str, enum.Enum):
    GOODS = "goods"  # supplies, materials, equipment or services delivered
    INTEREST = "interest"  # late-payment interest, invoiced separately (R-13c)


class InvoiceStatus(str, enum.Enum):
    OPEN = "open"  # received; payment not yet due
    OVERDUE = "overdue"  # the due date passed unpaid: interest accrues
    PAID = "paid"


@dataclass(frozen=True)
class DefectNotice:
    noticed_at: dt.datetime
    reason: str
    correction_deadline: dt.date  # 5 business days after the notice (R-13b)


@dataclass(frozen=True)
class Withholding:
    amount: Decimal
    reason: str
    noticed_at: dt.datetime


@dataclass(frozen=True)
class SetOff:
    charge_id: str
    amount: Decimal
    at: dt.datetime


@dataclass(frozen=True)
class Payment:
    amount: Decimal
    paid_at: dt.datetime
    days_late: int
    interest: Decimal
    interest_invoice_id: str | None = None


@dataclass(frozen=True)
class Invoice:
    id: str
    contract_id: str
    agency: str
    contractor_org: str
    contractor_name: str
    contractor_email: str
    agency_email: str
    kind: InvoiceKind
    amount: Decimal
    received_at: dt.datetime
    goods_received_on: dt.date
    original_due_date: dt.date
    due_date: dt.date
    order_id: str | None = None
    for_invoice_id: str | None = None  # an interest invoice names the invoice paid late
    status: InvoiceStatus = InvoiceStatus.OPEN
    defect: DefectNotice | None = None
    corrected_at: dt.datetime | None = None
    withholdings: tuple[Withholding, ...] = ()
    set_offs: tuple[SetOff, ...] = ()
    payments: tuple[Payment, ...] = ()
    reminders_sent: tuple[str, ...] = ()  # "<due date>:<days before>"
    overdue_since: dt.datetime | None = None
    compounded_periods: int = 0  # 30-day periods after the due date already recorded (R-13c)
    accrued_interest: Decimal = ZERO  # interest on the balance as of the last recorded period end
    payment_clock: str | None = None  # the running payment workflow; None once it ended for want of a correction
    version: int = 0

    @property
    def withheld(self) -> Decimal:
        return sum((w.amount for w in self.withholdings), ZERO)

    @property
    def set_off_total(self) -> Decimal:
        return sum((s.amount for s in self.set_offs), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((p.amount for p in self.payments), ZERO)

    @property
    def balance(self) -> Decimal:
        """What the State still owes on this invoice: amount less withholding, set-off and payments."""
        return self.amount - self.withheld - self.set_off_total - self.paid

    @property
    def awaiting_correction(self) -> bool:
        return self.defect is not None and self.corrected_at is None

    @property
    def due_at(self) -> dt.datetime:
        """Last instant of the due date: a payment on the due date is on time."""
        return calendar.end_of_local_day(self.due_date)

    @property
    def bucket(self) -> str:
        """Payment view of the invoice: upcoming, overdue or paid (the index partition)."""
        return {InvoiceStatus.OPEN: "upcoming", InvoiceStatus.OVERDUE: "overdue", InvoiceStatus.PAID: "paid"}[self.status]


def due_date(goods_received_on: dt.date, proper_invoice_on: dt.date) -> dt.date:
    """R-13a: 45 days after the later of receipt of the goods/services and receipt of a proper invoice."""
    return max(goods_received_on, proper_invoice_on) + dt.timedelta(days=PAYMENT_DAYS)


def new_invoice(
    *, invoice_id: str, contract_id: str, agency: str, contractor_org: str, contractor_name: str,
    contractor_email: str, agency_email: str, amount: Decimal, goods_received_on: dt.date, now: dt.datetime,
    kind: InvoiceKind = InvoiceKind.GOODS, order_id: str | None = None, for_invoice_id: str | None = None,
) -> Invoice:
    if amount <= 0:
        raise ValidationFailed("An invoice amount must be positive.", rule="R-13a", details=[{"field": "amount", "problem": "must be greater than 0"}])
    due = due_date(goods_received_on, calendar.local_date(now))
    return Invoice(
        id=invoice_id, contract_id=contract_id, agency=agency, contractor_org=contractor_org,
        contractor_name=contractor_name, contractor_email=contractor_email, agency_email=agency_email, kind=kind,
        amount=amount, received_at=now, goods_received_on=goods_received_on, original_due_date=due, due_date=due,
        order_id=order_id, for_invoice_id=for_invoice_id,
    )


def defect_notice_deadline(invoice: Invoice) -> dt.date:
    return calendar.local_date(invoice.received_at) + dt.timedelta(days=DEFECT_NOTICE_DAYS)


def notice_defect(invoice: Invoice, reason: str, now: dt.datetime) -> Invoice:
    """R-13b: the agency contacts the contractor about a defective invoice within ten days of receipt."""
    _require_unpaid(invoice, "R-13b")
    if invoice.defect is not None:
        raise Conflict(f"Invoice {invoice.id} already has a defect notice of {calendar.iso_local(invoice.defect.noticed_at)}.", rule="R-13b")
    if not reason.strip():
        raise ValidationFailed("A defect notice must say what is wrong.", rule="R-13b", details=[{"field": "reason", "problem": "must not be blank"}])
    last = defect_notice_deadline(invoice)
    if calendar.local_date(now) > last:
        raise DeadlinePassed(
            f"A defect notice must be given within {DEFECT_NOTICE_DAYS} days of receipt of the invoice; the last day was {last.isoformat()}.",
            rule="R-13b", details=[{"received_on": calendar.local_date(invoice.received_at).isoformat(), "last_day": last.isoformat()}],
        )
    deadline = calendar.add_business_days(calendar.local_date(now), CORRECTION_BUSINESS_DAYS)
    return dataclasses.replace(invoice, defect=DefectNotice(noticed_at=now, reason=reason.strip(), correction_deadline=deadline))


def correction_keeps_due_date(invoice: Invoice, corrected_on: dt.date) -> bool:
    """R-13b: corrected within 5 business days of the notice and within the 45-day period."""
    assert invoice.defect is not None
    return corrected_on <= invoice.defect.correction_deadline and corrected_on <= invoice.original_due_date


def correct(invoice: Invoice, now: dt.datetime, amount: Decimal | None = None) -> Invoice:
    """The contractor corrects a defective invoice. In time: the original due date stands. Late: the corrected
    invoice is the proper one, received today, and the due date is recomputed from it (R-13a, R-13b)."""
    _require_unpaid(invoice, "R-13b")
    if not invoice.awaiting_correction:
        raise Conflict(f"Invoice {invoice.id} has no defect awaiting correction.", rule="R-13b")
    if amount is not None and amount <= 0:
        raise ValidationFailed("A corrected amount must be positive.", rule="R-13b", details=[{"field": "amount", "problem": "must be greater than 0"}])
    corrected_on = calendar.local_date(now)
    due = invoice.original_due_date if correction_keeps_due_date(invoice, corrected_on) else due_date(invoice.goods_received_on, corrected_on)
    return dataclasses.replace(invoice, corrected_at=now, due_date=due, amount=amount if amount is not None else invoice.amount)


def withhold(invoice: Invoice, amount: Decimal, reason: str, now: dt.datetime) -> Invoice:
    """R-13a: payment may be withheld for non-performance only with written notice before the due date ends."""
    _require_unpaid(invoice, "R-13a")
    if now > invoice.due_at:
        raise DeadlinePassed(
            f"Withholding needs a written notice before the end of the due date {invoice.due_date.isoformat()}.",
            rule="R-13a", details=[{"due_date": invoice.due_date.isoformat()}],
        )
    problems = []
    if amount <= 0:
        problems.append({"field": "amount", "problem": "must be greater than 0"})
    elif amount > invoice.balance:
        problems.append({"field": "amount", "problem": f"is more than the balance due {invoice.balance}"})
    if not reason.strip():
        problems.append({"field": "reason", "problem": "must state the non-performance"})
    if problems:
        raise ValidationFailed("The withholding notice is invalid.", rule="R-13a", details=problems)
    return dataclasses.replace(invoice, withholdings=invoice.withholdings + (Withholding(amount, reason.strip(), now),))


def set_off(invoice: Invoice, charge_id: str, amount: Decimal, now: dt.datetime) -> Invoice:
    """R-13d: a charge against the contractor is deducted from what is due on this invoice."""
    if amount <= 0 or amount > invoice.balance:
        raise ValidationFailed("A set-off must be positive and at most the balance due.", rule="R-13d", details=[{"field": "amount", "problem": f"{amount} vs balance {invoice.balance}"}])
    updated = dataclasses.replace(invoice, set_offs=invoice.set_offs + (SetOff(charge_id, amount, now),))
    return _settle(updated)


def allocate_set_off(charge: Decimal, invoices: list[Invoice]) -> list[tuple[Invoice, Decimal]]:
    """R-13d: spread a charge over open invoices, earliest due date first; what is left stays owed."""
    allocations, remaining = [], charge
    for invoice in sorted(invoices, key=lambda i: (i.due_date, i.id)):
        if remaining <= 0:
            break
        if invoice.status is InvoiceStatus.PAID or invoice.kind is not InvoiceKind.GOODS or invoice.balance <= 0:
            continue
        take = min(remaining, invoice.balance)
        allocations.append((invoice, take))
        remaining -= take
    return allocations


def pay(invoice: Invoice, amount: Decimal, now: dt.datetime) -> Payment:
    """R-13a/c: a payment of at most the balance; interest on the amount paid for the days it was late."""
    _require_unpaid(invoice, "R-13a")
    if amount <= 0:
        raise ValidationFailed("A payment must be positive.", rule="R-13a", details=[{"field": "amount", "problem": "must be greater than 0"}])
    if amount > invoice.balance:
        raise ValidationFailed(
            f"The payment {amount} is larger than the balance due {invoice.balance}.", rule="R-13a",
            details=[{"field": "amount", "problem": f"must be at most {invoice.balance}"}],
        )
    late = days_late(invoice.due_date, calendar.local_date(now))
    return Payment(amount=amount, paid_at=now, days_late=late, interest=late_interest(amount, late))


def record_payment(invoice: Invoice, payment: Payment) -> Invoice:
    return _settle(dataclasses.replace(invoice, payments=invoice.payments + (payment,)))


def _settle(invoice: Invoice) -> Invoice:
    if invoice.balance == 0 and invoice.withheld == 0:
        return dataclasses.replace(invoice, status=InvoiceStatus.PAID)
    return invoice


def _require_unpaid(invoice: Invoice, rule: str) -> None:
    if invoice.status is InvoiceStatus.PAID:
        raise Conflict(f"Invoice {invoice.id} is paid.", rule=rule)


# --- the payment workflow's events -------------------------------------------------------------------------

@dataclass(frozen=True)
class Event:
    name: str  # "correction-window", "reminder-10", "reminder-3", "overdue", "period-1", ...
    at: dt.datetime


def reminder_at(due: dt.date, days_before: int) -> dt.datetime:
    day = due - dt.timedelta(days=days_before)
    return dt.datetime.combine(day, REMINDER_LOCAL_TIME, tzinfo=calendar.CT).astimezone(calendar.UTC)


def overdue_at(due: dt.date) -> dt.datetime:
    return calendar.start_of_local_day(due + dt.timedelta(days=1))


def period_end_at(due: dt.date, period: int) -> dt.datetime:
    """Start of the first day after the `period`-th 30-day period following the due date."""
    return calendar.start_of_local_day(due + dt.timedelta(days=30 * period + 1))


def correction_window_closes_at(invoice: Invoice) -> dt.datetime:
    assert invoice.defect is not None
    return calendar.start_of_local_day(invoice.defect.correction_deadline + dt.timedelta(days=1))


def next_event(invoice: Invoice, now: dt.datetime) -> Event | None:
    """What the payment workflow waits for next, or None when it should end: the invoice is paid, or its
    defect went uncorrected past the window (a late correction starts a new clock)."""
    if invoice.status is InvoiceStatus.PAID:
        return None
    if invoice.awaiting_correction:
        closes = correction_window_closes_at(invoice)
        if now >= closes:
            return None
        return Event("correction-window", closes)
    if invoice.status is InvoiceStatus.OPEN:
        for days in REMINDER_DAYS_BEFORE:
            at = reminder_at(invoice.due_date, days)
            if reminder_key(invoice.due_date, days) not in invoice.reminders_sent and at > invoice.received_at:
                return Event(f"reminder-{days}", at)
        return Event("overdue", overdue_at(invoice.due_date))
    period = invoice.compounded_periods + 1
    return Event(f"period-{period}", period_end_at(invoice.due_date, period))


def reminder_key(due: dt.date, days_before: int) -> str:
    return f"{due.isoformat()}:{days_before}"


def mark_reminded(invoice: Invoice, days_before: int) -> Invoice:
    return dataclasses.replace(invoice, reminders_sent=invoice.reminders_sent + (reminder_key(invoice.due_date, days_before),))


def mark_overdue(invoice: Invoice, now: dt.datetime) -> Invoice:
    return dataclasses.replace(invoice, status=InvoiceStatus.OVERDUE, overdue_since=now)


def record_period(invoice: Invoice, period: int) -> Invoice:
    """At the end of a 30-day period the unpaid interest joins the principal (R-13c); keep the running figure."""
    return dataclasses.replace(invoice, compounded_periods=period, accrued_interest=late_interest(invoice.balance, 30 * period))


def interest_to_date(invoice: Invoice, today: dt.date) -> Decimal:
    """What the contractor could charge if the balance were paid today."""
    return late_interest(max(invoice.balance, ZERO), days_late(invoice.due_date, today))
