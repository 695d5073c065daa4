"""Surplus property (R-21): the holding agency's report and corrections, the State Surplus Center's approval and
disposal decision (purchasing acts for the Center), the transfer signed by the receiving agency's representative on
file, the bidders' inspection that freezes the record, the sale, and component recoveries on written approval."""

from __future__ import annotations

from chalice import Blueprint
from pydantic import Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.types import DecimalOut, Dollars, LocalTime, Money, Quantity
from chalicelib.api.views import ApiModel, RequestBody
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.officials import OfficialsOnFile, Register
from chalicelib.domain.surplus import Disposal, DisposalKind, SaleMethod, ScrapFinding, SurplusProperty, SurplusStatus
from chalicelib.services import officials, surplus
from chalicelib.services.ports import Role

bp = Blueprint(__name__)
TAG = "surplus property"
RULES = ("R-21",)


class OfficialIn(RequestBody):
    agency: str = Field(min_length=1, max_length=40, description="The agency's org code.")
    sub: str = Field(min_length=1, max_length=200, description="The official's token subject: the identity they sign with.")
    name: str = Field(min_length=1, max_length=200, description="The official's name, as on file.")


class OfficialOut(ApiModel):
    sub: str = Field(description="The official's token subject.")
    name: str = Field(description="The official's name.")
    filed_at: LocalTime = Field(description="When the name was placed on file.")


class OfficialsOut(ApiModel):
    agency: str = Field(description="The agency's org code.")
    purpose: Register = Field(description="surplus-representatives (R-21g) or warehouse-signers (R-22).")
    officials: list[OfficialOut] = Field(description="The officials on file, by token subject.")

    @classmethod
    def of(cls, on_file: OfficialsOnFile) -> OfficialsOut:
        officials_out = [OfficialOut(sub=o.sub, name=o.name, filed_at=o.filed_at) for o in on_file.officials]
        return cls(agency=on_file.agency, purpose=on_file.register, officials=officials_out)


class SurplusReportIn(RequestBody):
    description: str = Field(min_length=1, max_length=2000, description="What the property is: make, model, serial.")
    quantity: Quantity = Field(description="How many units.")
    condition: str = Field(min_length=1, max_length=2000, description="Its condition.")
    location: str = Field(min_length=1, max_length=500, description="Where it is held.")
    hazardous: bool = Field(False, description="Pesticides, environmental or health hazards (R-21(b)(2)(C)).")
    hazard_clearance: str | None = Field(
        None, max_length=2000, description="The DEP clearance or certification of content; required when hazardous."
    )


class SurplusChangeIn(RequestBody):
    description: str | None = Field(None, min_length=1, max_length=2000, description="A corrected description.")
    quantity: Quantity | None = Field(None, description="A corrected quantity.")
    condition: str | None = Field(None, min_length=1, max_length=2000, description="A corrected condition.")
    location: str | None = Field(None, min_length=1, max_length=500, description="A corrected location.")


class ScrapFindingIn(RequestBody):
    text: str = Field(min_length=1, max_length=20000, description="The Commissioner's written finding.")
    no_commercial_value: bool = Field(description="R-21(b)(3)(A): the property has no commercial value.")
    care_cost: Money = Field(description="R-21(b)(3)(B): the estimated cost of its continued care and handling.")
    sale_income: Money = Field(description="R-21(b)(3)(B): the potential income from its sale.")


class DisposalIn(RequestBody):
    kind: DisposalKind = Field(description="transfer, sale, scrap or trade_in (R-21(b)).")
    receiving_agency: str | None = Field(None, max_length=40, description="transfer: the agency that needs the property.")
    representative: str | None = Field(
        None, max_length=200, description="transfer: the receiving agency's representative on file (token subject, R-21g)."
    )
    sale_method: SaleMethod | None = Field(
        None, description="sale: auction, competitive_bids, over_the_counter, or oral_bids (an emergency disposal)."
    )
    emergency_approval: str | None = Field(
        None, max_length=2000, description="oral_bids: the Commissioner's prior approval of the emergency disposal."
    )
    scrap_finding: ScrapFindingIn | None = Field(None, description="scrap: the written finding of R-21(b)(3).")
    trade_in: str | None = Field(
        None, max_length=2000, description="trade_in: the like item exchanged for, and why it is in the State's interest."
    )


class InspectionIn(RequestBody):
    note: str = Field("", max_length=2000, description="Who inspected and the condition seen.")


class SaleIn(RequestBody):
    buyer: str = Field(min_length=1, max_length=300, description="The buyer.")
    amount: Money = Field(description="The sale price.")


class ComponentRecoveryIn(RequestBody):
    parts: str = Field(min_length=1, max_length=2000, description="The parts the holding agency recovers.")
    written_approval: str = Field(min_length=1, max_length=2000, description="The Surplus Center's written approval (R-21f).")


class ScrapFindingOut(ApiModel):
    text: str = Field(description="The written finding.")
    no_commercial_value: bool = Field(description="No commercial value.")
    care_cost: Dollars = Field(description="Estimated cost of continued care and handling.")
    sale_income: Dollars = Field(description="Potential sale income.")


