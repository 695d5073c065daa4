"""Sealed bids: submit (receipt with SHA-256), replace, withdraw, read; purchasing records samples received (R-7),
requests evidence from a bidder (R-8d) and offers it changed quantities (R-8e)."""

from __future__ import annotations

import datetime as dt

from chalice import Blueprint
from pydantic import Field

from chalicelib import bootstrap
from chalicelib.api import idempotency
from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, PageQuery, page_of, page_request
from chalicelib.api.tabulation import TabulationRow
from chalicelib.api.types import BidExtension, BidMoney, BidPercent, BidQuantity, BidUnitPrice, DecimalOut, LocalTime
from chalicelib.api.views import ApiModel, RequestBody
from chalicelib.domain.bidder_requests import QuantityChangeStatus
from chalicelib.domain.bids import BidStatus, GuarantyForm
from chalicelib.domain.calendar import last_day_of
from chalicelib.domain.solicitations import MAX_ADDENDA, MAX_LINES
from chalicelib.services import bidder_requests, bids
from chalicelib.services.ports import Role

bp = Blueprint(__name__)
TAG = "bids"


class BidLineIn(RequestBody):
    line_id: str | None = Field(None, max_length=40, description="Line of the bid form (required, R-5d).")
    unit_price: BidUnitPrice | None = Field(
        None,
        description="Net unit price in dollars, delivery included, taxes excluded: a decimal string (a JSON number is read exactly), at most 4 places, not negative (R-5j/k). It governs the extension (R-5l).",
    )
    quantity: BidQuantity | None = Field(
        None,
        description="Quantity offered, a decimal string (a JSON number is read exactly); at most the quantity invited, all of it when all-or-none (R-5f).",
    )
    extension: BidExtension | None = Field(
        None,
        description="Optional unit price x quantity as the bidder computed it; a differing value is corrected and the correction recorded (R-5l).",
    )
    substitute_article: str | None = Field(
        None,
        max_length=1000,
        description="The exact article offered instead of the named brand (R-5i); not allowed on no-substitute lines.",
    )


class SignerIn(RequestBody):
    name: str | None = Field(None, max_length=200, description="Name of the authorised person signing the bid (R-5c).")
    title: str | None = Field(None, max_length=200, description="The signer's title (R-5c).")


class CashDiscountIn(RequestBody):
    percent: BidPercent | None = Field(
        None, description="Prompt-payment discount percent, decimal string; used only to break ties (R-8f)."
    )
    days: int | None = Field(None, description="Days within which payment earns the discount.")


class GuarantyIn(RequestBody):
    form: GuarantyForm | None = Field(
        None, description="annual_bond ($5,000, covers bids up to $50,000 within its year), bid_bond or certified_check (R-6a)."
    )
    amount: BidMoney | None = Field(None, description="Amount in dollars, a decimal string.")
    reference: str | None = Field(None, max_length=100, description="Bond or check number.")
    valid_from: str | None = Field(None, max_length=10, description="Annual bond only: first day of its year (YYYY-MM-DD).")


class AlternateIn(RequestBody):
    description: str | None = Field(
        None, max_length=5000, description="What the alternate offers instead of the base bid (R-5g); not blank."
    )
    lines: list[BidLineIn] = Field(
        default_factory=list, max_length=MAX_LINES, description="The alternate's own priced lines, checked like the base bid's."
    )


class BidIn(RequestBody):
    lines: list[BidLineIn] = Field(
        default_factory=list,
        max_length=MAX_LINES,
        description="Priced lines; any part of the items unless all-or-none (R-5f). One price per line (R-5h).",
    )
    signer: SignerIn | None = Field(None, description="Who signs the bid (R-5c).")
    signed: bool = Field(False, description="Attestation that the signer signs this bid (R-5c); must be true.")
    non_collusion: bool = Field(False, description="Declaration that the bid is not collusive (R-5m); must be true.")
    conditions: str | None = Field(
        None,
        max_length=5000,
        description="Conditions limiting or modifying the terms: the bid is flagged and may be rejected (R-5e).",
    )
    alternates: list[AlternateIn] = Field(
        default_factory=list,
        max_length=10,
        description="Alternate bids in addition to the base bid, only when the invitation calls for them (R-5g); sealed with the bid, tabulated beside it and ranked as offers of the bidder.",
    )
    cash_discount: CashDiscountIn | None = Field(None, description="Prompt-payment discount (R-8f).")
    acceptance_period_days: int | None = Field(
        None,
        description="Calendar days after the opening within which the bid must be accepted, if shorter than the award period (R-8c); once they end, the bid may be withdrawn.",
    )
    guaranty: GuarantyIn | None = Field(None, description="Bid guaranty, when the invitation requires one (R-6a).")
    addenda_acknowledged: list[int] = Field(
        default_factory=list, max_length=MAX_ADDENDA, description="Numbers of the addenda the bidder acknowledges (R-5o)."
    )


