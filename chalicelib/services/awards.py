"""Award (R-8a/b/c/f), the notice that forms the contract (R-9a, R-9g), refusal and the next bidder (R-9g),
performance surety and cancellation (R-9h), and clerical corrections (R-8g).

Each share of an award (one awarded bidder) runs its own award-acceptance execution: notice (the contract, unless
the award is conditional) → acceptance of a conditional award → surety timer. Nothing moves by itself: purchasing is
emailed where it must decide (a refusal, a lapsed conditional award, missing surety)."""

from __future__ import annotations

import dataclasses

from chalicelib.domain import awards as rules
from chalicelib.domain import contracts as contract_rules
from chalicelib.domain import evaluation
from chalicelib.domain.awards import Award, CorrectedField, Share, ShareStatus
from chalicelib.domain.bids import Bid
from chalicelib.domain.calendar import last_day_of, timer_seconds
from chalicelib.domain.contracts import CancellationGround, Contract
from chalicelib.domain.errors import AlreadyTaken, Conflict, NotFound, ValidationFailed
from chalicelib.domain.outbox import Audience
from chalicelib.domain.solicitations import AwardBasis, Solicitation, SolicitationStatus
from chalicelib.services.bids import acting_vendor, opened_bids
from chalicelib.services.ports import (
    Actor,
    Broadcast,
    Change,
    Deps,
    Email,
    Guard,
    Listing,
    PageRequest,
    Role,
    Send,
    Write,
    require_role,
    retry_on_conflict,
)
from chalicelib.services.solicitations import load
from chalicelib.services.vendors import get_vendor

PROCESS = "award-acceptance"
TRANSACTION_ITEMS = 100  # DynamoDB's limit of items per transaction
ENDED = "AwardRefused"  # the error a waiting task gets when the bidder refuses or the contract is cancelled


def execution_name(award_id: str, share: int) -> str:
    return f"award-{award_id}-{share}"


def make_award(
    deps: Deps, actor: Actor, solicitation_id: str, basis: AwardBasis | None = None, responsibility: dict[str, str] | None = None
) -> tuple[Solicitation, list[Award]]:
    """R-8a/b: rank eligible bids per scope, split each down its ranking and send each share its notice. After the
    award period a share is conditional on the bidder's acceptance (R-8c). `responsibility`: a note per bid id of the
    responsibility findings considered (R-18a/b), stated in the award and its notice.

    One decision per solicitation and per line, by construction: the solicitation's change and a guard per awarded
    line are written with the awards, so of two officers deciding at once one is told the invitation is awarded."""
    require_role(actor, Role.PURCHASING)
    notes = {bid_id: note.strip() for bid_id, note in (responsibility or {}).items()}

    def decide() -> tuple[Solicitation, list[Award], str | None]:
        sol = _opened(deps, solicitation_id)
        chosen = basis or sol.award_basis
        if sol.all_or_none and chosen is not AwardBasis.ALL:
            raise ValidationFailed(
                "An all-or-none invitation is awarded as a whole.",
                rule="R-5f",
                details=[{"field": "basis", "problem": "must be 'all'"}],
            )
        if chosen is AwardBasis.GROUP and not sol.groups:
            raise ValidationFailed(
                "The invitation has no groups of lines.",
                rule="R-8b",
                details=[{"field": "basis", "problem": "no groups to award"}],
            )
        rankings = [r for r in evaluation.rank(sol, opened_bids(deps, sol.id), chosen) if r.candidates]
        if not rankings:
            raise Conflict(f"No responsive, responsible bid covers any scope of {sol.id}; reject all bids instead.", rule="R-8a")
        ranked = {c.bid_id for r in rankings for c in r.candidates}
        unknown = [
            {"field": f"responsibility.{bid_id}", "problem": "is not a ranked eligible bid of this award"}
            for bid_id in notes
            if bid_id not in ranked
        ]
        unknown += [
            {"field": f"responsibility.{bid_id}", "problem": "must not be blank"} for bid_id, note in notes.items() if not note
        ]
        if unknown:
            raise ValidationFailed("A responsibility note names no ranked bid or is blank.", rule="R-18a/b", details=unknown)
        now = deps.clock.now()
        awards = [rules.new_award(deps.ids.new("AW"), sol, ranking, now, notes) for ranking in rankings]
        awarded = dataclasses.replace(
            sol, status=SolicitationStatus.AWARDED, awarded_at=now, award_ids=tuple(a.id for a in awards), award_token=None
        )
        stored = []
        try:
            for batch in _decision_transactions(Change(action="solicitation.awarded", after=awarded, before=sol), awards):
                stored += deps.store.commit(actor, now, batch)
        except AlreadyTaken as taken:
            raise Conflict(
                f"{taken.key.split('#', 1)[1]} is already awarded by award {taken.held_by}; an award comes once.",
                rule="R-8b",
                details=[{"award_id": taken.held_by}],
            ) from None
        return stored[0], stored[1:], sol.award_token

    awarded, awards, token = retry_on_conflict(decide)
    if token:  # answered before any start: moto cannot answer a token while an execution is starting
        deps.workflows.resume(token, {"status": "awarded", "awards": len(awards)})
    for award in awards:
        _start(deps, award, award.shares)
    return awarded, awards


