"""Invoices, the 45-day payment clock and late-payment interest (R-13a to R-13d).

The invoice-payment workflow calls `advance_payment` at each instant it waited for: reminders to the agency
10 and 3 days before the due date, the overdue mark the day after it, and the end of every 30-day period of
interest; it ends when the invoice is paid. Every step is recomputed from the stored invoice, so a due date
moved by a late correction is honoured and a retried task changes nothing twice.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from chalicelib.domain import calendar
from chalicelib.domain import invoices as rules
from chalicelib.domain import orders as order_rules
from chalicelib.domain.contracts import ensure_active
from chalicelib.domain.errors import Forbidden, NotFound, ValidationFailed
from chalicelib.domain.invoices import Invoice, InvoiceKind, Payment
from chalicelib.domain.orders import PurchaseOrder
from chalicelib.services import orders as order_services
from chalicelib.services.ports import Actor, Change, Deps, Email, Role, require_role

PAYMENT = "invoice-payment"
BUCKETS = ("upcoming", "overdue", "paid")


def get_invoice(deps: Deps, actor: Actor, invoice_id: str) -> Invoice:
    invoice = deps.store.get(Invoice, invoice_id)
    if invoice is None or not order_services.visible_to(actor, invoice.agency, invoice.contractor_org):
        raise NotFound(f"No invoice {invoice_id} is visible to the caller.")
    return invoice



def _clock_name(invoice: Invoice, suffix: str = "") -> str:
    return f"invoice-{invoice.id}{suffix}"


def _start_clock(deps: Deps, invoice: Invoice) -> None:
    deps.workflows.start(PAYMENT, invoice.payment_clock, {"invoice_id": invoice.id})


def submit_invoice(deps: Deps, actor: Actor, contract_id: str, *, order_id: str, amount: Decimal) -> Invoice:
    """The contractor invoices accepted goods of an order; the due date is 45 days after the later of goods
    receipt and invoice receipt (R-13a). Unrecovered open-market charges are set off at once (R-13d)."""
    contract = order_services.get_contract(deps, actor, contract_id)
    ensure_active(contract)
    require_role(actor, Role.VENDOR)
    order_rules.require_active(contract, "R-13a")
    order = deps.store.get(PurchaseOrder, order_id)
    if order is None or order.contract_id != contract.id:
        raise ValidationFailed("The invoice must name an order of this contract.", rule="R-13a", details=[{"field": "order_id", "problem": f"{order_id} is not an order of contract {contract.id}"}])
    deliveries = order_services.deliveries_of(deps, order.id)
    received_on = order_rules.goods_received_on(deliveries)
    if received_on is None:
        raise ValidationFailed("Payment is due only for accepted goods; nothing of this order has been accepted yet.", rule="R-13a", details=[{"field": "order_id", "problem": "no accepted delivery"}])
    invoiced = sum((i.amount for i in _invoices_of_order(deps, order)), Decimal(0))
    payable = order_rules.accepted_value(deliveries, order) - invoiced
    if amount > payable:
        raise ValidationFailed(
            f"The invoice {amount} is more than the {payable} of accepted goods not yet invoiced.", rule="R-13a",
            details=[{"field": "amount", "problem": f"must be at most {payable}"}],
        )
    now = deps.clock.now()
    invoice = rules.new_invoice(
        invoice_id=deps.ids.new("INV"), contract_id=contract.id, agency=contract.agency,
        contractor_org=contract.contractor_org, contractor_name=contract.contractor_name,
        contractor_email=contract.contractor_email, agency_email=order.contact_email, amount=amount,
        goods_received_on=received_on, now=now, order_id=order.id,
    )
    invoice = dataclasses.replace(invoice, payment_clock=_clock_name(invoice))
    changes = [Change("invoice.received", invoice)]
    purchases = order_services.open_market_of(deps, contract.id)
    set_offs = order_services.set_off_changes(purchases, [invoice], now)
    for change in set_offs:
        if change.after.id == invoice.id:
            changes = [Change("invoice.received", change.after)]
    stored = deps.store.commit(actor, now, changes + [c for c in set_offs if c.after.id != invoice.id])
    invoice = stored[0]
    _start_clock(deps, invoice)
    return invoice


def _invoices_of_order(deps: Deps, order: PurchaseOrder) -> list[Invoice]:
    found = []
    for bucket in BUCKETS:
        found += [i for i in deps.store.iterate(Invoice, "by_agency_status", f"{order.agency}#{bucket}")
                  if i.order_id == order.id and i.kind is InvoiceKind.GOODS]
    return found


def notice_defect(deps: Deps, actor: Actor, invoice_id: str, reason: str) -> Invoice:
    """R-13b: the agency contacts the contractor about a defect within ten days of receipt."""
    invoice = get_invoice(deps, actor, invoice_id)
    _require_agency(actor, invoice)
    now = deps.clock.now()
    noticed = rules.notice_defect(invoice, reason, now)
    (noticed,) = deps.store.commit(actor, now, [Change("invoice.defect_noticed", noticed, invoice)])
    deps.send_once(f"invoice-{invoice.id}:defect", Email(
        to=(invoice.contractor_email,),
        subject=f"Invoice {invoice.id} is defective",
        text=(
            f"Invoice {invoice.id} (contract {invoice.contract_id}) cannot be paid as submitted: {noticed.defect.reason}\n"
            f"Correct it by {noticed.defect.correction_deadline.isoformat()} (5 business days) to keep the due date "
            f"{invoice.original_due_date.isoformat()} (R-13b); a later correction moves the due date."
        ),
    ))
    return noticed


def correct_invoice(deps: Deps, actor: Actor, invoice_id: str, amount: Decimal | None = None) -> Invoice:
    """R-13b: the contractor's correction. If the payment clock already ended for want of a correction, a new
    one starts from the recomputed due date. The invoice's version guards the race with that ending: whichever
    commit comes second re-reads the other's."""
    invoice = get_invoice(deps, actor, invoice_id)
    require_role(actor, Role.VENDOR)
    now = deps.clock.now()
    corrected = rules.correct(invoice, now, amount)
    restart = invoice.payment_clock is None
    if restart:
        corrected = dataclasses.replace(corrected, payment_clock=_clock_name(invoice, "-corrected"))
    (corrected,) = deps.store.commit(actor, now, [Change("invoice.corrected", corrected, invoice)])
    if restart:
        _start_clock(deps, corrected)
    return corrected


