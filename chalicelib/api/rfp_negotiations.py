"""Negotiation and award of a request for proposals: confidentiality decisions (R-16d), negotiations in shortlist order
with the written notice of a terminated one (R-16h-l), additional proposers or resolicitation (R-16n), the agreement
that awards the contract, the public notice of award and the memorandum (R-16j, R-16m-o)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from typing import Annotated

from chalice import Blueprint
from pydantic import Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import CursorQuery, next_cursor, position
from chalicelib.api.rfps import RfpOut
from chalicelib.api.types import DecimalOut, Dollars, LocalTime, Money
from chalicelib.api.views import ApiModel, RequestBody
from chalicelib.domain.errors import NotFound
from chalicelib.domain.rfp_negotiation_notice import Negotiation, NegotiationStatus
from chalicelib.domain.rfp_negotiations import (
    Agreement,
    Disclosure,
    DisclosureDecision,
    MemorandumEntry,
    MemorandumPage,
    memorandum_page,
)
from chalicelib.domain.rfps import Rfp, RfpStatus
from chalicelib.services import rfp_negotiations
from chalicelib.services.ports import Role

bp = Blueprint(__name__)
TAG = "requests for proposals"
NEGOTIATION = "/rfps/{rfp_id}/negotiations/{negotiation_number}"


def _number(negotiation_number: str) -> int:
    if not negotiation_number.isdigit() or int(negotiation_number) < 1:
        raise NotFound(f"No negotiation {negotiation_number}: negotiations are numbered from 1.")
    return int(negotiation_number)


# -- R-16d: confidentiality decisions -------------------------------------------------------------------------------
class DisclosureDecisionIn(RequestBody):
    part: str = Field(min_length=1, max_length=210, description="The part the proposal asked not to disclose.")
    withheld: bool = Field(description="true: the request is valid and the part is not disclosed; false: it will be disclosed.")
    reason: str = Field(min_length=1, max_length=2000, description="Why; told to the proposer in writing.")


class ConfidentialityDecisionsIn(RequestBody):
    decisions: list[DisclosureDecisionIn] = Field(
        min_length=1, max_length=50, description="R-16d: one decision per confidentiality request of the proposal, all at once."
    )


class DisclosureDecisionOut(ApiModel):
    part: str = Field(description="The part of the proposal.")
    withheld: bool = Field(description="Whether it is withheld from disclosure.")
    reason: str = Field(description="The Commissioner's reason.")


class DisclosureOut(ApiModel):
    proposal_id: str = Field(description="Proposal id.")
    rfp_id: str = Field(description="Request for proposals id.")
    decisions: list[DisclosureDecisionOut] = Field(description="R-16d: the decision on each confidentiality request.")
    decided_at: LocalTime = Field(description="When the Commissioner decided; the proposer is told in writing.")
    decided_by: str = Field(description="The purchasing official (token subject).")
    round: int = Field(description="1 for the first decision; a later one, until negotiation opens, replaces it.")

    @classmethod
    def of(cls, d: Disclosure) -> DisclosureOut:
        return cls(
            proposal_id=d.id,
            rfp_id=d.rfp_id,
            decisions=[DisclosureDecisionOut(**x.__dict__) for x in d.decisions],
            decided_at=d.decided_at,
            decided_by=d.decided_by,
            round=d.round,
        )


@operation(
    bp,
    "POST",
    "/rfps/{rfp_id}/proposals/{proposal_id}/confidentiality",
    summary="Decide a proposal's confidentiality requests",
    tag=TAG,
    roles={Role.PURCHASING},
    body=ConfidentialityDecisionsIn,
    response=DisclosureOut,
    rules=("R-16d",),
    errors=(404, 409),
)
def decide_confidentiality(call: Call, rfp_id: str, proposal_id: str):
    """R-16d: every confidentiality request of the opened proposal decided at once (a part it did not ask for: 400),
    from the opening until the proposer's negotiation opens (409 after). The proposer is emailed what will be
    disclosed and that, unless it withdraws the proposal, it will be so disclosed."""
    decisions = [DisclosureDecision(d.part, d.withheld, d.reason) for d in call.body.decisions]
    return DisclosureOut.of(rfp_negotiations.decide_confidentiality(call.deps, call.actor, rfp_id, proposal_id, decisions))


# -- R-16h-l: negotiations ------------------------------------------------------------------------------------------
class NegotiationOut(ApiModel):
    number: int = Field(description="1 with the best ranked proposer, then in turn (R-16l).")
    rfp_id: str = Field(description="Request for proposals id.")
    vendor_id: str = Field(description="The proposer's vendor id.")
    proposal_id: str = Field(description="The proposal negotiated.")
    proposer_name: str = Field(description="The proposer's legal name.")
    status: NegotiationStatus = Field(description="open, terminated (R-16k) or agreed (R-16j).")
    opened_at: LocalTime = Field(description="When it opened.")
    terminated_at: LocalTime | None = Field(None, description="When it was terminated.")
    reasons: str | None = Field(None, description="R-16k: the written record of the reasons, in the file.")
    notice_due: LocalTime | None = Field(
        None, description="R-16k: the written notice is sent before this instant (the end of the notice period)."
    )
    notice_sent_at: LocalTime | None = Field(None, description="When the written notice was sent (by purchasing or the timer).")
    notice_in_time: bool | None = Field(None, description="Whether the notice was sent within the notice period.")
    agreed_at: LocalTime | None = Field(None, description="When agreement was reached (R-16j).")
    price: Dollars | None = Field(None, description="The compensation agreed.")
    principal_elements: list[str] = Field(description="R-16o(2): the significant considerations on price and other terms.")

    @classmethod
    def of(cls, n: Negotiation) -> NegotiationOut:
        data = {k: getattr(n, k) for k in cls.model_fields if hasattr(n, k)}
        return cls.model_validate({**data, "principal_elements": list(n.principal_elements)})


class NegotiationsOut(ApiModel):
    rfp_id: str = Field(description="Request for proposals id.")
    status: RfpStatus = Field(description="The request's status.")
    shortlist: list[str] = Field(description="R-16g, R-16n: the selected proposers' vendor ids in ranking order.")
    negotiations: list[NegotiationOut] = Field(description="Every negotiation in its order.")


class TerminateNegotiationIn(RequestBody):
    reasons: str = Field(
        min_length=1, max_length=20000, description="R-16k: why compensation and other provisions could not be agreed upon."
    )


class NegotiatedAgreementIn(RequestBody):
    price: Money = Field(description="The compensation agreed, in US dollars (R-16i(3)); the contract's one lot.")
    principal_elements: list[Annotated[str, Field(max_length=2000)]] = Field(
        min_length=1,
        max_length=50,
        description="R-16o(2): the principal elements of the negotiation, the significant considerations on price and other terms.",
    )
    term_start: dt.date | None = Field(None, description="The contract's first day (R-9d), with term_end; or neither.")
    term_end: dt.date | None = Field(None, description="The contract's last day (R-9d), with term_start; or neither.")


@operation(
    bp,
    "POST",
    "/rfps/{rfp_id}/negotiations",
    summary="Open negotiation with the next proposer",
    tag=TAG,
    roles={Role.PURCHASING},
    response=NegotiationOut,
    status=201,
    rules=("R-16h-l", "R-16d", "R-16m-o"),
    errors=(404, 409),
)
def open_negotiation(call: Call, rfp_id: str):
    """R-16h, R-16l: with the best ranked shortlisted proposer not yet negotiated with that still has a live proposal;
    the proposer is emailed. 409 while a negotiation is open, while the last terminated one's written notice is not
    sent (R-16h-l), while the proposer's confidentiality requests are undecided (R-16d), or when the shortlist is
    exhausted (R-16m-o, 4a-52-16(n))."""
    return NegotiationOut.of(rfp_negotiations.open_negotiation(call.deps, call.actor, rfp_id))


@operation(
    bp,
    "GET",
    "/rfps/{rfp_id}/negotiations",
    summary="Read the negotiations of a request for proposals",
    tag=TAG,
    roles={Role.PURCHASING},
    response=NegotiationsOut,
    rules=("R-16h-l",),
    errors=(404,),
)
def list_negotiations(call: Call, rfp_id: str):
    """Purchasing: the shortlist in ranking order and every negotiation with its reasons and notice."""
    rfp, found = rfp_negotiations.list_negotiations(call.deps, call.actor, rfp_id)
    return NegotiationsOut(
        rfp_id=rfp.id, status=rfp.status, shortlist=list(rfp.shortlist), negotiations=[NegotiationOut.of(n) for n in found]
    )


@operation(
    bp,
    "POST",
    f"{NEGOTIATION}/terminate",
    summary="Terminate a negotiation",
    tag=TAG,
    roles={Role.PURCHASING},
    body=TerminateNegotiationIn,
    response=NegotiationOut,
    rules=("R-16h-l",),
    errors=(404, 409),
)
def terminate(call: Call, rfp_id: str, negotiation_number: str):
    """R-16k: the reasons are placed in the file and the proposer is advised by email at once; a timer sends the
    written notice at the start of the notice period's last day unless purchasing sent it before."""
    return NegotiationOut.of(
        rfp_negotiations.terminate(call.deps, call.actor, rfp_id, _number(negotiation_number), call.body.reasons)
    )


