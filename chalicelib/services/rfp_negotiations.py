"""Negotiation and award of a request for proposals (R-16d, R-16h-l, R-16m-o): confidentiality decisions before a
proposer's negotiation, negotiations in shortlist order, the written notice of a terminated one with its timer
(`rfp-negotiation-notice`; the notice itself and the timer's task are services/rfp_negotiation_notice.py), additional
proposers or resolicitation (R-16n), and the agreement that awards the contract, writes the notice of award and the
memorandum (R-16j, R-16m, R-16o).

Every email to a proposer is built from that proposer's own records only (R-17b) until the award makes its notice
public: then each other shortlisted proposer is told who was awarded and at what price (R-16m)."""

from __future__ import annotations

from collections.abc import Sequence

from chalicelib import emails
from chalicelib.domain import calendar
from chalicelib.domain import rfp_negotiations as rules
from chalicelib.domain import rfps as rfp_rules
from chalicelib.domain.contracts import Contract, contract_lines
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.proposals import Proposal, ProposalStatus
from chalicelib.domain.rfp_evaluation import Consensus, consensus_collection
from chalicelib.domain.rfp_negotiation_notice import Negotiation, NegotiationStatus
from chalicelib.domain.rfp_negotiations import Agreement, AwardMemorandum, Disclosure, DisclosureDecision, MemorandumRecord
from chalicelib.domain.rfps import Rfp, RfpStatus
from chalicelib.domain.vendors import Vendor
from chalicelib.services.contract_terms import start_term_timer
from chalicelib.services.ports import (
    Actor,
    Change,
    Deps,
    Role,
    Send,
    Unchanged,
    Write,
    require_role,
    retry_on_conflict,
)
from chalicelib.services.proposals import live_proposal_of, proposal_of
from chalicelib.services.rfp_negotiation_notice import negotiation_email, send_written_notice
from chalicelib.services.rfps import load, rfp_named

NOTICE = "rfp-negotiation-notice"  # the state machine that sends a terminated negotiation's written notice in time


def notice_execution(rfp_id: str, number: int) -> str:
    return f"rfp-notice-{rfp_id}-{number}"


# -- R-16d: confidentiality decisions -------------------------------------------------------------------------------
def decide_confidentiality(
    deps: Deps, actor: Actor, rfp_id: str, proposal_id: str, decisions: Sequence[DisclosureDecision]
) -> Disclosure:
    """R-16d: every request of the proposer's live proposal decided at once, until its negotiation opens; the proposer
    is told in writing what will be disclosed and that, unless it withdraws the proposal, it will be so disclosed."""
    require_role(actor, Role.PURCHASING)

    def decide() -> Disclosure:
        rfp = load(deps, rfp_id)
        proposal = proposal_of(deps, rfp.id, proposal_id)
        live = live_proposal_of(deps, proposal.vendor_id, rfp.id)
        if proposal.status is not ProposalStatus.OPENED or live is None or live.id != proposal.id:
            raise NotFound(f"No opened, live proposal {proposal_id} in request for proposals {rfp.id}.")
        earlier = deps.store.get(Disclosure, proposal.id)
        now = deps.clock.now()
        decided = rules.decide_disclosure(
            rfp, proposal, decisions, (n.vendor_id for n in negotiations_of(deps, rfp)), earlier, now, actor.sub
        )
        (stored,) = deps.commit(
            actor,
            now,
            [
                Change(action="rfp.confidentiality_decided", after=decided, before=earlier),
                Unchanged(rfp),  # a negotiation opening meanwhile changes the request: then this decision is too late
                Send(f"{proposal.id}:disclosure:{decided.round}", _disclosure_email(deps, rfp, proposal, decided)),
            ],
        )
        return stored

    return retry_on_conflict(decide)


# -- R-16h-l: negotiations -----------------------------------------------------------------------------------------
def negotiations_of(deps: Deps, rfp: Rfp) -> list[Negotiation]:
    """The request's negotiations in their order, 1 to `negotiation_number` (ids `<rfp>#<n>`)."""
    return [deps.load(Negotiation, rules.negotiation_id(rfp.id, n)) for n in range(1, rfp.negotiation_number + 1)]


def list_negotiations(deps: Deps, actor: Actor, rfp_id: str) -> tuple[Rfp, list[Negotiation]]:
    require_role(actor, Role.PURCHASING)
    rfp = load(deps, rfp_id)
    return rfp, negotiations_of(deps, rfp)


