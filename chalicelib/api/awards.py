"""Awards: the bidder accepts a conditional award, refuses within 10 days or furnishes surety; purchasing passes a
refused, lapsed or cancelled share to the next bidder and corrects clerical errors (R-8g); purchasing, the agency and
the ranked bidders read them."""

from __future__ import annotations

from chalice import Blueprint
from pydantic import Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, PageQuery, page_of, page_request
from chalicelib.api.types import DecimalOut, Dollars, ExactDollars, LocalTime, Money
from chalicelib.api.views import ApiModel, RequestBody
from chalicelib.domain import awards as award_rules
from chalicelib.domain.awards import CorrectedField, OutcomeKind, ShareStatus, SuretyForm
from chalicelib.services import awards
from chalicelib.services.ports import Role

bp = Blueprint(__name__)
TAG = "awards"


class DeclineAwardIn(RequestBody):
    reason: str | None = Field(
        None, max_length=2000, description="Why the bidder refuses (recorded and sent to purchasing, R-9g)."
    )


class SuretyIn(RequestBody):
    form: SuretyForm = Field(description="The form of the surety (R-6b).")
    amount: Money = Field(description="Dollars; at least the invitation's surety percent of the award (R-6b).")
    reference: str = Field(min_length=1, max_length=200, description="Bond, check or letter number.")


class AwardCorrectionIn(RequestBody):
    field: CorrectedField = Field(description="What is corrected: bidder_name, or a line's quantity or unit_price (R-8g).")
    line_id: str | None = Field(None, max_length=40, description="For quantity and unit_price: the awarded line corrected.")
    value: str = Field(
        max_length=300,
        description="The correct value: the name, or a decimal string (quantity up to the invited one; unit price at most 4 places).",
    )
    reason: str = Field(
        max_length=5000, description="The clerical or administrative error corrected, in writing (R-8g); not blank."
    )


class AwardCorrectionOut(ApiModel):
    number: int = Field(description="Correction number on the award.")
    bid_id: str = Field(description="The bid whose award was corrected.")
    field: CorrectedField = Field(description="What was corrected (R-8g).")
    line_id: str | None = Field(None, description="The line, for quantity and unit_price.")
    before: str = Field(description="The value before the correction.")
    after: str = Field(description="The corrected value.")
    reason: str = Field(description="Why (R-8g).")
    at: LocalTime = Field(description="When it was recorded.")


class CandidateOut(ApiModel):
    rank: int = Field(description="1 is the lowest evaluated price (R-8a).")
    bid_id: str = Field(description="The bid.")
    bidder_name: str = Field(description="The bidder.")
    evaluated_price: ExactDollars = Field(
        description="Dollars: unit price (by item) or total of full quantities (group, all); discounts excluded (R-8f)."
    )
    amount: Dollars = Field(description="The bid's amount for the scope in dollars, at the quantities it offered.")
    cash_discount_percent: DecimalOut | None = Field(
        None, description="Prompt-payment discount percent: breaks ties only (R-8f)."
    )


class AwardOutcomeOut(ApiModel):
    bid_id: str = Field(description="The bid concerned.")
    bidder_name: str = Field(description="Its bidder.")
    outcome: OutcomeKind = Field(
        description="refused (R-9g), lapsed (R-8c), surety_lapsed or cancelled (R-9h), passed_on (to the next bidder)."
    )
    at: LocalTime = Field(description="When.")
    reason: str = Field(description="Why.")
    share: int = Field(description="The share concerned.")


class AwardedLineOut(ApiModel):
    line_id: str = Field(description="Line of the invitation.")
    quantity: DecimalOut = Field(description="Quantity awarded to this bidder (R-8b: by item, what its bid offered).")
    unit_price: ExactDollars = Field(description="The bid's unit price in dollars, as corrected (R-8g).")


