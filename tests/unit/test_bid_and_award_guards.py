"""A bid accepted is a bid opened (R-5b), one live bid per bidder (R-5h), one award decision per solicitation and line
(R-8b), and API calls racing workflow tasks decided again (R-8c, R-9h): on the in-memory store, with the races staged."""

import dataclasses
from decimal import Decimal

import pytest

from chalicelib.domain.awards import Award, ShareStatus
from chalicelib.domain.bids import Bid, BidAfterOpening, BidAttempt, BidStatus
from chalicelib.domain.errors import Conflict
from chalicelib.domain.solicitations import Solicitation
from chalicelib.services import awards, bids
from chalicelib.services.ports import Change
from tests.unit.test_bids_services import PURCHASING, FakeSealer, open_now, priced, sealer, sol, vendor  # noqa: F401  (fixtures)
from tests.unit.test_solicitations_examples import OPENING


def before_the_next_commit(deps, action: str, race):
    """Run `race` once, just before the first commit that writes `action`: another request that got there first."""
    commit, fired = deps.store.commit, []

    def commit_after_the_race(actor, at, changes):
        if not fired and any(isinstance(c, Change) and c.action == action for c in changes):
            fired.append(True)
            race()
        return commit(actor, at, changes)

    deps.store.commit = commit_after_the_race


class SlowSealer(FakeSealer):
    """KMS answering only after the opening time."""

    def __init__(self, clock):
        self.clock = clock

    def seal(self, plaintext, solicitation_id, bid_id):
        self.clock.set(OPENING)
        return super().seal(plaintext, solicitation_id, bid_id)


@pytest.mark.rule("R-5b")
def test_a_bid_whose_sealing_ends_after_the_opening_time_is_refused_as_late_and_the_attempt_recorded(deps, sol):
    # Given a bid sent before the opening, and KMS answering only at the opening time
    acme = vendor(deps, "acme")

    # When it is submitted
    with pytest.raises(BidAfterOpening) as refused:
        bids.submit_bid(deps, SlowSealer(deps.clock), acme, sol.id, priced("30.00"))

    # Then it is refused under R-5b, the attempt is recorded, and no bid was stored
    assert refused.value.rule == "R-5b"
    (attempt,) = list(deps.store.iterate(BidAttempt, "by_solicitation", sol.id))
    assert attempt.action == "submit" and attempt.rule == "R-5b"
    assert list(bids.bids_of(deps, sol.id)) == []


@pytest.mark.rule("R-5b")
def test_a_bid_written_after_the_opening_closed_the_bids_is_refused_not_stored_unopened(deps, sealer, sol):
    # Given a bid checked in time, whose write comes after the opening started (and closed the bids)
    acme = vendor(deps, "acme")
    before_the_next_commit(deps, "bid.received", lambda: open_now(deps, sealer, sol))

    # When it is written
    with pytest.raises(BidAfterOpening):
        bids.submit_bid(deps, sealer, acme, sol.id, priced("30.00"))

    # Then nothing was stored that the opening did not see: no bid, and the opening counted none
    assert list(bids.bids_of(deps, sol.id)) == []
    assert deps.store.get(Solicitation, sol.id).bid_count == 0


@pytest.mark.rule("R-5b")
@pytest.mark.rule("R-5n")
def test_the_opening_opens_a_bid_written_just_before_it_even_while_the_index_lags(deps, sealer, sol):
    # Given secondary indexes that lag, and a bid stored just before the opening
    acme = vendor(deps, "acme")
    deps.store.freeze_indexes()
    receipt = bids.submit_bid(deps, sealer, acme, sol.id, priced("30.00"))
    assert list(deps.store.iterate(Bid, "by_solicitation", sol.id)) == []  # the index does not show it yet

    # When the bids are opened
    result = open_now(deps, sealer, sol)

    # Then the bid is opened and counted
    assert result["opened"] == 1 and deps.store.get(Bid, receipt.bid.id).status is BidStatus.OPENED
    assert deps.store.get(Solicitation, sol.id).bid_count == 1


@pytest.mark.rule("R-5h")
def test_a_replacement_takes_over_the_live_bid_guard_and_a_withdrawal_frees_it(deps, sealer, sol):
    # Given a bid and its replacement
    acme = vendor(deps, "acme")
    first = bids.submit_bid(deps, sealer, acme, sol.id, priced("30.00")).bid
    second = bids.submit_bid(deps, sealer, acme, sol.id, priced("29.00")).bid
    guard = bids.live_bid_guard(sol.id, "V-acme")
    assert deps.store.holder(guard) == second.id and deps.store.get(Bid, first.id).status is BidStatus.REPLACED

    # When the replacement is withdrawn
    bids.withdraw_bid(deps, acme, sol.id, second.id)

    # Then the bidder has no live bid, and may bid again
    assert deps.store.holder(guard) is None and bids.live_bid_of(deps, "V-acme", sol.id) is None
    third = bids.submit_bid(deps, sealer, acme, sol.id, priced("28.00")).bid
    assert deps.store.holder(guard) == third.id and third.replaces is None


