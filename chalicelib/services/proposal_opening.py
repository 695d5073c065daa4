"""The opening of sealed proposals (R-16c) and of each round's best and final offers (R-17c): two distinct purchasing
officials confirm it, the second confirmation starts the `rfp-opening` workflow, and its task decrypts each sealed
proposal with the sealed bids' machinery (services/sealed.py) and checks it against its receipt. That task is the only
code whose role may decrypt (infra/build.py DECRYPTING_FUNCTIONS): the API confirms, it never opens.

Here too the `proposals-of#` collection, which the submission writes and the opening reads strongly consistently. A
module apart from services/proposals.py (submission, withdrawal, the register) so that the opening's Lambda loads
neither the discussions' rules nor the negotiations' disclosure decisions."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator

from chalicelib.domain import commitment
from chalicelib.domain import proposals as rules
from chalicelib.domain import rfps as rfp_rules
from chalicelib.domain.proposals import Proposal, ProposalStatus
from chalicelib.domain.rfps import Rfp, RfpStatus
from chalicelib.services.ports import Actor, Change, Deps, Role, require_role, retry_on_conflict
from chalicelib.services.rfps import load
from chalicelib.services.sealed import SealBroken, SealedKind, Sealer, open_sealed

OPENING = "rfp-opening"  # the state machine whose one task opens the proposals


def confirm_opening(deps: Deps, actor: Actor, rfp_id: str) -> Rfp:
    """R-16c: a purchasing official confirms the opening (audited); the second distinct official's confirmation starts
    the opening task. The execution's name is the request's, so a call after a lost start starts it again, never twice."""
    require_role(actor, Role.PURCHASING)

    def confirm() -> Rfp:
        rfp = load(deps, rfp_id)
        if rfp_rules.may_open(rfp):
            return rfp
        now = deps.clock.now()
        (confirmed,) = deps.store.commit(
            actor, now, [Change(action="rfp.opening_confirmed", after=rfp_rules.confirm_opening(rfp, actor.sub, now), before=rfp)]
        )
        return confirmed

    confirmed = retry_on_conflict(confirm)
    if rfp_rules.may_open(confirmed) and confirmed.status is RfpStatus.OPEN:
        deps.workflows.start(OPENING, f"rfp-opening-{confirmed.id}", {"rfp_id": confirmed.id})
    return confirmed


def open_proposals(deps: Deps, sealer: Sealer, execution: str, rfp_id: str, bafo_round: int = 0) -> dict:
    """The opening task, the only code that decrypts a proposal: each sealed one is opened, its commitment checked;
    withdrawn and replaced proposals stay sealed and out of the register. With `bafo_round` it opens that round's best
    and final offers at their common date and time (R-17c), and negotiation follows. The request is marked opened
    last, so a retried task opens only what is still sealed and a finished one does nothing."""
    rfp = load(deps, rfp_id)
    if bafo_round:
        return _open_offers(deps, sealer, execution, rfp, bafo_round)
    if rfp.status is not RfpStatus.OPEN or not rfp_rules.may_open(rfp):
        return {"status": rfp.status.value, "proposals": rfp.proposal_count}
    actor, now = Actor.system(execution), deps.clock.now()
    count = _open_sealed(deps, sealer, actor, now, rfp, lambda proposal: True)
    (opened,) = deps.store.commit(
        actor, now, [Change(action="rfp.proposals_opened", after=rfp_rules.mark_opened(rfp, now, count), before=rfp)]
    )
    return {"status": opened.status.value, "proposals": opened.proposal_count}


def _open_offers(deps: Deps, sealer: Sealer, execution: str, rfp: Rfp, bafo_round: int) -> dict:
    """R-17c: the round's sealed offers; a proposer who sent none keeps its live proposal as its final one."""

    def in_round(proposal: Proposal) -> bool:
        return proposal.bafo_round == bafo_round

    if rfp.status is not RfpStatus.BAFO or rfp.bafo_round != bafo_round:
        opened = [p for p in proposals_of(deps, rfp.id) if in_round(p) and p.status is ProposalStatus.OPENED]
        return {"status": rfp.status.value, "proposals": len(opened)}
    actor, now = Actor.system(execution), deps.clock.now()
    negotiating = rfp_rules.offers_opened(rfp, now)
    count = _open_sealed(deps, sealer, actor, now, rfp, in_round)
    (stored,) = deps.store.commit(actor, now, [Change(action="rfp.offers_opened", after=negotiating, before=rfp)])
    return {"status": stored.status.value, "proposals": count}


PROPOSALS = SealedKind(Proposal, ProposalStatus.SEALED, ProposalStatus.OPENED, "proposal.opened")


def _open_sealed(
    deps: Deps, sealer: Sealer, actor: Actor, now: dt.datetime, rfp: Rfp, include: Callable[[Proposal], bool]
) -> int:
    """Decrypt each sealed proposal `include` keeps and check it against its receipt, concurrently and in batched
    transactions (the bids' opening, services/bids.py); the number opened, earlier openings of a retried task included."""
    ids = deps.store.members(proposals_collection(rfp.id))
    return open_sealed(deps, actor, now, PROPOSALS, ids, lambda p: _opened_proposal(sealer, rfp, p, now), include=include).opened


def _opened_proposal(sealer: Sealer, rfp: Rfp, proposal: Proposal, now: dt.datetime) -> Proposal:
    assert proposal.sealed is not None  # a sealed proposal keeps its envelope until it is opened
    document, salt = commitment.open_envelope(sealer.open(proposal.sealed, rfp.id, proposal.id))
    if not commitment.verifies(document, salt.hex(), proposal.commitment):
        raise SealBroken(f"Proposal {proposal.id} does not match the commitment on its receipt.", rule="R-16c")
    return rules.opened(proposal, rules.content_of(document), salt.hex(), now)


def proposals_collection(rfp_id: str) -> str:
    return f"proposals-of#{rfp_id}"


def proposals_of(deps: Deps, rfp_id: str) -> Iterator[Proposal]:
    """Every proposal of a request in id order, from its collection with strongly consistent reads."""
    return deps.members_of(Proposal, proposals_collection(rfp_id))
