"""Dates of the rules: calendar days, business days (Connecticut state holidays) and local display.

Deadlines are instants stored in UTC; the regulations count days in Connecticut, so day arithmetic happens
on the America/New_York calendar date and the result is the end or start of that local day as needed.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import cache
from typing import TYPE_CHECKING
from zoneinfo import ZoneInfo

if TYPE_CHECKING:
    import holidays

CT = ZoneInfo("America/New_York")
UTC = dt.UTC


@cache
def _ct_holidays(year: int) -> holidays.HolidayBase:
    """Imported on the first business-day count, not at import: the package is a large share of a cold start."""
    import holidays

    return holidays.US(subdiv="CT", years=year)


def is_business_day(day: dt.date) -> bool:
    """Monday-Friday and not a Connecticut state holiday (observed dates included)."""
    return day.weekday() < 5 and day not in _ct_holidays(day.year)


def add_business_days(day: dt.date, count: int) -> dt.date:
    """The date `count` business days after `day` (the day itself is never counted)."""
    if count < 0:
        raise ValueError("count must not be negative")
    current = day
    remaining = count
    while remaining:
        current += dt.timedelta(days=1)
        if is_business_day(current):
            remaining -= 1
    return current


def business_days_between(start: dt.date, end: dt.date) -> int:
    """Business days after `start` up to and including `end` (0 when end <= start)."""
    count, current = 0, start
    while current < end:
        current += dt.timedelta(days=1)
        if is_business_day(current):
            count += 1
    return count


def add_months(day: dt.date, months: int) -> dt.date:
    """Calendar months; the day is clamped to the month's end (Jan 31 + 1 month = Feb 28/29)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    next_month = dt.date(year + (month == 12), month % 12 + 1, 1)
    return dt.date(year, month, min(day.day, (next_month - dt.timedelta(days=1)).day))


def local_date(instant: dt.datetime) -> dt.date:
    """The Connecticut calendar date of an instant."""
    return require_aware(instant).astimezone(CT).date()


def end_of_local_day(day: dt.date) -> dt.datetime:
    """The last instant (23:59:59 local) of a Connecticut calendar day, in UTC."""
    return dt.datetime.combine(day, dt.time(23, 59, 59), tzinfo=CT).astimezone(UTC)


def start_of_local_day(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=CT).astimezone(UTC)


def days_after(event: dt.datetime, days: int) -> dt.datetime:
    """RULES.md "Dates": a period of `days` calendar days from an event ends at the end of the Nth Connecticut day
    after the event's local date (the event's own day is not counted). Returns the first instant after the period:
    a deadline has passed when `now >= days_after(...)`; the Step Functions timer waits for this same instant and
    emails show `last_day_of(...)`, so the timer, the API check and the date people read never disagree."""
    if days < 0:
        raise ValueError("days must not be negative")
    return start_of_local_day(local_date(event) + dt.timedelta(days=days + 1))


def timer_seconds(deadline: dt.datetime, now: dt.datetime) -> int:
    """A Step Functions timeout (whole seconds, at least 1) that ends at `deadline`: rounded up, so the timer never
    fires before the instant the API checks."""
    return max(1, math.ceil((deadline - now).total_seconds()))


def last_day_of(period_end: dt.datetime) -> dt.date:
    """The last Connecticut day inside a period whose first instant after it is `period_end` (see `days_after`)."""
    return local_date(period_end - dt.timedelta(microseconds=1))


def require_aware(instant: dt.datetime) -> dt.datetime:
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError("instants must carry a UTC offset")
    return instant


def to_utc(instant: dt.datetime) -> dt.datetime:
    return require_aware(instant).astimezone(UTC)


def iso_utc(instant: dt.datetime) -> str:
    """`2026-03-01T17:00:00Z`: the form Step Functions `TimestampPath` accepts."""
    return to_utc(instant).replace(microsecond=0).strftime("%Y-%m-%dT%H:%M:%SZ")


def iso_local(instant: dt.datetime) -> str:
    """ISO 8601 with the Connecticut offset, for people."""
    return require_aware(instant).astimezone(CT).isoformat()
