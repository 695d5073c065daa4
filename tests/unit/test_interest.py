"""R-13c: late-payment interest, 1% per 30-day period, compounding at each period's end, rounded once."""

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from chalicelib.domain.interest import days_late, exact_interest, late_interest, round_half_up_cents

amounts = st.decimals(min_value=Decimal("0.01"), max_value=Decimal(10000000), places=2)
days = st.integers(min_value=0, max_value=3650)


# principal, days late, hand-computed interest (see docs/rules.md, R-13c)
HAND_COMPUTED = [
    ("1000.00", 0, "0.00"),  # paid on the due date
    ("1000.00", 1, "0.33"),  # 1000 x 0.01 / 30 = 0.3333
    ("1000.00", 15, "5.00"),  # half a period: 1000 x 0.01 x 15/30
    ("1000.00", 29, "9.67"),  # 9.6666...
    ("1000.00", 30, "10.00"),  # one full period: 1%
    ("1000.00", 31, "10.34"),  # 1010 x (1 + 0.01/30) - 1000 = 10.3366...
    ("1000.00", 45, "15.05"),  # 1010 x 1.005 - 1000 = 15.05
    ("1000.00", 60, "20.10"),  # 1000 x 1.01^2 - 1000 = 20.10
    ("1000.00", 90, "30.30"),  # 1000 x 1.01^3 - 1000 = 30.301
    ("1000.00", 365, "128.70"),  # 1000 x 1.01^12 x (1 + 0.01 x 5/30) - 1000 = 1126.825 x 1.0016667 - 1000 = 128.703
    ("12345.67", 25, "102.88"),  # 12345.67 x 25/3000 = 102.8805...
    ("0.01", 30, "0.00"),  # 0.0001 rounds to nothing
    ("150.00", 1, "0.05"),  # 0.05 exactly
    ("0.15", 30, "0.00"),  # 0.0015 rounds down
    ("0.50", 30, "0.01"),  # 0.005 rounds half-up
]


@pytest.mark.rule("R-13c")
@pytest.mark.parametrize("principal, late, expected", HAND_COMPUTED)
def test_interest_matches_the_hand_computed_table(principal, late, expected):
    assert late_interest(Decimal(principal), late) == Decimal(expected)


@pytest.mark.rule("R-13c")
def test_days_late_count_calendar_days_after_the_due_date_up_to_payment():
    assert days_late(dt.date(2026, 5, 8), dt.date(2026, 6, 2)) == 25


@pytest.mark.rule("R-13c")
def test_a_payment_on_or_before_the_due_date_is_not_late():
    assert days_late(dt.date(2026, 5, 8), dt.date(2026, 5, 8)) == 0
    assert days_late(dt.date(2026, 5, 8), dt.date(2026, 5, 1)) == 0


@pytest.mark.rule("R-13c")
def test_the_result_is_a_decimal_in_cents():
    result = late_interest(Decimal(1000), 31)
    assert isinstance(result, Decimal) and result.as_tuple().exponent == -2


@pytest.mark.rule("R-13c")
def test_rounding_happens_once_at_the_end_not_per_period():
    # rounding each period's interest would give 0.00 + 0.00 ...; the exact sum is carried instead
    assert exact_interest(Decimal("0.30"), 60) == Fraction(30, 100) * (Fraction(101, 100) ** 2 - 1)
    assert round_half_up_cents(Fraction(5, 1000)) == Decimal("0.01")


@pytest.mark.rule("R-13c")
def test_negative_inputs_are_refused():
    with pytest.raises(ValueError):
        exact_interest(Decimal(-1), 3)
    with pytest.raises(ValueError):
        exact_interest(Decimal(1), -3)


@pytest.mark.rule("R-13c")
@given(amounts, days)
def test_interest_never_decreases_with_another_day(principal, late):
    assert exact_interest(principal, late + 1) > exact_interest(principal, late)
    assert late_interest(principal, late + 1) >= late_interest(principal, late)


@pytest.mark.rule("R-13c")
@given(amounts, amounts, days)
def test_interest_never_decreases_with_a_larger_principal(a, b, late):
    small, large = sorted((a, b))
    assert late_interest(small, late) <= late_interest(large, late)


@pytest.mark.rule("R-13c")
@given(amounts, st.integers(min_value=0, max_value=120))
def test_at_each_30_day_boundary_the_unpaid_interest_has_joined_the_principal(principal, periods):
    p = Fraction(principal)
    assert exact_interest(principal, 30 * periods) == p * Fraction(101, 100) ** periods - p


@pytest.mark.rule("R-13c")
@given(amounts, st.integers(min_value=0, max_value=120), st.integers(min_value=1, max_value=29))
def test_within_a_period_interest_is_simple_on_the_compounded_principal(principal, periods, rest):
    p = Fraction(principal)
    compounded = p * Fraction(101, 100) ** periods
    assert exact_interest(principal, 30 * periods + rest) == compounded - p + compounded * Fraction(rest, 3000)


@pytest.mark.rule("R-13c")
@given(amounts, st.integers(min_value=0, max_value=120))
def test_the_pro_rata_formula_and_compounding_agree_at_the_boundary(principal, periods):
    """Day 30 of a period read as 30/30 of simple interest equals the compounded value: no jump."""
    p = Fraction(principal)
    compounded = p * Fraction(101, 100) ** periods
    assert compounded * (1 + Fraction(1, 100) * Fraction(30, 30)) - p == exact_interest(principal, 30 * (periods + 1))


@pytest.mark.rule("R-13c")
@given(amounts, st.integers(min_value=1, max_value=120))
def test_compounding_earns_more_than_simple_interest_after_the_first_period(principal, periods):
    simple = Fraction(principal) * Fraction(periods, 100)
    assert exact_interest(principal, 30 * periods + 30) > simple + Fraction(principal) / 100
