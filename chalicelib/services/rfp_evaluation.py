"""The evaluation of opened proposals (R-16a, R-16c, R-16g, R-18a/b, R-18c): purchasing names the panel; each
evaluator declares its conflicts of interest before any proposal content is shown to it; the evaluators without a
conflict score every opened proposal on the stated factors; purchasing records the consensus beside their sheets,
classifies each proposer and selects the shortlist in ranking order, which starts the discussions.

Proposal content reaches purchasing and cleared evaluators only: a vendor is refused every route here (its receipts
are its view). An evaluator is identified by its token `sub`, whatever its State role (agency or purchasing), so a
purchasing official named to the panel is bound by its declaration like any other evaluator."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator, Sequence

from chalicelib import emails
from chalicelib.domain import rfp_evaluation as rules
from chalicelib.domain import rfps as rfp_rules
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.proposals import Proposal, ProposalStatus
from chalicelib.domain.rfp_evaluation import Classification, Consensus, Evaluator, FactorScore, ScoreSheet
from chalicelib.domain.rfps import Rfp, RfpStatus
from chalicelib.services.ports import (
    Actor,
    Change,
    Deps,
    Listing,
    Member,
    PageRequest,
    Role,
    Send,
    T,
    Unchanged,
    Write,
    entity_ref,
    require_role,
    retry_on_conflict,
)
from chalicelib.services.proposal_opening import proposals_collection, proposals_of
from chalicelib.services.proposals import proposal_of
from chalicelib.services.rfps import load, rfp_named

OFFICIALS = (Role.AGENCY, Role.PURCHASING)  # State officials: the only roles an evaluator may hold
EVALUATION = (RfpStatus.OPENED,)  # the stage of every write here
# the opened proposals stay readable to the panel and purchasing through the later stages
AFTER_OPENING = (
    RfpStatus.OPENED,
    RfpStatus.DISCUSSIONS,
    RfpStatus.BAFO,
    RfpStatus.NEGOTIATION,
    RfpStatus.AWARDED,
    RfpStatus.UNAWARDED,
)


# -- the panel and the declarations ----------------------------------------------------------------------------


def name_evaluator(deps: Deps, actor: Actor, rfp_id: str, official: str, name: str, email: str) -> Evaluator:
    """Purchasing names a State official (its token `sub`) while the proposals are evaluated; audited."""
    require_role(actor, Role.PURCHASING)

    def name_one() -> Evaluator:
        rfp = load(deps, rfp_id)
        rfp_rules.require_status(rfp, EVALUATION, "naming an evaluator", "R-16a")
        now = deps.clock.now()
        evaluator = rules.new_evaluator(rfp.id, official, name, email, actor.sub, now)
        if deps.store.get(Evaluator, evaluator.id) is not None:
            raise Conflict(f"{evaluator.official} is on the panel of {rfp.id} already.", rule="R-16a")
        changes: list[Write] = [
            Change(action="rfp.evaluator_named", after=evaluator),
            Member(rules.evaluators_collection(rfp.id), evaluator.id),
            Unchanged(rfp),
        ]
        (named,) = deps.store.commit(actor, now, changes)
        return named

    return retry_on_conflict(name_one)


def panel(deps: Deps, actor: Actor, rfp_id: str, page: PageRequest) -> Listing[Evaluator]:
    """The panel with each declaration, for purchasing and the panel's own members."""
    rfp = load(deps, rfp_id)
    if _evaluator(deps, actor, rfp) is None:
        require_role(actor, Role.PURCHASING)
    return _page(deps.members_of(Evaluator, rules.evaluators_collection(rfp.id), after=page.after), page, lambda e: True)


