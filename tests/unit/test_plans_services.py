"""Plan and amendment services with in-memory fakes: authorisation, audit, emails, workflow calls."""

from datetime import date, timedelta

import pytest

from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.plans import Narrative, PlanStatus
from chalicelib.domain.plans_amendments import PlanAmendmentStatus, ScheduleChange
from chalicelib.services import plans
from chalicelib.services.ports import Actor, PageRequest, Role
from tests.unit.test_plans import complete_sections

DSS = Actor("agency-user@DSS", Role.AGENCY, "DSS")
DCF = Actor("agency-user@DCF", Role.AGENCY, "DCF")
OPM = Actor("opm-user@OPM", Role.OPM, "OPM")
AGENCY_CONTACT = "procurement@dss.example.gov"


def approved(deps, actor=DSS, period="FY 26-28"):
    plan = plans.create_plan(deps, actor, period=period, sections=complete_sections())
    plans.submit_plan(deps, actor, plan.id)
    return plans.approve_plan(deps, OPM, plan.id, "Approved as filed.")


def waiver(deps, plan_id):
    return plans.request_amendment(
        deps,
        DSS,
        plan_id,
        service_id="HOME-CARE",
        change=ScheduleChange.TO_NON_COMPETITIVE,
        reason="Program redesign.",
        competitive_procurement_date=None,
    )


@pytest.mark.rule("OPM-1")
def test_an_agency_has_one_plan_per_period(deps):
    plans.create_plan(deps, DSS, period="FY 26-28", sections={})
    with pytest.raises(Conflict) as refused:
        plans.create_plan(deps, DSS, period="FY 26-28", sections={})
    assert refused.value.rule == "OPM-1"
    assert plans.create_plan(deps, DCF, period="FY 26-28", sections={}).agency == "DCF"


@pytest.mark.rule("OPM-1")
def test_only_agencies_file_plans(deps):
    with pytest.raises(Forbidden):
        plans.create_plan(deps, OPM, period="FY 26-28", sections={})


@pytest.mark.rule("OPM-1")
def test_an_agency_cannot_touch_another_agencys_plan(deps):
    plan = plans.create_plan(deps, DSS, period="FY 26-28", sections=complete_sections())
    with pytest.raises(NotFound):
        plans.submit_plan(deps, DCF, plan.id)
    with pytest.raises(NotFound):
        plans.update_plan(deps, DCF, plan.id, {"needs_assessment": Narrative("x")})
    with pytest.raises(NotFound):
        plans.get_plan(deps, DCF, plan.id)


@pytest.mark.rule("OPM-1")
def test_submission_emails_the_opm_reviewers_and_is_audited(deps):
    plan = plans.create_plan(deps, DSS, period="FY 26-28", sections=complete_sections())
    plans.submit_plan(deps, DSS, plan.id)
    (mail,) = deps.notifier.sent
    assert mail.to == (deps.mailboxes.opm_reviewers,) and mail.subject.startswith(f"Review procurement plan {plan.id}")
    actions = [a.action for a in deps.store.audit_trail(f"plan:{plan.id}")]
    assert actions == ["plan.created", "plan.submitted"]


@pytest.mark.rule("OPM-1")
def test_a_refused_submission_changes_nothing(deps):
    plan = plans.create_plan(deps, DSS, period="FY 26-28", sections={})
    with pytest.raises(ValidationFailed):
        plans.submit_plan(deps, DSS, plan.id)
    assert deps.store.get(type(plan), plan.id).status is PlanStatus.DRAFT
    assert deps.notifier.sent == [] and len(deps.store.audit) == 1


@pytest.mark.rule("OPM-1")
def test_only_opm_approves_or_returns_a_plan(deps):
    plan = plans.create_plan(deps, DSS, period="FY 26-28", sections=complete_sections())
    plans.submit_plan(deps, DSS, plan.id)
    with pytest.raises(Forbidden):
        plans.approve_plan(deps, DSS, plan.id, "Self-approved.")
    with pytest.raises(Forbidden):
        plans.return_plan(deps, DSS, plan.id, ["No."])


@pytest.mark.rule("OPM-1")
def test_the_agency_contact_is_emailed_the_return_reasons(deps):
    plan = plans.create_plan(deps, DSS, period="FY 26-28", sections=complete_sections())
    plans.submit_plan(deps, DSS, plan.id)
    plans.return_plan(deps, OPM, plan.id, ["Add FY 28 services."])
    mail = deps.notifier.sent[-1]
    assert mail.to == (AGENCY_CONTACT,) and "- Add FY 28 services." in mail.text


