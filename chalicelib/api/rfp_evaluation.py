"""The evaluation of opened proposals: the panel and its conflict-of-interest declarations (R-16c), the opened
proposals for purchasing and cleared evaluators, score sheets per stated factor (R-16a, R-18a/b), the consensus and the
ranking, the classification (R-18c) and the shortlist (R-16g). State officials only: a vendor is refused every route."""

from __future__ import annotations

import enum

from chalice import Blueprint
from pydantic import Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, PageQuery, page_of, page_request
from chalicelib.api.types import DecimalOut, Dollars, Email, LocalTime, Percent
from chalicelib.api.views import ApiModel, RequestBody
from chalicelib.domain.proposals import Proposal
from chalicelib.domain.rfp_evaluation import Classification, Consensus, Evaluator, FactorScore, ScoreSheet
from chalicelib.domain.rfps import Rfp, RfpStatus
from chalicelib.services import rfp_evaluation as evaluation
from chalicelib.services.ports import Role

bp = Blueprint(__name__)
TAG = "evaluation of proposals"
OFFICIALS = {Role.AGENCY, Role.PURCHASING}
ERRORS = (403, 404, 409)


class EvaluatorIn(RequestBody):
    official: str = Field(min_length=1, max_length=254, description="The State official's token subject (`sub`).")
    name: str = Field(min_length=1, max_length=200, description="The official's name.")
    email: Email = Field(description="The official's email address.")


class DeclarationIn(RequestBody):
    conflict: bool = Field(description="Whether the evaluator has a conflict of interest with any proposer.")
    statement: str = Field(min_length=1, max_length=5000, description="The written declaration; with a conflict, what it is.")


class DeclarationOut(ApiModel):
    conflict: bool = Field(description="A conflict recuses the evaluator: no proposal content, no scores.")
    statement: str = Field(description="The written declaration.")
    declared_at: LocalTime = Field(description="When it was filed.")


class EvaluatorState(str, enum.Enum):
    PENDING = "pending"  # named, no declaration yet: no proposal content
    CLEARED = "cleared"  # declared no conflict: reads and scores the proposals
    RECUSED = "recused"  # declared a conflict


class EvaluatorOut(ApiModel):
    rfp_id: str = Field(description="Request for proposals id.")
    official: str = Field(description="The official's token subject.")
    name: str = Field(description="The official's name.")
    email: str = Field(description="The official's email address.")
    named_at: LocalTime = Field(description="When purchasing named the evaluator.")
    state: EvaluatorState = Field(
        description="pending (no declaration yet; no proposal content shown), cleared (no conflict) or recused (a conflict)."
    )
    declaration: DeclarationOut | None = Field(None, description="The conflict-of-interest declaration, once filed.")

    @classmethod
    def of(cls, e: Evaluator) -> EvaluatorOut:
        state = EvaluatorState.RECUSED if e.recused else EvaluatorState.CLEARED if e.cleared else EvaluatorState.PENDING
        declaration = None if e.declaration is None else DeclarationOut(**e.declaration.__dict__)
        return cls(
            rfp_id=e.rfp_id,
            official=e.official,
            name=e.name,
            email=e.email,
            named_at=e.named_at,
            state=state,
            declaration=declaration,
        )


class ProposalDocumentOut(ApiModel):
    name: str = Field(description="The document's name.")
    text: str = Field(description="The document's text.")


class ConfidentialityOut(ApiModel):
    part: str = Field(description="R-16d: the part the proposer asks not to disclose.")
    reason: str = Field(description="Why.")


class OpenedProposalOut(ApiModel):
    proposal_id: str = Field(description="Proposal id.")
    rfp_id: str = Field(description="Request for proposals id.")
    vendor_id: str = Field(description="The proposer's vendor id.")
    proposer_name: str = Field(description="The proposer's legal name.")
    received_at: LocalTime = Field(description="Time stamp of receipt (R-16c).")
    modifications: int = Field(description="Earlier proposals it replaced (R-16f).")
    price: Dollars = Field(description="The proposed price.")
    description: str = Field(description="What is offered.")
    documents: list[ProposalDocumentOut] = Field(description="The proposal's documents.")
    confidentiality: list[ConfidentialityOut] = Field(description="R-16d: the proposer's confidentiality requests.")

    @classmethod
    def of(cls, p: Proposal) -> OpenedProposalOut:
        assert p.content is not None  # only opened proposals are shown
        c = p.content
        return cls(
            proposal_id=p.id,
            rfp_id=p.rfp_id,
            vendor_id=p.vendor_id,
            proposer_name=p.proposer_name,
            received_at=p.received_at,
            modifications=p.modifications,
            price=c.price,
            description=c.description,
            documents=[ProposalDocumentOut(name=d.name, text=d.text) for d in c.documents],
            confidentiality=[ConfidentialityOut(part=r.part, reason=r.reason) for r in c.confidentiality],
        )


