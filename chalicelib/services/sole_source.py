"""Sole source procurement (R-15): the agency's request, purchasing's written determination (a grant with its scope
and duration, a refusal, or competition in reasonable doubt: the need drafted as an invitation to bid, linked both
ways), the negotiated one-line contract that the agency orders against like any other, and the public record."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from chalicelib import emails
from chalicelib.domain import sole_source as rules
from chalicelib.domain.contracts import Contract
from chalicelib.domain.errors import NotFound
from chalicelib.domain.sole_source import Competition, Grant, Negotiated, SoleSourceBasis, SoleSourceRequest
from chalicelib.domain.solicitations import AwardBasis, LineItem, Solicitation
from chalicelib.services import solicitations
from chalicelib.services.contract_terms import start_term_timer
from chalicelib.services.ports import Actor, Change, Deps, Listing, PageRequest, Role, Send, require_role, retry_on_conflict
from chalicelib.services.vendors import named_contractor


def request(
    deps: Deps,
    actor: Actor,
    *,
    title: str,
    commodity_codes: list[str],
    lines: list[LineItem],
    estimated_amount: Decimal,
    justification: str,
    basis: SoleSourceBasis,
    contractor_id: str,
) -> SoleSourceRequest:
    """R-15a: the agency asks, with its explanation; purchasing is emailed to determine."""
    require_role(actor, Role.AGENCY)
    now = deps.clock.now()
    asked = rules.new_request(
        request_id=deps.ids.new("SS"),
        agency=actor.org,
        title=title,
        commodity_codes=commodity_codes,
        lines=lines,
        estimated_amount=estimated_amount,
        justification=justification,
        basis=basis,
        contractor=named_contractor(deps, contractor_id, rules.RULE),
        now=now,
        requested_by=actor.sub,
    )
    (stored,) = deps.commit(
        actor,
        now,
        [Change(action="sole_source.requested", after=asked), Send(f"{asked.id}:requested", _requested_email(deps, asked))],
    )
    return stored


def get(deps: Deps, actor: Actor, request_id: str) -> SoleSourceRequest:
    """Purchasing and the requesting agency."""
    found = deps.store.get(SoleSourceRequest, request_id)
    if found is None or not (actor.role is Role.PURCHASING or (actor.role is Role.AGENCY and actor.org == found.agency)):
        raise NotFound(f"No sole-source request {request_id} visible to the caller.")
    return found


def grant(deps: Deps, actor: Actor, request_id: str, decision: Grant) -> SoleSourceRequest:
    """R-15a: the written determination with its basis, scope and duration; the agency is told."""
    require_role(actor, Role.PURCHASING)

    def decide() -> SoleSourceRequest:
        current = get(deps, actor, request_id)
        now = deps.clock.now()
        granted = rules.grant(current, decision, now, actor.sub)
        (stored,) = deps.commit(
            actor,
            now,
            [
                Change(action="sole_source.granted", after=granted, before=current),
                Send(f"{current.id}:determined", _determined_email(deps, granted)),
            ],
        )
        return stored

    return retry_on_conflict(decide)


def refuse(deps: Deps, actor: Actor, request_id: str, reason: str, competition: Competition | None) -> SoleSourceRequest:
    """A refusal; with `competition` (reasonable doubt, R-15a) the request's need becomes a draft invitation to bid in
    the same commit, each naming the other; purchasing publishes it as any other."""
    require_role(actor, Role.PURCHASING)

    def decide() -> SoleSourceRequest:
        current = get(deps, actor, request_id)
        now = deps.clock.now()
        rules.require_undetermined(current)  # before an invitation is drafted for it
        invitation = _invitation(deps, actor, current, competition, now) if competition else None
        refused = rules.refuse(current, reason, invitation.id if invitation else None, now, actor.sub)
        changes = [Change(action="sole_source.refused", after=refused, before=current)]
        if invitation is not None:
            changes.append(Change(action="solicitation.drafted", after=invitation))
        stored, *_ = deps.commit(actor, now, [*changes, Send(f"{current.id}:determined", _determined_email(deps, refused))])
        return stored

    return retry_on_conflict(decide)


def _invitation(deps: Deps, actor: Actor, request: SoleSourceRequest, competition: Competition, now: dt.datetime) -> Solicitation:
    return solicitations.draft(
        deps,
        actor,
        now,
        title=request.title,
        agency=request.agency,
        commodity_codes=list(request.commodity_codes),
        lines=list(request.lines),
        groups=[],
        opening_at=competition.opening_at,
        award_basis=AwardBasis.ALL,
        evaluation_factors=list(competition.evaluation_factors),
        sole_source_id=request.id,
    )


def contract(deps: Deps, actor: Actor, request_id: str, negotiated: Negotiated) -> SoleSourceRequest:
    """R-15b: the negotiated price and terms form the contract, in one commit with the record (R-15c); the agency
    orders against it and it runs to the end of the determination's duration (the contract-term timer)."""
    require_role(actor, Role.PURCHASING)
    checked = rules.check_negotiated(negotiated)

    def form() -> tuple[SoleSourceRequest, Contract]:
        current = get(deps, actor, request_id)
        now = deps.clock.now()
        recorded, formed = rules.contract(
            current, checked, named_contractor(deps, current.contractor_id, rules.RULE), deps.ids.new("CT"), now
        )
        stored, created = deps.commit(
            actor,
            now,
            [
                Change(action="sole_source.contracted", after=recorded, before=current),
                Change(action="contract.created", after=formed),
                Send(f"{current.id}:contract", _contracted_email(deps, recorded, formed)),
            ],
        )
        return stored, created

    recorded, formed = retry_on_conflict(form)
    assert formed.term_end is not None  # the determination's last day
    start_term_timer(deps, formed.id, formed.term_end)
    return recorded


def register(deps: Deps, page: PageRequest) -> Listing[SoleSourceRequest]:
    """R-15c: the record of sole source procurements, oldest first; public."""
    return deps.store.page(SoleSourceRequest, "register", "contracted", after=page.after, limit=page.limit)


# -- emails --------------------------------------------------------------------------------------------------------
def _facts(request: SoleSourceRequest) -> dict:
    return {
        "id": request.id,
        "title": request.title,
        "agency": request.agency,
        "contractor": request.contractor_name,
        "basis": request.basis.value.replace("_", " "),
        "estimated_amount": request.estimated_amount,
        "justification": request.justification,
    }


def _requested_email(deps: Deps, request: SoleSourceRequest):
    """Purchasing determines (R-15a)."""
    return emails.render(
        "sole_source_requested",
        to=(deps.mailboxes.purchasing,),
        request=_facts(request),
        link=deps.portal.page("sole-source-requests", request.id),
    )


def _determined_email(deps: Deps, request: SoleSourceRequest):
    """The agency learns the determination: granted (wait for the contract), refused, or competed."""
    return emails.render(
        "sole_source_determined",
        to=(deps.mailboxes.agency(request.agency),),
        request=_facts(request),
        status=request.status.value,
        determination=request.determination,
        scope=request.scope,
        effective_until=request.effective_until,
        reason=request.refusal_reason,
        solicitation_id=request.solicitation_id,
        link=deps.portal.page("sole-source-requests", request.id),
    )


def _contracted_email(deps: Deps, request: SoleSourceRequest, formed: Contract):
    """The agency may order against the contract now."""
    return emails.render(
        "sole_source_contracted",
        to=(deps.mailboxes.agency(request.agency),),
        request=_facts(request),
        contract_id=formed.id,
        price=formed.total,
        terms=request.terms,
        effective_until=request.effective_until,
        link=deps.portal.page("contracts", formed.id),
    )
