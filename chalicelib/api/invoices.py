"""Invoices and payments: submission on delivery or later, defect notice and correction (R-13a, R-13b),
withholding and its release (R-13a), payment with the cash discount (R-13a) and the automatic interest invoice
(R-13c), and each party's list of upcoming, overdue, withheld and paid invoices."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Literal

from chalice import Blueprint
from pydantic import Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, PageQuery, page_of, page_request
from chalicelib.api.types import Dollars, LocalTime, Money
from chalicelib.api.views import ApiModel, RequestBody
from chalicelib.domain import calendar
from chalicelib.domain.invoices import InvoiceKind, InvoiceStatus, interest_to_date
from chalicelib.services import invoices
from chalicelib.services.ports import Role

bp = Blueprint(__name__)
ALL = {Role.AGENCY, Role.VENDOR, Role.PURCHASING}


class SubmitInvoice(RequestBody):
    order_id: str = Field(min_length=1, max_length=40, description="The purchase order invoiced.")
    amount: Money = Field(
        description="Dollars, for goods of the order delivered, not rejected and not yet invoiced; an invoice may be sent on delivery, before inspection (R-13a).",
    )


class DefectNoticeIn(RequestBody):
    reason: str = Field(min_length=1, max_length=2000, description="The defect or impropriety to correct (R-13b).")


class CorrectionIn(RequestBody):
    amount: Money | None = Field(None, description="The corrected amount in dollars, if it changes.")


class WithholdingIn(RequestBody):
    amount: Money = Field(description="Dollars withheld for non-performance (R-13a).")
    reason: str = Field(min_length=1, max_length=2000, description="The non-performance, in writing (R-13a).")


class ReleaseIn(RequestBody):
    number: int = Field(ge=1, description="The withholding released (1 = the first notice).")


class PaymentIn(RequestBody):
    amount: Money = Field(
        description="Dollars of the balance the payment settles, cash discount included; at most the balance due.",
    )
    take_cash_discount: bool = Field(
        False, description="Take the contract's prompt-payment discount (R-13a); refused after its period."
    )


PaymentStatus = Literal["upcoming", "overdue", "withheld", "paid"]


class PaymentStatusQuery(PageQuery):
    status: PaymentStatus = Field("upcoming", description="Which payments to list.")


class PaymentsQuery(PaymentStatusQuery):
    agency: str | None = Field(None, max_length=40, description="Agency code (an agency sees only its own).")
    contractor: str | None = Field(None, max_length=80, description="Contractor organisation (a contractor sees only its own).")


class DefectOut(ApiModel):
    noticed_at: LocalTime = Field(description="When the agency noticed the defect or impropriety (R-13b).")
    reason: str = Field(description="What is to be corrected.")
    correction_deadline: dt.date = Field(description="Last Connecticut day for the contractor's correction (R-13b).")
    days_late: int = Field(
        description="Days the notice came after the tenth day; they shorten a late correction's period (R-13b)."
    )


class WithholdingOut(ApiModel):
    amount: Dollars = Field(description="Dollars withheld (R-13a).")
    reason: str = Field(description="The non-performance, in writing.")
    noticed_at: LocalTime = Field(description="When the contractor was given written notice.")
    released_at: LocalTime | None = Field(None, description="When the withholding was released; null while it holds.")
    released_due_date: dt.date | None = Field(
        None, description="The released amount is due and payable by the end of this day (R-13a)."
    )


class SetOffOut(ApiModel):
    charge_id: str = Field(description="The open-market purchase charged to the contractor (R-9i).")
    amount: Dollars = Field(description="Dollars set off against this invoice.")
    at: LocalTime = Field(description="When it was set off.")


class PaymentOut(ApiModel):
    amount: Dollars = Field(description="Dollars of the balance settled, discount included.")
    paid_at: LocalTime = Field(description="When the State paid.")
    days_late: int = Field(description="Days after the due date (0 when on time).")
    interest: Dollars = Field(description="Late-payment interest owed for this payment, in dollars (R-13c).")
    interest_invoice_id: str | None = Field(None, description="The interest invoice generated for it (R-13c).")
    discount: Dollars = Field(description="Cash discount taken; the State paid amount - discount (R-13a).")


class InvoiceOut(ApiModel):
    id: str = Field(description="Invoice id.")
    kind: InvoiceKind = Field(description="goods, or interest on a late payment (R-13c).")
    contract_id: str = Field(description="The contract invoiced.")
    order_id: str | None = Field(None, description="The purchase order invoiced (goods invoices).")
    for_invoice_id: str | None = Field(None, description="Interest invoices: the invoice paid late.")
    agency: str = Field(description="The agency that pays.")
    contractor_org: str = Field(description="The contractor's organisation.")
    contractor_name: str = Field(description="The contractor's legal name.")
    amount: Dollars = Field(description="Dollars invoiced.")
    received_at: LocalTime = Field(description="When the invoice was received.")
    goods_received_at: LocalTime = Field(description="Receipt of the goods invoiced (the delivery, not its inspection).")
    period_starts_at: LocalTime = Field(description="The later of goods receipt and the proper invoice's receipt (R-13a).")
    payment_days: int = Field(description="The contract's payment terms: 45 unless the invitation says otherwise (R-13a).")
    original_due_date: dt.date = Field(description="The due date before any defect notice moved it (R-13b).")
    due_date: dt.date = Field(
        description="Last day of the payment period after the later of goods and proper invoice receipt (R-13a, R-13b)."
    )
    status: InvoiceStatus = Field(description="open, overdue, withheld (nothing payable until a release) or paid.")
    not_due: Dollars = Field(
        description="Dollars of invoiced goods rejected at inspection or accepted at a lower price: never due (R-13a, R-12)."
    )
    defect: DefectOut | None = Field(None, description="The defect notice, if one was given (R-13b).")
    corrected_at: LocalTime | None = Field(None, description="When the contractor corrected the invoice.")
    withholdings: list[WithholdingOut] = Field(description="Amounts withheld for non-performance (R-13a).")
    set_offs: list[SetOffOut] = Field(description="Open-market excess costs set off against the invoice (R-9i).")
    payments: list[PaymentOut] = Field(description="Payments made, oldest first.")
    balance: Dollars = Field(description="Dollars still to pay.")
    overdue_since: LocalTime | None = Field(None, description="When it became overdue: interest accrues from then (R-13c).")
    interest_to_date: Dollars = Field(description="Dollars of interest on the balance if it were paid today (R-13c).")

    @classmethod
    def of(cls, invoice, today: dt.date) -> InvoiceOut:
        data = dataclasses.asdict(invoice)
        data.update(balance=invoice.balance, interest_to_date=interest_to_date(invoice, today))
        return cls.model_validate(data)


class PaymentRecorded(ApiModel):
    invoice: InvoiceOut = Field(description="The invoice paid, as it now stands.")
    interest_invoice: InvoiceOut | None = Field(None, description="Generated when the payment was late (R-13c).")


def _today(call: Call) -> dt.date:
    return calendar.local_date(call.deps.clock.now())


@operation(
    bp,
    "POST",
    "/contracts/{contract_id}/invoices",
    summary="Submit an invoice",
    tag="payments",
    roles={Role.VENDOR},
    body=SubmitInvoice,
    response=InvoiceOut,
    status=201,
    rules=("R-13a", "R-13d"),
    errors=(404, 409),
)
def submit_invoice(call: Call, contract_id: str):
    """The contractor invoices accepted goods; payment is due 45 days after the later of goods receipt and invoice receipt."""
    b = call.body
    return InvoiceOut.of(
        invoices.submit_invoice(call.deps, call.actor, contract_id, order_id=b.order_id, amount=b.amount), _today(call)
    )


@operation(
    bp, "GET", "/invoices/{invoice_id}", summary="Read an invoice", tag="payments", roles=ALL, response=InvoiceOut, errors=(404,)
)
def get_invoice(call: Call, invoice_id: str):
    """The invoice with its due date, balance and interest to date."""
    return InvoiceOut.of(invoices.get_invoice(call.deps, call.actor, invoice_id), _today(call))


@operation(
    bp,
    "POST",
    "/invoices/{invoice_id}/defect-notice",
    summary="Notify the contractor of a defective invoice",
    tag="payments",
    roles={Role.AGENCY},
    body=DefectNoticeIn,
    response=InvoiceOut,
    rules=("R-13b",),
    errors=(404, 409),
)
def notice_defect(call: Call, invoice_id: str):
    """Allowed within 10 days of receipt; the contractor has 5 business days to correct and keep the due date."""
    return InvoiceOut.of(invoices.notice_defect(call.deps, call.actor, invoice_id, call.body.reason), _today(call))


@operation(
    bp,
    "POST",
    "/invoices/{invoice_id}/correction",
    summary="Correct a defective invoice",
    tag="payments",
    roles={Role.VENDOR},
    body=CorrectionIn,
    response=InvoiceOut,
    rules=("R-13b",),
    errors=(404, 409),
)
def correct_invoice(call: Call, invoice_id: str):
    """A correction within 5 business days keeps the original due date; a later one moves it."""
    return InvoiceOut.of(invoices.correct_invoice(call.deps, call.actor, invoice_id, call.body.amount), _today(call))


@operation(
    bp,
    "POST",
    "/invoices/{invoice_id}/withholdings",
    summary="Withhold payment for non-performance",
    tag="payments",
    roles={Role.AGENCY},
    body=WithholdingIn,
    response=InvoiceOut,
    rules=("R-13a",),
    errors=(404, 409),
)
def withhold_payment(call: Call, invoice_id: str):
    """Written notice to the contractor, recorded before the due date ends."""
    b = call.body
    return InvoiceOut.of(
        invoices.withhold_payment(call.deps, call.actor, invoice_id, amount=b.amount, reason=b.reason), _today(call)
    )


@operation(
    bp,
    "POST",
    "/invoices/{invoice_id}/withholding-releases",
    summary="Release a withholding",
    tag="payments",
    roles={Role.AGENCY},
    body=ReleaseIn,
    response=InvoiceOut,
    rules=("R-13a",),
    errors=(404, 409),
)
def release_withholding(call: Call, invoice_id: str):
    """The released amount is due and payable: by the due date, or by the end of the day of release if later."""
    return InvoiceOut.of(invoices.release_withholding(call.deps, call.actor, invoice_id, call.body.number), _today(call))


@operation(
    bp,
    "POST",
    "/invoices/{invoice_id}/payments",
    summary="Record a payment",
    tag="payments",
    roles={Role.AGENCY},
    body=PaymentIn,
    response=PaymentRecorded,
    status=201,
    rules=("R-13a", "R-13c"),
    errors=(404, 409),
)
def record_payment(call: Call, invoice_id: str):
    """A payment of at most the balance due; when late, an interest invoice is generated and emailed to the contractor."""
    b = call.body
    paid, interest = invoices.record_payment(call.deps, call.actor, invoice_id, b.amount, b.take_cash_discount)
    today = _today(call)
    return PaymentRecorded(
        invoice=InvoiceOut.of(paid, today), interest_invoice=InvoiceOut.of(interest, today) if interest else None
    )


@operation(
    bp,
    "GET",
    "/payments",
    summary="List upcoming, overdue or paid payments",
    tag="payments",
    roles=ALL,
    query=PaymentsQuery,
    response=Page[InvoiceOut],
    rules=("R-13a",),
    errors=(403,),
)
def list_payments(call: Call):
    """An agency's or a contractor's invoices of one status by due date, read from an index (never a scan)."""
    q = call.query
    found = invoices.list_payments(
        call.deps, call.actor, page_request(call), status=q.status, agency=q.agency, contractor=q.contractor
    )
    return _invoice_page(call, found)


@operation(
    bp,
    "GET",
    "/vendors/{vendor_id}/invoices",
    summary="List a vendor's invoices",
    tag="payments",
    roles={Role.VENDOR, Role.PURCHASING},
    query=PaymentStatusQuery,
    response=Page[InvoiceOut],
    rules=("R-13a",),
    errors=(404,),
)
def list_vendor_invoices(call: Call, vendor_id: str):
    """The vendor's invoices of one status by due date: the vendor itself and purchasing."""
    found = invoices.vendor_invoices(call.deps, call.actor, vendor_id, page_request(call), status=call.query.status)
    return _invoice_page(call, found)


