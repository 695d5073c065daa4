"""Purchasing's requests to one bidder between the opening and the award: evidence of experience, ability and
financial standing (R-8d) and changed quantities (R-8e). Each is recorded and audited, the bidder is emailed, and only
purchasing and that bidder see them."""

from __future__ import annotations

from chalicelib import emails
from chalicelib.domain import bidder_requests as rules
from chalicelib.domain import bids as bid_rules
from chalicelib.domain.bidder_requests import EvidenceRequest, QuantityChange, QuantityChangeStatus
from chalicelib.domain.bids import Bid
from chalicelib.domain.errors import NotFound
from chalicelib.domain.solicitations import Solicitation
from chalicelib.services.bids import bid_of, public_solicitation
from chalicelib.services.ports import (
    Actor,
    Change,
    Deps,
    Listing,
    PageRequest,
    Role,
    Send,
    require_role,
)
from chalicelib.services.vendors import vendor_of


def request_evidence(
    deps: Deps, actor: Actor, solicitation_id: str, bid_id: str, requested: str, response_days: int
) -> EvidenceRequest:
    """R-8d: purchasing asks a bidder for evidence, with a response period in calendar days; the bidder is emailed."""
    require_role(actor, Role.PURCHASING)
    sol = public_solicitation(deps, solicitation_id)
    bid = bid_of(deps, sol.id, bid_id)
    now = deps.clock.now()
    request = rules.request_evidence(sol, bid, deps.ids.new("EVR"), requested, response_days, actor.sub, now)
    (request,) = deps.commit(
        actor,
        now,
        [
            Change(action="bid.evidence_requested", after=request),
            Send(
                f"{request.id}:requested",
                emails.render(
                    "evidence_requested",
                    to=(bid.bidder_email,),
                    bidder=bid.bidder_name,
                    solicitation={"id": sol.id, "title": sol.title},
                    bid_id=bid.id,
                    requested=request.requested,
                    respond_by=request.respond_by,
                    link=deps.portal.page("solicitations", sol.id, "bids", bid.id, "evidence-requests", request.id),
                ),
            ),
        ],
    )
    return request


def answer_evidence(
    deps: Deps, actor: Actor, solicitation_id: str, bid_id: str, request_id: str, text: str | None, document: str | None
) -> EvidenceRequest:
    """R-8d: the bidder answers its own request, within the period."""
    bid = _own_bid(deps, actor, solicitation_id, bid_id)
    request = _of_bid(deps, EvidenceRequest, request_id, bid)
    now = deps.clock.now()
    answered = rules.answer_evidence(request, text, document, actor.sub, now)
    (answered,) = deps.store.commit(actor, now, [Change(action="bid.evidence_answered", after=answered, before=request)])
    return answered


def evidence_requests(deps: Deps, actor: Actor, solicitation_id: str, bid_id: str, page: PageRequest) -> Listing[EvidenceRequest]:
    bid = _visible_bid(deps, actor, solicitation_id, bid_id)
    return deps.store.page(EvidenceRequest, "by_bid", bid.id, after=page.after, limit=page.limit)


def propose_quantity(
    deps: Deps, actor: Actor, solicitation_id: str, bid_id: str, line_id: str, quantity: str, reason: str
) -> QuantityChange:
    """R-8e: purchasing offers a bidder a changed quantity of a line; nothing changes until the bidder accepts."""
    require_role(actor, Role.PURCHASING)
    sol = public_solicitation(deps, solicitation_id)
    bid = bid_of(deps, sol.id, bid_id)
    now = deps.clock.now()
    change = rules.propose_quantity(sol, bid, deps.ids.new("QC"), line_id, quantity, reason, actor.sub, now)
    (change,) = deps.commit(
        actor,
        now,
        [
            Change(action="bid.quantity_change_proposed", after=change),
            Send(
                f"{change.id}:proposed",
                emails.render(
                    "quantity_change_offered",
                    to=(bid.bidder_email,),
                    bidder=bid.bidder_name,
                    solicitation={"id": sol.id, "title": sol.title},
                    bid_id=bid.id,
                    line=_line(sol, change.line_id),
                    before=change.quantity_before,
                    after=change.quantity,
                    reason=change.reason,
                    link=_quantity_change_page(deps, sol.id, bid.id, change.id),
                ),
            ),
        ],
    )
    return change


def decide_quantity(deps: Deps, actor: Actor, solicitation_id: str, bid_id: str, change_id: str, accept: bool) -> QuantityChange:
    """R-8e: the bidder's acceptance changes its bid (and so its ranking and award) in the same transaction."""
    bid = _own_bid(deps, actor, solicitation_id, bid_id)
    sol = public_solicitation(deps, solicitation_id)
    change = _of_bid(deps, QuantityChange, change_id, bid)
    now = deps.clock.now()
    decided = rules.decide_quantity(change, sol, bid, accept, actor.sub, now)
    changes = [Change(action=f"bid.quantity_change_{decided.status.value}", after=decided, before=change)]
    if decided.status is QuantityChangeStatus.ACCEPTED:
        changed = bid_rules.with_quantity(bid, change.line_id, change.quantity, change.reason)
        changes.append(Change(action="bid.quantity_changed", after=changed, before=bid))
    (decided, *_) = deps.commit(
        actor,
        now,
        [
            *changes,
            Send(
                f"{change.id}:{decided.status.value}",
                emails.render(
                    "quantity_change_decided",
                    to=(bid.bidder_email,),
                    bidder=bid.bidder_name,
                    solicitation={"id": sol.id, "title": sol.title},
                    bid_id=bid.id,
                    line=_line(sol, change.line_id),
                    before=change.quantity_before,
                    after=change.quantity,
                    accepted=accept,
                    link=_quantity_change_page(deps, sol.id, bid.id, change.id),
                ),
            ),
        ],
    )
    return decided


def quantity_changes(deps: Deps, actor: Actor, solicitation_id: str, bid_id: str, page: PageRequest) -> Listing[QuantityChange]:
    bid = _visible_bid(deps, actor, solicitation_id, bid_id)
    return deps.store.page(QuantityChange, "by_bid", bid.id, after=page.after, limit=page.limit)


def _own_bid(deps: Deps, actor: Actor, solicitation_id: str, bid_id: str) -> Bid:
    vendor = vendor_of(deps, actor)
    bid = bid_of(deps, public_solicitation(deps, solicitation_id).id, bid_id)
    bid_rules.ensure_owner(bid, vendor.id)
    return bid


def _visible_bid(deps: Deps, actor: Actor, solicitation_id: str, bid_id: str) -> Bid:
    """Purchasing and the bidder only; anyone else is told nothing exists."""
    if actor.role is Role.PURCHASING:
        return bid_of(deps, public_solicitation(deps, solicitation_id).id, bid_id)
    return _own_bid(deps, actor, solicitation_id, bid_id)


def _of_bid(deps: Deps, cls, record_id: str, bid: Bid):
    record = deps.store.get(cls, record_id)
    if record is None or record.bid_id != bid.id:
        raise NotFound(f"No {cls.__name__} {record_id} for bid {bid.id}.")
    return record


def _line(sol: Solicitation, line_id: str) -> dict:
    line = sol.line(line_id)
    return {"line": line_id, "description": line.description if line else "", "unit": line.unit if line else ""}


def _quantity_change_page(deps: Deps, solicitation_id: str, bid_id: str, change_id: str) -> str:
    return deps.portal.page("solicitations", solicitation_id, "bids", bid_id, "quantity-changes", change_id)