def declare(deps: Deps, actor: Actor, rfp_id: str, conflict: bool, statement: str) -> Evaluator:
    """The named evaluator's declaration, once; a conflict recuses it and purchasing is emailed in the same commit."""

    def file() -> Evaluator:
        rfp = load(deps, rfp_id)
        evaluator = _named(deps, actor, rfp)
        rfp_rules.require_status(rfp, EVALUATION, "a conflict-of-interest declaration", "R-16c")
        now = deps.clock.now()
        declared = rules.declare(evaluator, conflict, statement, now)
        changes: list[Write] = [Change(action="rfp.evaluator_declared", after=declared, before=evaluator), Unchanged(rfp)]
        if declared.recused:
            changes.append(_conflict_alert(deps, rfp, declared))
        (stored,) = deps.commit(actor, now, changes)
        return stored

    return retry_on_conflict(file)


def _conflict_alert(deps: Deps, rfp: Rfp, evaluator: Evaluator) -> Send:
    assert evaluator.declaration is not None  # a recused evaluator has declared
    return Send(
        f"rfp:{rfp.id}:evaluator:{evaluator.official}:conflict",
        emails.render(
            "rfp_evaluator_conflict",
            to=(deps.mailboxes.purchasing,),
            rfp=rfp_named(rfp),
            evaluator={"name": evaluator.name, "official": evaluator.official},
            statement=evaluator.declaration.statement,
            link=deps.portal.page("rfps", rfp.id, "evaluators"),
        ),
    )


def _evaluator(deps: Deps, actor: Actor, rfp: Rfp) -> Evaluator | None:
    """The caller's place on the panel: a State official whose token `sub` purchasing named; None otherwise."""
    if actor.role not in OFFICIALS:
        raise Forbidden(f"Only State officials take part in the evaluation; the caller is {actor.role.value}.", rule="R-16c")
    return deps.store.get(Evaluator, rules.evaluator_id(rfp.id, actor.sub))


def _named(deps: Deps, actor: Actor, rfp: Rfp) -> Evaluator:
    evaluator = _evaluator(deps, actor, rfp)
    if evaluator is None:
        raise Forbidden(f"{actor.sub} is not on the evaluation panel of {rfp.id}.", rule="R-16c")
    return evaluator


def _cleared(deps: Deps, actor: Actor, rfp: Rfp) -> Evaluator:
    """A named evaluator who declared no conflict (R-16c)."""
    evaluator = _named(deps, actor, rfp)
    rules.require_cleared(evaluator)
    return evaluator


def _require_reader(deps: Deps, actor: Actor, rfp: Rfp) -> Evaluator | None:
    """Proposal content: a named evaluator once it declared no conflict, else purchasing; the caller's panel seat."""
    evaluator = _evaluator(deps, actor, rfp)
    if evaluator is None:
        require_role(actor, Role.PURCHASING)
    else:
        rules.require_cleared(evaluator)
    rfp_rules.require_status(rfp, AFTER_OPENING, "reading the proposals", "R-16c")
    return evaluator


# -- the opened proposals ----------------------------------------------------------------------------------------


def opened_proposals(deps: Deps, actor: Actor, rfp_id: str, page: PageRequest) -> Listing[Proposal]:
    """The opened proposals' content in id order; each reading is in the proposal's audit trail."""
    rfp = load(deps, rfp_id)
    _require_reader(deps, actor, rfp)
    found = _page(deps.members_of(Proposal, proposals_collection(rfp.id), after=page.after), page, _is_opened)
    deps.store.record_access(actor, deps.clock.now(), [entity_ref("proposal", p.id) for p in found.items], "proposal.read")
    return found


def opened_proposal(deps: Deps, actor: Actor, rfp_id: str, proposal_id: str) -> Proposal:
    rfp = load(deps, rfp_id)
    _require_reader(deps, actor, rfp)
    proposal = _opened(deps, rfp, proposal_id)
    deps.store.record_access(actor, deps.clock.now(), [entity_ref("proposal", proposal.id)], "proposal.read")
    return proposal


def _is_opened(proposal: Proposal) -> bool:
    return proposal.status is ProposalStatus.OPENED


