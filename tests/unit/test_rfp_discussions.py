"""Discussions and best and final offers with fakes: modifications and withdrawals until discussions conclude (R-16f),
threads per proposer with oral clarifications reduced to writing, addenda to the shortlisted (R-17b), rounds of best
and final offers at one common date and time, sealed, once per proposer, opened by the timer's task (R-17c)."""

import dataclasses
import datetime as dt

import pytest

from chalicelib.domain.errors import Conflict, NotFound, ValidationFailed
from chalicelib.domain.proposals import Proposal, ProposalStatus
from chalicelib.domain.rfp_discussions import Confirmation, DiscussionThread, MessageKind, OffersClosed, Side, thread_id
from chalicelib.domain.rfps import RfpStatus
from chalicelib.services import proposal_opening, proposals, rfp_discussions, rfps
from chalicelib.services.ports import Actor, Change, PageRequest, Role
from tests.unit.test_proposals import ACME, BODY, BOLT, CountingSealer, open_with_two, submit
from tests.unit.test_rfps_services import PURCHASING, draft, vendor

COLE = Actor("user@cole", Role.VENDOR, "cole")
SHORTLIST = ("V-acme", "V-bolt")  # cole proposed but is not shortlisted


@pytest.fixture
def sealer():
    return CountingSealer()


@pytest.fixture
def rfp(deps, sealer):
    """A request in discussions: three opened proposals, acme and bolt shortlisted."""
    for org in ("acme", "bolt", "cole"):
        vendor(deps, org, ("20800",))
    published = rfps.publish(deps, PURCHASING, draft(deps).id)
    for actor in (ACME, BOLT, COLE):
        submit(deps, sealer, published, actor=actor)
    opened = open_with_two(deps, sealer, published)
    deps.clock.advance(days=7)
    return commit_stage(deps, opened, status=RfpStatus.DISCUSSIONS, shortlist=SHORTLIST, shortlisted_at=deps.clock.now())


def commit_stage(deps, rfp, **fields):
    """The request at a stage another part reaches (the shortlist, a negotiation), committed as that part would."""
    (after,) = deps.store.commit(
        PURCHASING, deps.clock.now(), [Change(action="rfp.test_stage", after=dataclasses.replace(rfp, **fields), before=rfp)]
    )
    return after


def live(deps, rfp, vendor_id):
    return proposals.live_proposal_of(deps, vendor_id, rfp.id)


def write(deps, rfp, text, vendor_id="V-acme", kind=MessageKind.WRITTEN):
    return rfp_discussions.post_message(deps, PURCHASING, rfp.id, text, vendor_id=vendor_id, kind=kind)


def thread(deps, actor, rfp, vendor_id=None):
    return rfp_discussions.list_messages(deps, actor, rfp.id, vendor_id, PageRequest()).items


def due_in(deps, **delta):
    return (deps.clock.now() + dt.timedelta(**delta)).astimezone(dt.timezone(dt.timedelta(hours=-4)))


def call(deps, rfp, determination=None, **delta):
    return rfp_discussions.call_bafo(deps, PURCHASING, rfp.id, due_in(deps, **(delta or {"days": 10})), determination)


def offer(deps, sealer, rfp, actor=ACME, **changes):
    return rfp_discussions.submit_offer(deps, sealer, actor, rfp.id, {**BODY, **changes})


def open_offers(deps, sealer, rfp):
    called = rfps.load(deps, rfp.id)
    return proposal_opening.open_proposals(deps, sealer, f"rfp-bafo-{rfp.id}-{called.bafo_round}", rfp.id, called.bafo_round)


# -- R-16f: modification and withdrawal until discussions conclude ---------------------------------------------------


@pytest.mark.rule("R-16f")
def test_a_modification_during_discussions_is_received_in_the_clear_and_counted_in_the_register(deps, sealer, rfp):
    # Given acme's opened proposal in discussions
    before = live(deps, rfp, "V-acme")
    # When acme modifies it
    modified = submit(deps, sealer, rfp, description="Hosted case management, with the eligibility module.")
    # Then the new version is open as received, replaces the live one, and counts one more modification
    assert (
        modified.status is ProposalStatus.OPENED and modified.sealed is None and modified.content.description.endswith("module.")
    )
    assert (modified.replaces, modified.modifications) == (before.id, 1) and sealer.opened == 3
    assert deps.store.get(Proposal, before.id).status is ProposalStatus.REPLACED and live(deps, rfp, "V-acme") == modified
    # And the register shows it with its modification
    _, entries = proposals.register(deps, PURCHASING, rfp.id)
    assert [(e.proposal_id, e.modifications) for e in entries if e.proposer_name == "Acme LLC"] == [(modified.id, 1)]


