"""The shared fault policy under real executions: transient errors are retried; what still fails needs attention,
purchasing is told, and resuming runs the failed step again without redoing finished work."""

import pytest

from chalicelib.domain.errors import TemporarilyUnavailable
from chalicelib.services import vendors
from local.fein import fein_for

REGISTRATION = {
    "legal_name": "Acme Office Supply LLC",
    "fein": fein_for("acme"),
    "contact_email": "bids@acme.example",
    "commodity_codes": ["61500"],
}


@pytest.fixture
def faulty_reminder(monkeypatch):
    """The 7-day reminder task fails with Throttled `failures` times, then works."""
    real = vendors.send_confirmation_reminder
    state = {"failures": 0, "calls": 0}

    def flaky(*args, **kwargs):
        state["calls"] += 1
        if state["calls"] <= state["failures"]:
            raise TemporarilyUnavailable("Rate exceeded")
        return real(*args, **kwargs)

    monkeypatch.setattr(vendors, "send_confirmation_reminder", flaky)
    return state


def register_and_wait_for_the_reminder(api, clock) -> str:
    reply = api.as_vendor("acme").post("/vendors", json=REGISTRATION)
    assert reply.status == 201, reply.json
    clock.advance(days=7)
    return reply.json["id"]


def reminders(stack) -> list:
    return [m for m in stack.outbox() if m["subject"].startswith("Reminder")]


def test_a_throttle_once_is_retried_and_the_step_completes(api, stack, clock, faulty_reminder):
    faulty_reminder["failures"] = 1
    vendor_id = register_and_wait_for_the_reminder(api, clock)
    clock.advance(minutes=5)
    assert len(reminders(stack)) == 1
    assert stack.execution("vendor-onboarding", f"vendor-{vendor_id}")["status"] == "SUCCEEDED"
    assert api.as_purchasing().get("/attention").json["items"] == []


def test_a_step_failing_after_every_retry_needs_attention_and_purchasing_is_emailed(api, stack, clock, faulty_reminder):
    faulty_reminder["failures"] = 1000
    vendor_id = register_and_wait_for_the_reminder(api, clock)
    clock.advance(hours=1)
    assert stack.execution("vendor-onboarding", f"vendor-{vendor_id}")["status"] == "RUNNING"
    (item,) = api.as_purchasing().get("/attention").json["items"]
    assert (item["process"], item["state"], item["error"], item["status"]) == (
        "vendor-onboarding",
        "Remind the vendor to confirm",
        "TemporarilyUnavailable",
        "open",
    )
    assert faulty_reminder["calls"] == 9  # the first try and 8 retries of the transient class
    (alert,) = [m for m in stack.outbox() if m["to"] == ["purchasing@example.gov"]]
    assert "Remind the vendor to confirm" in alert["subject"] and item["id"] in alert["text"]


def test_resuming_runs_the_failed_step_again_and_the_execution_finishes(api, stack, clock, faulty_reminder):
    faulty_reminder["failures"] = 1000
    vendor_id = register_and_wait_for_the_reminder(api, clock)
    clock.advance(hours=1)
    (item,) = api.as_purchasing().get("/attention").json["items"]
    faulty_reminder["failures"] = 0  # the cause is fixed
    reply = api.as_purchasing().post(f"/attention/{item['id']}/resume")
    assert reply.status == 200 and reply.json["status"] == "resumed" and reply.json["resumed_by"] == "purchasing-user@DAS-BOP"
    clock.advance(minutes=1)
    assert len(reminders(stack)) == 1
    assert stack.execution("vendor-onboarding", f"vendor-{vendor_id}")["status"] == "SUCCEEDED"
    assert api.as_purchasing().get("/attention").json["items"] == []


def test_resuming_twice_is_refused_with_409(api, clock, faulty_reminder):
    faulty_reminder["failures"] = 1000
    register_and_wait_for_the_reminder(api, clock)
    clock.advance(hours=1)
    (item,) = api.as_purchasing().get("/attention").json["items"]
    faulty_reminder["failures"] = 0
    assert api.as_purchasing().post(f"/attention/{item['id']}/resume").status == 200
    assert api.as_purchasing().post(f"/attention/{item['id']}/resume").status == 409


def test_only_purchasing_sees_and_resumes_workflow_steps(api):
    assert api.as_vendor("acme").get("/attention").status == 403
    assert api.as_("agency", "DSS").post("/attention/NA-1/resume").status == 403
