"""Invoices and the payment clock (R-13a, R-13b, R-13c, R-13d): due dates, defect notices, corrections,
withholding and its release, goods found not due at inspection, set-off, payments, and the events the payment
workflow waits for.

Readings (docs/rules.md): "N days" are Connecticut calendar days counted with `calendar.days_after` (the day of
the event is not counted); the payment period ends at the start of the day after the due date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction

from chalicelib.domain import calendar
from chalicelib.domain import orders as order_rules
from chalicelib.domain.errors import Conflict, DeadlinePassed, ValidationFailed
from chalicelib.domain.interest import days_late, exact_interest, late_interest, round_half_up_cents
from chalicelib.domain.money import to_cents
from chalicelib.domain.orders import Delivery, DeliveryStatus, PurchaseOrder

PAYMENT_DAYS = 45  # R-13a, unless the invitation specifies otherwise
DEFECT_NOTICE_DAYS = 10  # R-13b: the agency contacts the contractor within ten days of receipt
CORRECTION_BUSINESS_DAYS = 5  # R-13b
REMINDER_DAYS_BEFORE = (10, 3)  # the agency is reminded this many days before the due date
REMINDER_LOCAL_TIME = dt.time(9, 0)
ZERO = Decimal(0)
# storage bounds (docs/decisions.md, "Items sized by design"): the withholding notices (R-13a), set-offs (R-13d) and
# payments (R-13a) one invoice holds; the last payment the bound allows settles the balance
MAX_WITHHOLDINGS = 20
MAX_SET_OFFS = 100
MAX_PAYMENTS = 100


class InvoiceKind(str, enum.Enum):
    GOODS = "goods"  # supplies, materials, equipment or services delivered
    INTEREST = "interest"  # late-payment interest, invoiced separately (R-13c)


class InvoiceStatus(str, enum.Enum):
    OPEN = "open"  # received; payment not yet due
    OVERDUE = "overdue"  # the due date passed unpaid: interest accrues
    WITHHELD = "withheld"  # nothing is payable: all that is left is withheld (R-13a) until released
    PAID = "paid"


@dataclass(frozen=True)
class DefectNotice:
    noticed_at: dt.datetime
    reason: str
    correction_deadline: dt.date  # 5 business days after the notice (R-13b)
    days_late: int = 0  # days after the tenth day; they shorten the corrected invoice's period (R-13b)


@dataclass(frozen=True)
class Withholding:
    amount: Decimal
    reason: str
    noticed_at: dt.datetime
    released_at: dt.datetime | None = None
    released_due_date: dt.date | None = None  # the released amount is due and payable from then (R-13a)

    @property
    def held(self) -> bool:
        return self.released_at is None


@dataclass(frozen=True)
class SetOff:
    charge_id: str
    amount: Decimal
    at: dt.datetime


@dataclass(frozen=True)
class Payment:
    amount: Decimal  # what the payment settles of the balance, cash discount included
    paid_at: dt.datetime
    days_late: int  # the most days late of the amounts it pays
    interest: Decimal
    interest_invoice_id: str | None = None
    discount: Decimal = ZERO  # prompt-payment cash discount taken (R-13a): the State pays amount - discount


@dataclass(frozen=True)
class Owed:
    due_date: dt.date
    amount: Decimal
    discount_ends_at: dt.datetime | None  # first instant after the cash discount period, if the contract has one


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
    goods_received_at: dt.datetime
    period_starts_at: dt.datetime  # the later of goods receipt and the proper invoice's receipt (R-13a)
    original_due_date: dt.date
    due_date: dt.date
    payment_days: int = PAYMENT_DAYS  # the contract's payment terms (R-13a "unless ... the invitation")
    cash_discount_percent: Decimal | None = None  # the contract's prompt-payment discount (R-8f, R-13a)
    cash_discount_days: int | None = None
    order_id: str | None = None
    for_invoice_id: str | None = None  # an interest invoice names the invoice paid late
    status: InvoiceStatus = InvoiceStatus.OPEN
    not_due: Decimal = ZERO  # invoiced goods rejected at inspection (or accepted at a lower price): never due
    defect: DefectNotice | None = None
    corrected_at: dt.datetime | None = None
    withholdings: tuple[Withholding, ...] = ()
    set_offs: tuple[SetOff, ...] = ()
    payments: tuple[Payment, ...] = ()
    reminders_sent: tuple[str, ...] = ()  # "<due date>:<days before>"
    overdue_since: dt.datetime | None = None
    compounded_periods: int = 0  # 30-day periods after the due date already recorded (R-13c)
    accrued_interest: Decimal = ZERO  # interest on the balance as of the last recorded period end
    payment_clock: str | None = None  # the running payment workflow; None once it ended with nothing payable
    version: int = 0

    @property
    def withheld(self) -> Decimal:
        """Withholdings not released."""
        return sum((w.amount for w in self.withholdings if w.held), ZERO)

    @property
    def set_off_total(self) -> Decimal:
        return sum((s.amount for s in self.set_offs), ZERO)

    @property
    def paid(self) -> Decimal:
        return sum((p.amount for p in self.payments), ZERO)

    @property
    def balance(self) -> Decimal:
        """What the State still owes on this invoice: amount less goods not due, withholding, set-off and payments."""
        return self.amount - self.not_due - self.withheld - self.set_off_total - self.paid

    @property
    def pending_defect(self) -> DefectNotice | None:
        """The defect notice still awaiting the contractor's correction (R-13b)."""
        return self.defect if self.corrected_at is None else None

    @property
    def awaiting_correction(self) -> bool:
        return self.pending_defect is not None

    @property
    def payable_since(self) -> dt.datetime:
        """When the amount now payable last grew: receipt, or the latest release of a withholding."""
        return max([self.received_at] + [w.released_at for w in self.withholdings if w.released_at is not None])

    @property
    def bucket(self) -> str:
        """Payment view of the invoice (the index partition)."""
        return {
            InvoiceStatus.OPEN: "upcoming",
            InvoiceStatus.OVERDUE: "overdue",
            InvoiceStatus.WITHHELD: "withheld",
            InvoiceStatus.PAID: "paid",
        }[self.status]