class BidCorrectionOut(ApiModel):
    line_id: str = Field(description="The line corrected.")
    field: str = Field(description="The field corrected: extension (R-5l) or unit_price (R-19).")
    submitted: str = Field(description="What the bid said.")
    corrected: str = Field(description="What stands.")
    rule: str = Field(description="The rule of the correction.")
    reason: str = Field(description="Why.")


class BidReceipt(ApiModel):
    bid_id: str = Field(description="The bid's id.")
    solicitation_id: str = Field(description="The solicitation.")
    bidder_name: str = Field(description="The bidder's legal name.")
    received_at: LocalTime = Field(description="Server receipt time: it decides lateness (R-5b).")
    commitment: str = Field(
        description="HMAC-SHA-256 (hex) of the canonical bid (the JSON body as sent, keys sorted, separators ',' and ':', UTF-8) under a random 256-bit salt sealed with the bid. It reveals nothing before the opening; the salt is published with the tabulation, and then HMAC-SHA-256(salt, canonical bid) must equal this value (`python -m local.verify_receipt`)."
    )
    status: BidStatus = Field(description="sealed, replaced (R-5h), withdrawn or opened.")
    replaces: str | None = Field(None, description="The bidder's earlier bid this one replaces (R-5h).")
    corrections: list[BidCorrectionOut] = Field(
        default_factory=list, description="Extensions recomputed from unit prices (R-5l), told to the bidder only."
    )


class SampleReceiptIn(RequestBody):
    received_on: dt.date = Field(
        description="Connecticut date the sample arrived (YYYY-MM-DD); not in the future, not before publication (R-7)."
    )
    description: str = Field(
        max_length=2000, description="What arrived, as on the bidder's descriptive memorandum invoice (R-7); not blank."
    )


class SampleReceiptOut(ApiModel):
    received_on: dt.date = Field(description="Date the sample arrived (R-7).")
    description: str = Field(description="What arrived.")
    recorded_at: LocalTime = Field(description="When purchasing recorded it.")


class BidOut(BidReceipt):
    opened: TabulationRow | None = Field(None, description="After the opening only: the bid as in the tabulation.")
    samples: list[SampleReceiptOut] = Field(default_factory=list, description="Samples received for the bid (R-7).")


class BidSamplesOut(ApiModel):
    bid_id: str = Field(description="The bid.")
    solicitation_id: str = Field(description="The solicitation.")
    bidder_name: str = Field(description="The bidder.")
    status: BidStatus = Field(description="sealed or opened: recording a sample does not open a bid.")
    samples: list[SampleReceiptOut] = Field(description="Every sample recorded for the bid (R-7).")
    flags: list[str] = Field(description="The bid's evaluation flags after the recording (empty while sealed).")


def samples_of(bid) -> list[SampleReceiptOut]:
    return [
        SampleReceiptOut(received_on=x.received_on, description=x.description, recorded_at=x.recorded_at) for x in bid.samples
    ]


SUBMISSIONS = "/solicitations/{solicitation_id}/bids"