def awarded_line_guard(solicitation_id: str, line_id: str) -> str:
    """The unique key of a line's award: one award decision per line (R-8b)."""
    return f"awarded-line#{solicitation_id} line {line_id}"


def _decision_transactions(decided: Change, awards: list[Award]) -> list[list]:
    """The award decision in as few transactions as DynamoDB holds (100 items: a change writes two, a guard one). The
    first carries the solicitation's change, so a second, simultaneous decision writes nothing."""
    batches, batch, size = [], [decided], 2
    for award in awards:
        items = [Change(action="award.made", after=award)] + [
            Guard(awarded_line_guard(award.solicitation_id, lid), award.id) for lid in award.candidates[0].line_ids
        ]
        cost = len(items) + 1
        if size + cost > TRANSACTION_ITEMS:
            batches.append(batch)
            batch, size = [], 0
        batch, size = batch + items, size + cost
    return batches + [batch]


def reject_all(deps: Deps, actor: Actor, solicitation_id: str, reason: str) -> Solicitation:
    """R-8b: any or all bids may be rejected; the invitation ends with the reason, and bidders are told."""
    require_role(actor, Role.PURCHASING)
    if not reason.strip():
        raise ValidationFailed(
            "Rejecting all bids states a reason.", rule="R-8b", details=[{"field": "reason", "problem": "must not be blank"}]
        )

    def decide() -> tuple[Solicitation, Solicitation]:
        sol = _opened(deps, solicitation_id)
        now = deps.clock.now()
        ended = dataclasses.replace(
            sol,
            status=SolicitationStatus.CANCELLED,
            cancelled_at=now,
            rejected_all_reason=reason.strip(),
            cancel_reason=f"all bids rejected: {reason.strip()}",
            award_token=None,
        )
        (ended,) = deps.commit(
            actor,
            now,
            [
                Change(action="solicitation.all_bids_rejected", after=ended, before=sol),
                Broadcast(
                    f"{sol.id}:rejected-all",
                    Audience("opened-bidders", sol.id),
                    subject=f"All bids rejected: {sol.id} {sol.title}",
                    text=f"The State rejected all bids of {sol.id} (R-8b). Reason: {ended.rejected_all_reason}",
                ),
            ],
        )
        return sol, ended

    sol, ended = retry_on_conflict(decide)
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


