"""The plan-amendment state machine under virtual time: review timers over Connecticut holidays, OPM's
written decision, the agency's publication and the courtesy email of a rescinded waiver (OPM-4 to OPM-7)."""

from datetime import UTC, datetime

import pytest

PROCESS = "plan-amendment"
OPM_REVIEWERS = "opm-reviewers@example.gov"
AGENCY_CONTACT = "procurement@dss.example.gov"
CONTRACTOR = "contracts@helping-hands.example"


def narrative(text):
    return {"text": text}


PLAN = {
    "period": "FY 26-28",
    "agency_overview": narrative("Social services for Connecticut residents."),
    "needs_assessment": narrative("Caseloads grow 4% a year."),
    "procurement_schedule": [
        {
            "service_id": "HOME-CARE",
            "description": "Home care for elders",
            "service_type": "POS",
            "method": "competitive",
            "competitive_procurement_date": "2026-09-15",
            "current_contractors": [{"name": "Elder Help Inc", "email": "bids@elderhelp.example"}],
        },
        {
            "service_id": "SHELTER",
            "description": "Emergency shelter",
            "service_type": "POS",
            "method": "non_competitive",
            "current_contractors": [{"name": "Helping Hands", "email": CONTRACTOR}],
        },
        {
            "service_id": "AUDIT",
            "description": "Program audit",
            "service_type": "PSA",
            "method": "competitive",
            "competitive_procurement_date": "2026-06-01",
            "current_contractors": [],
        },
    ],
    "competition_strategy": narrative("RFPs on the State Contracting Portal."),
    "waiver_justifications": [{"service_id": "SHELTER", "basis": "Single provider with licensed beds in the region."}],
    "evaluation_and_selection": narrative("Scored by a panel of three."),
    "contract_monitoring": narrative("Quarterly reports and site visits."),
    "contact": {"name": "Pat Doe", "email": AGENCY_CONTACT},
}


def approved_plan(api):
    dss, opm = api.as_("agency", "DSS"), api.as_("opm", "OPM")
    plan = dss.post("/plans", json=PLAN)
    assert plan.status == 201, plan.json
    plan_id = plan.json["id"]
    assert dss.post(f"/plans/{plan_id}/submit").status == 200
    assert opm.post(f"/plans/{plan_id}/approve", json={"note": "Approved as filed."}).status == 200
    return plan_id


def request(api, plan_id, service_id, change, **extra):
    return api.as_("agency", "DSS").post(
        f"/plans/{plan_id}/amendments",
        json={"service_id": service_id, "change": change, "reason": "Program redesign.", **extra},
    )


def subjects(stack, to):
    return [m["subject"] for m in stack.outbox() if to in m["to"]]


@pytest.mark.rule("OPM-5")
@pytest.mark.start(datetime(2026, 4, 2, 15, 0, tzinfo=UTC))  # Thursday before Good Friday
def test_a_request_filed_before_the_good_friday_weekend_is_due_fifteen_business_days_later(api, stack, clock):
    plan_id = approved_plan(api)
    reply = request(api, plan_id, "HOME-CARE", "to_non_competitive")
    assert reply.status == 201, reply.json
    amendment = reply.json
    # Good Friday (Apr 3) and the weekend are not business days: Apr 6 is the first, Apr 24 the fifteenth.
    assert amendment["review_due_at"].startswith("2026-04-24T23:59:59")
    assert amendment["reminder_at"].startswith("2026-04-22T09:00:00")
    assert any("review due Friday, April 24, 2026" in s for s in subjects(stack, OPM_REVIEWERS))

    clock.advance(days=19, hours=21)  # Wednesday Apr 22, 08:00 local: before the reminder
    assert not any(s.startswith("Reminder") for s in subjects(stack, OPM_REVIEWERS))
    clock.advance(hours=1)  # Apr 22, 09:00 local: two business days before the due date
    assert [s for s in subjects(stack, OPM_REVIEWERS) if s.startswith("Reminder")] == [
        f"Reminder: Request To Amend Procurement Schedule {amendment['id']} is due Friday, April 24, 2026"
    ]
    clock.advance(days=2, hours=14, minutes=59)  # Friday Apr 24, 23:59 local: still within the review period
    assert not any(s.startswith("Overdue") for s in subjects(stack, OPM_REVIEWERS))
    clock.advance(minutes=1)
    assert any(s.startswith("Overdue") for s in subjects(stack, OPM_REVIEWERS))
    stored = api.as_("opm", "OPM").get(f"/amendments/{amendment['id']}").json
    assert stored["reminded_at"] and stored["escalated_at"] and stored["status"] == "under_review"


@pytest.mark.rule("OPM-4")
def test_a_late_waiver_request_is_rejected_with_the_last_allowed_date(api, stack):
    plan_id = approved_plan(api)  # today is 2026-03-02; AUDIT is competed on 2026-06-01
    reply = request(api, plan_id, "AUDIT", "to_non_competitive")
    assert reply.status == 409, reply.json
    assert reply.json["Code"] == "DeadlinePassed" and reply.json["rule"] == "OPM-4"
    assert "2026-03-01" in reply.json["Message"]
    assert reply.json["details"][0]["last_allowed_date"] == "2026-03-01"
    assert api.as_("agency", "DSS").get(f"/plans/{plan_id}/amendments").json["items"] == []
    assert stack.executions(PROCESS) == []


