"""Invitations to bid: draft, publication as the public notice (R-4), addenda and cancellation (R-5o), and the
tasks of the invitation-to-bid workflow around the opening (R-5b, R-5n) and the award period (R-8c)."""

from __future__ import annotations

import dataclasses
import datetime as dt

from chalicelib import emails
from chalicelib.domain import solicitations as rules
from chalicelib.domain.bids import Bid, BidStatus
from chalicelib.domain.calendar import iso_utc
from chalicelib.domain.errors import NotFound
from chalicelib.domain.outbox import Audience
from chalicelib.domain.solicitations import Solicitation, SolicitationStatus
from chalicelib.services.ports import Actor, Broadcast, Change, Deps, Listing, PageRequest, Role, require_role
from chalicelib.services.vendors import commodity_vendors_page

PROCESS = "invitation-to-bid"


def execution_name(solicitation_id: str) -> str:
    return f"itb-{solicitation_id}"


def create_solicitation(deps: Deps, actor: Actor, **fields) -> Solicitation:
    """A draft, visible to purchasing only until published."""
    now = deps.clock.now()
    (sol,) = deps.store.commit(actor, now, [Change(action="solicitation.drafted", after=draft(deps, actor, now, **fields))])
    return sol


def draft(deps: Deps, actor: Actor, now: dt.datetime, **fields) -> Solicitation:
    """A draft invitation to bid, not yet stored: purchasing's own, or the need of a sole-source request competed in
    reasonable doubt (R-15), committed with that request."""
    require_role(actor, Role.PURCHASING)
    return rules.new_solicitation(solicitation_id=deps.ids.new("ITB"), now=now, created_by=actor.sub, **fields)


def publish(deps: Deps, actor: Actor, solicitation_id: str) -> Solicitation:
    """R-4: the public notice. The workflow emails the invited vendors, waits for the opening and the award."""
    require_role(actor, Role.PURCHASING)
    sol = load(deps, solicitation_id)
    now = deps.clock.now()
    published = rules.publish(sol, now)
    (published,) = deps.store.commit(actor, now, [Change(action="solicitation.published", after=published, before=sol)])
    deps.workflows.start(
        PROCESS,
        execution_name(sol.id),
        {
            "solicitation_id": sol.id,
            "schedule": {"opening_at": iso_utc(published.opening_at), "due": False},  # R-5o: re-read after each wait
            "opening": {"done": False, "after": "", "opened": 0},  # cursor of the opening, in batches
            "tabulation": {"done": False, "after": ""},
        },
    )
    return published


def get_solicitation(deps: Deps, actor: Actor | None, solicitation_id: str) -> Solicitation:
    """Public once published; a draft exists only for purchasing."""
    sol = deps.store.get(Solicitation, solicitation_id)
    if sol is None or (not sol.is_public and (actor is None or actor.role is not Role.PURCHASING)):
        raise NotFound(f"No published solicitation {solicitation_id}.")
    return sol


def list_solicitations(
    deps: Deps,
    actor: Actor | None,
    status: SolicitationStatus,
    page: PageRequest,
    *,
    agency: str | None = None,
    commodity: str | None = None,
    opening_from: dt.datetime | None = None,
    opening_to: dt.datetime | None = None,
) -> Listing[Solicitation]:
    """R-4: invitations of one status (of one agency), by opening time, opening in [opening_from, opening_to): one
    Query whose key holds the status, the agency and the opening time. An invitation names several commodity codes, so
    the commodity is a filter on that partition (NIGP classes nest: a class finds its items and back)."""
    if status is SolicitationStatus.DRAFT and (actor is None or actor.role is not Role.PURCHASING):
        return Listing([])
    window = (_sort_key_of(opening_from, "0000"), _sort_key_of(opening_to, "\uffff")) if opening_from or opening_to else None
    index, key = ("by_agency_status", f"{agency}#{status.value}") if agency else ("by_status", status.value)
    chosen = None if commodity is None else (lambda s: rules.commodity_matches(s.commodity_codes, (commodity,)))
    return deps.store.page(Solicitation, index, key, after=page.after, limit=page.limit, sk_between=window, where=chosen)


def _sort_key_of(instant: dt.datetime | None, unbounded: str) -> str:
    """The opening-time part of the index sort key (UTC ISO 8601, as solicitations store it)."""
    return unbounded if instant is None else instant.astimezone(dt.UTC).isoformat()


def add_addendum(
    deps: Deps, actor: Actor, solicitation_id: str, text: str, opening_at: dt.datetime | None = None
) -> Solicitation:
    """R-5o: before opening only; it may postpone the opening (bids are taken until the new time, and the workflow,
    which re-reads the opening time after its wait, opens then). Every invited vendor and every bidder is emailed."""
    require_role(actor, Role.PURCHASING)
    sol = load(deps, solicitation_id)
    now = deps.clock.now()
    amended = rules.add_addendum(sol, text, now, opening_at)
    addendum = amended.addenda[-1]
    (amended,) = deps.commit(
        actor,
        now,
        [
            Change(action="solicitation.addendum_issued", after=amended, before=sol),
            Broadcast(
                f"{sol.id}:addendum:{addendum.number}",
                Audience("solicitation-recipients", sol.id),
                emails.render(
                    "addendum",
                    to=(),
                    solicitation=invitation_facts(amended),
                    number=addendum.number,
                    text=addendum.text,
                    postponed_from=sol.opening_at if addendum.opening_at else None,
                    link=deps.portal.page("solicitations", sol.id),
                ),
            ),
        ],
    )
    return amended