@operation(
    bp,
    "POST",
    SUBMISSIONS,
    summary="Submit a sealed bid",
    tag=TAG,
    roles={Role.VENDOR},
    body=BidIn,
    response=BidReceipt,
    status=201,
    rules=("R-5d", "R-5b", "R-5c", "R-5e", "R-5f", "R-5g", "R-5h", "R-5i", "R-5j/k", "R-5l", "R-5m", "R-6a"),
    errors=(404, 409),
)
def submit(call: Call, solicitation_id: str):
    """Checked, hashed and sealed with KMS before it is stored; replaces the bidder's earlier bid (R-5h). At or after the opening: 409 and the attempt is recorded. A retry with the same Idempotency-Key gets the receipt re-read (its status as it stands) with the same corrections."""
    submitted = call.body.model_dump(mode="json", exclude_unset=True)
    return receipt_of(bids.submit_bid(call.deps, bootstrap.sealer(), call.actor, solicitation_id, submitted))


@idempotency.sealed_route("POST", SUBMISSIONS, reference=lambda receipt: {"bid_id": receipt["bid_id"]})
def replay_submission(actor, path_params: dict, body: bytes, reference: dict) -> BidReceipt:
    """The idempotency record keeps the bid id only: the corrections it told derive from the sealed prices (R-5b)."""
    submitted = BidIn.model_validate_json(body).model_dump(mode="json", exclude_unset=True)
    return receipt_of(
        bids.submission_receipt(bootstrap.deps(), actor, path_params["solicitation_id"], reference["bid_id"], submitted)
    )


def receipt_of(receipt: bids.Receipt) -> BidReceipt:
    return BidReceipt(
        **receipt.bid.receipt_view(), replaces=receipt.bid.replaces, corrections=[c.__dict__ for c in receipt.corrections]
    )


@operation(
    bp,
    "DELETE",
    "/solicitations/{solicitation_id}/bids/{bid_id}",
    summary="Withdraw a bid",
    tag=TAG,
    roles={Role.VENDOR},
    response=BidReceipt,
    rules=("R-5c", "R-8c"),
    errors=(404, 409),
)
def withdraw(call: Call, solicitation_id: str, bid_id: str):
    """The bidder withdraws its bid before the opening, or after it once the bid's own shorter acceptance period has ended (before the award); otherwise 409 and the attempt is recorded."""
    bid = bids.withdraw_bid(call.deps, call.actor, solicitation_id, bid_id)
    return BidReceipt(**bid.receipt_view(), replaces=bid.replaces)


@operation(
    bp,
    "GET",
    "/solicitations/{solicitation_id}/bids/{bid_id}",
    summary="Read a bid",
    tag=TAG,
    roles={Role.VENDOR, Role.PURCHASING},
    response=BidOut,
    rules=("R-5b",),
    errors=(404, 409),
)
def read(call: Call, solicitation_id: str, bid_id: str):
    """Before opening: its owner sees the receipt (nobody can read a sealed bid's prices). After opening: the owner and purchasing see the content."""
    return _bid_out(bids.get_bid(call.deps, call.actor, solicitation_id, bid_id))


def _bid_out(bid) -> BidOut:
    """A bid as its owner sees it: the receipt, and its content once opened (a sealed bid has none to show)."""
    opened = TabulationRow.of(bid) if bid.content is not None else None
    return BidOut(**bid.receipt_view(), replaces=bid.replaces, opened=opened, samples=samples_of(bid))


@operation(
    bp,
    "GET",
    "/vendors/{vendor_id}/bids",
    summary="List a vendor's bids",
    tag=TAG,
    roles={Role.VENDOR, Role.PURCHASING},
    query=PageQuery,
    response=Page[BidOut],
    rules=("R-5b",),
    errors=(403,),
)
def list_vendor_bids(call: Call, vendor_id: str):
    """The vendor's own bids (purchasing: any vendor's), by solicitation; a sealed bid shows its receipt only, as
    `GET /solicitations/{solicitation_id}/bids/{bid_id}` does. Each bid listed is a read in its audit trail."""
    return page_of(call, bids.vendor_bids(call.deps, call.actor, vendor_id, page_request(call)), _bid_out)