def vendor_contracts(deps: Deps, actor: Actor, vendor_id: str, page: PageRequest) -> Listing[Contract]:
    """The contracts a vendor holds (its organisation is the contractor), for the vendor itself and purchasing."""
    vendor = get_vendor(deps, actor, vendor_id)
    return deps.store.page(Contract, "by_contractor", vendor.org, after=page.after, limit=page.limit)


def accept(deps: Deps, actor: Actor, award_id: str) -> Award:
    """R-8c: the bidder confirms a conditional award within 10 days of its notice; that forms the contract (R-9a)."""
    vendor = acting_vendor(deps, actor)

    def decide():
        award = deps.load(Award, award_id)
        now = deps.clock.now()
        accepted = rules.accept(award, vendor.id, now, deps.ids.new("CT"))
        share = next(
            s
            for s in accepted.shares
            if s.status is ShareStatus.CONTRACTED and award.share(s.number).status is ShareStatus.CONDITIONAL
        )
        contract = _contract(deps, accepted, share, now)
        (accepted, _) = deps.commit(
            actor,
            now,
            [
                Change(action="award.accepted", after=accepted, before=award),
                Change(action="contract.created", after=contract),
                _contract_formed_email(accepted, share, contract, "your acceptance of the conditional award (R-8c)"),
            ],
        )
        return award, accepted, share, now

    award, accepted, share, now = retry_on_conflict(decide)
    token = award.share(share.number).acceptance_token
    if token:  # otherwise the waiting task, still to come, finds the contract and goes on
        deps.workflows.resume(token, _step(accepted.share(share.number), now))
    return accepted


def refuse(deps: Deps, actor: Actor, award_id: str, reason: str) -> Award:
    """R-9g: a refusal within 10 days of the notice is recorded and purchasing is asked to decide; the contract stands
    until purchasing gives the award to the next bidder."""
    vendor = acting_vendor(deps, actor)

    def decide():
        award = deps.load(Award, award_id)
        now = deps.clock.now()
        refused, share = rules.refuse(award, vendor.id, reason, now)
        changes = [Change(action="award.refused", after=refused, before=award)]
        if share.contract_id:
            contract = deps.load(Contract, share.contract_id)
            changes.append(
                Change(
                    action="contract.refused",
                    after=contract_rules.mark_refused(contract, share.refusal_reason, now),
                    before=contract,
                )
            )
        formed = f" Contract {share.contract_id} stands until you decide." if share.contract_id else ""
        changes.append(
            _purchasing_alert(
                deps,
                award,
                share,
                "refused",
                f"Award {award.id} refused by {share.candidate.bidder_name}",
                (
                    f"{share.candidate.bidder_name} refused its share {share.number} of award {award.id} ({award.scope}) within 10 days of the "
                    f"notice (R-9g): {share.refusal_reason}.{formed}\nOffer it to the next ranked eligible bidder with POST /awards/{award.id}/next, "
                    f"or leave it: the contract stands and the default remedies apply (R-9i)."
                ),
            )
        )
        (refused, *_) = deps.commit(actor, now, changes)
        return award, refused, share

    award, refused, share = retry_on_conflict(decide)
    _end_waits(deps, award.share(share.number), f"refused: {share.refusal_reason}")
    return refused


