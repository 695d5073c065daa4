"""Shared examples of the invitation-to-bid unit tests: a solicitation and a valid bid body."""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
from decimal import Decimal

from chalicelib.domain import solicitations as rules
from chalicelib.domain.solicitations import AwardBasis, EvaluationFactor, LineGroup, LineItem

NOW = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
OPENING = dt.datetime(2026, 3, 16, 14, 0, tzinfo=dt.UTC)
FACTORS = [
    EvaluationFactor("price", Decimal(70)),
    EvaluationFactor("past_performance", Decimal(20)),
    EvaluationFactor("financial_responsibility", Decimal(10)),
]
LINES = [
    LineItem("1", "Copy paper, letter", Decimal(100), "case"),
    LineItem("2", "Copy paper, legal", Decimal(20), "case", no_substitute=True),
    LineItem("3", "Toner, Brand X 410A", Decimal(10), "each"),
]


def draft(**overrides):
    fields = {
        "solicitation_id": "ITB-1",
        "title": "Office paper",
        "agency": "DAS",
        "commodity_codes": ["64000"],
        "lines": list(LINES),
        "groups": [LineGroup("paper", ("1", "2")), LineGroup("toner", ("3",))],
        "opening_at": OPENING,
        "award_basis": AwardBasis.ALL,
        "evaluation_factors": list(FACTORS),
        "now": NOW,
        "created_by": "officer",
    }
    fields.update(overrides)
    return rules.new_solicitation(**fields)


def open_solicitation(**overrides):
    return rules.publish(draft(**overrides), NOW)


def opened_solicitation(**overrides):
    return dataclasses.replace(open_solicitation(**overrides), status=rules.SolicitationStatus.OPENED, opened_at=OPENING)


BID = {
    "lines": [
        {"line_id": "1", "unit_price": "25.10", "quantity": "100"},
        {"line_id": "2", "unit_price": "38.00", "quantity": "20"},
        {"line_id": "3", "unit_price": "80.0000", "quantity": "10"},
    ],
    "signer": {"name": "Pat Doe", "title": "President"},
    "signed": True,
    "non_collusion": True,
}


def bid_body(**changes) -> dict:
    body = copy.deepcopy(BID)
    body.update(changes)
    return body
