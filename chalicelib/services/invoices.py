"""Invoices, the 45-day payment clock and late-payment interest (R-13a to R-13d).

The invoice-payment workflow calls `advance_payment` at each instant it waited for: reminders to the agency
10 and 3 days before the due date, the overdue mark the day after it, and the end of every 30-day period of
interest; it ends when the invoice is paid, or when nothing is payable (a defect left uncorrected, everything
left withheld), and a correction or a release then starts a new one. Every step is recomputed from the stored
invoice, so a due date moved by a late correction or a release is honoured, goods rejected at inspection after
the invoice arrived are taken off it, and a retried task changes nothing twice.
"""

from __future__ import annotations

import dataclasses
from decimal import Decimal

from chalicelib import emails
from chalicelib.domain import calendar
from chalicelib.domain import invoices as rules
from chalicelib.domain.contracts import require_active
from chalicelib.domain.errors import Forbidden, NotFound, ValidationFailed
from chalicelib.domain.invoices import Invoice, InvoiceKind, InvoiceStatus
from chalicelib.domain.orders import PurchaseOrder
from chalicelib.services import orders as order_services
from chalicelib.services.ports import Actor, Change, Deps, Listing, PageRequest, Role, Send, Write, require_role
from chalicelib.services.vendors import get_vendor

PAYMENT = "invoice-payment"
BUCKETS = ("upcoming", "overdue", "withheld", "paid")


def get_invoice(deps: Deps, actor: Actor, invoice_id: str) -> Invoice:
    invoice = deps.store.get(Invoice, invoice_id)
    if invoice is None or not order_services.visible_to(actor, invoice.agency, invoice.contractor_org):
        raise NotFound(f"No invoice {invoice_id} is visible to the caller.")
    return invoice


def _clock_name(invoice: Invoice, suffix: str = "") -> str:
    return f"invoice-{invoice.id}{suffix}"


def _start_clock(deps: Deps, invoice_id: str, clock: str) -> None:
    """The payment workflow named `clock`, the invoice's `payment_clock` as committed."""
    deps.workflows.start(PAYMENT, clock, {"invoice_id": invoice_id})


def submit_invoice(deps: Deps, actor: Actor, contract_id: str, *, order_id: str, amount: Decimal) -> Invoice:
    """The contractor invoices goods of an order delivered and not rejected, on delivery or later: payment is due
    in the contract's payment days (45 unless the invitation says otherwise) after the later of goods receipt and
    invoice receipt; inspection does not delay it (R-13a). Unrecovered open-market charges are set off (R-13d)."""
    contract = order_services.get_contract(deps, actor, contract_id)
    require_role(actor, Role.VENDOR)
    require_active(contract, "R-13a")
    order = deps.store.get(PurchaseOrder, order_id)
    if order is None or order.contract_id != contract.id:
        raise ValidationFailed(
            "The invoice must name an order of this contract.",
            rule="R-13a",
            details=[{"field": "order_id", "problem": f"{order_id} is not an order of contract {contract.id}"}],
        )
    deliveries = order_services.deliveries_of(deps, order.id)
    received_at = rules.goods_received_at(deliveries)
    if received_at is None:
        raise ValidationFailed(
            "Payment is due only for goods received and not rejected; nothing of this order is.",
            rule="R-13a",
            details=[{"field": "order_id", "problem": "no delivery with goods not rejected"}],
        )
    now = deps.clock.now()
    billable = rules.billable_value(order, deliveries)
    earlier = {i.id: i for i in _invoices_of_order(deps, order.id, order.agency)}
    reductions = rules.not_due_after_inspection(list(earlier.values()), billable)
    current = earlier | {i.id: i for i in reductions}
    payable = billable - sum((i.amount - i.not_due for i in current.values()), Decimal(0))
    if amount > payable:
        raise ValidationFailed(
            f"The invoice {amount} is more than the {payable} of goods delivered, not rejected and not yet invoiced.",
            rule="R-13a",
            details=[{"field": "amount", "problem": f"must be at most {payable}"}],
        )
    invoice = rules.new_invoice(
        invoice_id=deps.ids.new("INV"),
        contract_id=contract.id,
        agency=order.agency,
        contractor_org=contract.contractor_org,
        contractor_name=contract.contractor_name,
        contractor_email=contract.contractor_email,
        agency_email=order.contact_email,
        amount=amount,
        goods_received_at=received_at,
        now=now,
        order_id=order.id,
        payment_days=contract.payment_days,
        cash_discount_percent=contract.cash_discount_percent,
        cash_discount_days=contract.cash_discount_days,
    )
    clock = _clock_name(invoice)
    invoice = dataclasses.replace(invoice, payment_clock=clock)
    changes = [Change(action="invoice.received", after=invoice)]
    purchases = order_services.open_market_of(deps, contract.id)
    set_offs = order_services.set_off_changes(purchases, [invoice], now)
    for change in set_offs:
        if change.after.id == invoice.id:
            changes = [Change(action="invoice.received", after=change.after)]
    changes += [c for c in set_offs if c.after.id != invoice.id]
    changes += [
        Change(action="invoice.reduced_for_rejected_goods", after=after, before=earlier[after.id]) for after in reductions
    ]
    stored = deps.store.commit(actor, now, changes)
    invoice = stored[0]
    _start_clock(deps, invoice.id, clock)
    return invoice


