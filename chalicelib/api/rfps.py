"""Requests for proposals (competitive negotiation, R-16): draft, publish, addenda, cancel, read and list; sealed
proposals (R-16c, R-16d, R-16f), the two-official opening and the register of proposals (R-16c)."""

from __future__ import annotations

import datetime as dt

from chalice import Blueprint
from pydantic import Field

from chalicelib import bootstrap
from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, PageQuery, page_of, page_request
from chalicelib.api.solicitations import FactorIn, FactorOut
from chalicelib.api.types import CommodityCode, LocalTime, Money
from chalicelib.api.views import ApiModel, RequestBody
from chalicelib.domain.proposals import Proposal, ProposalStatus, RegisterEntry
from chalicelib.domain.rfps import DEFAULT_NEGOTIATION_NOTICE_DAYS, Conference, Rfp, RfpStatus
from chalicelib.domain.solicitations import EvaluationFactor
from chalicelib.services import proposal_opening, proposals, rfps
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


class ConferenceOut(ApiModel):
    at: LocalTime = Field(description="When the pre-proposal conference starts (R-16b).")
    location: str = Field(description="Where it is held.")
    mandatory: bool = Field(description="Whether attendance is required of proposers.")


class RfpAddendumOut(ApiModel):
    number: int = Field(description="Addendum number.")
    text: str = Field(description="The amendment.")
    issued_at: LocalTime = Field(description="When it was issued.")
    proposals_due: LocalTime | None = Field(None, description="The new due date, when the addendum postponed it.")


class RfpOut(ApiModel):
    id: str = Field(description="Request for proposals id.")
    title: str = Field(description="What is procured.")
    agency: str = Field(description="Purchasing agency.")
    status: RfpStatus = Field(
        description="draft (purchasing only); open (proposals received until the due date); cancelled; opened (two officials opened the proposals, R-16c; evaluation); discussions (shortlist selected, R-16g, R-17b); bafo (best and final offers due, R-17c); negotiation (R-16h-l); awarded (R-16j, R-16m); unawarded (no proposer agreed, R-16n)."
    )
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
    bafo_round: int = Field(0, description="R-17c: the round of best and final offers called last; 0 when none.")
    bafo_due: LocalTime | None = Field(None, description="R-17c: the common date and time of that round's offers.")

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
    rules=("R-16c", "R-17b", "R-17c", "R-4"),
    errors=ERRORS,
)
def addendum(call: Call, rfp_id: str):
    """Before the due date, when it may postpone the due date; the invited vendors are emailed (R-16c). During
    discussions, to incorporate a clarification or change, the due date as it is (`proposals_due`: 400), emailed to
    each shortlisted proposer with a live proposal only (R-17b). After the call for best and final offers: 409 (R-17c)."""
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


# -- sealed proposals (R-16c, R-16d, R-16f) ---------------------------------------------------------------------


class ProposalDocumentIn(RequestBody):
    name: str = Field(min_length=1, max_length=200, description="The document's name, unique within the proposal.")
    text: str = Field(min_length=1, max_length=100000, description="The document's text.")


class ConfidentialityIn(RequestBody):
    part: str = Field(
        min_length=1, max_length=210, description="R-16d: the part not to disclose: price, description or documents/<name>."
    )
    reason: str = Field(min_length=1, max_length=2000, description="R-16d: why it is a trade secret or confidential.")


class ProposalIn(RequestBody):
    price: Money = Field(description="The proposed price in US dollars.")
    description: str = Field(
        min_length=1, max_length=20000, description="What is offered; the register of proposals shows it (R-16c)."
    )
    documents: list[ProposalDocumentIn] = Field([], max_length=50, description="The proposal's documents.")
    confidentiality: list[ConfidentialityIn] = Field(
        [], max_length=50, description="R-16d: requests that named parts not be disclosed; decided later by the Commissioner."
    )


class ProposalReceipt(ApiModel):
    proposal_id: str = Field(description="Proposal id.")
    rfp_id: str = Field(description="Request for proposals id.")
    proposer_name: str = Field(description="The proposer's legal name.")
    received_at: LocalTime = Field(description="Server time stamp of receipt (R-16c).")
    commitment: str = Field(description="HMAC-SHA-256 of the canonical proposal under a sealed salt, published at the opening.")
    status: ProposalStatus = Field(
        description="sealed, replaced, withdrawn or opened (a modification during discussions is received opened)."
    )
    modifications: int = Field(description="Earlier proposals of this proposer to this request it replaced, in turn (R-16f).")
    replaces: str | None = Field(None, description="The proposal this one replaces (R-16f).")
    bafo_round: int = Field(
        0, description="0 for a proposal or its modification; N for a best and final offer of round N (R-17c)."
    )

    @classmethod
    def of(cls, p: Proposal) -> ProposalReceipt:
        return cls.model_validate({**{k: getattr(p, k) for k in cls.model_fields if hasattr(p, k)}, "proposal_id": p.id})


