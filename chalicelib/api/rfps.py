"""Requests for proposals (competitive negotiation, R-16): draft, publish, addenda, cancel, read and list."""

from __future__ import annotations

import datetime as dt

from chalice import Blueprint
from pydantic import BaseModel, Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, PageQuery, page_of, page_request
from chalicelib.api.solicitations import FactorIn, FactorOut
from chalicelib.api.types import CommodityCode, LocalTime
from chalicelib.api.views import RequestBody
from chalicelib.domain.rfps import DEFAULT_NEGOTIATION_NOTICE_DAYS, Conference, Rfp, RfpStatus
from chalicelib.domain.solicitations import EvaluationFactor
from chalicelib.services import rfps
from chalicelib.services.ports import Role

bp = Blueprint(__name__)
TAG = "requests for proposals"
ERRORS = (404, 409)


class ConferenceIn(RequestBody):
    at: dt.datetime = Field(
        description="R-16b: when the pre-proposal conference starts, ISO 8601 with offset; on a day before the due date."
    )
    location: str = Field(min_length=1, max_length=500, description="Where it is held: an address, or a meeting link.")
    mandatory: bool = Field(False, description="Whether attendance is required of proposers.")


class DraftRfp(RequestBody):
    title: str = Field(min_length=1, max_length=300, description="What is procured.")
    agency: str = Field(min_length=1, max_length=40, description="The purchasing agency's org code; the contract is for it.")
    commodity_codes: list[CommodityCode] = Field(
        min_length=1,
        max_length=50,
        description="NIGP or UNSPSC codes; registered vendors of these commodities are emailed the notice (R-4).",
    )
    scope: str = Field(min_length=1, max_length=20000, description="The scope of the work or supplies requested.")
    proposals_due: dt.datetime = Field(
        description="Due date and time of the proposals, ISO 8601 with offset, in the future; proposals are kept sealed until then (R-16c)."
    )
    evaluation_factors: list[FactorIn] = Field(
        min_length=1,
        max_length=30,
        description="Factors with relative importance; must include plan_of_performance, ability, personnel_equipment_facilities and past_performance (R-16a), price and financial_responsibility (R-18a/b).",
    )
    conference: ConferenceIn | None = Field(None, description="R-16b: an optional pre-proposal conference; null when none.")
    negotiation_notice_days: int = Field(
        DEFAULT_NEGOTIATION_NOTICE_DAYS,
        ge=1,
        le=DEFAULT_NEGOTIATION_NOTICE_DAYS,
        description="R-16h-l: days within which a terminated negotiation is confirmed by written notice (at most 3).",
    )


class RfpAddendumIn(RequestBody):
    text: str = Field(min_length=1, max_length=20000, description="The amendment of the request for proposals.")
    proposals_due: dt.datetime | None = Field(
        None,
        description="A new, later due date and time (ISO 8601 with offset) when the addendum postpones it; proposals are received until then.",
    )


class CancelRfpIn(RequestBody):
    reason: str = Field(
        min_length=1, max_length=2000, description="Why the request is cancelled; emailed to the invited vendors."
    )


class RfpListQuery(PageQuery):
    status: RfpStatus = Field(RfpStatus.OPEN, description="open (proposals received) or cancelled; draft for purchasing only.")


class ConferenceOut(BaseModel):
    at: LocalTime = Field(description="When the pre-proposal conference starts (R-16b).")
    location: str = Field(description="Where it is held.")
    mandatory: bool = Field(description="Whether attendance is required of proposers.")


class RfpAddendumOut(BaseModel):
    number: int = Field(description="Addendum number.")
    text: str = Field(description="The amendment.")
    issued_at: LocalTime = Field(description="When it was issued.")
    proposals_due: LocalTime | None = Field(None, description="The new due date, when the addendum postponed it.")


