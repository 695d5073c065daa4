"""Invitations to bid as the domain sees them: the draft (R-18, R-5f, R-6), publication (R-4), addenda and
cancellation before opening only (R-5o)."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.domain import solicitations as rules
from chalicelib.domain.calendar import CT
from chalicelib.domain.errors import Conflict, DeadlinePassed, ValidationFailed
from chalicelib.domain.solicitations import AwardBasis, EvaluationFactor, SolicitationStatus
from tests.unit.test_solicitations_examples import FACTORS, NOW, OPENING, draft, open_solicitation


@pytest.mark.rule("R-18a/b")
@pytest.mark.parametrize("missing", ["price", "past_performance", "financial_responsibility"])
def test_a_draft_without_a_required_evaluation_factor_is_rejected(missing):
    factors = [f for f in FACTORS if f.name != missing]
    with pytest.raises(ValidationFailed) as exc:
        draft(evaluation_factors=factors)
    assert exc.value.rule == "R-18a/b"
    assert any(missing in d["problem"] for d in exc.value.details)


@pytest.mark.rule("R-18a/b")
def test_evaluation_factors_need_a_positive_relative_importance():
    factors = FACTORS[:2] + [EvaluationFactor("financial_responsibility", Decimal(0))]
    with pytest.raises(ValidationFailed) as exc:
        draft(evaluation_factors=factors)
    assert exc.value.details[0]["field"] == "evaluation_factors[2].weight"


@pytest.mark.rule("R-18a/b")
def test_publishing_checks_the_factors_again():
    sol = dataclasses.replace(draft(), evaluation_factors=tuple(FACTORS[:1]))
    with pytest.raises(ValidationFailed) as exc:
        rules.publish(sol, NOW)
    assert exc.value.rule == "R-18a/b"


@pytest.mark.rule("R-5b")
def test_the_opening_time_must_be_in_the_future_and_carry_an_offset():
    with pytest.raises(ValidationFailed) as past:
        draft(opening_at=NOW - dt.timedelta(hours=1))
    with pytest.raises(ValidationFailed) as naive:
        draft(opening_at=dt.datetime(2026, 3, 16, 10, 0))
    assert past.value.details[0]["field"] == naive.value.details[0]["field"] == "opening_at"


def test_every_problem_of_a_draft_is_listed_at_once():
    with pytest.raises(ValidationFailed) as exc:
        draft(title=" ", commodity_codes=["x"], guaranty_percent=Decimal(11), surety_percent=Decimal(101))
    fields = {d["field"] for d in exc.value.details}
    assert {"title", "commodity_codes[0]", "guaranty_percent", "surety_percent"} <= fields


@pytest.mark.rule("R-5f")
def test_an_all_or_none_invitation_is_awarded_as_a_whole():
    with pytest.raises(ValidationFailed) as exc:
        draft(all_or_none=True, award_basis=AwardBasis.ITEM)
    assert exc.value.details[0]["field"] == "award_basis"


@pytest.mark.rule("R-8b")
def test_award_by_group_needs_groups_and_groups_name_known_lines():
    with pytest.raises(ValidationFailed):
        draft(award_basis=AwardBasis.GROUP, groups=[])
    with pytest.raises(ValidationFailed) as exc:
        draft(groups=[rules.LineGroup("g", ("9",))])
    assert "unknown line" in exc.value.details[0]["problem"]


@pytest.mark.rule("R-8c")
def test_the_award_period_defaults_to_thirty_days_from_opening():
    sol = dataclasses.replace(open_solicitation(), opened_at=OPENING)
    # opened Monday 16 March: the 30 calendar days run through 15 April, Connecticut time
    assert sol.award_period_ends_at == dt.datetime(2026, 4, 16, 0, 0, tzinfo=CT)


@pytest.mark.rule("R-4")
def test_publishing_is_the_public_notice():
    sol = open_solicitation()
    assert sol.status is SolicitationStatus.OPEN and sol.published_at == NOW and sol.is_public
    assert not draft().is_public


@pytest.mark.rule("R-4")
def test_a_published_solicitation_is_not_published_twice():
    with pytest.raises(Conflict):
        rules.publish(open_solicitation(), NOW)


@pytest.mark.rule("R-4")
def test_vendors_of_a_commodity_class_are_invited_to_its_items_and_back():
    assert rules.commodity_matches(("64000",), ("640",))
    assert rules.commodity_matches(("640",), ("64012",))
    assert not rules.commodity_matches(("64000",), ("615",))


@pytest.mark.rule("R-5o")
def test_addenda_are_numbered_and_issued_before_opening_only():
    sol = rules.add_addendum(open_solicitation(), "Line 1 is 24 lb paper.", NOW)
    sol = rules.add_addendum(sol, "Delivery to Hartford.", NOW)
    assert [a.number for a in sol.addenda] == [1, 2]
    with pytest.raises(DeadlinePassed) as exc:
        rules.add_addendum(sol, "Too late.", OPENING)
    assert exc.value.rule == "R-5o"


@pytest.mark.rule("R-5o")
def test_an_invitation_holds_at_most_fifty_addenda():
    # Given an invitation amended the most times
    sol = open_solicitation()
    for n in range(rules.MAX_ADDENDA):
        sol = rules.add_addendum(sol, f"Change {n}.", NOW)
    # When purchasing issues one more, Then it is a 400 naming addenda and the rule
    with pytest.raises(ValidationFailed) as refused:
        rules.add_addendum(sol, "One more.", NOW)
    assert refused.value.rule == "R-5o" and [d["field"] for d in refused.value.details] == ["addenda"]


@pytest.mark.rule("R-5o")
def test_cancellation_needs_a_reason_and_comes_before_opening():
    with pytest.raises(ValidationFailed):
        rules.cancel(open_solicitation(), " ", NOW)
    with pytest.raises(DeadlinePassed):
        rules.cancel(open_solicitation(), "budget", OPENING + dt.timedelta(seconds=1))
    cancelled = rules.cancel(open_solicitation(), "budget withdrawn", NOW)
    assert cancelled.status is SolicitationStatus.CANCELLED and cancelled.cancel_reason == "budget withdrawn"


@pytest.mark.rule("R-5o")
def test_a_cancelled_invitation_is_never_opened():
    cancelled = rules.cancel(open_solicitation(), "budget withdrawn", NOW)
    with pytest.raises(rules.SolicitationCancelled):
        rules.mark_opened(cancelled, OPENING, 0)


@pytest.mark.rule("R-5b")
def test_bids_are_not_opened_before_the_opening_time():
    with pytest.raises(rules.OpeningNotDue):
        rules.mark_opened(open_solicitation(), OPENING - dt.timedelta(seconds=1), 0)
    assert rules.mark_opened(open_solicitation(), OPENING, 3).bid_count == 3