@pytest.mark.rule("R-16f")
def test_a_proposer_not_on_the_shortlist_may_not_modify_its_proposal(deps, sealer, rfp):
    # When cole, not shortlisted, sends a new proposal during discussions / Then 409 and its proposal is unchanged
    before = live(deps, rfp, "V-cole")
    with pytest.raises(Conflict) as refused:
        submit(deps, sealer, rfp, actor=COLE)
    assert refused.value.rule == "R-16f" and live(deps, rfp, "V-cole") == before


@pytest.mark.rule("R-16f")
def test_a_shortlisted_proposer_withdraws_its_proposal_during_discussions(deps, sealer, rfp):
    # When bolt withdraws its opened proposal during discussions
    withdrawn = proposals.withdraw_proposal(deps, BOLT, rfp.id, live(deps, rfp, "V-bolt").id)
    # Then it is withdrawn, bolt has no live proposal, and discussions with bolt end
    assert withdrawn.status is ProposalStatus.WITHDRAWN and live(deps, rfp, "V-bolt") is None
    with pytest.raises(Conflict) as refused:
        write(deps, rfp, "Please explain your staffing plan.", vendor_id="V-bolt")
    assert refused.value.rule == "R-17b"


@pytest.mark.rule("R-16f")
def test_modification_and_withdrawal_are_refused_once_best_and_final_offers_are_called(deps, sealer, rfp):
    # Given the call for best and final offers (discussions concluded)
    call(deps, rfp)
    # When acme modifies or withdraws its proposal / Then both are 409 under R-16f and nothing changes
    for attempt in (
        lambda: submit(deps, sealer, rfp),
        lambda: proposals.withdraw_proposal(deps, ACME, rfp.id, live(deps, rfp, "V-acme").id),
    ):
        with pytest.raises(Conflict) as refused:
            attempt()
        assert refused.value.rule == "R-16f"
    assert live(deps, rfp, "V-acme").modifications == 0


# -- R-17b: discussions, oral clarifications, addenda -------------------------------------------------------------


@pytest.mark.rule("R-17b")
def test_a_proposers_thread_never_contains_another_proposers_messages(deps, sealer, rfp):
    # Given messages with acme and with bolt, and bolt's answer
    write(deps, rfp, "Acme: explain your price of the migration.")
    write(deps, rfp, "Bolt: explain your hosting.", vendor_id="V-bolt")
    rfp_discussions.post_message(deps, BOLT, rfp.id, "We host in two regions.")
    # When each reads its discussion / Then each sees its own messages only, in order
    assert [m.text for m in thread(deps, ACME, rfp)] == ["Acme: explain your price of the migration."]
    assert [(m.number, m.side, m.text) for m in thread(deps, BOLT, rfp)] == [
        (1, Side.PURCHASING, "Bolt: explain your hosting."),
        (2, Side.PROPOSER, "We host in two regions."),
    ]
    # And a proposer naming another's thread is told there is none; purchasing reads any thread it names
    with pytest.raises(NotFound):
        thread(deps, ACME, rfp, "V-bolt")
    assert len(thread(deps, PURCHASING, rfp, "V-bolt")) == 2


@pytest.mark.rule("R-17b")
def test_each_message_is_emailed_to_the_other_side_only(deps, sealer, rfp):
    # When purchasing writes to acme and acme answers
    sent_before = len(deps.notifier.sent)
    write(deps, rfp, "Explain your staffing plan.")
    rfp_discussions.post_message(deps, ACME, rfp.id, "Twelve analysts from day one.")
    # Then acme gets purchasing's message at its proposal's address and purchasing gets acme's answer
    first, second = deps.notifier.sent[sent_before:]
    assert first.to == ("rfp@acme.example",) and "Explain your staffing plan." in first.text
    assert second.to == (deps.mailboxes.purchasing,) and "Twelve analysts" in second.text and "Acme LLC" in second.subject