def due_date(goods_received_at: dt.datetime, proper_invoice_at: dt.datetime, payment_days: int = PAYMENT_DAYS) -> dt.date:
    """R-13a: the last day of the payment period after the later of receipt of the goods and of a proper invoice."""
    return calendar.last_day_of(calendar.days_after(max(goods_received_at, proper_invoice_at), max(payment_days, 0)))


def period_ends_at(due: dt.date) -> dt.datetime:
    """The first instant after the payment period whose last day is `due`: unpaid from then on is late."""
    return calendar.start_of_local_day(due + dt.timedelta(days=1))


def new_invoice(
    *,
    invoice_id: str,
    contract_id: str,
    agency: str,
    contractor_org: str,
    contractor_name: str,
    contractor_email: str,
    agency_email: str,
    amount: Decimal,
    goods_received_at: dt.datetime,
    now: dt.datetime,
    payment_days: int | None = None,
    cash_discount_percent: Decimal | None = None,
    cash_discount_days: int | None = None,
    kind: InvoiceKind = InvoiceKind.GOODS,
    order_id: str | None = None,
    for_invoice_id: str | None = None,
) -> Invoice:
    if amount <= 0:
        raise ValidationFailed(
            "An invoice amount must be positive.",
            rule="R-13a",
            details=[{"field": "amount", "problem": "must be greater than 0"}],
        )
    days = PAYMENT_DAYS if payment_days is None else payment_days
    due = due_date(goods_received_at, now, days)
    return Invoice(
        id=invoice_id,
        contract_id=contract_id,
        agency=agency,
        contractor_org=contractor_org,
        contractor_name=contractor_name,
        contractor_email=contractor_email,
        agency_email=agency_email,
        kind=kind,
        amount=amount,
        received_at=now,
        goods_received_at=goods_received_at,
        period_starts_at=max(goods_received_at, now),
        original_due_date=due,
        due_date=due,
        payment_days=days,
        cash_discount_percent=cash_discount_percent,
        cash_discount_days=cash_discount_days,
        order_id=order_id,
        for_invoice_id=for_invoice_id,
    )


# --- goods invoiced on delivery, and found not due at inspection (R-13a, R-12) ------------------------------


def _not_rejected(delivery: Delivery) -> bool:
    return delivery.status is DeliveryStatus.RECEIVED or any(line.accepted for line in delivery.lines)