class FactorScoreIn(RequestBody):
    factor: str = Field(min_length=1, max_length=80, description="One of the request's evaluation factors (R-16a, R-18a/b).")
    score: Percent = Field(description="From 0 to 10, a decimal string.")
    reason: str = Field(min_length=1, max_length=5000, description="Why this score: every score carries its reason.")


class ScoresIn(RequestBody):
    proposal_id: str = Field(min_length=1, max_length=100, description="The opened proposal scored.")
    scores: list[FactorScoreIn] = Field(
        min_length=1, max_length=30, description="One score with its reason for every factor the request states, and only those."
    )


class FactorScoreOut(ApiModel):
    factor: str = Field(description="Evaluation factor.")
    score: DecimalOut = Field(description="From 0 to 10.")
    reason: str = Field(description="Why.")


class ScoreSheetOut(ApiModel):
    rfp_id: str = Field(description="Request for proposals id.")
    proposal_id: str = Field(description="The proposal scored.")
    vendor_id: str = Field(description="Its proposer's vendor id.")
    evaluator: str = Field(description="The evaluator's token subject.")
    scores: list[FactorScoreOut] = Field(description="A score and a reason per stated factor, in the request's order.")
    submitted_at: LocalTime = Field(description="When this sheet was submitted (a later one replaces it until the consensus).")

    @classmethod
    def of(cls, s: ScoreSheet) -> ScoreSheetOut:
        return cls(
            rfp_id=s.rfp_id,
            proposal_id=s.proposal_id,
            vendor_id=s.vendor_id,
            evaluator=s.evaluator,
            scores=[FactorScoreOut(**f.__dict__) for f in s.scores],
            submitted_at=s.submitted_at,
        )


class ConsensusIn(RequestBody):
    proposal_id: str = Field(min_length=1, max_length=100, description="The opened proposal.")
    scores: list[FactorScoreIn] = Field(
        min_length=1, max_length=30, description="The panel's agreed score with its reason for every stated factor."
    )
    rationale: str = Field(min_length=1, max_length=20000, description="Why the panel agreed on these scores.")


class ConsensusOut(ApiModel):
    rfp_id: str = Field(description="Request for proposals id.")
    proposal_id: str = Field(description="The proposal.")
    vendor_id: str = Field(description="Its proposer's vendor id.")
    proposer_name: str = Field(description="The proposer's legal name.")
    scores: list[FactorScoreOut] = Field(description="The agreed scores per stated factor.")
    rationale: str = Field(description="The panel's rationale.")
    total: DecimalOut = Field(description="Weighted by the factors' relative importance, 0 to 10.")
    recorded_by: str = Field(description="The purchasing official who recorded it.")
    recorded_at: LocalTime = Field(description="When.")
    received_at: LocalTime = Field(description="The proposal's receipt: the earlier ranks first on equal totals.")
    classification: Classification | None = Field(
        None, description="R-18c: acceptable, potentially_acceptable or unacceptable; null until classified."
    )
    classification_reason: str | None = Field(None, description="Why it was so classified.")

    @classmethod
    def of(cls, c: Consensus) -> ConsensusOut:
        data = {k: getattr(c, k) for k in cls.model_fields if k != "scores"}
        return cls(**data, scores=[FactorScoreOut(**f.__dict__) for f in c.scores])


class RankingOut(ApiModel):
    rfp_id: str = Field(description="Request for proposals id.")
    proposers: list[ConsensusOut] = Field(
        description="R-16g: by consensus total, best first; on equal totals the earlier receipt first."
    )


class ClassificationIn(RequestBody):
    proposal_id: str = Field(min_length=1, max_length=100, description="The opened proposal, whose consensus is recorded.")
    classification: Classification = Field(description="R-18c: acceptable, potentially_acceptable or unacceptable.")
    reason: str = Field(min_length=1, max_length=5000, description="Why; an unacceptable proposer is emailed it.")


