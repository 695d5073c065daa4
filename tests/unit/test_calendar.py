"""domain/calendar.py: Connecticut business days, calendar months, local days across DST, UTC instants."""

import datetime as dt

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain import calendar

UTC = dt.UTC


def ct_holidays(year: int) -> holidays.HolidayBase:
    """A fresh, non-expanding copy of the library's Connecticut calendar (lookups never add other years)."""
    return holidays.US(subdiv="CT", years=year, expand=False)


# Connecticut state holidays of 2026 that fall on a weekday (checked against holidays.US(subdiv="CT") below).
WEEKDAY_HOLIDAYS_2026 = {
    dt.date(2026, 2, 12): "Lincoln's Birthday",
    dt.date(2026, 4, 3): "Good Friday",
    dt.date(2026, 5, 25): "Memorial Day",
    dt.date(2026, 7, 3): "Independence Day (observed)",
    dt.date(2026, 9, 7): "Labor Day",
    dt.date(2026, 10, 12): "Columbus Day",
    dt.date(2026, 11, 11): "Veterans Day",
    dt.date(2026, 11, 26): "Thanksgiving Day",
    dt.date(2026, 12, 25): "Christmas Day",
}

dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31))


# -- business days --------------------------------------------------------------------------------


@pytest.mark.parametrize("day", sorted(WEEKDAY_HOLIDAYS_2026), ids=str)
def test_the_holiday_examples_are_weekday_holidays_of_the_connecticut_calendar(day):
    # Given the library's Connecticut calendar for 2026 / Then each example is a weekday it names as that holiday
    assert day.weekday() < 5
    assert ct_holidays(2026).get(day) == WEEKDAY_HOLIDAYS_2026[day]


@pytest.mark.parametrize("day", sorted(WEEKDAY_HOLIDAYS_2026), ids=str)
def test_a_connecticut_state_holiday_on_a_weekday_is_not_a_business_day(day):
    # Given a weekday that is a Connecticut state holiday / When asked / Then it is not a business day
    assert calendar.is_business_day(day) is False


@pytest.mark.parametrize("day", [dt.date(2026, 3, 7), dt.date(2026, 3, 8)], ids=["saturday", "sunday"])
def test_a_weekend_day_is_not_a_business_day(day):
    assert calendar.is_business_day(day) is False


def test_an_ordinary_weekday_is_a_business_day():
    # Given Monday 2 March 2026, far from any holiday / Then it is a business day
    assert calendar.is_business_day(dt.date(2026, 3, 2)) is True


def test_the_friday_after_thanksgiving_is_a_business_day_in_connecticut():
    # Given the day after Thanksgiving, which is no Connecticut state holiday / Then it is a business day
    assert calendar.is_business_day(dt.date(2026, 11, 27)) is True


def test_a_new_years_day_observed_on_the_previous_december_31_is_not_a_business_day():
    # Given 1 January 2028 is a Saturday, so the library observes the holiday on Friday 31 December 2027
    assert dt.date(2028, 1, 1).weekday() == 5
    assert ct_holidays(2027).get(dt.date(2027, 12, 31)) == "New Year's Day (observed)"
    # Then that Friday is not a business day
    assert calendar.is_business_day(dt.date(2027, 12, 31)) is False


def test_adding_business_days_never_counts_the_start_day():
    # Given Monday 2 March 2026 / When one business day is added / Then it is Tuesday, not Monday
    assert calendar.add_business_days(dt.date(2026, 3, 2), 1) == dt.date(2026, 3, 3)


def test_adding_business_days_from_a_friday_skips_the_weekend():
    assert calendar.add_business_days(dt.date(2026, 3, 6), 1) == dt.date(2026, 3, 9)


def test_adding_business_days_skips_good_friday_and_the_weekend():
    # Given Thursday 2 April 2026, the day before Good Friday / When 1 business day is added / Then Monday 6 April
    assert calendar.add_business_days(dt.date(2026, 4, 2), 1) == dt.date(2026, 4, 6)


def test_adding_business_days_skips_lincolns_and_washingtons_birthdays():
    # Given Wednesday 11 February 2026 / When 2 business days are added
    # Then Thu 12 (Lincoln's Birthday), the weekend and Mon 16 (Washington's Birthday) are skipped: Fri 13, Tue 17
    assert calendar.add_business_days(dt.date(2026, 2, 11), 2) == dt.date(2026, 2, 17)


