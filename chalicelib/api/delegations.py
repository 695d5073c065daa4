"""Direct purchase authority (R-2): delegations granted and revoked by purchasing (R-2a, R-2c, R-2d, R-2g), the
purchase orders an agency issues under its delegation (R-2e) and purchasing's review queue of those orders."""

from __future__ import annotations

import datetime as dt

from chalice import Blueprint
from pydantic import Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, PageQuery, page_of, page_request
from chalicelib.api.types import Dollars, LocalTime, Money
from chalicelib.api.views import ApiModel, RequestBody
from chalicelib.domain.delegations import (
    Delegation,
    DelegationFactor,
    DelegationOrder,
    DelegationStatus,
    Quotation,
    ReviewFinding,
)
from chalicelib.services import delegations
from chalicelib.services.ports import Role

bp = Blueprint(__name__)
TAG = "direct purchase authority"


class DelegationIn(RequestBody):
    number: str = Field(
        min_length=1, max_length=20, description="R-2e: the DPA number orders under it carry, e.g. DPA-1E; unique."
    )
    agency: str = Field(min_length=1, max_length=40, description="The purchasing agency's org code.")
    agency_head: str = Field(min_length=1, max_length=200, description="R-2a: the agency head the authority is delegated to.")
    activity: str = Field(min_length=1, max_length=500, description="R-2c(1): the activity or function authorised.")
    dollar_limit: Money = Field(description="R-2c(2): the most one purchase order under the delegation may amount to.")
    minor_nonrecurring: bool = Field(
        False, description="R-2d: a minor nonrecurring purchase authority; its limit is at most 600.00."
    )
    re_delegable: bool = Field(False, description="R-2c(3): whether the agency head may delegate it further.")
    starts_on: dt.date = Field(description="R-2c(4): the first day in force (Connecticut calendar).")
    ends_on: dt.date = Field(description="R-2c(4): the last day in force; it expires at the end of this day.")
    factors: list[DelegationFactor] = Field(
        min_length=1, max_length=5, description="R-2a(1)-(5): the factors weighed in deciding to delegate."
    )


class RevokeIn(RequestBody):
    reason: str = Field(
        min_length=1, max_length=2000, description="R-2g: why the delegation is withdrawn; emailed to the agency."
    )


class DelegationListQuery(PageQuery):
    status: DelegationStatus = Field(DelegationStatus.ACTIVE, description="active, expired or revoked.")
    agency: str | None = Field(
        None, min_length=1, max_length=40, description="Purchasing: one agency's delegations only. An agency sees its own."
    )


class DelegationOut(ApiModel):
    number: str = Field(description="The DPA number (R-2e).")
    agency: str = Field(description="The purchasing agency.")
    agency_head: str = Field(description="R-2a: the agency head it is delegated to.")
    activity: str = Field(description="R-2c(1): the activity or function authorised.")
    dollar_limit: Dollars = Field(description="R-2c(2): the most one purchase order may amount to.")
    minor_nonrecurring: bool = Field(description="R-2d: a minor nonrecurring purchase authority (at most 600.00).")
    re_delegable: bool = Field(description="R-2c(3): whether it may be further delegated.")
    starts_on: dt.date = Field(description="R-2c(4): the first day in force.")
    ends_on: dt.date = Field(description="R-2c(4): the last day in force.")
    factors: list[DelegationFactor] = Field(description="R-2a(1)-(5): the factors weighed.")
    status: DelegationStatus = Field(description="active; expired (its term ended, R-2c); revoked (R-2g).")
    granted_at: LocalTime = Field(description="When purchasing granted it.")
    revoked_at: LocalTime | None = Field(None, description="When it was revoked (R-2g).")
    revoke_reason: str | None = Field(None, description="Why it was revoked (R-2g).")
    expired_at: LocalTime | None = Field(None, description="When the term timer recorded its expiry.")

    @classmethod
    def of(cls, delegation: Delegation) -> DelegationOut:
        return cls.model_validate({k: getattr(delegation, k) for k in cls.model_fields})


class QuotationIn(RequestBody):
    vendor: str = Field(min_length=1, max_length=300, description="The vendor who quoted.")
    amount: Money = Field(description="Its quotation in US dollars.")


class NonCompetitiveIn(RequestBody):
    reason: str = Field(min_length=1, max_length=2000, description="R-2e: why the nature of the purchase precludes competition.")


