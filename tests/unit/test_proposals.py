"""Sealed proposals with fakes: received until the due instant (R-16c), replaced with a modification count and
withdrawn until the opening (R-16f), confidentiality requests sealed with the proposal (R-16d), opened only when two
distinct purchasing officials confirm (R-16c), and the register built at the opening."""

import collections
import datetime as dt

import pytest

from chalicelib.domain.errors import Conflict, Forbidden, TemporarilyUnavailable, ValidationFailed
from chalicelib.domain.proposals import ConfidentialityRequest, Proposal, ProposalStatus
from chalicelib.domain.rfps import ProposalsClosed, RfpStatus
from chalicelib.services import proposal_opening, proposals, rfps
from chalicelib.services.ports import Actor, Role
from tests.unit.test_bids_services import FakeSealer, PooledSealer
from tests.unit.test_rfps import DUE
from tests.unit.test_rfps_services import PURCHASING, delivered, draft, vendor

SECOND_OFFICIAL = Actor("officer-2", Role.PURCHASING, "DAS-BOP")
ACME = Actor("user@acme", Role.VENDOR, "acme")
BOLT = Actor("user@bolt", Role.VENDOR, "bolt")
BODY = {
    "price": "1250000.00",
    "description": "Hosted case management for DSS.",
    "documents": [{"name": "approach", "text": "Phase 1: discovery."}],
    "confidentiality": [{"part": "documents/approach", "reason": "Our migration method is a trade secret."}],
}


class CountingSealer(FakeSealer):
    """The fake sealer, counting decryptions."""

    def __init__(self):
        self.opened = 0

    def open(self, sealed, solicitation_id, bid_id):
        self.opened += 1
        return super().open(sealed, solicitation_id, bid_id)


@pytest.fixture
def sealer():
    return CountingSealer()


@pytest.fixture
def rfp(deps):
    for org in ("acme", "bolt"):
        vendor(deps, org, ("20800",))
    return rfps.publish(deps, PURCHASING, draft(deps).id)


def submit(deps, sealer, rfp, actor=ACME, **changes):
    return proposals.submit_proposal(deps, sealer, actor, rfp.id, {**BODY, **changes})


def at_due(deps):
    deps.clock.set(DUE.astimezone(dt.UTC))


def open_with_two(deps, sealer, rfp):
    """Two officials confirm at the due instant, then the opening task the second one started runs."""
    at_due(deps)
    proposal_opening.confirm_opening(deps, PURCHASING, rfp.id)
    proposal_opening.confirm_opening(deps, SECOND_OFFICIAL, rfp.id)
    assert deps.workflows.started[-1] == ("rfp-opening", f"rfp-opening-{rfp.id}", {"rfp_id": rfp.id})
    proposal_opening.open_proposals(deps, sealer, f"rfp-opening-{rfp.id}", rfp.id)
    return rfps.load(deps, rfp.id)


@pytest.mark.rule("R-16c")
def test_a_proposal_is_stored_sealed_with_nothing_readable(deps, sealer, rfp):
    # When a vendor submits a proposal
    received = submit(deps, sealer, rfp)
    # Then it is stored with a commitment and an envelope; neither the price, the description nor the reason is readable
    stored = deps.store.get(Proposal, received.id)
    assert stored.status is ProposalStatus.SEALED and stored.content is None and len(stored.commitment) == 64
    at_rest = repr(stored)
    assert "1250000" not in at_rest and "Hosted" not in at_rest and "trade secret" not in at_rest


@pytest.mark.rule("R-16c")
def test_a_proposal_in_the_last_second_before_the_due_instant_is_accepted(deps, sealer, rfp):
    # Given server time one second before the due instant / When a vendor submits / Then it is received
    deps.clock.set(DUE.astimezone(dt.UTC) - dt.timedelta(seconds=1))
    assert submit(deps, sealer, rfp).status is ProposalStatus.SEALED


@pytest.mark.rule("R-16c")
def test_a_proposal_at_the_due_instant_is_refused_and_nothing_stored(deps, sealer, rfp):
    # Given server time at the due instant / When a vendor submits / Then it is refused as late and nothing stored
    at_due(deps)
    with pytest.raises(ProposalsClosed) as refused:
        submit(deps, sealer, rfp)
    assert refused.value.rule == "R-16c"
    assert list(proposal_opening.proposals_of(deps, rfp.id)) == []


@pytest.mark.rule("R-16f")
def test_a_second_proposal_replaces_the_first_and_counts_one_modification(deps, sealer, rfp):
    # Given a vendor's proposal
    first = submit(deps, sealer, rfp)
    # When it submits again, twice
    second = submit(deps, sealer, rfp, price="1200000.00")
    third = submit(deps, sealer, rfp, price="1150000.00")
    # Then each replaces the one before and counts one more modification; the first two are replaced
    assert (second.replaces, second.modifications) == (first.id, 1)
    assert (third.replaces, third.modifications) == (second.id, 2)
    assert [p.status for p in proposal_opening.proposals_of(deps, rfp.id)] == [
        ProposalStatus.REPLACED,
        ProposalStatus.REPLACED,
        ProposalStatus.SEALED,
    ]


