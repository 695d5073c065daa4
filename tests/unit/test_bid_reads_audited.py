"""Every read of a bid is in its audit trail with who and when (R-5b): the owner's before the opening, purchasing's
after it (single reads and the tabulation), and purchasing's refused read of a sealed bid. A retried submission is
answered from the stored bid and the body sent again, never from a record of its corrections (R-5l)."""

import pytest

from chalicelib.domain.errors import Conflict
from chalicelib.services import bids
from tests.unit import test_bids_services as given
from tests.unit.test_bids_services import PURCHASING, open_now, priced, vendor

sealer, sol = given.sealer, given.sol  # the fixtures of the bid services' tests


def reads(deps, bid_id):
    return [
        (a.action, a.actor, a.at, a.before, a.after)
        for a in deps.store.audit_trail(f"bid:{bid_id}")
        if a.action.startswith("bid.read")
    ]


@pytest.mark.rule("R-5b")
def test_the_owners_read_of_its_sealed_bid_is_recorded_with_actor_and_time(deps, sealer, sol):
    # Given acme's sealed bid
    acme = vendor(deps, "acme")
    bid = bids.submit_bid(deps, sealer, acme, sol.id, priced("30.00")).bid
    # When acme reads it
    bids.get_bid(deps, acme, sol.id, bid.id)
    # Then the trail holds the read, with no before or after
    assert reads(deps, bid.id) == [("bid.read", acme.sub, deps.clock.now(), None, None)]


@pytest.mark.rule("R-5b")
def test_purchasings_refused_read_of_a_sealed_bid_is_recorded_too(deps, sealer, sol):
    # Given a sealed bid
    bid = bids.submit_bid(deps, sealer, vendor(deps, "acme"), sol.id, priced("30.00")).bid
    # When purchasing tries to read it before the opening
    with pytest.raises(Conflict):
        bids.get_bid(deps, PURCHASING, sol.id, bid.id)
    # Then the attempt is in the trail
    assert reads(deps, bid.id) == [("bid.read_refused", PURCHASING.sub, deps.clock.now(), None, None)]


@pytest.mark.rule("R-5b")
@pytest.mark.rule("R-5n")
def test_after_the_opening_purchasings_single_and_tabulation_reads_are_recorded_on_each_bid(deps, sealer, sol):
    # Given two opened bids
    acme = bids.submit_bid(deps, sealer, vendor(deps, "acme"), sol.id, priced("30.00")).bid
    bolt = bids.submit_bid(deps, sealer, vendor(deps, "bolt"), sol.id, priced("25.00")).bid
    open_now(deps, sealer, sol)
    # When purchasing reads acme's bid and the tabulation, and the public reads the tabulation
    bids.get_bid(deps, PURCHASING, sol.id, acme.id)
    bids.tabulation(deps, sol.id, PURCHASING)
    bids.tabulation(deps, sol.id)
    # Then each bid's trail holds purchasing's reads only
    assert [r[:2] for r in reads(deps, acme.id)] == [("bid.read", PURCHASING.sub), ("bid.read_in_tabulation", PURCHASING.sub)]
    assert [r[:2] for r in reads(deps, bolt.id)] == [("bid.read_in_tabulation", PURCHASING.sub)]


@pytest.mark.rule("R-5l")
def test_a_retried_submission_gets_its_corrections_recomputed_from_the_body_sent_again(deps, sealer, sol):
    # Given acme's bid with a wrong extension, answered with its correction
    acme = vendor(deps, "acme")
    body = priced("30.00")
    body["lines"][0]["extension"] = "1.00"
    first = bids.submit_bid(deps, sealer, acme, sol.id, body)
    assert first.corrections
    # When the submission is answered again from the stored bid and the same body
    again = bids.submission_receipt(deps, acme, sol.id, first.bid.id, body)
    # Then the answer is the same receipt with the same corrections
    assert (again.bid.id, again.bid.commitment, again.corrections) == (first.bid.id, first.bid.commitment, first.corrections)