def next_bidder(deps: Deps, actor: Actor, award_id: str) -> Award:
    """R-9g/R-9h: purchasing gives refused, lapsed or cancelled shares to the next ranked eligible bidders (new
    notices); a refused share's contract is cancelled, and each bidder passed over is told."""
    require_role(actor, Role.PURCHASING)

    def decide():
        award = deps.load(Award, award_id)
        sol = load(deps, award.solicitation_id)
        now = deps.clock.now()
        moved, passed, new = rules.pass_on(award, sol, now)
        changes = [Change(action="award.passed_on", after=moved, before=award)]
        for share in passed:
            if award.share(share.number).status is ShareStatus.REFUSED and share.contract_id:
                contract = deps.load(Contract, share.contract_id)
                reason = "refused within 10 days of the notice; awarded to the next ranked bidder (R-9g)"
                changes.append(
                    Change(
                        action="contract.cancelled",
                        after=contract_rules.cancel(contract, CancellationGround.REFUSED, reason, now),
                        before=contract,
                    )
                )
        following = ", ".join(s.candidate.bidder_name for s in new)
        changes += [
            Send(
                f"award:{award.id}:{share.number}:passed-on",
                Email(
                    to=(share.candidate.bidder_email,),
                    subject=f"Award {award.id} given to the next bidder",
                    text=f"Your share {share.number} of award {award.id} ({award.scope}) now goes to the next ranked bidder: {following} (R-9g).",
                ),
            )
            for share in passed
        ]
        (moved, *_) = deps.commit(actor, now, changes)
        return moved, new

    moved, new = retry_on_conflict(decide)
    _start(deps, moved, new)
    return moved


def furnish_surety(deps: Deps, actor: Actor, award_id: str, form: str, amount: str, reference: str) -> Award:
    """R-9h: the surety requested with the contract, within 10 days of the request."""
    vendor = acting_vendor(deps, actor)

    def decide():
        award = deps.load(Award, award_id)
        now = deps.clock.now()
        furnished = rules.furnish_surety(award, vendor.id, form, amount, reference, now)
        share = next(s for s in furnished.shares if s.surety is not None and award.share(s.number).surety is None)
        (furnished,) = deps.commit(
            actor,
            now,
            [
                Change(action="award.surety_furnished", after=furnished, before=award),
                Send(
                    f"award:{award.id}:{share.number}:surety-received",
                    Email(
                        to=(share.candidate.bidder_email,),
                        subject=f"Contract {share.contract_id}: performance surety received",
                        text=f"The State received your {share.surety.form.replace('_', ' ')} {share.surety.reference} of ${share.surety.amount} for contract {share.contract_id} (R-9h).",
                    ),
                ),
            ],
        )
        return award, furnished, share

    award, furnished, share = retry_on_conflict(decide)
    token = award.share(share.number).surety_token
    if token:  # otherwise the waiting task, still to come, finds the surety and ends
        deps.workflows.resume(token, {"surety": True})
    return furnished


def cancel_contract(deps: Deps, actor: Actor, contract_id: str, ground: CancellationGround, reason: str) -> Contract:
    """R-9h: purchasing cancels for surety not furnished within 10 days of its request, or for non-performance, with
    a reason; the contractor is told. The State may then buy elsewhere at the contractor's expense (R-9i) or give the
    award to the next bidder."""
    require_role(actor, Role.PURCHASING)
    if ground is CancellationGround.REFUSED:
        raise ValidationFailed(
            "A refused award is cancelled by giving it to the next bidder.",
            rule="R-9h",
            details=[{"field": "ground", "problem": "must be missing_surety or non_performance"}],
        )

    def decide():
        contract = deps.load(Contract, contract_id)
        award = deps.store.get(Award, contract.award_id) if contract.award_id else None
        now = deps.clock.now()
        if ground is CancellationGround.MISSING_SURETY:
            if award is None:
                raise Conflict(f"Contract {contract.id} was not awarded with performance surety.", rule="R-9h")
            rules.ensure_surety_missing(award, contract.id, now)
        ended = contract_rules.cancel(contract, ground, reason, now)
        changes = [Change(action="contract.cancelled", after=ended, before=contract)]
        if award is not None:
            changes.append(
                Change(
                    action="award.contract_cancelled",
                    after=rules.cancelled(award, contract.id, ended.cancellation_reason, now),
                    before=award,
                )
            )
        changes.append(
            Send(
                f"contract:{contract.id}:cancelled",
                Email(
                    to=(contract.contractor_email,),
                    subject=f"Contract {contract.id} cancelled",
                    text=(
                        f"The State cancels contract {contract.id} ({ground.value.replace('_', ' ')}, R-9h): {ended.cancellation_reason}\n"
                        f"Deliveries not made may be bought on the open market at your expense (R-9i)."
                    ),
                ),
            )
        )
        (ended, *_) = deps.commit(actor, now, changes)
        return contract, award, ended

    contract, award, ended = retry_on_conflict(decide)
    if award is not None:
        _end_waits(deps, rules.share_of_contract(award, contract.id), "contract cancelled")
    return ended