def get_negotiation(deps: Deps, rfp: Rfp, number: int) -> Negotiation:
    negotiation = deps.store.get(Negotiation, rules.negotiation_id(rfp.id, number))
    if negotiation is None:
        raise NotFound(f"No negotiation {number} in request for proposals {rfp.id}.")
    return negotiation


def _live_proposals(deps: Deps, rfp: Rfp) -> dict[str, Proposal]:
    """The shortlisted proposers' live proposals, by vendor id (a withdrawn proposer has none)."""
    found = {vendor_id: live_proposal_of(deps, vendor_id, rfp.id) for vendor_id in rfp.shortlist}
    return {vendor_id: p for vendor_id, p in found.items() if p is not None}


def _next_proposer(deps: Deps, rfp: Rfp, negotiations: list[Negotiation]) -> str | None:
    return rules.next_proposer(rfp.shortlist, (n.vendor_id for n in negotiations), _live_proposals(deps, rfp))


def open_negotiation(deps: Deps, actor: Actor, rfp_id: str) -> Negotiation:
    """R-16h, R-16l: with the best ranked shortlisted proposer not yet negotiated with that has a live proposal, once
    the negotiation before has ended and its written notice was sent; its confidentiality requests decided (R-16d)."""
    require_role(actor, Role.PURCHASING)

    def begin() -> Negotiation:
        rfp = load(deps, rfp_id)
        negotiations = negotiations_of(deps, rfp)
        rules.require_next_may_open(rfp, negotiations[-1] if negotiations else None)
        vendor_id = _next_proposer(deps, rfp, negotiations)
        if vendor_id is None:
            raise Conflict(
                f"Every shortlisted proposer of {rfp.id} has been negotiated with; add proposers or resolicit.",
                rule="R-16m-o",
                details=[{"field": "shortlist", "problem": "exhausted"}],
            )
        proposal = _live_proposals(deps, rfp)[vendor_id]
        rules.require_decided(proposal, deps.store.get(Disclosure, proposal.id))
        now = deps.clock.now()
        advanced, negotiation = rules.open_negotiation(rfp, proposal, now, actor.sub)
        _, stored = deps.commit(
            actor,
            now,
            [
                Change(action="rfp.negotiation_opened", after=advanced, before=rfp),
                Change(action="negotiation.opened", after=negotiation),
                Send(f"{negotiation.id}:opened", negotiation_email(deps, "rfp_negotiation_opened", rfp, negotiation)),
            ],
        )
        return stored

    return retry_on_conflict(begin)


def terminate(deps: Deps, actor: Actor, rfp_id: str, number: int, reasons: str) -> Negotiation:
    """R-16k: the reasons are placed in the file, the proposer is advised at once, and the timer makes sure the
    written notice follows within the request's notice days."""
    require_role(actor, Role.PURCHASING)

    def end() -> Negotiation:
        rfp = load(deps, rfp_id)
        negotiation = get_negotiation(deps, rfp, number)
        now = deps.clock.now()
        terminated = rules.terminate(rfp, negotiation, reasons, now, actor.sub)
        (stored,) = deps.commit(
            actor,
            now,
            [
                Change(action="negotiation.terminated", after=terminated, before=negotiation),
                Unchanged(rfp),
                Send(f"{negotiation.id}:terminated", negotiation_email(deps, "rfp_negotiation_terminated", rfp, terminated)),
            ],
        )
        return stored

    terminated = retry_on_conflict(end)
    assert terminated.terminated_at is not None  # just terminated
    rfp = load(deps, rfp_id)
    timer_at = rules.notice_timer_at(terminated.terminated_at, rfp.negotiation_notice_days)
    deps.workflows.start(
        NOTICE,
        notice_execution(rfp.id, terminated.number),
        {"negotiation_id": terminated.id, "notice_at": calendar.iso_utc(timer_at)},
    )
    return terminated


def send_notice(deps: Deps, actor: Actor, rfp_id: str, number: int) -> Negotiation:
    """R-16k: purchasing sends the written notice before the timer does; it is sent once."""
    require_role(actor, Role.PURCHASING)
    rfp = load(deps, rfp_id)
    return send_written_notice(deps, actor, rfp, get_negotiation(deps, rfp, number))


# -- R-16n: additional proposers, resolicitation -------------------------------------------------------------------
def _require_exhausted(deps: Deps, rfp: Rfp, what: str) -> None:
    negotiations = negotiations_of(deps, rfp)
    rules.require_exhausted(rfp, negotiations[-1] if negotiations else None, _next_proposer(deps, rfp, negotiations), what)


