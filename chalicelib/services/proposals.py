"""Sealed proposals (R-16c, R-16f): submission with a receipt, replacement and withdrawal before the due date and
again during discussions (a best and final offer of R-17c is a proposal too), the register of proposals built from
the opened ones, and the recipients of addenda and cancellation.

The machinery is the sealed bids' (services/bids.py): the KMS sealer, the receipt's commitment and the proposer's
live-proposal guard handed over on replacement. The opening, the only code that decrypts, and the `proposals-of#`
collection it reads are services/proposal_opening.py."""

from __future__ import annotations

import dataclasses
import itertools

from chalicelib.domain import commitment
from chalicelib.domain import proposals as rules
from chalicelib.domain import rfp_discussions as discussion_rules
from chalicelib.domain.errors import AlreadyTaken, Conflict, Forbidden, NotFound, RecordChanged
from chalicelib.domain.proposals import Proposal, ProposalStatus, RegisterEntry
from chalicelib.domain.rfp_negotiations import Disclosure, public_description
from chalicelib.domain.rfps import Rfp, RfpStatus
from chalicelib.services.ports import (
    Actor,
    Change,
    Deps,
    Guard,
    Member,
    Role,
    Unchanged,
    Write,
    entity_ref,
    retry_on_conflict,
)
from chalicelib.services.proposal_opening import proposals_collection, proposals_of
from chalicelib.services.rfps import get_rfp, invited_page, load
from chalicelib.services.sealed import Sealer
from chalicelib.services.vendors import acting_vendor, vendor_of


def submit_proposal(deps: Deps, sealer: Sealer, actor: Actor, rfp_id: str, submitted: dict, *, bafo_round: int = 0) -> Proposal:
    """Check, commit and seal, then store before the due date (R-16c); a proposer's new proposal replaces its live one
    and counts one more modification (R-16f). As for bids, the due date is checked again once sealed, on a fresh read of
    the request, and the write is conditioned on that read (a confirmation of the opening changes it).

    During discussions a shortlisted proposer's modification is stored in the clear, opened as it is received: the
    proposals are open by then (R-16f). A best and final offer (`bafo_round`, R-17c) is sealed as a proposal until its
    round's common date and time, and received once per proposer and round (the live-proposal guard hands over once)."""
    vendor = acting_vendor(deps, actor)
    rfp = get_rfp(deps, actor, rfp_id)
    discussion_rules.ensure_proposal_receivable(
        rfp, vendor.id, live_proposal_of(deps, vendor.id, rfp_id), deps.clock.now(), bafo_round
    )
    content = rules.check_proposal(submitted)
    in_the_clear = not bafo_round and rfp.status is RfpStatus.DISCUSSIONS
    proposal_id = deps.ids.new("PRP")
    document, salt = commitment.canonical(submitted), deps.ids.salt()
    sealed = None if in_the_clear else sealer.seal(commitment.envelope(document, salt), rfp_id, proposal_id)

    def store() -> Proposal:
        current = get_rfp(deps, actor, rfp_id)
        received = deps.clock.now()
        previous = live_proposal_of(deps, vendor.id, rfp_id)
        discussion_rules.ensure_proposal_receivable(current, vendor.id, previous, received, bafo_round)
        proposal = Proposal(
            id=proposal_id,
            rfp_id=rfp_id,
            vendor_id=vendor.id,
            vendor_org=vendor.org,
            proposer_name=vendor.legal_name,
            proposer_email=vendor.contact_email,
            received_at=received,
            commitment=commitment.commitment(document, salt),
            sealed=sealed,
            modifications=0 if previous is None else previous.modifications + 1,
            replaces=None if previous is None else previous.id,
            bafo_round=bafo_round,
        )
        if in_the_clear:
            proposal = rules.opened(proposal, content, salt.hex(), received)
        changes: list[Write] = [
            Change(action="proposal.received", after=proposal),
            Member(proposals_collection(rfp_id), proposal.id),
            Unchanged(current),
            Guard(live_proposal_guard(rfp_id, vendor.id), proposal.id, handed_over_by=proposal.replaces),
        ]
        if previous is not None:
            replaced = dataclasses.replace(previous, status=ProposalStatus.REPLACED, replaced_by=proposal.id)
            changes.append(Change(action="proposal.replaced", after=replaced, before=previous))
        try:
            return deps.store.commit(actor, received, changes)[0]
        except AlreadyTaken:
            raise RecordChanged(f"Another proposal of {vendor.org} for {rfp_id} was stored meanwhile; send it again.") from None

    return retry_on_conflict(store)