class RfpOut(BaseModel):
    id: str = Field(description="Request for proposals id.")
    title: str = Field(description="What is procured.")
    agency: str = Field(description="Purchasing agency.")
    status: RfpStatus = Field(description="draft (purchasing only), open (proposals received until the due date) or cancelled.")
    commodity_codes: list[str] = Field(description="Commodity codes of the notice (R-4).")
    scope: str = Field(description="The scope of the work or supplies requested.")
    proposals_due: LocalTime = Field(description="Due date and time of the proposals (R-16c).")
    evaluation_factors: list[FactorOut] = Field(description="R-16a and R-18a/b factors with their relative importance.")
    conference: ConferenceOut | None = Field(None, description="R-16b pre-proposal conference, if any.")
    negotiation_notice_days: int = Field(description="R-16h-l: days for the written notice of a terminated negotiation.")
    addenda: list[RfpAddendumOut] = Field(description="Addenda issued.")
    published_at: LocalTime | None = Field(None, description="When the public notice was given (R-4).")
    cancelled_at: LocalTime | None = Field(None, description="When it was cancelled.")
    cancel_reason: str | None = Field(None, description="Why it was cancelled.")

    @classmethod
    def of(cls, rfp: Rfp) -> RfpOut:
        data = {k: getattr(rfp, k) for k in cls.model_fields if hasattr(rfp, k)}
        data["evaluation_factors"] = [{"name": f.name, "weight": f.weight} for f in rfp.evaluation_factors]
        data["conference"] = None if rfp.conference is None else rfp.conference.__dict__
        data["addenda"] = [a.__dict__ for a in rfp.addenda]
        return cls.model_validate(data)


@operation(
    bp,
    "POST",
    "/rfps",
    summary="Draft a request for proposals",
    tag=TAG,
    roles={Role.PURCHASING},
    body=DraftRfp,
    response=RfpOut,
    status=201,
    rules=("R-16a", "R-16b", "R-18a/b", "R-4"),
)
def draft(call: Call):
    """A draft, visible only to purchasing; publishing it is the public notice."""
    b = call.body
    conference = b.conference
    rfp = rfps.create_rfp(
        call.deps,
        call.actor,
        title=b.title,
        agency=b.agency,
        commodity_codes=b.commodity_codes,
        scope=b.scope,
        proposals_due=b.proposals_due,
        evaluation_factors=[EvaluationFactor(f.name.strip().lower(), f.weight) for f in b.evaluation_factors],
        conference=None if conference is None else Conference(conference.at, conference.location, conference.mandatory),
        negotiation_notice_days=b.negotiation_notice_days,
    )
    return RfpOut.of(rfp)


@operation(
    bp,
    "POST",
    "/rfps/{rfp_id}/publish",
    summary="Publish a request for proposals",
    tag=TAG,
    roles={Role.PURCHASING},
    response=RfpOut,
    rules=("R-4", "R-16a", "R-16b", "R-18a/b"),
    errors=ERRORS,
)
def publish(call: Call, rfp_id: str):
    """The public notice: registered vendors of the commodities are emailed the request."""
    return RfpOut.of(rfps.publish(call.deps, call.actor, rfp_id))


@operation(
    bp,
    "POST",
    "/rfps/{rfp_id}/addenda",
    summary="Issue an addendum to a request for proposals",
    tag=TAG,
    roles={Role.PURCHASING},
    body=RfpAddendumIn,
    response=RfpOut,
    status=201,
    rules=("R-16c", "R-4"),
    errors=ERRORS,
)
def addendum(call: Call, rfp_id: str):
    """Before the due date only; it may postpone the due date. The invited vendors are emailed."""
    return RfpOut.of(rfps.add_addendum(call.deps, call.actor, rfp_id, call.body.text, call.body.proposals_due))


@operation(
    bp,
    "POST",
    "/rfps/{rfp_id}/cancel",
    summary="Cancel a request for proposals",
    tag=TAG,
    roles={Role.PURCHASING},
    body=CancelRfpIn,
    response=RfpOut,
    rules=("R-16c", "R-4"),
    errors=ERRORS,
)
def cancel(call: Call, rfp_id: str):
    """Before the due date only; the invited vendors are emailed."""
    return RfpOut.of(rfps.cancel(call.deps, call.actor, rfp_id, call.body.reason))


@operation(
    bp,
    "GET",
    "/rfps",
    summary="List requests for proposals",
    tag=TAG,
    query=RfpListQuery,
    response=Page[RfpOut],
    rules=("R-4",),
    optional_auth=True,
)
def list_rfps(call: Call):
    """Public: published requests by status (default open), in due-date order; drafts for purchasing only."""
    found = rfps.list_rfps(call.deps, call.viewer, call.query.status, page_request(call))
    return page_of(call, found, RfpOut.of)


@operation(
    bp,
    "GET",
    "/rfps/{rfp_id}",
    summary="Read a request for proposals",
    tag=TAG,
    response=RfpOut,
    rules=("R-4",),
    errors=(404,),
    optional_auth=True,
)
def get(call: Call, rfp_id: str):
    """Public once published; drafts only for purchasing."""
    return RfpOut.of(rfps.get_rfp(call.deps, call.viewer, rfp_id))