def consensus_of(deps: Deps, rfp_id: str) -> list[Consensus]:
    return list(deps.members_of(Consensus, consensus_collection(rfp_id)))


def add_proposers(deps: Deps, actor: Actor, rfp_id: str, count: int) -> Rfp:
    """R-16n: the next `count` qualifying proposers in ranking order join the shortlist once it is exhausted."""
    require_role(actor, Role.PURCHASING)

    def add() -> Rfp:
        rfp = load(deps, rfp_id)
        _require_exhausted(deps, rfp, "selecting additional proposers")
        extended = rules.add_to_shortlist(rfp, rules.additions(rfp, consensus_of(deps, rfp.id), count))
        (stored,) = deps.store.commit(actor, deps.clock.now(), [Change(action="rfp.proposers_added", after=extended, before=rfp)])
        return stored

    return retry_on_conflict(add)


def resolicit(deps: Deps, actor: Actor, rfp_id: str, reason: str) -> Rfp:
    """R-16n: no shortlisted proposer agreed; the request closes unawarded and each shortlisted proposer is told."""
    require_role(actor, Role.PURCHASING)

    def close() -> Rfp:
        rfp = load(deps, rfp_id)
        _require_exhausted(deps, rfp, "resolicitation")
        now = deps.clock.now()
        closed = rfp_rules.close_unawarded(rfp, reason, now)
        told: list[Write] = [
            Send(
                f"{rfp.id}:unawarded:{vendor.id}",
                emails.render(
                    "rfp_unawarded",
                    to=(vendor.contact_email,),
                    rfp=rfp_named(rfp),
                    proposer=vendor.legal_name,
                    reason=closed.unawarded_reason,
                    link=deps.portal.page("rfps", rfp.id),
                ),
            )
            for vendor in _vendors(deps, rfp.shortlist)
        ]
        (stored, *_) = deps.commit(actor, now, [Change(action="rfp.unawarded", after=closed, before=rfp), *told])
        return stored

    return retry_on_conflict(close)


# -- R-16j, R-16m-o: agreement and award ---------------------------------------------------------------------------
def agree(deps: Deps, actor: Actor, rfp_id: str, number: int, agreement: Agreement) -> Rfp:
    """R-16j: agreement awards the contract, in one commit: the request awarded, the contract formed as for bids (one
    lot at the agreed price, for the request's agency), the notice of award to the awardee, the award made known to
    the other shortlisted proposers (R-16m), the agency told, and the memorandum of the basis of award (R-16o)."""
    require_role(actor, Role.PURCHASING)
    checked = rules.check_agreement(agreement)

    def decide() -> tuple[Rfp, Contract]:
        rfp = load(deps, rfp_id)
        negotiation = get_negotiation(deps, rfp, number)
        now = deps.clock.now()
        agreed = rules.agree(rfp, negotiation, checked, now)
        vendor = deps.load(Vendor, agreed.vendor_id)
        contract_id = deps.ids.new("CT")
        contract = rules.contract_for(rfp, agreed, vendor.org, contract_id, checked, now)
        assert agreed.price is not None  # agreed
        awarded = rfp_rules.award(rfp, agreed.vendor_id, agreed.price, contract_id, now)
        negotiations = [agreed if n.id == agreed.id else n for n in negotiations_of(deps, rfp)]
        memo = _memorandum(deps, awarded, agreed, negotiations, contract_id, now)
        others = [v for v in _vendors(deps, rfp.shortlist) if v.id != agreed.vendor_id]
        changes: list[Write] = [
            Change(action="rfp.awarded", after=awarded, before=rfp),
            Change(action="negotiation.agreed", after=agreed, before=negotiation),
            Change(action="contract.created", after=contract),
            Change(action="rfp.memorandum_written", after=rules.record_of(memo)),
            Send(f"{rfp.id}:award", _award_notice_email(deps, awarded, agreed, contract)),
            *(Send(f"{rfp.id}:award-made:{v.id}", _award_made_email(deps, awarded, agreed, v)) for v in others),
            Send(f"{rfp.id}:contract:state", _contract_formed_for_state(deps, awarded, contract)),
        ]
        stored, _, formed, *_ = deps.commit(actor, now, changes)
        return stored, formed

    awarded, contract = retry_on_conflict(decide)
    if contract.term_end is not None:
        start_term_timer(deps, contract.id, contract.term_end)
    return awarded


