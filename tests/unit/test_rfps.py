"""Requests for proposals as the domain sees them: the draft's factors (R-16a, R-18a/b) and pre-proposal conference
(R-16b), publication (R-4), and addenda and cancellation before the due date only."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.domain import rfps as rules
from chalicelib.domain.calendar import CT
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.rfps import Conference, RfpStatus
from chalicelib.domain.solicitations import EvaluationFactor

NOW = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
DUE = dt.datetime(2026, 4, 15, 14, 0, tzinfo=CT)
CONFERENCE = Conference(dt.datetime(2026, 3, 25, 10, 0, tzinfo=CT), "450 Columbus Blvd, Hartford", mandatory=True)
FACTORS = [
    EvaluationFactor(name, Decimal(weight))
    for name, weight in [
        ("plan_of_performance", 25),
        ("ability", 15),
        ("personnel_equipment_facilities", 10),
        ("past_performance", 15),
        ("price", 30),
        ("financial_responsibility", 5),
    ]
]


def draft(**changes):
    fields = {
        "rfp_id": "RFP-1",
        "title": "Case management system",
        "agency": "DSS",
        "commodity_codes": ["20800"],
        "scope": "Configure, host and support a case management system.",
        "proposals_due": DUE,
        "evaluation_factors": list(FACTORS),
        "now": NOW,
        "created_by": "buyer",
        "conference": CONFERENCE,
    }
    return rules.new_rfp(**{**fields, **changes})


def published(**changes):
    return rules.publish(draft(**changes), NOW)


@pytest.mark.rule("R-16a")
@pytest.mark.parametrize("missing", ["plan_of_performance", "ability", "personnel_equipment_facilities", "past_performance"])
def test_a_draft_without_a_minimum_factor_of_r16a_is_refused_naming_it_and_the_rule(missing):
    # Given the factors without one of R-16a's minimum four / When drafted / Then refused under R-16a, naming it
    with pytest.raises(ValidationFailed) as exc:
        draft(evaluation_factors=[f for f in FACTORS if f.name != missing])
    assert exc.value.rule == "R-16a"
    assert [d["problem"] for d in exc.value.details] == [f"must include {missing!r} (R-16a)"]


@pytest.mark.rule("R-18a/b")
@pytest.mark.parametrize("missing", ["price", "financial_responsibility"])
def test_a_draft_without_price_or_financial_responsibility_is_refused_under_r18(missing):
    # Given the factors without price or financial responsibility / When drafted / Then refused under R-18a/b
    with pytest.raises(ValidationFailed) as exc:
        draft(evaluation_factors=[f for f in FACTORS if f.name != missing])
    assert exc.value.rule == "R-18a/b"
    assert [d["problem"] for d in exc.value.details] == [f"must include {missing!r} (R-18a/b)"]


@pytest.mark.rule("R-16a")
@pytest.mark.rule("R-18a/b")
def test_every_missing_factor_is_named_at_once():
    # Given only price / When drafted / Then each of the five other required factors is named
    with pytest.raises(ValidationFailed) as exc:
        draft(evaluation_factors=[FACTORS[4]])
    assert exc.value.rule == "R-16a"
    named = {d["problem"].split("'")[1] for d in exc.value.details}
    assert named == {
        "plan_of_performance",
        "ability",
        "personnel_equipment_facilities",
        "past_performance",
        "financial_responsibility",
    }


@pytest.mark.rule("R-18a/b")
def test_each_factor_needs_a_positive_relative_importance():
    # Given a factor of weight 0 / When drafted / Then that factor's weight is named
    factors = [*FACTORS[:-1], EvaluationFactor("financial_responsibility", Decimal(0))]
    with pytest.raises(ValidationFailed) as exc:
        draft(evaluation_factors=factors)
    assert exc.value.details[0]["field"] == "evaluation_factors[5].weight"


@pytest.mark.rule("R-16a")
def test_a_draft_may_state_factors_beyond_the_minimum():
    # Given an extra factor / When drafted / Then it is kept with its weight
    rfp = draft(evaluation_factors=[*FACTORS, EvaluationFactor("accessibility", Decimal(5))])
    assert [f.name for f in rfp.evaluation_factors][-1] == "accessibility"


@pytest.mark.rule("R-16c")
def test_the_due_date_must_be_in_the_future_and_carry_an_offset():
    # Given a due date now, or without an offset / When drafted / Then proposals_due is named
    with pytest.raises(ValidationFailed) as now:
        draft(proposals_due=NOW, conference=None)
    with pytest.raises(ValidationFailed) as naive:
        draft(proposals_due=dt.datetime(2026, 4, 15, 14, 0), conference=None)
    assert now.value.details[0]["field"] == naive.value.details[0]["field"] == "proposals_due"


def test_a_draft_is_stored_in_utc_and_negotiation_notice_defaults_to_three_days():
    rfp = draft()
    assert rfp.proposals_due == DUE.astimezone(dt.UTC) and rfp.conference.at.tzinfo == dt.UTC
    assert rfp.negotiation_notice_days == 3 and rfp.status is RfpStatus.DRAFT


@pytest.mark.rule("R-16h-l")
@pytest.mark.parametrize("days", [0, 4])
def test_the_negotiation_notice_is_at_most_the_three_days_of_the_rule(days):
    with pytest.raises(ValidationFailed) as exc:
        draft(negotiation_notice_days=days)
    assert exc.value.details[0]["field"] == "negotiation_notice_days"


@pytest.mark.rule("R-16b")
def test_a_conference_at_the_last_second_of_the_day_before_the_due_date_is_accepted():
    # Given a conference at 23:59:59 on the day before the due date / When drafted / Then it is kept
    last = dt.datetime(2026, 4, 14, 23, 59, 59, tzinfo=CT)
    assert draft(conference=Conference(last, "Hartford")).conference.at == last


@pytest.mark.rule("R-16b")
def test_a_conference_on_the_due_date_itself_is_refused():
    # Given a conference at 00:00:00 of the due date ("prior to the date established") / When drafted / Then refused
    with pytest.raises(ValidationFailed) as exc:
        draft(conference=Conference(dt.datetime(2026, 4, 15, 0, 0, tzinfo=CT), "Hartford"))
    assert exc.value.rule == "R-16b" and exc.value.details[0]["field"] == "conference.at"


@pytest.mark.rule("R-16b")
def test_a_conference_in_the_past_or_without_a_place_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        draft(conference=Conference(NOW - dt.timedelta(seconds=1), " "))
    assert {d["field"] for d in exc.value.details} == {"conference.at", "conference.location"}


@pytest.mark.rule("R-4")
def test_publishing_opens_the_draft_as_the_public_notice():
    rfp = published()
    assert rfp.status is RfpStatus.OPEN and rfp.published_at == NOW and rfp.is_public


@pytest.mark.rule("R-4")
def test_only_a_draft_is_published():
    with pytest.raises(Conflict):
        rules.publish(published(), NOW)


@pytest.mark.rule("R-16b")
def test_a_draft_whose_conference_has_passed_is_not_published():
    # Given a draft whose conference is now / When published / Then refused under R-16b
    rfp = draft()
    with pytest.raises(Conflict) as exc:
        rules.publish(rfp, rfp.conference.at)
    assert exc.value.rule == "R-16b"


@pytest.mark.rule("R-16a")
def test_publishing_checks_the_factors_again():
    rfp = dataclasses.replace(draft(), evaluation_factors=tuple(FACTORS[1:]))
    with pytest.raises(ValidationFailed) as exc:
        rules.publish(rfp, NOW)
    assert exc.value.rule == "R-16a"


@pytest.mark.rule("R-16c")
def test_an_addendum_at_the_last_second_before_the_due_date_is_issued():
    # Given an open request / When an addendum is issued one second before the due date / Then it is numbered 1
    rfp = rules.add_addendum(published(), "Also 300 eligibility workers.", DUE - dt.timedelta(seconds=1))
    assert [(a.number, a.text) for a in rfp.addenda] == [(1, "Also 300 eligibility workers.")]


@pytest.mark.rule("R-16c")
def test_an_addendum_at_the_due_instant_is_refused():
    # Given an open request / When an addendum is issued at the due instant / Then refused: proposals are due
    with pytest.raises(rules.ProposalsClosed) as exc:
        rules.add_addendum(published(), "Late change.", DUE)
    assert exc.value.rule == "R-16c" and exc.value.details[0]["field"] == "proposals_due"


@pytest.mark.rule("R-16c")
def test_an_addendum_may_postpone_the_due_date_but_not_advance_it():
    later = DUE + dt.timedelta(days=14)
    rfp = rules.add_addendum(published(), "Two more weeks.", NOW, later)
    assert rfp.proposals_due == later and rfp.addenda[0].proposals_due == later
    with pytest.raises(ValidationFailed) as exc:
        rules.add_addendum(published(), "Sooner.", NOW, DUE - dt.timedelta(days=1))
    assert exc.value.details[0]["field"] == "proposals_due"


def test_a_draft_takes_no_addendum():
    with pytest.raises(Conflict):
        rules.add_addendum(draft(), "Text", NOW)


@pytest.mark.rule("R-16c")
def test_cancellation_before_the_due_date_keeps_its_reason():
    rfp = rules.cancel(published(), " Need met elsewhere. ", DUE - dt.timedelta(seconds=1))
    assert rfp.status is RfpStatus.CANCELLED and rfp.cancel_reason == "Need met elsewhere."


@pytest.mark.rule("R-16c")
def test_cancellation_at_the_due_instant_is_refused():
    with pytest.raises(rules.ProposalsClosed):
        rules.cancel(published(), "Too late.", DUE)


def test_a_cancelled_request_takes_no_addendum_and_no_second_cancellation():
    cancelled = rules.cancel(published(), "Need met.", NOW)
    with pytest.raises(rules.RfpCancelled):
        rules.add_addendum(cancelled, "Text", NOW)
    with pytest.raises(rules.RfpCancelled):
        rules.cancel(cancelled, "Again", NOW)


@pytest.mark.rule("R-16c")
def test_a_request_holds_at_most_fifty_addenda():
    # Given a published request amended the most times
    rfp = published()
    for n in range(rules.MAX_ADDENDA):
        rfp = rules.add_addendum(rfp, f"Change {n}.", NOW)
    # When purchasing issues one more, Then it is a 400 naming addenda and the rule
    with pytest.raises(ValidationFailed) as refused:
        rules.add_addendum(rfp, "One more.", NOW)
    assert refused.value.rule == "R-16c" and [d["field"] for d in refused.value.details] == ["addenda"]
