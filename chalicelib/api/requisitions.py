"""Purchase requisitions (R-3): the agency's requisition to the Bureau of Purchases, the Bureau's pre-itemized form
returned by the agency, the link to the invitation to bid or request for proposals it feeds, filled or cancelled."""

from __future__ import annotations

import datetime as dt

from chalice import Blueprint
from pydantic import Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, PageQuery, page_of, page_request
from chalicelib.api.types import CommodityCode, DecimalOut, Dollars, ExactDollars, LocalTime, Quantity, QuantityOrZero, UnitPrice
from chalicelib.api.views import ApiModel, RequestBody
from chalicelib.domain.requisitions import Requisition, RequisitionKind, RequisitionLine, RequisitionStatus
from chalicelib.services import requisitions
from chalicelib.services.ports import Role

bp = Blueprint(__name__)
TAG = "requisitions"
RULES = ("R-3",)
ERRORS = (404, 409)


class RequisitionLineIn(RequestBody):
    description: str = Field(min_length=1, max_length=2000, description="What is needed.")
    quantity: Quantity = Field(description="How many units are needed.")
    unit: str = Field(min_length=1, max_length=40, description="The unit of the quantity: each, case, ton...")
    estimated_unit_price: UnitPrice = Field(description="The agency's estimate of the price of one unit, US dollars.")


class SubmitRequisition(RequestBody):
    description: str = Field(min_length=1, max_length=2000, description="What the requisition is for.")
    lines: list[RequisitionLineIn] = Field(min_length=1, max_length=200, description="The needs, one line each.")
    needed_by: dt.date = Field(description="The date the supplies or services are needed by; not before today.")
    commodity_codes: list[CommodityCode] = Field(min_length=1, max_length=50, description="Commodity codes of what is needed.")
    not_covered_statement: bool = Field(
        description="R-3(a): the agency states that no direct purchase authority and no term contract covers the need; must be true."
    )


class PreItemizedItemIn(RequestBody):
    description: str = Field(min_length=1, max_length=2000, description="The Bureau's item.")
    unit: str = Field(min_length=1, max_length=40, description="The unit in which the agency states its quantity.")


class IssuePreItemized(RequestBody):
    agency: str = Field(min_length=1, max_length=40, description="The agency's org code the form is forwarded to.")
    description: str = Field(min_length=1, max_length=2000, description="What the form schedules.")
    items: list[PreItemizedItemIn] = Field(min_length=1, max_length=200, description="The Bureau's items, numbered from 1.")
    commodity_codes: list[CommodityCode] = Field(min_length=1, max_length=50, description="Commodity codes of the items.")
    return_due_on: dt.date = Field(
        description="The date the agency returns the form by (the end of that day, Connecticut time); after today."
    )


class ReturnedQuantity(RequestBody):
    line: int = Field(ge=1, le=200, description="The item's number on the form.")
    quantity: QuantityOrZero = Field(description="The quantity the agency needs; 0 for none.")


class ReturnForm(RequestBody):
    quantities: list[ReturnedQuantity] = Field(
        min_length=1, max_length=200, description="A quantity for every item of the form; at least one above 0."
    )
    needed_by: dt.date | None = Field(None, description="The date the items are needed by, if the agency names one.")


class LinkSolicitation(RequestBody):
    solicitation_id: str | None = Field(
        None, min_length=1, max_length=80, description="The invitation to bid it feeds (draft or open); or give rfp_id."
    )
    rfp_id: str | None = Field(
        None,
        min_length=1,
        max_length=80,
        description="The request for proposals it feeds (draft or open); or give solicitation_id.",
    )


class FillRequisition(RequestBody):
    contract_id: str | None = Field(
        None, min_length=1, max_length=80, description="The contract that covers it; or give order_reference."
    )
    order_reference: str | None = Field(
        None, min_length=1, max_length=200, description="The order that covers it; or give contract_id."
    )


class CancelRequisition(RequestBody):
    reason: str = Field(min_length=1, max_length=2000, description="Why the requisition is cancelled.")


class RequisitionListQuery(PageQuery):
    agency: str | None = Field(None, min_length=1, max_length=40, description="Only this agency's (an agency sees only its own).")
    status: RequisitionStatus | None = Field(
        None, description="Only requisitions in this status; purchasing with no filter lists the received ones."
    )
    solicitation_id: str | None = Field(
        None, min_length=1, max_length=80, description="Only those feeding this invitation to bid."
    )
    rfp_id: str | None = Field(None, min_length=1, max_length=80, description="Only those feeding this request for proposals.")