class ShareOut(ApiModel):
    number: int = Field(description="Share number within the award.")
    bid_id: str = Field(description="The awarded bid.")
    bidder_name: str = Field(description="Its bidder.")
    status: ShareStatus = Field(description="Where the share stands (R-8c, R-9a, R-9g, R-9h).")
    conditional: bool = Field(description="R-8c: made after the award period (or the bid's shorter period); binds on acceptance.")
    lines: list[AwardedLineOut] = Field(description="What this bidder is awarded.")
    amount: Dollars = Field(description="Award amount of the share, in dollars.")
    responsibility: str = Field(description="The responsibility findings considered (R-18a/b).")
    noticed_at: LocalTime | None = Field(None, description="Notice of award sent: the State's acceptance (R-9g).")
    respond_by: LocalTime | None = Field(
        None, description="First instant after the 10 days to refuse (or to accept a conditional award)."
    )
    accepted_at: LocalTime | None = Field(None, description="When the bidder accepted a conditional award (R-8c).")
    contract_id: str | None = Field(None, description="The contract its notice (or acceptance) formed (R-9a).")
    surety_amount: Dollars | None = Field(None, description="Performance surety required, in dollars (R-6b).")
    surety_due: LocalTime | None = Field(None, description="First instant after the 10 days from the surety request (R-9h).")
    surety_furnished_at: LocalTime | None = Field(None, description="When the surety was furnished.")
    refused_at: LocalTime | None = Field(None, description="When the bidder refused (R-9g).")
    refusal_reason: str | None = Field(None, description="Why.")

    @classmethod
    def of(cls, a, s) -> ShareOut:
        return cls(
            number=s.number,
            bid_id=s.candidate.bid_id,
            bidder_name=s.candidate.bidder_name,
            status=s.status,
            conditional=s.conditional,
            amount=award_rules.share_amount(a, s),
            responsibility=s.responsibility,
            lines=[
                AwardedLineOut(line_id=lid, quantity=q, unit_price=p) for lid, (q, p) in award_rules.awarded_lines(a, s).items()
            ],
            noticed_at=s.noticed_at,
            respond_by=s.respond_by,
            accepted_at=s.accepted_at,
            contract_id=s.contract_id,
            surety_amount=award_rules.surety_amount(a, s) if s.surety_requested_at else None,
            surety_due=s.surety_due,
            surety_furnished_at=s.surety.furnished_at if s.surety else None,
            refused_at=s.refused_at,
            refusal_reason=s.refusal_reason,
        )


class AwardOut(ApiModel):
    id: str = Field(description="Award id.")
    solicitation_id: str = Field(description="The solicitation.")
    scope: str = Field(description="all, item:<line> or group:<group> (R-8b).")
    status: ShareStatus = Field(
        description="The share most needing attention: pending, conditional, refused, lapsed, cancelled, then contracted; passed_on when none holds."
    )
    conditional: bool = Field(description="R-8c: a share still held is conditional on the bidder's acceptance.")
    contract_id: str | None = Field(None, description="The contract formed (R-9a); with a split award, the first share's.")
    shares: list[ShareOut] = Field(description="One per awarded bidder (R-8b split), in the order awarded.")
    ranking: list[CandidateOut] = Field(description="Ranked eligible bids of the scope (R-8a).")
    notes: list[str] = Field(description="Tie-breaks (R-8f).")
    outcomes: list[AwardOutcomeOut] = Field(
        description="Refusals, lapses, missing surety, cancellations and passing on, in order."
    )
    corrections: list[AwardCorrectionOut] = Field(
        default_factory=list, description="Clerical corrections of the award (R-8g); the contract follows them."
    )

    @classmethod
    def of(cls, a) -> AwardOut:
        return cls(
            id=a.id,
            solicitation_id=a.solicitation_id,
            scope=a.scope,
            status=a.status,
            conditional=a.conditional,
            contract_id=a.contract_id,
            notes=list(a.notes),
            shares=[ShareOut.of(a, s) for s in a.shares],
            ranking=[
                CandidateOut(
                    rank=i + 1,
                    bid_id=c.bid_id,
                    bidder_name=c.bidder_name,
                    evaluated_price=c.evaluated_price,
                    amount=c.amount,
                    cash_discount_percent=c.cash_discount_percent,
                )
                for i, c in enumerate(a.candidates)
            ],
            outcomes=[AwardOutcomeOut(**o.__dict__) for o in a.outcomes],
            corrections=[
                AwardCorrectionOut(
                    number=c.number,
                    bid_id=c.bid_id,
                    field=c.field,
                    line_id=c.line_id,
                    before=c.before,
                    after=c.after,
                    reason=c.reason,
                    at=c.at,
                )
                for c in a.corrections
            ],
        )


