"""What purchasing asks of one bidder between the opening and the award: evidence of experience, ability and financial
standing, with a response deadline (R-8d), and a changed quantity of a line, which binds only once the bidder accepts
it (R-8e)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain.bids import MAX_QUANTITY_CHANGES, QUANTITY_PLACES, Bid, BidStatus
from chalicelib.domain.calendar import days_after, iso_local, last_day_of
from chalicelib.domain.errors import Conflict, DeadlinePassed, ValidationFailed
from chalicelib.domain.money import parse_amount
from chalicelib.domain.solicitations import Solicitation, SolicitationStatus

MAX_RESPONSE_DAYS = 60


@dataclass(frozen=True)
class EvidenceRequest:
    """R-8d: evidence requested from a bidder before purchasing finds it responsible or not."""

    id: str
    solicitation_id: str
    bid_id: str
    vendor_id: str
    vendor_org: str
    bidder_email: str
    requested: str  # what is requested: experience, ability, service facilities, factory authorization, financial standing
    respond_by: dt.datetime  # first instant after the response period (calendar days, `days_after`)
    requested_by: str
    requested_at: dt.datetime
    response_text: str | None = None
    response_document: str | None = None  # a reference to a document the bidder supplied
    responded_by: str | None = None
    responded_at: dt.datetime | None = None
    version: int = 0


class QuantityChangeStatus(str, enum.Enum):
    PROPOSED = "proposed"
    ACCEPTED = "accepted"
    DECLINED = "declined"


@dataclass(frozen=True)
class QuantityChange:
    """R-8e: a changed quantity of one line offered to one bidder; its bid changes only when the bidder accepts."""

    id: str
    solicitation_id: str
    bid_id: str
    vendor_id: str
    vendor_org: str
    bidder_email: str
    line_id: str
    quantity_before: Decimal
    quantity: Decimal
    reason: str
    proposed_by: str
    proposed_at: dt.datetime
    status: QuantityChangeStatus = QuantityChangeStatus.PROPOSED
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    version: int = 0


def _fault(field: str, problem: str, rule: str) -> dict:
    return {"field": field, "problem": problem, "rule": rule}


def _ensure_between_opening_and_award(sol: Solicitation, bid: Bid, what: str, rule: str) -> None:
    if sol.status is not SolicitationStatus.OPENED:
        raise Conflict(
            f"Solicitation {sol.id} is {sol.status.value}; {what} is possible between the opening and the award.", rule=rule
        )
    if bid.status is not BidStatus.OPENED:
        raise Conflict(f"Bid {bid.id} is {bid.status.value}; {what} concerns an opened, live bid.", rule=rule)


def request_evidence(
    sol: Solicitation, bid: Bid, request_id: str, requested: str, days: int, by: str, now: dt.datetime
) -> EvidenceRequest:
    """R-8d: what is requested and the response period in calendar days, counted from the request."""
    _ensure_between_opening_and_award(sol, bid, "a request for evidence", "R-8d")
    problems = []
    if not requested.strip():
        problems.append(
            _fault("requested", "say what evidence is requested (experience, ability, financial standing...)", "R-8d")
        )
    if not 1 <= days <= MAX_RESPONSE_DAYS:
        problems.append(_fault("response_days", f"a whole number of calendar days from 1 to {MAX_RESPONSE_DAYS}", "R-8d"))
    if problems:
        raise ValidationFailed("The request for evidence is incomplete; see details.", rule="R-8d", details=problems)
    return EvidenceRequest(
        request_id,
        sol.id,
        bid.id,
        bid.vendor_id,
        bid.vendor_org,
        bid.bidder_email,
        requested.strip(),
        days_after(now, days),
        by,
        now,
    )


def answer_evidence(
    request: EvidenceRequest, text: str | None, document: str | None, by: str, now: dt.datetime
) -> EvidenceRequest:
    """R-8d: the bidder answers once, by the end of the last day of the period, with text or a document reference."""
    if request.responded_at is not None:
        raise Conflict(f"Evidence request {request.id} was answered at {iso_local(request.responded_at)}.", rule="R-8d")
    if now >= request.respond_by:
        raise DeadlinePassed(
            f"The response to evidence request {request.id} was due by the end of {last_day_of(request.respond_by)}.",
            rule="R-8d",
            details=[_fault("respond_by", f"server time {iso_local(now)} is after it", "R-8d")],
        )
    text, document = (text or "").strip() or None, (document or "").strip() or None
    if text is None and document is None:
        raise ValidationFailed(
            "The response gives the evidence.",
            rule="R-8d",
            details=[_fault("text", "give the evidence as text or a document reference", "R-8d")],
        )
    return dataclasses.replace(request, response_text=text, response_document=document, responded_by=by, responded_at=now)


def propose_quantity(
    sol: Solicitation, bid: Bid, change_id: str, line_id: str, quantity: str, reason: str, by: str, now: dt.datetime
) -> QuantityChange:
    """R-8e: a quantity of a line the bid prices, increased or decreased for new or amended agency requirements."""
    _ensure_between_opening_and_award(sol, bid, "a quantity change", "R-8e")
    problems = []
    line = bid.opened_content.line(line_id)
    if line is None:
        problems.append(_fault("line_id", f"{line_id!r} is not a line the bid prices", "R-8e"))
    try:
        new_quantity = parse_amount(quantity, max_places=QUANTITY_PLACES)
    except ValueError as exc:
        new_quantity = None
        problems.append(_fault("quantity", f"{exc}; give a decimal with at most {QUANTITY_PLACES} places", "R-8e"))
    if new_quantity is not None and new_quantity <= 0:
        problems.append(_fault("quantity", "must be greater than zero", "R-8e"))
    if line is not None and new_quantity is not None and new_quantity == line.quantity:
        problems.append(_fault("quantity", f"the bid already offers {line.quantity}: nothing changes", "R-8e"))
    if not reason.strip():
        problems.append(_fault("reason", "state the new or amended agency requirement", "R-8e"))
    if (full := _quantity_changes_full(bid)) is not None:
        problems.append(full)
    if problems:
        raise ValidationFailed("The quantity change is incomplete or malformed; see details.", rule="R-8e", details=problems)
    assert line is not None and new_quantity is not None  # either missing is a problem raised above
    return QuantityChange(
        change_id,
        sol.id,
        bid.id,
        bid.vendor_id,
        bid.vendor_org,
        bid.bidder_email,
        line_id,
        line.quantity,
        new_quantity,
        reason.strip(),
        by,
        now,
    )


def _quantity_changes_full(bid: Bid) -> dict | None:
    """The bound on the quantity changes one bid holds (a storage bound, R-8e), checked when one is proposed and again
    when one is accepted, so that proposals pending together are not accepted past it."""
    if sum(c.rule == "R-8e" for c in bid.opened_content.corrections) < MAX_QUANTITY_CHANGES:
        return None
    return _fault("quantity", f"a bid takes at most {MAX_QUANTITY_CHANGES} quantity changes", "R-8e")


def decide_quantity(
    change: QuantityChange, sol: Solicitation, bid: Bid, accept: bool, by: str, now: dt.datetime
) -> QuantityChange:
    """R-8e: the bidder accepts or declines, before the award; only an acceptance changes its bid."""
    if change.status is not QuantityChangeStatus.PROPOSED:
        raise Conflict(f"Quantity change {change.id} was already {change.status.value}.", rule="R-8e")
    _ensure_between_opening_and_award(sol, bid, "accepting a quantity change", "R-8e")
    line = bid.opened_content.line(change.line_id)
    if line is None or line.quantity != change.quantity_before:
        raise Conflict(
            f"Line {change.line_id} of bid {bid.id} changed since this proposal; ask purchasing for a new one.", rule="R-8e"
        )
    if accept and (full := _quantity_changes_full(bid)) is not None:
        raise ValidationFailed("The bid takes no more quantity changes; decline this one.", rule="R-8e", details=[full])
    status = QuantityChangeStatus.ACCEPTED if accept else QuantityChangeStatus.DECLINED
    return dataclasses.replace(change, status=status, decided_by=by, decided_at=now)
