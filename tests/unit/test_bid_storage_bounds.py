"""The storage bounds of one bid (issue #14, docs/decisions.md "Items sized by design"): the samples (R-7), the
determinations (R-19) and the accepted quantity changes (R-8e) one bid holds. Each bound refuses the one past it with a
400 naming the field and the rule, and changes nothing."""

import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.domain import bidder_requests as requests
from chalicelib.domain import bids as rules
from chalicelib.domain.bids import MAX_DETERMINATIONS, MAX_QUANTITY_CHANGES, MAX_SAMPLES, Finding
from chalicelib.domain.errors import ValidationFailed
from tests.unit.test_bids import opened_bid
from tests.unit.test_solicitations_examples import OPENING, opened_solicitation

RECEIVED = dt.date(2026, 3, 10)


def refusal(raised: pytest.ExceptionInfo[ValidationFailed]) -> tuple[str | None, list[tuple[str, str]]]:
    """What the API's 400 (ValidationFailed) names: its rule and the (field, rule) of each detail."""
    return raised.value.rule, [(d["field"], d["rule"]) for d in raised.value.details]


def with_quantity_changes(bid: rules.Bid, count: int) -> rules.Bid:
    """The bid after `count` accepted quantity changes of its line 1, alternating between two quantities."""
    for n in range(count):
        bid = rules.with_quantity(bid, "1", Decimal(101 + n % 2), f"agency requirement {n}")
    return bid


@pytest.mark.rule("R-7")
def test_the_twentieth_sample_is_recorded_and_the_twenty_first_is_refused_naming_the_description():
    # Given an opened bid holding one sample fewer than the bound
    sol = opened_solicitation(samples_required=True)
    bid = opened_bid()
    for n in range(MAX_SAMPLES - 1):
        bid = rules.record_sample(bid, sol, RECEIVED, f"Sample {n}", "officer", OPENING)
    # When the last sample the bound allows is recorded, Then it is kept
    bid = rules.record_sample(bid, sol, RECEIVED, "Sample 20", "officer", OPENING)
    assert len(bid.samples) == MAX_SAMPLES
    # When one more is recorded, Then it is refused with a 400 naming the field and R-7
    with pytest.raises(ValidationFailed) as refused:
        rules.record_sample(bid, sol, RECEIVED, "Sample 21", "officer", OPENING)
    assert refusal(refused) == ("R-7", [("description", "R-7")])


@pytest.mark.rule("R-19")
def test_the_twentieth_determination_is_recorded_and_the_twenty_first_is_refused_naming_the_finding():
    # Given an opened bid holding one determination fewer than the bound
    bid = opened_bid()
    for n in range(MAX_DETERMINATIONS - 1):
        bid = rules.determine(bid, Finding.WAIVE, f"Minor irregularity {n}", "officer", OPENING)
    # When the last one the bound allows is written, Then it is kept
    bid = rules.determine(bid, Finding.WAIVE, "Minor irregularity 20", "officer", OPENING)
    assert len(bid.determinations) == MAX_DETERMINATIONS
    # When one more is written, Then it is refused with a 400 naming the field and R-19
    with pytest.raises(ValidationFailed) as refused:
        rules.determine(bid, Finding.WAIVE, "Minor irregularity 21", "officer", OPENING)
    assert refusal(refused) == ("R-19", [("finding", "R-19")])


@pytest.mark.rule("R-8e")
def test_the_fifty_first_quantity_change_is_refused_when_proposed_naming_the_quantity():
    # Given an opened bid that accepted as many quantity changes as the bound allows
    sol = opened_solicitation()
    bid = with_quantity_changes(opened_bid(), MAX_QUANTITY_CHANGES)
    # When purchasing proposes one more, Then it is refused with a 400 naming the field and R-8e
    with pytest.raises(ValidationFailed) as refused:
        requests.propose_quantity(sol, bid, "QC-51", "1", "120", "DOT needs more", "officer", OPENING)
    assert refusal(refused) == ("R-8e", [("quantity", "R-8e")])


@pytest.mark.rule("R-8e")
def test_the_fiftieth_quantity_change_is_accepted_and_one_pending_beside_it_is_refused_at_its_acceptance():
    # Given a bid one accepted change below the bound, and two changes proposed while it was (both pass the bound)
    sol = opened_solicitation()
    bid = with_quantity_changes(opened_bid(), MAX_QUANTITY_CHANGES - 1)
    first = requests.propose_quantity(sol, bid, "QC-50", "2", "30", "DOT needs more", "officer", OPENING)
    second = requests.propose_quantity(sol, bid, "QC-51", "3", "15", "DOT needs more", "officer", OPENING)
    # When the bidder accepts the first, Then it is accepted and the bid holds the bound's count of changes
    assert requests.decide_quantity(first, sol, bid, True, "bidder", OPENING).status.value == "accepted"
    bid = rules.with_quantity(bid, first.line_id, first.quantity, first.reason)
    assert sum(c.rule == "R-8e" for c in bid.opened_content.corrections) == MAX_QUANTITY_CHANGES
    # When it accepts the second, Then the acceptance is refused with a 400 naming the field and R-8e
    with pytest.raises(ValidationFailed) as refused:
        requests.decide_quantity(second, sol, bid, True, "bidder", OPENING)
    assert refusal(refused) == ("R-8e", [("quantity", "R-8e")])
    # And the bidder may still decline it
    assert requests.decide_quantity(second, sol, bid, False, "bidder", OPENING).status.value == "declined"