@operation(
    bp,
    "POST",
    "/awards/{award_id}/accept",
    summary="Accept a conditional award",
    tag=TAG,
    roles={Role.VENDOR},
    response=AwardOut,
    rules=("R-8c", "R-9a"),
    errors=(403, 404, 409),
)
def accept(call: Call, award_id: str):
    """Only a conditional award (R-8c) waits for it: within 10 days of its notice; the acceptance forms the contract.
    A firm award's notice already formed it (409, R-9a)."""
    return AwardOut.of(awards.accept(call.deps, call.actor, award_id))


@operation(
    bp,
    "POST",
    "/awards/{award_id}/decline",
    summary="Refuse an award within 10 days of its notice",
    tag=TAG,
    roles={Role.VENDOR},
    body=DeclineAwardIn,
    response=AwardOut,
    rules=("R-9g",),
    errors=(403, 404, 409),
)
def decline(call: Call, award_id: str):
    """Recorded, and purchasing is asked to decide (POST /awards/{id}/next, or leave it: the contract stands). After the
    10 days the refusal is not considered (409, R-9g): the contract stands (R-9i)."""
    return AwardOut.of(awards.refuse(call.deps, call.actor, award_id, call.body.reason or ""))


@operation(
    bp,
    "POST",
    "/awards/{award_id}/next",
    summary="Offer a refused, lapsed or cancelled award to the next bidder",
    tag=TAG,
    roles={Role.PURCHASING},
    response=AwardOut,
    rules=("R-9g", "R-9h", "R-8b"),
    errors=(404, 409),
)
def next_bidder(call: Call, award_id: str):
    """The quantity of refused, lapsed or cancelled shares goes to the next ranked eligible bidders with quantity left
    (new notices); a refused share's contract is cancelled and its bidder told. 409 when none is left."""
    return AwardOut.of(awards.next_bidder(call.deps, call.actor, award_id))


@operation(
    bp,
    "POST",
    "/awards/{award_id}/surety",
    summary="Furnish performance surety",
    tag=TAG,
    roles={Role.VENDOR},
    body=SuretyIn,
    response=AwardOut,
    rules=("R-9h", "R-6b"),
    errors=(403, 404, 409),
)
def surety(call: Call, award_id: str):
    """Within 10 days of the request made with the contract (R-9h)."""
    b = call.body
    return AwardOut.of(awards.furnish_surety(call.deps, call.actor, award_id, b.form, b.amount, b.reference))


@operation(
    bp,
    "POST",
    "/awards/{award_id}/corrections",
    summary="Correct a clerical error of an award",
    tag=TAG,
    roles={Role.PURCHASING},
    body=AwardCorrectionIn,
    response=AwardOut,
    status=201,
    rules=("R-8g",),
    errors=(404, 409),
)
def correction(call: Call, award_id: str):
    """Of a share not yet a contract (pending, or a conditional award not yet accepted); then 409: amend the contract (R-9c). Recorded with its reason and audited; a bidder already notified is told."""
    b = call.body
    return AwardOut.of(awards.correct_award(call.deps, call.actor, award_id, b.field, b.value, b.reason, line_id=b.line_id))


