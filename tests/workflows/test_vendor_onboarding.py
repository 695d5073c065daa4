"""The vendor-onboarding state machine, executed by moto under virtual time."""

from local.fein import fein_for

REGISTRATION = {
    "legal_name": "Acme Office Supply LLC",
    "fein": fein_for("acme"),
    "contact_email": "bids@acme.example",
    "commodity_codes": ["61500", "615"],
}


def register(api, org="acme"):
    reply = api.as_vendor(org).post("/vendors", json={**REGISTRATION, "fein": fein_for(org)})
    assert reply.status == 201, reply.json
    return reply.json


def test_registration_emails_a_confirmation_code_at_once(api, stack):
    vendor = register(api)
    (mail,) = stack.outbox()
    assert mail["to"] == ["bids@acme.example"]
    assert mail["subject"] == f"Confirm your vendor registration {vendor['id']}"


def test_the_email_reaches_the_mail_service_with_its_text_and_html_parts(api, stack):
    # Given a registration / When its confirmation email is sent through SES / Then both parts arrive, with the same code
    register(api)
    (mail,) = stack.outbox()
    code = mail["text"].split("Confirmation code: ")[1].split()[0]
    assert mail["html"].startswith("<!DOCTYPE html>") and f">{code}</strong>" in mail["html"]


def test_reminder_is_not_sent_before_seven_days_have_passed(api, stack, clock):
    register(api)
    clock.advance(days=6, hours=23, minutes=59)
    assert len(stack.outbox()) == 1


def test_reminder_is_sent_when_the_clock_passes_seven_days(api, stack, clock):
    vendor = register(api)
    clock.advance(days=7)
    assert [m["subject"] for m in stack.outbox()][-1] == f"Reminder: confirm your vendor registration {vendor['id']}"
    assert stack.execution("vendor-onboarding", f"vendor-{vendor['id']}")["status"] == "SUCCEEDED"


def test_confirmed_vendor_gets_no_reminder_and_the_workflow_ends(api, stack, clock):
    vendor = register(api)
    code = stack.outbox()[0]["text"].split("Confirmation code: ")[1].split()[0]
    reply = api.as_vendor("acme").post(f"/vendors/{vendor['id']}/confirm", json={"code": code})
    assert reply.status == 200 and reply.json["status"] == "active"
    clock.advance(days=30)
    assert len(stack.outbox()) == 1
    events = [e["type"] for e in stack.history("vendor-onboarding", f"vendor-{vendor['id']}")]
    assert "TaskSucceeded" in events and events[-1] == "ExecutionSucceeded"


def test_many_reminders_due_at_the_same_instant_all_go_out(api, stack, clock):
    for n in range(40):
        register(api, org=f"vendor-{n}")
    clock.advance(days=7)
    statuses = [e["status"] for e in stack.executions("vendor-onboarding")]
    assert statuses == ["SUCCEEDED"] * 40
    assert sum(m["subject"].startswith("Reminder") for m in stack.outbox()) == 40