class DisposalOut(ApiModel):
    kind: DisposalKind = Field(description="transfer, sale, scrap or trade_in.")
    decided_at: LocalTime = Field(description="When the Surplus Center decided.")
    decided_by: str = Field(description="Who decided.")
    receiving_agency: str | None = Field(None, description="transfer: the receiving agency.")
    representative: str | None = Field(None, description="transfer: its representative, who signs.")
    sale_method: SaleMethod | None = Field(None, description="sale: its method.")
    emergency_approval: str | None = Field(None, description="oral bids: the prior approval.")
    scrap_finding: ScrapFindingOut | None = Field(None, description="scrap: the written finding.")
    trade_in: str | None = Field(None, description="trade_in: the exchange.")


class InspectionOut(ApiModel):
    at: LocalTime = Field(description="When prospective bidders inspected the property.")
    recorded_by: str = Field(description="Who recorded it.")
    note: str = Field(description="The note.")


class ComponentRecoveryOut(ApiModel):
    parts: str = Field(description="The parts recovered.")
    written_approval: str = Field(description="The written approval.")
    approved_by: str = Field(description="Who recorded the approval for the Surplus Center.")
    at: LocalTime = Field(description="When.")


class SurplusOut(ApiModel):
    id: str = Field(description="Surplus property id.")
    agency: str = Field(description="The holding agency.")
    description: str = Field(description="What the property is.")
    quantity: DecimalOut = Field(description="How many units.")
    condition: str = Field(description="Its condition.")
    location: str = Field(description="Where it is held.")
    hazardous: bool = Field(description="Hazardous material.")
    hazard_clearance: str | None = Field(None, description="The DEP clearance.")
    status: SurplusStatus = Field(
        description="reported; approved (by the Surplus Center, R-21a); transfer_pending (awaiting the receiving representative's signature); transferred; for_sale; sold; scrapped; traded_in."
    )
    reported_at: LocalTime = Field(description="When it was reported.")
    approved_at: LocalTime | None = Field(None, description="When the Surplus Center approved its disposal.")
    disposal: DisposalOut | None = Field(None, description="The disposal decision.")
    inspection: InspectionOut | None = Field(None, description="R-21c: the bidders' inspection; the record is frozen after it.")
    recoveries: list[ComponentRecoveryOut] = Field(description="R-21f: component parts recovered on written approval.")
    transfer_signed_by: str | None = Field(None, description="R-21g: the representative who signed the transfer.")
    transfer_signed_at: LocalTime | None = Field(None, description="When.")
    sold_to: str | None = Field(None, description="The buyer.")
    sale_amount: Dollars | None = Field(None, description="The sale price.")

    @classmethod
    def of(cls, prop: SurplusProperty) -> SurplusOut:
        data = {k: getattr(prop, k) for k in cls.model_fields if hasattr(prop, k)}
        data["disposal"] = None if prop.disposal is None else _disposal(prop.disposal)
        data["inspection"] = None if prop.inspection is None else prop.inspection.__dict__
        data["recoveries"] = [r.__dict__ for r in prop.recoveries]
        return cls.model_validate(data)


def _disposal(disposal: Disposal) -> dict:
    return {**disposal.__dict__, "scrap_finding": None if disposal.scrap_finding is None else disposal.scrap_finding.__dict__}


@operation(
    bp,
    "POST",
    "/surplus/representatives",
    summary="Place an agency representative on file",
    tag=TAG,
    roles={Role.PURCHASING},
    body=OfficialIn,
    response=OfficialsOut,
    status=201,
    rules=RULES,
)
def file_representative(call: Call):
    """R-21g: the Surplus Center files the receiving agency's approved and authorised official, who alone signs its
    transfers; the same subject again renames the entry. The answer is the agency's whole list."""
    b = call.body
    on_file = officials.place_on_file(call.deps, call.actor, Register.SURPLUS_REPRESENTATIVES, b.agency, b.sub, b.name)
    return OfficialsOut.of(on_file)


@operation(
    bp,
    "POST",
    "/surplus",
    summary="Report surplus property",
    tag=TAG,
    roles={Role.AGENCY},
    body=SurplusReportIn,
    response=SurplusOut,
    status=201,
    rules=RULES,
)
def report(call: Call):
    """R-21c: the holding agency (the token's) reports property surplus to its needs. Hazardous material without its
    DEP clearance: 400 (R-21(b)(2)(C))."""
    b = call.body
    prop = surplus.report(
        call.deps,
        call.actor,
        description=b.description,
        quantity=b.quantity,
        condition=b.condition,
        location=b.location,
        hazardous=b.hazardous,
        hazard_clearance=b.hazard_clearance,
    )
    return SurplusOut.of(prop)