@operation(
    bp,
    "POST",
    "/solicitations/{solicitation_id}/bids/{bid_id}/sample",
    summary="Record a sample received",
    tag=TAG,
    roles={Role.PURCHASING},
    body=SampleReceiptIn,
    response=BidSamplesOut,
    status=201,
    rules=("R-7",),
    errors=(404, 409),
)
def sample(call: Call, solicitation_id: str, bid_id: str):
    """Purchasing records a bidder's sample as received, with the bid or after the opening, until the award; a bid of an invitation requiring samples is flagged until one is recorded."""
    bid = bids.record_sample(call.deps, call.actor, solicitation_id, bid_id, call.body.received_on, call.body.description)
    return BidSamplesOut(
        bid_id=bid.id,
        solicitation_id=bid.solicitation_id,
        bidder_name=bid.bidder_name,
        status=bid.status,
        samples=samples_of(bid),
        flags=list(bid.flags),
    )


# -- R-8d evidence of responsibility, R-8e quantity changes ------------------------------------------------------
class EvidenceRequestIn(RequestBody):
    requested: str = Field(
        max_length=5000,
        description="The evidence requested: experience, ability, service facilities, factory authorization, financial standing (R-8d).",
    )
    response_days: int = Field(description="Calendar days for the answer, counted from the day after the request (1 to 60).")


class EvidenceResponseIn(RequestBody):
    text: str | None = Field(None, max_length=20000, description="The evidence, in words.")
    document: str | None = Field(
        None, max_length=2000, description="A reference to a document supplied (file name, URL or registry number)."
    )


class EvidenceRequestOut(ApiModel):
    id: str = Field(description="The request.")
    bid_id: str = Field(description="The bid it concerns.")
    requested: str = Field(description="What is requested.")
    requested_at: LocalTime = Field(description="When purchasing asked.")
    respond_by: LocalTime = Field(description="The first instant after the response period: answer before it.")
    last_day: dt.date = Field(description="The last Connecticut day to answer.")
    response_text: str | None = Field(None, description="The bidder's answer.")
    response_document: str | None = Field(None, description="The document the bidder referred to.")
    responded_at: LocalTime | None = Field(None, description="When the bidder answered.")

    @classmethod
    def of(cls, r) -> EvidenceRequestOut:
        return cls(
            id=r.id,
            bid_id=r.bid_id,
            requested=r.requested,
            requested_at=r.requested_at,
            respond_by=r.respond_by,
            last_day=last_day_of(r.respond_by),
            response_text=r.response_text,
            response_document=r.response_document,
            responded_at=r.responded_at,
        )


class QuantityChangeIn(RequestBody):
    line_id: str = Field(max_length=40, description="A line the bid prices.")
    quantity: BidQuantity = Field(description="The changed quantity, above 0 (R-8e).")
    reason: str = Field(max_length=5000, description="The new or amended agency requirement (R-8e).")


class QuantityChangeOut(ApiModel):
    id: str = Field(description="The proposal.")
    bid_id: str = Field(description="The bid.")
    line_id: str = Field(description="The line.")
    quantity_before: DecimalOut = Field(description="The quantity the bid offered.")
    quantity: DecimalOut = Field(description="The changed quantity offered.")
    reason: str = Field(description="Why.")
    status: QuantityChangeStatus = Field(description="proposed, accepted (the bid now carries the quantity) or declined (R-8e).")
    proposed_at: LocalTime = Field(description="When purchasing proposed it.")
    decided_at: LocalTime | None = Field(None, description="When the bidder accepted or declined.")

    @classmethod
    def of(cls, c) -> QuantityChangeOut:
        return cls(
            id=c.id,
            bid_id=c.bid_id,
            line_id=c.line_id,
            quantity_before=c.quantity_before,
            quantity=c.quantity,
            reason=c.reason,
            status=c.status,
            proposed_at=c.proposed_at,
            decided_at=c.decided_at,
        )


EVIDENCE = "/solicitations/{solicitation_id}/bids/{bid_id}/evidence-requests"
QUANTITY = "/solicitations/{solicitation_id}/bids/{bid_id}/quantity-changes"