def withhold_payment(deps: Deps, actor: Actor, invoice_id: str, *, amount: Decimal, reason: str) -> Invoice:
    """R-13a: written notice of withholding for non-performance, before the due date ends."""
    invoice = get_invoice(deps, actor, invoice_id)
    _require_agency(actor, invoice)
    now = deps.clock.now()
    withheld = rules.withhold(invoice, amount, reason, now)
    (withheld,) = deps.store.commit(actor, now, [Change("invoice.payment_withheld", withheld, invoice)])
    deps.send_once(f"invoice-{invoice.id}:withholding-{len(withheld.withholdings)}", Email(
        to=(invoice.contractor_email,),
        subject=f"Payment withheld on invoice {invoice.id}",
        text=f"The State withholds {amount} of invoice {invoice.id} (contract {invoice.contract_id}) for non-performance: {reason}",
    ))
    return withheld


def record_payment(deps: Deps, actor: Actor, invoice_id: str, amount: Decimal) -> tuple[Invoice, Invoice | None]:
    """The agency records a payment of at most the balance due. A late payment generates the separate
    interest invoice (R-13c) and emails the contractor."""
    invoice = get_invoice(deps, actor, invoice_id)
    _require_agency(actor, invoice)
    now = deps.clock.now()
    payment = rules.pay(invoice, amount, now)
    interest_invoice = None
    if payment.interest > 0:
        interest_invoice = rules.new_invoice(
            invoice_id=deps.ids.new("INV"), contract_id=invoice.contract_id, agency=invoice.agency,
            contractor_org=invoice.contractor_org, contractor_name=invoice.contractor_name,
            contractor_email=invoice.contractor_email, agency_email=invoice.agency_email, amount=payment.interest,
            goods_received_on=calendar.local_date(now), now=now, kind=InvoiceKind.INTEREST, for_invoice_id=invoice.id,
            order_id=invoice.order_id,
        )
        interest_invoice = dataclasses.replace(interest_invoice, payment_clock=_clock_name(interest_invoice))
        payment = Payment(payment.amount, payment.paid_at, payment.days_late, payment.interest, interest_invoice.id)
    paid = rules.record_payment(invoice, payment)
    changes = [Change("invoice.payment_recorded", paid, invoice)]
    if interest_invoice is not None:
        changes.append(Change("invoice.interest_invoiced", interest_invoice))
    stored = deps.store.commit(actor, now, changes)
    paid = stored[0]
    if interest_invoice is not None:
        interest_invoice = stored[1]
        deps.send_once(f"invoice-{interest_invoice.id}:issued", Email(
            to=(invoice.contractor_email,),
            subject=f"Interest invoice {interest_invoice.id} for late payment of invoice {invoice.id}",
            text=(
                f"Invoice {invoice.id} (contract {invoice.contract_id}) was due on {invoice.due_date.isoformat()} and "
                f"{payment.amount} of it was paid on {calendar.local_date(now).isoformat()}, {payment.days_late} days late.\n"
                f"Interest at 1% per month, compounded every 30 days (R-13c): {payment.interest}.\n"
                f"Interest invoice {interest_invoice.id} for {payment.interest} is due on {interest_invoice.due_date.isoformat()}."
            ),
        ))
        _start_clock(deps, interest_invoice)
    return paid, interest_invoice


