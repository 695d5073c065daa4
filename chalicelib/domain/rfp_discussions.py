"""Discussions with each shortlisted proposer (R-17b), modifications and withdrawals until they conclude (R-16f), and
the best and final offers that conclude them (R-17c).

A discussion is a thread per request and proposer: purchasing and that one proposer write in it, and nothing of
another proposer's thread, proposal or price is ever in it (R-17b: "Auction techniques ... and the disclosure of any
information derived from competing proposals are prohibited"). An oral clarification is purchasing's record of what was
said; it awaits the proposer's written confirmation (R-17b: "Any substantial oral clarification of a proposal shall be
reduced to writing by the proposer"), and no best and final offers are called while one awaits it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass

from chalicelib.domain import rfps as rfp_rules
from chalicelib.domain.calendar import require_aware
from chalicelib.domain.errors import Conflict, DeadlinePassed, ValidationFailed, field_problem
from chalicelib.domain.proposals import Proposal
from chalicelib.domain.rfps import Rfp, RfpStatus, require_status


class Side(str, enum.Enum):
    PURCHASING = "purchasing"
    PROPOSER = "proposer"


class MessageKind(str, enum.Enum):
    WRITTEN = "written"
    ORAL = "oral"  # purchasing's record of an oral clarification, to be reduced to writing by the proposer (R-17b)


class Confirmation(str, enum.Enum):
    AWAITING = "awaiting_confirmation"
    CONFIRMED = "confirmed"


@dataclass(frozen=True)
class DiscussionMessage:
    id: str
    rfp_id: str
    vendor_id: str  # the proposer whose thread it is in
    number: int  # from 1 within the thread
    side: Side
    author: str  # the token `sub` of who wrote it
    kind: MessageKind
    text: str
    sent_at: dt.datetime
    confirms: str | None = None  # a proposer's message: the oral clarification it reduces to writing
    confirmation: Confirmation | None = None  # an oral clarification's: awaiting, then confirmed
    confirmed_by: str | None = None  # the proposer's message that confirmed it
    version: int = 0


@dataclass(frozen=True)
class DiscussionThread:
    """One proposer's discussion of one request: what numbers its messages, and the oral clarifications awaiting
    their written confirmation. Every message changes it, and the call for best and final offers writes it, so a
    clarification recorded while the call is decided makes the call read again."""

    id: str  # thread_id(rfp_id, vendor_id)
    rfp_id: str
    vendor_id: str
    messages: int = 0
    awaiting: tuple[str, ...] = ()  # ids of oral clarifications awaiting the proposer's written confirmation
    concluded_at: dt.datetime | None = None  # when the first call for best and final offers concluded discussions
    version: int = 0


def thread_id(rfp_id: str, vendor_id: str) -> str:
    return f"{rfp_id}#{vendor_id}"


def thread_collection(rfp_id: str, vendor_id: str) -> str:
    """The `Member` collection of one proposer's messages; its members sort by message number."""
    return f"discussion-of#{rfp_id}#{vendor_id}"


def thread_member(message: DiscussionMessage) -> str:
    return f"{message.number:06d}#{message.id}"


def new_thread(rfp_id: str, vendor_id: str) -> DiscussionThread:
    return DiscussionThread(id=thread_id(rfp_id, vendor_id), rfp_id=rfp_id, vendor_id=vendor_id)


# a storage bound: the oral clarifications of one thread awaiting the proposer's written confirmation (R-17b)
MAX_AWAITING = 50


def ensure_shortlisted(rfp: Rfp, vendor_id: str, live: Proposal | None, what: str, rule: str) -> Proposal:
    """Only a proposer on the shortlist (R-16g) whose proposal is still live (not withdrawn) takes part; its live
    proposal is returned."""
    if vendor_id not in rfp.shortlist:
        raise Conflict(
            f"{vendor_id} is not on the shortlist of {rfp.id}; {what} is for the selected proposers only.",
            rule=rule,
            details=[field_problem("vendor_id", "is not a shortlisted proposer (R-16g)")],
        )
    if live is None:
        raise Conflict(
            f"{vendor_id} withdrew its proposal to {rfp.id}; {what} is for proposers with a live proposal.",
            rule=rule,
            details=[field_problem("vendor_id", "has no live proposal (R-16f)")],
        )
    return live


