"""The field types every API model uses: one definition of each kind of value, so that a value is checked the same
way wherever it is sent, and a generated client sees the same type wherever it is read.

Decimals (money, prices, quantities, percents) are strings in the schema and in every answer, never JSON numbers: a
client parsing a JSON number gets a float. A JSON number sent in a request is still accepted and parsed exactly (the
JSON parser hands pydantic its digits, never a float), then checked by the domain's `parse_amount`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AfterValidator, BeforeValidator, PlainSerializer, WithJsonSchema
from pydantic_core import core_schema

from chalicelib.domain import vendors as vendor_rules
from chalicelib.domain.bids import PRICE_PLACES, QUANTITY_PLACES
from chalicelib.domain.calendar import iso_local
from chalicelib.domain.money import parse_amount, places, to_cents

LocalTime = Annotated[
    dt.datetime,
    PlainSerializer(iso_local, return_type=str, when_used="json"),
    WithJsonSchema({"type": "string", "format": "date-time", "examples": ["2026-03-02T14:00:00-05:00"]}),
]
"""An instant: sent as ISO 8601 with an offset, shown in America/New_York."""


def _places(places: int) -> str:
    return rf"^[0-9]+(\.[0-9]{{1,{places}}})?$"


def _decimal_string(pattern: str, example: str, description: str) -> WithJsonSchema:
    return WithJsonSchema({"type": "string", "pattern": pattern, "examples": [example], "description": description})


def _checked(places: int, *, positive: bool = False) -> Callable[[Decimal], Decimal]:
    """The domain's amount check on an exactly parsed Decimal: not negative (or above 0), at most `places` places."""

    def check(value: Decimal) -> Decimal:
        if positive and value <= 0:
            raise ValueError("must be greater than 0")
        return parse_amount(_plain(value), max_places=places)

    return check


def _plain(value: Decimal) -> str:
    """A decimal written out, never in exponent form ("100", not "1E+2")."""
    return format(value, "f")


def _at_least_cents(value: Decimal) -> str:
    """Dollars exactly as computed, written with at least two places ("12.50", "1.2345")."""
    return _plain(value.quantize(Decimal("0.01")) if places(value) < 2 else value)


def _cents(value: Decimal) -> str:
    """Dollars rounded half-up to cents, with exactly two places ("1250.00")."""
    return _plain(to_cents(value))


# -- requests -------------------------------------------------------------------------------------

Money = Annotated[
    Decimal,
    AfterValidator(_checked(2)),
    PlainSerializer(_cents, return_type=str, when_used="json"),
    _decimal_string(_places(2), "1250.00", "US dollars, a decimal string with at most 2 places, not negative."),
]
"""Dollars sent by a client: at most cents."""

UnitPrice = Annotated[
    Decimal,
    AfterValidator(_checked(PRICE_PLACES)),
    PlainSerializer(_at_least_cents, return_type=str, when_used="json"),
    _decimal_string(
        _places(PRICE_PLACES), "12.3450", f"US dollars per unit, a decimal string with at most {PRICE_PLACES} places (R-5j/k)."
    ),
]
"""A unit price: dollars with up to 4 places (R-5j/k)."""

Quantity = Annotated[
    Decimal,
    AfterValidator(_checked(QUANTITY_PLACES, positive=True)),
    PlainSerializer(_plain, return_type=str, when_used="json"),
    _decimal_string(
        _places(QUANTITY_PLACES), "100", f"A quantity above 0, a decimal string with at most {QUANTITY_PLACES} places."
    ),
]
"""A quantity asked for or offered: above 0."""

QuantityOrZero = Annotated[
    Decimal,
    AfterValidator(_checked(QUANTITY_PLACES)),
    PlainSerializer(_plain, return_type=str, when_used="json"),
    _decimal_string(
        _places(QUANTITY_PLACES), "0", f"A quantity, 0 or more, a decimal string with at most {QUANTITY_PLACES} places."
    ),
]
"""A quantity that may be 0: accepted or rejected at inspection, an unordered balance."""

Percent = Annotated[
    Decimal,
    AfterValidator(_checked(4)),
    PlainSerializer(_plain, return_type=str, when_used="json"),
    _decimal_string(_places(4), "10", "A percent, a decimal string (10 is 10%), not negative."),
]
"""A percent or a relative weight: not negative."""


BID_DECIMAL_CHARS = 32  # a bid's amount as text: far more digits than any price, quantity or extension (storage bound)


