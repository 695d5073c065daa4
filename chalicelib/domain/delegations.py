"""Direct purchase authority (R-2): the Commissioner's written delegation to an agency head (R-2a, R-2c), the minor
nonrecurring purchase authority of at most $600 (R-2d), the purchase orders an agency issues under it with the DPA
number and the evidence of competition or the note "non-competitive" (R-2e), and its withdrawal for
non-conformance (R-2g).

A delegation is in force from the first instant of its start day to the first instant after its end day (Connecticut
calendar); every order is checked against that term, the activity, the limit and the status at the instant it is
written, whatever the expiry timer has done yet."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain.calendar import days_after, start_of_local_day
from chalicelib.domain.errors import Conflict, DeadlinePassed, ValidationFailed, field_problem

MINOR_PURCHASE_LIMIT = Decimal(600)  # R-2d: "not more than $600"
NUMBER_PATTERN = re.compile(r"^DPA-[A-Z0-9]{1,12}$")  # R-2e: "as, for example, DPA-1E"
MIN_QUOTATIONS = 2  # R-2e: competition is evidenced by more than one quotation


class DelegationFactor(str, enum.Enum):
    """R-2a(1)-(5): the factors the Commissioner weighs in deciding to delegate."""

    EXPERTISE = "expertise"
    PAST_EXPERIENCE = "past_experience"
    ECONOMY = "economy"
    BUREAU_RESOURCES = "bureau_resources"
    CONSISTENCY = "consistency"


class DelegationStatus(str, enum.Enum):
    ACTIVE = "active"  # granted; in force between its start and end days
    EXPIRED = "expired"  # its term ended (the delegation-term timer)
    REVOKED = "revoked"  # withdrawn by purchasing, with a reason (R-2a, R-2g)


class ReviewFinding(str, enum.Enum):
    """R-2e: purchasing's review of an order's copy for evidence of competition."""

    CONFORMS = "conforms"
    NON_CONFORMING = "non_conforming"  # may lead to the withdrawal of the delegation (R-2g)


@dataclass(frozen=True)
class Delegation:
    id: str
    number: str  # R-2e: the DPA number every order under it carries, e.g. DPA-1E; unique
    agency: str
    agency_head: str  # R-2a: the head of the purchasing agency the authority is delegated to
    activity: str  # R-2c(1): the activity or function authorised
    dollar_limit: Decimal  # R-2c(2): the most one purchase order under it may amount to
    minor_nonrecurring: bool  # R-2d: a minor nonrecurring purchase authority, at most $600 a purchase
    re_delegable: bool  # R-2c(3)
    starts_on: dt.date  # R-2c(4): the duration, Connecticut calendar days, both included
    ends_on: dt.date
    factors: tuple[DelegationFactor, ...]  # R-2a(1)-(5): the factors weighed
    granted_at: dt.datetime
    granted_by: str
    status: DelegationStatus = DelegationStatus.ACTIVE
    revoked_at: dt.datetime | None = None
    revoked_by: str | None = None
    revoke_reason: str | None = None
    expired_at: dt.datetime | None = None
    version: int = 0

    @property
    def in_force_from(self) -> dt.datetime:
        """The first instant of the start day."""
        return start_of_local_day(self.starts_on)

    @property
    def in_force_until(self) -> dt.datetime:
        return first_instant_after(self.ends_on)


@dataclass(frozen=True)
class Quotation:
    vendor: str
    amount: Decimal


@dataclass(frozen=True)
class DelegationOrder:
    """R-2e: a purchase order under a delegation, with its DPA number and evidence of competition (quotations) or the
    note "non-competitive" with its reason; copied to the Comptroller and reviewed by purchasing."""

    id: str
    delegation_id: str
    dpa_number: str
    agency: str
    activity: str
    vendor: str
    description: str
    amount: Decimal
    quotations: tuple[Quotation, ...]
    non_competitive_reason: str | None
    issued_at: dt.datetime
    issued_by: str
    finding: ReviewFinding | None = None
    finding_note: str | None = None
    reviewed_at: dt.datetime | None = None
    reviewed_by: str | None = None
    version: int = 0

    @property
    def non_competitive(self) -> bool:
        return self.non_competitive_reason is not None

    @property
    def reviewed(self) -> bool:
        return self.reviewed_at is not None


def first_instant_after(ends_on: dt.date) -> dt.datetime:
    """The first instant after a delegation's end day: it has ended when `now >=` this (the timer waits for it)."""
    return days_after(start_of_local_day(ends_on), 0)


def normal_number(number: str) -> str:
    return number.strip().upper()