def ensure_discussions_open(rfp: Rfp, vendor_id: str, live: Proposal | None) -> Proposal:
    """R-17b: discussions are held in status discussions with a shortlisted proposer; after the call for best and final
    offers none is allowed (R-17c)."""
    rfp_rules.ensure_no_changes_after_offers(rfp, "a discussion", "R-17c")
    require_status(rfp, (RfpStatus.DISCUSSIONS,), "a discussion", "R-17b")
    return ensure_shortlisted(rfp, vendor_id, live, "a discussion", "R-17b")


def purchasing_message(
    thread: DiscussionThread, message_id: str, kind: MessageKind, text: str, author: str, now: dt.datetime
) -> tuple[DiscussionThread, DiscussionMessage]:
    """Purchasing writes, or records an oral clarification that then awaits the proposer's written confirmation."""
    _require_text(text)
    oral = kind is MessageKind.ORAL
    if oral and len(thread.awaiting) >= MAX_AWAITING:
        full = field_problem("kind", f"at most {MAX_AWAITING} oral clarifications await confirmation at once") | {"rule": "R-17b"}
        raise ValidationFailed(
            "Oral clarifications await the proposer's written confirmation; record more once it confirms them.",
            rule="R-17b",
            details=[full],
        )
    message = DiscussionMessage(
        id=message_id,
        rfp_id=thread.rfp_id,
        vendor_id=thread.vendor_id,
        number=thread.messages + 1,
        side=Side.PURCHASING,
        author=author,
        kind=kind,
        text=text.strip(),
        sent_at=now,
        confirmation=Confirmation.AWAITING if oral else None,
    )
    awaiting = thread.awaiting + ((message.id,) if oral else ())
    return dataclasses.replace(thread, messages=message.number, awaiting=awaiting), message


def proposer_message(
    thread: DiscussionThread,
    message_id: str,
    text: str,
    author: str,
    now: dt.datetime,
    confirmed: DiscussionMessage | None = None,
) -> tuple[DiscussionThread, DiscussionMessage, DiscussionMessage | None]:
    """The proposer writes; naming an oral clarification of its thread in `confirms` reduces it to writing (R-17b)."""
    _require_text(text)
    message = DiscussionMessage(
        id=message_id,
        rfp_id=thread.rfp_id,
        vendor_id=thread.vendor_id,
        number=thread.messages + 1,
        side=Side.PROPOSER,
        author=author,
        kind=MessageKind.WRITTEN,
        text=text.strip(),
        sent_at=now,
        confirms=None if confirmed is None else confirmed.id,
    )
    if confirmed is None:
        return dataclasses.replace(thread, messages=message.number), message, None
    if confirmed.vendor_id != thread.vendor_id or confirmed.rfp_id != thread.rfp_id or confirmed.kind is not MessageKind.ORAL:
        raise ValidationFailed(
            f"{confirmed.id} is no oral clarification of this discussion.",
            rule="R-17b",
            details=[field_problem("confirms", "names no oral clarification of the proposer's discussion")],
        )
    if confirmed.confirmation is Confirmation.CONFIRMED:
        raise Conflict(
            f"Oral clarification {confirmed.id} was confirmed in writing already, by {confirmed.confirmed_by}.",
            rule="R-17b",
            details=[field_problem("confirms", "is confirmed already")],
        )
    done = dataclasses.replace(confirmed, confirmation=Confirmation.CONFIRMED, confirmed_by=message.id)
    awaiting = tuple(i for i in thread.awaiting if i != confirmed.id)
    return dataclasses.replace(thread, messages=message.number, awaiting=awaiting), message, done


def _require_text(text: str) -> None:
    if not text.strip():
        raise ValidationFailed(
            "A discussion message states something.", rule="R-17b", details=[field_problem("text", "must not be blank")]
        )


def ensure_confirmed(threads: list[DiscussionThread]) -> None:
    """R-17b: every oral clarification is reduced to writing before the best and final offers are called."""
    awaiting = [(t.vendor_id, message) for t in threads for message in t.awaiting]
    if awaiting:
        raise Conflict(
            f"{len(awaiting)} oral clarification(s) await the proposer's written confirmation: "
            + ", ".join(message for _, message in awaiting),
            rule="R-17b",
            details=[
                field_problem("discussions", f"oral clarification {m} awaits {v}'s written confirmation") for v, m in awaiting
            ],
        )