@pytest.mark.rule("R-17b")
def test_discussions_are_held_only_with_shortlisted_proposers_while_in_discussions(deps, sealer, rfp):
    # When purchasing writes to cole (not shortlisted), or cole writes / Then 409 and nothing stored
    for attempt in (
        lambda: write(deps, rfp, "Hello.", vendor_id="V-cole"),
        lambda: rfp_discussions.post_message(deps, COLE, rfp.id, "Hi."),
    ):
        with pytest.raises(Conflict) as refused:
            attempt()
        assert refused.value.rule == "R-17b"
    assert deps.store.get(DiscussionThread, thread_id(rfp.id, "V-cole")) is None
    # And before the shortlist (status opened) no discussion is held
    commit_stage(deps, rfps.load(deps, rfp.id), status=RfpStatus.OPENED)
    with pytest.raises(Conflict):
        write(deps, rfp, "Too early.")


@pytest.mark.rule("R-17b")
def test_an_oral_clarification_awaits_its_written_confirmation_and_blocks_the_offers(deps, sealer, rfp):
    # Given purchasing's record of an oral clarification with acme
    oral = write(deps, rfp, "Acme said the migration keeps case notes with their dates.", kind=MessageKind.ORAL)
    assert oral.confirmation is Confirmation.AWAITING and "Confirm in writing" in deps.notifier.sent[-1].subject
    # When purchasing calls for best and final offers / Then 409 under R-17b naming the clarification, nothing stored
    with pytest.raises(Conflict) as refused:
        call(deps, rfp)
    assert refused.value.rule == "R-17b" and oral.id in refused.value.message
    assert rfps.load(deps, rfp.id).status is RfpStatus.DISCUSSIONS and deps.workflows.started[-1][0] == "rfp-opening"
    # When acme confirms it in writing / Then it is confirmed and the call goes ahead
    confirmation = rfp_discussions.post_message(deps, ACME, rfp.id, "Confirmed: notes keep their dates.", confirms=oral.id)
    assert confirmation.confirms == oral.id
    first = thread(deps, ACME, rfp)[0]
    assert (first.id, first.confirmation, first.confirmed_by) == (
        oral.id,
        Confirmation.CONFIRMED,
        confirmation.id,
    )
    assert call(deps, rfp).status is RfpStatus.BAFO


@pytest.mark.rule("R-17b")
def test_a_proposer_confirms_only_an_oral_clarification_of_its_own_discussion_and_once(deps, sealer, rfp):
    # Given an oral clarification with acme and a written message to bolt
    oral = write(deps, rfp, "Acme said twelve analysts.", kind=MessageKind.ORAL)
    written = write(deps, rfp, "Bolt: explain your hosting.", vendor_id="V-bolt")
    # When bolt names acme's clarification, or acme names a written message / Then 400 naming `confirms`
    for actor, confirms in ((BOLT, oral.id), (ACME, written.id), (ACME, "MSG-none")):
        with pytest.raises(ValidationFailed) as refused:
            rfp_discussions.post_message(deps, actor, rfp.id, "Confirmed.", confirms=confirms)
        assert refused.value.details[0]["field"] == "confirms"
    # When acme confirms twice / Then the second is 409
    rfp_discussions.post_message(deps, ACME, rfp.id, "Confirmed.", confirms=oral.id)
    with pytest.raises(Conflict):
        rfp_discussions.post_message(deps, ACME, rfp.id, "Confirmed again.", confirms=oral.id)


@pytest.mark.rule("R-17b")
def test_an_addendum_during_discussions_is_emailed_to_the_shortlisted_proposers_only(deps, sealer, rfp):
    # Given bolt withdrew during discussions
    proposals.withdraw_proposal(deps, BOLT, rfp.id, live(deps, rfp, "V-bolt").id)
    sent_before = len(deps.notifier.sent)
    # When purchasing issues an addendum
    amended = rfps.add_addendum(deps, PURCHASING, rfp.id, "Clarification: case notes keep their dates.")
    # Then it is recorded with the due date unchanged and emailed to acme alone (not cole, not the commodity's vendors)
    assert amended.addenda[-1].number == 1 and amended.proposals_due == rfp.proposals_due
    sent = deps.notifier.sent[sent_before:]
    assert [m.to for m in sent] == [("rfp@acme.example",)] and "during discussions" in sent[0].subject


@pytest.mark.rule("R-17b")
def test_an_addendum_during_discussions_does_not_change_the_due_date(deps, sealer, rfp):
    with pytest.raises(ValidationFailed) as refused:
        rfps.add_addendum(deps, PURCHASING, rfp.id, "Later.", rfp.proposals_due + dt.timedelta(days=30))
    assert refused.value.rule == "R-17b" and refused.value.details[0]["field"] == "proposals_due"
    assert rfps.load(deps, rfp.id).addenda == ()


# -- R-17c: best and final offers -------------------------------------------------------------------------------