class ShortlistIn(RequestBody):
    vendor_ids: list[str] | None = Field(
        None, min_length=1, max_length=50, description="The selected proposers' vendor ids in ranking order; or proposal_ids."
    )
    proposal_ids: list[str] | None = Field(
        None, min_length=1, max_length=50, description="The selected proposals in ranking order; or vendor_ids."
    )
    determination: str | None = Field(
        None, max_length=20000, description="R-16g: the written determination behind a list shorter than three."
    )


class ShortlistOut(ApiModel):
    rfp_id: str = Field(description="Request for proposals id.")
    status: RfpStatus = Field(description="discussions once the shortlist is selected.")
    shortlist: list[str] = Field(description="R-16g: the selected proposers' vendor ids, best ranked first.")
    shortlisted_at: LocalTime = Field(description="When the shortlist was selected.")
    shortlist_determination: str | None = Field(None, description="The written determination of a shorter list.")

    @classmethod
    def of(cls, rfp: Rfp) -> ShortlistOut:
        return cls(
            rfp_id=rfp.id,
            status=rfp.status,
            shortlist=list(rfp.shortlist),
            shortlisted_at=rfp.shortlisted_at,
            shortlist_determination=rfp.shortlist_determination,
        )


def _scores(scores: list[FactorScoreIn]) -> list[FactorScore]:
    return [FactorScore(s.factor.strip().lower(), s.score, s.reason) for s in scores]


@operation(
    bp,
    "POST",
    "/rfps/{rfp_id}/evaluators",
    summary="Name an evaluator",
    tag=TAG,
    roles={Role.PURCHASING},
    body=EvaluatorIn,
    response=EvaluatorOut,
    status=201,
    rules=("R-16a", "R-16c"),
    errors=ERRORS,
)
def name_evaluator(call: Call, rfp_id: str):
    """While the proposals are evaluated (status opened); audited. The official sees no proposal content before its
    conflict-of-interest declaration. Naming the same official twice is 409."""
    b = call.body
    return EvaluatorOut.of(evaluation.name_evaluator(call.deps, call.actor, rfp_id, b.official, b.name, b.email))


@operation(
    bp,
    "GET",
    "/rfps/{rfp_id}/evaluators",
    summary="List the evaluation panel",
    tag=TAG,
    roles=OFFICIALS,
    query=PageQuery,
    response=Page[EvaluatorOut],
    rules=("R-16c",),
    errors=ERRORS,
)
def list_evaluators(call: Call, rfp_id: str):
    """Purchasing and the panel's members: each evaluator with its declaration state."""
    return page_of(call, evaluation.panel(call.deps, call.actor, rfp_id, page_request(call)), EvaluatorOut.of)


@operation(
    bp,
    "POST",
    "/rfps/{rfp_id}/evaluators/declaration",
    summary="File a conflict-of-interest declaration",
    tag=TAG,
    roles=OFFICIALS,
    body=DeclarationIn,
    response=EvaluatorOut,
    rules=("R-16c",),
    errors=ERRORS,
)
def declare(call: Call, rfp_id: str):
    """The named evaluator (by token subject), once. No conflict opens the proposals to it; a conflict recuses it
    (no content, no scores) and emails purchasing."""
    b = call.body
    return EvaluatorOut.of(evaluation.declare(call.deps, call.actor, rfp_id, b.conflict, b.statement))


@operation(
    bp,
    "GET",
    "/rfps/{rfp_id}/proposals",
    summary="List the opened proposals",
    tag=TAG,
    roles=OFFICIALS,
    query=PageQuery,
    response=Page[OpenedProposalOut],
    rules=("R-16c",),
    errors=ERRORS,
)
def list_proposals(call: Call, rfp_id: str):
    """Purchasing, and a named evaluator once it declared no conflict (403 before, and when recused): the opened
    proposals' content in proposal id order; each reading is audited. Vendors have their receipts (403)."""
    return page_of(call, evaluation.opened_proposals(call.deps, call.actor, rfp_id, page_request(call)), OpenedProposalOut.of)


@operation(
    bp,
    "GET",
    "/rfps/{rfp_id}/proposals/{proposal_id}",
    summary="Read an opened proposal",
    tag=TAG,
    roles=OFFICIALS,
    response=OpenedProposalOut,
    rules=("R-16c",),
    errors=ERRORS,
)
def read_proposal(call: Call, rfp_id: str, proposal_id: str):
    """As the list: purchasing, or a cleared evaluator; a replaced or withdrawn proposal is 404."""
    return OpenedProposalOut.of(evaluation.opened_proposal(call.deps, call.actor, rfp_id, proposal_id))


