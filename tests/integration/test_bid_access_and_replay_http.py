"""Over HTTP: reads of bids appear in GET /audit with actor and time (R-5b), and a retried bid submission is replayed
from the stored bid, its idempotency record holding a reference and no correction or price (R-5b, R-5l)."""

import hashlib
import json

import boto3
import pytest

from tests.workflows.test_invitation_to_bid import INVITATION, OPENING, bid, publish_with_two_vendors, register_and_confirm


@pytest.fixture
def sol_id(api, stack):
    return publish_with_two_vendors(api, stack)


def reads_in_audit(api, bid_id):
    trail = api.as_purchasing().get(f"/audit?entity=bid:{bid_id}")
    assert trail.status == 200
    return [(e["action"], e["actor"], e["at"]) for e in trail.json["items"] if e["action"].startswith("bid.read")]


def idempotency_items(stack) -> list[dict]:
    return boto3.client("dynamodb", region_name="us-east-1").scan(TableName=stack.env["IDEMPOTENCY_TABLE"])["Items"]


@pytest.mark.rule("R-5b")
def test_the_owners_read_before_the_opening_and_purchasings_after_it_are_in_the_audit_trail(api, stack, clock, sol_id):
    # Given acme's sealed bid
    bid_id = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "40.00")).json["bid_id"]
    # When acme reads it, purchasing tries before the opening, then reads it and the tabulation after
    assert api.as_vendor("acme").get(f"/solicitations/{sol_id}/bids/{bid_id}").status == 200
    assert api.as_purchasing().get(f"/solicitations/{sol_id}/bids/{bid_id}").status == 409
    clock.advance(to=OPENING)
    assert api.as_purchasing().get(f"/solicitations/{sol_id}/bids/{bid_id}").status == 200
    assert api.as_purchasing().get(f"/solicitations/{sol_id}/tabulation").status == 200
    assert api.get(f"/solicitations/{sol_id}/tabulation").status == 200  # the public's read of a public record
    # Then GET /audit shows each read with who and when (local time); reads of one instant in any order
    assert sorted(reads_in_audit(api, bid_id), key=lambda r: (r[2], r[0])) == [
        ("bid.read", "vendor-user@acme", "2026-03-02T09:00:00-05:00"),
        ("bid.read_refused", "purchasing-user@DAS-BOP", "2026-03-02T09:00:00-05:00"),
        ("bid.read", "purchasing-user@DAS-BOP", "2026-03-16T10:00:00-04:00"),
        ("bid.read_in_tabulation", "purchasing-user@DAS-BOP", "2026-03-16T10:00:00-04:00"),
    ]


@pytest.mark.rule("R-5b")
@pytest.mark.rule("R-5l")
def test_a_retried_submission_is_replayed_with_its_corrections_and_its_record_keeps_only_the_bid_id(api, stack, sol_id):
    # Given acme's bid with a wrong extension, sent with an Idempotency-Key
    body = bid("25.1357", "38.00", extension1="2531.57")
    first = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=body, headers={"Idempotency-Key": "k-bid"})
    assert first.status == 201 and first.json["corrections"][0]["submitted"] == "2531.57"
    # When it is retried with the same key
    again = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=body, headers={"Idempotency-Key": "k-bid"})
    # Then the answer is the first, and no second bid exists
    assert (again.status, again.json, again.headers.get("Idempotent-Replayed")) == (201, first.json, "true")
    assert api.as_vendor("acme").get(f"/solicitations/{sol_id}/bids/{first.json['bid_id']}").json["status"] == "sealed"
    # and the record holds the bid id, not the corrections, prices or a plain hash of the body
    (record,) = idempotency_items(stack)
    assert json.loads(record["data"]["S"]) == {"status": 201, "reference": {"bid_id": first.json["bid_id"]}}
    raw = json.dumps(body).encode()
    plain = {hashlib.md5(hashlib.sha256(raw).hexdigest().encode()).hexdigest(), hashlib.sha256(raw).hexdigest()}
    assert not any(value in json.dumps(record) for value in ("2531.57", "25.1357", "2513.57", *plain))


@pytest.mark.rule("R-6a")
@pytest.mark.rule("R-5b")
def test_a_refused_submission_stating_the_bid_total_is_answered_and_not_kept(api, stack):
    # Given an invitation requiring a 5% guaranty, and a bid over $50,000 offered under an annual bond
    register_and_confirm(api, stack, "acme")
    sol = api.as_purchasing().post("/solicitations", json={**INVITATION, "guaranty_percent": "5"}).json
    api.as_purchasing().post(f"/solicitations/{sol['id']}/publish")
    bond = {"form": "annual_bond", "amount": "5000.00", "reference": "AB-1", "valid_from": "2026-01-01"}
    body = {**bid("517.3311", "30.00"), "guaranty": bond}
    # When it is refused, naming the total, and retried with the same key
    replies = [
        api.as_vendor("acme").post(f"/solicitations/{sol['id']}/bids", json=body, headers={"Idempotency-Key": "k-r"})
        for _ in range(2)
    ]
    # Then the bidder is told both times, and no record keeps it
    assert [r.status for r in replies] == [400, 400] and all("52333.11" in r.body.decode() for r in replies)
    assert "Idempotent-Replayed" not in replies[1].headers and idempotency_items(stack) == []


def test_a_key_reused_for_another_bid_is_refused(api, stack, sol_id):
    # Given a bid sent with a key
    api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "40.00"), headers={"Idempotency-Key": "k-x"})
    # When the key comes again with other prices
    reply = api.as_vendor("acme").post(
        f"/solicitations/{sol_id}/bids", json=bid("31.00", "40.00"), headers={"Idempotency-Key": "k-x"}
    )
    # Then it is refused, not answered with the first bid's receipt
    assert reply.status == 422 and reply.json["Code"] == "IdempotencyKeyReused"