def correct_award(
    deps: Deps, actor: Actor, award_id: str, field: CorrectedField, value: str, reason: str, line_id: str | None = None
) -> Award:
    """R-8g: a recorded, audited correction of a clerical or administrative error; a bidder already notified is told."""
    require_role(actor, Role.PURCHASING)

    def decide() -> Award:
        award = deps.load(Award, award_id)
        sol = load(deps, award.solicitation_id)
        now = deps.clock.now()
        corrected = rules.correct(award, sol, field, value, reason, actor.sub, now, line_id=line_id)
        fix = corrected.corrections[-1]
        share = corrected.share(fix.share)
        changes: list[Write] = [Change(action="award.corrected", after=corrected, before=award)]
        if share.noticed_at is not None:
            where = f" of line {fix.line_id}" if fix.line_id else ""
            changes.append(
                Send(
                    f"award:{award.id}:correction:{fix.number}",
                    Email(
                        to=(share.candidate.bidder_email,),
                        subject=f"Award {award.id} corrected",
                        text=(
                            f"The State corrects the {fix.field.value.replace('_', ' ')}{where} of award {award.id} ({award.scope}) from "
                            f"{fix.before} to {fix.after} (R-8g). Reason: {fix.reason}\nThe award amount is ${rules.share_amount(corrected, share)}."
                        ),
                    ),
                )
            )
        (corrected,) = deps.commit(actor, now, changes)
        return corrected

    return retry_on_conflict(decide)


# -- workflow tasks --------------------------------------------------------------------------------------------
def notice(deps: Deps, execution: str, award_id: str, number: int) -> dict:
    """R-9g: the notice of award. A firm share's contract is formed in the same transaction (R-9a); a retried task
    finds the notice recorded and neither forms a second contract nor mails twice."""
    award = deps.load(Award, award_id)
    sol = load(deps, award.solicitation_id)
    now = deps.clock.now()
    share = award.share(number)
    if share.status is ShareStatus.PENDING:
        contract_id = None if share.conditional else deps.ids.new("CT")
        noticed = rules.notice(award, number, now, contract_id)
        share = noticed.share(number)
        changes = [Change(action="award.contracted" if contract_id else "award.noticed", after=noticed, before=award)]
        if contract_id:
            changes.append(Change(action="contract.created", after=_contract(deps, noticed, share, now)))
        changes.append(Send(f"award:{award.id}:{number}:notice", _notice_email(noticed, share, sol)))
        deps.commit(Actor.system(execution), now, changes)  # a retried task finds it done, its notice written
    return _step(share, now)


def await_acceptance(deps: Deps, execution: str, award_id: str, number: int, task_token: str) -> None:
    """R-8c: the conditional award waits for the bidder until 10 days after its notice; an earlier answer goes on."""
    award = deps.load(Award, award_id)
    share = award.share(number)
    if share.status is ShareStatus.CONDITIONAL:
        deps.store.commit(
            Actor.system(execution),
            deps.clock.now(),
            [Change(action="award.acceptance_awaited", after=rules.await_acceptance(award, number, task_token), before=award)],
        )
    elif share.status is ShareStatus.CONTRACTED:
        deps.workflows.resume(task_token, _step(share, deps.clock.now()))
    else:
        deps.workflows.fail(task_token, ENDED, share.status.value)