def _memorandum(
    deps: Deps, rfp: Rfp, agreed: Negotiation, negotiations: list[Negotiation], contract_id: str, now
) -> AwardMemorandum:
    records = consensus_of(deps, rfp.id)
    proposals = {p.id: p for p in deps.store.get_many(Proposal, [c.proposal_id for c in records])}
    disclosures = {d.id: d for d in deps.store.get_many(Disclosure, list(proposals))}
    return rules.memorandum(rfp, agreed, negotiations, records, proposals, disclosures, contract_id, now)


def _require_awarded(rfp: Rfp, what: str) -> None:
    if rfp.status is not RfpStatus.AWARDED:
        raise NotFound(f"Request for proposals {rfp.id} is not awarded; there is no {what} yet.")


def award_notice(deps: Deps, viewer: Actor | None, rfp_id: str) -> tuple[Rfp, Negotiation]:
    """R-16m: "Written notice of award shall be public information": anyone reads it once awarded; 404 before."""
    rfp = load(deps, rfp_id)
    _require_awarded(rfp, "notice of award")
    return rfp, _agreed(negotiations_of(deps, rfp))


def _agreed(negotiations: list[Negotiation]) -> Negotiation:
    return next(n for n in negotiations if n.status is NegotiationStatus.AGREED)


def memorandum(deps: Deps, viewer: Actor | None, rfp_id: str) -> AwardMemorandum:
    """R-16o: purchasing reads the memorandum in full; after the award it is public with every part withheld under
    R-16d shown as withheld. It is built from the record as at the award and checked against what the award wrote."""
    rfp = load(deps, rfp_id)
    _require_awarded(rfp, "memorandum")
    assert rfp.contract_id is not None and rfp.awarded_at is not None  # awarded
    negotiations = negotiations_of(deps, rfp)
    built = _memorandum(deps, rfp, _agreed(negotiations), negotiations, rfp.contract_id, rfp.awarded_at)
    memo = rules.as_written(built, deps.load(MemorandumRecord, rfp.id))
    if viewer is not None and viewer.role is Role.PURCHASING:
        return memo
    return rules.public_memorandum(memo)


# -- emails --------------------------------------------------------------------------------------------------------


def _vendors(deps: Deps, vendor_ids: Sequence[str]) -> list[Vendor]:
    return [deps.load(Vendor, vendor_id) for vendor_id in vendor_ids]


def _disclosure_email(deps: Deps, rfp: Rfp, proposal: Proposal, decided: Disclosure):
    """R-16d: only the proposer's own proposal and the decisions on it."""
    decisions = [{"part": d.part, "reason": d.reason} for d in decided.decisions]
    return emails.render(
        "rfp_disclosure",
        to=(proposal.proposer_email,),
        rfp=rfp_named(rfp),
        proposer=proposal.proposer_name,
        proposal_id=proposal.id,
        withheld=[d for d, w in zip(decisions, decided.decisions, strict=True) if w.withheld],
        disclosed=[d for d, w in zip(decisions, decided.decisions, strict=True) if not w.withheld],
        link=deps.portal.page("rfps", rfp.id, "proposals", proposal.id),
    )


def _award_notice_email(deps: Deps, rfp: Rfp, agreed: Negotiation, contract: Contract):
    return emails.render(
        "rfp_award_notice",
        to=(agreed.proposer_email,),
        rfp=rfp_named(rfp),
        proposer=agreed.proposer_name,
        price=agreed.price,
        contract_id=contract.id,
        principal_elements=list(agreed.principal_elements),
        link=deps.portal.page("rfps", rfp.id, "award"),
    )


def _award_made_email(deps: Deps, rfp: Rfp, agreed: Negotiation, vendor: Vendor):
    """R-16m: the award is public now: who was awarded and at what price, nothing of any other proposer."""
    return emails.render(
        "rfp_award_made",
        to=(vendor.contact_email,),
        rfp=rfp_named(rfp),
        proposer=vendor.legal_name,
        awardee=agreed.proposer_name,
        price=agreed.price,
        link=deps.portal.page("rfps", rfp.id, "award"),
    )


def _contract_formed_for_state(deps: Deps, rfp: Rfp, contract: Contract):
    """The agency may order against the new contract (R-9k), as for a bid's."""
    return emails.render(
        "contract_formed_state",
        to=(deps.mailboxes.agency(contract.agency), deps.mailboxes.purchasing),
        agency=contract.agency,
        contractor=contract.contractor_name,
        contract_id=contract.id,
        rfp=rfp_named(rfp),
        lines=contract_lines(contract),
        total=contract.total,
        surety=None,
        link=deps.portal.page("contracts", contract.id),
    )