def cancel(deps: Deps, actor: Actor, solicitation_id: str, reason: str) -> Solicitation:
    """R-5o: before opening only; invited vendors and bidders are told. The workflow ends at the opening time."""
    require_role(actor, Role.PURCHASING)
    sol = load(deps, solicitation_id)
    now = deps.clock.now()
    cancelled = rules.cancel(sol, reason, now)
    (cancelled,) = deps.commit(
        actor,
        now,
        [
            Change(action="solicitation.cancelled", after=cancelled, before=sol),
            Broadcast(
                f"{sol.id}:cancelled",
                Audience("solicitation-recipients", sol.id),
                emails.render(
                    "invitation_cancelled",
                    to=(),
                    solicitation=invitation_facts(cancelled),
                    reason=cancelled.cancel_reason,
                    link=deps.portal.page("solicitations", sol.id),
                ),
            ),
        ],
    )
    return cancelled


# -- audiences of broadcasts (services/outbox.py): one page after a cursor, and the next cursor ----------------
def invited_page(deps: Deps, solicitation_id: str, cursor: str, size: int) -> tuple[list[str], str | None]:
    """R-4: a page of the addresses of the active vendors of a matching commodity."""
    return commodity_vendors_page(deps, load(deps, solicitation_id).commodity_codes, cursor, size)


def recipients_page(deps: Deps, solicitation_id: str, cursor: str, size: int) -> tuple[list[str], str | None]:
    """R-5o: the invited vendors, then every bidder (cursor `vendor:<id>`, then `bid:<id>`)."""
    phase, _, after = (cursor or "vendor:").partition(":")  # a cursor of the page after the phase
    if phase == "vendor":
        emails, last = invited_page(deps, solicitation_id, after, size)
        return emails, (f"vendor:{last}" if last else "bid:")
    emails, last = _bids_page(deps, solicitation_id, after, size, lambda b: b.live)
    return emails, (f"bid:{last}" if last else None)


def opened_bidders_page(deps: Deps, solicitation_id: str, cursor: str, size: int) -> tuple[list[str], str | None]:
    """R-8b: every bidder whose bid was opened."""
    return _bids_page(deps, solicitation_id, cursor, size, lambda b: b.status is BidStatus.OPENED)


def _bids_page(deps: Deps, solicitation_id: str, after: str, size: int, chosen) -> tuple[list[str], str | None]:
    found = deps.store.page(Bid, "by_solicitation", solicitation_id, after=after, limit=size)
    return [b.bidder_email for b in found.items if chosen(b)], found.next


# -- workflow tasks --------------------------------------------------------------------------------------------
def give_notice(deps: Deps, execution: str, solicitation_id: str) -> dict:
    """R-4: the notice to each registered vendor of the commodity, as one broadcast the outbox worker pages through
    (written once, however often the task is retried)."""
    sol = load(deps, solicitation_id)
    key = f"{execution}:notice"
    deps.commit(
        Actor.system(execution),
        deps.clock.now(),
        [
            Broadcast(
                key,
                Audience("invited-vendors", sol.id),
                emails.render(
                    "invitation_to_bid", to=(), solicitation=invitation_facts(sol), link=deps.portal.page("solicitations", sol.id)
                ),
            )
        ],
    )
    return {"solicitation_id": sol.id, "broadcast": key}


def opening_schedule(deps: Deps, solicitation_id: str) -> dict:
    """R-5o: after the opening wait, the current opening time: an addendum may have postponed it, and then the
    workflow waits again until the new time. A cancelled invitation is due at once (the opening task ends it)."""
    sol = load(deps, solicitation_id)
    due = deps.clock.now() >= sol.opening_at or sol.status is not SolicitationStatus.OPEN
    return {"opening_at": iso_utc(sol.opening_at), "due": due}


def await_award(deps: Deps, execution: str, solicitation_id: str, task_token: str) -> None:
    """Keep the token the award answers; if the award already happened, answer at once."""
    sol = load(deps, solicitation_id)
    if sol.status in (SolicitationStatus.AWARDED, SolicitationStatus.CANCELLED):
        deps.workflows.resume(task_token, {"status": sol.status.value})
        return
    waiting = dataclasses.replace(sol, award_token=task_token)
    deps.store.commit(
        Actor.system(execution), deps.clock.now(), [Change(action="solicitation.award_period_started", after=waiting, before=sol)]
    )


def award_period_ended(deps: Deps, execution: str, solicitation_id: str) -> dict:
    """R-8c: from now on an award is conditional on the bidder's acceptance."""
    sol = load(deps, solicitation_id)
    return {"solicitation_id": sol.id, "conditional_after": iso_utc(sol.award_period_ends_at or deps.clock.now())}


def invitation_facts(sol: Solicitation) -> dict:
    """What a vendor needs to decide to bid (R-4, R-5b): the first lines (emails.EMAIL_LINES) with their quantities and
    units and how many more the invitation's page lists, the opening and the invitation's conditions."""
    return {
        "id": sol.id,
        "title": sol.title,
        "agency": sol.agency,
        "commodity_codes": list(sol.commodity_codes),
        "opening_at": sol.opening_at,
        "lines": [
            {
                "line": li.id,
                "description": li.description,
                "quantity": li.quantity,
                "unit": li.unit,
                "no_substitute": li.no_substitute,
            }
            for li in sol.lines[: emails.EMAIL_LINES]
        ],
        "more_lines": max(0, len(sol.lines) - emails.EMAIL_LINES),
        "all_or_none": sol.all_or_none,
        "alternates_allowed": sol.alternates_allowed,
        "guaranty_percent": sol.guaranty_percent,
        "surety_percent": sol.surety_percent,
        "samples_required": sol.samples_required,
    }


def load(deps: Deps, solicitation_id: str) -> Solicitation:
    sol = deps.store.get(Solicitation, solicitation_id)
    if sol is None:
        raise NotFound(f"No solicitation {solicitation_id}.")
    return sol
