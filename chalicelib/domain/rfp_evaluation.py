"""The evaluation of opened proposals (R-16a, R-16e, R-18b, R-18c, R-16g): the panel, the evaluators' conflict of
interest declarations, their scores per stated factor, the consensus beside them, the classification and the
shortlist in ranking order.

A score exists only for a factor the request states (R-16a: "evaluated only on the basis of evaluation factors
stated in the request for proposals"; R-18b: "Factors not specified ... shall not be considered")."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

SCORE_MAX = Decimal(10)  # each factor is scored from 0 to 10 points; its weight is its relative importance (R-18a)


@dataclass(frozen=True)
class FactorScore:
    factor: str  # the name of one of the request's evaluation factors
    score: Decimal  # 0 to SCORE_MAX
    reason: str  # why: every score carries its reason


@dataclass(frozen=True)
class Consensus:
    """The panel's agreed score of one proposal, recorded beside the individual scores; it ranks the proposers and
    the award memorandum shows how each factor was applied (R-16o)."""

    id: str  # consensus_id(rfp_id, vendor_id)
    rfp_id: str
    proposal_id: str
    vendor_id: str
    proposer_name: str
    scores: tuple[FactorScore, ...]
    rationale: str
    total: Decimal  # weighted: sum(weight * score) / sum(weights), 0 to SCORE_MAX
    recorded_by: str
    recorded_at: dt.datetime
    version: int = 0


def consensus_id(rfp_id: str, vendor_id: str) -> str:
    return f"{rfp_id}#{vendor_id}"
