"""Emergency purchases (R-20): the agency's record, purchasing's approval above $600 (or where the agency head did not
approve beforehand), and the public record of emergency procurements."""

from __future__ import annotations

import datetime as dt

from chalice import Blueprint
from pydantic import Field

from chalicelib.api.delegations import QuotationIn
from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, PageQuery, page_of, page_request
from chalicelib.api.types import DecimalOut, Dollars, ExactDollars, LocalTime, Quantity, UnitPrice
from chalicelib.api.views import ApiModel, RequestBody
from chalicelib.domain.delegations import Quotation
from chalicelib.domain.emergencies import (
    Emergency,
    EmergencyItem,
    EmergencyPurchase,
    EmergencyStatus,
    FailedSolicitation,
    FailureGround,
    HeadApproval,
    Threatened,
)
from chalicelib.domain.sole_source import ContractType
from chalicelib.services import emergencies
from chalicelib.services.ports import Role

bp = Blueprint(__name__)
TAG = "emergency purchases"


class EmergencyItemIn(RequestBody):
    description: str = Field(min_length=1, max_length=1000, description="What is procured (R-20f(3)).")
    unit: str = Field(min_length=1, max_length=40, description="Unit of measure.")
    quantity: Quantity = Field(description="Quantity.")
    unit_price: UnitPrice = Field(description="Price per unit, in dollars.")


class HeadApprovalIn(RequestBody):
    name: str = Field(min_length=1, max_length=200, description="The agency head who approved.")
    approved_at: dt.datetime = Field(description="When, before the procurement (R-20c).")


class FailedSolicitationIn(RequestBody):
    solicitation_id: str = Field(min_length=1, max_length=60, description="The invitation to bid whose bids were all rejected.")
    ground: FailureGround = Field(description="unreasonable, noncompetitive or exceeds_funds (R-20e).")
    no_time_to_resolicit: str = Field(
        min_length=1, max_length=5000, description="Why time or circumstance does not permit resoliciting (R-20e)."
    )


class EmergencyPurchaseIn(RequestBody):
    threat: str = Field(min_length=1, max_length=5000, description="The emergency condition (R-20a).")
    threatened: Threatened = Field(description="state_government, property or health_or_safety (R-20a(1)-(3)).")
    why_not_normal: str = Field(min_length=1, max_length=5000, description="Why normal procurement methods cannot meet the need.")
    limited_to_need: str = Field(min_length=1, max_length=5000, description="How the purchase is limited to the need (R-20b).")
    quotations: list[QuotationIn] = Field(default_factory=list, max_length=50, description="Competition obtained (R-20d).")
    competition_statement: str | None = Field(
        None, max_length=5000, description="Without quotations: why no competition was practicable (R-20d)."
    )
    contractor_id: str = Field(min_length=1, max_length=60, description="The contractor: a registered vendor's id.")
    selection_basis: str = Field(min_length=1, max_length=5000, description="Why this contractor was selected (R-20f).")
    contract_type: ContractType = Field(description="fixed_price, term or services (R-20f(2)).")
    items: list[EmergencyItemIn] = Field(min_length=1, max_length=200, description="What is procured; its total is the amount.")
    head_approval: HeadApprovalIn | None = Field(None, description="Up to $600: the agency head's prior approval (R-20c).")
    approval_impractical: str | None = Field(
        None, max_length=5000, description="Up to $600 without prior approval: why obtaining it was not practical (R-20c)."
    )
    failed_solicitation: FailedSolicitationIn | None = Field(None, description="R-20e: the unsuccessful invitation to bid.")


class EmergencyDenyIn(RequestBody):
    reason: str = Field(min_length=1, max_length=5000, description="Why the emergency purchase is not approved.")


class EmergencyItemOut(ApiModel):
    description: str = Field(description="What is procured.")
    unit: str = Field(description="Unit of measure.")
    quantity: DecimalOut = Field(description="Quantity.")
    unit_price: ExactDollars = Field(description="Price per unit.")


class EmergencyPurchaseOut(ApiModel):
    id: str = Field(description="Emergency purchase id.")
    agency: str = Field(description="The purchasing agency.")
    status: EmergencyStatus = Field(description="awaiting_approval (nothing may be ordered), approved or denied.")
    threat: str = Field(description="The emergency condition.")
    threatened: Threatened = Field(description="What it threatens.")
    contractor_id: str = Field(description="The contractor.")
    contractor_name: str = Field(description="Its legal name.")
    contract_type: ContractType = Field(description="The type of contract.")
    items: list[EmergencyItemOut] = Field(description="What is procured.")
    amount: Dollars = Field(description="The items' total.")
    recorded_at: LocalTime = Field(description="When the agency recorded it.")
    approved_at: LocalTime | None = Field(None, description="When it was approved (by the agency head, or purchasing).")
    approved_by: str | None = Field(None, description="Who approved it.")
    denied_reason: str | None = Field(None, description="Why purchasing did not approve it.")
    failed_solicitation_id: str | None = Field(None, description="The unsuccessful invitation to bid (R-20e).")
    contract_id: str | None = Field(None, description="The contract to order against; the contract file number (R-20f(4)).")

    @classmethod
    def of(cls, p: EmergencyPurchase) -> EmergencyPurchaseOut:
        e = p.emergency
        return cls(
            id=p.id,
            agency=p.agency,
            status=p.status,
            threat=e.threat,
            threatened=e.threatened,
            contractor_id=p.contractor_id,
            contractor_name=p.contractor_name,
            contract_type=e.contract_type,
            items=[EmergencyItemOut(**item.__dict__) for item in e.items],
            amount=p.amount,
            recorded_at=p.recorded_at,
            approved_at=p.approved_at,
            approved_by=p.approved_by,
            denied_reason=p.denied_reason,
            failed_solicitation_id=e.failed_solicitation.solicitation_id if e.failed_solicitation else None,
            contract_id=p.contract_id,
        )


