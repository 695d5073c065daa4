"""Faults during the opening, the award and the payment, under real executions (KMS at the opening: see
test_bid_and_award_races.py): DynamoDB throttled once is retried and the step
completes; throttled throughout, the step needs attention and resuming it completes it without doing anything twice;
SES down at the notice of award still forms the contract, and the notice reaches the bidder once, later."""

import datetime as dt

import pytest

from chalicelib.adapters.dynamo import DynamoStore
from chalicelib.domain.errors import TemporarilyUnavailable
from tests.workflows.test_invitation_to_bid import OPENING, award_two, bid, mails_to, published  # noqa: F401 - fixtures
from tests.workflows.test_outbox_delivery import ses_down  # noqa: F401 - fixture
from tests.workflows.test_payment import agency, at_local, contract, invoice, order, vendor  # noqa: F401 - fixtures


@pytest.fixture
def throttled_commits(monkeypatch):
    """DynamoDB throttles `state["failures"]` commits that write an entity change named `state["action"]`."""
    real = DynamoStore.commit
    state = {"action": None, "failures": 0, "refused": 0}

    def commit(self, actor, at, changes):
        if state["refused"] < state["failures"] and any(getattr(c, "action", None) == state["action"] for c in changes):
            state["refused"] += 1
            raise TemporarilyUnavailable("The database is busy; retry in 1 second(s).")
        return real(self, actor, at, changes)

    monkeypatch.setattr(DynamoStore, "commit", commit)
    return state


def bids_of_acme_and_bolt(api, sol_id):
    for org, prices in (("acme", ("30.00", "40.00")), ("bolt", ("25.00", "38.00"))):
        assert api.as_vendor(org).post(f"/solicitations/{sol_id}/bids", json=bid(*prices)).status == 201


def tabulations_to(stack, org):
    return [m for m in mails_to(stack, org) if m["subject"].startswith("Bid tabulation")]


@pytest.mark.rule("R-5n")
def test_a_throttled_opening_is_retried_and_opens_each_bid_once(api, stack, clock, published, throttled_commits):
    throttled_commits.update(action="bid.opened", failures=1)
    bids_of_acme_and_bolt(api, published["id"])
    clock.advance(to=OPENING)
    clock.advance(minutes=5)
    sol = api.get(f"/solicitations/{published['id']}").json
    assert (sol["status"], sol["bid_count"], throttled_commits["refused"]) == ("opened", 2, 1)
    trail = api.as_purchasing().get(f"/audit?entity=solicitation:{published['id']}").json["items"]
    assert [a["action"] for a in trail].count("solicitation.opened") == 1
    assert len(tabulations_to(stack, "acme")) == 1 and len(tabulations_to(stack, "bolt")) == 1


@pytest.mark.rule("R-5n")
def test_ses_down_at_the_opening_opens_the_bids_and_the_tabulation_emails_arrive_once_later(
    api, stack, clock, published, ses_down
):
    bids_of_acme_and_bolt(api, published["id"])
    clock.advance(to=OPENING - dt.timedelta(minutes=1))  # the notice went out long before
    ses_down["down"] = True
    clock.advance(to=OPENING)
    assert api.get(f"/solicitations/{published['id']}").json["status"] == "opened"
    assert tabulations_to(stack, "acme") == [] and api.as_purchasing().get("/attention").json["items"] == []
    ses_down["down"] = False
    clock.advance(minutes=2)
    clock.advance(hours=1)
    assert len(tabulations_to(stack, "acme")) == 1 and len(tabulations_to(stack, "bolt")) == 1


def notices_to_bolt(stack, award_id):
    return [m for m in mails_to(stack, "bolt") if m["subject"].startswith(f"Notice of award {award_id}")]