@operation(
    bp,
    "GET",
    "/surplus/{property_id}",
    summary="Read surplus property",
    tag=TAG,
    roles={Role.AGENCY, Role.PURCHASING},
    response=SurplusOut,
    rules=RULES,
    errors=(404,),
)
def get(call: Call, property_id: str):
    """Purchasing, the holding agency and the receiving agency of a transfer."""
    return SurplusOut.of(surplus.get(call.deps, call.actor, property_id))


@operation(
    bp,
    "POST",
    "/surplus/{property_id}/changes",
    summary="Change the surplus property record",
    tag=TAG,
    roles={Role.AGENCY},
    body=SurplusChangeIn,
    response=SurplusOut,
    rules=RULES,
    errors=(404, 409),
)
def change(call: Call, property_id: str):
    """The holding agency corrects its report; once prospective bidders inspected the property: 409 (R-21c)."""
    changes = call.body.model_dump(exclude_none=True)
    if not changes:
        raise ValidationFailed(
            "Name at least one field to change.", rule="R-21", details=[{"field": "body", "problem": "no field to change"}]
        )
    return SurplusOut.of(surplus.change(call.deps, call.actor, property_id, changes))


@operation(
    bp,
    "POST",
    "/surplus/{property_id}/approve",
    summary="Approve the disposal of surplus property",
    tag=TAG,
    roles={Role.PURCHASING},
    response=SurplusOut,
    rules=RULES,
    errors=(404, 409),
)
def approve(call: Call, property_id: str):
    """R-21a: the Surplus Center's approval, before any disposal; a reported property only."""
    return SurplusOut.of(surplus.approve(call.deps, call.actor, property_id))


@operation(
    bp,
    "POST",
    "/surplus/{property_id}/disposal",
    summary="Decide the disposal of surplus property",
    tag=TAG,
    roles={Role.PURCHASING},
    body=DisposalIn,
    response=SurplusOut,
    rules=RULES,
    errors=(404, 409),
)
def decide(call: Call, property_id: str):
    """After the approval only (409). transfer: the receiving agency and its representative on file (R-21g); sale: its
    method, oral bids with the prior emergency approval; scrap: the written finding of no commercial value and a care
    cost above the sale income; trade_in: the exchange. A missing element: 400 naming it (R-21)."""
    b = call.body
    f = b.scrap_finding
    disposal = Disposal(
        kind=b.kind,
        decided_at=call.deps.clock.now(),
        decided_by=call.actor.sub,
        receiving_agency=b.receiving_agency,
        representative=b.representative,
        sale_method=b.sale_method,
        emergency_approval=b.emergency_approval,
        scrap_finding=None if f is None else ScrapFinding(f.text, f.no_commercial_value, f.care_cost, f.sale_income),
        trade_in=b.trade_in,
    )
    return SurplusOut.of(surplus.decide_disposal(call.deps, call.actor, property_id, disposal))


@operation(
    bp,
    "POST",
    "/surplus/{property_id}/transfer/sign",
    summary="Sign the transfer of surplus property",
    tag=TAG,
    roles={Role.AGENCY},
    response=SurplusOut,
    rules=RULES,
    errors=(403, 404, 409),
)
def sign_transfer(call: Call, property_id: str):
    """R-21g: the receiving agency's representative named in the decision, on file, acknowledges receipt; any other
    signer: 403."""
    return SurplusOut.of(surplus.sign_transfer(call.deps, call.actor, property_id))


@operation(
    bp,
    "POST",
    "/surplus/{property_id}/inspection",
    summary="Record the bidders' inspection of surplus property",
    tag=TAG,
    roles={Role.PURCHASING},
    body=InspectionIn,
    response=SurplusOut,
    rules=RULES,
    errors=(404, 409),
)
def inspection(call: Call, property_id: str):
    """R-21c: property for sale, inspected by prospective bidders; every later change of its record is refused (409)."""
    return SurplusOut.of(surplus.record_inspection(call.deps, call.actor, property_id, call.body.note))


@operation(
    bp,
    "POST",
    "/surplus/{property_id}/sale",
    summary="Record the sale of surplus property",
    tag=TAG,
    roles={Role.PURCHASING},
    body=SaleIn,
    response=SurplusOut,
    rules=RULES,
    errors=(404, 409),
)
def sale(call: Call, property_id: str):
    """Property for sale only (409 otherwise)."""
    b = call.body
    return SurplusOut.of(surplus.record_sale(call.deps, call.actor, property_id, b.buyer, b.amount))


@operation(
    bp,
    "POST",
    "/surplus/{property_id}/component-recoveries",
    summary="Record a component recovery from surplus property",
    tag=TAG,
    roles={Role.PURCHASING},
    body=ComponentRecoveryIn,
    response=SurplusOut,
    status=201,
    rules=RULES,
    errors=(404, 409),
)
def recover_components(call: Call, property_id: str):
    """R-21f: the Surplus Center's written approval of parts the holding agency recovers; after the bidders'
    inspection, or once the property left the agency: 409."""
    b = call.body
    return SurplusOut.of(surplus.recover_components(call.deps, call.actor, property_id, b.parts, b.written_approval))