@pytest.mark.rule("R-16f")
def test_a_proposer_withdraws_its_proposal_before_the_opening(deps, sealer, rfp):
    # Given a vendor's proposal / When it withdraws it / Then it is withdrawn and a new proposal starts afresh
    first = submit(deps, sealer, rfp)
    assert proposals.withdraw_proposal(deps, ACME, rfp.id, first.id).status is ProposalStatus.WITHDRAWN
    assert submit(deps, sealer, rfp).replaces is None


@pytest.mark.rule("R-16f")
def test_another_vendor_cannot_withdraw_a_proposal(deps, sealer, rfp):
    first = submit(deps, sealer, rfp)
    with pytest.raises(Forbidden):
        proposals.withdraw_proposal(deps, BOLT, rfp.id, first.id)


@pytest.mark.rule("R-16f")
def test_a_proposal_cannot_be_withdrawn_after_the_opening(deps, sealer, rfp):
    # Given an opened proposal / When its proposer withdraws it / Then 409
    first = submit(deps, sealer, rfp)
    open_with_two(deps, sealer, rfp)
    with pytest.raises(Conflict) as refused:
        proposals.withdraw_proposal(deps, ACME, rfp.id, first.id)
    assert refused.value.rule == "R-16f"


@pytest.mark.rule("R-16d")
def test_a_confidentiality_request_must_name_a_part_of_the_proposal(deps, sealer, rfp):
    # When a request names a document the proposal does not have / Then refused under R-16d, naming the field
    with pytest.raises(ValidationFailed) as refused:
        submit(deps, sealer, rfp, confidentiality=[{"part": "documents/pricing", "reason": "secret"}])
    assert refused.value.rule == "R-16d" and refused.value.details[0]["field"] == "confidentiality[0].part"


@pytest.mark.rule("R-16d")
def test_the_confidentiality_request_is_recorded_with_the_opened_proposal(deps, sealer, rfp):
    # Given a proposal asking that its approach not be disclosed / When opened / Then the request is on its content
    received = submit(deps, sealer, rfp)
    open_with_two(deps, sealer, rfp)
    opened = deps.store.get(Proposal, received.id)
    assert opened.content.confidentiality == (
        ConfidentialityRequest("documents/approach", "Our migration method is a trade secret."),
    )


@pytest.mark.rule("R-16c")
def test_the_opening_is_not_confirmed_before_the_due_instant(deps, sealer, rfp):
    deps.clock.set(DUE.astimezone(dt.UTC) - dt.timedelta(seconds=1))
    with pytest.raises(Conflict) as refused:
        proposal_opening.confirm_opening(deps, PURCHASING, rfp.id)
    assert refused.value.rule == "R-16c"


@pytest.mark.rule("R-16c")
def test_one_official_confirming_twice_does_not_open_the_proposals(deps, sealer, rfp):
    # Given a proposal and the due instant
    submit(deps, sealer, rfp)
    at_due(deps)
    # When one official confirms, then confirms again
    first = proposal_opening.confirm_opening(deps, PURCHASING, rfp.id)
    with pytest.raises(Conflict) as refused:
        proposal_opening.confirm_opening(deps, PURCHASING, rfp.id)
    # Then the second is refused, nothing was decrypted and the request is not opened
    assert refused.value.rule == "R-16c" and first.status is RfpStatus.OPEN and first.opened_at is None
    assert sealer.opened == 0
    assert all(p.status is ProposalStatus.SEALED for p in proposal_opening.proposals_of(deps, rfp.id))


@pytest.mark.rule("R-16c")
def test_two_distinct_officials_open_the_proposals_and_each_confirmation_is_audited(deps, sealer, rfp):
    # Given two proposals
    submit(deps, sealer, rfp)
    submit(deps, sealer, rfp, actor=BOLT)
    # When two distinct officials confirm
    opened = open_with_two(deps, sealer, rfp)
    # Then both are opened in that request, the salt published, and each confirmation is in the trail
    assert opened.status is RfpStatus.OPENED and opened.proposal_count == 2 and sealer.opened == 2
    assert [c.official for c in opened.opening_confirmations] == ["officer", "officer-2"]
    assert all(p.status is ProposalStatus.OPENED and p.salt for p in proposal_opening.proposals_of(deps, rfp.id))
    actions = [e.action for e in deps.store.audit_trail(f"rfp:{rfp.id}")]
    assert actions.count("rfp.opening_confirmed") == 2 and actions[-1] == "rfp.proposals_opened"


