"""Awards: the awarded bidder accepts, declines or furnishes surety; purchasing corrects clerical errors (R-8g);
purchasing, the agency and bidders read them."""

from __future__ import annotations

from decimal import Decimal

from chalice import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.views import LocalTime
from chalicelib.domain.awards import CorrectedField
from chalicelib.services import awards
from chalicelib.services.ports import Role

bp = Blueprint(__name__)
TAG = "awards"


class DeclineAwardIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: str | None = Field(None, max_length=2000, description="Why the bidder declines (recorded, R-9g).")


class SuretyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    form: str = Field(description="performance_bond, certified_check or letter_of_credit (R-6b).")
    amount: str = Field(description="Dollars, decimal string; at least the invitation's surety percent of the award.")
    reference: str = Field(min_length=1, max_length=200, description="Bond, check or letter number.")


class AwardCorrectionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    field: CorrectedField = Field(description="What is corrected: bidder_name, or a line's quantity or unit_price (R-8g).")
    line_id: str | None = Field(None, max_length=40, description="For quantity and unit_price: the awarded line corrected.")
    value: str = Field(max_length=300, description="The correct value: the name, or a decimal string (quantity up to the invited one; unit price at most 4 places).")
    reason: str = Field(max_length=5000, description="The clerical or administrative error corrected, in writing (R-8g); not blank.")


class AwardCorrectionOut(BaseModel):
    number: int = Field(description="Correction number on the award.")
    bid_id: str = Field(description="The bid whose award was corrected.")
    field: str = Field(description="bidder_name, quantity or unit_price.")
    line_id: str | None = Field(None, description="The line, for quantity and unit_price.")
    before: str = Field(description="The value before the correction.")
    after: str = Field(description="The corrected value.")
    reason: str = Field(description="Why (R-8g).")
    at: LocalTime = Field(description="When it was recorded.")


class CandidateOut(BaseModel):
    rank: int = Field(description="1 is the lowest evaluated price (R-8a).")
    bid_id: str = Field(description="The bid.")
    bidder_name: str = Field(description="The bidder.")
    evaluated_price: Decimal = Field(description="Unit price (by item) or total of full quantities (group, all); discounts excluded (R-8f).")
    amount: Decimal = Field(description="Award amount if this bidder gets it.")
    cash_discount_percent: Decimal | None = Field(None, description="Prompt-payment discount: breaks ties only (R-8f).")


class AwardOutcomeOut(BaseModel):
    bid_id: str = Field(description="The bid that lost the award.")
    bidder_name: str = Field(description="Its bidder.")
    outcome: str = Field(description="declined, lapsed (R-9g) or surety_lapsed (R-9h).")
    at: LocalTime = Field(description="When.")
    reason: str = Field(description="Why.")