@pytest.mark.rule("OPM-5")
@pytest.mark.rule("OPM-6")
def test_an_approved_waiver_changes_the_public_schedule_only_once_the_agency_publishes_it(api, stack, clock):
    plan_id = approved_plan(api)
    amendment = request(api, plan_id, "HOME-CARE", "to_non_competitive").json
    public = api.get(f"/plans/{plan_id}").json
    assert public["schedule_version"] == 1

    decided = api.as_("opm", "OPM").post(f"/amendments/{amendment['id']}/approve", json={"note": "Waiver granted until FY 29."})
    assert decided.status == 200 and decided.json["status"] == "approved" and decided.json["publication_due"] is True
    assert subjects(stack, AGENCY_CONTACT)[-1] == (
        f"Request To Amend Procurement Schedule {amendment['id']} approved: publish the amended schedule"
    )
    home_care = next(s for s in api.get(f"/plans/{plan_id}").json["procurement_schedule"] if s["service_id"] == "HOME-CARE")
    assert home_care["method"] == "competitive"  # approved is not yet published

    published = api.as_("agency", "DSS").post(f"/amendments/{amendment['id']}/publish")
    assert published.status == 200 and published.json["schedule_version"] == 2
    public = api.get(f"/plans/{plan_id}").json
    assert public["schedule_version"] == 2
    assert next(s for s in public["procurement_schedule"] if s["service_id"] == "HOME-CARE")["method"] == "non_competitive"
    assert api.get(f"/plans/{plan_id}/schedule/versions/1").json["services"][0]["method"] == "competitive"
    assert [v["source"] for v in api.get(f"/plans/{plan_id}/schedule/versions").json["items"]] == ["plan", amendment["id"]]
    assert stack.execution(PROCESS, f"amendment-{amendment['id']}")["status"] == "SUCCEEDED"
    assert not any(CONTRACTOR in m["to"] or "bids@elderhelp.example" in m["to"] for m in stack.outbox())

    clock.advance(days=30)  # the decided review sends no reminder or escalation
    assert not any(s.startswith(("Reminder", "Overdue")) for s in subjects(stack, OPM_REVIEWERS))


@pytest.mark.rule("OPM-5")
def test_a_denied_request_leaves_the_schedule_unchanged_and_tells_the_agency_why(api, stack):
    plan_id = approved_plan(api)
    amendment = request(api, plan_id, "HOME-CARE", "to_non_competitive").json
    denied = api.as_("opm", "OPM").post(f"/amendments/{amendment['id']}/deny", json={"note": "Several providers exist."})
    assert denied.status == 200 and denied.json["status"] == "denied"
    mail = [m for m in stack.outbox() if AGENCY_CONTACT in m["to"]][-1]
    assert mail["subject"].endswith("denied") and "Several providers exist." in mail["text"]
    assert api.get(f"/plans/{plan_id}/schedule/versions").json["items"][-1]["number"] == 1
    assert api.as_("agency", "DSS").post(f"/amendments/{amendment['id']}/publish").status == 409
    assert stack.execution(PROCESS, f"amendment-{amendment['id']}")["status"] == "SUCCEEDED"


@pytest.mark.rule("OPM-7")
def test_a_rescinded_waiver_is_published_and_its_current_contractor_gets_a_courtesy_email(api, stack, clock):
    plan_id = approved_plan(api)
    clock.advance(days=60)  # any time: no three-month limit in this direction
    amendment = request(api, plan_id, "SHELTER", "to_competitive", competitive_procurement_date="2026-07-01")
    assert amendment.status == 201, amendment.json
    amendment_id = amendment.json["id"]
    assert api.as_("opm", "OPM").post(f"/amendments/{amendment_id}/approve", json={"note": "Compete it."}).status == 200
    assert not any(CONTRACTOR in m["to"] for m in stack.outbox())  # not before publication

    assert api.as_("agency", "DSS").post(f"/amendments/{amendment_id}/publish").status == 200
    (courtesy,) = [m for m in stack.outbox() if m["to"] == [CONTRACTOR]]
    assert courtesy["subject"] == "DSS will procure Emergency shelter competitively"
    assert "Wednesday, July 1, 2026" in courtesy["text"] and f"/plans/{plan_id}/schedule/versions/2" in courtesy["text"]
    shelter = next(s for s in api.get(f"/plans/{plan_id}").json["procurement_schedule"] if s["service_id"] == "SHELTER")
    assert shelter["method"] == "competitive" and shelter["competitive_procurement_date"] == "2026-07-01"
    events = [e["type"] for e in stack.history(PROCESS, f"amendment-{amendment_id}")]
    assert events[-1] == "ExecutionSucceeded"


@pytest.mark.rule("OPM-5")
def test_a_decision_after_the_reminder_ends_the_review_without_an_escalation(api, stack, clock):
    plan_id = approved_plan(api)
    amendment = request(api, plan_id, "HOME-CARE", "to_non_competitive").json  # due Monday, March 23
    clock.advance(days=17)  # Thursday, March 19, 09:00 local: reminded
    assert any(s.startswith("Reminder") for s in subjects(stack, OPM_REVIEWERS))
    assert api.as_("opm", "OPM").post(f"/amendments/{amendment['id']}/deny", json={"note": "Compete it."}).status == 200
    assert subjects(stack, AGENCY_CONTACT)[-1].endswith("denied")
    clock.advance(days=10)
    assert not any(s.startswith("Overdue") for s in subjects(stack, OPM_REVIEWERS))
    assert stack.execution(PROCESS, f"amendment-{amendment['id']}")["status"] == "SUCCEEDED"
