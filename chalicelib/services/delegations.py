"""Direct purchase authority (R-2): purchasing grants a delegation to an agency head (its number unique by a guard)
and revokes it; the `delegation-term` timer expires it at the end of its term; the agency issues purchase orders
under it, each copied to the State Comptroller and queued for purchasing's review of the evidence of competition
(R-2e), a finding of non-conformance being ground for revocation (R-2g)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from chalicelib import emails
from chalicelib.domain import calendar
from chalicelib.domain import delegations as rules
from chalicelib.domain.delegations import (
    Delegation,
    DelegationFactor,
    DelegationOrder,
    DelegationStatus,
    Quotation,
    ReviewFinding,
)
from chalicelib.domain.errors import NotFound
from chalicelib.services.ports import (
    Actor,
    Change,
    Deps,
    Guard,
    Listing,
    PageRequest,
    Role,
    Send,
    Unchanged,
    require_role,
    retry_on_conflict,
)

TERM = "delegation-term"  # the state machine that expires a delegation at the end of its term


def number_key(number: str) -> str:
    return f"dpa-number#{rules.normal_number(number)}"


def grant(
    deps: Deps,
    actor: Actor,
    *,
    number: str,
    agency: str,
    agency_head: str,
    activity: str,
    dollar_limit: Decimal,
    minor_nonrecurring: bool,
    re_delegable: bool,
    starts_on: dt.date,
    ends_on: dt.date,
    factors: list[DelegationFactor],
) -> Delegation:
    """R-2a, R-2c, R-2d: the written delegation, its number claimed in the same commit (a second one is 409), the
    agency told; the term timer waits for the first instant after its end day."""
    require_role(actor, Role.PURCHASING)
    now = deps.clock.now()
    delegation = rules.new_delegation(
        delegation_id=deps.ids.new("DEL"),
        number=number,
        agency=agency,
        agency_head=agency_head,
        activity=activity,
        dollar_limit=dollar_limit,
        minor_nonrecurring=minor_nonrecurring,
        re_delegable=re_delegable,
        starts_on=starts_on,
        ends_on=ends_on,
        factors=factors,
        now=now,
        granted_by=actor.sub,
    )
    (delegation,) = deps.commit(
        actor,
        now,
        [
            Change(action="delegation.granted", after=delegation),
            Guard(number_key(delegation.number), delegation.id),
            Send(f"{delegation.id}:granted", _email(deps, "delegation_granted", delegation)),
        ],
    )
    start_term_timer(deps, delegation)
    return delegation


def start_term_timer(deps: Deps, delegation: Delegation) -> None:
    deps.workflows.start(
        TERM,
        f"delegation-term-{delegation.id}",
        {"delegation_id": delegation.id, "ends_at": calendar.iso_utc(delegation.in_force_until)},
    )


def revoke(deps: Deps, actor: Actor, number: str, reason: str) -> Delegation:
    """R-2a, R-2g: withdrawn with its reason, the agency told; orders after it are refused."""
    require_role(actor, Role.PURCHASING)

    def attempt() -> Delegation:
        delegation = load(deps, number)
        now = deps.clock.now()
        revoked = rules.revoke(delegation, reason, now, actor.sub)
        (revoked,) = deps.commit(
            actor,
            now,
            [
                Change(action="delegation.revoked", after=revoked, before=delegation),
                Send(f"{delegation.id}:revoked", _email(deps, "delegation_revoked", revoked)),
            ],
        )
        return revoked

    return retry_on_conflict(attempt)


def expire_at_term_end(deps: Deps, execution: str, delegation_id: str) -> dict:
    """The timer's task at the first instant after the end day: an active delegation expires and the agency is told;
    a revoked or already expired one is left as it is (a retried task sends nothing twice)."""

    def attempt() -> Delegation:
        delegation = deps.load(Delegation, delegation_id)
        now = deps.clock.now()
        expired = rules.expire(delegation, now)
        if expired is None:
            return delegation
        (expired,) = deps.commit(
            Actor.system(execution),
            now,
            [
                Change(action="delegation.expired", after=expired, before=delegation),
                Send(f"{delegation.id}:expired", _email(deps, "delegation_expired", expired)),
            ],
        )
        return expired

    delegation = retry_on_conflict(attempt)
    return {"delegation_id": delegation.id, "status": delegation.status.value}


def get_delegation(deps: Deps, actor: Actor, number: str) -> Delegation:
    """Purchasing sees every delegation; an agency its own (another's is not found)."""
    require_role(actor, Role.PURCHASING, Role.AGENCY)
    delegation = load(deps, number)
    if actor.role is Role.AGENCY and actor.org != delegation.agency:
        raise NotFound(f"No delegation {rules.normal_number(number)}.")
    return delegation


def list_delegations(
    deps: Deps, actor: Actor, status: DelegationStatus, agency: str | None, page: PageRequest
) -> Listing[Delegation]:
    """Delegations of one status in number order: every agency's for purchasing (or one's), an agency's own."""
    require_role(actor, Role.PURCHASING, Role.AGENCY)
    if actor.role is Role.AGENCY:
        agency = actor.org
    if agency is None:
        return deps.store.page(Delegation, "by_status", status.value, after=page.after, limit=page.limit)
    return deps.store.page(Delegation, "by_agency_status", f"{agency}#{status.value}", after=page.after, limit=page.limit)


def issue_order(
    deps: Deps,
    actor: Actor,
    number: str,
    *,
    dpa_number: str,
    activity: str,
    vendor: str,
    description: str,
    amount: Decimal,
    quotations: list[Quotation],
    non_competitive_reason: str | None,
) -> DelegationOrder:
    """R-2e: an order by the delegation's agency, written only if the delegation is unchanged since it was checked (a
    revocation meanwhile refuses it), copied to the Comptroller in the same commit, queued for purchasing's review."""
    require_role(actor, Role.AGENCY)
    order_id = deps.ids.new("DPO")

    def attempt() -> DelegationOrder:
        delegation = get_delegation(deps, actor, number)
        now = deps.clock.now()
        order = rules.new_order(
            delegation,
            order_id=order_id,
            dpa_number=dpa_number,
            activity=activity,
            vendor=vendor,
            description=description,
            amount=amount,
            quotations=quotations,
            non_competitive_reason=non_competitive_reason,
            now=now,
            issued_by=actor.sub,
        )
        (order,) = deps.commit(
            actor,
            now,
            [
                Change(action="delegation_order.issued", after=order),
                Unchanged(delegation),
                Send(f"{order.id}:comptroller", _order_copy(deps, delegation, order)),
            ],
        )
        return order

    return retry_on_conflict(attempt)


def orders_to_review(deps: Deps, actor: Actor, reviewed: bool, page: PageRequest) -> Listing[DelegationOrder]:
    """R-2e: purchasing's queue of orders under delegations, oldest first; reviewed ones with `reviewed`."""
    require_role(actor, Role.PURCHASING)
    partition = "reviewed" if reviewed else "unreviewed"
    return deps.store.page(DelegationOrder, "by_review", partition, after=page.after, limit=page.limit)


def orders_of(deps: Deps, actor: Actor, number: str, page: PageRequest) -> Listing[DelegationOrder]:
    """The orders under one delegation, oldest first: purchasing's and the delegation's agency's."""
    delegation = get_delegation(deps, actor, number)
    return deps.store.page(DelegationOrder, "by_delegation", delegation.id, after=page.after, limit=page.limit)


def review_order(deps: Deps, actor: Actor, number: str, order_id: str, finding: ReviewFinding, note: str) -> DelegationOrder:
    """R-2e, R-2g: purchasing's finding on an order's evidence of competition; non-conformance may be followed by
    the delegation's revocation (POST /delegations/{number}/revoke)."""
    require_role(actor, Role.PURCHASING)
    delegation = load(deps, number)

    def attempt() -> DelegationOrder:
        order = deps.store.get(DelegationOrder, order_id)
        if order is None or order.delegation_id != delegation.id:
            raise NotFound(f"No order {order_id} under delegation {delegation.number}.")
        now = deps.clock.now()
        reviewed = rules.review(order, finding, note, now, actor.sub)
        (reviewed,) = deps.store.commit(actor, now, [Change(action="delegation_order.reviewed", after=reviewed, before=order)])
        return reviewed

    return retry_on_conflict(attempt)


def load(deps: Deps, number: str) -> Delegation:
    delegation = deps.held(Delegation, number_key(number))
    if delegation is None:
        raise NotFound(f"No delegation {rules.normal_number(number)}.")
    return delegation


def delegation_facts(delegation: Delegation) -> dict:
    return {
        "number": delegation.number,
        "agency": delegation.agency,
        "agency_head": delegation.agency_head,
        "activity": delegation.activity,
        "dollar_limit": delegation.dollar_limit,
        "minor_nonrecurring": delegation.minor_nonrecurring,
        "re_delegable": delegation.re_delegable,
        "starts_on": delegation.starts_on,
        "ends_on": delegation.ends_on,
        "revoke_reason": delegation.revoke_reason,
    }


def _email(deps: Deps, template: str, delegation: Delegation):
    return emails.render(
        template,
        to=(deps.mailboxes.agency(delegation.agency),),
        delegation=delegation_facts(delegation),
        link=deps.portal.page("delegations", delegation.number),
    )


def _order_copy(deps: Deps, delegation: Delegation, order: DelegationOrder):
    """R-2e: "The Bureau of Purchases and the State Comptroller will continually review copies of purchase orders"."""
    return emails.render(
        "delegation_order_copy",
        to=(deps.mailboxes.comptroller,),
        delegation=delegation_facts(delegation),
        order={
            "id": order.id,
            "vendor": order.vendor,
            "description": order.description,
            "amount": order.amount,
            "issued_at": order.issued_at,
            "quotations": [{"vendor": q.vendor, "amount": q.amount} for q in order.quotations],
            "non_competitive_reason": order.non_competitive_reason,
        },
        link=deps.portal.page("delegations", delegation.number, "orders", order.id),
    )
