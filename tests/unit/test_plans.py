"""Procurement plan rules (OPM-1 to OPM-3), pure domain."""

import dataclasses
from datetime import UTC, date, datetime

import pytest

from chalicelib.domain import plans
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.plans import (
    COMPONENTS,
    Contractor,
    Narrative,
    PlanContact,
    PlanStatus,
    ProcurementMethod,
    ScheduledService,
    ServiceType,
    WaiverJustification,
)

NOW = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)
HOME_CARE = ScheduledService(
    "HOME-CARE",
    "Home care for elders",
    ServiceType.POS,
    ProcurementMethod.COMPETITIVE,
    date(2026, 9, 15),
    (Contractor("Elder Help Inc", "bids@elderhelp.example"),),
)
SHELTER = ScheduledService(
    "SHELTER",
    "Emergency shelter",
    ServiceType.POS,
    ProcurementMethod.NON_COMPETITIVE,
    None,
    (Contractor("Helping Hands", "contracts@helping-hands.example"),),
)


def complete_sections(**overrides):
    sections = {
        "agency_overview": Narrative("Social services."),
        "needs_assessment": Narrative("Caseloads grow."),
        "procurement_schedule": (HOME_CARE, SHELTER),
        "competition_strategy": Narrative("RFPs on the portal."),
        "waiver_justifications": (WaiverJustification("SHELTER", "Only licensed provider."),),
        "evaluation_and_selection": Narrative("Panel of three."),
        "contract_monitoring": Narrative("Quarterly reports."),
        "contact": PlanContact("Pat Doe", "procurement@dss.example.gov"),
    }
    sections.update(overrides)
    return sections


def draft(**overrides):
    return plans.new_plan(plan_id="PLAN-1", agency="DSS", period="FY 26-28", sections=complete_sections(**overrides), now=NOW)


def submitted(**overrides):
    return plans.submit(draft(**overrides), NOW)


@pytest.mark.rule("OPM-1")
def test_a_plan_has_eight_required_components_and_the_schedule_is_one_of_them():
    assert len(COMPONENTS) == 8 and "procurement_schedule" in COMPONENTS


@pytest.mark.rule("OPM-1")
def test_a_new_plan_is_a_draft_of_the_agency_for_its_period():
    plan = draft()
    assert (plan.agency, plan.period, plan.status) == ("DSS", "FY 26-28", PlanStatus.DRAFT)
    assert not plan.is_public


@pytest.mark.rule("OPM-1")
@pytest.mark.parametrize("period", ["FY 20-21", "2020-2022", "FY20-22", "FY 2020-22"])
def test_a_period_must_be_three_fiscal_years_written_like_fy_20_22(period):
    with pytest.raises(ValidationFailed) as refused:
        plans.check_period(period)
    assert refused.value.rule == "OPM-1"


def test_a_period_across_the_century_is_accepted():
    assert plans.check_period("FY 99-01") == "FY 99-01"


@pytest.mark.rule("OPM-1")
def test_a_complete_plan_can_be_submitted():
    plan = submitted()
    assert plan.status is PlanStatus.SUBMITTED and plan.submitted_at == NOW and plan.submissions == 1


@pytest.mark.rule("OPM-1")
def test_submission_with_missing_components_is_rejected_listing_each_one():
    plan = plans.new_plan(
        plan_id="PLAN-1", agency="DSS", period="FY 26-28", sections={"agency_overview": Narrative("Social services.")}, now=NOW
    )
    with pytest.raises(ValidationFailed) as refused:
        plans.submit(plan, NOW)
    assert refused.value.rule == "OPM-1"
    assert [d["field"] for d in refused.value.details] == [c for c in COMPONENTS if c != "agency_overview"]
    assert "needs_assessment" in refused.value.message


@pytest.mark.rule("OPM-1")
def test_an_empty_schedule_counts_as_missing():
    with pytest.raises(ValidationFailed) as refused:
        submitted(procurement_schedule=(), waiver_justifications=())
    assert refused.value.details == [{"field": "procurement_schedule", "problem": "lists no service"}]


@pytest.mark.rule("OPM-1")
def test_every_non_competitive_service_needs_a_waiver_justification():
    with pytest.raises(ValidationFailed) as refused:
        submitted(waiver_justifications=())
    assert refused.value.details == [
        {"field": "waiver_justifications", "problem": "non-competitive service SHELTER has no justification"}
    ]