def await_surety(deps: Deps, execution: str, award_id: str, number: int, task_token: str) -> None:
    """R-9h: wait for the surety requested with the contract; surety already furnished answers at once."""
    award = deps.load(Award, award_id)
    share = award.share(number)
    if share.status is ShareStatus.CONTRACTED and share.surety_missing:
        deps.store.commit(
            Actor.system(execution),
            deps.clock.now(),
            [Change(action="award.surety_awaited", after=rules.await_surety(award, number, task_token), before=award)],
        )
    elif share.surety is not None:
        deps.workflows.resume(task_token, {"surety": True})
    else:
        deps.workflows.fail(task_token, ENDED, share.status.value)


def lapsed(deps: Deps, execution: str, award_id: str, number: int) -> dict:
    """R-8c: a conditional award not accepted within 10 days lapses; purchasing is told and decides. The callback
    timeout is the rule's timer; the API refuses an acceptance at or after the deadline by server time.

    An acceptance made before the deadline may reach the execution after its timer fired: the bidder's acceptance is
    then what happened, and the answer says so (`accepted`) with the next step, so the execution goes on to surety."""
    award = deps.load(Award, award_id)
    now = deps.clock.now()
    moved = rules.lapse(award, number, now)
    share = moved.share(number)
    if moved is not award:  # a retried task finds it lapsed, its alert written
        deps.commit(
            Actor.system(execution),
            now,
            [
                Change(action="award.lapsed", after=moved, before=award),
                _purchasing_alert(
                    deps,
                    moved,
                    share,
                    "lapsed",
                    f"Conditional award {award.id} lapsed",
                    f"{share.candidate.bidder_name} did not accept the conditional award {award.id} ({award.scope}) within 10 days of its "
                    f"notice (R-8c). Offer it to the next ranked eligible bidder with POST /awards/{award.id}/next, or leave it.",
                ),
            ],
        )
    return {
        "award_id": award.id,
        "status": share.status.value,
        "accepted": share.status is ShareStatus.CONTRACTED,
        **_step(share, now),
    }


def surety_lapsed(deps: Deps, execution: str, award_id: str, number: int) -> dict:
    """R-9h: the 10 days from the request passed without surety; purchasing is alerted and may cancel. Nothing is
    cancelled by itself."""
    award = deps.load(Award, award_id)
    moved = rules.surety_lapsed(award, number, deps.clock.now())
    share = moved.share(number)
    if moved is not award:  # a retried task finds it recorded, its alert written
        changes: list[Write] = [Change(action="award.surety_lapsed", after=moved, before=award)]
        if share.status is ShareStatus.CONTRACTED and share.surety_missing:
            changes.append(
                _purchasing_alert(
                    deps,
                    moved,
                    share,
                    "surety",
                    f"Performance surety missing for contract {share.contract_id}",
                    f"{share.candidate.bidder_name} did not furnish the performance surety of ${rules.surety_amount(moved, share)} for "
                    f"contract {share.contract_id} by the end of {last_day_of(share.surety_due)} (R-9h). You may cancel the contract "
                    f"with POST /contracts/{share.contract_id}/cancel (ground missing_surety), then buy elsewhere at the contractor's "
                    f"expense (R-9i) or offer the award to the next bidder with POST /awards/{award.id}/next.",
                )
            )
        deps.commit(Actor.system(execution), deps.clock.now(), changes)
    return {"award_id": award.id, "contract_id": share.contract_id}


# -- helpers ---------------------------------------------------------------------------------------------------
def _start(deps: Deps, award: Award, shares: tuple[Share, ...]) -> None:
    for share in shares:
        deps.workflows.start(PROCESS, execution_name(award.id, share.number), {"award_id": award.id, "share": share.number})


def _step(share: Share, now) -> dict:
    """What the execution waits for next, and for how long: a conditional award's acceptance, or surety."""
    conditional = share.status is ShareStatus.CONDITIONAL
    deadline = share.respond_by if conditional else share.surety_due
    seconds = 1 if deadline is None else timer_seconds(deadline, now)
    return {
        "conditional": conditional,
        "surety_required": share.status is ShareStatus.CONTRACTED and share.surety_missing,
        "seconds": seconds,
    }