def goods_received_at(deliveries: list[Delivery]) -> dt.datetime | None:
    """R-13a: the latest receipt of goods invoiced: delivered and not rejected (inspection does not delay it)."""
    received = [d.received_at for d in deliveries if _not_rejected(d)]
    return max(received) if received else None


def billable_value(order: PurchaseOrder, deliveries: list[Delivery]) -> Decimal:
    """Goods the contractor may invoice: awaiting inspection at the contract price, accepted at the contract or
    adjusted price (R-12); rejected goods are not due."""
    inspected = [d for d in deliveries if d.status is DeliveryStatus.INSPECTED]
    awaiting = sum(
        (
            line.quantity * order.unit_prices[line.line_id]
            for d in deliveries
            if d.status is DeliveryStatus.RECEIVED
            for line in d.lines
        ),
        ZERO,
    )
    return order_rules.accepted_value(inspected, order) + to_cents(awaiting)


def not_due_after_inspection(invoices: list[Invoice], billable: Decimal) -> list[Invoice]:
    """What an order's goods invoices bill beyond its goods not rejected is not due: the latest invoice is reduced
    first, never below what is already paid, withheld or set off. Reductions only grow: a replacement delivery is
    invoiced anew (its own receipt starts its own period). Returns the invoices that change."""
    excess = sum((i.amount - i.not_due for i in invoices), ZERO) - billable
    changed = []
    for invoice in sorted(invoices, key=lambda i: (i.received_at, i.id), reverse=True):
        if excess <= 0:
            break
        room = (
            invoice.amount
            - invoice.not_due
            - invoice.set_off_total
            - invoice.paid
            - sum((w.amount for w in invoice.withholdings), ZERO)
        )
        take = min(excess, max(room, ZERO))
        if take > 0:
            changed.append(_settle(dataclasses.replace(invoice, not_due=invoice.not_due + take)))
            excess -= take
    return changed


# --- defective invoices (R-13b) -----------------------------------------------------------------------------


def defect_notice_deadline(invoice: Invoice) -> dt.datetime:
    """First instant after the ten days the agency has to contact the contractor."""
    return calendar.days_after(invoice.received_at, DEFECT_NOTICE_DAYS)


def notice_defect(invoice: Invoice, reason: str, now: dt.datetime) -> Invoice:
    """R-13b: the agency contacts the contractor about a defective invoice within ten days of receipt. A later
    notice is still recorded, with the days it was late: they cannot delay payment."""
    _require_unpaid(invoice, "R-13b")
    if invoice.defect is not None:
        raise Conflict(
            f"Invoice {invoice.id} already has a defect notice of {calendar.iso_local(invoice.defect.noticed_at)}.", rule="R-13b"
        )
    if not reason.strip():
        raise ValidationFailed(
            "A defect notice must say what is wrong.", rule="R-13b", details=[{"field": "reason", "problem": "must not be blank"}]
        )
    deadline = defect_notice_deadline(invoice)
    late = 0 if now < deadline else (calendar.local_date(now) - calendar.last_day_of(deadline)).days
    correction_deadline = calendar.add_business_days(calendar.local_date(now), CORRECTION_BUSINESS_DAYS)
    return dataclasses.replace(invoice, defect=DefectNotice(now, reason.strip(), correction_deadline, late))


def correction_window_closes_at(invoice: Invoice) -> dt.datetime:
    assert invoice.defect is not None
    return calendar.start_of_local_day(invoice.defect.correction_deadline + dt.timedelta(days=1))


def correction_keeps_due_date(invoice: Invoice, corrected_at: dt.datetime) -> bool:
    """R-13b: corrected within 5 business days of the notice and within the payment period."""
    return corrected_at < correction_window_closes_at(invoice) and corrected_at < period_ends_at(invoice.original_due_date)


def correct(invoice: Invoice, now: dt.datetime, amount: Decimal | None = None) -> Invoice:
    """The contractor corrects a defective invoice. In time: the original due date stands. Late: the corrected
    invoice is the proper one, received now; its period is shortened by the days the notice was late (R-13b)."""
    _require_unpaid(invoice, "R-13b")
    defect = invoice.pending_defect
    if defect is None:
        raise Conflict(f"Invoice {invoice.id} has no defect awaiting correction.", rule="R-13b")
    if amount is not None and amount <= 0:
        raise ValidationFailed(
            "A corrected amount must be positive.",
            rule="R-13b",
            details=[{"field": "amount", "problem": "must be greater than 0"}],
        )
    corrected = dataclasses.replace(invoice, corrected_at=now, amount=amount if amount is not None else invoice.amount)
    if correction_keeps_due_date(invoice, now):
        return corrected
    days = invoice.payment_days - defect.days_late
    return dataclasses.replace(
        corrected, period_starts_at=max(invoice.goods_received_at, now), due_date=due_date(invoice.goods_received_at, now, days)
    )