def _opened(deps: Deps, rfp: Rfp, proposal_id: str) -> Proposal:
    proposal = proposal_of(deps, rfp.id, proposal_id)
    if not _is_opened(proposal):
        raise NotFound(f"Proposal {proposal_id} is {proposal.status.value}: only opened proposals are evaluated.")
    return proposal


def _opened_ids(deps: Deps, rfp: Rfp) -> dict[str, str]:
    """Each opened proposal's id and its proposer's vendor id."""
    return {p.id: p.vendor_id for p in proposals_of(deps, rfp.id) if _is_opened(p)}


# -- score sheets ------------------------------------------------------------------------------------------------


def submit_scores(deps: Deps, actor: Actor, rfp_id: str, proposal_id: str, scores: Sequence[FactorScore]) -> ScoreSheet:
    """A cleared evaluator's sheet of one opened proposal; its later sheet replaces it until the consensus is recorded."""

    def submit() -> ScoreSheet:
        rfp = load(deps, rfp_id)
        evaluator = _cleared(deps, actor, rfp)
        rfp_rules.require_status(rfp, EVALUATION, "scoring", "R-16a")
        proposal = _opened(deps, rfp, proposal_id)
        checked = rules.check_scores(rfp.evaluation_factors, scores)
        if deps.store.get(Consensus, rules.consensus_id(rfp.id, proposal.vendor_id)) is not None:
            raise Conflict(f"The consensus of proposal {proposal.id} is recorded; its sheets no longer change.", rule="R-16a")
        now = deps.clock.now()
        sheet_id = rules.sheet_id(rfp.id, proposal.id, evaluator.official)
        before = deps.store.get(ScoreSheet, sheet_id)
        sheet = ScoreSheet(sheet_id, rfp.id, proposal.id, proposal.vendor_id, evaluator.official, checked, now)
        changes: list[Write] = [
            Change(
                action="rfp.scores_replaced" if before else "rfp.scores_submitted",
                after=sheet if before is None else dataclasses.replace(sheet, version=before.version),
                before=before,
            ),
            Member(rules.sheets_collection(rfp.id), sheet.id),
            Unchanged(rfp),
        ]
        (stored,) = deps.store.commit(actor, now, changes)
        return stored

    return retry_on_conflict(submit)


def score_sheets(deps: Deps, actor: Actor, rfp_id: str, page: PageRequest) -> Listing[ScoreSheet]:
    """Purchasing sees every sheet; an evaluator its own until every non-recused evaluator has scored every opened
    proposal, then all of them, so that no evaluator's scores lean on another's."""
    rfp = load(deps, rfp_id)
    evaluator = _require_reader(deps, actor, rfp)
    sheets = _sheets(deps, rfp)
    evaluators = list(deps.members_of(Evaluator, rules.evaluators_collection(rfp.id)))
    if evaluator is None or rules.all_submitted(evaluators, sheets, _opened_ids(deps, rfp)):
        return _page(iter(s for s in sheets if s.id > page.after), page, lambda s: True)
    return _page(iter(s for s in sheets if s.id > page.after), page, lambda s: s.evaluator == evaluator.official)


def _sheets(deps: Deps, rfp: Rfp) -> list[ScoreSheet]:
    return list(deps.members_of(ScoreSheet, rules.sheets_collection(rfp.id)))


# -- the consensus, the classification and the ranking --------------------------------------------------------------


