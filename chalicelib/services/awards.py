"""Award (R-8a/b/c/f), acceptance down the ranking (R-9g), performance surety (R-9h) and the contract (R-9a).

Each awarded scope runs its own award-acceptance execution: notice → 10 days to accept → surety → contract;
a refusal or a lapse moves the award to the next ranked bidder. Purchasing corrects clerical errors of an award
until it becomes a contract (R-8g)."""

from __future__ import annotations

import dataclasses

from chalicelib.domain import awards as rules
from chalicelib.domain import evaluation
from chalicelib.domain.awards import Award, AwardStatus, CorrectedField
from chalicelib.domain.bids import Bid
from chalicelib.domain.calendar import iso_local
from chalicelib.domain.contracts import Contract
from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.domain.solicitations import AwardBasis, Solicitation, SolicitationStatus
from chalicelib.services.bids import opened_bids, vendor_of
from chalicelib.services.ports import Actor, Change, Deps, Email, Role, require_role
from chalicelib.services.solicitations import load

PROCESS = "award-acceptance"
CHUNK = 40  # entities per transaction: DynamoDB allows 100 items, each change writes two


def execution_name(award_id: str) -> str:
    return f"award-{award_id}"


def make_award(deps: Deps, actor: Actor, solicitation_id: str, basis: AwardBasis | None = None) -> tuple[Solicitation, list[Award]]:
    """R-8a/b: rank eligible bids per scope and offer each scope to its first bidder. After the award period the
    awards are conditional on the bidder's acceptance (R-8c)."""
    require_role(actor, Role.PURCHASING)
    sol = _opened(deps, solicitation_id)
    basis = basis or sol.award_basis
    if sol.all_or_none and basis is not AwardBasis.ALL:
        raise ValidationFailed("An all-or-none invitation is awarded as a whole.", rule="R-5f", details=[{"field": "basis", "problem": "must be 'all'"}])
    if basis is AwardBasis.GROUP and not sol.groups:
        raise ValidationFailed("The invitation has no groups of lines.", rule="R-8b", details=[{"field": "basis", "problem": "no groups to award"}])
    now = deps.clock.now()
    conditional = rules.is_conditional(sol, now)  # of the first ranked bid; each notice checks its own bid again
    awards = []
    for ranking in evaluation.rank(sol, opened_bids(deps, sol.id), basis):
        if not ranking.candidates:
            continue
        awards.append(Award(
            id=deps.ids.new("AW"), solicitation_id=sol.id, agency=sol.agency, scope=ranking.scope,
            candidates=ranking.candidates, created_at=now, conditional=conditional, surety_percent=sol.surety_percent,
            notes=ranking.notes,
        ))
    if not awards:
        raise Conflict(f"No responsive, responsible bid covers any scope of {sol.id}; reject all bids instead.", rule="R-8a")
    for start in range(0, len(awards), CHUNK):
        deps.store.commit(actor, now, [Change("award.made", a) for a in awards[start:start + CHUNK]])
    awarded = dataclasses.replace(sol, status=SolicitationStatus.AWARDED, awarded_at=now,
                                  award_ids=tuple(a.id for a in awards), award_token=None)
    (awarded,) = deps.store.commit(actor, now, [Change("solicitation.awarded", awarded, sol)])
    if sol.award_token:  # answered before any start: moto cannot answer a token while an execution is starting
        deps.workflows.resume(sol.award_token, {"status": "awarded", "awards": len(awards)})
    for award in awards:
        deps.workflows.start(PROCESS, execution_name(award.id), {
            "award_id": award.id, "acceptance_seconds": int(rules.ACCEPTANCE_WINDOW.total_seconds()),
            "surety_seconds": int(rules.SURETY_WINDOW.total_seconds()),
        })
    return awarded, awards


def reject_all(deps: Deps, actor: Actor, solicitation_id: str, reason: str) -> Solicitation:
    """R-8b: any or all bids may be rejected; the invitation ends with the reason, and bidders are told."""
    require_role(actor, Role.PURCHASING)
    sol = _opened(deps, solicitation_id)
    if not reason.strip():
        raise ValidationFailed("Rejecting all bids states a reason.", rule="R-8b", details=[{"field": "reason", "problem": "must not be blank"}])
    now = deps.clock.now()
    ended = dataclasses.replace(sol, status=SolicitationStatus.CANCELLED, cancelled_at=now, rejected_all_reason=reason.strip(),
                                cancel_reason=f"all bids rejected: {reason.strip()}", award_token=None)
    (ended,) = deps.store.commit(actor, now, [Change("solicitation.all_bids_rejected", ended, sol)])
    for bid in opened_bids(deps, sol.id):
        deps.send_once(f"{sol.id}:rejected-all:{bid.id}", Email(
            to=(bid.bidder_email,), subject=f"All bids rejected: {sol.id} {sol.title}",
            text=f"The State rejected all bids of {sol.id} (R-8b). Reason: {ended.rejected_all_reason}",
        ))
    if sol.award_token:
        deps.workflows.resume(sol.award_token, {"status": "rejected"})
    return ended