@operation(
    bp,
    "POST",
    f"{NEGOTIATION}/notice",
    summary="Send the written notice of a terminated negotiation",
    tag=TAG,
    roles={Role.PURCHASING},
    response=NegotiationOut,
    rules=("R-16h-l",),
    errors=(404, 409),
)
def send_notice(call: Call, rfp_id: str, negotiation_number: str):
    """R-16k: the written notice with the reasons, emailed to the proposer; sent once (409 when already sent)."""
    return NegotiationOut.of(rfp_negotiations.send_notice(call.deps, call.actor, rfp_id, _number(negotiation_number)))


# -- R-16n: additional proposers, resolicitation ---------------------------------------------------------------------
class ShortlistAdditionsIn(RequestBody):
    count: int = Field(ge=1, le=50, description="How many further qualifying proposers to select, in ranking order.")


class ShortlistAdditionsOut(ApiModel):
    rfp_id: str = Field(description="Request for proposals id.")
    shortlist: list[str] = Field(description="The selected proposers' vendor ids in ranking order, the additions last.")


class ResolicitIn(RequestBody):
    reason: str = Field(
        min_length=1, max_length=2000, description="Why no contract could be negotiated; emailed to the shortlisted."
    )


@operation(
    bp,
    "POST",
    "/rfps/{rfp_id}/shortlist/additions",
    summary="Select additional proposers",
    tag=TAG,
    roles={Role.PURCHASING},
    body=ShortlistAdditionsIn,
    response=ShortlistAdditionsOut,
    rules=("R-16m-o",),
    errors=(404, 409),
)
def add_proposers(call: Call, rfp_id: str):
    """R-16n: once every shortlisted proposer was negotiated with, the next qualifying proposers in ranking order
    join the shortlist (409 before, or when none remains)."""
    rfp = rfp_negotiations.add_proposers(call.deps, call.actor, rfp_id, call.body.count)
    return ShortlistAdditionsOut(rfp_id=rfp.id, shortlist=list(rfp.shortlist))