def record_consensus(
    deps: Deps, actor: Actor, rfp_id: str, proposal_id: str, scores: Sequence[FactorScore], rationale: str
) -> Consensus:
    """Once every non-recused evaluator scored the proposal (409 before); the sheets it rests on stay beside it, and
    the commit holds only if none of them changed meanwhile."""
    require_role(actor, Role.PURCHASING)

    def record() -> Consensus:
        rfp = load(deps, rfp_id)
        rfp_rules.require_status(rfp, EVALUATION, "recording a consensus", "R-16a")
        proposal = _opened(deps, rfp, proposal_id)
        now = deps.clock.now()
        consensus = rules.new_consensus(
            rfp_id=rfp.id,
            proposal_id=proposal.id,
            vendor_id=proposal.vendor_id,
            proposer_name=proposal.proposer_name,
            received_at=proposal.received_at,
            factors=rfp.evaluation_factors,
            scores=scores,
            rationale=rationale,
            recorded_by=actor.sub,
            now=now,
        )
        if deps.store.get(Consensus, consensus.id) is not None:
            raise Conflict(f"The consensus of proposal {proposal.id} is recorded already.", rule="R-16a")
        sheets = [s for s in _sheets(deps, rfp) if s.proposal_id == proposal.id]
        rules.require_every_sheet(list(deps.members_of(Evaluator, rules.evaluators_collection(rfp.id))), sheets, proposal.id)
        changes: list[Write] = [
            Change(action="rfp.consensus_recorded", after=consensus),
            Member(rules.consensus_collection(rfp.id), consensus.id),
            Unchanged(rfp),
            *(Unchanged(s) for s in sheets),
        ]
        (stored,) = deps.store.commit(actor, now, changes)
        return stored

    return retry_on_conflict(record)


def classify(deps: Deps, actor: Actor, rfp_id: str, proposal_id: str, classification: Classification, reason: str) -> Consensus:
    """R-18c on the proposer's consensus record; it may change until the shortlist (each change audited). Becoming
    unacceptable emails the proposer in the same commit, about its own proposal only."""
    require_role(actor, Role.PURCHASING)

    def decide() -> Consensus:
        rfp = load(deps, rfp_id)
        rfp_rules.require_status(rfp, EVALUATION, "classifying a proposal", "R-18c")
        proposal = _opened(deps, rfp, proposal_id)
        before = deps.store.get(Consensus, rules.consensus_id(rfp.id, proposal.vendor_id))
        if before is None:
            raise Conflict(
                f"Proposal {proposal.id} is classified once its consensus is recorded.",
                rule="R-18c",
                details=[{"field": "proposal_id", "problem": "has no consensus yet"}],
            )
        after = rules.classify(before, classification, reason)
        changes: list[Write] = [Change(action="rfp.proposal_classified", after=after, before=before), Unchanged(rfp)]
        if rules.became_unacceptable(before, after):
            changes.append(_unacceptable_notice(deps, rfp, proposal, after))
        (stored,) = deps.commit(actor, deps.clock.now(), changes)
        return stored

    return retry_on_conflict(decide)


def _unacceptable_notice(deps: Deps, rfp: Rfp, proposal: Proposal, consensus: Consensus) -> Send:
    """Keyed by the record's version: a proposer classified unacceptable again after a change is told again."""
    return Send(
        f"rfp:{rfp.id}:unacceptable:{proposal.vendor_id}:{consensus.version + 1}",
        emails.render(
            "rfp_unacceptable",
            to=(proposal.proposer_email,),
            rfp=rfp_named(rfp),
            proposer=proposal.proposer_name,
            proposal_id=proposal.id,
            reason=consensus.classification_reason,
            link=deps.portal.page("rfps", rfp.id),
        ),
    )


def ranking(deps: Deps, actor: Actor, rfp_id: str) -> list[Consensus]:
    """R-16g: the proposers by consensus total, best first (ties: the earlier receipt), with their classification."""
    require_role(actor, Role.PURCHASING)
    rfp = load(deps, rfp_id)
    rfp_rules.require_status(rfp, AFTER_OPENING, "the ranking", "R-16g")
    return rules.ranking(_consensus(deps, rfp))


def _consensus(deps: Deps, rfp: Rfp) -> list[Consensus]:
    return list(deps.members_of(Consensus, rules.consensus_collection(rfp.id)))


