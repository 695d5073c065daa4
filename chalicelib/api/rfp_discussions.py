"""Discussions with each shortlisted proposer (R-17b) and best and final offers (R-17c) of a request for proposals.

A proposer reads and writes its own discussion only; nothing here answers a proposer with another proposer's data."""

from __future__ import annotations

import datetime as dt

from chalice import Blueprint
from pydantic import Field

from chalicelib import bootstrap
from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, PageQuery, page_of, page_request
from chalicelib.api.rfps import TAG, ProposalIn, ProposalReceipt
from chalicelib.api.types import LocalTime
from chalicelib.api.views import ApiModel, RequestBody
from chalicelib.domain.rfp_discussions import Confirmation, DiscussionMessage, MessageKind, Side
from chalicelib.domain.rfps import Rfp, RfpStatus
from chalicelib.services import rfp_discussions
from chalicelib.services.ports import Role

bp = Blueprint(__name__)


class DiscussionMessageIn(RequestBody):
    text: str = Field(min_length=1, max_length=20000, description="The message; for an oral clarification, what was said.")
    vendor_id: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="Purchasing: the shortlisted proposer the message is for. A proposer omits it.",
    )
    kind: MessageKind | None = Field(
        None,
        description="Purchasing: written (default) or oral, the record of an oral clarification that awaits the proposer's written confirmation (R-17b). A proposer omits it.",
    )
    confirms: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="A proposer: the id of the oral clarification of its discussion this message reduces to writing (R-17b).",
    )


class DiscussionQuery(PageQuery):
    vendor_id: str | None = Field(
        None,
        min_length=1,
        max_length=100,
        description="Purchasing: the proposer whose discussion is read (required). A proposer reads its own.",
    )


class DiscussionMessageOut(ApiModel):
    id: str = Field(description="Message id.")
    rfp_id: str = Field(description="Request for proposals id.")
    vendor_id: str = Field(description="The proposer whose discussion it is in.")
    number: int = Field(description="Its number in the discussion, from 1.")
    side: Side = Field(description="Who wrote it: purchasing or the proposer.")
    kind: MessageKind = Field(description="written, or oral: purchasing's record of an oral clarification (R-17b).")
    text: str = Field(description="The message.")
    sent_at: LocalTime = Field(description="When it was written.")
    confirms: str | None = Field(None, description="The oral clarification this proposer's message confirms in writing.")
    confirmation: Confirmation | None = Field(
        None,
        description="An oral clarification's: awaiting_confirmation until the proposer confirms it in writing, then confirmed.",
    )
    confirmed_by: str | None = Field(None, description="The proposer's message that confirmed this oral clarification.")

    @classmethod
    def of(cls, message: DiscussionMessage) -> DiscussionMessageOut:
        return cls.model_validate({k: getattr(message, k) for k in cls.model_fields})


class BafoIn(RequestBody):
    due: dt.datetime = Field(
        description="R-17c: the common date and time of the best and final offers, ISO 8601 with offset, in the future (to the second)."
    )
    determination: str | None = Field(
        None,
        min_length=1,
        max_length=20000,
        description="R-17c: the written determination calling a further round (required then, from negotiation before it began); none for the first round.",
    )


class BafoOut(ApiModel):
    rfp_id: str = Field(description="Request for proposals id.")
    status: RfpStatus = Field(description="bafo until the common date and time, then negotiation (the offers opened).")
    bafo_round: int = Field(description="The round called last, from 1.")
    bafo_due: LocalTime = Field(description="Its common date and time (R-17c).")
    bafo_determinations: list[str] = Field(description="The written determination calling each round after the first (R-17c).")

    @classmethod
    def of(cls, rfp: Rfp) -> BafoOut:
        return cls(
            rfp_id=rfp.id,
            status=rfp.status,
            bafo_round=rfp.bafo_round,
            bafo_due=rfp.bafo_due,
            bafo_determinations=list(rfp.bafo_determinations),
        )


@operation(
    bp,
    "POST",
    "/rfps/{rfp_id}/discussions",
    summary="Write in a discussion with a shortlisted proposer",
    tag=TAG,
    roles={Role.PURCHASING, Role.VENDOR},
    body=DiscussionMessageIn,
    response=DiscussionMessageOut,
    status=201,
    rules=("R-17b", "R-17c"),
    errors=(403, 404, 409),
)
def post_message(call: Call, rfp_id: str):
    """While the request is in discussions, between purchasing and one shortlisted proposer with a live proposal
    (others: 409), emailed to the other side. An oral clarification awaits the proposer's written confirmation
    (`confirms`); after the call for best and final offers: 409 (R-17c)."""
    b = call.body
    message = rfp_discussions.post_message(
        call.deps, call.actor, rfp_id, b.text, vendor_id=b.vendor_id, kind=b.kind, confirms=b.confirms
    )
    return DiscussionMessageOut.of(message)


@operation(
    bp,
    "GET",
    "/rfps/{rfp_id}/discussions",
    summary="Read a discussion with a proposer",
    tag=TAG,
    roles={Role.PURCHASING, Role.VENDOR},
    query=DiscussionQuery,
    response=Page[DiscussionMessageOut],
    rules=("R-17b",),
    errors=(403, 404),
)
def list_messages(call: Call, rfp_id: str):
    """A proposer reads its own discussion only (naming another proposer: 404); purchasing names the proposer
    (`vendor_id`, else 400). In message order."""
    found = rfp_discussions.list_messages(call.deps, call.actor, rfp_id, call.query.vendor_id, page_request(call))
    return page_of(call, found, DiscussionMessageOut.of)


@operation(
    bp,
    "POST",
    "/rfps/{rfp_id}/bafo",
    summary="Call for best and final offers",
    tag=TAG,
    roles={Role.PURCHASING},
    body=BafoIn,
    response=BafoOut,
    rules=("R-17b", "R-17c"),
    errors=(404, 409),
)
def call_bafo(call: Call, rfp_id: str):
    """R-17c: one common date and time, emailed to each shortlisted proposer with a live proposal; the first round
    concludes the discussions (409 while an oral clarification awaits its written confirmation, R-17b). A further
    round only from negotiation before it began, with a written determination (400 without). At the common date and
    time the offers are opened and the status becomes negotiation."""
    return BafoOut.of(rfp_discussions.call_bafo(call.deps, call.actor, rfp_id, call.body.due, call.body.determination))


@operation(
    bp,
    "POST",
    "/rfps/{rfp_id}/bafo/offers",
    summary="Submit a best and final offer",
    tag=TAG,
    roles={Role.VENDOR},
    body=ProposalIn,
    response=ProposalReceipt,
    status=201,
    rules=("R-17c", "R-16c", "R-16d"),
    errors=(403, 404, 409),
)
def submit_offer(call: Call, rfp_id: str):
    """R-17c: a shortlisted proposer's offer of the round called last, sealed as a proposal until its common date and
    time, once per round (again: 409); at or after that time: 409. It replaces the proposer's live proposal; one who
    sends none keeps its live proposal as its final one."""
    submitted = call.body.model_dump(mode="json")
    return ProposalReceipt.of(rfp_discussions.submit_offer(call.deps, bootstrap.sealer(), call.actor, rfp_id, submitted))