def _invoices_of_order(deps: Deps, order_id: str, agency: str) -> list[Invoice]:
    found = []
    for bucket in BUCKETS:
        found += [
            i
            for i in deps.store.iterate(Invoice, "by_agency_status", f"{agency}#{bucket}")
            if i.order_id == order_id and i.kind is InvoiceKind.GOODS
        ]
    return found


def _current(deps: Deps, invoice: Invoice) -> tuple[Invoice, list[Change]]:
    """The invoice as inspection left it: goods of its order rejected since it was sent are not due (R-13a). Returns
    it and the reductions of the order's other invoices, to commit with the caller's change."""
    if invoice.kind is not InvoiceKind.GOODS or invoice.order_id is None:
        return invoice, []
    order = deps.load(PurchaseOrder, invoice.order_id)
    invoices = _invoices_of_order(deps, order.id, order.agency)
    before = {i.id: i for i in invoices}
    reduced = rules.not_due_after_inspection(invoices, rules.billable_value(order, order_services.deliveries_of(deps, order.id)))
    mine = next((i for i in reduced if i.id == invoice.id), invoice)
    return mine, [
        Change(action="invoice.reduced_for_rejected_goods", after=i, before=before[i.id]) for i in reduced if i.id != invoice.id
    ]


def notice_defect(deps: Deps, actor: Actor, invoice_id: str, reason: str) -> Invoice:
    """R-13b: the agency contacts the contractor about a defect within ten days of receipt; a later notice is
    recorded but cannot delay payment."""
    invoice = get_invoice(deps, actor, invoice_id)
    _require_agency(actor, invoice)
    now = deps.clock.now()
    noticed = rules.notice_defect(invoice, reason, now)
    defect = noticed.defect
    assert defect is not None  # the notice just recorded
    (noticed,) = deps.commit(
        actor,
        now,
        [
            Change(action="invoice.defect_noticed", after=noticed, before=invoice),
            Send(
                f"invoice-{invoice.id}:defect",
                emails.render(
                    "invoice_defective",
                    to=(invoice.contractor_email,),
                    contractor=invoice.contractor_name,
                    invoice_id=invoice.id,
                    contract_id=invoice.contract_id,
                    reason=defect.reason,
                    correct_by=defect.correction_deadline,
                    due_date=invoice.original_due_date,
                    days_late=defect.days_late,
                    link=deps.portal.page("invoices", invoice.id),
                ),
            ),
        ],
    )
    return noticed


def correct_invoice(deps: Deps, actor: Actor, invoice_id: str, amount: Decimal | None = None) -> Invoice:
    """R-13b: the contractor's correction. If the payment clock already ended for want of a correction, a new
    one starts from the recomputed due date. The invoice's version guards the race with that ending: whichever
    commit comes second re-reads the other's."""
    invoice = get_invoice(deps, actor, invoice_id)
    require_role(actor, Role.VENDOR)
    now = deps.clock.now()
    corrected = rules.correct(invoice, now, amount)
    restart = _clock_name(invoice, "-corrected") if invoice.payment_clock is None else None
    if restart is not None:
        corrected = dataclasses.replace(corrected, payment_clock=restart)
    (corrected,) = deps.store.commit(actor, now, [Change(action="invoice.corrected", after=corrected, before=invoice)])
    if restart is not None:
        _start_clock(deps, corrected.id, restart)
    return corrected


def withhold_payment(deps: Deps, actor: Actor, invoice_id: str, *, amount: Decimal, reason: str) -> Invoice:
    """R-13a: written notice of withholding for non-performance, before the due date."""
    stored = get_invoice(deps, actor, invoice_id)
    _require_agency(actor, stored)
    now = deps.clock.now()
    invoice, others = _current(deps, stored)
    withheld = rules.withhold(invoice, amount, reason, now)
    withheld = deps.commit(
        actor,
        now,
        [
            Change(action="invoice.payment_withheld", after=withheld, before=stored),
            Send(
                f"invoice-{invoice.id}:withholding-{len(withheld.withholdings)}",
                emails.render(
                    "payment_withheld",
                    to=(invoice.contractor_email,),
                    contractor=invoice.contractor_name,
                    invoice_id=invoice.id,
                    contract_id=invoice.contract_id,
                    amount=amount,
                    reason=reason,
                    due_date=invoice.due_date,
                    link=deps.portal.page("invoices", invoice.id),
                ),
            ),
            *others,
        ],
    )[0]
    return withheld