@pytest.mark.rule("R-5h")
def test_a_bid_racing_another_of_the_same_bidder_is_decided_again_and_replaces_it(deps, sealer, sol):
    # Given a bid of acme stored while another of acme is being written
    acme = vendor(deps, "acme")
    racing = []
    before_the_next_commit(
        deps, "bid.received", lambda: racing.append(bids.submit_bid(deps, sealer, acme, sol.id, priced("31.00")).bid)
    )

    # When the later one is written
    later = bids.submit_bid(deps, sealer, acme, sol.id, priced("30.00")).bid

    # Then it replaces the racing bid: one live bid of acme
    live = [b for b in bids.bids_of(deps, sol.id) if b.live]
    assert [b.id for b in live] == [later.id] and later.replaces == racing[0].id


@pytest.mark.rule("R-8b")
def test_an_award_decision_racing_another_is_refused_with_a_conflict_and_writes_nothing(deps, sealer, sol):
    # Given opened bids, and another officer's award stored while this one is being written
    bids.submit_bid(deps, sealer, vendor(deps, "acme"), sol.id, priced("30.00"))
    open_now(deps, sealer, sol)
    first = []
    before_the_next_commit(deps, "award.made", lambda: first.append(awards.make_award(deps, PURCHASING, sol.id)))

    # When this one is written
    with pytest.raises(Conflict) as refused:
        awards.make_award(deps, PURCHASING, sol.id)

    # Then it is refused and only the first decision's award exists
    assert refused.value.rule in ("R-8a", "R-8b")
    (_, (award,)) = first[0]
    assert [a.id for a in deps.store.iterate(Award, "by_solicitation", sol.id)] == [award.id]
    assert deps.store.get(Solicitation, sol.id).award_ids == (award.id,)


def conditional_award(deps, sealer, sol, surety=Decimal(10)):
    current = deps.store.get(Solicitation, sol.id)
    deps.store.commit(
        PURCHASING,
        deps.clock.now(),
        [Change(action="test", after=dataclasses.replace(current, surety_percent=surety), before=current)],
    )
    acme = vendor(deps, "acme")
    bids.submit_bid(deps, sealer, acme, sol.id, priced("30.00"))
    open_now(deps, sealer, sol)
    deps.clock.advance(days=40)
    (_, (award,)) = awards.make_award(deps, PURCHASING, sol.id)
    awards.notice(deps, "award-x", award.id, 1)
    return acme, award


@pytest.mark.rule("R-8c")
def test_the_lapse_step_finding_the_award_accepted_goes_on_to_surety_and_alerts_nobody(deps, sealer, sol):
    # Given a conditional award accepted just before its deadline, its acceptance reaching the workflow after the timer
    acme, award = conditional_award(deps, sealer, sol)
    awards.accept(deps, acme, award.id)
    deps.clock.advance(days=11)
    sent = len(deps.notifier.sent)

    # When the lapse step runs
    step = awards.lapsed(deps, "award-x", award.id, 1)

    # Then it reports the acceptance and the surety wait that follows; the award stays contracted; nobody is alerted
    assert step["accepted"] is True and step["surety_required"] is True and step["conditional"] is False
    assert deps.store.get(Award, award.id).share(1).status is ShareStatus.CONTRACTED
    assert len(deps.notifier.sent) == sent


@pytest.mark.rule("R-9h")
def test_surety_furnished_while_the_workflow_stores_its_token_is_decided_again_and_answers_that_token(deps, sealer, sol):
    # Given an accepted award, and the workflow storing its surety token while the bidder furnishes surety
    acme, award = conditional_award(deps, sealer, sol)
    awards.accept(deps, acme, award.id)
    before_the_next_commit(deps, "award.surety_furnished", lambda: awards.await_surety(deps, "award-x", award.id, 1, "token-s"))

    # When the surety is furnished
    current = deps.store.get(Award, award.id)
    amount = str(awards.rules.surety_amount(current, current.share(1)))
    furnished = awards.furnish_surety(deps, acme, award.id, "performance_bond", amount, "PB-1")

    # Then it is stored, and the token the workflow waits on is answered
    assert furnished.share(1).surety is not None
    assert ("token-s", {"surety": True}) in deps.workflows.resumed


@pytest.mark.rule("R-8c")
def test_an_acceptance_racing_the_workflow_storing_its_token_is_decided_again_and_forms_the_contract(deps, sealer, sol):
    # Given a conditional award, and the workflow storing its acceptance token while the bidder accepts
    acme, award = conditional_award(deps, sealer, sol)
    before_the_next_commit(deps, "award.accepted", lambda: awards.await_acceptance(deps, "award-x", award.id, 1, "token-a"))

    # When the bidder accepts
    accepted = awards.accept(deps, acme, award.id)

    # Then the contract is formed and the waiting token answered
    assert accepted.share(1).status is ShareStatus.CONTRACTED and accepted.share(1).contract_id
    assert [t for t, _ in deps.workflows.resumed] == ["token-a"]