def withdraw_proposal(deps: Deps, actor: Actor, rfp_id: str, proposal_id: str) -> Proposal:
    """R-16f: the proposer withdraws its live proposal until the opening, or during discussions; its live-proposal
    guard is released."""
    vendor = vendor_of(deps, actor)

    def withdraw() -> Proposal:
        rfp = get_rfp(deps, actor, rfp_id)
        proposal = proposal_of(deps, rfp.id, proposal_id)
        rules.ensure_owner(proposal, vendor.id)
        discussion_rules.ensure_withdrawable(rfp, vendor.id, live_proposal_of(deps, vendor.id, rfp.id))
        now = deps.clock.now()
        release = Guard(live_proposal_guard(rfp.id, vendor.id), proposal.id, release=True)
        changes: list[Write] = [Change(action="proposal.withdrawn", after=rules.withdraw(proposal, now), before=proposal)]
        (withdrawn,) = deps.store.commit(actor, now, [*changes, Unchanged(rfp), release])
        return withdrawn

    return retry_on_conflict(withdraw)


# the proposals are open: from the opening on, except while best and final offers are sealed
REGISTER_STAGES = (RfpStatus.OPENED, RfpStatus.DISCUSSIONS, RfpStatus.NEGOTIATION, RfpStatus.AWARDED, RfpStatus.UNAWARDED)


def register(deps: Deps, viewer: Actor | None, rfp_id: str) -> tuple[Rfp, list[RegisterEntry]]:
    """R-16c: the register of proposals, built from the opened proposals, each modification counted (R-16f):
    purchasing's from the opening, "open to public inspection only after the award of the contract", when a
    description withheld under R-16d shows as withheld. Every signed-in reading is audited."""
    rfp = load(deps, rfp_id)
    public = _public_register(viewer, rfp)
    if rfp.status not in REGISTER_STAGES:
        raise Conflict(
            f"The register of {rfp.id} is read while its proposals are open: from the opening, except while best and final offers are sealed.",
            rule="R-16c",
            details=[{"field": "status", "problem": f"is {rfp.status.value}"}],
        )
    entries = [rules.register_entry(p) for p in proposals_of(deps, rfp.id) if p.status is ProposalStatus.OPENED]
    if public:
        withheld = {d.id: d.withheld_parts for d in deps.store.get_many(Disclosure, [e.proposal_id for e in entries])}
        entries = [
            dataclasses.replace(e, description=public_description(e.description, withheld.get(e.proposal_id, frozenset())))
            for e in entries
        ]
    if viewer is not None:
        deps.store.record_access(viewer, deps.clock.now(), [entity_ref("rfp", rfp.id)], "rfp.register_read")
    return rfp, entries


def _public_register(viewer: Actor | None, rfp: Rfp) -> bool:
    """Purchasing reads the register in full; anyone else only after the award (404 to the public before it, 403 to
    a signed-in caller), the public reading."""
    if viewer is not None and viewer.role is Role.PURCHASING:
        return False
    if rfp.status is RfpStatus.AWARDED:
        return True
    if viewer is None:
        raise NotFound(f"The register of proposals of {rfp.id} is open to public inspection only after the award.")
    raise Forbidden(f"The register of proposals of {rfp.id} is open to public inspection only after the award.", rule="R-16c")


def recipients_page(deps: Deps, rfp_id: str, cursor: str, size: int) -> tuple[list[str], str | None]:
    """Addenda and cancellation before the due date: the invited vendors, then every proposer with a live proposal,
    registered for the commodity or not (cursor `vendor:<id>`, then `proposal:<id>`; as solicitations.recipients_page)."""
    phase, _, after = (cursor or "vendor:").partition(":")
    if phase == "vendor":
        addresses, last = invited_page(deps, rfp_id, after, size)
        return addresses, (f"vendor:{last}" if last else "proposal:")
    page = list(itertools.islice(deps.members_of(Proposal, proposals_collection(rfp_id), after=after), size))
    live = [p.proposer_email for p in page if p.status in (ProposalStatus.SEALED, ProposalStatus.OPENED)]
    return live, (f"proposal:{page[-1].id}" if len(page) == size else None)


def live_proposal_guard(rfp_id: str, vendor_id: str) -> str:
    """One live proposal per proposer and request: a new one replaces it (R-16f)."""
    return f"live-proposal#{rfp_id}#{vendor_id}"


def live_proposal_of(deps: Deps, vendor_id: str, rfp_id: str) -> Proposal | None:
    return deps.held(Proposal, live_proposal_guard(rfp_id, vendor_id))


def proposal_of(deps: Deps, rfp_id: str, proposal_id: str) -> Proposal:
    proposal = deps.store.get(Proposal, proposal_id)
    if proposal is None or proposal.rfp_id != rfp_id:
        raise NotFound(f"No proposal {proposal_id} in request for proposals {rfp_id}.")
    return proposal