def _contract(deps: Deps, award: Award, share: Share, now) -> Contract:
    sol = load(deps, award.solicitation_id)
    bid = deps.load(Bid, share.candidate.bid_id)
    return rules.contract_for(award, share, sol, bid.content, share.contract_id, now)


def _lines_text(award: Award, share: Share, sol: Solicitation) -> str:
    return "; ".join(
        f"line {lid} {sol.line(lid).description}: {q} {sol.line(lid).unit} at ${p}"
        for lid, (q, p) in rules.awarded_lines(award, share).items()
    )


def _surety_text(award: Award, share: Share) -> str:
    if not share.surety_missing:
        return ""
    return (
        f"Furnish performance surety of ${rules.surety_amount(award, share)} ({award.surety_percent}% of the award) as a "
        f"performance bond, certified check or irrevocable letter of credit by the end of {last_day_of(share.surety_due)} "
        f"with POST /awards/{award.id}/surety; otherwise the State may cancel the contract (R-9h).\n"
    )


def _notice_email(award: Award, share: Share, sol: Solicitation) -> Email:
    c = share.candidate
    head = (
        f"Your bid {c.bid_id} is awarded {award.scope} of {sol.id} for ${rules.share_amount(award, share)}: "
        f"{_lines_text(award, share, sol)}.\nResponsibility findings considered (R-18a/b): {share.responsibility}.\n"
    )
    if share.status is ShareStatus.CONDITIONAL:
        body = (
            f"This award is made after the award period (R-8c): it binds only if you confirm it by accepting by the end of "
            f"{last_day_of(share.respond_by)} with POST /awards/{award.id}/accept, or refuse it with POST /awards/{award.id}/decline.\n"
            + ("Performance surety will be requested with the contract (R-9h).\n" if award.surety_percent else "")
        )
    else:
        body = (
            f"This notice is the State's acceptance of your bid: it forms contract {share.contract_id} (R-9a, R-9g).\n"
            f"{_surety_text(award, share)}"
            f"You may refuse the award by the end of {last_day_of(share.respond_by)} with POST /awards/{award.id}/decline; "
            f"a refusal after that is not considered and you are bound by the contract (R-9g, R-9i)."
        )
    return Email(to=(c.bidder_email,), subject=f"Notice of award {award.id}: {sol.title} ({award.scope})", text=head + body)


def _contract_formed_email(award: Award, share: Share, contract: Contract, by: str) -> Send:
    return Send(
        f"award:{award.id}:{share.number}:contract",
        Email(
            to=(contract.contractor_email,),
            subject=f"Contract {contract.id} for award {award.id}",
            text=(
                f"Contract {contract.id} is formed by {by} (R-9a): {len(contract.lines)} line(s), total ${contract.total:.2f}. "
                f"Orders bear this contract number (R-9k).\n{_surety_text(award, share)}"
            ),
        ),
    )


def _purchasing_alert(deps: Deps, award: Award, share: Share, what: str, subject: str, text: str) -> Send:
    return Send(
        f"award:{award.id}:{share.number}:purchasing:{what}", Email(to=(deps.mailboxes.purchasing,), subject=subject, text=text)
    )


def _end_waits(deps: Deps, share: Share, cause: str) -> None:
    """A refusal or cancellation ends the execution's wait for acceptance or surety."""
    for token in (share.acceptance_token, share.surety_token):
        if token:
            deps.workflows.fail(token, ENDED, cause)


def _opened(deps: Deps, solicitation_id: str) -> Solicitation:
    sol = load(deps, solicitation_id)
    if sol.status is not SolicitationStatus.OPENED:
        raise Conflict(f"Solicitation {sol.id} is {sol.status.value}; awards follow the opening and come once.", rule="R-8a")
    return sol
