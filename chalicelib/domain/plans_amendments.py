"""Requests To Amend Procurement Schedule (OPM-4 to OPM-7).

Competitive → non-competitive (a waiver) must be filed at least three calendar months before the service's
scheduled competitive procurement; non-competitive → competitive (rescinding a waiver) at any time. OPM has
15 business days to review (a reminder two business days before), decides in writing, and nothing changes
on the schedule until the agency publishes the approved amendment as a new schedule version.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass, field

from chalicelib.domain import calendar
from chalicelib.domain.errors import Conflict, DeadlinePassed, ValidationFailed
from chalicelib.domain.plans import (
    MAX_SCHEDULE_VERSIONS,
    Plan,
    PlanStatus,
    ProcurementMethod,
    ScheduledService,
    add_schedule_version,
)

WAIVER_NOTICE_MONTHS = 3  # OPM-4
REVIEW_BUSINESS_DAYS = 15  # OPM-5
REMINDER_BUSINESS_DAYS_BEFORE = 2
REMINDER_LOCAL_TIME = dt.time(9, 0)  # start of the business day in Hartford


class ScheduleChange(str, enum.Enum):
    TO_NON_COMPETITIVE = "to_non_competitive"  # request a waiver from competition (OPM-4)
    TO_COMPETITIVE = "to_competitive"  # rescind an approved waiver (OPM-7)

    @property
    def rule(self) -> str:
        return "OPM-4" if self is ScheduleChange.TO_NON_COMPETITIVE else "OPM-7"


class PlanAmendmentStatus(str, enum.Enum):
    UNDER_REVIEW = "under_review"
    APPROVED = "approved"  # publication task open for the agency (OPM-6)
    DENIED = "denied"
    PUBLISHED = "published"


OPEN = (PlanAmendmentStatus.UNDER_REVIEW, PlanAmendmentStatus.APPROVED)


@dataclass(frozen=True)
class PlanAmendment:
    id: str
    plan_id: str
    agency: str
    service_id: str
    change: ScheduleChange
    reason: str
    submitted_at: dt.datetime
    submitted_by: str
    reminder_at: dt.datetime
    review_due_at: dt.datetime
    competitive_procurement_date: dt.date | None = None  # the service's date after the change
    last_allowed_date: dt.date | None = None  # OPM-4, for a waiver request
    status: PlanAmendmentStatus = PlanAmendmentStatus.UNDER_REVIEW
    reminded_at: dt.datetime | None = None
    escalated_at: dt.datetime | None = None
    decided_at: dt.datetime | None = None
    decided_by: str | None = None
    decision_note: str = ""
    published_at: dt.datetime | None = None
    schedule_version: int | None = None
    decision_token: str | None = field(default=None, repr=False)
    publication_token: str | None = field(default=None, repr=False)
    version: int = 0

    @property
    def decided(self) -> bool:
        return self.status is not PlanAmendmentStatus.UNDER_REVIEW

    @property
    def approved(self) -> bool:
        return self.status in (PlanAmendmentStatus.APPROVED, PlanAmendmentStatus.PUBLISHED)


def subtract_business_days(day: dt.date, count: int) -> dt.date:
    """The business day `count` business days before `day`."""
    current, remaining = day, count
    while remaining:
        current -= dt.timedelta(days=1)
        if calendar.is_business_day(current):
            remaining -= 1
    return current


def review_due_date(submitted_at: dt.datetime) -> dt.date:
    """OPM-5: the 15th Connecticut business day after the local date of submission."""
    return calendar.add_business_days(calendar.local_date(submitted_at), REVIEW_BUSINESS_DAYS)


def review_instants(submitted_at: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """(reminder_at, due_at): 9:00 local two business days before the due date; the end of the due date."""
    due = review_due_date(submitted_at)
    reminder_day = subtract_business_days(due, REMINDER_BUSINESS_DAYS_BEFORE)
    reminder_at = dt.datetime.combine(reminder_day, REMINDER_LOCAL_TIME, tzinfo=calendar.CT).astimezone(calendar.UTC)
    return reminder_at, calendar.end_of_local_day(due)


def last_allowed_waiver_date(competitive_procurement_date: dt.date) -> dt.date:
    """OPM-4: three calendar months before the scheduled competitive procurement (clamped to month end)."""
    return calendar.add_months(competitive_procurement_date, -WAIVER_NOTICE_MONTHS)


def new_amendment(
    *,
    amendment_id: str,
    plan: Plan,
    open_amendments: list[PlanAmendment],
    service_id: str,
    change: ScheduleChange,
    reason: str,
    competitive_procurement_date: dt.date | None,
    now: dt.datetime,
    by: str,
) -> PlanAmendment:
    rule = change.rule
    if plan.status is not PlanStatus.APPROVED or plan.public_schedule is None:
        raise Conflict(f"Plan {plan.id} is {plan.status.value}; only an approved schedule is amended.", rule=rule)
    if not reason.strip():
        raise ValidationFailed(
            "A Request To Amend Procurement Schedule states its reason.",
            rule=rule,
            details=[{"field": "reason", "problem": "must not be blank"}],
        )
    service = plan.public_schedule.service(service_id)
    if service is None:
        raise ValidationFailed(
            f"Service {service_id} is not on the published schedule (version {plan.public_schedule.number}) of plan {plan.id}.",
            rule=rule,
            details=[{"field": "service_id", "problem": "is not on the published schedule"}],
        )
    versions = len(plan.schedule_versions) + sum(a.status in OPEN for a in open_amendments)
    if versions >= MAX_SCHEDULE_VERSIONS:
        raise ValidationFailed(
            f"Plan {plan.id} publishes at most {MAX_SCHEDULE_VERSIONS} schedule versions; file the next period's plan.",
            rule=rule,
            details=[
                {"field": "service_id", "problem": f"{versions} versions published or to publish", "rule": rule},
            ],
        )
    pending = [a for a in open_amendments if a.service_id == service_id and a.status in OPEN]
    if pending:
        raise Conflict(
            f"Request {pending[0].id} for service {service_id} is still {pending[0].status.value}; one request per service at a time.",
            rule="OPM-5",
            details=[{"amendment_id": pending[0].id}],
        )
    today = calendar.local_date(now)
    last_allowed = None
    if change is ScheduleChange.TO_NON_COMPETITIVE:
        if service.method is not ProcurementMethod.COMPETITIVE:
            raise ValidationFailed(
                f"Service {service_id} is already non-competitive.",
                rule=rule,
                details=[{"field": "change", "problem": "the service is not competitive"}],
            )
        scheduled = service.competitive_procurement_date
        assert scheduled is not None  # a competitive service has its date (plans.schedule_problems)
        last_allowed = last_allowed_waiver_date(scheduled)
        if today > last_allowed:
            raise DeadlinePassed(
                f"A request to make service {service_id} non-competitive had to be submitted by {last_allowed.isoformat()}, "
                f"three months before its scheduled competitive procurement on {scheduled.isoformat()}.",
                rule=rule,
                details=[
                    {
                        "field": "service_id",
                        "problem": "submitted less than three months before the competitive procurement",
                        "last_allowed_date": last_allowed.isoformat(),
                        "scheduled_competitive_procurement": scheduled.isoformat(),
                    }
                ],
            )
    else:
        if service.method is not ProcurementMethod.NON_COMPETITIVE:
            raise ValidationFailed(
                f"Service {service_id} is already competitive; there is no waiver to rescind.",
                rule=rule,
                details=[{"field": "change", "problem": "the service is not non-competitive"}],
            )
        if competitive_procurement_date is None or competitive_procurement_date <= today:
            raise ValidationFailed(
                "Rescinding a waiver schedules the competitive procurement: give a future date.",
                rule=rule,
                details=[{"field": "competitive_procurement_date", "problem": f"must be a date after {today.isoformat()}"}],
            )
    reminder_at, due_at = review_instants(now)
    return PlanAmendment(
        id=amendment_id,
        plan_id=plan.id,
        agency=plan.agency,
        service_id=service_id,
        change=change,
        reason=reason.strip(),
        submitted_at=now,
        submitted_by=by,
        reminder_at=reminder_at,
        review_due_at=due_at,
        competitive_procurement_date=competitive_procurement_date,
        last_allowed_date=last_allowed,
    )


def amended_service(service: ScheduledService, amendment: PlanAmendment) -> ScheduledService:
    method = (
        ProcurementMethod.NON_COMPETITIVE
        if amendment.change is ScheduleChange.TO_NON_COMPETITIVE
        else ProcurementMethod.COMPETITIVE
    )
    return dataclasses.replace(service, method=method, competitive_procurement_date=amendment.competitive_procurement_date)


def amended_schedule(services: tuple[ScheduledService, ...], amendment: PlanAmendment) -> tuple[ScheduledService, ...]:
    """The schedule with the amendment applied; the service must still be as the request found it."""
    expected = (
        ProcurementMethod.COMPETITIVE
        if amendment.change is ScheduleChange.TO_NON_COMPETITIVE
        else ProcurementMethod.NON_COMPETITIVE
    )
    current = next((s for s in services if s.service_id == amendment.service_id), None)
    if current is None or current.method is not expected:
        raise Conflict(f"Service {amendment.service_id} changed since request {amendment.id} was filed.", rule="OPM-6")
    return tuple(amended_service(s, amendment) if s.service_id == amendment.service_id else s for s in services)


def decide(amendment: PlanAmendment, *, approve: bool, now: dt.datetime, by: str, note: str) -> PlanAmendment:
    """OPM-5: OPM approves or denies in writing; the schedule is not touched here."""
    if amendment.decided:
        assert amendment.decided_at is not None  # set with every decision (below)
        raise Conflict(
            f"Request {amendment.id} was already {amendment.status.value} on {calendar.iso_local(amendment.decided_at)}.",
            rule="OPM-5",
        )
    if not note.strip():
        raise ValidationFailed(
            "OPM decides in writing: the decision needs its text.",
            rule="OPM-5",
            details=[{"field": "note", "problem": "must not be blank"}],
        )
    status = PlanAmendmentStatus.APPROVED if approve else PlanAmendmentStatus.DENIED
    return dataclasses.replace(
        amendment, status=status, decided_at=now, decided_by=by, decision_note=note.strip(), decision_token=None
    )


def publish(plan: Plan, amendment: PlanAmendment, now: dt.datetime) -> tuple[Plan, PlanAmendment]:
    """OPM-6: the agency publishes the approved amendment; it becomes the public schedule version."""
    if amendment.status is PlanAmendmentStatus.PUBLISHED:
        raise Conflict(
            f"Request {amendment.id} was already published as schedule version {amendment.schedule_version}.", rule="OPM-6"
        )
    if amendment.status is not PlanAmendmentStatus.APPROVED:
        raise Conflict(
            f"Request {amendment.id} is {amendment.status.value}; only an approved amendment is published.", rule="OPM-5"
        )
    current = plan.public_schedule
    assert current is not None  # amendments are requested of an approved plan's published schedule
    published_plan = add_schedule_version(plan, amended_schedule(current.services, amendment), now, source=amendment.id)
    published = published_plan.public_schedule
    assert published is not None
    number = published.number
    return published_plan, dataclasses.replace(
        amendment,
        status=PlanAmendmentStatus.PUBLISHED,
        published_at=now,
        schedule_version=number,
        publication_token=None,
    )


def mark_reminded(amendment: PlanAmendment, now: dt.datetime) -> PlanAmendment | None:
    """None when OPM has decided meanwhile: no reminder is due. A retried task keeps the first time."""
    if amendment.decided:
        return None
    return amendment if amendment.reminded_at else dataclasses.replace(amendment, reminded_at=now)


def mark_escalated(amendment: PlanAmendment, now: dt.datetime) -> PlanAmendment | None:
    """None when OPM decided in time: nothing to escalate."""
    if amendment.decided:
        return None
    return amendment if amendment.escalated_at else dataclasses.replace(amendment, escalated_at=now)