# --- withholding for non-performance (R-13a) ----------------------------------------------------------------


def withholding_deadline(invoice: Invoice) -> dt.datetime:
    """R-13a: notice "prior to the ending date of the forty-five day payment period": before the due date begins."""
    return calendar.start_of_local_day(invoice.due_date)


def withhold(invoice: Invoice, amount: Decimal, reason: str, now: dt.datetime) -> Invoice:
    """R-13a: payment may be withheld for non-performance only with written notice before the due date."""
    _require_unpaid(invoice, "R-13a")
    if now >= withholding_deadline(invoice):
        last = invoice.due_date - dt.timedelta(days=1)
        raise DeadlinePassed(
            f"Withholding needs a written notice before the due date {invoice.due_date.isoformat()}; the last day was {last.isoformat()}.",
            rule="R-13a",
            details=[{"field": "due_date", "problem": f"the notice must be given by the end of {last.isoformat()}"}],
        )
    problems = []
    if amount <= 0:
        problems.append({"field": "amount", "problem": "must be greater than 0"})
    elif amount > invoice.balance:
        problems.append({"field": "amount", "problem": f"is more than the balance due {invoice.balance}"})
    if not reason.strip():
        problems.append({"field": "reason", "problem": "must state the non-performance"})
    if len(invoice.withholdings) >= MAX_WITHHOLDINGS:
        problems.append(
            {"field": "reason", "problem": f"an invoice takes at most {MAX_WITHHOLDINGS} withholding notices", "rule": "R-13a"}
        )
    if problems:
        raise ValidationFailed("The withholding notice is invalid.", rule="R-13a", details=problems)
    return _settle(dataclasses.replace(invoice, withholdings=invoice.withholdings + (Withholding(amount, reason.strip(), now),)))


def release_withholding(invoice: Invoice, number: int, now: dt.datetime) -> Invoice:
    """R-13a: a released amount is due and payable: on the invoice's due date, or on the day of release when that
    is later."""
    if not 1 <= number <= len(invoice.withholdings):
        raise ValidationFailed(
            f"Invoice {invoice.id} has no withholding {number}.",
            rule="R-13a",
            details=[{"field": "number", "problem": f"must be between 1 and {len(invoice.withholdings)}"}],
        )
    withholding = invoice.withholdings[number - 1]
    if withholding.released_at is not None:
        raise Conflict(
            f"Withholding {number} of invoice {invoice.id} was released on {calendar.iso_local(withholding.released_at)}.",
            rule="R-13a",
        )
    released = dataclasses.replace(
        withholding, released_at=now, released_due_date=max(invoice.due_date, calendar.local_date(now))
    )
    withholdings = invoice.withholdings[: number - 1] + (released,) + invoice.withholdings[number:]
    status = InvoiceStatus.OPEN if invoice.status is InvoiceStatus.WITHHELD else invoice.status
    return dataclasses.replace(invoice, withholdings=withholdings, status=status)


# --- set-off (R-13d) ------------------------------------------------------------------------------------------


def set_off(invoice: Invoice, charge_id: str, amount: Decimal, now: dt.datetime) -> Invoice:
    """R-13d: a charge against the contractor is deducted from what is due on this invoice."""
    if len(invoice.set_offs) >= MAX_SET_OFFS:
        raise ValidationFailed(
            f"Invoice {invoice.id} takes at most {MAX_SET_OFFS} set-offs.",
            rule="R-13d",
            details=[
                {"field": "amount", "problem": f"invoice {invoice.id} has {len(invoice.set_offs)} already", "rule": "R-13d"}
            ],
        )
    if amount <= 0 or amount > invoice.balance:
        raise ValidationFailed(
            "A set-off must be positive and at most the balance due.",
            rule="R-13d",
            details=[{"field": "amount", "problem": f"{amount} vs balance {invoice.balance}"}],
        )
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
        if len(invoice.set_offs) >= MAX_SET_OFFS:  # the next invoice takes it, or it stays owed
            continue
        take = min(remaining, invoice.balance)
        allocations.append((invoice, take))
        remaining -= take
    return allocations