def release_withholding(deps: Deps, actor: Actor, invoice_id: str, number: int) -> Invoice:
    """R-13a: the agency releases a withholding; the released amount is due and payable. A payment clock that
    ended with nothing payable starts again (a new execution per release)."""
    stored = get_invoice(deps, actor, invoice_id)
    _require_agency(actor, stored)
    now = deps.clock.now()
    invoice, others = _current(deps, stored)
    released = rules.release_withholding(invoice, number, now)
    restart = _clock_name(invoice, f"-released-{number}") if stored.payment_clock is None else None
    if restart is not None:
        released = dataclasses.replace(released, payment_clock=restart)
    withholding = released.withholdings[number - 1]
    released = deps.commit(
        actor,
        now,
        [
            Change(action="invoice.withholding_released", after=released, before=stored),
            Send(
                f"invoice-{invoice.id}:withholding-{number}:released",
                emails.render(
                    "withholding_released",
                    to=(invoice.contractor_email, invoice.agency_email),
                    contractor=invoice.contractor_name,
                    invoice_id=invoice.id,
                    contract_id=invoice.contract_id,
                    amount=withholding.amount,
                    due_date=withholding.released_due_date,
                    link=deps.portal.page("invoices", invoice.id),
                ),
            ),
            *others,
        ],
    )[0]
    if restart is not None:
        _start_clock(deps, released.id, restart)
    return released


def record_payment(
    deps: Deps, actor: Actor, invoice_id: str, amount: Decimal, take_cash_discount: bool = False
) -> tuple[Invoice, Invoice | None]:
    """The agency records a payment settling at most the balance due, taking the contract's cash discount if asked
    (R-13a). A late payment generates the separate interest invoice (R-13c) and emails the contractor."""
    stored = get_invoice(deps, actor, invoice_id)
    _require_agency(actor, stored)
    now = deps.clock.now()
    invoice, others = _current(deps, stored)
    payment = rules.pay(invoice, amount, now, take_cash_discount)
    interest_invoice = None
    if payment.interest > 0:
        interest_invoice = rules.new_invoice(
            invoice_id=deps.ids.new("INV"),
            contract_id=invoice.contract_id,
            agency=invoice.agency,
            contractor_org=invoice.contractor_org,
            contractor_name=invoice.contractor_name,
            contractor_email=invoice.contractor_email,
            agency_email=invoice.agency_email,
            amount=payment.interest,
            goods_received_at=now,
            now=now,
            payment_days=invoice.payment_days,
            kind=InvoiceKind.INTEREST,
            for_invoice_id=invoice.id,
            order_id=invoice.order_id,
        )
        interest_clock = _clock_name(interest_invoice)
        interest_invoice = dataclasses.replace(interest_invoice, payment_clock=interest_clock)
        payment = dataclasses.replace(payment, interest_invoice_id=interest_invoice.id)
    paid = rules.record_payment(invoice, payment)
    changes: list[Write] = [Change(action="invoice.payment_recorded", after=paid, before=stored)]
    if interest_invoice is not None:
        changes += [
            Change(action="invoice.interest_invoiced", after=interest_invoice),
            Send(
                f"invoice-{interest_invoice.id}:issued",
                emails.render(
                    "interest_invoice",
                    to=(invoice.contractor_email,),
                    contractor=invoice.contractor_name,
                    invoice_id=invoice.id,
                    contract_id=invoice.contract_id,
                    due_date=invoice.due_date,
                    paid=payment.amount,
                    paid_on=calendar.local_date(now),
                    days_late=payment.days_late,
                    interest=payment.interest,
                    interest_invoice_id=interest_invoice.id,
                    interest_due_date=interest_invoice.due_date,
                    link=deps.portal.page("invoices", interest_invoice.id),
                ),
            ),
        ]
    committed = deps.commit(actor, now, [*changes, *others])
    paid = committed[0]
    if interest_invoice is not None:
        interest_invoice = committed[1]
        _start_clock(deps, interest_invoice.id, interest_clock)
    return paid, interest_invoice


