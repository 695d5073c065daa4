"""Sole source procurement (R-15): the agency's request, purchasing's written determination (granted, refused, or
competed through an invitation to bid in reasonable doubt), the negotiated contract, and the public record."""

from __future__ import annotations

import datetime as dt

from chalice import Blueprint
from pydantic import Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, PageQuery, page_of, page_request
from chalicelib.api.solicitations import FactorIn, SolicitationLineIn
from chalicelib.api.types import CommodityCode, Dollars, LocalTime, Money
from chalicelib.api.views import ApiModel, RequestBody
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.sole_source import (
    RULE,
    Competition,
    ContractType,
    Grant,
    Negotiated,
    SoleSourceBasis,
    SoleSourceRequest,
    SoleSourceStatus,
)
from chalicelib.domain.solicitations import EvaluationFactor, LineItem
from chalicelib.services import sole_source
from chalicelib.services.ports import Role

bp = Blueprint(__name__)
TAG = "sole source"


class SoleSourceRequestIn(RequestBody):
    title: str = Field(min_length=1, max_length=300, description="What is needed.")
    commodity_codes: list[CommodityCode] = Field(
        min_length=1, max_length=20, description="Commodity codes of the need (used if it is competed)."
    )
    lines: list[SolicitationLineIn] = Field(min_length=1, max_length=500, description="What is needed, line by line.")
    estimated_amount: Money = Field(description="Estimated amount, in dollars.")
    justification: str = Field(
        min_length=1, max_length=10000, description="R-15a: why no other source will be suitable or acceptable to meet the need."
    )
    basis: SoleSourceBasis = Field(description="compatibility, trial_or_testing, resale, public_utility (R-15a(1)-(4)) or other.")
    contractor_id: str = Field(min_length=1, max_length=60, description="The proposed contractor: a registered vendor's id.")


class SoleSourceDeterminationIn(RequestBody):
    granted: bool = Field(description="true: sole source is granted; false: refused.")
    determination: str | None = Field(None, max_length=10000, description="A grant's written basis (R-15a).")
    scope: str | None = Field(None, max_length=5000, description="A grant's application (R-15a).")
    effective_until: dt.date | None = Field(None, description="A grant's last day of effectiveness (Connecticut date).")
    reason: str | None = Field(None, max_length=5000, description="A refusal's reason.")
    competition: bool = Field(
        False, description="A refusal in reasonable doubt: competition is solicited through a drafted invitation to bid (R-15a)."
    )
    opening_at: dt.datetime | None = Field(None, description="With competition: the invitation's opening instant.")
    evaluation_factors: list[FactorIn] = Field(
        default_factory=list, max_length=20, description="With competition: the invitation's evaluation factors (R-18a/b)."
    )


class SoleSourceContractIn(RequestBody):
    price: Money = Field(description="R-15b: the negotiated price of the whole need, in dollars.")
    terms: str = Field(min_length=1, max_length=10000, description="R-15b: the negotiated delivery and other terms.")
    contract_type: ContractType = Field(description="fixed_price, term or services (R-15c(2)).")


class SoleSourceRequestOut(ApiModel):
    id: str = Field(description="Sole-source request id.")
    agency: str = Field(description="The requesting agency.")
    title: str = Field(description="What is needed.")
    estimated_amount: Dollars = Field(description="Estimated amount.")
    justification: str = Field(description="Why no other source will do (R-15a).")
    basis: SoleSourceBasis = Field(description="The circumstance claimed.")
    contractor_id: str = Field(description="The proposed contractor.")
    contractor_name: str = Field(description="Its legal name.")
    requested_at: LocalTime = Field(description="When the agency asked.")
    status: SoleSourceStatus = Field(description="requested, granted, refused, competed or contracted.")
    determined_at: LocalTime | None = Field(None, description="When purchasing determined.")
    determination: str | None = Field(None, description="The written basis of a grant.")
    scope: str | None = Field(None, description="Its application.")
    effective_until: dt.date | None = Field(None, description="Its last day of effectiveness.")
    refusal_reason: str | None = Field(None, description="Why it was refused.")
    solicitation_id: str | None = Field(None, description="The invitation to bid that competes the need (R-15a).")
    contract_id: str | None = Field(None, description="The contract, also the contract file number (R-15c(4)).")
    contract_type: ContractType | None = Field(None, description="Its type.")
    price: Dollars | None = Field(None, description="The negotiated price (R-15b).")
    terms: str | None = Field(None, description="The negotiated terms.")

    @classmethod
    def of(cls, r: SoleSourceRequest) -> SoleSourceRequestOut:
        return cls.model_validate({k: getattr(r, k) for k in cls.model_fields})