# --- payment, interest (R-13c) and the cash discount (R-13a) -----------------------------------------------


def owed(invoice: Invoice) -> list[Owed]:
    """What is unpaid, by due date: the invoice's own amount on its due date, each released withholding on its own
    date (its cash discount period counted from the release); payments settle the earliest first."""

    def discount_ends(start: dt.datetime) -> dt.datetime | None:
        return None if invoice.cash_discount_days is None else calendar.days_after(start, invoice.cash_discount_days)

    own = invoice.amount - invoice.not_due - invoice.set_off_total - sum((w.amount for w in invoice.withholdings), ZERO)
    parts = [Owed(invoice.due_date, own, discount_ends(invoice.period_starts_at))] + [
        Owed(due, w.amount, discount_ends(at))
        for w in invoice.withholdings
        if (at := w.released_at) is not None and (due := w.released_due_date) is not None
    ]
    paid, left = invoice.paid, []
    for part in sorted(parts, key=lambda p: p.due_date):
        settled = min(paid, part.amount)
        paid -= settled
        if part.amount > settled:
            left.append(dataclasses.replace(part, amount=part.amount - settled))
    return left


def next_due_date(invoice: Invoice) -> dt.date:
    parts = owed(invoice)
    return parts[0].due_date if parts else invoice.due_date


def _portions(invoice: Invoice, amount: Decimal) -> list[tuple[Owed, Decimal]]:
    """How a payment of `amount` is applied to what is owed, earliest due first."""
    portions, rest = [], amount
    for part in owed(invoice):
        if rest <= 0:
            break
        take = min(rest, part.amount)
        portions.append((part, take))
        rest -= take
    return portions


def _interest(portions: list[tuple[Owed, Decimal]], paid_on: dt.date) -> tuple[int, Decimal]:
    """(most days late, interest): each portion from its own due date, summed exactly and rounded once (R-13c)."""
    late = [days_late(part.due_date, paid_on) for part, _ in portions]
    exact = sum((exact_interest(take, days) for (_, take), days in zip(portions, late)), Fraction(0))
    return max(late, default=0), round_half_up_cents(exact)


def cash_discount(invoice: Invoice, portions: list[tuple[Owed, Decimal]], now: dt.datetime) -> Decimal:
    """R-13a: the contract's prompt-payment discount on what is paid within its discount period; withholding does
    not cost the State the discount (a released amount's period runs from its release)."""
    if invoice.cash_discount_percent is None or invoice.cash_discount_days is None:
        raise ValidationFailed(
            "The contract offers no cash discount.",
            rule="R-13a",
            details=[{"field": "take_cash_discount", "problem": "the contract has no prompt-payment discount"}],
        )
    in_time = sum((take for part, take in portions if part.discount_ends_at is not None and now < part.discount_ends_at), ZERO)
    if in_time == 0:
        raise DeadlinePassed(
            f"The {invoice.cash_discount_days}-day cash discount period has ended for this amount.",
            rule="R-13a",
            details=[{"field": "take_cash_discount", "problem": "the discount period has ended"}],
        )
    return to_cents(in_time * invoice.cash_discount_percent / 100)


def pay(invoice: Invoice, amount: Decimal, now: dt.datetime, take_cash_discount: bool = False) -> Payment:
    """R-13a/c: a payment settling at most the balance; interest on each amount paid for the days it was late.
    An invoice whose defect was never corrected is not proper and earns no interest (R-13b)."""
    _require_unpaid(invoice, "R-13a")
    if amount <= 0:
        raise ValidationFailed(
            "A payment must be positive.", rule="R-13a", details=[{"field": "amount", "problem": "must be greater than 0"}]
        )
    if amount > invoice.balance:
        raise ValidationFailed(
            f"The payment {amount} is larger than the balance due {invoice.balance}.",
            rule="R-13a",
            details=[{"field": "amount", "problem": f"must be at most {invoice.balance}"}],
        )
    if len(invoice.payments) >= MAX_PAYMENTS - 1 and amount != invoice.balance:
        raise ValidationFailed(
            f"An invoice is paid in at most {MAX_PAYMENTS} payments; this one settles the balance {invoice.balance}.",
            rule="R-13a",
            details=[{"field": "amount", "problem": f"must be the balance {invoice.balance}", "rule": "R-13a"}],
        )
    portions = _portions(invoice, amount)
    discount = cash_discount(invoice, portions, now) if take_cash_discount else ZERO
    late, interest = (0, ZERO) if invoice.awaiting_correction else _interest(portions, calendar.local_date(now))
    return Payment(amount=amount, paid_at=now, days_late=late, interest=interest, discount=discount)


