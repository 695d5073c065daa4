"""Requests To Amend Procurement Schedule (OPM-4 to OPM-7), pure domain."""

import dataclasses
from datetime import UTC, date, datetime

import pytest

from chalicelib.domain import plans
from chalicelib.domain import plans_amendments as amend
from chalicelib.domain.calendar import CT
from chalicelib.domain.errors import Conflict, DeadlinePassed, ValidationFailed
from chalicelib.domain.plans import ProcurementMethod
from chalicelib.domain.plans_amendments import PlanAmendmentStatus, ScheduleChange
from tests.unit.test_plans import HOME_CARE, NOW, SHELTER, submitted


def approved_plan():
    return plans.approve(submitted(), NOW, "opm-user", "ok")


def file(
    change=ScheduleChange.TO_NON_COMPETITIVE, service_id="HOME-CARE", now=NOW, plan=None, open_amendments=(), date_after=None
):
    return amend.new_amendment(
        amendment_id="RAPS-1",
        plan=plan or approved_plan(),
        open_amendments=list(open_amendments),
        service_id=service_id,
        change=change,
        reason="Program redesign.",
        competitive_procurement_date=date_after,
        now=now,
        by="agency-user",
    )


def at_local(y, m, d, hour=12):
    return datetime(y, m, d, hour, tzinfo=CT)


@pytest.mark.rule("OPM-4")
@pytest.mark.parametrize(
    "procurement, last_allowed",
    [
        (date(2026, 9, 15), date(2026, 6, 15)),
        (date(2026, 5, 31), date(2026, 2, 28)),  # clamped to the month's end
        (date(2027, 2, 1), date(2026, 11, 1)),  # across the year
    ],
)
def test_the_last_allowed_waiver_date_is_three_calendar_months_before_the_procurement(procurement, last_allowed):
    assert amend.last_allowed_waiver_date(procurement) == last_allowed


@pytest.mark.rule("OPM-4")
def test_a_waiver_request_on_the_last_allowed_day_is_accepted():
    request = file(now=at_local(2026, 6, 15, hour=23))
    assert request.status is PlanAmendmentStatus.UNDER_REVIEW and request.last_allowed_date == date(2026, 6, 15)


@pytest.mark.rule("OPM-4")
def test_a_waiver_request_the_day_after_is_rejected_naming_the_last_allowed_date():
    with pytest.raises(DeadlinePassed) as refused:
        file(now=at_local(2026, 6, 16, hour=0))
    assert refused.value.rule == "OPM-4" and "2026-06-15" in refused.value.message
    assert refused.value.details[0]["last_allowed_date"] == "2026-06-15"


@pytest.mark.rule("OPM-4")
def test_the_deadline_is_judged_on_the_connecticut_date_not_the_utc_date():
    late_evening = datetime(2026, 6, 16, 2, 30, tzinfo=UTC)  # still June 15 in Hartford
    assert file(now=late_evening).last_allowed_date == date(2026, 6, 15)


@pytest.mark.rule("OPM-7")
def test_rescinding_a_waiver_has_no_three_month_limit():
    request = file(ScheduleChange.TO_COMPETITIVE, "SHELTER", now=at_local(2026, 6, 30), date_after=date(2026, 7, 1))
    assert request.change is ScheduleChange.TO_COMPETITIVE and request.last_allowed_date is None


@pytest.mark.rule("OPM-7")
def test_rescinding_a_waiver_needs_the_future_competitive_procurement_date():
    with pytest.raises(ValidationFailed) as refused:
        file(ScheduleChange.TO_COMPETITIVE, "SHELTER")
    assert refused.value.rule == "OPM-7" and refused.value.details[0]["field"] == "competitive_procurement_date"


@pytest.mark.rule("OPM-4")
def test_a_request_must_change_the_services_method():
    with pytest.raises(ValidationFailed):
        file(ScheduleChange.TO_NON_COMPETITIVE, "SHELTER")
    with pytest.raises(ValidationFailed):
        file(ScheduleChange.TO_COMPETITIVE, "HOME-CARE", date_after=date(2026, 12, 1))


@pytest.mark.rule("OPM-4")
def test_a_request_names_a_service_on_the_published_schedule():
    with pytest.raises(ValidationFailed) as refused:
        file(service_id="NOPE")
    assert refused.value.details[0]["field"] == "service_id"


@pytest.mark.rule("OPM-4")
def test_only_an_approved_plan_is_amended():
    with pytest.raises(Conflict):
        file(plan=submitted())


@pytest.mark.rule("OPM-5")
def test_a_second_request_for_a_service_waits_until_the_first_is_settled():
    first = file()
    with pytest.raises(Conflict) as refused:
        file(open_amendments=[first])
    assert refused.value.details == [{"amendment_id": "RAPS-1"}]
    denied = amend.decide(first, approve=False, now=NOW, by="opm", note="No.")
    assert file(open_amendments=[denied]).status is PlanAmendmentStatus.UNDER_REVIEW