@operation(
    bp,
    "POST",
    "/rfps/{rfp_id}/resolicit",
    summary="Close a request for proposals unawarded, to resolicit it",
    tag=TAG,
    roles={Role.PURCHASING},
    body=ResolicitIn,
    response=RfpOut,
    rules=("R-16m-o",),
    errors=(404, 409),
)
def resolicit(call: Call, rfp_id: str):
    """R-16n: once every shortlisted proposer was negotiated with, the request closes unawarded and the shortlisted
    proposers are emailed (409 before)."""
    return RfpOut.of(rfp_negotiations.resolicit(call.deps, call.actor, rfp_id, call.body.reason))


# -- R-16j, R-16m-o: agreement and award -------------------------------------------------------------------------
class RfpAwardOut(ApiModel):
    rfp_id: str = Field(description="Request for proposals id.")
    title: str = Field(description="What is procured.")
    agency: str = Field(description="The purchasing agency.")
    awarded_at: LocalTime = Field(description="When the contract was awarded (R-16j).")
    awardee_vendor_id: str = Field(description="The awardee's vendor id.")
    awardee_name: str = Field(description="The awardee's legal name.")
    price: Dollars = Field(description="The compensation agreed (R-16m: public information).")
    contract_id: str = Field(description="The contract formed, as on every order (R-9k).")

    @classmethod
    def of(cls, rfp: Rfp, agreed: Negotiation) -> RfpAwardOut:
        assert rfp.awarded_at and rfp.award_price is not None and rfp.contract_id  # awarded
        return cls(
            rfp_id=rfp.id,
            title=rfp.title,
            agency=rfp.agency,
            awarded_at=rfp.awarded_at,
            awardee_vendor_id=agreed.vendor_id,
            awardee_name=agreed.proposer_name,
            price=rfp.award_price,
            contract_id=rfp.contract_id,
        )


