"""Sealed bids: submit (receipt with SHA-256), replace, withdraw, read; purchasing records samples received (R-7)."""

from __future__ import annotations

import datetime as dt

from chalice import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from chalicelib import bootstrap
from chalicelib.api.framework import Call, operation
from chalicelib.api.tabulation import TabulationRow
from chalicelib.api.views import LocalTime
from chalicelib.services import bids
from chalicelib.services.ports import Role

bp = Blueprint(__name__)
TAG = "bids"


class BidLineIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    line_id: str | None = Field(None, description="Line of the bid form (required, R-5d).")
    unit_price: str | None = Field(None, description="Net unit price, delivery included, taxes excluded: a decimal string, at most 4 places, not negative (R-5j/k). It governs the extension (R-5l).")
    quantity: str | None = Field(None, description="Quantity offered, a decimal string; at most the quantity invited, all of it when all-or-none (R-5f).")
    extension: str | None = Field(None, description="Optional unit price x quantity as the bidder computed it; a differing value is corrected and the correction recorded (R-5l).")
    substitute_article: str | None = Field(None, description="The exact article offered instead of the named brand (R-5i); not allowed on no-substitute lines.")


class SignerIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: str | None = Field(None, description="Name of the authorised person signing the bid (R-5c).")
    title: str | None = Field(None, description="The signer's title (R-5c).")


class CashDiscountIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    percent: str | None = Field(None, description="Prompt-payment discount percent, decimal string; used only to break ties (R-8f).")
    days: int | None = Field(None, description="Days within which payment earns the discount.")


class GuarantyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    form: str | None = Field(None, description="annual_bond ($5,000, covers bids up to $50,000 within its year), bid_bond or certified_check (R-6a).")
    amount: str | None = Field(None, description="Amount in dollars, decimal string.")
    reference: str | None = Field(None, description="Bond or check number.")
    valid_from: str | None = Field(None, description="Annual bond only: first day of its year (YYYY-MM-DD).")


class BidIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lines: list[BidLineIn] = Field(default_factory=list, description="Priced lines; any part of the items unless all-or-none (R-5f). One price per line (R-5h).")
    signer: SignerIn | None = Field(None, description="Who signs the bid (R-5c).")
    signed: bool = Field(False, description="Attestation that the signer signs this bid (R-5c); must be true.")
    non_collusion: bool = Field(False, description="Declaration that the bid is not collusive (R-5m); must be true.")
    conditions: str | None = Field(None, max_length=5000, description="Conditions limiting or modifying the terms: the bid is flagged and may be rejected (R-5e).")
    alternate: str | None = Field(None, max_length=5000, description="Description of an alternate bid; only when the invitation allows alternates (R-5g).")
    cash_discount: CashDiscountIn | None = Field(None, description="Prompt-payment discount (R-8f).")
    acceptance_period_days: int | None = Field(None, description="Days the bid stays open for acceptance after opening, if shorter than the award period (R-8c).")
    guaranty: GuarantyIn | None = Field(None, description="Bid guaranty, when the invitation requires one (R-6a).")
    addenda_acknowledged: list[int] = Field(default_factory=list, description="Numbers of the addenda the bidder acknowledges (R-5o).")


class BidCorrectionOut(BaseModel):
    line_id: str = Field(description="The line corrected.")
    field: str = Field(description="extension (R-5l) or unit_price (R-19).")
    submitted: str = Field(description="What the bid said.")
    corrected: str = Field(description="What stands.")
    rule: str = Field(description="The rule of the correction.")
    reason: str = Field(description="Why.")


class BidReceipt(BaseModel):
    bid_id: str = Field(description="The bid's id.")
    solicitation_id: str = Field(description="The solicitation.")
    bidder_name: str = Field(description="The bidder's legal name.")
    received_at: LocalTime = Field(description="Server receipt time: it decides lateness (R-5b).")
    sha256: str = Field(description="SHA-256 (hex) of the canonical bid: the JSON body as sent, keys sorted, separators ',' and ':', UTF-8.")
    status: str = Field(description="sealed, replaced, withdrawn or opened.")
    replaces: str | None = Field(None, description="The bidder's earlier bid this one replaces (R-5h).")
    corrections: list[BidCorrectionOut] = Field(default_factory=list, description="Extensions recomputed from unit prices (R-5l), told to the bidder only.")


class SampleReceiptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    received_on: dt.date = Field(description="Connecticut date the sample arrived (YYYY-MM-DD); not in the future, not before publication (R-7).")
    description: str = Field(max_length=2000, description="What arrived, as on the bidder's descriptive memorandum invoice (R-7); not blank.")


class SampleReceiptOut(BaseModel):
    received_on: dt.date = Field(description="Date the sample arrived (R-7).")
    description: str = Field(description="What arrived.")
    recorded_at: LocalTime = Field(description="When purchasing recorded it.")


class BidOut(BidReceipt):
    opened: TabulationRow | None = Field(None, description="After the opening only: the bid as in the tabulation.")
    samples: list[SampleReceiptOut] = Field(default_factory=list, description="Samples received for the bid (R-7).")


class BidSamplesOut(BaseModel):
    bid_id: str = Field(description="The bid.")
    solicitation_id: str = Field(description="The solicitation.")
    bidder_name: str = Field(description="The bidder.")
    status: str = Field(description="sealed or opened: recording a sample does not open a bid.")
    samples: list[SampleReceiptOut] = Field(description="Every sample recorded for the bid (R-7).")
    flags: list[str] = Field(description="The bid's evaluation flags after the recording (empty while sealed).")


def samples_of(bid) -> list[SampleReceiptOut]:
    return [SampleReceiptOut(received_on=x.received_on, description=x.description, recorded_at=x.recorded_at) for x in bid.samples]


@operation(bp, "POST", "/solicitations/{solicitation_id}/bids", summary="Submit a sealed bid", tag=TAG, roles={Role.VENDOR}, body=BidIn, response=BidReceipt, status=201,
           rules=("R-5d", "R-5b", "R-5c", "R-5e", "R-5f", "R-5g", "R-5h", "R-5i", "R-5j/k", "R-5l", "R-5m", "R-6a"), errors=(404, 409))
def submit(call: Call, solicitation_id: str):
    """Checked, hashed and sealed with KMS before it is stored; replaces the bidder's earlier bid (R-5h). At or after the opening: 409 and the attempt is recorded."""
    submitted = call.body.model_dump(mode="json", exclude_unset=True)
    receipt = bids.submit_bid(call.deps, bootstrap.sealer(), call.actor, solicitation_id, submitted)
    return BidReceipt(**receipt.bid.receipt_view(), replaces=receipt.bid.replaces,
                      corrections=[c.__dict__ for c in receipt.corrections])


@operation(bp, "DELETE", "/solicitations/{solicitation_id}/bids/{bid_id}", summary="Withdraw a bid", tag=TAG, roles={Role.VENDOR}, response=BidReceipt, rules=("R-5c",), errors=(404, 409))
def withdraw(call: Call, solicitation_id: str, bid_id: str):
    """The bidder withdraws its sealed bid before the opening; afterwards 409 and the attempt is recorded."""
    bid = bids.withdraw_bid(call.deps, call.actor, solicitation_id, bid_id)
    return BidReceipt(**bid.receipt_view(), replaces=bid.replaces)


@operation(bp, "GET", "/solicitations/{solicitation_id}/bids/{bid_id}", summary="Read a bid", tag=TAG, roles={Role.VENDOR, Role.PURCHASING}, response=BidOut, rules=("R-5b",), errors=(404, 409))
def read(call: Call, solicitation_id: str, bid_id: str):
    """Before opening: its owner sees the receipt (nobody can read a sealed bid's prices). After opening: the owner and purchasing see the content."""
    bid = bids.get_bid(call.deps, call.actor, solicitation_id, bid_id)
    opened = TabulationRow.of(bid) if bid.content is not None else None
    return BidOut(**bid.receipt_view(), replaces=bid.replaces, opened=opened, samples=samples_of(bid))


@operation(bp, "POST", "/solicitations/{solicitation_id}/bids/{bid_id}/sample", summary="Record a sample received", tag=TAG, roles={Role.PURCHASING}, body=SampleReceiptIn, response=BidSamplesOut, status=201, rules=("R-7",), errors=(404, 409))
def sample(call: Call, solicitation_id: str, bid_id: str):
    """Purchasing records a bidder's sample as received, with the bid or after the opening, until the award; a bid of an invitation requiring samples is flagged until one is recorded."""
    bid = bids.record_sample(call.deps, call.actor, solicitation_id, bid_id, call.body.received_on, call.body.description)
    return BidSamplesOut(bid_id=bid.id, solicitation_id=bid.solicitation_id, bidder_name=bid.bidder_name, status=bid.status.value,
                         samples=samples_of(bid), flags=list(bid.flags))