def get_award(deps: Deps, actor: Actor, award_id: str) -> Award:
    """Purchasing, the agency and the ranked bidders may read an award."""
    award = deps.store.get(Award, award_id)
    visible = award is not None and (
        actor.role is Role.PURCHASING
        or (actor.role is Role.AGENCY and actor.org == award.agency)
        or (actor.role is Role.VENDOR and any(c.vendor_org == actor.org for c in award.candidates))
    )
    if not visible:
        raise NotFound(f"No award {award_id} visible to the caller.")
    return award


def get_contract(deps: Deps, actor: Actor, contract_id: str) -> Contract:
    contract = deps.store.get(Contract, contract_id)
    visible = contract is not None and (
        actor.role is Role.PURCHASING
        or (actor.role is Role.AGENCY and actor.org == contract.agency)
        or (actor.role is Role.VENDOR and actor.org == contract.contractor_org)
    )
    if not visible:
        raise NotFound(f"No contract {contract_id} visible to the caller.")
    return contract


def accept(deps: Deps, actor: Actor, award_id: str) -> Award:
    """R-9g: the awarded bidder accepts within 10 days; it also confirms a conditional award (R-8c)."""
    vendor = vendor_of(deps, actor)
    award = deps.load(Award, award_id)
    now = deps.clock.now()
    accepted = rules.accept(award, vendor.id, now)
    (accepted,) = deps.store.commit(actor, now, [Change("award.accepted", accepted, award)])
    deps.workflows.resume(award.offer_token, {"accepted": True, "surety_required": accepted.status is AwardStatus.AWAITING_SURETY})
    return accepted


def decline(deps: Deps, actor: Actor, award_id: str, reason: str) -> Award:
    """R-9g: a refusal moves the award to the next ranked bidder at once; both are told."""
    vendor = vendor_of(deps, actor)
    award = deps.load(Award, award_id)
    now = deps.clock.now()
    rules.decline(award, vendor.id, now)
    moved = _move_on(deps, actor, award, "declined", reason.strip() or "declined by the bidder")
    deps.workflows.fail(award.offer_token, "AwardDeclined", reason or "declined")
    return moved


def furnish_surety(deps: Deps, actor: Actor, award_id: str, form: str, amount: str, reference: str) -> Award:
    """R-9h: the surety requested, within 10 days of the request."""
    vendor = vendor_of(deps, actor)
    award = deps.load(Award, award_id)
    now = deps.clock.now()
    furnished = rules.furnish_surety(award, vendor.id, form, amount, reference, now)
    (furnished,) = deps.store.commit(actor, now, [Change("award.surety_furnished", furnished, award)])
    if award.surety_token:  # otherwise the request task, still to come, finds the surety and goes on
        deps.workflows.resume(award.surety_token, {"surety": True})
    return furnished


def correct_award(deps: Deps, actor: Actor, award_id: str, field: CorrectedField, value: str, reason: str,
                  line_id: str | None = None) -> Award:
    """R-8g: a recorded, audited correction of a clerical or administrative error; a bidder already notified is told."""
    require_role(actor, Role.PURCHASING)
    award = deps.load(Award, award_id)
    sol = load(deps, award.solicitation_id)
    bid = deps.store.get(Bid, award.current.bid_id) if award.current else None
    now = deps.clock.now()
    corrected = rules.correct(award, sol, bid.content if bid else None, field, value, reason, actor.sub, now, line_id=line_id)
    (corrected,) = deps.store.commit(actor, now, [Change("award.corrected", corrected, award)])
    fix, current = corrected.corrections[-1], corrected.current
    if corrected.offered_at is not None:
        where = f" of line {fix.line_id}" if fix.line_id else ""
        deps.send_once(f"award:{award.id}:correction:{fix.number}", Email(
            to=(current.bidder_email,), subject=f"Award {award.id} corrected",
            text=(f"The State corrects the {fix.field.value.replace('_', ' ')}{where} of award {award.id} ({award.scope}) from "
                  f"{fix.before} to {fix.after} (R-8g). Reason: {fix.reason}\nThe award amount is ${current.amount}."),
        ))
    return corrected


# -- workflow tasks --------------------------------------------------------------------------------------------
def offer(deps: Deps, execution: str, award_id: str, task_token: str) -> None:
    """R-9g: the notice of award, to the current bidder; the token waits for its answer (10 days)."""
    award = deps.load(Award, award_id)
    sol = load(deps, award.solicitation_id)
    now = deps.clock.now()
    offered = rules.offer(award, task_token, now, sol)
    (offered,) = deps.store.commit(Actor.system(execution), now, [Change("award.offered", offered, award)])
    current = offered.current
    conditional = (
        "This award is made after the award period (R-8c): it binds only if you confirm it by accepting.\n"
        if offered.conditional else ""
    )
    surety = (f"Performance surety of {offered.surety_percent}% (${offered.surety_amount}) will be requested after acceptance (R-9h).\n"
              if offered.surety_percent else "")
    deps.send_once(f"{execution}:notice:{offered.position}", Email(
        to=(current.bidder_email,), subject=f"Notice of award {offered.id}: {sol.title} ({offered.scope})",
        text=(f"Your bid {current.bid_id} is awarded {offered.scope} of {sol.id} for ${current.amount}.\n{conditional}{surety}"
              f"Accept by {iso_local(offered.accept_by)} with POST /awards/{offered.id}/accept, or decline with "
              f"POST /awards/{offered.id}/decline. Without acceptance within 10 days the award goes to the next bidder (R-9g)."),
    ))


