"""The evaluation of opened proposals (R-16a, R-16g, R-18a/b, R-18c; 4a-52-16(e)): the panel, the evaluators' conflict of
interest declarations, their scores per stated factor, the consensus beside them, the classification and the
shortlist in ranking order.

A score exists only for a factor the request states (R-16a: "evaluated only on the basis of evaluation factors
stated in the request for proposals"; R-18a/b: "Factors not specified ... shall not be considered")."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from chalicelib.domain.errors import Conflict, Forbidden, ValidationFailed, field_problem
from chalicelib.domain.solicitations import EvaluationFactor

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


# -- the panel and its conflict-of-interest declarations -------------------------------------------------------


@dataclass(frozen=True)
class Declaration:
    """An evaluator's conflict-of-interest declaration, filed before any proposal content is shown to it."""

    conflict: bool
    statement: str
    declared_at: dt.datetime


@dataclass(frozen=True)
class Evaluator:
    """A State official (token `sub`) purchasing named to the panel of one request (4a-52-16(e): "The Commissioner shall
    evaluate all proposals submitted")."""

    id: str  # evaluator_id(rfp_id, official)
    rfp_id: str
    official: str
    name: str
    email: str
    named_by: str
    named_at: dt.datetime
    declaration: Declaration | None = None
    version: int = 0

    @property
    def recused(self) -> bool:
        """A declared conflict: no scores, no proposal content."""
        return self.declaration is not None and self.declaration.conflict

    @property
    def cleared(self) -> bool:
        """Declared no conflict: reads the proposals and scores them."""
        return self.declaration is not None and not self.declaration.conflict


def evaluator_id(rfp_id: str, official: str) -> str:
    return f"{rfp_id}#{official}"


def evaluators_collection(rfp_id: str) -> str:
    """The `Member` collection of a request's panel."""
    return f"evaluators-of#{rfp_id}"


def _blank(fields: dict[str, str], rule: str) -> list[dict]:
    return [field_problem(field, "must not be blank", rule) for field, value in fields.items() if not value.strip()]


def new_evaluator(rfp_id: str, official: str, name: str, email: str, named_by: str, now: dt.datetime) -> Evaluator:
    problems = _blank({"official": official, "name": name}, "R-16a")
    if problems:
        raise ValidationFailed("The evaluator is incomplete; see details.", rule="R-16a", details=problems)
    return Evaluator(evaluator_id(rfp_id, official.strip()), rfp_id, official.strip(), name.strip(), email, named_by, now)


def declare(evaluator: Evaluator, conflict: bool, statement: str, now: dt.datetime) -> Evaluator:
    """Filed once: a conflict recuses the evaluator for the whole request; no conflict opens the proposals to it."""
    if evaluator.declaration is not None:
        raise Conflict(f"{evaluator.official} has filed its declaration for {evaluator.rfp_id} already.", rule="R-16c")
    problems = _blank({"statement": statement}, "R-16c")
    if problems:
        raise ValidationFailed("A declaration is a written statement.", rule="R-16c", details=problems)
    return dataclasses.replace(evaluator, declaration=Declaration(conflict, statement.strip(), now))


def require_cleared(evaluator: Evaluator) -> None:
    """R-16c: proposals are not "disclosed to unauthorized persons": an evaluator sees their content, and scores them,
    only once it has declared no conflict of interest."""
    if evaluator.declaration is None:
        raise Forbidden(
            f"{evaluator.official} files its conflict-of-interest declaration before any proposal content is shown.",
            rule="R-16c",
        )
    if evaluator.recused:
        raise Forbidden(
            f"{evaluator.official} declared a conflict of interest and is recused from {evaluator.rfp_id}.", rule="R-16c"
        )


# -- score sheets (R-16a, R-18a/b) ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ScoreSheet:
    """One evaluator's scores of one proposal, a score and a reason for every stated factor; replaced by its later
    sheet until the consensus of that proposal is recorded, then kept beside it."""

    id: str  # sheet_id(rfp_id, proposal_id, evaluator)
    rfp_id: str
    proposal_id: str
    vendor_id: str
    evaluator: str  # the official's token sub
    scores: tuple[FactorScore, ...]
    submitted_at: dt.datetime
    version: int = 0


