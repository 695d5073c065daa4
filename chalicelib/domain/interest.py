"""Late-payment interest (R-13c): 1% per month on the amount due, compounded at the end of each 30-day period.

Reading (docs/rules.md, R-13c):
- Interest runs for each calendar day after the due date up to and including the payment date
  (`days_late = payment date - due date`, Connecticut calendar dates; paying on the due date costs nothing).
- "One percent per month" is 1% per 30-day period. Within a period interest is simple and pro rata by day
  (1%/30 per day); at the end of each complete 30-day period the interest still unpaid joins the principal.
  So for `days_late = 30 n + r` (0 <= r < 30): interest = P (1.01)^n (1 + 0.01 r / 30) - P.
- The computation is exact (rational arithmetic); it is rounded half-up to cents once, at the end.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

from chalicelib.domain.money import CENT

PERIOD_DAYS = 30
MONTHLY_RATE = Fraction(1, 100)


def days_late(due_date: dt.date, paid_on: dt.date) -> int:
    """Calendar days after the due date up to the payment date; 0 for a payment on or before it."""
    return max(0, (paid_on - due_date).days)


def exact_interest(principal: Decimal, days: int) -> Fraction:
    """Unrounded interest on `principal` paid `days` days late."""
    if principal < 0:
        raise ValueError("the principal must not be negative")
    if days < 0:
        raise ValueError("days late must not be negative")
    periods, rest = divmod(days, PERIOD_DAYS)
    compounded = Fraction(principal) * (1 + MONTHLY_RATE) ** periods
    return compounded * (1 + MONTHLY_RATE * Fraction(rest, PERIOD_DAYS)) - Fraction(principal)


def late_interest(principal: Decimal, days: int) -> Decimal:
    """Interest in dollars, rounded half-up to the cent (the only rounding)."""
    return round_half_up_cents(exact_interest(principal, days))


def round_half_up_cents(amount: Fraction) -> Decimal:
    if amount < 0:
        raise ValueError("amount must not be negative")
    cents = (amount * 100 + Fraction(1, 2)).__floor__()
    return (Decimal(cents) * CENT).quantize(CENT)
