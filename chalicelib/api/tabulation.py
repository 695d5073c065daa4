"""The public reading of an opened bid (R-5n): one typed row of the bid tabulation."""

from __future__ import annotations

from pydantic import Field

from chalicelib.api.types import DecimalOut, Dollars, ExactDollars, LocalTime
from chalicelib.api.views import ApiModel
from chalicelib.domain.bids import Bid, BidStatus, Finding


class TabulatedLine(ApiModel):
    line_id: str = Field(description="Line of the bid form.")
    unit_price: ExactDollars = Field(description="Unit price as bid, in dollars; it governs (R-5l).")
    quantity: DecimalOut = Field(description="Quantity bid (R-5f: any part unless all-or-none).")
    extension: Dollars = Field(description="Unit price x quantity, in dollars rounded to the cent.")
    substitute_article: str | None = Field(None, description="The exact article offered instead of the named brand (R-5i).")


class TabulatedAlternate(ApiModel):
    number: int = Field(description="Alternate number within the bid (R-5g).")
    description: str = Field(description="What the alternate offers instead of the base bid.")
    total: Dollars = Field(description="Alternate total, in dollars.")
    lines: list[TabulatedLine] = Field(description="Prices per line of the alternate.")
    corrections: list[BidCorrection] = Field(default_factory=list, description="Extensions recomputed from unit prices (R-5l).")


class BidCorrection(ApiModel):
    line_id: str = Field(description="Corrected line.")
    field: str = Field(
        description="Corrected field: extension (R-5l), unit_price (R-19) or quantity (R-8e, accepted by the bidder)."
    )
    submitted: str = Field(description="Value as submitted.")
    corrected: str = Field(description="Value the bid is read with.")
    rule: str = Field(description="Rule that corrects it (R-5l, R-19, R-8e).")
    reason: str = Field(description="Why, in words.")


class DeterminationOut(ApiModel):
    finding: Finding = Field(description="The determination made (R-8a, R-18a/b, R-5e, R-19).")
    text: str = Field(description="The written determination (R-19).")
    rule: str = Field(description="Rule it applies.")
    at: LocalTime = Field(description="When it was recorded.")
    field: str | None = Field(None, description="Bid field it concerns, if one.")
    factor: str | None = Field(None, description="not_responsible only: the factor it rests on (R-18a/b).")


class TabulationRow(ApiModel):
    bid_id: str = Field(description="The bid.")
    bidder_name: str = Field(description="Bidder's legal name.")
    received_at: LocalTime = Field(description="Server receipt time (R-5b).")
    commitment: str = Field(description="The commitment on the bidder's receipt (R-5b).")
    salt: str | None = Field(
        None, description="The commitment's salt (hex), published at opening: HMAC-SHA-256(salt, document) equals the commitment."
    )
    document: str | None = Field(
        None, description="The bid as sent, in canonical form (keys sorted, no spaces, UTF-8), open to public inspection (R-5n)."
    )
    status: BidStatus = Field(description="opened, or withdrawn once its acceptance period ended (R-8c).")
    flags: list[str] = Field(
        description="Evaluation flags: conditions (R-5e), unacknowledged addenda (R-5o), corrections (R-5l), alternates (R-5g)."
    )
    total: Dollars | None = Field(None, description="Bid total after corrections, in dollars.")
    lines: list[TabulatedLine] = Field(default_factory=list, description="Prices per line.")
    corrections: list[BidCorrection] = Field(default_factory=list, description="Recorded corrections (R-5l, R-19).")
    cash_discount_percent: DecimalOut | None = Field(
        None, description="Prompt-payment discount percent; breaks ties only (R-8f)."
    )
    cash_discount_days: int | None = Field(None, description="Days within which the discount applies.")
    conditions: str | None = Field(None, description="Conditions the bidder attached (R-5e).")
    alternates: list[TabulatedAlternate] = Field(
        default_factory=list, description="Alternates offered beside the base bid, where the invitation calls for them (R-5g)."
    )
    addenda_acknowledged: list[int] = Field(default_factory=list, description="Addenda the bidder acknowledged (R-5o).")
    determinations: list[DeterminationOut] = Field(
        default_factory=list, description="Determinations recorded on the bid (R-19, R-8a)."
    )
    eligible: bool = Field(False, description="Responsive and responsible: may be awarded (R-8a).")

    @classmethod
    def of(cls, bid: Bid) -> TabulationRow:
        row = cls(
            bid_id=bid.id,
            bidder_name=bid.bidder_name,
            received_at=bid.received_at,
            commitment=bid.commitment,
            salt=bid.salt,
            document=bid.document,
            status=bid.status,
            flags=list(bid.flags),
            eligible=bid.eligible,
            determinations=[
                DeterminationOut(finding=d.finding, text=d.text, rule=d.rule, at=d.at, field=d.field, factor=d.factor)
                for d in bid.determinations
            ],
        )
        content = bid.content
        if content is None:
            return row
        return row.model_copy(
            update={
                "total": content.total,
                "lines": tabulated(content.lines),
                "corrections": [BidCorrection(**vars(c)) for c in content.corrections],
                "cash_discount_percent": content.cash_discount_percent,
                "cash_discount_days": content.cash_discount_days,
                "conditions": content.conditions,
                "addenda_acknowledged": list(content.addenda_acknowledged),
                "alternates": [
                    TabulatedAlternate(
                        number=a.number,
                        description=a.description,
                        total=a.total,
                        lines=tabulated(a.lines),
                        corrections=[BidCorrection(**vars(c)) for c in a.corrections],
                    )
                    for a in content.alternates
                ],
            }
        )


def tabulated(lines) -> list[TabulatedLine]:
    return [
        TabulatedLine(
            line_id=line.line_id,
            unit_price=line.unit_price,
            quantity=line.quantity,
            extension=line.extension,
            substitute_article=line.substitute_article,
        )
        for line in lines
    ]
