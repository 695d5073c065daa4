"""Errors say what happened: a failure is never replayed as the answer, DynamoDB's refusals become clear 4xx/503."""

import dataclasses

import botocore.client
import pytest
from botocore.exceptions import ClientError

from chalicelib.adapters.dynamo import ENTITY_LIMIT_BYTES, DynamoStore
from chalicelib.services import vendors
from local.fein import fein_for
from tests.workflows.test_plan_amendments import PLAN

GOOD = {
    "legal_name": "Acme Office Supply LLC",
    "fein": fein_for("acme"),
    "contact_email": "bids@acme.example",
    "commodity_codes": ["61500"],
}


def failing_once(monkeypatch, owner, name, error):
    """`owner.name` raises `error` on its first call only."""
    original, calls = getattr(owner, name), []

    def fail_then_work(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise error
        return original(*args, **kwargs)

    monkeypatch.setattr(owner, name, fail_then_work)


def botocore_raising(monkeypatch, operation: str, code: str):
    """Every `operation` call to AWS fails with the botocore error `code` (after botocore's own retries)."""
    original = botocore.client.BaseClient._make_api_call

    def make_api_call(self, operation_name, api_params):
        if operation_name == operation:
            raise ClientError(
                {"Error": {"Code": code, "Message": "Rate of requests exceeds the allowed throughput."}}, operation_name
            )
        return original(self, operation_name, api_params)

    monkeypatch.setattr(botocore.client.BaseClient, "_make_api_call", make_api_call)


def test_a_500_is_not_replayed_so_a_retry_with_the_same_key_runs_again_and_succeeds(api, stack, monkeypatch):
    # Given registration fails once with an unexpected error
    failing_once(monkeypatch, vendors.rules, "new_vendor", RuntimeError("boom"))
    acme = api.as_vendor("acme")
    first = acme.post("/vendors", json=GOOD, headers={"Idempotency-Key": "k-500"})

    # When the client retries with the same key, as advised
    retry = acme.post("/vendors", json=GOOD, headers={"Idempotency-Key": "k-500"})

    # Then the first answer was a 500, and the retry ran again and registered the vendor
    assert first.status == 500 and first.json["Code"] == "InternalError"
    assert retry.status == 201 and "Idempotent-Replayed" not in retry.headers
    assert len(stack.executions("vendor-onboarding")) == 1


def test_a_409_is_not_replayed_so_a_retry_with_the_same_key_is_decided_again(api):
    # Given OPM tries to approve a plan the agency has not submitted yet, with an Idempotency-Key
    dss, opm = api.as_("agency", "DSS"), api.as_("opm", "OPM")
    plan_id = dss.post("/plans", json=PLAN).json["id"]
    early = opm.post(f"/plans/{plan_id}/approve", json={"note": "Approved."}, headers={"Idempotency-Key": "k-409"})

    # When the agency submits and OPM retries with the same key
    dss.post(f"/plans/{plan_id}/submit")
    retry = opm.post(f"/plans/{plan_id}/approve", json={"note": "Approved."}, headers={"Idempotency-Key": "k-409"})

    # Then the conflict was answered once, and the retry approved the plan
    assert early.status == 409
    assert retry.status == 200 and retry.json["status"] == "approved" and "Idempotent-Replayed" not in retry.headers


def test_a_deterministic_4xx_is_still_replayed(api):
    # Given a registration refused for its content, with a key
    acme = api.as_vendor("acme")
    bad = {**GOOD, "contact_email": "not-an-address"}
    first = acme.post("/vendors", json=bad, headers={"Idempotency-Key": "k-400"})

    # When it is retried with the same key / Then the same refusal is replayed
    again = acme.post("/vendors", json=bad, headers={"Idempotency-Key": "k-400"})
    assert first.status == again.status == 400 and again.headers.get("Idempotent-Replayed") == "true"


def test_a_record_changed_by_another_request_on_every_attempt_answers_409_naming_it_without_html(api, monkeypatch):
    # Given every read of the plan returns a version that another request has already replaced
    dss = api.as_("agency", "DSS")
    plan_id = dss.post("/plans", json=PLAN).json["id"]
    original_get = DynamoStore.get
    monkeypatch.setattr(
        DynamoStore, "get", lambda self, cls, entity_id: dataclasses.replace(original_get(self, cls, entity_id), version=0)
    )

    # When the agency edits it
    reply = dss.patch(f"/plans/{plan_id}", json={"needs_assessment": {"text": "Revised."}})

    # Then it is a clean 409 that names the record and says to retry, with no page of the emulator in it
    assert reply.status == 409 and reply.json["Code"] == "RecordChanged"
    assert f"plan:{plan_id}" in reply.json["Message"] and "retry" in reply.json["Message"]
    assert reply.json["details"] == [
        {"entity": f"plan:{plan_id}", "problem": "changed by another request since it was read at version 0"}
    ]
    assert "<" not in reply.body.decode()


def test_throttling_answers_503_with_retry_after_and_is_not_replayed(api, stack, monkeypatch):
    # Given DynamoDB throttles every transaction
    botocore_raising(monkeypatch, "TransactWriteItems", "ProvisionedThroughputExceededException")
    acme = api.as_vendor("acme")

    # When a vendor registers
    reply = acme.post("/vendors", json=GOOD, headers={"Idempotency-Key": "k-503"})

    # Then it is told to come back, and nothing started
    assert reply.status == 503 and reply.headers["Retry-After"] == "1"
    assert reply.json["Code"] == "TemporarilyUnavailable" and stack.executions("vendor-onboarding") == []

    # and once DynamoDB has capacity again, the same request with the same key runs
    monkeypatch.undo()
    assert acme.post("/vendors", json=GOOD, headers={"Idempotency-Key": "k-503"}).status == 201


def test_throttled_reads_answer_503_too(api, monkeypatch):
    # Given DynamoDB throttles reads
    plan_id = api.as_("agency", "DSS").post("/plans", json=PLAN).json["id"]
    botocore_raising(monkeypatch, "GetItem", "ThrottlingException")

    # When the plan is read / Then 503 with Retry-After
    reply = api.as_("agency", "DSS").get(f"/plans/{plan_id}")
    assert reply.status == 503 and reply.headers["Retry-After"] == "1"


def test_a_record_over_dynamodbs_record_limit_is_refused_with_413_naming_the_limit_and_nothing_is_stored(stack):
    # Given a record of a kind without parts, larger than half of DynamoDB's 400 KB record (no request makes one: the
    # limit stays the store's last check, docs/decisions.md "Items sized by design")
    from chalicelib import bootstrap
    from chalicelib.domain.attention import Attention
    from chalicelib.domain.errors import TooLarge
    from chalicelib.services.ports import Actor, Change

    deps = bootstrap.deps()
    huge = Attention("NA-1", "payments", "exec-1", "Pay", "Failed", "x" * ENTITY_LIMIT_BYTES, deps.clock.now())

    # When it is committed / Then 413 names the record and the limit, and neither it nor an audit record exists
    with pytest.raises(TooLarge) as refused:
        deps.store.commit(Actor.system("test"), deps.clock.now(), [Change(action="attention.raised", after=huge)])
    assert "attention:" in refused.value.message and f"at most {ENTITY_LIMIT_BYTES:,} bytes" in refused.value.message
    assert refused.value.details[0]["limit"] == ENTITY_LIMIT_BYTES
    assert deps.store.get(Attention, "NA-1") is None and deps.store.audit_trail("attention:NA-1") == []


@pytest.mark.rule("OPM-1")
def test_a_plan_past_its_stored_size_answers_400_naming_the_component_and_stores_nothing(api):
    # Given a plan whose waiver justifications add up to more than the 1 MiB the components take together
    dss = api.as_("agency", "DSS")
    huge = {**PLAN, "waiver_justifications": [{"service_id": f"S-{n}", "basis": "x" * 5000} for n in range(220)]}

    # When the agency files it
    reply = dss.post("/plans", json=huge)

    # Then 400 names the component and OPM-1, and no plan exists
    assert reply.status == 400 and reply.json["rule"] == "OPM-1", reply.json
    assert [(d["field"], d["rule"]) for d in reply.json["details"]] == [("waiver_justifications", "OPM-1")]
    assert dss.get("/plans?status=draft").json["items"] == []


def test_a_plan_past_half_a_record_is_stored_in_parts_and_can_still_be_changed(api):
    # Given a plan of almost half a record (as one item; its long lists are stored in parts)
    dss = api.as_("agency", "DSS")
    large = {**PLAN, "waiver_justifications": [{"service_id": f"S-{n}", "basis": "x" * 5000} for n in range(38)]}
    plan = dss.post("/plans", json=large)

    # When the agency edits it / Then both are stored
    assert plan.status == 201, plan.json
    assert dss.patch(f"/plans/{plan.json['id']}", json={"needs_assessment": {"text": "Revised."}}).status == 200


@pytest.mark.rule("OPM-1")
def test_an_edit_that_would_outgrow_the_plan_is_refused_and_the_plan_is_unchanged(api):
    # Given a stored plan
    dss = api.as_("agency", "DSS")
    plan = dss.post("/plans", json=PLAN).json

    # When an edit would make it larger than the 1 MiB its components take together
    reply = dss.patch(
        f"/plans/{plan['id']}",
        json={"waiver_justifications": [{"service_id": f"S-{n}", "basis": "x" * 5000} for n in range(220)]},
    )

    # Then 400 naming the component, and the plan and its audit trail are as they were
    assert reply.status == 400 and reply.json["details"][0]["field"] == "waiver_justifications"
    assert dss.get(f"/plans/{plan['id']}").json == plan
    audit = api.as_purchasing().get(f"/audit?entity=plan:{plan['id']}").json["items"]
    assert [a["action"] for a in audit] == ["plan.created"]


def test_a_throttled_email_or_key_service_is_temporarily_unavailable_by_the_name_workflows_retry():
    from chalicelib.adapters.throttling import throttling_as_unavailable
    from chalicelib.domain.errors import TemporarilyUnavailable

    for code in ("Throttling", "ThrottlingException"):  # SES, KMS
        with pytest.raises(TemporarilyUnavailable, match="retry in 1 second"), throttling_as_unavailable("The email service"):
            raise ClientError({"Error": {"Code": code, "Message": "Rate exceeded"}}, "SendEmail")
    with pytest.raises(ClientError), throttling_as_unavailable("The email service"):
        raise ClientError({"Error": {"Code": "MessageRejected", "Message": "no"}}, "SendEmail")


def test_an_email_written_again_leaves_the_first_as_it_is_and_never_refuses_the_change_beside_it(stack):
    # Given a message already in the outbox (sent) / When a retried task writes it again with a new change
    from chalicelib import bootstrap
    from chalicelib.domain.attention import Attention
    from chalicelib.domain.outbox import Message, MessageStatus
    from chalicelib.services.ports import Actor, Change, Email, Send

    deps, system = bootstrap.deps(), Actor.system("test")
    first = Email(to=("bids@acme.example",), subject="First", text="once")
    deps.commit(system, deps.clock.now(), [Send("the-key", first)])
    record = Attention(id="NA-1", process="p", execution="e", state="s", error="E", cause="c", raised_at=deps.clock.now())
    (stored,) = deps.commit(
        system,
        deps.clock.now(),
        [Change(action="attention.raised", after=record), Send("the-key", Email(("x@y.z",), "Second", "again"))],
    )
    # Then the change is stored and the message is the first one, still sent, and mailed once
    assert stored.version == 1 and deps.store.get(Attention, "NA-1") is not None
    message = deps.store.get(Message, "the-key")
    assert (message.subject, message.status) == ("First", MessageStatus.SENT)
    assert [m["subject"] for m in stack.outbox()] == ["First"]