class DelegationOrderIn(RequestBody):
    dpa_number: str = Field(min_length=1, max_length=20, description="R-2e: the delegation's number, noted on the order.")
    activity: str = Field(
        min_length=1, max_length=500, description="R-2c(1): the activity the purchase is for; must be the delegation's."
    )
    vendor: str = Field(min_length=1, max_length=300, description="The vendor ordered from; one of those quoted.")
    description: str = Field(min_length=1, max_length=5000, description="What is bought.")
    amount: Money = Field(description="The order's amount in US dollars; at most the delegation's limit (R-2c, R-2d).")
    quotations: list[QuotationIn] = Field(
        [], max_length=50, description="R-2e: evidence of competition, quotations from at least two vendors."
    )
    non_competitive: NonCompetitiveIn | None = Field(
        None, description='R-2e: the note "non-competitive" with its reason, instead of quotations.'
    )


class QuotationOut(ApiModel):
    vendor: str = Field(description="The vendor who quoted.")
    amount: Dollars = Field(description="Its quotation.")


class DelegationOrderOut(ApiModel):
    order_id: str = Field(description="Purchase order id.")
    dpa_number: str = Field(description="R-2e: the delegation's number.")
    agency: str = Field(description="The ordering agency.")
    activity: str = Field(description="The activity authorised.")
    vendor: str = Field(description="The vendor ordered from.")
    description: str = Field(description="What is bought.")
    amount: Dollars = Field(description="The order's amount.")
    quotations: list[QuotationOut] = Field(description="R-2e: the quotations received; empty when non-competitive.")
    non_competitive: bool = Field(description='R-2e: whether the order bears the note "non-competitive".')
    non_competitive_reason: str | None = Field(None, description="Why competition was precluded.")
    issued_at: LocalTime = Field(description="When the agency issued it; the Comptroller was copied then.")
    finding: ReviewFinding | None = Field(None, description="R-2e: purchasing's finding; null until reviewed.")
    finding_note: str | None = Field(None, description="What the review found.")
    reviewed_at: LocalTime | None = Field(None, description="When purchasing reviewed it.")

    @classmethod
    def of(cls, order: DelegationOrder) -> DelegationOrderOut:
        data = {k: getattr(order, k) for k in cls.model_fields if hasattr(order, k)}
        data["order_id"] = order.id
        data["quotations"] = [q.__dict__ for q in order.quotations]
        return cls.model_validate(data)


class ReviewQueueQuery(PageQuery):
    reviewed: bool = Field(False, description="false: the orders awaiting review (the queue); true: those reviewed.")


class ReviewIn(RequestBody):
    finding: ReviewFinding = Field(description="R-2e: conforms, or non_conforming (ground for revocation, R-2g).")
    note: str = Field("", max_length=2000, description="What the review found; required for non_conforming.")


@operation(
    bp,
    "POST",
    "/delegations",
    summary="Delegate direct purchase authority",
    tag=TAG,
    roles={Role.PURCHASING},
    body=DelegationIn,
    response=DelegationOut,
    status=201,
    rules=("R-2a", "R-2c", "R-2d"),
    errors=(409,),
)
def grant(call: Call):
    """The written delegation to an agency head; its number is unique (409 when taken). The agency is emailed; a
    timer expires it at the end of its last day."""
    b = call.body
    return DelegationOut.of(
        delegations.grant(
            call.deps,
            call.actor,
            number=b.number,
            agency=b.agency,
            agency_head=b.agency_head,
            activity=b.activity,
            dollar_limit=b.dollar_limit,
            minor_nonrecurring=b.minor_nonrecurring,
            re_delegable=b.re_delegable,
            starts_on=b.starts_on,
            ends_on=b.ends_on,
            factors=b.factors,
        )
    )


@operation(
    bp,
    "GET",
    "/delegations",
    summary="List delegations of direct purchase authority",
    tag=TAG,
    roles={Role.PURCHASING, Role.AGENCY},
    query=DelegationListQuery,
    response=Page[DelegationOut],
    rules=("R-2a", "R-2c"),
)
def list_delegations(call: Call):
    """Delegations of one status (default active) in number order; an agency sees its own only."""
    q = call.query
    found = delegations.list_delegations(call.deps, call.actor, q.status, q.agency, page_request(call))
    return page_of(call, found, DelegationOut.of)


