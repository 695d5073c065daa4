"""OPM-7: the competitive procurement date of a request rescinding a waiver lies in the future, judged on the
Connecticut calendar: today is refused, tomorrow is accepted."""

from datetime import UTC, date, datetime

import pytest

from chalicelib.domain.calendar import CT
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.plans_amendments import PlanAmendmentStatus, ScheduleChange
from tests.unit.test_plans_amendments import file

LAST_SECOND_OF_JUNE_30 = datetime(2026, 6, 30, 23, 59, 59, tzinfo=CT)


def rescind(now, competitive_procurement_date):
    return file(ScheduleChange.TO_COMPETITIVE, "SHELTER", now=now, date_after=competitive_procurement_date)


@pytest.mark.rule("OPM-7")
def test_a_rescission_dated_today_is_refused_even_in_the_last_second_of_the_day():
    # Given the last second of 30 June in Connecticut
    # When the agency asks for a competitive procurement on 30 June
    with pytest.raises(ValidationFailed) as refused:
        rescind(LAST_SECOND_OF_JUNE_30, date(2026, 6, 30))
    # Then the date is refused as not in the future
    assert refused.value.rule == "OPM-7"
    assert refused.value.details == [{"field": "competitive_procurement_date", "problem": "must be a date after 2026-06-30"}]


@pytest.mark.rule("OPM-7")
def test_a_rescission_dated_tomorrow_is_accepted_in_the_last_second_of_today():
    # Given the last second of 30 June in Connecticut
    # When the agency asks for a competitive procurement on 1 July
    request = rescind(LAST_SECOND_OF_JUNE_30, date(2026, 7, 1))
    # Then the request goes to OPM for review
    assert request.status is PlanAmendmentStatus.UNDER_REVIEW and request.competitive_procurement_date == date(2026, 7, 1)


@pytest.mark.rule("OPM-7")
def test_tomorrow_is_judged_on_the_connecticut_date_not_the_utc_date():
    # Given 02:30 UTC on 1 July, still the evening of 30 June in Hartford
    evening_of_june_30 = datetime(2026, 7, 1, 2, 30, tzinfo=UTC)
    # When the agency asks for a competitive procurement on 1 July
    request = rescind(evening_of_june_30, date(2026, 7, 1))
    # Then 1 July is tomorrow in Connecticut and the request is accepted
    assert request.competitive_procurement_date == date(2026, 7, 1)


@pytest.mark.rule("OPM-7")
def test_a_rescission_dated_today_is_refused_in_the_first_second_of_the_day():
    # Given the first second of 1 July in Connecticut
    first_second_of_july_1 = datetime(2026, 7, 1, 0, 0, 0, tzinfo=CT)
    # When the agency asks for a competitive procurement on 1 July
    with pytest.raises(ValidationFailed) as refused:
        rescind(first_second_of_july_1, date(2026, 7, 1))
    # Then it is refused: 1 July is today, not the future
    assert refused.value.details[0]["field"] == "competitive_procurement_date"