@pytest.mark.rule("OPM-2")
def test_the_public_sees_approved_plans_by_agency_and_period_including_past_periods(deps):
    approved(deps, period="FY 16-18")
    approved(deps, period="FY 26-28")
    approved(deps, actor=DCF, period="FY 26-28")
    plans.create_plan(deps, DSS, period="FY 29-31", sections={})
    returned = plans.create_plan(deps, DCF, period="FY 29-31", sections=complete_sections())
    plans.submit_plan(deps, DCF, returned.id)
    plans.return_plan(deps, OPM, returned.id, ["Incomplete."])

    assert [(p.agency, p.period) for p in plans.list_plans(deps, None, PageRequest()).items] == [
        ("DCF", "FY 26-28"),
        ("DSS", "FY 16-18"),
        ("DSS", "FY 26-28"),
    ]
    assert [p.period for p in plans.list_plans(deps, None, PageRequest(), agency="DSS").items] == ["FY 16-18", "FY 26-28"]
    assert [p.agency for p in plans.list_plans(deps, None, PageRequest(), period="FY 26-28").items] == ["DCF", "DSS"]
    with pytest.raises(NotFound):
        plans.get_plan(deps, None, returned.id)


@pytest.mark.rule("OPM-2")
def test_drafts_are_listed_only_to_opm_and_their_own_agency(deps):
    draft = plans.create_plan(deps, DSS, period="FY 29-31", sections={})
    with pytest.raises(Forbidden, match="Only approved plans are public") as refused:
        plans.list_plans(deps, None, PageRequest(), status=PlanStatus.DRAFT)
    assert refused.value.rule == "OPM-2"
    assert [p.id for p in plans.list_plans(deps, OPM, PageRequest(), status=PlanStatus.DRAFT).items] == [draft.id]
    assert [p.id for p in plans.list_plans(deps, DSS, PageRequest(), status=PlanStatus.DRAFT).items] == [draft.id]
    assert plans.list_plans(deps, DCF, PageRequest(), status=PlanStatus.DRAFT).items == []


@pytest.mark.rule("OPM-2")
def test_a_vendor_asking_for_submitted_plans_is_forbidden_not_told_its_request_is_malformed(deps):
    # Given a vendor, whose role sees approved plans only
    vendor = Actor("vendor-user@acme", Role.VENDOR, "acme")

    # When it lists submitted plans / Then the refusal is a permission one (403), naming the status and the rule
    with pytest.raises(Forbidden) as refused:
        plans.list_plans(deps, vendor, PageRequest(), status=PlanStatus.SUBMITTED)
    assert refused.value.rule == "OPM-2" and refused.value.details == [
        {"field": "status", "problem": "needs an opm or agency token"}
    ]


@pytest.mark.rule("OPM-5")
def test_a_request_starts_the_review_workflow_and_emails_opm_the_due_date(deps):
    plan = approved(deps)
    request = waiver(deps, plan.id)
    assert deps.workflows.started == [("plan-amendment", f"amendment-{request.id}", {"amendment_id": request.id})]
    mail = deps.notifier.sent[-1]
    assert mail.to == (deps.mailboxes.opm_reviewers,) and mail.subject.endswith("review due Monday, March 23, 2026")


@pytest.mark.rule("OPM-4")
def test_a_late_request_stores_nothing_and_starts_nothing(deps):
    plan = approved(deps)
    deps.clock.advance(days=200)
    with pytest.raises(Conflict):
        waiver(deps, plan.id)
    assert deps.workflows.started == [] and plans.list_amendments(deps, DSS, PageRequest(), plan_id=plan.id).items == []


@pytest.mark.rule("OPM-5")
def test_nothing_changes_on_the_schedule_when_opm_approves(deps):
    plan = approved(deps)
    request = waiver(deps, plan.id)
    plans.decide_amendment(deps, OPM, request.id, approve=True, note="Granted.")
    assert plans.get_plan(deps, None, plan.id).public_schedule.number == 1


@pytest.mark.rule("OPM-5")
def test_only_opm_decides_a_request(deps):
    request = waiver(deps, approved(deps).id)
    with pytest.raises(Forbidden):
        plans.decide_amendment(deps, DSS, request.id, approve=True, note="Self-approved.")


@pytest.mark.rule("OPM-5")
def test_the_decision_answers_the_waiting_workflow(deps):
    request = waiver(deps, approved(deps).id)
    plans.await_decision(deps, "amendment-x", request.id, "token-1")
    plans.decide_amendment(deps, OPM, request.id, approve=False, note="Several providers exist.")
    assert deps.workflows.resumed == [("token-1", {"approved": False})]


@pytest.mark.rule("OPM-5")
def test_a_wait_that_starts_after_the_decision_is_answered_at_once(deps):
    request = waiver(deps, approved(deps).id)
    plans.decide_amendment(deps, OPM, request.id, approve=True, note="Granted.")
    plans.await_decision(deps, "amendment-x", request.id, "token-2")
    assert deps.workflows.resumed == [("token-2", {"approved": True})]