@operation(
    bp,
    "POST",
    "/rfps/{rfp_id}/scores",
    summary="Submit a score sheet",
    tag=TAG,
    roles=OFFICIALS,
    body=ScoresIn,
    response=ScoreSheetOut,
    status=201,
    rules=("R-16a", "R-18a/b"),
    errors=ERRORS,
)
def submit_scores(call: Call, rfp_id: str):
    """A cleared evaluator scores one opened proposal: a score from 0 to 10 with its reason for every stated factor; an
    unknown factor is 400 naming it (R-18a/b), a missing one 400 (R-16a). A later sheet replaces it until the
    proposal's consensus is recorded (then 409)."""
    b = call.body
    return ScoreSheetOut.of(evaluation.submit_scores(call.deps, call.actor, rfp_id, b.proposal_id, _scores(b.scores)))


@operation(
    bp,
    "GET",
    "/rfps/{rfp_id}/scores",
    summary="List the score sheets",
    tag=TAG,
    roles=OFFICIALS,
    query=PageQuery,
    response=Page[ScoreSheetOut],
    rules=("R-16a",),
    errors=ERRORS,
)
def list_scores(call: Call, rfp_id: str):
    """Purchasing sees every sheet; a cleared evaluator only its own until every non-recused evaluator has scored
    every opened proposal, then all."""
    return page_of(call, evaluation.score_sheets(call.deps, call.actor, rfp_id, page_request(call)), ScoreSheetOut.of)


@operation(
    bp,
    "POST",
    "/rfps/{rfp_id}/consensus",
    summary="Record the consensus score of a proposal",
    tag=TAG,
    roles={Role.PURCHASING},
    body=ConsensusIn,
    response=ConsensusOut,
    status=201,
    rules=("R-16a", "R-18a/b"),
    errors=ERRORS,
)
def record_consensus(call: Call, rfp_id: str):
    """Once every non-recused evaluator scored the proposal (409 before), once per proposal; the individual sheets
    stay beside it. Its total is weighted by the factors' relative importance."""
    b = call.body
    found = evaluation.record_consensus(call.deps, call.actor, rfp_id, b.proposal_id, _scores(b.scores), b.rationale)
    return ConsensusOut.of(found)


@operation(
    bp,
    "GET",
    "/rfps/{rfp_id}/ranking",
    summary="Read the ranking of the proposers",
    tag=TAG,
    roles={Role.PURCHASING},
    response=RankingOut,
    rules=("R-16g",),
    errors=ERRORS,
)
def read_ranking(call: Call, rfp_id: str):
    """The proposers with a consensus, by total, best first (ties: the earlier receipt), with their classification."""
    ranked = evaluation.ranking(call.deps, call.actor, rfp_id)
    return RankingOut(rfp_id=rfp_id, proposers=[ConsensusOut.of(c) for c in ranked])


@operation(
    bp,
    "POST",
    "/rfps/{rfp_id}/classifications",
    summary="Classify a proposal",
    tag=TAG,
    roles={Role.PURCHASING},
    body=ClassificationIn,
    response=ConsensusOut,
    rules=("R-18c",),
    errors=ERRORS,
)
def classify(call: Call, rfp_id: str):
    """R-18c, after the proposal's consensus (409 before); it may change until the shortlist, each change audited. A
    proposer classified unacceptable is emailed promptly, about its own proposal only."""
    b = call.body
    return ConsensusOut.of(evaluation.classify(call.deps, call.actor, rfp_id, b.proposal_id, b.classification, b.reason))


@operation(
    bp,
    "POST",
    "/rfps/{rfp_id}/shortlist",
    summary="Select the shortlist",
    tag=TAG,
    roles={Role.PURCHASING},
    body=ShortlistIn,
    response=ShortlistOut,
    rules=("R-16g", "R-18c"),
    errors=ERRORS,
)
def select_shortlist(call: Call, rfp_id: str):
    """R-16g: once every opened proposal has a consensus and a classification (409 before): the top of the ranking of
    the acceptable and potentially acceptable, in ranking order, at least three or all of them when fewer qualify;
    shorter only with a written `determination` (400 otherwise). The request moves to discussions; the shortlisted
    are invited, the others told."""
    b = call.body
    rfp = evaluation.select_shortlist(
        call.deps, call.actor, rfp_id, vendor_ids=b.vendor_ids, proposal_ids=b.proposal_ids, determination=b.determination
    )
    return ShortlistOut.of(rfp)