class ConfirmationOut(ApiModel):
    official: str = Field(description="The purchasing official (token subject) who confirmed.")
    at: LocalTime = Field(description="When.")


class OpeningOut(ApiModel):
    rfp_id: str = Field(description="Request for proposals id.")
    status: RfpStatus = Field(description="open until two distinct officials confirmed, then opened.")
    confirmations: list[ConfirmationOut] = Field(description="R-16c: the officials who confirmed the opening.")
    opened_at: LocalTime | None = Field(None, description="When the proposals were opened (R-16c).")
    proposal_count: int = Field(description="Proposals opened.")

    @classmethod
    def of(cls, rfp: Rfp) -> OpeningOut:
        return cls(
            rfp_id=rfp.id,
            status=rfp.status,
            confirmations=[ConfirmationOut(official=c.official, at=c.at) for c in rfp.opening_confirmations],
            opened_at=rfp.opened_at,
            proposal_count=rfp.proposal_count,
        )


class RegisterEntryOut(ApiModel):
    proposal_id: str = Field(description="Proposal id.")
    proposer_name: str = Field(description="The proposer's name.")
    modifications: int = Field(description="Number of modifications received (R-16f).")
    description: str = Field(
        description='Description of what is offered; "withheld" in a public reading where R-16d withheld it.'
    )


class RegisterOut(ApiModel):
    rfp_id: str = Field(description="Request for proposals id.")
    opened_at: LocalTime = Field(description="When the proposals were opened.")
    proposals: list[RegisterEntryOut] = Field(description="R-16c: one entry per opened proposal, in proposal id order.")


PROPOSAL_RULES = ("R-16c", "R-16d", "R-16f", "R-4")


@operation(
    bp,
    "POST",
    "/rfps/{rfp_id}/proposals",
    summary="Submit a sealed proposal",
    tag=TAG,
    roles={Role.VENDOR},
    body=ProposalIn,
    response=ProposalReceipt,
    status=201,
    rules=PROPOSAL_RULES,
    errors=(403, 404, 409),
)
def submit_proposal(call: Call, rfp_id: str):
    """Sealed with KMS before it is stored; the receipt is time-stamped with a commitment. At or after the due date: 409 (R-16c). A second proposal of the same proposer replaces its live one, one more modification (R-16f). During discussions a shortlisted proposer's modification is received in the clear (status opened; not shortlisted: 409); once discussions concluded (bafo, negotiation): 409 (R-16f); best and final offers go to /bafo/offers."""
    submitted = call.body.model_dump(mode="json")
    return ProposalReceipt.of(proposals.submit_proposal(call.deps, bootstrap.sealer(), call.actor, rfp_id, submitted))


@operation(
    bp,
    "POST",
    "/rfps/{rfp_id}/proposals/{proposal_id}/withdraw",
    summary="Withdraw a proposal",
    tag=TAG,
    roles={Role.VENDOR},
    response=ProposalReceipt,
    rules=("R-16f",),
    errors=(403, 404, 409),
)
def withdraw_proposal(call: Call, rfp_id: str, proposal_id: str):
    """The proposer withdraws its live proposal until the opening, and a shortlisted proposer during discussions (R-16f); otherwise 409."""
    return ProposalReceipt.of(proposals.withdraw_proposal(call.deps, call.actor, rfp_id, proposal_id))


@operation(
    bp,
    "POST",
    "/rfps/{rfp_id}/opening/confirmations",
    summary="Confirm the opening of the proposals",
    tag=TAG,
    roles={Role.PURCHASING},
    response=OpeningOut,
    rules=("R-16c",),
    errors=ERRORS,
)
def confirm_opening(call: Call, rfp_id: str):
    """After the due date only; each confirmation is audited. The second distinct official's confirmation starts the
    opening (the answer shows both confirmations; `status` becomes opened when the task has opened every proposal);
    the same official confirming again is 409. Not public."""
    return OpeningOut.of(proposal_opening.confirm_opening(call.deps, call.actor, rfp_id))


@operation(
    bp,
    "GET",
    "/rfps/{rfp_id}/register",
    summary="Read the register of proposals",
    tag=TAG,
    response=RegisterOut,
    rules=("R-16c", "R-16d"),
    errors=(403, 404, 409),
    optional_auth=True,
)
def read_register(call: Call, rfp_id: str):
    """R-16c: each opened proposal's proposer, number of modifications (R-16f, during discussions too) and
    description; 409 before the opening and while best and final offers are sealed. Purchasing's until the award (404
    to the public, 403 to other callers), public after it, when a description withheld under R-16d reads "withheld"."""
    rfp, entries = proposals.register(call.deps, call.viewer, rfp_id)
    return RegisterOut(rfp_id=rfp.id, opened_at=rfp.opened_at, proposals=[_entry(e) for e in entries])


def _entry(entry: RegisterEntry) -> RegisterEntryOut:
    return RegisterEntryOut(**entry.__dict__)