@operation(
    bp,
    "GET",
    "/awards/{award_id}",
    summary="Read an award",
    tag=TAG,
    roles={Role.PURCHASING, Role.AGENCY, Role.VENDOR},
    response=AwardOut,
    rules=("R-8a",),
    errors=(404,),
)
def get(call: Call, award_id: str):
    """Purchasing, the agency and the ranked bidders."""
    return AwardOut.of(awards.get_award(call.deps, call.actor, award_id))


@operation(
    bp,
    "GET",
    "/vendors/{vendor_id}/awards",
    summary="List a vendor's awards",
    tag=TAG,
    roles={Role.PURCHASING, Role.VENDOR},
    query=PageQuery,
    response=Page[AwardOut],
    rules=("R-8a",),
    errors=(404,),
)
def list_vendor_awards(call: Call, vendor_id: str):
    """Every award the vendor was given a share of, in the order they were made, pending, conditional, contracted
    or refused: the vendor itself and purchasing."""
    return page_of(call, awards.vendor_awards(call.deps, call.actor, vendor_id, page_request(call)), AwardOut.of)


# -- the public notices of award of an invitation --------------------------------------------------------------------


class PublicAwardedLine(ApiModel):
    line_id: str = Field(description="The invitation's line.")
    quantity: DecimalOut = Field(description="The quantity awarded.")
    unit_price: Dollars = Field(description="The awarded unit price, as corrected under R-8g if it was.")


class PublicShare(ApiModel):
    awardee_name: str = Field(description="The bidder awarded this share.")
    lines: list[PublicAwardedLine] = Field(description="What it was awarded.")
    amount: Dollars = Field(description="Quantity x unit price over its lines.")
    status: ShareStatus = Field(description="pending, conditional, contracted, refused, lapsed, cancelled or passed_on.")
    contract_id: str | None = Field(None, description="The contract its notice formed (R-9a), once formed.")


class PublicAward(ApiModel):
    award_id: str = Field(description="Award id.")
    scope: str = Field(description="What the award covers: an item, a group or the whole (R-8b).")
    shares: list[PublicShare] = Field(description="One per awarded bidder, down the ranking (R-5f, R-8b).")


class PublicAwardsOut(ApiModel):
    solicitation_id: str = Field(description="Invitation id.")
    awarded_at: LocalTime = Field(description="When the award was made.")
    awards: list[PublicAward] = Field(description="The notices of award: who was awarded what, at which prices.")

    @classmethod
    def of(cls, sol, found) -> PublicAwardsOut:
        """Only what the opened bids already made public: names, lines, prices, amounts, contracts."""
        return cls(
            solicitation_id=sol.id,
            awarded_at=sol.awarded_at,
            awards=[
                PublicAward(
                    award_id=award.id,
                    scope=award.scope,
                    shares=[
                        PublicShare(
                            awardee_name=share.candidate.bidder_name,
                            lines=[
                                PublicAwardedLine(line_id=line_id, quantity=quantity, unit_price=price)
                                for line_id, (quantity, price) in award_rules.awarded_lines(award, share).items()
                            ],
                            amount=award_rules.share_amount(award, share),
                            status=share.status,
                            contract_id=share.contract_id,
                        )
                        for share in award.shares
                    ],
                )
                for award in found
            ],
        )


@operation(
    bp,
    "GET",
    "/solicitations/{solicitation_id}/awards",
    summary="Read the public notices of award of an invitation",
    tag=TAG,
    response=PublicAwardsOut,
    rules=("R-5n", "R-8a", "R-8b"),
    errors=(404,),
    optional_auth=True,
)
def public_awards(call: Call, solicitation_id: str):
    """Public once the invitation is awarded (404 before): each awarded bidder's lines, prices and amount, and its
    contract; nothing of the award's tokens, surety or correspondence."""
    return PublicAwardsOut.of(*awards.public_awards(call.deps, solicitation_id))