@operation(
    bp,
    "GET",
    "/delegations/orders",
    summary="List orders under delegations for review",
    tag=TAG,
    roles={Role.PURCHASING},
    query=ReviewQueueQuery,
    response=Page[DelegationOrderOut],
    rules=("R-2e",),
)
def review_queue(call: Call):
    """R-2e: purchasing's queue of orders under every delegation, oldest first (`reviewed=false`), or those reviewed."""
    found = delegations.orders_to_review(call.deps, call.actor, call.query.reviewed, page_request(call))
    return page_of(call, found, DelegationOrderOut.of)


@operation(
    bp,
    "GET",
    "/delegations/{dpa_number}",
    summary="Read a delegation of direct purchase authority",
    tag=TAG,
    roles={Role.PURCHASING, Role.AGENCY},
    response=DelegationOut,
    rules=("R-2a", "R-2c"),
    errors=(404,),
)
def get(call: Call, dpa_number: str):
    """Purchasing reads any; an agency its own (another's: 404)."""
    return DelegationOut.of(delegations.get_delegation(call.deps, call.actor, dpa_number))


@operation(
    bp,
    "POST",
    "/delegations/{dpa_number}/revoke",
    summary="Revoke a delegation of direct purchase authority",
    tag=TAG,
    roles={Role.PURCHASING},
    body=RevokeIn,
    response=DelegationOut,
    rules=("R-2a", "R-2g"),
    errors=(404, 409),
)
def revoke(call: Call, dpa_number: str):
    """R-2g: withdrawn with its reason, the agency emailed; orders under it are refused from then on. Not active: 409."""
    return DelegationOut.of(delegations.revoke(call.deps, call.actor, dpa_number, call.body.reason))


@operation(
    bp,
    "POST",
    "/delegations/{dpa_number}/orders",
    summary="Issue a purchase order under a delegation",
    tag=TAG,
    roles={Role.AGENCY},
    body=DelegationOrderIn,
    response=DelegationOrderOut,
    status=201,
    rules=("R-2c", "R-2d", "R-2e", "R-2g"),
    errors=(404, 409),
)
def issue_order(call: Call, dpa_number: str):
    """By the delegation's agency: the DPA number, the quotations of at least two vendors (the one ordered from among
    them) or the note non-competitive with its reason (400 otherwise, R-2e); the delegation's activity (400, R-2c);
    at most its limit (400, R-2e) and 600.00 under a minor purchase authority (400, R-2d); before its start day or
    after its end day 409 (R-2c), once revoked 409 (R-2g). The Comptroller is emailed a copy; purchasing reviews it."""
    b = call.body
    order = delegations.issue_order(
        call.deps,
        call.actor,
        dpa_number,
        dpa_number=b.dpa_number,
        activity=b.activity,
        vendor=b.vendor,
        description=b.description,
        amount=b.amount,
        quotations=[Quotation(q.vendor, q.amount) for q in b.quotations],
        non_competitive_reason=None if b.non_competitive is None else b.non_competitive.reason,
    )
    return DelegationOrderOut.of(order)


@operation(
    bp,
    "GET",
    "/delegations/{dpa_number}/orders",
    summary="List the orders under a delegation",
    tag=TAG,
    roles={Role.PURCHASING, Role.AGENCY},
    query=PageQuery,
    response=Page[DelegationOrderOut],
    rules=("R-2e",),
    errors=(404,),
)
def list_orders(call: Call, dpa_number: str):
    """Oldest first; purchasing's and the delegation's agency's."""
    found = delegations.orders_of(call.deps, call.actor, dpa_number, page_request(call))
    return page_of(call, found, DelegationOrderOut.of)


@operation(
    bp,
    "POST",
    "/delegations/{dpa_number}/orders/{order_id}/review",
    summary="Review an order under a delegation",
    tag=TAG,
    roles={Role.PURCHASING},
    body=ReviewIn,
    response=DelegationOrderOut,
    rules=("R-2e", "R-2g"),
    errors=(404, 409),
)
def review(call: Call, dpa_number: str, order_id: str):
    """R-2e: the finding on the order's evidence of competition, once (again: 409); non_conforming needs a note and
    may be followed by the delegation's revocation (R-2g)."""
    b = call.body
    return DelegationOrderOut.of(delegations.review_order(call.deps, call.actor, dpa_number, order_id, b.finding, b.note))