def test_adding_business_days_skips_the_observed_independence_day():
    # Given Thursday 2 July 2026 / When 1 business day is added / Then Friday 3 July (observed) is skipped
    assert calendar.add_business_days(dt.date(2026, 7, 2), 1) == dt.date(2026, 7, 6)


def test_adding_business_days_over_thanksgiving_counts_the_friday_after():
    assert calendar.add_business_days(dt.date(2026, 11, 25), 1) == dt.date(2026, 11, 27)


def test_adding_zero_business_days_returns_the_start_day_even_on_a_weekend():
    assert calendar.add_business_days(dt.date(2026, 3, 7), 0) == dt.date(2026, 3, 7)


def test_adding_a_negative_number_of_business_days_is_refused():
    with pytest.raises(ValueError):
        calendar.add_business_days(dt.date(2026, 3, 2), -1)


def test_ten_business_days_over_christmas_skip_the_holiday_and_weekends():
    # Given Monday 21 December 2026 / When 10 business days are added / Then Christmas and two weekends are skipped
    assert calendar.add_business_days(dt.date(2026, 12, 21), 10) == dt.date(2027, 1, 6)  # 1 January 2027 also skipped


def test_business_days_between_counts_after_the_start_up_to_and_including_the_end():
    # Given Friday 6 March and Monday 9 March 2026 / Then only Monday counts
    assert calendar.business_days_between(dt.date(2026, 3, 6), dt.date(2026, 3, 9)) == 1


def test_business_days_between_a_day_and_itself_or_an_earlier_day_is_zero():
    assert calendar.business_days_between(dt.date(2026, 3, 9), dt.date(2026, 3, 9)) == 0
    assert calendar.business_days_between(dt.date(2026, 3, 9), dt.date(2026, 3, 2)) == 0


def test_business_days_between_skips_the_weekday_holidays_of_a_whole_year():
    # Given all of 2026 / Then business days = weekdays - weekday holidays
    start, end = dt.date(2025, 12, 31), dt.date(2026, 12, 31)
    weekdays = sum(1 for i in range(1, 366) if (start + dt.timedelta(days=i)).weekday() < 5)
    weekday_holidays = sum(1 for d in ct_holidays(2026) if d.weekday() < 5)
    assert weekday_holidays == 13  # the 9 examples + New Year, MLK Day, Washington's Birthday, Juneteenth
    assert calendar.business_days_between(start, end) == weekdays - weekday_holidays


@settings(max_examples=200, deadline=None)
@given(day=dates, count=st.integers(min_value=1, max_value=60))
def test_adding_a_positive_number_of_business_days_always_lands_on_a_business_day(day, count):
    assert calendar.is_business_day(calendar.add_business_days(day, count))


@settings(max_examples=200, deadline=None)
@given(day=dates, count=st.integers(min_value=0, max_value=60))
def test_business_days_between_a_day_and_that_day_plus_n_business_days_is_n(day, count):
    assert calendar.business_days_between(day, calendar.add_business_days(day, count)) == count


# -- calendar months ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "day, months, expected",
    [
        (dt.date(2026, 1, 31), 1, dt.date(2026, 2, 28)),
        (dt.date(2028, 1, 31), 1, dt.date(2028, 2, 29)),  # leap year
        (dt.date(2028, 2, 29), 12, dt.date(2029, 2, 28)),  # leap day + 1 year
        (dt.date(2026, 3, 31), 1, dt.date(2026, 4, 30)),
        (dt.date(2026, 1, 15), 1, dt.date(2026, 2, 15)),
        (dt.date(2026, 11, 30), 1, dt.date(2026, 12, 30)),
        (dt.date(2026, 12, 31), 1, dt.date(2027, 1, 31)),  # year boundary
        (dt.date(2026, 8, 31), 6, dt.date(2027, 2, 28)),
        (dt.date(2026, 3, 31), -1, dt.date(2026, 2, 28)),
        (dt.date(2026, 1, 31), -2, dt.date(2025, 11, 30)),
        (dt.date(2026, 5, 17), 0, dt.date(2026, 5, 17)),
    ],
    ids=str,
)
def test_adding_months_clamps_the_day_to_the_end_of_a_shorter_month(day, months, expected):
    assert calendar.add_months(day, months) == expected