def record_payment(invoice: Invoice, payment: Payment) -> Invoice:
    return _settle(dataclasses.replace(invoice, payments=invoice.payments + (payment,)))


def _settle(invoice: Invoice) -> Invoice:
    """Nothing left to pay: paid, or withheld while a withholding stands (never overdue on a zero balance)."""
    if invoice.balance == 0:
        return dataclasses.replace(invoice, status=InvoiceStatus.PAID if invoice.withheld == 0 else InvoiceStatus.WITHHELD)
    return invoice


def _require_unpaid(invoice: Invoice, rule: str) -> None:
    if invoice.status is InvoiceStatus.PAID:
        raise Conflict(f"Invoice {invoice.id} is paid.", rule=rule)


def interest_to_date(invoice: Invoice, today: dt.date) -> Decimal:
    """What the contractor could charge if the balance were paid today (none on an uncorrected invoice)."""
    if invoice.awaiting_correction or invoice.balance <= 0:
        return ZERO
    return _interest(_portions(invoice, invoice.balance), today)[1]


# --- the payment workflow's events -------------------------------------------------------------------------


@dataclass(frozen=True)
class Event:
    name: str  # "correction-window", "reminder-10", "reminder-3", "overdue", "period-1", ...
    at: dt.datetime
    due: dt.date  # the due date the event is about


def reminder_at(due: dt.date, days_before: int) -> dt.datetime:
    day = due - dt.timedelta(days=days_before)
    return dt.datetime.combine(day, REMINDER_LOCAL_TIME, tzinfo=calendar.CT).astimezone(calendar.UTC)


def period_end_at(due: dt.date, period: int) -> dt.datetime:
    """Start of the first day after the `period`-th 30-day period following the due date."""
    return period_ends_at(due + dt.timedelta(days=30 * period))


def next_event(invoice: Invoice, now: dt.datetime) -> Event | None:
    """What the payment workflow waits for next, or None when it should end: the invoice is paid, nothing is
    payable while a withholding stands (a release starts a new clock), or its defect went uncorrected past the
    window (a late correction starts a new clock)."""
    if invoice.status in (InvoiceStatus.PAID, InvoiceStatus.WITHHELD):
        return None
    if invoice.awaiting_correction:
        closes = correction_window_closes_at(invoice)
        if now >= closes:
            return None
        return Event("correction-window", closes, invoice.due_date)
    due = next_due_date(invoice)
    if invoice.status is InvoiceStatus.OPEN:
        for days in REMINDER_DAYS_BEFORE:
            at = reminder_at(due, days)
            if reminder_key(due, days) not in invoice.reminders_sent and at > invoice.payable_since:
                return Event(f"reminder-{days}", at, due)
        return Event("overdue", period_ends_at(due), due)
    period = invoice.compounded_periods + 1
    return Event(f"period-{period}", period_end_at(invoice.due_date, period), invoice.due_date)


def reminder_key(due: dt.date, days_before: int) -> str:
    return f"{due.isoformat()}:{days_before}"


def mark_reminded(invoice: Invoice, event: Event, days_before: int) -> Invoice:
    return dataclasses.replace(invoice, reminders_sent=invoice.reminders_sent + (reminder_key(event.due, days_before),))


def mark_overdue(invoice: Invoice, now: dt.datetime) -> Invoice:
    return dataclasses.replace(invoice, status=InvoiceStatus.OVERDUE, overdue_since=now)


def record_period(invoice: Invoice, period: int) -> Invoice:
    """At the end of a 30-day period the unpaid interest joins the principal (R-13c); keep the running figure."""
    return dataclasses.replace(invoice, compounded_periods=period, accrued_interest=late_interest(invoice.balance, 30 * period))
