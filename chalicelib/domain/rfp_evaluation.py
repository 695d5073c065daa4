"""The evaluation of opened proposals (R-16a, R-16e, R-18b, R-18c, R-16g): the panel, the evaluators' conflict of
interest declarations, their scores per stated factor, the consensus beside them, the classification and the
shortlist in ranking order.

A score exists only for a factor the request states (R-16a: "evaluated only on the basis of evaluation factors
stated in the request for proposals"; R-18b: "Factors not specified ... shall not be considered")."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

SCORE_MAX = Decimal(10)  # each factor is scored from 0 to 10 points; its weight is its relative importance (R-18a)


class Classification(str, enum.Enum):
    """R-18c: "proposals shall be initially classified as: (1) acceptable; (2) potentially acceptable, that is
    reasonably susceptible of being made acceptable; or, (3) unacceptable"."""

    ACCEPTABLE = "acceptable"
    POTENTIALLY_ACCEPTABLE = "potentially_acceptable"
    UNACCEPTABLE = "unacceptable"


QUALIFYING = (Classification.ACCEPTABLE, Classification.POTENTIALLY_ACCEPTABLE)  # may be shortlisted (R-16g)


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
    received_at: dt.datetime  # of the proposal: the earlier receipt ranks first on equal totals
    classification: Classification | None = None  # R-18c, recorded after the consensus
    classification_reason: str | None = None
    version: int = 0


def consensus_id(rfp_id: str, vendor_id: str) -> str:
    return f"{rfp_id}#{vendor_id}"


def consensus_collection(rfp_id: str) -> str:
    """The `Member` collection of a request's consensus records (read with `deps.members_of`)."""
    return f"consensus-of#{rfp_id}"


def ranking(records: Iterable[Consensus]) -> list[Consensus]:
    """R-16g: "in the order of their respective qualification rankings": the higher consensus total first, then the
    earlier receipt, then the vendor id (a stable order)."""
    return sorted(records, key=lambda c: (-c.total, c.received_at, c.vendor_id))


def qualifying(records: Iterable[Consensus]) -> list[Consensus]:
    """The ranked proposers classified acceptable or potentially acceptable (R-16g, R-16n)."""
    return [c for c in ranking(records) if c.classification in QUALIFYING]