@operation(
    bp,
    "POST",
    EVIDENCE,
    summary="Request evidence from a bidder",
    tag=TAG,
    roles={Role.PURCHASING},
    body=EvidenceRequestIn,
    response=EvidenceRequestOut,
    status=201,
    rules=("R-8d",),
    errors=(404, 409),
)
def request_evidence(call: Call, solicitation_id: str, bid_id: str):
    """Between opening and award: evidence of experience, ability and financial standing, with a response period in calendar days; the bidder is emailed."""
    request = bidder_requests.request_evidence(
        call.deps, call.actor, solicitation_id, bid_id, call.body.requested, call.body.response_days
    )
    return EvidenceRequestOut.of(request)


@operation(
    bp,
    "GET",
    EVIDENCE,
    summary="List evidence requests of a bid",
    tag=TAG,
    roles={Role.VENDOR, Role.PURCHASING},
    query=PageQuery,
    response=Page[EvidenceRequestOut],
    rules=("R-8d",),
    errors=(404,),
)
def list_evidence(call: Call, solicitation_id: str, bid_id: str):
    """Purchasing and the bidder only; oldest first."""
    found = bidder_requests.evidence_requests(call.deps, call.actor, solicitation_id, bid_id, page_request(call))
    return page_of(call, found, EvidenceRequestOut.of)


@operation(
    bp,
    "POST",
    EVIDENCE + "/{request_id}/response",
    summary="Answer an evidence request",
    tag=TAG,
    roles={Role.VENDOR},
    body=EvidenceResponseIn,
    response=EvidenceRequestOut,
    rules=("R-8d",),
    errors=(404, 409),
)
def answer_evidence(call: Call, solicitation_id: str, bid_id: str, request_id: str):
    """The bidder answers once, with text or a document reference, by the end of the last day (409 after)."""
    answered = bidder_requests.answer_evidence(
        call.deps, call.actor, solicitation_id, bid_id, request_id, call.body.text, call.body.document
    )
    return EvidenceRequestOut.of(answered)


@operation(
    bp,
    "POST",
    QUANTITY,
    summary="Offer a bidder a changed quantity",
    tag=TAG,
    roles={Role.PURCHASING},
    body=QuantityChangeIn,
    response=QuantityChangeOut,
    status=201,
    rules=("R-8e",),
    errors=(404, 409),
)
def propose_quantity(call: Call, solicitation_id: str, bid_id: str):
    """Between opening and award; the bid changes only when the bidder accepts. The bidder is emailed."""
    b = call.body
    return QuantityChangeOut.of(
        bidder_requests.propose_quantity(call.deps, call.actor, solicitation_id, bid_id, b.line_id, b.quantity, b.reason)
    )


@operation(
    bp,
    "GET",
    QUANTITY,
    summary="List quantity changes of a bid",
    tag=TAG,
    roles={Role.VENDOR, Role.PURCHASING},
    query=PageQuery,
    response=Page[QuantityChangeOut],
    rules=("R-8e",),
    errors=(404,),
)
def list_quantity_changes(call: Call, solicitation_id: str, bid_id: str):
    """Purchasing and the bidder only; oldest first."""
    found = bidder_requests.quantity_changes(call.deps, call.actor, solicitation_id, bid_id, page_request(call))
    return page_of(call, found, QuantityChangeOut.of)


@operation(
    bp,
    "POST",
    QUANTITY + "/{change_id}/accept",
    summary="Accept a quantity change",
    tag=TAG,
    roles={Role.VENDOR},
    response=QuantityChangeOut,
    rules=("R-8e",),
    errors=(404, 409),
)
def accept_quantity(call: Call, solicitation_id: str, bid_id: str, change_id: str):
    """The bidder accepts: its bid carries the new quantity at its unit price, for ranking and award."""
    return QuantityChangeOut.of(bidder_requests.decide_quantity(call.deps, call.actor, solicitation_id, bid_id, change_id, True))


@operation(
    bp,
    "POST",
    QUANTITY + "/{change_id}/decline",
    summary="Decline a quantity change",
    tag=TAG,
    roles={Role.VENDOR},
    response=QuantityChangeOut,
    rules=("R-8e",),
    errors=(404, 409),
)
def decline_quantity(call: Call, solicitation_id: str, bid_id: str, change_id: str):
    """The bidder declines: its bid stands as submitted."""
    return QuantityChangeOut.of(bidder_requests.decide_quantity(call.deps, call.actor, solicitation_id, bid_id, change_id, False))