class RequisitionLineOut(ApiModel):
    line: int = Field(description="Line number, from 1.")
    description: str = Field(description="What is needed.")
    unit: str = Field(description="The unit of the quantity.")
    quantity: DecimalOut | None = Field(description="The quantity needed; null on a pre-itemized form not yet returned.")
    estimated_unit_price: ExactDollars | None = Field(description="The agency's estimate per unit; null on a pre-itemized form.")


class RequisitionOut(ApiModel):
    id: str = Field(description="Requisition id.")
    kind: RequisitionKind = Field(
        description="agency (the agency's requisition, R-3(b)) or pre_itemized (the Bureau's form, R-3(c))."
    )
    agency: str = Field(description="The purchasing agency.")
    description: str = Field(description="What the requisition is for.")
    lines: list[RequisitionLineOut] = Field(description="The needs, or the form's items.")
    estimated_total: Dollars | None = Field(description="Sum of quantity x estimated unit price; null without estimates.")
    needed_by: dt.date | None = Field(description="The date the items are needed by.")
    commodity_codes: list[str] = Field(description="Commodity codes.")
    not_covered_statement: bool = Field(description="R-3(a): the agency's statement that no DPA or term contract covers it.")
    status: RequisitionStatus = Field(
        description="issued (a pre-itemized form with the agency); received (with the Bureau); in_solicitation; filled; cancelled."
    )
    created_at: LocalTime = Field(description="When it was submitted or issued.")
    return_due_on: dt.date | None = Field(description="Pre-itemized: the date the form is due back by (the end of that day).")
    returned_at: LocalTime | None = Field(description="Pre-itemized: when the agency returned it.")
    returned_late: bool = Field(description="Pre-itemized: returned after its due date.")
    reminded_at: LocalTime | None = Field(description="When the agency was reminded of the return.")
    overdue_noticed_at: LocalTime | None = Field(description="When purchasing and the agency were told it was overdue.")
    solicitation_id: str | None = Field(description="The invitation to bid it feeds.")
    rfp_id: str | None = Field(description="The request for proposals it feeds.")
    linked_at: LocalTime | None = Field(description="When it was linked to the solicitation.")
    contract_id: str | None = Field(description="The contract that filled it.")
    order_reference: str | None = Field(description="The order that filled it.")
    filled_at: LocalTime | None = Field(description="When it was filled.")
    cancelled_at: LocalTime | None = Field(description="When it was cancelled.")
    cancel_reason: str | None = Field(description="Why it was cancelled.")
    cancelled_by_bureau: bool = Field(description="Cancelled by purchasing (false: by the agency, or not cancelled).")

    @classmethod
    def of(cls, requisition: Requisition) -> RequisitionOut:
        data = {k: getattr(requisition, k) for k in cls.model_fields}
        data["lines"] = [line.__dict__ for line in requisition.lines]
        return cls.model_validate(data)


def _lines(lines: list[RequisitionLineIn]) -> list[RequisitionLine]:
    return [RequisitionLine(0, line.description, line.unit, line.quantity, line.estimated_unit_price) for line in lines]


@operation(
    bp,
    "POST",
    "/requisitions",
    summary="Submit a purchase requisition to the Bureau of Purchases",
    tag=TAG,
    roles={Role.AGENCY},
    body=SubmitRequisition,
    response=RequisitionOut,
    status=201,
    rules=RULES,
)
def submit(call: Call):
    """R-3(a)/(b): for a need no DPA or term contract covers (the agency says so, or 400); received by the Bureau."""
    b = call.body
    requisition = requisitions.submit(
        call.deps,
        call.actor,
        description=b.description,
        lines=_lines(b.lines),
        needed_by=b.needed_by,
        commodity_codes=b.commodity_codes,
        not_covered_statement=b.not_covered_statement,
    )
    return RequisitionOut.of(requisition)


