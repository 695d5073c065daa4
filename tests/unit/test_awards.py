"""The award as the domain sees it: the notice forms the contract (R-9a, R-9g), conditional awards after the award
period (R-8c), refusal within 10 calendar days and the next bidder (R-9g), surety and cancellation (R-9h), split
awards by item (R-8b) and the responsibility findings stated in the award (R-18a/b)."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.domain import awards as rules
from chalicelib.domain import contracts, evaluation
from chalicelib.domain.awards import Award, ShareStatus
from chalicelib.domain.contracts import CancellationGround, ContractStatus
from chalicelib.domain.errors import Conflict, DeadlinePassed, Forbidden, ValidationFailed
from chalicelib.domain.solicitations import AwardBasis
from tests.unit.test_evaluation import priced
from tests.unit.test_solicitations_examples import OPENING, opened_solicitation

AT = OPENING + dt.timedelta(days=2)  # Wednesday 18 March 2026, 10:00 in Connecticut
# 10 calendar days after a notice at AT: through Saturday 28 March, local time.
LAST_SECOND_OF_DAY_10 = dt.datetime(2026, 3, 28, 23, 59, 59, tzinfo=dt.UTC) + dt.timedelta(hours=4)
FIRST_SECOND_OF_DAY_11 = LAST_SECOND_OF_DAY_10 + dt.timedelta(seconds=1)


def award(surety_percent=None, bids=None, basis=AwardBasis.ALL, responsibility=None, at=AT) -> Award:
    sol = dataclasses.replace(opened_solicitation(award_basis=basis), surety_percent=surety_percent)
    (ranking, *_) = evaluation.rank(sol, bids or [priced("A", "30.00"), priced("B", "25.00")], basis)
    return rules.new_award("AW-1", sol, ranking, at, responsibility)


def noticed(surety_percent=None, **kw) -> Award:
    a = award(surety_percent, **kw)
    return rules.notice(a, 1, AT, None if a.share(1).conditional else "CT-1")


def refused(**kw) -> Award:
    a, _ = rules.refuse(noticed(**kw), "B", "cannot supply", AT + dt.timedelta(days=3))
    return a


# -- R-8c ---------------------------------------------------------------------------------------------------------
@pytest.mark.rule("R-8c")
def test_an_award_until_the_end_of_the_thirtieth_day_is_firm_and_from_the_next_day_conditional():
    # Given bids opened on 16 March: the 30 days run through 15 April, Connecticut time
    sol = opened_solicitation()
    last_second = dt.datetime(2026, 4, 16, 3, 59, 59, tzinfo=dt.UTC)
    # Then the award period ends at the start of 16 April and awards from then on are conditional
    assert sol.award_period_ends_at == last_second + dt.timedelta(seconds=1)
    assert not rules.is_conditional(sol, last_second)
    assert rules.is_conditional(sol, last_second + dt.timedelta(seconds=1))


@pytest.mark.rule("R-8c")
def test_an_award_after_the_shorter_acceptance_period_a_bid_states_is_conditional():
    # Given the lowest bid holds its price for 5 days only
    sol = opened_solicitation()
    short = dataclasses.replace(award().candidates[0], acceptance_period_days=5)
    # Then an award to it is firm through 21 March and conditional from 22 March, local time
    assert not rules.is_conditional(sol, dt.datetime(2026, 3, 22, 3, 59, 59, tzinfo=dt.UTC), short.acceptance_period_days)
    assert rules.is_conditional(sol, dt.datetime(2026, 3, 22, 4, 0, tzinfo=dt.UTC), short.acceptance_period_days)


@pytest.mark.rule("R-8c")
@pytest.mark.rule("R-9a")
def test_a_conditional_award_waits_for_the_bidders_acceptance_which_forms_the_contract():
    # Given an award made after the award period
    late = OPENING + dt.timedelta(days=40)
    a = rules.notice(award(at=late), 1, late, None)
    assert a.share(1).status is ShareStatus.CONDITIONAL and a.contract_id is None
    # When the bidder accepts within 10 days of the notice
    accepted = rules.accept(a, "B", late + dt.timedelta(days=9), "CT-7")
    # Then the contract is formed by the acceptance
    assert accepted.share(1).status is ShareStatus.CONTRACTED and accepted.contract_id == "CT-7"


@pytest.mark.rule("R-8c")
def test_a_conditional_award_accepted_from_the_eleventh_day_is_refused_and_lapses_for_purchasing():
    # Given a conditional award noticed at 10:00 on 25 April
    late = OPENING + dt.timedelta(days=40)
    a = rules.notice(award(at=late), 1, late, None)
    with pytest.raises(DeadlinePassed) as exc:
        rules.accept(a, "B", a.share(1).respond_by, "CT-7")
    assert exc.value.rule == "R-8c"
    assert rules.accept(a, "B", a.share(1).respond_by - dt.timedelta(seconds=1), "CT-7").contract_id == "CT-7"
    # When the timer ends it, the share lapses and waits for purchasing: nobody else is offered it
    lapsed = rules.lapse(a, 1, a.share(1).respond_by)
    assert lapsed.share(1).status is ShareStatus.LAPSED and len(lapsed.shares) == 1
    assert rules.lapse(lapsed, 1, a.share(1).respond_by) is lapsed


# -- R-9a / R-9g: the notice forms the contract ---------------------------------------------------------------------
@pytest.mark.rule("R-9a")
@pytest.mark.rule("R-9g")
def test_the_notice_of_a_firm_award_forms_the_contract_at_once():
    # When the notice of award goes to the lowest bidder within the award period
    a = noticed()
    share = a.share(1)
    # Then the contract exists from that moment, at the bid's prices
    assert share.candidate.vendor_id == "B" and share.status is ShareStatus.CONTRACTED
    assert (a.contract_id, share.noticed_at) == ("CT-1", AT)
    contract = rules.contract_for(a, share, opened_solicitation(), priced("B", "25.00").content, "CT-1", AT)
    assert contract.contractor_id == "B" and contract.total == Decimal("4060.00")


@pytest.mark.rule("R-9a")
def test_a_firm_award_needs_no_acceptance():
    with pytest.raises(Conflict) as exc:
        rules.accept(noticed(), "B", AT, "CT-2")
    assert exc.value.rule == "R-9a"


@pytest.mark.rule("R-9g")
def test_a_second_notice_of_the_same_share_is_refused():
    with pytest.raises(Conflict):
        rules.notice(noticed(), 1, AT, "CT-2")


@pytest.mark.rule("R-9g")
def test_a_refusal_at_the_last_second_of_the_tenth_day_is_recorded_and_waits_for_purchasing():
    # Given a notice at 10:00 on 18 March
    # When the bidder refuses at 23:59:59 on 28 March
    a, share = rules.refuse(noticed(), "B", "no stock", LAST_SECOND_OF_DAY_10)
    # Then the refusal is recorded and nothing else moves
    assert share.status is ShareStatus.REFUSED and share.refusal_reason == "no stock"
    assert [(o.outcome, o.bid_id) for o in a.outcomes] == [("refused", "BID-B")] and len(a.shares) == 1


@pytest.mark.rule("R-9g")
def test_a_refusal_from_the_first_second_of_the_eleventh_day_is_not_considered():
    with pytest.raises(DeadlinePassed) as exc:
        rules.refuse(noticed(), "B", "no stock", FIRST_SECOND_OF_DAY_11)
    assert exc.value.rule == "R-9g" and "CT-1 stands" in exc.value.message


@pytest.mark.rule("R-9g")
def test_only_the_awarded_bidder_may_refuse():
    with pytest.raises(Forbidden):
        rules.refuse(noticed(), "A", "no", AT)


@pytest.mark.rule("R-9g")
def test_next_gives_a_refused_award_to_the_next_ranked_bidder():
    # Given B refused
    # When purchasing passes the award on
    moved, passed, new = rules.pass_on(refused(), opened_solicitation(), AT + dt.timedelta(days=4))
    # Then B's share is passed on and A gets a new share, still to be noticed
    assert [s.status for s in passed] == [ShareStatus.PASSED_ON]
    assert [(s.number, s.candidate.vendor_id, s.status) for s in new] == [(2, "A", ShareStatus.PENDING)]
    assert [o.outcome for o in moved.outcomes] == ["refused", "passed_on"]


@pytest.mark.rule("R-9g")
def test_next_is_refused_when_nothing_was_refused_lapsed_or_cancelled():
    with pytest.raises(Conflict) as exc:
        rules.pass_on(noticed(), opened_solicitation(), AT)
    assert exc.value.rule == "R-9g"


@pytest.mark.rule("R-9g")
def test_next_is_refused_when_no_ranked_bidder_is_left():
    lone = refused(bids=[priced("B", "25.00")])
    with pytest.raises(rules.NoBidderLeft):
        rules.pass_on(lone, opened_solicitation(), AT)


# -- R-9h: surety and cancellation --------------------------------------------------------------------------------
@pytest.mark.rule("R-9h")
def test_surety_is_requested_with_the_contract_and_due_for_ten_calendar_days():
    a = noticed(surety_percent=Decimal(10))
    share = a.share(1)
    assert share.surety_requested_at == AT and share.surety_due == FIRST_SECOND_OF_DAY_11
    assert rules.surety_amount(a, share) == Decimal("406.00")
    furnished = rules.furnish_surety(a, "B", "performance_bond", "406.00", "PB-1", LAST_SECOND_OF_DAY_10)
    assert furnished.share(1).surety.reference == "PB-1"
    with pytest.raises(DeadlinePassed) as exc:
        rules.furnish_surety(a, "B", "performance_bond", "406.00", "PB-1", FIRST_SECOND_OF_DAY_11)
    assert exc.value.rule == "R-9h"


@pytest.mark.rule("R-9h")
@pytest.mark.rule("R-6b")
def test_surety_below_the_required_percentage_or_in_another_form_is_rejected():
    with pytest.raises(ValidationFailed) as exc:
        rules.furnish_surety(noticed(Decimal(10)), "B", "promise", "405.99", "PB-1", AT)
    assert {d["field"] for d in exc.value.details} == {"form", "amount"}


@pytest.mark.rule("R-9h")
def test_missing_surety_is_recorded_once_for_purchasing_and_cancels_nothing():
    a = noticed(Decimal(10))
    once = rules.surety_lapsed(a, 1, FIRST_SECOND_OF_DAY_11)
    assert once.share(1).status is ShareStatus.CONTRACTED and [o.outcome for o in once.outcomes] == ["surety_lapsed"]
    assert rules.surety_lapsed(once, 1, FIRST_SECOND_OF_DAY_11) is once


@pytest.mark.rule("R-9h")
def test_cancellation_for_missing_surety_waits_for_the_end_of_the_tenth_day():
    a = noticed(Decimal(10))
    with pytest.raises(Conflict) as exc:
        rules.ensure_surety_missing(a, "CT-1", LAST_SECOND_OF_DAY_10)
    assert exc.value.rule == "R-9h"
    rules.ensure_surety_missing(a, "CT-1", FIRST_SECOND_OF_DAY_11)
    furnished = rules.furnish_surety(a, "B", "certified_check", "406.00", "CC-1", AT)
    with pytest.raises(Conflict):
        rules.ensure_surety_missing(furnished, "CT-1", FIRST_SECOND_OF_DAY_11)


@pytest.mark.rule("R-9h")
def test_a_cancelled_share_can_be_given_to_the_next_bidder():
    a = rules.cancelled(noticed(Decimal(10)), "CT-1", "no surety", FIRST_SECOND_OF_DAY_11)
    assert a.share(1).status is ShareStatus.CANCELLED and a.contract_id is None
    _, _, (new,) = rules.pass_on(a, opened_solicitation(), FIRST_SECOND_OF_DAY_11)
    assert new.candidate.vendor_id == "A"


@pytest.mark.rule("R-9h")
def test_a_cancelled_contract_takes_no_more_orders_deliveries_or_invoices():
    sol = opened_solicitation()
    a = noticed()
    contract = rules.contract_for(a, a.share(1), sol, priced("B", "25.00").content, "CT-1", AT)
    contracts.require_active(contract, "R-9k")
    ended = contracts.cancel(contract, CancellationGround.NON_PERFORMANCE, "no deliveries", AT)
    assert ended.status is ContractStatus.CANCELLED and ended.cancellation_reason == "no deliveries"
    with pytest.raises(contracts.ContractCancelled) as exc:
        contracts.require_active(ended, "R-9k")
    assert exc.value.rule == "R-9h"
    with pytest.raises(Conflict):
        contracts.cancel(ended, CancellationGround.NON_PERFORMANCE, "again", AT)


@pytest.mark.rule("R-9h")
def test_a_cancellation_without_a_reason_is_refused():
    sol = opened_solicitation()
    a = noticed()
    contract = rules.contract_for(a, a.share(1), sol, priced("B", "25.00").content, "CT-1", AT)
    with pytest.raises(ValidationFailed) as exc:
        contracts.cancel(contract, CancellationGround.NON_PERFORMANCE, " ", AT)
    assert exc.value.details[0]["field"] == "reason"


# -- R-8b: split awards by item -----------------------------------------------------------------------------------
def partial(vendor, price, quantity):
    return priced(vendor, price, quantities={"1": quantity})


@pytest.mark.rule("R-8b")
@pytest.mark.rule("R-5f")
def test_by_item_the_lowest_bid_takes_what_it_offered_and_the_rest_goes_down_the_ranking():
    # Given line 1 (100 cases): A offers 40 at 24.00, B 30 at 25.00, C all 100 at 26.00
    bids = [partial("A", "24.00", "40"), partial("B", "25.00", "30"), priced("C", "26.00")]
    a = award(bids=bids, basis=AwardBasis.ITEM)
    # Then A takes 40, B 30 and C the remaining 30, each at its own price
    assert [(s.candidate.vendor_id, s.lines[0].quantity) for s in a.shares] == [("A", 40), ("B", 30), ("C", 30)]
    assert [rules.share_amount(a, s) for s in a.shares] == [Decimal("960.00"), Decimal("750.00"), Decimal("780.00")]
    contract = rules.contract_for(a, a.share(3), opened_solicitation(), priced("C", "26.00").content, "CT-3", AT)
    assert [(line.line_id, line.quantity) for line in contract.lines] == [("1", Decimal(30))]


@pytest.mark.rule("R-8b")
def test_a_refused_part_of_a_split_goes_to_the_next_bidder_with_quantity_left():
    # Given A (40), B (30) and C (30 of the 100 it offered) hold line 1, and A refuses
    bids = [partial("A", "24.00", "40"), partial("B", "25.00", "30"), priced("C", "26.00")]
    a = award(bids=bids, basis=AwardBasis.ITEM)
    for number, contract_id in ((1, "CT-1"), (2, "CT-2"), (3, "CT-3")):
        a = rules.notice(a, number, AT, contract_id)
    a, _ = rules.refuse(a, "A", "no stock", AT)
    # When purchasing passes it on
    _, _, (new,) = rules.pass_on(a, opened_solicitation(), AT)
    # Then C, the only bidder with quantity left, takes A's 40 as a new share
    assert (new.number, new.candidate.vendor_id, new.lines[0].quantity) == (4, "C", 40)


# -- R-18a/b ------------------------------------------------------------------------------------------------------
@pytest.mark.rule("R-18a/b")
def test_each_share_states_the_responsibility_note_given_or_no_adverse_finding():
    a = award(responsibility={"BID-A": "References checked: two late deliveries in 2025, cured."})
    assert a.share(1).responsibility == rules.NO_ADVERSE_FINDING
    refused_b, _ = rules.refuse(rules.notice(a, 1, AT, "CT-1"), "B", "no", AT)
    _, _, (new,) = rules.pass_on(refused_b, opened_solicitation(), AT)
    assert new.responsibility.startswith("References checked")