class EmergencyRecordOut(ApiModel):
    """R-20f: what the record of an emergency procurement sets forth."""

    contractor_name: str = Field(description="The contractor's name.")
    amount: Dollars = Field(description="The contract amount.")
    contract_type: ContractType = Field(description="The type of contract.")
    items: list[EmergencyItemOut] = Field(description="The supplies or services procured.")
    contract_id: str = Field(description="The identification number of the contract file.")
    agency: str = Field(description="The purchasing agency.")
    approved_at: LocalTime = Field(description="When it was approved.")

    @classmethod
    def of(cls, p: EmergencyPurchase) -> EmergencyRecordOut:
        assert p.contract_id and p.approved_at  # listed once its contract is formed
        return cls(
            contractor_name=p.contractor_name,
            amount=p.amount,
            contract_type=p.emergency.contract_type,
            items=[EmergencyItemOut(**item.__dict__) for item in p.emergency.items],
            contract_id=p.contract_id,
            agency=p.agency,
            approved_at=p.approved_at,
        )


def _emergency(b: EmergencyPurchaseIn) -> Emergency:
    return Emergency(
        threat=b.threat,
        threatened=b.threatened,
        why_not_normal=b.why_not_normal,
        limited_to_need=b.limited_to_need,
        quotations=tuple(Quotation(q.vendor, q.amount) for q in b.quotations),
        competition_statement=b.competition_statement,
        selection_basis=b.selection_basis,
        contract_type=b.contract_type,
        items=tuple(EmergencyItem(i.description, i.unit, i.quantity, i.unit_price) for i in b.items),
        head_approval=HeadApproval(b.head_approval.name, b.head_approval.approved_at) if b.head_approval else None,
        approval_impractical=b.approval_impractical,
        failed_solicitation=FailedSolicitation(**b.failed_solicitation.model_dump()) if b.failed_solicitation else None,
    )


@operation(
    bp,
    "POST",
    "/emergency-purchases",
    summary="Record an emergency purchase",
    tag=TAG,
    roles={Role.AGENCY},
    body=EmergencyPurchaseIn,
    response=EmergencyPurchaseOut,
    status=201,
    rules=("R-20",),
)
def record(call: Call):
    """Up to $600 with the agency head's prior approval (or stated impractical): approved, its contract formed. Above
    $600, or without either: awaiting purchasing's approval, with no contract, so nothing can be ordered (R-20c)."""
    return EmergencyPurchaseOut.of(emergencies.record(call.deps, call.actor, _emergency(call.body), call.body.contractor_id))


@operation(
    bp,
    "GET",
    "/emergency-purchases/{purchase_id}",
    summary="Read an emergency purchase",
    tag=TAG,
    roles={Role.AGENCY, Role.PURCHASING},
    response=EmergencyPurchaseOut,
    rules=("R-20",),
    errors=(404,),
)
def get(call: Call, purchase_id: str):
    """Purchasing and the recording agency."""
    return EmergencyPurchaseOut.of(emergencies.get(call.deps, call.actor, purchase_id))


@operation(
    bp,
    "POST",
    "/emergency-purchases/{purchase_id}/approve",
    summary="Approve an emergency purchase",
    tag=TAG,
    roles={Role.PURCHASING},
    response=EmergencyPurchaseOut,
    rules=("R-20",),
    errors=(404, 409),
)
def approve(call: Call, purchase_id: str):
    """R-20c: the Commissioner's approval forms the contract; the agency is emailed that it may order."""
    return EmergencyPurchaseOut.of(emergencies.approve(call.deps, call.actor, purchase_id))


@operation(
    bp,
    "POST",
    "/emergency-purchases/{purchase_id}/deny",
    summary="Deny an emergency purchase",
    tag=TAG,
    roles={Role.PURCHASING},
    body=EmergencyDenyIn,
    response=EmergencyPurchaseOut,
    rules=("R-20",),
    errors=(404, 409),
)
def deny(call: Call, purchase_id: str):
    """No contract is formed; the agency is emailed the reason."""
    return EmergencyPurchaseOut.of(emergencies.deny(call.deps, call.actor, purchase_id, call.body.reason))


@operation(
    bp,
    "GET",
    "/registers/emergency",
    summary="List the record of emergency procurements",
    tag=TAG,
    query=PageQuery,
    response=Page[EmergencyRecordOut],
    rules=("R-20",),
    optional_auth=True,
)
def register(call: Call):
    """R-20f: contractor, amount and type, items, contract file number; public."""
    return page_of(call, emergencies.register(call.deps, page_request(call)), EmergencyRecordOut.of)