@operation(
    bp,
    "POST",
    "/requisitions/pre-itemized",
    summary="Issue a pre-itemized requisition to an agency",
    tag=TAG,
    roles={Role.PURCHASING},
    body=IssuePreItemized,
    response=RequisitionOut,
    status=201,
    rules=RULES,
)
def issue_pre_itemized(call: Call):
    """R-3(c): the Bureau's items go to the agency by email with the return due date; the agency is reminded three days
    before it, and purchasing and the agency are told once it passed without the form returned."""
    b = call.body
    requisition = requisitions.issue_pre_itemized(
        call.deps,
        call.actor,
        agency=b.agency,
        description=b.description,
        items=[RequisitionLine(0, item.description, item.unit) for item in b.items],
        commodity_codes=b.commodity_codes,
        return_due_on=b.return_due_on,
    )
    return RequisitionOut.of(requisition)


@operation(
    bp,
    "POST",
    "/requisitions/{requisition_id}/return",
    summary="Return a pre-itemized requisition with the agency's quantities",
    tag=TAG,
    roles={Role.AGENCY},
    body=ReturnForm,
    response=RequisitionOut,
    rules=RULES,
    errors=ERRORS,
)
def return_form(call: Call, requisition_id: str):
    """R-3(c): the agency's requirements recorded; the Bureau receives the form (marked late after its due date)."""
    entries = [(q.line, q.quantity) for q in call.body.quantities]
    return RequisitionOut.of(requisitions.return_form(call.deps, call.actor, requisition_id, entries, call.body.needed_by))


@operation(
    bp,
    "POST",
    "/requisitions/{requisition_id}/solicitation",
    summary="Link a requisition to the invitation to bid or request for proposals it feeds",
    tag=TAG,
    roles={Role.PURCHASING},
    body=LinkSolicitation,
    response=RequisitionOut,
    rules=RULES,
    errors=ERRORS,
)
def link(call: Call, requisition_id: str):
    """A received requisition, to a draft or open solicitation; several requisitions may feed one."""
    b = call.body
    return RequisitionOut.of(
        requisitions.link(call.deps, call.actor, requisition_id, solicitation_id=b.solicitation_id, rfp_id=b.rfp_id)
    )


@operation(
    bp,
    "POST",
    "/requisitions/{requisition_id}/fill",
    summary="Record the contract or order that fills a requisition",
    tag=TAG,
    roles={Role.PURCHASING},
    body=FillRequisition,
    response=RequisitionOut,
    rules=RULES,
    errors=ERRORS,
)
def fill(call: Call, requisition_id: str):
    b = call.body
    found = requisitions.fill(call.deps, call.actor, requisition_id, contract_id=b.contract_id, order_reference=b.order_reference)
    return RequisitionOut.of(found)


@operation(
    bp,
    "POST",
    "/requisitions/{requisition_id}/cancel",
    summary="Cancel a requisition",
    tag=TAG,
    roles={Role.AGENCY, Role.PURCHASING},
    body=CancelRequisition,
    response=RequisitionOut,
    rules=RULES,
    errors=ERRORS,
)
def cancel(call: Call, requisition_id: str):
    """The agency (its own) or purchasing, with the reason, before it is filled."""
    return RequisitionOut.of(requisitions.cancel(call.deps, call.actor, requisition_id, call.body.reason))


@operation(
    bp,
    "GET",
    "/requisitions",
    summary="List requisitions",
    tag=TAG,
    roles={Role.AGENCY, Role.PURCHASING},
    query=RequisitionListQuery,
    response=Page[RequisitionOut],
    rules=RULES,
    errors=(403,),
)
def list_requisitions(call: Call):
    """Oldest first: those feeding one invitation or request for proposals, or by agency and status; an agency sees
    its own only (another agency's: 403); purchasing with no filter, the received ones."""
    q = call.query
    found = requisitions.listing(
        call.deps,
        call.actor,
        page_request(call),
        agency=q.agency,
        status=q.status,
        solicitation_id=q.solicitation_id,
        rfp_id=q.rfp_id,
    )
    return page_of(call, found, RequisitionOut.of)


@operation(
    bp,
    "GET",
    "/requisitions/{requisition_id}",
    summary="Read a requisition",
    tag=TAG,
    roles={Role.AGENCY, Role.PURCHASING},
    response=RequisitionOut,
    rules=RULES,
    errors=(404,),
)
def read(call: Call, requisition_id: str):
    """Purchasing, and the requisition's agency; anyone else gets 404."""
    return RequisitionOut.of(requisitions.get(call.deps, call.actor, requisition_id))