def request_surety(deps: Deps, execution: str, award_id: str, task_token: str) -> None:
    """R-9h: email the request and wait 10 days; surety furnished already answers at once."""
    award = deps.load(Award, award_id)
    if award.status is AwardStatus.ACCEPTED and award.surety is not None:
        deps.workflows.resume(task_token, {"surety": True})
        return
    now = deps.clock.now()
    requested = rules.request_surety(award, task_token, now)
    (requested,) = deps.store.commit(Actor.system(execution), now, [Change("award.surety_requested", requested, award)])
    deps.send_once(f"{execution}:surety:{requested.position}", Email(
        to=(requested.current.bidder_email,), subject=f"Performance surety for award {requested.id}",
        text=(f"Furnish performance surety of ${requested.surety_amount} ({requested.surety_percent}% of the award) as a "
              f"performance bond, certified check or irrevocable letter of credit by {iso_local(requested.surety_due)} "
              f"with POST /awards/{requested.id}/surety; otherwise the award is cancelled and offered to the next bidder (R-9h)."),
    ))


def move_on(deps: Deps, execution: str, award_id: str, outcome: str) -> dict:
    """After a lapse (R-9g) or a missing surety (R-9h); a refusal was already recorded by the decline call.

    The callback timeout is the rule's timer and is trusted as such (a timer may fire a moment before the server
    clock reads the deadline); the API refuses any acceptance or surety at or after the deadline by server time."""
    award = deps.load(Award, award_id)
    if outcome == "lapsed" and award.status is AwardStatus.OFFERED:
        award = _move_on(deps, Actor.system(execution), award, "lapsed", "not accepted within 10 days of the notice (R-9g)")
    elif outcome == "surety_lapsed" and award.status is AwardStatus.AWAITING_SURETY:
        award = _move_on(deps, Actor.system(execution), award, "surety_lapsed", "performance surety not furnished within 10 days (R-9h)")
    return {"award_id": award.id, "has_next": award.status is AwardStatus.PENDING}


def make_contract(deps: Deps, execution: str, award_id: str) -> dict:
    """R-9a: acceptance (and surety) forms the contract; a retried task finds the one already made."""
    award = deps.load(Award, award_id)
    if award.contract_id:
        return {"award_id": award.id, "contract_id": award.contract_id}
    sol = load(deps, award.solicitation_id)
    bid = deps.store.get(Bid, award.current.bid_id)
    now = deps.clock.now()
    contract = rules.contract_for(award, sol, bid.content, deps.ids.new("CT"), now)
    done = rules.contracted(award, contract.id)
    deps.store.commit(Actor.system(execution), now, [Change("contract.created", contract), Change("award.contracted", done, award)])
    deps.send_once(f"{execution}:contract", Email(
        to=(contract.contractor_email,), subject=f"Contract {contract.id} for {sol.title}",
        text=(f"Contract {contract.id} is formed by your acceptance of award {award.id} (R-9a): {len(contract.lines)} line(s), "
              f"total ${contract.total:.2f}. Orders bear this contract number (R-9k)."),
    ))
    return {"award_id": award.id, "contract_id": contract.id}


def exhausted(deps: Deps, execution: str, award_id: str) -> dict:
    award = deps.load(Award, award_id)
    if award.status is not AwardStatus.EXHAUSTED:
        ended = dataclasses.replace(award, status=AwardStatus.EXHAUSTED)
        deps.store.commit(Actor.system(execution), deps.clock.now(), [Change("award.exhausted", ended, award)])
    return {"award_id": award.id, "status": AwardStatus.EXHAUSTED.value}


def _move_on(deps: Deps, actor: Actor, award: Award, outcome: str, reason: str) -> Award:
    now = deps.clock.now()
    loser = award.current
    moved = rules.move_on(award, outcome, reason, now)
    (moved,) = deps.store.commit(actor, now, [Change(f"award.{outcome}", moved, award)])
    following = f"It is offered to the next ranked bidder, {moved.current.bidder_name}." if moved.current else "No ranked bidder is left."
    deps.send_once(f"award:{award.id}:{award.position}:{outcome}", Email(
        to=(loser.bidder_email,), subject=f"Award {award.id} withdrawn from {loser.bidder_name}",
        text=f"Award {award.id} ({award.scope}) no longer goes to your bid {loser.bid_id}: {reason}. {following}",
    ))
    return moved


def _opened(deps: Deps, solicitation_id: str) -> Solicitation:
    sol = load(deps, solicitation_id)
    if sol.status is not SolicitationStatus.OPENED:
        raise Conflict(f"Solicitation {sol.id} is {sol.status.value}; awards follow the opening and come once.", rule="R-8a")
    return sol
