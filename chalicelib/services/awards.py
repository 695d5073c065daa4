"""Award (R-8a/b/c/f), the notice that forms the contract (R-9a, R-9g), refusal and the next bidder (R-9g),
performance surety and cancellation (R-9h), and clerical corrections (R-8g).

Each share of an award (one awarded bidder) runs its own award-acceptance execution: notice (the contract, unless
the award is conditional) → acceptance of a conditional award → surety timer. Nothing moves by itself: purchasing is
emailed where it must decide (a refusal, a lapsed conditional award, missing surety)."""

from __future__ import annotations

import dataclasses
import json

from chalicelib import emails
from chalicelib.domain import awards as rules
from chalicelib.domain import contracts as contract_rules
from chalicelib.domain import evaluation
from chalicelib.domain.awards import Award, CorrectedField, Share, ShareStatus
from chalicelib.domain.bids import Bid
from chalicelib.domain.calendar import iso_utc, timer_seconds
from chalicelib.domain.contracts import CancellationGround, Contract, contract_lines
from chalicelib.domain.errors import AlreadyTaken, Conflict, NotFound, ValidationFailed
from chalicelib.domain.outbox import Audience
from chalicelib.domain.solicitations import AwardBasis, Solicitation, SolicitationStatus
from chalicelib.services.bids import opened_bids, public_solicitation
from chalicelib.services.ports import (
    Actor,
    Broadcast,
    Change,
    Deps,
    Email,
    Guard,
    Listing,
    Member,
    PageRequest,
    Role,
    Send,
    Write,
    require_role,
    retry_on_conflict,
)
from chalicelib.services.solicitations import load
from chalicelib.services.vendors import acting_vendor, get_vendor

PROCESS = "award-acceptance"
TRANSACTION_ITEMS = 100  # DynamoDB's limit of items per transaction
# of a transaction's 4 MB, what the awards of one decision transaction write (the rest is the solicitation's change),
# each counted at the most its creation writes: three times its JSON (its item and its audit record, before and after),
# or, past the size an item keeps inline, its lists once in parts (a part item per 256 KiB of each) and the rest three
# times (adapters/dynamo.split_parts)
DECISION_BYTES = 3 * 1024 * 1024
INLINE_BYTES, PART_BYTES = 64 * 1024, 256 * 1024
AWARD_PART_LISTS = 6  # adapters/entities.py: the award's lists kept in parts
ENDED = "AwardRefused"  # the error a waiting task gets when the bidder refuses or the contract is cancelled


def execution_name(award_id: str, share: int) -> str:
    return f"award-{award_id}-{share}"


def make_award(
    deps: Deps, actor: Actor, solicitation_id: str, basis: AwardBasis | None = None, responsibility: dict[str, str] | None = None
) -> tuple[Solicitation, list[Award]]:
    """R-8a/b: rank eligible bids per scope, split each down its ranking and send each share its notice. After the
    award period a share is conditional on the bidder's acceptance (R-8c). `responsibility`: a note per bid id of the
    responsibility findings considered (R-18a/b), stated in the award and its notice.

    One decision per solicitation and per scope, by construction: the solicitation's change and a guard per awarded
    scope are written with the awards, so of two officers deciding at once one is told the invitation is awarded."""
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


def awarded_scope_guard(solicitation_id: str, scope: str) -> str:
    """The unique key of a scope's award (`all`, `item:<line>`, `group:<group>`): one award decision per scope (R-8b).
    A decision has one basis, whose scopes share no line (a line is in one group at most), so no line is awarded twice;
    a guard per scope rather than per line keeps a whole award of 500 lines inside one transaction."""
    return f"awarded-scope#{solicitation_id} {scope}"


def _decision_transactions(decided: Change, awards: list[Award]) -> list[list[Write]]:
    """The award decision in as few transactions as DynamoDB holds (100 items: a change writes two and its part items,
    a guard or a member one; DECISION_BYTES of awards). The first carries the solicitation's change, so a second,
    simultaneous decision writes nothing."""
    batches: list[list[Write]] = []
    batch: list[Write] = [decided]
    size, written = 2, 0
    for award in awards:
        items: list[Write] = [
            Change(action="award.made", after=award),
            Guard(awarded_scope_guard(award.solicitation_id, award.scope), award.id),
            *awarded_vendors(award, award.shares),
        ]
        at_most, parts = _written_at_most(award)
        cost = len(items) + 1 + parts
        if size + cost > TRANSACTION_ITEMS or (written and written + at_most > DECISION_BYTES):
            batches.append(batch)
            batch, size, written = [], 0, 0
        batch, size, written = batch + items, size + cost, written + at_most
    return batches + [batch]