def list_payments(
    deps: Deps, actor: Actor, page: PageRequest, *, status: str, agency: str | None = None, contractor: str | None = None
) -> Listing[Invoice]:
    """Upcoming, overdue, withheld or paid invoices of one agency or one contractor, by due date: one Query of the
    party's status partition. A contractor sees only its own, an agency only its own; purchasing names one party."""
    if status not in BUCKETS:
        raise ValidationFailed(
            "Unknown payment status.",
            rule="R-13a",
            details=[{"field": "status", "problem": f"must be one of {', '.join(BUCKETS)}"}],
        )
    if actor.role is Role.VENDOR:
        if contractor not in (None, actor.org) or agency is not None:
            raise Forbidden("A contractor sees only its own payments.", rule="R-13a")
        contractor = actor.org
    elif actor.role is Role.AGENCY:
        if agency not in (None, actor.org) or contractor is not None:
            raise Forbidden("An agency sees only its own payments.", rule="R-13a")
        agency = actor.org
    else:
        require_role(actor, Role.PURCHASING)
    if (agency is None) == (contractor is None):
        raise ValidationFailed(
            "Name exactly one agency or one contractor.",
            rule="R-13a",
            details=[{"field": "agency", "problem": "give agency or contractor"}],
        )
    index, party = ("by_agency_status", agency) if agency is not None else ("by_contractor_status", contractor)
    return deps.store.page(Invoice, index, f"{party}#{status}", after=page.after, limit=page.limit)


def vendor_invoices(deps: Deps, actor: Actor, vendor_id: str, page: PageRequest, *, status: str) -> Listing[Invoice]:
    """A vendor's invoices of one payment status, by due date: the vendor itself and purchasing (R-13a)."""
    vendor = get_vendor(deps, actor, vendor_id)
    return list_payments(deps, actor, page, status=status, contractor=vendor.org)


def contract_invoices(deps: Deps, actor: Actor, contract_id: str, page: PageRequest) -> Listing[Invoice]:
    """A contract's invoices by due date, for whoever sees the contract; an ordering agency sees its own only, as
    when it reads one (most contracts have one agency, so the filter keeps nearly all it reads)."""
    contract = order_services.get_contract(deps, actor, contract_id)
    own = (lambda i: i.agency == actor.org) if actor.role is Role.AGENCY else None
    return deps.store.page(Invoice, "by_contract", contract.id, after=page.after, limit=page.limit, where=own)


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
        stored = deps.load(Invoice, invoice_id)
        invoice, others = _current(deps, stored)
        if invoice is not stored or others:
            mine = (
                [Change(action="invoice.reduced_for_rejected_goods", after=invoice, before=stored)]
                if invoice is not stored
                else []
            )
            deps.store.commit(system, now, mine + others)
            continue
        event = rules.next_event(invoice, now)
        if event is None:
            if invoice.status is not InvoiceStatus.PAID and invoice.payment_clock == execution:
                stopped = dataclasses.replace(invoice, payment_clock=None)
                deps.store.commit(system, now, [Change(action="invoice.payment_clock_stopped", after=stopped, before=invoice)])
            return {"done": True, "wake_at": calendar.iso_utc(now), "status": invoice.status.value}
        if event.at > now:
            return {"done": False, "wake_at": calendar.iso_utc(event.at), "next": event.name, "due_date": event.due.isoformat()}
        _perform(deps, system, invoice, event, now)
    raise RuntimeError(f"invoice {invoice_id}: too many payment steps at once")


def _perform(deps: Deps, system: Actor, invoice: Invoice, event: rules.Event, now) -> None:
    due = event.due.isoformat()
    if event.name.startswith("reminder-"):
        days = int(event.name.split("-")[1])
        reminded = rules.mark_reminded(invoice, event, days)
        deps.commit(
            system,
            now,
            [
                Change(action="invoice.payment_reminder_sent", after=reminded, before=invoice),
                Send(
                    f"invoice-{invoice.id}:{due}:reminder-{days}",
                    emails.render(
                        "payment_reminder",
                        to=(invoice.agency_email,),
                        contractor=invoice.contractor_name,
                        invoice_id=invoice.id,
                        contract_id=invoice.contract_id,
                        days=days,
                        due_date=event.due,
                        balance=invoice.balance,
                        link=deps.portal.page("invoices", invoice.id),
                    ),
                ),
            ],
        )
    elif event.name == "overdue":
        overdue = rules.mark_overdue(invoice, now)
        deps.commit(
            system,
            now,
            [
                Change(action="invoice.overdue", after=overdue, before=invoice),
                Send(
                    f"invoice-{invoice.id}:{due}:overdue",
                    emails.render(
                        "payment_overdue",
                        to=(invoice.agency_email,),
                        contractor=invoice.contractor_name,
                        invoice_id=invoice.id,
                        contract_id=invoice.contract_id,
                        due_date=event.due,
                        balance=invoice.balance,
                        link=deps.portal.page("invoices", invoice.id),
                    ),
                ),
            ],
        )
    elif event.name.startswith("period-"):
        period = int(event.name.split("-")[1])
        accrued = rules.record_period(invoice, period)
        deps.store.commit(system, now, [Change(action="invoice.interest_compounded", after=accrued, before=invoice)])
    else:  # pragma: no cover - next_event never returns a past correction window
        raise ValueError(f"unknown payment event {event}")