def sheet_id(rfp_id: str, proposal_id: str, official: str) -> str:
    return f"{rfp_id}#{proposal_id}#{official}"


def sheets_collection(rfp_id: str) -> str:
    """The `Member` collection of a request's score sheets."""
    return f"score-sheets-of#{rfp_id}"


def check_scores(factors: Sequence[EvaluationFactor], submitted: Sequence[FactorScore]) -> tuple[FactorScore, ...]:
    """R-16a: "evaluated only on the basis of evaluation factors stated"; R-18a/b: "Factors not specified ... shall not
    be considered". One score from 0 to SCORE_MAX with its reason for each stated factor, in the request's order;
    every problem listed, the answer's rule R-18a/b when a factor is not the request's."""
    stated = [f.name for f in factors]
    problems, seen = [], set()
    for i, given in enumerate(submitted):
        if given.factor not in stated:
            problems.append(
                field_problem(
                    f"scores[{i}].factor", f"{given.factor!r} is not a factor of the request: one of {stated}", "R-18a/b"
                )
            )
        elif given.factor in seen:
            problems.append(field_problem(f"scores[{i}].factor", f"{given.factor!r} is scored twice", "R-16a"))
        seen.add(given.factor)
        if not 0 <= given.score <= SCORE_MAX:
            problems.append(field_problem(f"scores[{i}].score", f"must be from 0 to {SCORE_MAX}", "R-16a"))
        if not given.reason.strip():
            problems.append(field_problem(f"scores[{i}].reason", "every score states its reason", "R-16a"))
    problems += [
        field_problem("scores", f"no score for the stated factor {name!r}", "R-16a") for name in stated if name not in seen
    ]
    if problems:
        rule = "R-18a/b" if any(p["rule"] == "R-18a/b" for p in problems) else "R-16a"
        raise ValidationFailed(
            "Scores are given for each stated factor, and only for those; see details.", rule=rule, details=problems
        )
    by_factor = {s.factor: dataclasses.replace(s, reason=s.reason.strip()) for s in submitted}
    return tuple(by_factor[name] for name in stated)


def weighted_total(factors: Sequence[EvaluationFactor], scores: Sequence[FactorScore]) -> Decimal:
    """R-18a: the factors' "relative importance": sum(weight * score) / sum(weights), to 4 places half-up."""
    weights = {f.name: f.weight for f in factors}
    total = sum((weights[s.factor] * s.score for s in scores), Decimal(0)) / sum(weights.values(), Decimal(0))
    return total.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)


def scorers(evaluators: Iterable[Evaluator]) -> list[str]:
    """The officials who must score every opened proposal: the panel less the recused."""
    return sorted(e.official for e in evaluators if not e.recused)


def unscored_by(evaluators: Iterable[Evaluator], sheets: Iterable[ScoreSheet], proposal_id: str) -> list[str]:
    """The non-recused evaluators with no sheet yet for the proposal."""
    scored = {s.evaluator for s in sheets if s.proposal_id == proposal_id}
    return [official for official in scorers(evaluators) if official not in scored]


def all_submitted(evaluators: Sequence[Evaluator], sheets: Sequence[ScoreSheet], proposal_ids: Iterable[str]) -> bool:
    """Every non-recused evaluator has a sheet for every opened proposal: the sheets may then be shown to the panel."""
    return bool(scorers(evaluators)) and not any(unscored_by(evaluators, sheets, p) for p in proposal_ids)


# -- the consensus and the classification (R-16a, R-18c) ------------------------------------------------------------


def require_every_sheet(evaluators: Sequence[Evaluator], sheets: Sequence[ScoreSheet], proposal_id: str) -> None:
    """The consensus is recorded beside the individual scores: only once every non-recused evaluator scored."""
    if not scorers(evaluators):
        raise Conflict("No evaluator without a conflict of interest is on the panel; name one first.", rule="R-16a")
    missing = unscored_by(evaluators, sheets, proposal_id)
    if missing:
        raise Conflict(
            f"Proposal {proposal_id} is not scored yet by {', '.join(missing)}; the consensus follows every sheet.",
            rule="R-16a",
            details=[{"field": "proposal_id", "problem": f"no score sheet of {official}"} for official in missing],
        )