def _written_at_most(award: Award) -> tuple[int, int]:
    """The most bytes and part items the award's creation writes (DECISION_BYTES)."""
    size = len(json.dumps(dataclasses.asdict(award), default=str, ensure_ascii=False).encode())
    if size <= INLINE_BYTES:
        return 3 * size, 0
    return size + 3 * INLINE_BYTES, 2 * AWARD_PART_LISTS + size // PART_BYTES


def awards_of_vendor(vendor_id: str) -> str:
    """The collection of the awards a vendor holds or held a share of, in the order they were made."""
    return f"awards-of-vendor#{vendor_id}"


def awarded_vendors(award: Award, shares: tuple[Share, ...]) -> list[Member]:
    """The award joins the collection of each vendor given one of `shares` (once per vendor: a transaction writes an
    item once). The member sorts by the award's time, then its id."""
    vendors = sorted({share.candidate.vendor_id for share in shares})
    return [Member(awards_of_vendor(v), f"{iso_utc(award.created_at)}#{award.id}") for v in vendors]


def vendor_awards(deps: Deps, actor: Actor, vendor_id: str, page: PageRequest) -> Listing[Award]:
    """The awards a vendor was given a share of (notices, conditional awards, contracts, refusals), for the vendor
    itself and purchasing: one strongly consistent Query of its collection, then one batch read of the awards."""
    vendor = get_vendor(deps, actor, vendor_id)
    members = list(deps.store.members(awards_of_vendor(vendor.id), after=page.after, limit=page.limit + 1))
    shown = members[: page.limit]
    ids = [member.split("#", 1)[1] for member in shown]
    found = {award.id: award for award in deps.store.get_many(Award, ids)}
    return Listing([found[i] for i in ids if i in found], shown[-1] if len(members) > page.limit else None)


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
                    emails.render(
                        "bids_rejected_all",
                        to=(),
                        solicitation=_solicitation_facts(sol),
                        reason=ended.rejected_all_reason,
                        link=deps.portal.page("solicitations", sol.id),
                    ),
                ),
            ],
        )
        return sol, ended

    sol, ended = retry_on_conflict(decide)
    if sol.award_token:
        deps.workflows.resume(sol.award_token, {"status": "rejected"})
    return ended


def public_awards(deps: Deps, solicitation_id: str) -> tuple[Solicitation, list[Award]]:
    """The notices of award of an invitation once it is awarded: the tabulation is public from the opening (R-5n), so
    who was awarded what, at which prices, is public from the award (the board's award notices)."""
    sol = public_solicitation(deps, solicitation_id)
    if sol.status is not SolicitationStatus.AWARDED:
        raise NotFound(f"Solicitation {sol.id} is {sol.status.value}; its award is public once it is made.")
    return sol, [deps.load(Award, award_id) for award_id in sol.award_ids]


def get_award(deps: Deps, actor: Actor, award_id: str) -> Award:
    """Purchasing, the agency and the ranked bidders may read an award."""
    award = deps.store.get(Award, award_id)
    if award is None or not (
        actor.role is Role.PURCHASING
        or (actor.role is Role.AGENCY and actor.org == award.agency)
        or (actor.role is Role.VENDOR and any(c.vendor_org == actor.org for c in award.candidates))
    ):
        raise NotFound(f"No award {award_id} visible to the caller.")
    return award