@pytest.mark.rule("OPM-5")
@pytest.mark.parametrize(
    "submitted_on, due, reminder",
    [
        (at_local(2026, 3, 2), date(2026, 3, 23), date(2026, 3, 19)),  # no holiday
        (at_local(2026, 4, 2), date(2026, 4, 24), date(2026, 4, 22)),  # Good Friday weekend
        (at_local(2026, 5, 15), date(2026, 6, 8), date(2026, 6, 4)),  # Memorial Day
        (at_local(2026, 11, 10), date(2026, 12, 3), date(2026, 12, 1)),  # Veterans Day and Thanksgiving
        (at_local(2026, 4, 4), date(2026, 4, 24), date(2026, 4, 22)),  # filed on a Saturday
    ],
)
def test_review_is_due_fifteen_connecticut_business_days_after_submission(submitted_on, due, reminder):
    reminder_at, due_at = amend.review_instants(submitted_on)
    assert due_at.astimezone(CT).date() == due and (due_at.astimezone(CT).hour, due_at.astimezone(CT).minute) == (23, 59)
    assert reminder_at.astimezone(CT).date() == reminder and reminder_at.astimezone(CT).hour == 9


@pytest.mark.rule("OPM-5")
def test_the_reminder_skips_holidays_when_counting_back_two_business_days():
    assert amend.subtract_business_days(date(2026, 4, 7), 2) == date(2026, 4, 2)  # over Good Friday and the weekend


@pytest.mark.rule("OPM-5")
def test_opm_decides_in_writing_once():
    request = file()
    with pytest.raises(ValidationFailed):
        amend.decide(request, approve=True, now=NOW, by="opm", note=" ")
    approved = amend.decide(request, approve=True, now=NOW, by="opm", note="Granted.")
    assert approved.status is PlanAmendmentStatus.APPROVED and approved.decision_note == "Granted."
    with pytest.raises(Conflict):
        amend.decide(approved, approve=False, now=NOW, by="opm", note="Changed my mind.")


@pytest.mark.rule("OPM-5")
def test_a_reminder_or_escalation_is_due_only_while_opm_has_not_decided():
    request = file()
    assert amend.mark_reminded(request, NOW).reminded_at == NOW
    decided = amend.decide(request, approve=False, now=NOW, by="opm", note="No.")
    assert amend.mark_reminded(decided, NOW) is None and amend.mark_escalated(decided, NOW) is None


@pytest.mark.rule("OPM-6")
def test_publication_of_an_approved_waiver_adds_a_schedule_version_and_keeps_the_old_one():
    plan = approved_plan()
    approved = amend.decide(file(plan=plan), approve=True, now=NOW, by="opm", note="Granted.")
    later = datetime(2026, 4, 1, tzinfo=UTC)
    published_plan, published = amend.publish(plan, approved, later)
    assert published.status is PlanAmendmentStatus.PUBLISHED and published.schedule_version == 2
    assert published_plan.public_schedule.service("HOME-CARE").method is ProcurementMethod.NON_COMPETITIVE
    assert published_plan.public_schedule.source == "RAPS-1" and published_plan.public_schedule.published_at == later
    assert published_plan.schedule_version(1).service("HOME-CARE") == HOME_CARE


@pytest.mark.rule("OPM-5")
def test_an_amendment_under_review_or_denied_is_never_published():
    plan = approved_plan()
    request = file(plan=plan)
    with pytest.raises(Conflict) as refused:
        amend.publish(plan, request, NOW)
    assert refused.value.rule == "OPM-5"
    with pytest.raises(Conflict):
        amend.publish(plan, amend.decide(request, approve=False, now=NOW, by="opm", note="No."), NOW)


@pytest.mark.rule("OPM-7")
def test_a_published_rescission_makes_the_service_competitive_on_the_new_date():
    plan = approved_plan()
    request = file(ScheduleChange.TO_COMPETITIVE, "SHELTER", plan=plan, date_after=date(2026, 7, 1))
    approved = amend.decide(request, approve=True, now=NOW, by="opm", note="Compete it.")
    published_plan, _ = amend.publish(plan, approved, NOW)
    shelter = published_plan.public_schedule.service("SHELTER")
    assert shelter.method is ProcurementMethod.COMPETITIVE and shelter.competitive_procurement_date == date(2026, 7, 1)
    assert shelter.current_contractors == SHELTER.current_contractors


@pytest.mark.rule("OPM-6")
def test_publication_is_refused_if_the_service_changed_meanwhile():
    plan = approved_plan()
    approved = amend.decide(file(plan=plan), approve=True, now=NOW, by="opm", note="Granted.")
    changed = plans.add_schedule_version(
        plan, (dataclasses.replace(HOME_CARE, method=ProcurementMethod.NON_COMPETITIVE), SHELTER), NOW, "RAPS-0"
    )
    with pytest.raises(Conflict):
        amend.publish(changed, approved, NOW)


@pytest.mark.rule("OPM-4")
def test_a_request_past_the_versions_a_plan_publishes_is_refused_counting_those_still_open():
    # Given a plan one version below the bound, with a request of another service still under review
    plan = approved_plan()
    plan = dataclasses.replace(plan, schedule_versions=plan.schedule_versions * (plans.MAX_SCHEDULE_VERSIONS - 1))
    pending = file(service_id="SHELTER", change=ScheduleChange.TO_COMPETITIVE, plan=plan, date_after=date(2027, 1, 4))
    # When the agency files one more, Then the 400 names the service and the rule, as the open one would take the last
    with pytest.raises(ValidationFailed) as refused:
        file(plan=plan, open_amendments=[pending])
    assert refused.value.rule == "OPM-4"
    assert [(d["field"], d["rule"]) for d in refused.value.details] == [("service_id", "OPM-4")]
    # And without the open one it is filed
    assert file(plan=plan).status is PlanAmendmentStatus.UNDER_REVIEW