@operation(
    bp,
    "POST",
    f"{NEGOTIATION}/agree",
    summary="Agree with the proposer and award the contract",
    tag=TAG,
    roles={Role.PURCHASING},
    body=NegotiatedAgreementIn,
    response=RfpAwardOut,
    rules=("R-16m-o", "R-16h-l"),
    errors=(404, 409),
)
def agree(call: Call, rfp_id: str, negotiation_number: str):
    """R-16j: in one commit the request is awarded, the contract formed (one lot at the agreed price, for the request's
    agency, 45-day payment), the notice of award emailed to the awardee, the award made known to the other shortlisted
    proposers (R-16m), the agency told, and the memorandum written (R-16o)."""
    b = call.body
    agreement = Agreement(b.price, tuple(b.principal_elements), b.term_start, b.term_end)
    awarded = rfp_negotiations.agree(call.deps, call.actor, rfp_id, _number(negotiation_number), agreement)
    return RfpAwardOut.of(*rfp_negotiations.award_notice(call.deps, call.actor, awarded.id))


@operation(
    bp,
    "GET",
    "/rfps/{rfp_id}/award",
    summary="Read the notice of award of a request for proposals",
    tag=TAG,
    response=RfpAwardOut,
    rules=("R-16m-o",),
    errors=(404,),
    optional_auth=True,
)
def read_award(call: Call, rfp_id: str):
    """R-16m: public information once awarded; 404 before."""
    return RfpAwardOut.of(*rfp_negotiations.award_notice(call.deps, call.viewer, rfp_id))


class MemorandumFactorOut(ApiModel):
    factor: str = Field(description="A factor stated in the request (R-16a).")
    weight: DecimalOut = Field(description="Its relative importance.")
    score: DecimalOut = Field(description="The panel's consensus score, 0 to 10.")
    reason: str = Field(description="Why.")


class MemorandumProposerOut(ApiModel):
    rank: int = Field(description="1 for the best ranked.")
    vendor_id: str = Field(description="The proposer's vendor id.")
    proposer_name: str = Field(description="The proposer's name.")
    proposal_id: str = Field(description="The proposal evaluated.")
    classification: str | None = Field(None, description="acceptable, potentially_acceptable or unacceptable (R-18c).")
    total: DecimalOut = Field(description="The weighted consensus total, 0 to 10.")
    rationale: str = Field(description="The consensus rationale.")
    factors: list[MemorandumFactorOut] = Field(description="R-16o(1): how each stated factor was applied.")
    description: str = Field(description="The proposal's description; 'withheld' in a public reading where R-16d withheld it.")
    proposed_price: str = Field(description="The price proposed; 'withheld' in a public reading where R-16d withheld it.")
    withheld: list[str] = Field(description="The parts of the proposal withheld under R-16d.")