def list_payments(deps: Deps, actor: Actor, *, status: str, agency: str | None = None, contractor: str | None = None) -> list[Invoice]:
    """Upcoming, overdue or paid invoices of one agency or one contractor, by due date (index Query)."""
    if status not in BUCKETS:
        raise ValidationFailed("Unknown payment status.", rule="R-13a", details=[{"field": "status", "problem": f"must be one of {', '.join(BUCKETS)}"}])
    if actor.role is Role.VENDOR:
        if contractor not in (None, actor.org) or agency is not None:
            raise Forbidden("A contractor sees only its own payments.", rule="R-13a")
        return list(deps.store.iterate(Invoice, "by_contractor_status", f"{actor.org}#{status}"))
    if actor.role is Role.AGENCY:
        if agency not in (None, actor.org) or contractor is not None:
            raise Forbidden("An agency sees only its own payments.", rule="R-13a")
        return list(deps.store.iterate(Invoice, "by_agency_status", f"{actor.org}#{status}"))
    require_role(actor, Role.PURCHASING)
    if (agency is None) == (contractor is None):
        raise ValidationFailed("Name exactly one agency or one contractor.", rule="R-13a", details=[{"field": "agency", "problem": "give agency or contractor"}])
    if agency is not None:
        return list(deps.store.iterate(Invoice, "by_agency_status", f"{agency}#{status}"))
    return list(deps.store.iterate(Invoice, "by_contractor_status", f"{contractor}#{status}"))


def _require_agency(actor: Actor, invoice: Invoice) -> None:
    require_role(actor, Role.AGENCY)
    if actor.org != invoice.agency:
        raise NotFound(f"No invoice {invoice.id} is visible to the caller.")


# --- the payment workflow's task ----------------------------------------------------------------------------

def advance_payment(deps: Deps, execution: str, invoice_id: str) -> dict:
    """Do every step of the payment clock that is due now, then say when to wake next (or that it is done)."""
    now = deps.clock.now()
    system = Actor.system(execution)
    for _ in range(100):
        invoice = deps.load(Invoice, invoice_id)
        event = rules.next_event(invoice, now)
        if event is None:
            if invoice.awaiting_correction and invoice.payment_clock == execution:
                stopped = dataclasses.replace(invoice, payment_clock=None)
                deps.store.commit(system, now, [Change("invoice.payment_clock_stopped", stopped, invoice)])
            return {"done": True, "wake_at": calendar.iso_utc(now), "status": invoice.status.value}
        if event.at > now:
            return {"done": False, "wake_at": calendar.iso_utc(event.at), "next": event.name, "due_date": invoice.due_date.isoformat()}
        _perform(deps, system, execution, invoice, event.name, now)
    raise RuntimeError(f"invoice {invoice_id}: too many payment steps at once")


def _perform(deps: Deps, system: Actor, execution: str, invoice: Invoice, event: str, now) -> None:
    if event.startswith("reminder-"):
        days = int(event.split("-")[1])
        reminded = rules.mark_reminded(invoice, days)
        deps.store.commit(system, now, [Change("invoice.payment_reminder_sent", reminded, invoice)])
        deps.send_once(f"invoice-{invoice.id}:{invoice.due_date.isoformat()}:reminder-{days}", Email(
            to=(invoice.agency_email,),
            subject=f"Payment due in {days} days: invoice {invoice.id}",
            text=(
                f"Invoice {invoice.id} of {invoice.contractor_name} (contract {invoice.contract_id}) must be paid by "
                f"{invoice.due_date.isoformat()} (R-13a). Balance due: {invoice.balance}.\n"
                f"Late payment earns the contractor interest of 1% per month (R-13c)."
            ),
        ))
    elif event == "overdue":
        overdue = rules.mark_overdue(invoice, now)
        deps.store.commit(system, now, [Change("invoice.overdue", overdue, invoice)])
        deps.send_once(f"invoice-{invoice.id}:{invoice.due_date.isoformat()}:overdue", Email(
            to=(invoice.agency_email,),
            subject=f"Payment overdue: invoice {invoice.id}",
            text=(
                f"Invoice {invoice.id} of {invoice.contractor_name} (contract {invoice.contract_id}) was due on "
                f"{invoice.due_date.isoformat()} and is unpaid. Interest of 1% per month accrues on {invoice.balance} "
                f"from today and compounds every 30 days (R-13c)."
            ),
        ))
    elif event.startswith("period-"):
        period = int(event.split("-")[1])
        accrued = rules.record_period(invoice, period)
        deps.store.commit(system, now, [Change("invoice.interest_compounded", accrued, invoice)])
    else:  # pragma: no cover - next_event never returns a past correction window
        raise ValueError(f"unknown payment event {event}")