@pytest.mark.rule("R-9g")
def test_a_throttled_notice_of_award_is_retried_and_forms_one_contract_with_one_notice(
    api, stack, clock, published, throttled_commits
):
    throttled_commits.update(action="award.contracted", failures=1)
    award_id = award_two(api, clock, published["id"])
    clock.advance(minutes=5)
    award = api.as_purchasing().get(f"/awards/{award_id}").json
    assert award["status"] == "contracted" and throttled_commits["refused"] == 1
    assert len(notices_to_bolt(stack, award_id)) == 1
    assert api.as_purchasing().get("/attention").json["items"] == []


@pytest.mark.rule("R-9g")
def test_a_notice_of_award_throttled_throughout_needs_attention_and_resuming_it_forms_the_contract_once(
    api, stack, clock, published, throttled_commits
):
    throttled_commits.update(action="award.contracted", failures=1000)
    award_id = award_two(api, clock, published["id"])
    clock.advance(hours=1)
    (item,) = api.as_purchasing().get("/attention").json["items"]
    assert (
        item["error"] == "TemporarilyUnavailable"
        and api.as_purchasing().get(f"/awards/{award_id}").json["status"] != "contracted"
    )
    throttled_commits["failures"] = 0  # the database recovers
    assert api.as_purchasing().post(f"/attention/{item['id']}/resume").status == 200
    clock.advance(minutes=1)
    award = api.as_purchasing().get(f"/awards/{award_id}").json
    assert award["status"] == "contracted" and len(notices_to_bolt(stack, award_id)) == 1


@pytest.mark.rule("R-9a")
def test_ses_down_at_the_notice_of_award_still_forms_the_contract_and_the_notice_arrives_once_later(
    api, stack, clock, published, ses_down
):
    sol_id = published["id"]
    bids_of_acme_and_bolt(api, sol_id)
    clock.advance(to=OPENING)
    clock.advance(hours=1)  # the tabulation emails went out
    ses_down["down"] = True
    reply = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={})
    assert reply.status == 201, reply.json
    award_id = reply.json["awards"][0]["id"]
    award = api.as_purchasing().get(f"/awards/{award_id}").json
    assert award["status"] == "contracted" and notices_to_bolt(stack, award_id) == []
    assert api.as_purchasing().get("/attention").json["items"] == []  # a mail failure is not a workflow failure
    ses_down["down"] = False
    clock.advance(minutes=2)
    assert len(notices_to_bolt(stack, award_id)) == 1
    clock.advance(hours=1)
    assert len(notices_to_bolt(stack, award_id)) == 1


@pytest.mark.rule("R-13a")
def test_a_throttled_payment_reminder_is_retried_and_sent_once(agency, clock, stack, invoice, throttled_commits):
    throttled_commits.update(action="invoice.payment_reminder_sent", failures=2)
    clock.advance(to=at_local("2026-04-06", 12))  # the 10-day reminder before the 16 April due date
    reminders = [m for m in stack.outbox() if m["subject"].startswith(f"Payment due in 10 days: invoice {invoice['id']}")]
    assert len(reminders) == 1 and throttled_commits["refused"] == 2
    assert stack.execution("invoice-payment", f"invoice-{invoice['id']}")["status"] == "RUNNING"


@pytest.mark.rule("R-13c")
def test_a_payment_clock_throttled_throughout_needs_attention_and_resumes_to_the_overdue_notice(
    api, agency, clock, stack, invoice, throttled_commits
):
    throttled_commits.update(action="invoice.overdue", failures=1000)
    clock.advance(to=at_local("2026-04-17", 12))
    (item,) = api.as_purchasing().get("/attention").json["items"]
    assert item["process"] == "invoice-payment" and item["error"] == "TemporarilyUnavailable"
    throttled_commits["failures"] = 0
    assert api.as_purchasing().post(f"/attention/{item['id']}/resume").status == 200
    clock.advance(minutes=1)
    assert agency.get(f"/invoices/{invoice['id']}").json["status"] == "overdue"
    assert len([m for m in stack.outbox() if m["subject"].startswith(f"Payment overdue: invoice {invoice['id']}")]) == 1