def test_a_plan_of_only_competitive_services_needs_no_justification():
    assert submitted(procurement_schedule=(HOME_CARE,), waiver_justifications=()).status is PlanStatus.SUBMITTED


@pytest.mark.rule("OPM-3")
def test_a_competitive_service_needs_its_scheduled_competitive_procurement_date():
    undated = dataclasses.replace(HOME_CARE, competitive_procurement_date=None)
    with pytest.raises(ValidationFailed) as refused:
        draft(procurement_schedule=(undated,))
    assert refused.value.rule == "OPM-3"
    assert refused.value.details[0]["field"] == "procurement_schedule[0].competitive_procurement_date"


@pytest.mark.rule("OPM-3")
def test_schedule_lines_are_checked_for_duplicates_blank_descriptions_and_contractor_emails():
    bad = dataclasses.replace(
        SHELTER, service_id="HOME-CARE", description=" ", current_contractors=(Contractor("Helping Hands", "not-an-email"),)
    )
    problems = plans.schedule_problems((HOME_CARE, bad))
    assert {p["field"] for p in problems} == {
        "procurement_schedule[1].service_id",
        "procurement_schedule[1].description",
        "procurement_schedule[1].current_contractors[0].email",
    }


def test_a_contact_without_an_email_address_is_malformed():
    with pytest.raises(ValidationFailed) as refused:
        draft(contact=PlanContact("Pat Doe", "nobody"))
    assert refused.value.details == [
        {"field": "contact.email", "problem": "is not an email address: An email address must have an @-sign."}
    ]


@pytest.mark.rule("OPM-1")
def test_a_submitted_plan_cannot_be_edited_or_submitted_again():
    plan = submitted()
    with pytest.raises(Conflict):
        plans.edit(plan, {"needs_assessment": Narrative("Changed.")})
    with pytest.raises(Conflict):
        plans.submit(plan, NOW)


@pytest.mark.rule("OPM-2")
def test_approval_makes_the_plan_public_with_its_schedule_as_version_one():
    plan = plans.approve(submitted(), NOW, "opm-user", "Approved as filed.")
    assert plan.status is PlanStatus.APPROVED and plan.is_public
    assert plan.public_schedule.number == 1 and plan.public_schedule.source == "plan"
    assert plan.public_schedule.services == (HOME_CARE, SHELTER) and plan.public_schedule.published_at == NOW


@pytest.mark.rule("OPM-1")
def test_opm_approves_only_in_writing():
    with pytest.raises(ValidationFailed):
        plans.approve(submitted(), NOW, "opm-user", "  ")


@pytest.mark.rule("OPM-1")
def test_a_returned_plan_keeps_the_reasons_and_can_be_edited_and_resubmitted():
    returned = plans.return_to_agency(submitted(), NOW, "opm-user", ["Schedule lacks FY 28 services.", " "])
    assert returned.status is PlanStatus.RETURNED and returned.return_reasons == ("Schedule lacks FY 28 services.",)
    assert not returned.is_public
    edited = plans.edit(returned, {"needs_assessment": Narrative("Updated.")})
    assert plans.submit(edited, NOW).submissions == 2


@pytest.mark.rule("OPM-1")
def test_a_plan_is_returned_only_with_a_reason():
    with pytest.raises(ValidationFailed) as refused:
        plans.return_to_agency(submitted(), NOW, "opm-user", [""])
    assert refused.value.details[0]["field"] == "reasons"


@pytest.mark.rule("OPM-1")
def test_only_a_submitted_plan_is_decided():
    with pytest.raises(Conflict):
        plans.approve(draft(), NOW, "opm-user", "ok")


@pytest.mark.rule("OPM-4")
def test_an_approved_plan_changes_only_by_amendment():
    approved = plans.approve(submitted(), NOW, "opm-user", "ok")
    with pytest.raises(Conflict) as refused:
        plans.edit(approved, {"needs_assessment": Narrative("Changed.")})
    assert "Request To Amend Procurement Schedule" in refused.value.message


@pytest.mark.rule("OPM-3")
def test_each_published_change_adds_a_schedule_version_and_keeps_the_older_ones():
    approved = plans.approve(submitted(), NOW, "opm-user", "ok")
    later = datetime(2026, 4, 1, tzinfo=UTC)
    amended = plans.add_schedule_version(approved, (HOME_CARE,), later, source="RAPS-1")
    assert [v.number for v in amended.schedule_versions] == [1, 2]
    assert amended.public_schedule.services == (HOME_CARE,) and amended.schedule_version(1).services == (HOME_CARE, SHELTER)