@pytest.mark.rule("R-16c")
def test_the_register_lists_each_live_proposal_with_its_modifications(deps, sealer, rfp):
    # Given acme's proposal replaced once, bolt's withdrawn proposal, and a proposal by bolt afterwards
    submit(deps, sealer, rfp)
    acme = submit(deps, sealer, rfp, description="Hosted case management, revised.")
    withdrawn = submit(deps, sealer, rfp, actor=BOLT)
    proposals.withdraw_proposal(deps, BOLT, rfp.id, withdrawn.id)
    bolt = submit(deps, sealer, rfp, actor=BOLT, description="On-premises case management.")
    open_with_two(deps, sealer, rfp)
    # When purchasing reads the register
    _, entries = proposals.register(deps, PURCHASING, rfp.id)
    # Then it has the proposer, the number of modifications and the description of each opened proposal
    assert [(e.proposal_id, e.proposer_name, e.modifications, e.description) for e in entries] == [
        (acme.id, "Acme LLC", 1, "Hosted case management, revised."),
        (bolt.id, "Bolt LLC", 0, "On-premises case management."),
    ]


@pytest.mark.rule("R-16c")
def test_the_register_is_refused_before_the_opening_and_to_vendors(deps, sealer, rfp):
    submit(deps, sealer, rfp)
    with pytest.raises(Conflict):
        proposals.register(deps, PURCHASING, rfp.id)
    open_with_two(deps, sealer, rfp)
    with pytest.raises(Forbidden):
        proposals.register(deps, ACME, rfp.id)


@pytest.mark.rule("R-16c")
def test_the_api_never_decrypts_and_a_retried_opening_task_opens_each_proposal_once(deps, sealer, rfp):
    # Given two proposals and both confirmations: the request only started the opening, nothing was decrypted
    submit(deps, sealer, rfp)
    submit(deps, sealer, rfp, actor=BOLT)
    at_due(deps)
    proposal_opening.confirm_opening(deps, PURCHASING, rfp.id)
    confirmed = proposal_opening.confirm_opening(deps, SECOND_OFFICIAL, rfp.id)
    assert confirmed.status is RfpStatus.OPEN and len(confirmed.opening_confirmations) == 2 and sealer.opened == 0
    # When the opening task runs, and runs again (a retry)
    execution = f"rfp-opening-{rfp.id}"
    first = proposal_opening.open_proposals(deps, sealer, execution, rfp.id)
    again = proposal_opening.open_proposals(deps, sealer, execution, rfp.id)
    # Then each proposal was decrypted once, the request is opened, and the retry changed nothing
    assert first == again == {"status": "opened", "proposals": 2} and sealer.opened == 2
    assert rfps.load(deps, rfp.id).status is RfpStatus.OPENED


@pytest.mark.rule("R-16c")
def test_a_proposal_opening_failing_midway_opens_only_the_rest_when_retried(deps, rfp):
    # Given 20 proposals, opened in several transactions, and KMS refusing the 10th decryption
    sealer = PooledSealer(fail_at=10)
    for n in range(20):
        vendor(deps, f"p{n:02d}", ("20800",))
        submit(deps, sealer, rfp, actor=Actor(f"user@p{n:02d}", Role.VENDOR, f"p{n:02d}"))
    at_due(deps)
    proposal_opening.confirm_opening(deps, PURCHASING, rfp.id)
    proposal_opening.confirm_opening(deps, SECOND_OFFICIAL, rfp.id)
    # When the opening task fails midway, then is retried
    with pytest.raises(TemporarilyUnavailable):
        proposal_opening.open_proposals(deps, sealer, f"rfp-opening-{rfp.id}", rfp.id)
    assert rfps.load(deps, rfp.id).status is RfpStatus.OPEN
    result = proposal_opening.open_proposals(deps, sealer, f"rfp-opening-{rfp.id}", rfp.id)
    # Then every proposal is opened exactly once and the register counts them all
    assert result == {"status": "opened", "proposals": 20}
    opened = collections.Counter(a.entity for a in deps.store.audit if a.action == "proposal.opened")
    assert len(opened) == 20 and set(opened.values()) == {1}


@pytest.mark.rule("R-16c")
@pytest.mark.rule("R-4")
def test_addenda_and_the_cancellation_reach_every_proposer_registered_for_the_commodity_or_not(deps, sealer, rfp):
    # Given crux, registered for another commodity, proposed anyway; a withdrawn proposer, bolt
    vendor(deps, "crux", ("640",))
    submit(deps, sealer, rfp, actor=Actor("user@crux", Role.VENDOR, "crux"))
    withdrawn = submit(deps, sealer, rfp, actor=BOLT)
    proposals.withdraw_proposal(deps, BOLT, rfp.id, withdrawn.id)
    # When an addendum is issued and the request then cancelled
    rfps.add_addendum(deps, PURCHASING, rfp.id, "Clarified scope.")
    rfps.cancel(deps, PURCHASING, rfp.id, "Need met elsewhere.")
    # Then crux has both, as the vendors of the commodity do, each once
    sent = delivered(deps)
    to_crux = sorted(m.subject.split(" ")[0] for m in sent if m.to == ("rfp@crux.example",))
    assert to_crux == ["Addendum", "Request"]
    assert sum(m.to == ("rfp@bolt.example",) for m in sent) == 3  # bolt, of the commodity: notice, addendum, cancellation