class MemorandumTerminationOut(ApiModel):
    number: int = Field(description="The negotiation's number.")
    proposer_name: str = Field(description="The proposer.")
    terminated_at: LocalTime = Field(description="When it was terminated.")
    reasons: str = Field(description="R-16k: the reasons in the file.")
    notice_sent_at: LocalTime | None = Field(None, description="When the written notice was sent.")


class RfpMemorandumOut(ApiModel):
    """One page of the memorandum. A long one (nothing bounds a request's proposers) comes in pages: each carries the
    heading fields, its share of `ranked` and `terminated` and of `text`, and `next`; the last, the principal elements."""

    rfp_id: str = Field(description="Request for proposals id.")
    title: str = Field(description="What is procured.")
    agency: str = Field(description="The purchasing agency.")
    awarded_at: LocalTime = Field(description="When the contract was awarded.")
    awardee_name: str = Field(description="The awardee.")
    contract_id: str = Field(description="The contract formed.")
    price: Dollars = Field(description="The compensation agreed.")
    ranked: list[MemorandumProposerOut] = Field(description="R-16o(1): every ranked proposer, best first (this page's).")
    terminated: list[MemorandumTerminationOut] = Field(
        description="The negotiations terminated before the agreement, with their reasons (this page's)."
    )
    principal_elements: list[str] = Field(
        description="R-16o(2): the principal elements of the negotiations (on the last page; empty before it)."
    )
    text: str = Field(
        description="The memorandum in words, as the contract file keeps it: this page's part; the pages' texts in "
        "order are the whole."
    )
    next: str | None = Field(None, description="Opaque cursor of the following page (`?cursor=`); null on the last page.")

    @classmethod
    def of(cls, page: MemorandumPage, next_page: str | None) -> RfpMemorandumOut:
        m = page.memo
        return cls(
            rfp_id=m.id,
            title=m.rfp_title,
            agency=m.agency,
            awarded_at=m.awarded_at,
            awardee_name=m.awardee_name,
            contract_id=m.contract_id,
            price=m.price,
            ranked=[
                MemorandumProposerOut.model_validate(
                    {**r.__dict__, "factors": [f.__dict__ for f in r.factors], "withheld": list(r.withheld)}
                )
                for r in m.ranked
            ],
            terminated=[MemorandumTerminationOut.model_validate(t.__dict__) for t in m.terminated],
            principal_elements=list(m.principal_elements),
            text=page.text,
            next=next_page,
        )


# Entries (ranked proposers, terminated negotiations) per page, counted as JSON-escaped text twice (their fields, and
# again in `text`). A page holds at least one entry, so the largest (1.15 MB as JSON, docs/decisions.md) is a page of
# about 2.3 MB; with the heading and the principal elements (50 of 2,000 characters at most) a page stays under 4 MB
# of Lambda's 6 MB answer.
MEMORANDUM_PAGE_BYTES = 2_000_000


def _answer_size(entry: MemorandumEntry) -> int:
    return 2 * len(json.dumps(dataclasses.asdict(entry), default=str))


@operation(
    bp,
    "GET",
    "/rfps/{rfp_id}/memorandum",
    summary="Read the memorandum of the basis of award",
    tag=TAG,
    response=RfpMemorandumOut,
    query=CursorQuery,
    rules=("R-16m-o", "R-16d"),
    errors=(404, 409),
    optional_auth=True,
)
def read_memorandum(call: Call, rfp_id: str):
    """R-16o: the basis of award, generated from the record at the award; 404 before. Purchasing reads it in full;
    anyone else reads it with the parts withheld under R-16d shown as withheld. 409 if the records it rests on no
    longer give the memorandum the award wrote. A long memorandum is read page by page (`next`)."""
    memo = rfp_negotiations.memorandum(call.deps, call.viewer, rfp_id)
    start = position(call)
    page = memorandum_page(memo, int(start or 0), _answer_size, MEMORANDUM_PAGE_BYTES)
    return RfpMemorandumOut.of(page, None if page.last else next_cursor(call, str(page.end)))