@pytest.mark.rule("R-17c")
def test_the_first_round_concludes_discussions_and_emails_the_common_date_and_time(deps, sealer, rfp):
    # Given bolt withdrew; sent so far
    proposals.withdraw_proposal(deps, BOLT, rfp.id, live(deps, rfp, "V-bolt").id)
    sent_before = len(deps.notifier.sent)
    # When purchasing calls for best and final offers in ten days
    due = due_in(deps, days=10)
    called = rfp_discussions.call_bafo(deps, PURCHASING, rfp.id, due)
    # Then round 1 is due at that instant, discussions concluded, and the timer started once with its deterministic name
    assert (called.status, called.bafo_round, called.bafo_due, called.bafo_determinations) == (RfpStatus.BAFO, 1, due, ())
    assert deps.workflows.started[-1] == (
        "rfp-bafo",
        f"rfp-bafo-{rfp.id}-1",
        {"rfp_id": rfp.id, "bafo_round": 1, "bafo_due": due.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")},
    )
    assert all(deps.store.get(DiscussionThread, thread_id(rfp.id, v)).concluded_at for v in SHORTLIST)
    # And acme alone (shortlisted with a live proposal) is emailed the common date and time
    sent = deps.notifier.sent[sent_before:]
    assert [m.to for m in sent] == [("rfp@acme.example",)] and "Best and final offer due" in sent[0].subject
    # And no discussion is held any more
    with pytest.raises(Conflict) as refused:
        write(deps, rfp, "One more question.")
    assert refused.value.rule == "R-17c"


@pytest.mark.rule("R-17c")
def test_a_call_for_offers_due_now_or_with_a_determination_in_the_first_round_is_refused(deps, sealer, rfp):
    for due, determination, field in ((deps.clock.now(), None, "due"), (due_in(deps, days=3), "Because.", "determination")):
        with pytest.raises(ValidationFailed) as refused:
            rfp_discussions.call_bafo(deps, PURCHASING, rfp.id, due, determination)
        assert refused.value.rule == "R-17c" and refused.value.details[0]["field"] == field
    assert rfps.load(deps, rfp.id).status is RfpStatus.DISCUSSIONS


@pytest.mark.rule("R-17c")
def test_a_second_round_is_refused_without_a_written_determination_and_accepted_with_one(deps, sealer, rfp):
    # Given round 1 opened: negotiation, none begun
    call(deps, rfp)
    deps.clock.advance(days=10)
    open_offers(deps, sealer, rfp)
    assert rfps.load(deps, rfp.id).status is RfpStatus.NEGOTIATION
    # When purchasing calls another round without a determination / Then 400 under R-17c naming it
    with pytest.raises(ValidationFailed) as refused:
        call(deps, rfp)
    assert refused.value.rule == "R-17c" and refused.value.details[0]["field"] == "determination"
    # When it calls one with a written determination / Then round 2 is due, the determination recorded, a second timer
    determination = "The hosting requirement changed; another submission is in the State's best interest."
    called = call(deps, rfp, determination)
    assert (called.status, called.bafo_round, called.bafo_determinations) == (RfpStatus.BAFO, 2, (determination,))
    assert deps.workflows.started[-1][1] == f"rfp-bafo-{rfp.id}-2"


@pytest.mark.rule("R-17c")
def test_the_same_call_again_after_a_lost_start_changes_nothing_and_starts_the_timer_again(deps, sealer, rfp):
    # Given round 1 called, its timer's start lost (the workflow engine failed after the commit)
    due = due_in(deps, days=10)
    first = rfp_discussions.call_bafo(deps, PURCHASING, rfp.id, due)
    deps.workflows.started.clear()
    sent = len(deps.notifier.sent)
    # When purchasing sends the same call again
    again = rfp_discussions.call_bafo(deps, PURCHASING, rfp.id, due)
    # Then the request is unchanged, nobody is emailed twice, and the round's timer is started under its one name
    assert again == first and len(deps.notifier.sent) == sent
    assert [name for _, name, _ in deps.workflows.started] == [f"rfp-bafo-{rfp.id}-1"]


@pytest.mark.rule("R-17c")
def test_no_further_round_once_negotiation_began_nor_while_a_round_is_due(deps, sealer, rfp):
    # Given round 1 called / When called again during it / Then 409
    call(deps, rfp)
    with pytest.raises(Conflict):
        call(deps, rfp, "Again.")
    # Given the offers opened and the first negotiation begun / When another round is called / Then 409
    deps.clock.advance(days=10)
    open_offers(deps, sealer, rfp)
    commit_stage(deps, rfps.load(deps, rfp.id), negotiation_number=1)
    with pytest.raises(Conflict) as refused:
        call(deps, rfp, "The State's requirement changed.")
    assert refused.value.rule == "R-17c"


@pytest.mark.rule("R-17c")
def test_a_best_and_final_offer_is_sealed_and_received_once_per_proposer_and_round(deps, sealer, rfp):
    # Given round 1 called
    call(deps, rfp)
    # When acme offers / Then it is sealed, of round 1, replacing its live proposal with one more modification
    first = offer(deps, sealer, rfp, price="1100000.00")
    assert (first.status, first.bafo_round, first.modifications) == (ProposalStatus.SEALED, 1, 1)
    assert "1100000" not in repr(deps.store.get(Proposal, first.id)) and live(deps, rfp, "V-acme") == first
    # When acme offers again in the same round / Then 409 under R-17c and its first offer stays live
    with pytest.raises(Conflict) as refused:
        offer(deps, sealer, rfp, price="1000000.00")
    assert refused.value.rule == "R-17c" and live(deps, rfp, "V-acme") == first
    # And cole, not shortlisted, may not offer
    with pytest.raises(Conflict):
        offer(deps, sealer, rfp, actor=COLE)


@pytest.mark.rule("R-17c")
def test_an_offer_one_second_before_the_common_time_is_received_and_at_it_refused(deps, sealer, rfp):
    # Given round 1 due at an instant
    due = call(deps, rfp).bafo_due
    # When acme offers in the last second / Then received
    deps.clock.set(due - dt.timedelta(seconds=1))
    assert offer(deps, sealer, rfp).bafo_round == 1
    # When bolt offers at the instant / Then refused as late and bolt's proposal stays its live one
    deps.clock.set(due)
    before = live(deps, rfp, "V-bolt")
    with pytest.raises(OffersClosed) as refused:
        offer(deps, sealer, rfp, actor=BOLT)
    assert refused.value.rule == "R-17c" and live(deps, rfp, "V-bolt") == before


@pytest.mark.rule("R-17c")
def test_no_offer_is_received_before_the_call(deps, sealer, rfp):
    with pytest.raises(Conflict) as refused:
        offer(deps, sealer, rfp)
    assert refused.value.rule == "R-17c"


@pytest.mark.rule("R-17c")
def test_the_timer_opens_the_offers_at_the_common_time_and_negotiation_follows(deps, sealer, rfp):
    # Given round 1, acme's offer and none from bolt
    due = call(deps, rfp).bafo_due
    acme = offer(deps, sealer, rfp, price="1100000.00")
    bolt = live(deps, rfp, "V-bolt")
    opened_before = sealer.opened
    # When the task runs one second early / Then it refuses and opens nothing
    deps.clock.set(due - dt.timedelta(seconds=1))
    with pytest.raises(Conflict):
        open_offers(deps, sealer, rfp)
    assert sealer.opened == opened_before
    # When it runs at the common time, and again (a retry)
    deps.clock.set(due)
    first = open_offers(deps, sealer, rfp)
    again = open_offers(deps, sealer, rfp)
    # Then acme's offer is opened with its commitment checked, bolt keeps its proposal as final, negotiation follows
    assert first == again == {"status": "negotiation", "proposals": 1} and sealer.opened == opened_before + 1
    opened = deps.store.get(Proposal, acme.id)
    assert opened.status is ProposalStatus.OPENED and opened.content.price == "1100000.00" and opened.salt
    assert live(deps, rfp, "V-bolt") == bolt and bolt.status is ProposalStatus.OPENED
    assert rfps.load(deps, rfp.id).status is RfpStatus.NEGOTIATION


@pytest.mark.rule("R-17c")
def test_nothing_changes_after_the_offers_until_award(deps, sealer, rfp):
    # Given round 1 called, then opened
    call(deps, rfp)
    for stage in ("bafo", "negotiation"):
        # When purchasing writes, acme writes, purchasing issues an addendum / Then each is 409 under R-17c
        attempts = (
            lambda: write(deps, rfp, "A question."),
            lambda: rfp_discussions.post_message(deps, ACME, rfp.id, "A lower price."),
            lambda: rfps.add_addendum(deps, PURCHASING, rfp.id, "A change."),
        )
        for attempt in attempts:
            with pytest.raises(Conflict) as refused:
                attempt()
            assert refused.value.rule == "R-17c", stage
        deps.clock.advance(days=10)
        open_offers(deps, sealer, rfp)
