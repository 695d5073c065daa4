"""Money is Decimal US dollars; rounding to cents happens once, at the end, half-up."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

CENT = Decimal("0.01")


def to_cents(amount: Decimal) -> Decimal:
    return amount.quantize(CENT, rounding=ROUND_HALF_UP)


def places(value: Decimal) -> int:
    """Digits after the point of a finite decimal as written (0 for an integral one: "1E+2" has none)."""
    exponent = value.as_tuple().exponent
    return max(-exponent, 0) if isinstance(exponent, int) else 0


def parse_amount(text: str | int | Decimal, *, max_places: int = 2) -> Decimal:
    """A non-negative decimal with at most `max_places` places; ValueError otherwise (never float). An exponent is
    written out ("1e2" is 100), so a stored amount reads the same however it was sent."""
    if isinstance(text, float):
        raise ValueError("amounts are decimal strings, not floats")  # noqa: TRY004 - pydantic reports a ValueError as a field error
    try:
        value = Decimal(str(text).strip())
    except InvalidOperation:
        raise ValueError(f"{text!r} is not a decimal number") from None
    if not value.is_finite():
        raise ValueError(f"{text!r} is not a finite amount")
    if value < 0:
        raise ValueError(f"{text!r} is negative")
    if places(value) > max_places:
        raise ValueError(f"{text!r} has more than {max_places} decimal places")
    return value.quantize(Decimal(1)) if int(value.as_tuple().exponent) > 0 else value