def get_contract(deps: Deps, actor: Actor, contract_id: str) -> Contract:
    contract = deps.store.get(Contract, contract_id)
    if contract is None or not (
        actor.role is Role.PURCHASING
        or (actor.role is Role.AGENCY and actor.org == contract.agency)
        or (actor.role is Role.VENDOR and actor.org == contract.contractor_org)
    ):
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
        contract_id = deps.ids.new("CT")
        accepted = rules.accept(award, vendor.id, now, contract_id)
        share = next(
            s
            for s in accepted.shares
            if s.status is ShareStatus.CONTRACTED and award.share(s.number).status is ShareStatus.CONDITIONAL
        )
        contract = _contract(deps, accepted, share, contract_id, now)
        (accepted, _) = deps.commit(
            actor,
            now,
            [
                Change(action="award.accepted", after=accepted, before=award),
                Change(action="contract.created", after=contract),
                *_contract_formed_emails(deps, accepted, share, contract, load(deps, award.solicitation_id)),
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
        changes: list[Write] = [Change(action="award.refused", after=refused, before=award)]
        if share.contract_id:
            contract = deps.load(Contract, share.contract_id)
            changes.append(
                Change(
                    action="contract.refused",
                    after=contract_rules.mark_refused(contract, reason, now),
                    before=contract,
                )
            )
        changes.append(
            _purchasing_alert(
                deps,
                award,
                share,
                "refused",
                "award_refused",
                reason=share.refusal_reason,
                contract_id=share.contract_id,
                solicitation=_solicitation_facts(load(deps, award.solicitation_id)),
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
        changes: list[Write] = [Change(action="award.passed_on", after=moved, before=award), *awarded_vendors(moved, new)]
        for share in passed:
            if award.share(share.number).status is ShareStatus.REFUSED and share.contract_id:
                contract = deps.load(Contract, share.contract_id)
                reason = "refused within 10 days of the notice; awarded to the next ranked bidder"
                cancelled = contract_rules.cancel(contract, CancellationGround.REFUSED, reason, now)
                changes += [
                    Change(action="contract.cancelled", after=cancelled, before=contract),
                    _contract_cancelled_for_agency(deps, cancelled),
                ]
        following = [s.candidate.bidder_name for s in new]
        changes += [
            Send(
                f"award:{award.id}:{share.number}:passed-on",
                emails.render(
                    "award_passed_on",
                    to=(share.candidate.bidder_email,),
                    bidder=share.candidate.bidder_name,
                    award_id=award.id,
                    scope=award.scope,
                    solicitation=_solicitation_facts(sol),
                    following=following,
                    link=deps.portal.page("awards", award.id),
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
                *_surety_received_emails(deps, furnished, share),
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
        changes: list[Write] = [Change(action="contract.cancelled", after=ended, before=contract)]
        if award is not None:
            changes.append(
                Change(
                    action="award.contract_cancelled",
                    after=rules.cancelled(award, contract.id, reason.strip(), now),
                    before=award,
                )
            )
        changes += [
            Send(
                f"contract:{contract.id}:cancelled",
                emails.render(
                    "contract_cancelled",
                    to=(contract.contractor_email,),
                    contractor=contract.contractor_name,
                    contract_id=contract.id,
                    ground=ground.value,
                    reason=ended.cancellation_reason,
                    link=deps.portal.page("contracts", contract.id),
                ),
            ),
            _contract_cancelled_for_agency(deps, ended),
        ]
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
            changes.append(
                Send(
                    f"award:{award.id}:correction:{fix.number}",
                    emails.render(
                        "award_corrected",
                        to=(share.candidate.bidder_email,),
                        bidder=share.candidate.bidder_name,
                        award_id=award.id,
                        scope=award.scope,
                        field=fix.field.value,
                        line=fix.line_id and _line_facts(sol, fix.line_id),
                        before=fix.before,
                        after=fix.after,
                        reason=fix.reason,
                        amount=rules.share_amount(corrected, share),
                        link=deps.portal.page("awards", award.id),
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
        changes: list[Write] = [
            Change(action="award.contracted" if contract_id else "award.noticed", after=noticed, before=award)
        ]
        changes.append(Send(f"award:{award.id}:{number}:notice", _notice_email(deps, noticed, share, sol)))
        if contract_id:
            contract = _contract(deps, noticed, share, contract_id, now)
            changes += [
                Change(action="contract.created", after=contract),
                _contract_formed_for_state(deps, noticed, share, contract, sol),
            ]
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
                _purchasing_alert(deps, moved, share, "lapsed", "award_lapsed", respond_by=share.respond_by),
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
                    "surety_missing",
                    surety=_surety_facts(moved, share),
                    contract_id=share.contract_id,
                    contract_link=deps.portal.page("contracts", share.contract_id or ""),
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


def _contract(deps: Deps, award: Award, share: Share, contract_id: str, now) -> Contract:
    sol = load(deps, award.solicitation_id)
    bid = deps.load(Bid, share.candidate.bid_id)
    return rules.contract_for(award, share, sol, bid.opened_content, contract_id, now)


def _solicitation_facts(sol: Solicitation) -> dict:
    return {"id": sol.id, "title": sol.title}


def _line_facts(sol: Solicitation, line_id: str) -> dict:
    line = sol.line(line_id)
    assert line is not None  # an awarded line is a line of the invitation
    return {"line": line.id, "description": line.description, "unit": line.unit}


def _awarded_lines(award: Award, share: Share, sol: Solicitation) -> list[dict]:
    """The share's lines as awarded, priced (as corrected, R-8g)."""
    return [
        {**_line_facts(sol, lid), "quantity": q, "unit_price": p, "total": q * p}
        for lid, (q, p) in rules.awarded_lines(award, share).items()
    ]


def _surety_facts(award: Award, share: Share) -> dict | None:
    """The performance surety requested with the contract (R-9h), while it is still to be furnished."""
    if not share.surety_missing:
        return None
    return {"amount": rules.surety_amount(award, share), "percent": award.surety_percent, "due": share.surety_due}


def _notice_email(deps: Deps, award: Award, share: Share, sol: Solicitation) -> Email:
    """R-9g: the notice of award; R-8c: after the award period, conditional on the bidder's acceptance."""
    c = share.candidate
    conditional = share.status is ShareStatus.CONDITIONAL
    return emails.render(
        "award_notice",
        to=(c.bidder_email,),
        bidder=c.bidder_name,
        bid_id=c.bid_id,
        award_id=award.id,
        solicitation=_solicitation_facts(sol),
        scope=award.scope,
        lines=_awarded_lines(award, share, sol),
        amount=rules.share_amount(award, share),
        responsibility=share.responsibility,
        conditional=conditional,
        respond_by=share.respond_by,
        contract_id=share.contract_id,
        surety=({"percent": award.surety_percent} if award.surety_percent else None)
        if conditional
        else _surety_facts(award, share),
        link=deps.portal.page("awards", award.id),
    )


def _contract_formed_emails(deps: Deps, award: Award, share: Share, contract: Contract, sol: Solicitation) -> list[Send]:
    """R-8c, R-9a: the contractor's acceptance of a conditional award forms the contract: the contractor, the agency
    and purchasing are told."""
    formed = Send(
        f"award:{award.id}:{share.number}:contract",
        emails.render(
            "contract_formed",
            to=(contract.contractor_email,),
            contractor=contract.contractor_name,
            contract_id=contract.id,
            award_id=award.id,
            solicitation=_solicitation_facts(sol),
            lines=contract_lines(contract),
            total=contract.total,
            surety=_surety_facts(award, share),
            link=deps.portal.page("contracts", contract.id),
        ),
    )
    return [formed, _contract_formed_for_state(deps, award, share, contract, sol)]


def _contract_formed_for_state(deps: Deps, award: Award, share: Share, contract: Contract, sol: Solicitation) -> Send:
    """The agency may order against a new contract (R-9k); purchasing receives the surety it requested (R-9h)."""
    return Send(
        f"award:{award.id}:{share.number}:contract:state",
        emails.render(
            "contract_formed_state",
            to=(deps.mailboxes.agency(contract.agency), deps.mailboxes.purchasing),
            agency=contract.agency,
            contractor=contract.contractor_name,
            contract_id=contract.id,
            award_id=award.id,
            solicitation=_solicitation_facts(sol),
            lines=contract_lines(contract),
            total=contract.total,
            surety=_surety_facts(award, share),
            link=deps.portal.page("contracts", contract.id),
        ),
    )


def _surety_received_emails(deps: Deps, award: Award, share: Share) -> list[Send]:
    """R-9h: the contractor's receipt, and purchasing, who checks the instrument and keeps it with the contract."""
    assert share.surety is not None and share.contract_id is not None
    facts = {
        "contractor": share.candidate.bidder_name,
        "contract_id": share.contract_id,
        "form": share.surety.form,
        "reference": share.surety.reference,
        "amount": share.surety.amount,
        "required": rules.surety_amount(award, share),
        "link": deps.portal.page("contracts", share.contract_id),
    }
    return [
        Send(
            f"award:{award.id}:{share.number}:surety-received",
            emails.render("surety_received", to=(share.candidate.bidder_email,), **facts),
        ),
        Send(
            f"award:{award.id}:{share.number}:surety-received:purchasing",
            emails.render("surety_received_purchasing", to=(deps.mailboxes.purchasing,), **facts),
        ),
    ]


def _contract_cancelled_for_agency(deps: Deps, contract: Contract) -> Send:
    """The agency orders nothing more against a cancelled contract (R-9h)."""
    return Send(
        f"contract:{contract.id}:cancelled:agency",
        emails.render(
            "contract_cancelled_agency",
            to=(deps.mailboxes.agency(contract.agency),),
            agency=contract.agency,
            contractor=contract.contractor_name,
            contract_id=contract.id,
            ground=contract.cancellation_ground.value if contract.cancellation_ground else "",
            reason=contract.cancellation_reason,
            link=deps.portal.page("contracts", contract.id),
        ),
    )


def _purchasing_alert(deps: Deps, award: Award, share: Share, what: str, template: str, **facts) -> Send:
    """Purchasing decides what happens to a share (R-8c, R-9g, R-9h): the award's facts and a link to decide."""
    return Send(
        f"award:{award.id}:{share.number}:purchasing:{what}",
        emails.render(
            template,
            to=(deps.mailboxes.purchasing,),
            bidder=share.candidate.bidder_name,
            award_id=award.id,
            share=share.number,
            scope=award.scope,
            link=deps.portal.page("awards", award.id),
            **facts,
        ),
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
