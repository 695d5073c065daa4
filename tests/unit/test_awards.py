"""The award chain as the domain sees it: conditional awards after the award period (R-8c), 10 days to accept
(R-9g), surety within 10 days of its request (R-9h), the next ranked bidder, and the contract (R-9a)."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.domain import awards as rules
from chalicelib.domain import evaluation
from chalicelib.domain.awards import Award, AwardStatus
from chalicelib.domain.errors import Conflict, DeadlinePassed, Forbidden, ValidationFailed
from chalicelib.domain.solicitations import AwardBasis
from tests.unit.test_evaluation import priced
from tests.unit.test_solicitations_examples import OPENING, opened_solicitation

AT = OPENING + dt.timedelta(days=2)


def award(surety_percent=None) -> Award:
    sol = opened_solicitation()
    (ranking,) = evaluation.rank(sol, [priced("A", "30.00"), priced("B", "25.00")], AwardBasis.ALL)
    return Award(id="AW-1", solicitation_id=sol.id, agency=sol.agency, scope=ranking.scope, candidates=ranking.candidates,
                 created_at=AT, surety_percent=surety_percent)


def offered(surety_percent=None) -> Award:
    return rules.offer(award(surety_percent), "token-1", AT)


@pytest.mark.rule("R-8c")
def test_an_award_within_the_award_period_is_firm_and_after_it_conditional():
    sol = opened_solicitation()
    assert not rules.is_conditional(sol, OPENING + dt.timedelta(days=30))
    assert rules.is_conditional(sol, OPENING + dt.timedelta(days=30, seconds=1))
    assert rules.is_conditional(dataclasses.replace(sol, award_period_days=10), OPENING + dt.timedelta(days=11))


@pytest.mark.rule("R-9g")
def test_the_first_ranked_bidder_is_offered_the_award_with_ten_days_to_accept():
    a = offered()
    assert a.current.vendor_id == "B" and a.status is AwardStatus.OFFERED
    assert a.accept_by == AT + dt.timedelta(days=10)


@pytest.mark.rule("R-9g")
def test_acceptance_within_ten_days_is_recorded():
    accepted = rules.accept(offered(), "B", AT + dt.timedelta(days=9, hours=23))
    assert accepted.status is AwardStatus.ACCEPTED and accepted.offer_token is None


@pytest.mark.rule("R-9g")
def test_acceptance_after_ten_days_is_refused():
    with pytest.raises(DeadlinePassed) as exc:
        rules.accept(offered(), "B", AT + dt.timedelta(days=10))
    assert exc.value.rule == "R-9g"


@pytest.mark.rule("R-9g")
def test_only_the_bidder_offered_the_award_may_accept_it():
    with pytest.raises(Forbidden):
        rules.accept(offered(), "A", AT)


@pytest.mark.rule("R-9g")
def test_a_lapse_moves_the_award_to_the_next_ranked_bidder_and_records_why():
    moved = rules.move_on(offered(), "lapsed", "not accepted within 10 days", AT + dt.timedelta(days=10))
    assert moved.current.vendor_id == "A" and moved.status is AwardStatus.PENDING
    assert [(o.bid_id, o.outcome) for o in moved.outcomes] == [("BID-B", "lapsed")]


@pytest.mark.rule("R-9g")
def test_when_no_ranked_bidder_is_left_the_award_is_exhausted():
    once = rules.move_on(offered(), "declined", "no", AT)
    twice = rules.move_on(rules.offer(once, "t2", AT), "declined", "no", AT)
    assert twice.status is AwardStatus.EXHAUSTED and twice.current is None
    with pytest.raises(rules.NoBidderLeft):
        rules.offer(twice, "t3", AT)


@pytest.mark.rule("R-9h")
def test_acceptance_of_an_award_requiring_surety_waits_for_it():
    accepted = rules.accept(offered(surety_percent=Decimal(10)), "B", AT)
    assert accepted.status is AwardStatus.AWAITING_SURETY and accepted.surety_amount == Decimal("406.00")


@pytest.mark.rule("R-9h")
def test_surety_is_due_ten_days_after_its_request():
    requested = rules.request_surety(rules.accept(offered(Decimal(10)), "B", AT), "s-1", AT)
    assert requested.surety_due == AT + dt.timedelta(days=10)
    with pytest.raises(DeadlinePassed):
        rules.furnish_surety(requested, "B", "performance_bond", "406.00", "PB-1", AT + dt.timedelta(days=10))


@pytest.mark.rule("R-9h")
@pytest.mark.rule("R-6b")
def test_surety_below_the_required_percentage_or_in_another_form_is_rejected():
    requested = rules.request_surety(rules.accept(offered(Decimal(10)), "B", AT), "s-1", AT)
    with pytest.raises(ValidationFailed) as exc:
        rules.furnish_surety(requested, "B", "promise", "405.99", "PB-1", AT)
    assert {d["field"] for d in exc.value.details} == {"form", "amount"}
    furnished = rules.furnish_surety(requested, "B", "letter_of_credit", "406.00", "LC-9", AT)
    assert furnished.status is AwardStatus.ACCEPTED and furnished.surety.reference == "LC-9"


@pytest.mark.rule("R-9h")
def test_missing_surety_cancels_the_award_for_the_next_bidder():
    requested = rules.request_surety(rules.accept(offered(Decimal(10)), "B", AT), "s-1", AT)
    moved = rules.move_on(requested, "surety_lapsed", "no surety", AT + dt.timedelta(days=10))
    assert moved.current.vendor_id == "A" and moved.surety_requested_at is None and moved.accepted_at is None


@pytest.mark.rule("R-9a")
def test_the_accepted_bid_forms_the_contract_at_its_unit_prices():
    sol = opened_solicitation()
    accepted = rules.accept(offered(), "B", AT)
    content = priced("B", "25.00").content
    contract = rules.contract_for(accepted, sol, content, "CT-1", AT)
    assert contract.contractor_id == "B" and contract.total == Decimal("4060.00")
    assert (contract.lines[0].line_id, contract.lines[0].unit_price) == ("1", Decimal("25.00"))
    assert rules.contracted(accepted, "CT-1").status is AwardStatus.CONTRACTED


@pytest.mark.rule("R-9a")
def test_no_contract_before_acceptance():
    with pytest.raises(Conflict):
        rules.contracted(offered(), "CT-1")


@pytest.mark.rule("R-8c")
def test_an_offer_after_the_shorter_acceptance_period_a_bid_states_is_conditional():
    sol = opened_solicitation()
    a = award()
    short = dataclasses.replace(a.candidates[0], acceptance_period_days=5)
    a = dataclasses.replace(a, candidates=(short, *a.candidates[1:]))
    assert not rules.offer(a, "t", OPENING + dt.timedelta(days=5), sol).conditional
    assert rules.offer(a, "t", OPENING + dt.timedelta(days=5, seconds=1), sol).conditional
