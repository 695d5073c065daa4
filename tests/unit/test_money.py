"""domain/money.py: Decimal dollars, rounded once to cents half-up; amounts parsed from decimal strings only."""

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from chalicelib.domain.money import CENT, parse_amount, to_cents

# -- rounding -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "amount, cents",
    [
        ("0.005", "0.01"),  # banker's rounding (half-even) would give 0.00
        ("0.015", "0.02"),
        ("0.025", "0.03"),  # half-even would give 0.02
        ("2.675", "2.68"),  # the float 2.675 would round to 2.67
        ("1.004", "1.00"),
        ("1.0049999", "1.00"),
        ("1.995", "2.00"),
        ("10", "10.00"),
        ("0", "0.00"),
    ],
)
def test_a_half_cent_rounds_up_to_the_next_cent(amount, cents):
    # Given a Decimal amount / When rounded to cents / Then half a cent or more goes up, less goes down
    assert to_cents(Decimal(amount)) == Decimal(cents)


def test_rounding_to_cents_always_leaves_exactly_two_decimal_places():
    assert str(to_cents(Decimal(7))) == "7.00"
    assert to_cents(Decimal("7.5")).as_tuple().exponent == -2


def test_rounding_a_negative_half_cent_goes_away_from_zero():
    # Given a credit of -0.005 / Then half-up rounds its magnitude up, as for positive amounts
    assert to_cents(Decimal("-0.005")) == Decimal("-0.01")


def test_rounding_once_at_the_end_differs_from_rounding_each_line():
    # Given three lines of 0.333 each / When the total is rounded once / Then 1.00, not 3 x 0.33 = 0.99
    lines = [Decimal("0.333")] * 3
    assert to_cents(sum(lines)) == Decimal("1.00")
    assert sum(to_cents(x) for x in lines) == Decimal("0.99")


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=10**9, places=6, allow_nan=False, allow_infinity=False))
def test_rounding_to_cents_moves_an_amount_by_at_most_half_a_cent(amount):
    rounded = to_cents(amount)
    assert abs(rounded - amount) <= CENT / 2
    assert rounded == to_cents(rounded)


# -- parsing --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text, value", [("12.50", "12.50"), ("0", "0"), (" 7.1 ", "7.1"), ("1000000", "1000000")])
def test_a_decimal_string_with_at_most_two_places_is_parsed_exactly(text, value):
    parsed = parse_amount(text)
    assert isinstance(parsed, Decimal) and parsed == Decimal(value)
    assert str(parsed) == value


def test_an_integer_or_a_decimal_is_accepted():
    assert parse_amount(25) == Decimal(25)
    assert parse_amount(Decimal("3.10")) == Decimal("3.10")


@pytest.mark.parametrize("value", [12.5, 0.1, 0.0, float("nan")])
def test_a_float_is_refused_even_when_it_looks_exact(value):
    # Given a binary float / When parsed / Then ValueError: amounts travel as decimal strings
    with pytest.raises(ValueError, match="not floats"):
        parse_amount(value)


@pytest.mark.parametrize("text", ["-0.01", "-5", Decimal(-1)])
def test_a_negative_amount_is_refused(text):
    with pytest.raises(ValueError, match="negative"):
        parse_amount(text)


@pytest.mark.parametrize("text", ["", "abc", "12,50", "$12.50", "1.2.3", "12 50", "None"])
def test_a_string_that_is_not_a_decimal_number_is_refused(text):
    with pytest.raises(ValueError, match="not a decimal number"):
        parse_amount(text)


@pytest.mark.parametrize("text", ["NaN", "nan", "sNaN", "Infinity", "-Infinity", "inf", Decimal("NaN")])
def test_nan_and_infinity_are_refused(text):
    with pytest.raises(ValueError, match="not a finite amount"):
        parse_amount(text)


@pytest.mark.parametrize("text", ["0.001", "12.345", "1.000"])
def test_more_than_two_decimal_places_are_refused(text):
    with pytest.raises(ValueError, match="more than 2 decimal places"):
        parse_amount(text)


def test_more_places_are_accepted_when_the_caller_allows_them():
    # Given a unit price allowed 4 places / Then 4 pass and 5 are refused
    assert parse_amount("0.1234", max_places=4) == Decimal("0.1234")
    with pytest.raises(ValueError, match="more than 4 decimal places"):
        parse_amount("0.12345", max_places=4)


@settings(max_examples=200, deadline=None)
@given(st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False, allow_infinity=False))
def test_every_non_negative_amount_in_cents_survives_a_round_trip_through_its_string(amount):
    assert parse_amount(str(amount)) == amount