def _decimal_text(value: str | Decimal) -> str:
    text = value if isinstance(value, str) else _plain(value)
    if len(text) > BID_DECIMAL_CHARS:
        raise ValueError(f"at most {BID_DECIMAL_CHARS} characters")
    return text


class _DecimalText:
    """A JSON string, or a JSON number read exactly (as its digits, never via float), as text for the domain to check."""

    @classmethod
    def __get_pydantic_core_schema__(cls, source: Any, handler: Any) -> core_schema.CoreSchema:
        return core_schema.no_info_after_validator_function(
            _decimal_text, core_schema.union_schema([core_schema.str_schema(), core_schema.decimal_schema(allow_inf_nan=False)])
        )


# Decimals of the bid form. The domain checks them with the bid's other fields so that every problem of a bid is
# listed at once, each with its rule (R-5d, R-5j/k); the API only reads them, exactly, as text.
BidUnitPrice = Annotated[
    str,
    _DecimalText,
    _decimal_string(_places(PRICE_PLACES), "12.3450", f"US dollars per unit, at most {PRICE_PLACES} places (R-5j/k)."),
]
BidQuantity = Annotated[
    str,
    _DecimalText,
    _decimal_string(_places(QUANTITY_PLACES), "100", f"A quantity above 0, at most {QUANTITY_PLACES} places."),
]
BidExtension = Annotated[
    str,
    _DecimalText,
    _decimal_string(_places(PRICE_PLACES + QUANTITY_PLACES), "1234.50", "US dollars, unit price x quantity (R-5l)."),
]
BidMoney = Annotated[str, _DecimalText, _decimal_string(_places(2), "2500.00", "US dollars, at most 2 places.")]
BidPercent = Annotated[str, _DecimalText, _decimal_string(_places(4), "2", "A percent (2 is 2%).")]


# -- identities -----------------------------------------------------------------------------------


def _commodity_code(code: str) -> str:
    if not vendor_rules.is_commodity_code(code):
        raise ValueError(vendor_rules.COMMODITY_CODE_PROBLEM)
    return code


CommodityCode = Annotated[
    str,
    AfterValidator(_commodity_code),
    WithJsonSchema(
        {
            "type": "string",
            "pattern": f"^{vendor_rules.COMMODITY_CODE.pattern}$",
            "examples": ["61500"],
            "description": "NIGP class/item (3-11 digits) or UNSPSC (8 digits) commodity code (R-4).",
        }
    ),
]
"""A commodity code, checked as the domain checks vendors' and invitations' codes."""

Email = Annotated[
    str,
    BeforeValidator(lambda v: vendor_rules.normalise_email(v) if isinstance(v, str) else v),
    WithJsonSchema({"type": "string", "format": "email", "maxLength": 254, "examples": ["buyer@das.example.gov"]}),
]
"""An email address, checked and case-folded as the domain does (`normalise_email`)."""

FEIN = Annotated[
    str,
    AfterValidator(vendor_rules.normalise_fein),
    WithJsonSchema({"type": "string", "pattern": f"^{vendor_rules.FEIN.pattern}$", "examples": ["06-1234567"]}),
]
"""A federal employer identification number as sent (NN-NNNNNNN or NNNNNNNNN), read as its 9 digits."""

# -- responses ------------------------------------------------------------------------------------

Dollars = Annotated[
    Decimal,
    PlainSerializer(_cents, return_type=str, when_used="json"),
    _decimal_string(r"^-?[0-9]+\.[0-9]{2}$", "1250.00", "US dollars, a decimal string with exactly 2 places."),
]
"""An amount of money in an answer: rounded half-up to cents only here, at the end."""

ExactDollars = Annotated[
    Decimal,
    PlainSerializer(_at_least_cents, return_type=str, when_used="json"),
    _decimal_string(r"^-?[0-9]+\.[0-9]{2,}$", "12.3450", "US dollars, exact: a decimal string with at least 2 places."),
]
"""Unit prices and line extensions in an answer: exact, as the bid priced them (R-5j/k, R-5l)."""

DecimalOut = Annotated[
    Decimal,
    PlainSerializer(_plain, return_type=str, when_used="json"),
    _decimal_string(r"^-?[0-9]+(\.[0-9]+)?$", "100", "A decimal string, exact."),
]
"""Quantities, percents and weights in an answer: exact decimal strings."""