class SoleSourceRecordOut(ApiModel):
    """R-15c: what the record of sole source procurements lists."""

    contractor_name: str = Field(description="The contractor's name.")
    amount: Dollars = Field(description="The contract amount.")
    contract_type: ContractType = Field(description="The type of contract.")
    procured: str = Field(description="The supplies, materials, equipment or services procured.")
    contract_id: str = Field(description="The identification number of the contract file.")
    agency: str = Field(description="The purchasing agency.")
    contracted_at: LocalTime = Field(description="When the contract was formed.")

    @classmethod
    def of(cls, r: SoleSourceRequest) -> SoleSourceRecordOut:
        assert r.price is not None and r.contract_type and r.contract_id and r.contracted_at  # contracted
        return cls(
            contractor_name=r.contractor_name,
            amount=r.price,
            contract_type=r.contract_type,
            procured=r.title,
            contract_id=r.contract_id,
            agency=r.agency,
            contracted_at=r.contracted_at,
        )


@operation(
    bp,
    "POST",
    "/sole-source-requests",
    summary="Request a sole source procurement",
    tag=TAG,
    roles={Role.AGENCY},
    body=SoleSourceRequestIn,
    response=SoleSourceRequestOut,
    status=201,
    rules=("R-15",),
)
def request(call: Call):
    """The agency's request with its explanation of why no other source will do; purchasing is emailed."""
    b = call.body
    return SoleSourceRequestOut.of(
        sole_source.request(
            call.deps,
            call.actor,
            title=b.title,
            commodity_codes=list(b.commodity_codes),
            lines=[LineItem(**line.model_dump()) for line in b.lines],
            estimated_amount=b.estimated_amount,
            justification=b.justification,
            basis=b.basis,
            contractor_id=b.contractor_id,
        )
    )


@operation(
    bp,
    "GET",
    "/sole-source-requests/{sole_source_id}",
    summary="Read a sole-source request",
    tag=TAG,
    roles={Role.AGENCY, Role.PURCHASING},
    response=SoleSourceRequestOut,
    rules=("R-15",),
    errors=(404,),
)
def get(call: Call, sole_source_id: str):
    """Purchasing and the requesting agency."""
    return SoleSourceRequestOut.of(sole_source.get(call.deps, call.actor, sole_source_id))


def _required(value, field: str, what: str):
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationFailed(f"{what} needs {field}.", rule=RULE, details=[{"field": field, "problem": f"required for {what}"}])
    return value


@operation(
    bp,
    "POST",
    "/sole-source-requests/{sole_source_id}/determination",
    summary="Determine a sole-source request",
    tag=TAG,
    roles={Role.PURCHASING},
    body=SoleSourceDeterminationIn,
    response=SoleSourceRequestOut,
    rules=("R-15",),
    errors=(404, 409),
)
def determine(call: Call, sole_source_id: str):
    """R-15a: a written determination: granted with its basis, scope and last day; or refused with its reason, and with
    `competition` (reasonable doubt) the need drafted as an invitation to bid, linked both ways."""
    b = call.body
    if b.granted:
        grant = Grant(
            determination=_required(b.determination, "determination", "a grant"),
            scope=_required(b.scope, "scope", "a grant"),
            effective_until=_required(b.effective_until, "effective_until", "a grant"),
        )
        return SoleSourceRequestOut.of(sole_source.grant(call.deps, call.actor, sole_source_id, grant))
    competition = (
        Competition(
            opening_at=_required(b.opening_at, "opening_at", "competition"),
            evaluation_factors=tuple(EvaluationFactor(name=f.name, weight=f.weight) for f in b.evaluation_factors),
        )
        if b.competition
        else None
    )
    reason = _required(b.reason, "reason", "a refusal")
    return SoleSourceRequestOut.of(sole_source.refuse(call.deps, call.actor, sole_source_id, reason, competition))


@operation(
    bp,
    "POST",
    "/sole-source-requests/{sole_source_id}/contract",
    summary="Form the negotiated sole-source contract",
    tag=TAG,
    roles={Role.PURCHASING},
    body=SoleSourceContractIn,
    response=SoleSourceRequestOut,
    rules=("R-15",),
    errors=(404, 409),
)
def contract(call: Call, sole_source_id: str):
    """R-15b: the negotiated price and terms form a one-line contract the agency orders against; the record is kept."""
    b = call.body
    negotiated = Negotiated(price=b.price, terms=b.terms, contract_type=b.contract_type)
    return SoleSourceRequestOut.of(sole_source.contract(call.deps, call.actor, sole_source_id, negotiated))


@operation(
    bp,
    "GET",
    "/registers/sole-source",
    summary="List the record of sole source procurements",
    tag=TAG,
    query=PageQuery,
    response=Page[SoleSourceRecordOut],
    rules=("R-15",),
    optional_auth=True,
)
def register(call: Call):
    """R-15c: contractor, amount and type, what was procured, contract file number; public."""
    return page_of(call, sole_source.register(call.deps, page_request(call)), SoleSourceRecordOut.of)
