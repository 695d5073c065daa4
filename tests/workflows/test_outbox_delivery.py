"""The outbox on the emulated stack: a mail-service failure never fails the change that caused the email, the email is
delivered once by the scheduled worker, and notices to every vendor are broadcast by the worker, not the request."""

import pytest

from tests.performance_support import CONTRACTOR_EMAIL
from tests.workflows.test_payment import agency, at_local, contract, invoice, order, vendor  # noqa: F401 - fixtures


@pytest.fixture
def ses_down(monkeypatch):
    """SES answers Throttling while a test sets `state["down"]`; every attempt is counted."""
    from moto.ses.exceptions import SesError
    from moto.ses.models import SESBackend

    real = SESBackend.send_email
    state = {"down": False, "attempts": 0}

    def send_email(self, *args, **kwargs):
        state["attempts"] += 1
        if state["down"]:
            raise SesError("Throttling", "Maximum sending rate exceeded.")
        return real(self, *args, **kwargs)

    monkeypatch.setattr(SESBackend, "send_email", send_email)
    return state


def interest_mails(stack, interest_id):
    return [m for m in stack.outbox() if m["subject"].startswith(f"Interest invoice {interest_id}")]


@pytest.mark.rule("R-13c")
def test_a_late_payment_is_recorded_when_the_mail_service_fails_and_the_interest_invoice_is_emailed_once_later(
    agency, clock, stack, invoice, ses_down
):
    # Given SES throttles / When the agency records a late payment
    clock.advance(to=at_local("2026-05-16"))
    ses_down["down"] = True
    reply = agency.post(f"/invoices/{invoice['id']}/payments", json={"amount": "1000.00"})
    # Then the payment and the interest invoice are stored and its clock runs; no email yet
    assert reply.status == 201, reply.json
    interest = reply.json["interest_invoice"]
    assert agency.get(f"/invoices/{invoice['id']}").json["status"] == "paid"
    assert stack.execution("invoice-payment", f"invoice-{interest['id']}")["status"] == "RUNNING"
    assert interest_mails(stack, interest["id"]) == []
    # When SES is back and the worker runs after the retry delay / Then the contractor gets the email exactly once
    ses_down["down"] = False
    clock.advance(minutes=2)
    clock.advance(hours=3)
    (mail,) = interest_mails(stack, interest["id"])
    assert mail["to"] == [CONTRACTOR_EMAIL]


def test_an_email_failing_for_hours_is_kept_and_purchasing_sees_it_in_attention(api, agency, clock, stack, invoice, ses_down):
    clock.advance(to=at_local("2026-05-16"))
    ses_down["down"] = True
    interest = agency.post(f"/invoices/{invoice['id']}/payments", json={"amount": "1000.00"}).json["interest_invoice"]
    clock.advance(hours=3)
    (item,) = [i for i in api.as_purchasing().get("/attention").json["items"] if i["process"] == "outbox"]
    assert item["execution"] == f"invoice-{interest['id']}:issued" and "The email service is busy" in item["cause"]
    # When SES is back and purchasing resumes it / Then it is sent at once, once
    ses_down["down"] = False
    assert api.as_purchasing().post(f"/attention/{item['id']}/resume").status == 200
    assert len(interest_mails(stack, interest["id"])) == 1
    clock.advance(hours=2)
    assert len(interest_mails(stack, interest["id"])) == 1