def new_delegation(
    *,
    delegation_id: str,
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
    now: dt.datetime,
    granted_by: str,
) -> Delegation:
    """R-2a, R-2c, R-2d: a written delegation; every problem is named at once, under R-2d when only the minor limit
    fails."""
    problems = []
    number = normal_number(number)
    if not NUMBER_PATTERN.match(number):
        problems.append(field_problem("number", "must read DPA- and 1 to 12 letters or digits, e.g. DPA-1E (R-2e)"))
    for field, value in (("agency", agency), ("agency_head", agency_head), ("activity", activity)):
        if not value.strip():
            problems.append(field_problem(field, "must not be blank (R-2c)"))
    if dollar_limit <= 0:
        problems.append(field_problem("dollar_limit", "must be greater than 0 (R-2c)"))
    if ends_on < starts_on:
        problems.append(field_problem("ends_on", "must not be before starts_on (R-2c)"))
    elif first_instant_after(ends_on) <= now:
        problems.append(field_problem("ends_on", "must not be before today: the delegation would never be in force (R-2c)"))
    if not factors:
        problems.append(field_problem("factors", "name at least one factor weighed in delegating (R-2a)"))
    minor = minor_nonrecurring and dollar_limit > MINOR_PURCHASE_LIMIT
    if minor:
        problems.append(field_problem("dollar_limit", "a minor nonrecurring purchase authority is at most $600 (R-2d)"))
    if problems:
        only_minor = minor and len(problems) == 1
        raise ValidationFailed(
            "The delegation is incomplete or malformed; see details.", rule="R-2d" if only_minor else "R-2c", details=problems
        )
    return Delegation(
        id=delegation_id,
        number=number,
        agency=agency.strip(),
        agency_head=agency_head.strip(),
        activity=activity.strip(),
        dollar_limit=dollar_limit,
        minor_nonrecurring=minor_nonrecurring,
        re_delegable=re_delegable,
        starts_on=starts_on,
        ends_on=ends_on,
        factors=tuple(dict.fromkeys(factors)),
        granted_at=now,
        granted_by=granted_by,
    )


def revoke(delegation: Delegation, reason: str, now: dt.datetime, by: str) -> Delegation:
    """R-2a, R-2g: purchasing withdraws an active delegation, stating why; later orders under it are refused."""
    if not reason.strip():
        raise ValidationFailed(
            "A revocation states its reason.", rule="R-2g", details=[field_problem("reason", "must not be blank (R-2g)")]
        )
    if delegation.status is not DelegationStatus.ACTIVE:
        raise Conflict(
            f"Delegation {delegation.number} is {delegation.status.value}; only an active delegation is revoked.",
            rule="R-2g",
            details=[field_problem("status", f"is {delegation.status.value}, not active")],
        )
    return dataclasses.replace(
        delegation, status=DelegationStatus.REVOKED, revoked_at=now, revoked_by=by, revoke_reason=reason.strip()
    )


def expire(delegation: Delegation, now: dt.datetime) -> Delegation | None:
    """R-2c: at the end of its term an active delegation expires; None when there is nothing to do (already expired
    or revoked, or the term not yet over: a timer fired early changes nothing)."""
    if delegation.status is not DelegationStatus.ACTIVE or now < delegation.in_force_until:
        return None
    return dataclasses.replace(delegation, status=DelegationStatus.EXPIRED, expired_at=now)


def new_order(
    delegation: Delegation,
    *,
    order_id: str,
    dpa_number: str,
    activity: str,
    vendor: str,
    description: str,
    amount: Decimal,
    quotations: list[Quotation],
    non_competitive_reason: str | None,
    now: dt.datetime,
    issued_by: str,
) -> DelegationOrder:
    """R-2e: the order carries its delegation's number and the evidence of competition, or the note "non-competitive"
    with its reason; it is refused outside the delegation's activity, limit (R-2c, R-2d) and term, or once revoked
    (R-2g). The content is checked first (400), then the delegation's state at `now` (409)."""
    _check_content(delegation, dpa_number, activity, vendor, description, quotations, non_competitive_reason)
    _check_amount(delegation, amount)
    _check_in_force(delegation, now)
    return DelegationOrder(
        id=order_id,
        delegation_id=delegation.id,
        dpa_number=delegation.number,
        agency=delegation.agency,
        activity=delegation.activity,
        vendor=vendor.strip(),
        description=description.strip(),
        amount=amount,
        quotations=tuple(Quotation(q.vendor.strip(), q.amount) for q in quotations),
        non_competitive_reason=None if non_competitive_reason is None else non_competitive_reason.strip(),
        issued_at=now,
        issued_by=issued_by,
    )


def _same(a: str, b: str) -> bool:
    return " ".join(a.split()).casefold() == " ".join(b.split()).casefold()


