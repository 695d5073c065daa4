"""Invitations to bid: draft, publish, addenda, cancel, read, tabulation, determinations and award."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated

from chalice import Blueprint
from pydantic import Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, PageQuery, page_of, page_request
from chalicelib.api.tabulation import DeterminationOut, TabulationRow
from chalicelib.api.types import BidUnitPrice, CommodityCode, DecimalOut, Dollars, LocalTime, Percent, Quantity
from chalicelib.api.views import ApiModel, RequestBody
from chalicelib.domain import awards as award_rules
from chalicelib.domain.bids import Finding
from chalicelib.domain.solicitations import (  # a group holds lines of the form (MAX_LINES), each in one group at most
    MAX_LINES,
    AwardBasis,
    EvaluationFactor,
    LineGroup,
    LineItem,
    SolicitationStatus,
)
from chalicelib.services import awards, bids, solicitations
from chalicelib.services.ports import Role

bp = Blueprint(__name__)
TAG = "invitations to bid"
MAX_FACTORS = 30  # evaluation factors (R-18a/b), as a request for proposals states at most


class SolicitationLineIn(RequestBody):
    id: str = Field(min_length=1, max_length=40, description="Line number on the bid form, unique in the invitation.")
    description: str = Field(
        min_length=1,
        max_length=2000,
        description="The article or service, with brand name if any (a brand means 'or equal' unless no_substitute: R-5i).",
    )
    quantity: Quantity = Field(description="Quantity invited.")
    unit: str = Field(min_length=1, max_length=40, description="Unit of measure, e.g. each, case, hour.")
    no_substitute: bool = Field(False, description="R-5i: only the named article is accepted; substitutes are rejected.")


class LineGroupIn(RequestBody):
    id: str = Field(min_length=1, max_length=40, description="Group id, for award by group (R-8b).")
    line_ids: list[str] = Field(
        min_length=1, max_length=MAX_LINES, description="Lines of the group; a line is in at most one group."
    )


class FactorIn(RequestBody):
    name: str = Field(
        min_length=1,
        max_length=80,
        description="Evaluation factor; price, past_performance and financial_responsibility are required (R-18a/b).",
    )
    weight: Percent = Field(description="Relative importance of the factor (R-18a/b), a positive decimal string.")


class DraftSolicitation(RequestBody):
    title: str = Field(min_length=1, max_length=300, description="What is bought.")
    agency: str = Field(min_length=1, max_length=40, description="The purchasing agency's org code; the contract is for it.")
    commodity_codes: list[CommodityCode] = Field(
        min_length=1,
        max_length=50,
        description="NIGP or UNSPSC codes; registered vendors of these commodities are emailed the notice (R-4).",
    )
    lines: list[SolicitationLineIn] = Field(min_length=1, max_length=MAX_LINES, description="Line items of the bid form (R-5a).")
    groups: list[LineGroupIn] = Field(
        default_factory=list, max_length=MAX_LINES, description="Groups of lines for award by group (R-8b)."
    )
    opening_at: dt.datetime = Field(
        description="Opening date and time, ISO 8601 with offset; bids at or after it are not considered (R-5b)."
    )
    award_basis: AwardBasis = Field(AwardBasis.ALL, description="item, group or all: how the award is made (R-8b).")
    all_or_none: bool = Field(False, description="R-5f: bids must cover every line at full quantity.")
    alternates_allowed: bool = Field(False, description="R-5g: alternate bids are considered only when true.")
    guaranty_percent: Percent | None = Field(
        None, description="R-6a: bid guaranty required, percent of the bid (at most 10); null when none."
    )
    surety_percent: Percent | None = Field(
        None, description="R-6b: performance surety required, percent of the award (at most 100); null when none."
    )
    award_period_days: int = Field(
        30, ge=1, le=365, description="R-8c: days after opening within which the award is made; later awards are conditional."
    )
    samples_required: bool = Field(
        False,
        description="R-7: each bid needs a sample; purchasing records its receipt (POST /solicitations/{id}/bids/{bid_id}/sample) and a bid without one is flagged at evaluation.",
    )
    payment_days: int | None = Field(
        None,
        ge=1,
        le=365,
        description="R-13a: payment terms stated by the invitation, in days after the later of receipt of the goods and of a proper invoice; null means 45.",
    )
    evaluation_factors: list[FactorIn] = Field(
        min_length=1,
        max_length=MAX_FACTORS,
        description="Factors with relative importance; must include price, past_performance and financial_responsibility (R-18a/b).",
    )


class AddendumIn(RequestBody):
    text: str = Field(
        min_length=1, max_length=20000, description="The amendment of the invitation (R-5o); bidders acknowledge it by number."
    )
    opening_at: dt.datetime | None = Field(
        None,
        description="R-5o: a new, later opening date and time (ISO 8601 with offset) when the addendum postpones the opening; bids are received until then.",
    )


class CancelSolicitationIn(RequestBody):
    reason: str = Field(min_length=1, max_length=2000, description="Why the invitation is cancelled (R-5o).")


class SolicitationListQuery(PageQuery):
    status: SolicitationStatus = Field(
        SolicitationStatus.OPEN, description="open (accepting bids), opened, awarded or cancelled; draft for purchasing only."
    )
    agency: str | None = Field(None, min_length=1, max_length=40, description="Only this agency's invitations.")
    commodity: str | None = Field(
        None, min_length=1, max_length=20, description="Only invitations of this NIGP code (a class finds its items and back)."
    )
    opening_from: dt.datetime | None = Field(None, description="Only invitations opening at or after this instant.")
    opening_to: dt.datetime | None = Field(None, description="Only invitations opening before this instant.")


class FactorOut(ApiModel):
    name: str = Field(description="Evaluation factor (R-18a/b).")
    weight: DecimalOut = Field(description="Its relative importance.")


class SolicitationLineOut(ApiModel):
    id: str = Field(description="Line number.")
    description: str = Field(description="The article or service.")
    quantity: DecimalOut = Field(description="Quantity invited.")
    unit: str = Field(description="Unit of measure.")
    no_substitute: bool = Field(description="R-5i no-substitute flag.")


class AddendumOut(ApiModel):
    number: int = Field(description="Addendum number, acknowledged in bids.")
    text: str = Field(description="The amendment.")
    issued_at: LocalTime = Field(description="When it was issued.")
    opening_at: LocalTime | None = Field(None, description="The new opening time, when the addendum postponed it (R-5o).")


class SolicitationOut(ApiModel):
    id: str = Field(description="Solicitation (invitation to bid) id.")
    title: str = Field(description="What is bought.")
    agency: str = Field(description="Purchasing agency.")
    status: SolicitationStatus = Field(
        description="draft (purchasing only), open (accepting bids), opened, awarded or cancelled."
    )
    commodity_codes: list[str] = Field(description="Commodity codes of the notice (R-4).")
    lines: list[SolicitationLineOut] = Field(description="The bid form's line items.")
    groups: list[LineGroupIn] = Field(description="Groups of lines.")
    opening_at: LocalTime = Field(description="Opening date and time (R-5b).")
    award_basis: AwardBasis = Field(description="item, group or all (R-8b).")
    all_or_none: bool = Field(description="R-5f: bids must cover every line at full quantity.")
    alternates_allowed: bool = Field(description="R-5g: alternate bids are considered.")
    guaranty_percent: DecimalOut | None = Field(None, description="R-6a bid guaranty percent, if required.")
    surety_percent: DecimalOut | None = Field(None, description="R-6b performance surety percent, if required.")
    award_period_days: int = Field(description="R-8c award period in days.")
    samples_required: bool = Field(False, description="R-7: bids need a sample, recorded by purchasing.")
    payment_days: int | None = Field(None, description="R-13a payment terms in days; null means 45.")
    evaluation_factors: list[FactorOut] = Field(description="R-18a/b factors and weights.")
    addenda: list[AddendumOut] = Field(description="Addenda issued (R-5o).")
    published_at: LocalTime | None = Field(None, description="When the public notice was given (R-4).")
    cancelled_at: LocalTime | None = Field(None, description="When it was cancelled.")
    cancel_reason: str | None = Field(None, description="Why it was cancelled or all bids rejected.")
    opened_at: LocalTime | None = Field(None, description="When the bids were opened (R-5n).")
    bid_count: int = Field(description="Bids opened.")
    award_period_ends_at: LocalTime | None = Field(None, description="End of the award period (R-8c).")
    award_ids: list[str] = Field(description="Awards made (R-8b).")
    sole_source_id: str | None = Field(
        None, description="The sole-source request refused in reasonable doubt whose need this invitation competes (R-15)."
    )

    @classmethod
    def of(cls, sol) -> SolicitationOut:
        data = {k: getattr(sol, k) for k in cls.model_fields if hasattr(sol, k)}
        data["lines"] = [line.__dict__ for line in sol.lines]
        data["groups"] = [{"id": g.id, "line_ids": list(g.line_ids)} for g in sol.groups]
        data["evaluation_factors"] = [{"name": f.name, "weight": f.weight} for f in sol.evaluation_factors]
        data["addenda"] = [a.__dict__ for a in sol.addenda]
        return cls.model_validate(data)


class TabulationOut(Page[TabulationRow]):
    """One page of the tabulation (one row per opened bid, in bid id order) and the opening it belongs to."""

    solicitation_id: str = Field(description="The solicitation.", examples=["ITB-9c03d656e609"])
    opened_at: LocalTime = Field(description="When the bids were opened (R-5n).", examples=["2026-03-16T10:00:00-04:00"])
    bid_count: int = Field(description="Bids opened.", examples=[2])


class DeterminationIn(RequestBody):
    bid_id: str = Field(description="The opened bid the determination is about.")
    finding: Finding = Field(
        description="nonresponsive (R-8a) or not_responsible (R-18a/b, naming its factor): excludes the bid; reject_conditional (R-5e); waive (a minor irregularity, R-19); correct (a mistake evident on the face of the bid, R-19) or deny_correction (a correction refused, with its written determination, R-19)."
    )
    text: str = Field(min_length=1, max_length=5000, description="The written determination (R-19).")
    field: str | None = Field(None, max_length=100, description="The bid field the determination is about, if one.")
    line_id: str | None = Field(None, max_length=40, description="For 'correct': the line whose unit price is corrected.")
    unit_price: BidUnitPrice | None = Field(
        None,
        description="For 'correct': the corrected unit price in dollars (at most 4 places), evident on the face of the bid: the bidder's own extension shows it, or it transposes two adjacent digits of the bid price (R-19(b)).",
    )
    factor: str | None = Field(
        None,
        max_length=100,
        description="For 'not_responsible': past_performance, financial_responsibility or another factor the invitation states (R-18a/b).",
    )


class BidFindingOut(ApiModel):
    bid_id: str = Field(description="The bid.")
    eligible: bool = Field(description="Responsive and responsible: may be awarded (R-8a).")
    determinations: list[DeterminationOut] = Field(description="Every determination recorded on the bid.")
    total: Dollars | None = Field(None, description="The bid's total after corrections, in dollars.")


class AwardIn(RequestBody):
    basis: AwardBasis | None = Field(None, description="item, group or all (R-8b); default: the invitation's award_basis.")
    reject_all: bool = Field(False, description="R-8b: reject every bid instead; the invitation ends.")
    reason: str | None = Field(None, max_length=5000, description="Required with reject_all: the reason, emailed to bidders.")
    responsibility: dict[str, Annotated[str, Field(max_length=1000)]] = Field(
        default_factory=dict,
        max_length=award_rules.MAX_RESPONSIBILITY_NOTES,
        description="R-18a/b: per bid id, a note of the responsibility findings considered for that bidder, stated in the award and its notice; a bidder without one has no adverse finding.",
    )


class AwardSummary(ApiModel):
    id: str = Field(description="Award id (GET /awards/{id}).")
    scope: str = Field(description="all, item:<line> or group:<group>.")
    bidder_name: str = Field(description="The lowest eligible bidder, awarded first.")
    bidders: list[str] = Field(description="Every bidder awarded a share (R-8b: by item, the line is split down the ranking).")
    amount: Dollars = Field(description="Award amount in dollars, all shares.")
    conditional: bool = Field(description="R-8c: made after the award period; binds on the bidder's acceptance.")
    notes: list[str] = Field(description="Tie-breaks (R-8f).")


class AwardResult(ApiModel):
    solicitation_id: str = Field(description="The solicitation.")
    status: SolicitationStatus = Field(description="awarded, or cancelled when all bids were rejected.")
    awards: list[AwardSummary] = Field(description="One award per scope with an eligible bid.")


@operation(
    bp,
    "POST",
    "/solicitations",
    summary="Draft an invitation to bid",
    tag=TAG,
    roles={Role.PURCHASING},
    body=DraftSolicitation,
    response=SolicitationOut,
    status=201,
    rules=("R-4", "R-18a/b", "R-8b", "R-5f", "R-6a", "R-7"),
)
def draft(call: Call):
    """A draft, visible only to purchasing; publishing it is the public notice."""
    b = call.body
    sol = solicitations.create_solicitation(
        call.deps,
        call.actor,
        title=b.title,
        agency=b.agency,
        commodity_codes=b.commodity_codes,
        lines=[LineItem(x.id, x.description, x.quantity, x.unit, x.no_substitute) for x in b.lines],
        groups=[LineGroup(g.id, tuple(g.line_ids)) for g in b.groups],
        opening_at=b.opening_at,
        award_basis=b.award_basis,
        evaluation_factors=[EvaluationFactor(f.name.strip().lower(), f.weight) for f in b.evaluation_factors],
        all_or_none=b.all_or_none,
        alternates_allowed=b.alternates_allowed,
        guaranty_percent=b.guaranty_percent,
        surety_percent=b.surety_percent,
        award_period_days=b.award_period_days,
        samples_required=b.samples_required,
        payment_days=b.payment_days,
    )
    return SolicitationOut.of(sol)


@operation(
    bp,
    "POST",
    "/solicitations/{solicitation_id}/publish",
    summary="Publish an invitation to bid",
    tag=TAG,
    roles={Role.PURCHASING},
    response=SolicitationOut,
    rules=("R-4", "R-18a/b"),
    errors=(404, 409),
)
def publish(call: Call, solicitation_id: str):
    """The public notice: registered vendors of the commodity are emailed; the opening timer starts."""
    return SolicitationOut.of(solicitations.publish(call.deps, call.actor, solicitation_id))


@operation(
    bp,
    "POST",
    "/solicitations/{solicitation_id}/addenda",
    summary="Issue an addendum",
    tag=TAG,
    roles={Role.PURCHASING},
    body=AddendumIn,
    response=SolicitationOut,
    status=201,
    rules=("R-5o",),
    errors=(404, 409),
)
def addendum(call: Call, solicitation_id: str):
    """Before opening only; it may postpone the opening to a later time. Invited vendors and bidders are emailed."""
    return SolicitationOut.of(
        solicitations.add_addendum(call.deps, call.actor, solicitation_id, call.body.text, call.body.opening_at)
    )


@operation(
    bp,
    "POST",
    "/solicitations/{solicitation_id}/cancel",
    summary="Cancel an invitation to bid",
    tag=TAG,
    roles={Role.PURCHASING},
    body=CancelSolicitationIn,
    response=SolicitationOut,
    rules=("R-5o",),
    errors=(404, 409),
)
def cancel(call: Call, solicitation_id: str):
    """Before opening only; invited vendors and bidders are emailed."""
    return SolicitationOut.of(solicitations.cancel(call.deps, call.actor, solicitation_id, call.body.reason))


@operation(
    bp,
    "GET",
    "/solicitations",
    summary="List invitations to bid",
    tag=TAG,
    query=SolicitationListQuery,
    response=Page[SolicitationOut],
    rules=("R-4",),
    optional_auth=True,
)
def list_solicitations(call: Call):
    """Public: published invitations by status (default open), ordered by opening time; filtered by agency, commodity
    code and opening window."""
    q = call.query
    found = solicitations.list_solicitations(
        call.deps,
        call.viewer,
        q.status,
        page_request(call),
        agency=q.agency,
        commodity=q.commodity,
        opening_from=q.opening_from,
        opening_to=q.opening_to,
    )
    return page_of(call, found, SolicitationOut.of)


@operation(
    bp,
    "GET",
    "/solicitations/{solicitation_id}",
    summary="Read an invitation to bid",
    tag=TAG,
    response=SolicitationOut,
    rules=("R-4",),
    errors=(404,),
    optional_auth=True,
)
def get(call: Call, solicitation_id: str):
    """Public once published; drafts only for purchasing."""
    return SolicitationOut.of(solicitations.get_solicitation(call.deps, call.viewer, solicitation_id))


@operation(
    bp,
    "GET",
    "/solicitations/{solicitation_id}/tabulation",
    summary="Read the bid tabulation",
    tag=TAG,
    query=PageQuery,
    response=TabulationOut,
    rules=("R-5n", "R-5b"),
    errors=(404, 409),
    optional_auth=True,
)
def tabulation(call: Call, solicitation_id: str):
    """Public after the opening (409 before): every opened bid with its prices, corrections and flags. A signed-in reader's read is audited on each bid."""
    sol, rows = bids.tabulation(call.deps, solicitation_id, call.viewer, page=page_request(call))
    shown = page_of(call, rows, TabulationRow.of)
    return TabulationOut(
        solicitation_id=sol.id, opened_at=sol.opened_at, bid_count=sol.bid_count, items=shown.items, next=shown.next
    )