def new_consensus(
    *,
    rfp_id: str,
    proposal_id: str,
    vendor_id: str,
    proposer_name: str,
    received_at: dt.datetime,
    factors: Sequence[EvaluationFactor],
    scores: Sequence[FactorScore],
    rationale: str,
    recorded_by: str,
    now: dt.datetime,
) -> Consensus:
    checked = check_scores(factors, scores)
    problems = _blank({"rationale": rationale}, "R-16a")
    if problems:
        raise ValidationFailed("The consensus states its rationale.", rule="R-16a", details=problems)
    return Consensus(
        id=consensus_id(rfp_id, vendor_id),
        rfp_id=rfp_id,
        proposal_id=proposal_id,
        vendor_id=vendor_id,
        proposer_name=proposer_name,
        scores=checked,
        rationale=rationale.strip(),
        total=weighted_total(factors, checked),
        recorded_by=recorded_by,
        recorded_at=now,
        received_at=received_at,
    )


def classify(consensus: Consensus, classification: Classification, reason: str) -> Consensus:
    """R-18c: each proposal classified with its reason; it may change until the shortlist is selected."""
    problems = _blank({"reason": reason}, "R-18c")
    if problems:
        raise ValidationFailed("A classification states its reason.", rule="R-18c", details=problems)
    return dataclasses.replace(consensus, classification=classification, classification_reason=reason.strip())


def became_unacceptable(before: Consensus, after: Consensus) -> bool:
    """R-18c: "Proposers whose proposals are unacceptable shall be so notified promptly": once per change to it."""
    return after.classification is Classification.UNACCEPTABLE and before.classification is not Classification.UNACCEPTABLE


# -- the shortlist (R-16g) -------------------------------------------------------------------------------------------

SHORTLIST_SIZE = 3  # R-16g: "no fewer than three acceptable proposers (or such lesser number ...)"


def check_shortlist(
    records: Sequence[Consensus], opened: dict[str, str], chosen: Sequence[str], field: str, determination: str | None
) -> tuple[str, ...]:
    """R-16g: "select, in the order of their respective qualification rankings, no fewer than three acceptable
    proposers (or such lesser number if less than three acceptable proposals were received)". `opened` maps each
    opened proposal's id to its vendor; `chosen` are vendor ids (the request's `field`, listed as sent). The list is
    the top of the ranking of the acceptable and potentially acceptable, in that order; a shorter one than R-16g's
    needs a written determination. Returns the shortlist's vendor ids."""
    by_vendor = {c.vendor_id: c for c in records}
    unsettled = sorted(p for p, v in opened.items() if v not in by_vendor or by_vendor[v].classification is None)
    if unsettled:
        raise Conflict(
            f"Every opened proposal has a consensus and a classification before the shortlist; not yet: {', '.join(unsettled)}.",
            rule="R-16g",
            details=[{"field": "proposal_id", "problem": f"{p} has no consensus or no classification"} for p in unsettled],
        )
    ranked = [c.vendor_id for c in qualifying(records)]
    if not ranked:
        raise Conflict("No proposal is acceptable or potentially acceptable: the request is resolicited (R-16n).", rule="R-16g")
    problems = []
    for i, vendor in enumerate(chosen):
        if vendor not in by_vendor:
            problems.append(field_problem(f"{field}[{i}]", "is not an opened proposal of this request", "R-16g"))
        elif vendor not in ranked:
            problems.append(field_problem(f"{field}[{i}]", "is classified unacceptable (R-18c)", "R-16g"))
    if not chosen:
        problems.append(field_problem(field, "name at least one proposer", "R-16g"))
    elif not problems and list(chosen) != ranked[: len(chosen)]:
        problems.append(
            field_problem(
                field, f"the top of the ranking in ranking order, no skipping or reordering: {ranked[: len(chosen)]}", "R-16g"
            )
        )
    if not problems and len(chosen) < min(SHORTLIST_SIZE, len(ranked)) and not (determination or "").strip():
        problems.append(
            field_problem(
                "determination",
                f"{len(ranked)} proposers qualify: fewer than {min(SHORTLIST_SIZE, len(ranked))} needs a written determination",
                "R-16g",
            )
        )
    if problems:
        raise ValidationFailed("The shortlist does not follow the ranking; see details.", rule="R-16g", details=problems)
    return tuple(chosen)