def _check_content(
    delegation: Delegation,
    dpa_number: str,
    activity: str,
    vendor: str,
    description: str,
    quotations: list[Quotation],
    non_competitive_reason: str | None,
) -> None:
    problems = []
    if normal_number(dpa_number) != delegation.number:
        problems.append(field_problem("dpa_number", f"must be the delegation's number, {delegation.number} (R-2e)"))
    for field, value in (("vendor", vendor), ("description", description)):
        if not value.strip():
            problems.append(field_problem(field, "must not be blank (R-2e)"))
    problems += _evidence_problems(vendor, quotations, non_competitive_reason)
    if problems:
        raise ValidationFailed("The purchase order lacks what R-2e requires; see details.", rule="R-2e", details=problems)
    if not _same(activity, delegation.activity):
        raise ValidationFailed(
            f"Delegation {delegation.number} authorises {delegation.activity!r} only.",
            rule="R-2c",
            details=[field_problem("activity", f"must be the delegation's activity, {delegation.activity!r} (R-2c)")],
        )


def _evidence_problems(vendor: str, quotations: list[Quotation], non_competitive_reason: str | None) -> list[dict]:
    """R-2e: quotations from at least two vendors, the one ordered from among them; or "non-competitive" with why."""
    if non_competitive_reason is not None:
        if quotations:
            return [
                field_problem("non_competitive", "an order is either competed (quotations) or non-competitive, not both (R-2e)")
            ]
        if not non_competitive_reason.strip():
            return [field_problem("non_competitive.reason", "must say why the purchase precludes competition (R-2e)")]
        return []
    if not quotations:
        return [field_problem("quotations", 'give the quotations received, or the note "non-competitive" with its reason (R-2e)')]
    quoted = {" ".join(q.vendor.split()).casefold() for q in quotations if q.vendor.strip()}
    problems = []
    if len(quoted) < MIN_QUOTATIONS:
        problems.append(
            field_problem("quotations", f"evidence of competition is quotations from at least {MIN_QUOTATIONS} vendors (R-2e)")
        )
    if vendor.strip() and " ".join(vendor.split()).casefold() not in quoted:
        problems.append(field_problem("vendor", "must be one of the vendors quoted (R-2e)"))
    return problems


def _check_amount(delegation: Delegation, amount: Decimal) -> None:
    if amount <= 0:
        raise ValidationFailed(
            "The order's amount must be greater than 0.", rule="R-2e", details=[field_problem("amount", "must be greater than 0")]
        )
    if delegation.minor_nonrecurring and amount > MINOR_PURCHASE_LIMIT:
        raise ValidationFailed(
            f"Delegation {delegation.number} is for minor nonrecurring purchases of at most $600.",
            rule="R-2d",
            details=[field_problem("amount", "must not exceed $600 under a minor nonrecurring purchase authority (R-2d)")],
        )
    if amount > delegation.dollar_limit:
        raise ValidationFailed(
            f"The order exceeds delegation {delegation.number}'s limit of ${delegation.dollar_limit}; submit the requirement to the Bureau of Purchases.",
            rule="R-2e",
            details=[
                field_problem("amount", f"must not exceed the delegation's limit of ${delegation.dollar_limit} (R-2c, R-2e)")
            ],
        )


def _check_in_force(delegation: Delegation, now: dt.datetime) -> None:
    if delegation.status is DelegationStatus.REVOKED:
        raise Conflict(
            f"Delegation {delegation.number} was revoked: {delegation.revoke_reason}",
            rule="R-2g",
            details=[field_problem("dpa_number", "the delegation was revoked (R-2g)")],
        )
    if delegation.status is DelegationStatus.EXPIRED or now >= delegation.in_force_until:
        raise DeadlinePassed(
            f"Delegation {delegation.number} ended on {delegation.ends_on.isoformat()}.",
            rule="R-2c",
            details=[field_problem("dpa_number", f"the delegation ended on {delegation.ends_on.isoformat()} (R-2c)")],
        )
    if now < delegation.in_force_from:
        raise Conflict(
            f"Delegation {delegation.number} starts on {delegation.starts_on.isoformat()}.",
            rule="R-2c",
            details=[field_problem("dpa_number", f"the delegation starts on {delegation.starts_on.isoformat()} (R-2c)")],
        )


def review(order: DelegationOrder, finding: ReviewFinding, note: str, now: dt.datetime, by: str) -> DelegationOrder:
    """R-2e: purchasing reviews each order's copy for evidence of competition, once."""
    if order.reviewed:
        raise Conflict(
            f"Order {order.id} was reviewed already.", rule="R-2e", details=[field_problem("finding", "already recorded")]
        )
    if finding is ReviewFinding.NON_CONFORMING and not note.strip():
        raise ValidationFailed(
            "A finding of non-conformance says what does not conform.",
            rule="R-2g",
            details=[field_problem("note", "must say what does not conform (R-2g)")],
        )
    return dataclasses.replace(order, finding=finding, finding_note=note.strip() or None, reviewed_at=now, reviewed_by=by)