@operation(
    bp,
    "GET",
    "/agencies/{agency}/invoices",
    summary="List an agency's invoices",
    tag="payments",
    roles={Role.AGENCY, Role.PURCHASING},
    query=PaymentStatusQuery,
    response=Page[InvoiceOut],
    rules=("R-13a",),
    errors=(403,),
)
def list_agency_invoices(call: Call, agency: str):
    """The agency's invoices of one status by due date: the agency itself and purchasing."""
    found = invoices.list_payments(call.deps, call.actor, page_request(call), status=call.query.status, agency=agency)
    return _invoice_page(call, found)


@operation(
    bp,
    "GET",
    "/contracts/{contract_id}/invoices",
    summary="List a contract's invoices",
    tag="payments",
    roles=ALL,
    query=PageQuery,
    response=Page[InvoiceOut],
    rules=("R-13a",),
    errors=(404,),
)
def list_contract_invoices(call: Call, contract_id: str):
    """Every invoice of the contract by due date, whatever its status; an ordering agency sees its own."""
    return _invoice_page(call, invoices.contract_invoices(call.deps, call.actor, contract_id, page_request(call)))


def _invoice_page(call: Call, found) -> Page[InvoiceOut]:
    today = _today(call)
    return page_of(call, found, lambda i: InvoiceOut.of(i, today))