@settings(max_examples=200, deadline=None)
@given(day=dates, months=st.integers(min_value=-36, max_value=36))
def test_adding_months_moves_exactly_that_many_months_and_never_past_the_start_day_of_month(day, months):
    result = calendar.add_months(day, months)
    assert (result.year * 12 + result.month) - (day.year * 12 + day.month) == months
    assert result.day <= day.day
    assert result.day == day.day or (result + dt.timedelta(days=1)).day == 1  # clamped only to the month's end


# -- local dates and DST --------------------------------------------------------------------------


def test_an_instant_just_before_local_midnight_before_spring_forward_is_on_the_previous_local_date():
    # Given 04:59:59Z on 8 March 2026 = 23:59:59 EST on 7 March
    assert calendar.local_date(dt.datetime(2026, 3, 8, 4, 59, 59, tzinfo=UTC)) == dt.date(2026, 3, 7)
    assert calendar.local_date(dt.datetime(2026, 3, 8, 5, 0, tzinfo=UTC)) == dt.date(2026, 3, 8)


def test_the_local_date_after_spring_forward_uses_the_daylight_offset():
    # Given 03:59:59Z on 9 March 2026 = 23:59:59 EDT on 8 March; 04:00Z is already 9 March
    assert calendar.local_date(dt.datetime(2026, 3, 9, 3, 59, 59, tzinfo=UTC)) == dt.date(2026, 3, 8)
    assert calendar.local_date(dt.datetime(2026, 3, 9, 4, 0, tzinfo=UTC)) == dt.date(2026, 3, 9)


def test_the_local_date_around_fall_back_follows_the_offset_in_force():
    # Given 1 November 2026: EDT (-4) until 06:00Z, then EST (-5)
    assert calendar.local_date(dt.datetime(2026, 11, 1, 3, 59, 59, tzinfo=UTC)) == dt.date(2026, 10, 31)
    assert calendar.local_date(dt.datetime(2026, 11, 1, 4, 0, tzinfo=UTC)) == dt.date(2026, 11, 1)
    assert calendar.local_date(dt.datetime(2026, 11, 2, 4, 59, 59, tzinfo=UTC)) == dt.date(2026, 11, 1)
    assert calendar.local_date(dt.datetime(2026, 11, 2, 5, 0, tzinfo=UTC)) == dt.date(2026, 11, 2)