def call_bafo(rfp: Rfp, due: dt.datetime, determination: str | None, now: dt.datetime, threads: list[DiscussionThread]) -> Rfp:
    """R-17c: "a common date and time for the submission of the best and final proposals", in the future. The first
    round concludes the discussions; another is called only from negotiation before any negotiation began, and only on
    a written determination ("the Commissioner may make a written determination ... and require another submission")."""
    require_status(rfp, (RfpStatus.DISCUSSIONS, RfpStatus.NEGOTIATION), "a call for best and final offers", "R-17c")
    further = rfp.status is RfpStatus.NEGOTIATION
    if further and rfp.negotiation_number:
        raise Conflict(
            f"Negotiation of {rfp.id} has begun; no further round of best and final offers is called.",
            rule="R-17c",
            details=[field_problem("status", f"negotiation {rfp.negotiation_number} is under way or held")],
        )
    problems = _due_problems(due, now)
    if further and not (determination or "").strip():
        problems.append(field_problem("determination", "a further round needs the written determination that calls it (R-17c)"))
    if not further and determination is not None:
        problems.append(
            field_problem("determination", "the first round needs none; a determination calls a further round (R-17c)")
        )
    if problems:
        raise ValidationFailed(
            "The call for best and final offers is incomplete or malformed; see details.", rule="R-17c", details=problems
        )
    ensure_confirmed(threads)
    return rfp_rules.bafo_called(rfp, due, determination)


def _due_problems(due: dt.datetime, now: dt.datetime) -> list[dict]:
    try:
        require_aware(due)
    except ValueError:
        return [field_problem("due", "must carry a UTC offset, e.g. 2026-06-01T14:00:00-04:00")]
    return [] if due.replace(microsecond=0) > now else [field_problem("due", "must be in the future (R-17c)")]


def conclude(thread: DiscussionThread, now: dt.datetime) -> DiscussionThread:
    return dataclasses.replace(thread, concluded_at=now)


def ensure_proposal_receivable(rfp: Rfp, vendor_id: str, live: Proposal | None, now: dt.datetime, bafo_round: int) -> None:
    """Where a proposal is received: before the due date (R-16c); as a shortlisted proposer's modification during
    discussions (R-16f: "at any time prior to the conclusion of discussions"); as a best and final offer of the round
    called last, once per proposer, before its common date and time (R-17c)."""
    if bafo_round:
        ensure_offer_receivable(rfp, vendor_id, live, now, bafo_round)
    elif rfp.status is RfpStatus.DISCUSSIONS:
        ensure_shortlisted(rfp, vendor_id, live, "a modification", "R-16f")
    else:
        rfp_rules.ensure_no_changes_after_offers(rfp, "a modification", "R-16f")
        rfp_rules.ensure_before_due(rfp, now, "a proposal")


def ensure_offer_receivable(rfp: Rfp, vendor_id: str, live: Proposal | None, now: dt.datetime, bafo_round: int) -> None:
    require_status(rfp, (RfpStatus.BAFO,), "a best and final offer", "R-17c")
    if rfp.bafo_round != bafo_round:
        raise Conflict(
            f"Round {rfp.bafo_round} of best and final offers of {rfp.id} was called meanwhile; send the offer again.",
            rule="R-17c",
        )
    assert rfp.bafo_due is not None  # set with the status by bafo_called
    if now >= rfp.bafo_due:
        raise OffersClosed(
            f"Best and final offers were due {rfp.bafo_due:%Y-%m-%dT%H:%M:%SZ}; an offer at or after it is not received.",
            rule="R-17c",
            details=[field_problem("bafo_due", f"server time {now:%Y-%m-%dT%H:%M:%SZ} is not before it")],
        )
    offer = ensure_shortlisted(rfp, vendor_id, live, "a best and final offer", "R-17c")
    if offer.bafo_round == bafo_round:
        raise Conflict(
            f"The best and final offer of round {bafo_round} was received already ({offer.id}); it is submitted only once.",
            rule="R-17c",
            details=[field_problem("bafo_round", f"an offer of round {bafo_round} was received")],
        )


def ensure_withdrawable(rfp: Rfp, vendor_id: str, live: Proposal | None) -> None:
    """R-16f: withdrawn before the opening, and by a shortlisted proposer during discussions; not once they concluded."""
    if rfp.status is RfpStatus.DISCUSSIONS:
        ensure_shortlisted(rfp, vendor_id, live, "a withdrawal", "R-16f")
        return
    rfp_rules.ensure_no_changes_after_offers(rfp, "a withdrawal", "R-16f")
    if rfp.status is not RfpStatus.OPEN or rfp_rules.may_open(rfp):
        raise Conflict(
            f"The proposals of {rfp.id} were opened; withdrawal was possible until then, and is again during discussions.",
            rule="R-16f",
        )


class OffersClosed(DeadlinePassed):
    """Server time is at or after the common date and time of the best and final offers (R-17c)."""