class AwardOut(BaseModel):
    id: str = Field(description="Award id.")
    solicitation_id: str = Field(description="The solicitation.")
    scope: str = Field(description="all, item:<line> or group:<group> (R-8b).")
    status: str = Field(description="pending, offered, awaiting_surety, accepted, contracted or exhausted.")
    conditional: bool = Field(description="R-8c: made after the award period; binds on acceptance.")
    current_bid_id: str | None = Field(None, description="The bid currently offered the award.")
    current_bidder: str | None = Field(None, description="Its bidder.")
    offered_at: LocalTime | None = Field(None, description="Notice of award sent (R-9g).")
    accept_by: LocalTime | None = Field(None, description="10 days after the notice (R-9g).")
    accepted_at: LocalTime | None = Field(None, description="When accepted.")
    surety_amount: Decimal | None = Field(None, description="Performance surety required (R-6b).")
    surety_due: LocalTime | None = Field(None, description="10 days after the surety request (R-9h).")
    contract_id: str | None = Field(None, description="The contract formed (R-9a).")
    ranking: list[CandidateOut] = Field(description="Ranked eligible bids of the scope (R-8a).")
    notes: list[str] = Field(description="Tie-breaks (R-8f).")
    outcomes: list[AwardOutcomeOut] = Field(description="Bidders that lost the award and why.")
    corrections: list[AwardCorrectionOut] = Field(default_factory=list, description="Clerical corrections of the award (R-8g); the contract follows them.")

    @classmethod
    def of(cls, a) -> AwardOut:
        current = a.current
        return cls(
            id=a.id, solicitation_id=a.solicitation_id, scope=a.scope, status=a.status.value, conditional=a.conditional,
            current_bid_id=current.bid_id if current else None, current_bidder=current.bidder_name if current else None,
            offered_at=a.offered_at, accept_by=a.accept_by, accepted_at=a.accepted_at, surety_amount=a.surety_amount,
            surety_due=a.surety_due, contract_id=a.contract_id, notes=list(a.notes),
            ranking=[CandidateOut(rank=i + 1, bid_id=c.bid_id, bidder_name=c.bidder_name, evaluated_price=c.evaluated_price,
                                  amount=c.amount, cash_discount_percent=c.cash_discount_percent) for i, c in enumerate(a.candidates)],
            outcomes=[AwardOutcomeOut(**o.__dict__) for o in a.outcomes],
            corrections=[AwardCorrectionOut(number=c.number, bid_id=c.bid_id, field=c.field.value, line_id=c.line_id, before=c.before,
                                            after=c.after, reason=c.reason, at=c.at) for c in a.corrections],
        )


@operation(bp, "POST", "/awards/{award_id}/accept", summary="Accept an award", tag=TAG, roles={Role.VENDOR}, response=AwardOut, rules=("R-9g", "R-8c", "R-9a"), errors=(403, 404, 409))
def accept(call: Call, award_id: str):
    """Within 10 days of the notice; confirms a conditional award. Surety is requested next where required."""
    return AwardOut.of(awards.accept(call.deps, call.actor, award_id))


@operation(bp, "POST", "/awards/{award_id}/decline", summary="Decline an award", tag=TAG, roles={Role.VENDOR}, body=DeclineAwardIn, response=AwardOut, rules=("R-9g",), errors=(403, 404, 409))
def decline(call: Call, award_id: str):
    """The award passes at once to the next ranked bidder; both are told."""
    return AwardOut.of(awards.decline(call.deps, call.actor, award_id, call.body.reason or ""))


@operation(bp, "POST", "/awards/{award_id}/surety", summary="Furnish performance surety", tag=TAG, roles={Role.VENDOR}, body=SuretyIn, response=AwardOut, rules=("R-9h", "R-6b"), errors=(403, 404, 409))
def surety(call: Call, award_id: str):
    """Within 10 days of the request; the contract follows."""
    b = call.body
    return AwardOut.of(awards.furnish_surety(call.deps, call.actor, award_id, b.form, b.amount, b.reference))


@operation(bp, "POST", "/awards/{award_id}/corrections", summary="Correct a clerical error of an award", tag=TAG, roles={Role.PURCHASING}, body=AwardCorrectionIn, response=AwardOut, status=201, rules=("R-8g",), errors=(404, 409))
def correction(call: Call, award_id: str):
    """Until the award becomes a contract (then 409: amend the contract, R-9c); recorded with its reason and audited, and a bidder already notified is told."""
    b = call.body
    return AwardOut.of(awards.correct_award(call.deps, call.actor, award_id, b.field, b.value, b.reason, line_id=b.line_id))


@operation(bp, "GET", "/awards/{award_id}", summary="Read an award", tag=TAG, roles={Role.PURCHASING, Role.AGENCY, Role.VENDOR}, response=AwardOut, rules=("R-8a",), errors=(404,))
def get(call: Call, award_id: str):
    """Purchasing, the agency and the ranked bidders."""
    return AwardOut.of(awards.get_award(call.deps, call.actor, award_id))