# -- the shortlist -------------------------------------------------------------------------------------------------


def select_shortlist(
    deps: Deps,
    actor: Actor,
    rfp_id: str,
    *,
    vendor_ids: Sequence[str] | None = None,
    proposal_ids: Sequence[str] | None = None,
    determination: str | None = None,
) -> Rfp:
    """R-16g: the top of the ranking among the acceptable and potentially acceptable, in order, at least three (or
    all of them when fewer qualify), shorter only with a written determination. The request moves to discussions;
    each shortlisted proposer is invited, and each other proposer not already told it is unacceptable is told it was
    not selected, each about its own proposal only."""
    require_role(actor, Role.PURCHASING)

    def select() -> Rfp:
        rfp = load(deps, rfp_id)
        rfp_rules.require_status(rfp, EVALUATION, "selecting the shortlist", "R-16g")
        opened = _opened_ids(deps, rfp)
        field, chosen = _chosen_vendors(vendor_ids, proposal_ids, opened)
        records = _consensus(deps, rfp)
        shortlist = rules.check_shortlist(records, opened, chosen, field, determination)
        now = deps.clock.now()
        selected = rfp_rules.shortlisted(rfp, shortlist, determination, now)
        proposals = {p.vendor_id: p for p in (deps.load(Proposal, c.proposal_id) for c in records)}
        notices = [_shortlist_notice(deps, selected, proposals[c.vendor_id], c) for c in records]
        changes: list[Write] = [
            Change(action="rfp.shortlist_selected", after=selected, before=rfp),
            *(Unchanged(c) for c in records),
            *(n for n in notices if n is not None),
        ]
        (stored,) = deps.commit(actor, now, changes)
        return stored

    return retry_on_conflict(select)


def _chosen_vendors(
    vendor_ids: Sequence[str] | None, proposal_ids: Sequence[str] | None, opened: dict[str, str]
) -> tuple[str, list[str]]:
    """The shortlist as vendor ids, from whichever of the two lists was sent (exactly one)."""
    if (vendor_ids is None) == (proposal_ids is None):
        raise ValidationFailed(
            "The shortlist names its proposers by vendor_ids or by proposal_ids.",
            rule="R-16g",
            details=[{"field": "vendor_ids", "problem": "send vendor_ids or proposal_ids, exactly one of them"}],
        )
    if vendor_ids is not None:
        return "vendor_ids", list(vendor_ids)
    assert proposal_ids is not None
    return "proposal_ids", [opened.get(p, f"proposal:{p}") for p in proposal_ids]


def _shortlist_notice(deps: Deps, rfp: Rfp, proposal: Proposal, consensus: Consensus) -> Send | None:
    """The shortlisted are invited to discussions; the others told they were not selected, unless told already that
    their proposal is unacceptable (R-18c)."""
    if proposal.vendor_id in rfp.shortlist:
        template = "rfp_shortlisted"
    elif consensus.classification is Classification.UNACCEPTABLE:
        return None
    else:
        template = "rfp_not_shortlisted"
    return Send(
        f"rfp:{rfp.id}:shortlist:{proposal.vendor_id}",
        emails.render(
            template,
            to=(proposal.proposer_email,),
            rfp=rfp_named(rfp),
            proposer=proposal.proposer_name,
            proposal_id=proposal.id,
            link=deps.portal.page("rfps", rfp.id),
        ),
    )


# -- pages -----------------------------------------------------------------------------------------------------------


def _page(items: Iterator[T], page: PageRequest, keep: Callable[[T], bool]) -> Listing[T]:
    """A page of a collection read in id order: the first `limit` items kept, `next` the last one's id when more
    follow."""
    shown: list[T] = []
    for item in items:
        if not keep(item):
            continue
        if len(shown) == page.limit:
            return Listing(shown, shown[-1].id)  # type: ignore[attr-defined]
        shown.append(item)
    return Listing(shown)