@pytest.mark.rule("OPM-5")
def test_the_reminder_goes_to_opm_once_even_if_the_task_is_retried(deps):
    request = waiver(deps, approved(deps).id)
    deps.clock.set(request.reminder_at)
    first = plans.remind_opm(deps, "amendment-x", request.id)
    again = plans.remind_opm(deps, "amendment-x", request.id)
    assert first["reminded"] and again["reminded"]
    assert first["until_due"] == int((request.review_due_at - request.reminder_at).total_seconds())
    assert [m.subject.startswith("Reminder") for m in deps.notifier.sent].count(True) == 1


@pytest.mark.rule("OPM-5")
def test_no_reminder_or_escalation_after_opm_decided(deps):
    request = waiver(deps, approved(deps).id)
    plans.decide_amendment(deps, OPM, request.id, approve=False, note="No.")
    sent = len(deps.notifier.sent)
    assert plans.remind_opm(deps, "amendment-x", request.id)["reminded"] is False
    assert plans.escalate_review(deps, "amendment-x", request.id) == {"escalated": False}
    assert len(deps.notifier.sent) == sent


@pytest.mark.rule("OPM-5")
def test_an_overdue_review_is_escalated_and_recorded(deps):
    request = waiver(deps, approved(deps).id)
    deps.clock.set(request.review_due_at + timedelta(seconds=1))
    assert plans.escalate_review(deps, "amendment-x", request.id) == {"escalated": True}
    assert deps.notifier.sent[-1].subject.startswith("Overdue")
    assert plans.get_amendment(deps, OPM, request.id).escalated_at == deps.clock.now()


@pytest.mark.rule("OPM-6")
def test_approval_opens_the_agencys_publication_task_by_email(deps):
    request = waiver(deps, approved(deps).id)
    plans.decide_amendment(deps, OPM, request.id, approve=True, note="Granted.")
    assert plans.notify_decision(deps, "amendment-x", request.id) == {"approved": True}
    mail = deps.notifier.sent[-1]
    assert mail.to == (AGENCY_CONTACT,) and "must now publish the amended procurement schedule" in mail.text
    assert f"/portal/amendments/{request.id}" in mail.text


@pytest.mark.rule("OPM-6")
def test_only_the_owning_agency_publishes_and_publication_resumes_the_workflow(deps):
    plan = approved(deps)
    request = waiver(deps, plan.id)
    plans.decide_amendment(deps, OPM, request.id, approve=True, note="Granted.")
    plans.await_publication(deps, "amendment-x", request.id, "token-p")
    with pytest.raises(NotFound):
        plans.publish_amendment(deps, DCF, request.id)
    with pytest.raises(Forbidden):
        plans.publish_amendment(deps, OPM, request.id)
    published_plan, published = plans.publish_amendment(deps, DSS, request.id)
    assert published.status is PlanAmendmentStatus.PUBLISHED and published_plan.public_schedule.number == 2
    assert deps.workflows.resumed[-1] == ("token-p", {"published": True})
    actions = [a.action for a in deps.store.audit_trail(f"plan:{plan.id}")]
    assert actions[-1] == "plan.schedule_published"


@pytest.mark.rule("OPM-7")
def test_contractors_are_notified_only_for_a_published_rescission(deps):
    plan = approved(deps)
    request = plans.request_amendment(
        deps,
        DSS,
        plan.id,
        service_id="SHELTER",
        change=ScheduleChange.TO_COMPETITIVE,
        reason="Open it up.",
        competitive_procurement_date=date(2026, 7, 1),
    )
    plans.decide_amendment(deps, OPM, request.id, approve=True, note="Compete it.")
    assert plans.notify_contractors(deps, "amendment-x", request.id) == {"notified": 0}
    plans.publish_amendment(deps, DSS, request.id)
    assert plans.notify_contractors(deps, "amendment-x", request.id) == {"notified": 1}
    assert plans.notify_contractors(deps, "amendment-x", request.id) == {"notified": 1}  # retried: no second email
    courtesy = [m for m in deps.notifier.sent if m.to == ("contracts@helping-hands.example",)]
    assert len(courtesy) == 1 and "competitively" in courtesy[0].subject


@pytest.mark.rule("OPM-4")
def test_a_waiver_never_emails_contractors(deps):
    plan = approved(deps)
    request = waiver(deps, plan.id)
    plans.decide_amendment(deps, OPM, request.id, approve=True, note="Granted.")
    plans.publish_amendment(deps, DSS, request.id)
    assert plans.notify_contractors(deps, "amendment-x", request.id) == {"notified": 0}


def test_opm_sees_its_review_queue(deps):
    request = waiver(deps, approved(deps).id)
    assert [a.id for a in plans.list_amendments(deps, OPM, PageRequest()).items] == [request.id]
    with pytest.raises(Forbidden):
        plans.list_amendments(deps, DSS, PageRequest())