@operation(
    bp,
    "POST",
    "/solicitations/{solicitation_id}/determinations",
    summary="Record a determination on a bid",
    tag=TAG,
    roles={Role.PURCHASING},
    body=DeterminationIn,
    response=BidFindingOut,
    status=201,
    rules=("R-19", "R-5e", "R-8a", "R-18a/b"),
    errors=(404, 409),
)
def determination(call: Call, solicitation_id: str):
    """Responsiveness and responsibility findings, waivers and corrections of minor irregularities, each written."""
    b = call.body
    bid = bids.determine(
        call.deps,
        call.actor,
        solicitation_id,
        b.bid_id,
        b.finding,
        b.text,
        field=b.field,
        line_id=b.line_id,
        unit_price=b.unit_price,
        factor=b.factor,
    )
    row = TabulationRow.of(bid)
    return BidFindingOut(bid_id=bid.id, eligible=bid.eligible, determinations=row.determinations, total=row.total)


@operation(
    bp,
    "POST",
    "/solicitations/{solicitation_id}/award",
    summary="Award or reject all bids",
    tag=TAG,
    roles={Role.PURCHASING},
    body=AwardIn,
    response=AwardResult,
    status=201,
    rules=("R-8a", "R-8b", "R-8c", "R-8f"),
    errors=(404, 409),
)
def award(call: Call, solicitation_id: str):
    """Ranks eligible bids by evaluated price per item, group or whole and sends each notice of award; or rejects all."""
    b = call.body
    if b.reject_all:
        sol = awards.reject_all(call.deps, call.actor, solicitation_id, b.reason or "")
        return AwardResult(solicitation_id=sol.id, status=sol.status, awards=[])
    sol, made = awards.make_award(call.deps, call.actor, solicitation_id, b.basis, b.responsibility)
    return AwardResult(
        solicitation_id=sol.id,
        status=sol.status,
        awards=[
            AwardSummary(
                id=a.id,
                scope=a.scope,
                bidder_name=a.shares[0].candidate.bidder_name,
                bidders=[s.candidate.bidder_name for s in a.shares],
                amount=sum((award_rules.share_amount(a, s) for s in a.shares), Decimal(0)),
                conditional=a.conditional,
                notes=list(a.notes),
            )
            for a in made
        ],
    )