def test_the_local_date_of_an_instant_with_another_offset_is_its_connecticut_date():
    # Given 01:00 on 3 March in UTC+02:00 = 23:00Z on 2 March = 18:00 EST on 2 March
    instant = dt.datetime(2026, 3, 3, 1, 0, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert calendar.local_date(instant) == dt.date(2026, 3, 2)


def test_the_end_of_the_spring_forward_day_is_23_59_59_daylight_time():
    end = calendar.end_of_local_day(dt.date(2026, 3, 8))
    assert end == dt.datetime(2026, 3, 9, 3, 59, 59, tzinfo=UTC)
    assert end.utcoffset() == dt.timedelta(0)


def test_the_end_of_the_fall_back_day_is_23_59_59_standard_time():
    assert calendar.end_of_local_day(dt.date(2026, 11, 1)) == dt.datetime(2026, 11, 2, 4, 59, 59, tzinfo=UTC)


def test_the_end_of_an_ordinary_summer_day_is_03_59_59_utc_the_next_day():
    assert calendar.end_of_local_day(dt.date(2026, 7, 15)) == dt.datetime(2026, 7, 16, 3, 59, 59, tzinfo=UTC)


def test_the_spring_forward_day_lasts_23_hours_and_the_fall_back_day_25():
    # Given the DST days of 2026 / When measured from start to end of the local day / Then 23 h and 25 h (less a second)
    for day, hours in ((dt.date(2026, 3, 8), 23), (dt.date(2026, 11, 1), 25), (dt.date(2026, 7, 15), 24)):
        length = calendar.end_of_local_day(day) - calendar.start_of_local_day(day)
        assert length == dt.timedelta(hours=hours) - dt.timedelta(seconds=1), day


def test_the_end_of_a_local_day_maps_back_to_the_same_local_date():
    for day in (dt.date(2026, 3, 8), dt.date(2026, 11, 1), dt.date(2026, 12, 31)):
        assert calendar.local_date(calendar.end_of_local_day(day)) == day
        assert calendar.local_date(calendar.start_of_local_day(day)) == day


# -- instants -------------------------------------------------------------------------------------


def test_iso_utc_writes_whole_seconds_with_a_z_suffix():
    assert calendar.iso_utc(dt.datetime(2026, 3, 1, 17, 0, tzinfo=UTC)) == "2026-03-01T17:00:00Z"


def test_iso_utc_converts_a_local_instant_and_drops_microseconds():
    # Given 12:00:00.999999 EST on 1 March 2026 / Then 17:00:00Z (truncated, not rounded)
    instant = dt.datetime(2026, 3, 1, 12, 0, 0, 999999, tzinfo=calendar.CT)
    assert calendar.iso_utc(instant) == "2026-03-01T17:00:00Z"


def test_iso_local_shows_the_connecticut_offset():
    assert calendar.iso_local(dt.datetime(2026, 7, 1, 16, 0, tzinfo=UTC)) == "2026-07-01T12:00:00-04:00"
    assert calendar.iso_local(dt.datetime(2026, 1, 1, 17, 0, tzinfo=UTC)) == "2026-01-01T12:00:00-05:00"


@pytest.mark.parametrize(
    "fn", [calendar.local_date, calendar.iso_utc, calendar.iso_local, calendar.to_utc, calendar.require_aware]
)
def test_a_naive_datetime_is_refused(fn):
    # Given a datetime without an offset / When any instant function gets it / Then ValueError, never a guess
    with pytest.raises(ValueError, match="UTC offset"):
        fn(dt.datetime(2026, 3, 2, 9, 0))


# -- periods of calendar days (RULES.md "Dates") ------------------------------------------------------------


def test_a_ten_day_period_ends_with_the_tenth_connecticut_day_after_the_event():
    # Given an event at 16:00 on 1 December 2026 in Connecticut
    event = dt.datetime(2026, 12, 1, 16, 0, tzinfo=calendar.CT)
    # When 10 days run from it / Then the first instant after the period is midnight starting 12 December
    end = calendar.days_after(event, 10)
    assert end == dt.datetime(2026, 12, 12, 0, 0, tzinfo=calendar.CT)
    assert calendar.last_day_of(end) == dt.date(2026, 12, 11)


def test_the_last_second_of_the_last_day_is_inside_the_period_and_the_next_is_not():
    event = dt.datetime(2026, 12, 1, 0, 0, 1, tzinfo=calendar.CT)
    end = calendar.days_after(event, 10)
    last_second = dt.datetime(2026, 12, 11, 23, 59, 59, tzinfo=calendar.CT)
    assert last_second < end
    assert dt.datetime(2026, 12, 12, 0, 0, 0, tzinfo=calendar.CT) >= end


def test_the_day_of_the_event_is_counted_by_its_connecticut_date_not_its_utc_date():
    # Given an event at 22:00 on 1 December in Connecticut, which is already 2 December in UTC
    event = dt.datetime(2026, 12, 2, 3, 0, tzinfo=UTC)
    # Then the period counts from 1 December
    assert calendar.last_day_of(calendar.days_after(event, 10)) == dt.date(2026, 12, 11)


def test_a_period_across_the_spring_clock_change_still_ends_at_local_midnight():
    event = dt.datetime(2027, 3, 5, 9, 0, tzinfo=calendar.CT)
    end = calendar.days_after(event, 10)
    assert end.astimezone(calendar.CT) == dt.datetime(2027, 3, 16, 0, 0, tzinfo=calendar.CT)
    assert end.astimezone(calendar.CT).utcoffset() == dt.timedelta(hours=-4)


def test_a_timer_until_a_deadline_is_rounded_up_to_whole_seconds_so_it_never_fires_early():
    now = dt.datetime(2026, 12, 1, 12, 0, 0, 500_000, tzinfo=UTC)
    assert calendar.timer_seconds(dt.datetime(2026, 12, 1, 12, 0, 10, tzinfo=UTC), now) == 10
    assert calendar.timer_seconds(now, now) == 1
