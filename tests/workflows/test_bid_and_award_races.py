"""Races on the emulated stack: simultaneous bids of one vendor (R-5h) and award decisions (R-8b), KMS answering after
the opening (R-5b), the bidder's acceptance and surety racing the award workflow (R-8c, R-9h), and KMS throttling the
opening (R-5b, R-5n)."""

import datetime as dt
import json
import threading

import pytest

from chalicelib import bootstrap
from chalicelib.adapters.sealing import KmsSealer
from chalicelib.domain.calendar import days_after
from chalicelib.domain.errors import TemporarilyUnavailable
from tests.workflows.test_invitation_to_bid import INVITATION, OPENING, bid, published, register_and_confirm  # noqa: F401


def at_once(api, requests: list[tuple[str, str, str, dict]]) -> list:
    """Send each (org or 'purchasing', method, path, body) from its own thread, released together."""
    start, replies = threading.Barrier(len(requests)), []

    def send(who, method, path, body):
        caller = api.as_purchasing() if who == "purchasing" else api.as_vendor(who)
        bearer = caller.bearer()
        start.wait()
        replies.append(
            caller.client.http.request(
                method,
                path,
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {bearer}"},
                body=json.dumps(body).encode(),
            )
        )

    threads = [threading.Thread(target=send, args=r) for r in requests]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return replies


def tabulated(api, sol_id) -> list[dict]:
    reply = api.get(f"/solicitations/{sol_id}/tabulation")
    assert reply.status == 200, reply.json
    return reply.json["items"]


@pytest.mark.rule("R-5h")
def test_ten_simultaneous_bids_of_one_vendor_leave_one_live_bid_and_one_tabulated(api, stack, clock, published):
    # Given ten bids of acme sent at the same instant
    sol_id = published["id"]
    replies = at_once(api, [("acme", "POST", f"/solicitations/{sol_id}/bids", bid(f"{30 + n}.00", "40.00")) for n in range(10)])

    # When the bids are opened
    clock.advance(to=OPENING)

    # Then exactly one bid of acme is tabulated, and every refusal was a clean 409
    rows = tabulated(api, sol_id)
    assert len(rows) == 1 and rows[0]["bidder_name"] == "Acme Office Supply LLC"
    assert {r.status_code for r in replies} <= {201, 409} and any(r.status_code == 201 for r in replies)
    receipted = {json.loads(r.body)["bid_id"] for r in replies if r.status_code == 201}
    statuses = {b: api.as_vendor("acme").get(f"/solicitations/{sol_id}/bids/{b}").json["status"] for b in receipted}
    assert sorted(statuses.values()).count("opened") == 1 and set(statuses.values()) <= {"opened", "replaced"}


@pytest.mark.rule("R-8b")
def test_ten_simultaneous_award_decisions_make_one_award_and_refuse_the_others_with_409(api, stack, clock, published):
    # Given opened bids
    sol_id = published["id"]
    assert api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "40.00")).status == 201
    clock.advance(to=OPENING)

    # When ten officers award at the same instant
    replies = at_once(api, [("purchasing", "POST", f"/solicitations/{sol_id}/award", {}) for _ in range(10)])
    clock.run_until_idle()

    # Then one award is made, and the nine others are told it was already awarded
    assert sorted(r.status_code for r in replies) == [201] + [409] * 9
    refusals = [json.loads(r.body) for r in replies if r.status_code == 409]
    assert all(r["Code"] == "Conflict" and "award" in r["Message"].lower() for r in refusals)
    (made,) = [json.loads(r.body) for r in replies if r.status_code == 201]
    assert api.get(f"/solicitations/{sol_id}").json["award_ids"] == [made["awards"][0]["id"]]
    assert len(stack.executions("award-acceptance")) == 1


@pytest.mark.rule("R-5b")
def test_a_bid_whose_sealing_ends_after_the_opening_is_refused_as_late_and_never_receipted(
    api, stack, clock, published, monkeypatch
):
    # Given KMS answering only after the opening has run
    sol_id = published["id"]
    real = KmsSealer.seal

    def slow(self, *args):
        clock.advance(to=OPENING + dt.timedelta(minutes=1))
        return real(self, *args)

    monkeypatch.setattr(KmsSealer, "seal", slow)

    # When acme's bid, sent before the opening, is sealed
    reply = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "40.00"))

    # Then it is refused as late (R-5b): no receipt, and the opening counted no bid
    assert reply.status == 409 and reply.json["Code"] == "BidAfterOpening" and reply.json["rule"] == "R-5b", reply.json
    clock.run_until_idle()
    assert api.get(f"/solicitations/{sol_id}").json["bid_count"] == 0 and tabulated(api, sol_id) == []


def conditional_awards_by_item(api, stack, clock, lines: int) -> list[str]:
    """acme alone bids `lines` lines; an award by item after the award period: one conditional award per line."""
    register_and_confirm(api, stack, "acme")
    invitation = dict(
        INVITATION,
        award_basis="item",
        lines=[{"id": str(n), "description": f"Item {n}", "quantity": "10", "unit": "each"} for n in range(1, lines + 1)],
    )
    sol_id = api.as_purchasing().post("/solicitations", json=invitation).json["id"]
    assert api.as_purchasing().post(f"/solicitations/{sol_id}/publish").status == 200
    body = {
        "lines": [{"line_id": str(n), "unit_price": "10.00", "quantity": "10"} for n in range(1, lines + 1)],
        "signer": {"name": "Pat Doe", "title": "President"},
        "signed": True,
        "non_collusion": True,
    }
    assert api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=body).status == 201
    clock.advance(to=OPENING)
    clock.advance(days=31)
    reply = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={})
    assert reply.status == 201, reply.json
    clock.run_until_idle()
    return [a["id"] for a in reply.json["awards"]]


SURETY = {"form": "performance_bond", "amount": "10.00", "reference": "PB-1"}


@pytest.mark.rule("R-8c")
@pytest.mark.rule("R-9h")
def test_acceptance_then_surety_at_once_forms_a_contract_with_surety_twenty_times_and_needs_no_attention(api, stack, clock):
    # Given twenty conditional awards to acme, each waiting for its acceptance
    award_ids = conditional_awards_by_item(api, stack, clock, 20)
    acme = api.as_vendor("acme")
    for award_id in award_ids:
        # When acme accepts and furnishes surety at once, while the workflow moves on to wait for surety
        accepted = acme.post(f"/awards/{award_id}/accept")
        furnished = acme.post(f"/awards/{award_id}/surety", json=SURETY)

        # Then both succeed: a contract with its surety
        assert accepted.status == 200 and furnished.status == 200, (accepted.json, furnished.json)
    clock.run_until_idle()
    for award_id in award_ids:
        award = api.as_purchasing().get(f"/awards/{award_id}").json
        assert award["contract_id"] and award["shares"][0]["surety_furnished_at"] is not None
        assert stack.execution("award-acceptance", f"award-{award_id}-1")["status"] == "SUCCEEDED"
    assert api.as_purchasing().get("/attention").json["items"] == []
    clock.advance(days=11)
    assert not [m for m in stack.outbox() if m["subject"].startswith(("Performance surety missing", "Conditional award"))]


@pytest.mark.rule("R-8c")
def test_an_acceptance_reaching_the_workflow_after_its_timer_fired_goes_on_to_wait_for_surety(api, stack, clock, monkeypatch):
    # Given a conditional award, accepted on the last second of its 10 days, whose answer reaches the workflow only
    # after the timer fired
    (award_id,) = conditional_awards_by_item(api, stack, clock, 1)
    noticed_at = dt.datetime.fromisoformat(api.as_purchasing().get(f"/awards/{award_id}").json["shares"][0]["noticed_at"])
    clock.advance(to=days_after(noticed_at, 10) - dt.timedelta(seconds=1))
    workflows = bootstrap.deps().workflows
    real_resume = type(workflows).resume

    def late(self, token, output):
        clock.advance(seconds=5)
        return real_resume(self, token, output)

    monkeypatch.setattr(type(workflows), "resume", late)

    # When acme accepts
    accepted = api.as_vendor("acme").post(f"/awards/{award_id}/accept")
    clock.run_until_idle()

    # Then the contract stands, purchasing is not told of a lapse, and the workflow waits for the surety
    assert accepted.status == 200 and accepted.json["contract_id"]
    assert api.as_purchasing().get(f"/awards/{award_id}").json["status"] == "contracted"
    assert not [m for m in stack.outbox() if m["subject"].startswith("Conditional award")]
    entered = [
        e["stateEnteredEventDetails"]["name"]
        for e in stack.history("award-acceptance", f"award-{award_id}-1")
        if e["type"] == "TaskStateEntered"
    ]
    assert entered[-1] == "Wait 10 days for performance surety"


@pytest.fixture
def throttled_decrypt(monkeypatch):
    """KMS Decrypt throttles `failures` times, then answers; every bid decrypted is counted."""
    real = KmsSealer.open
    state = {"failures": 0, "calls": 0, "decrypted": []}

    def flaky(self, sealed, solicitation_id, bid_id):
        state["calls"] += 1
        if state["calls"] <= state["failures"]:
            raise TemporarilyUnavailable("The sealing key service is throttling requests.")
        state["decrypted"].append(bid_id)
        return real(self, sealed, solicitation_id, bid_id)

    monkeypatch.setattr(KmsSealer, "open", flaky)
    return state


def three_bids(api, sol_id) -> None:
    for org, price in (("acme", "30.00"), ("bolt", "25.00"), ("cobra", "27.00")):
        assert api.as_vendor(org).post(f"/solicitations/{sol_id}/bids", json=bid(price, "40.00")).status == 201


@pytest.mark.rule("R-5b")
@pytest.mark.rule("R-5n")
def test_kms_throttling_once_during_the_opening_is_retried_and_each_bid_is_decrypted_once(
    api, stack, clock, published, throttled_decrypt
):
    # Given three bids, and KMS throttling the first Decrypt
    sol_id = published["id"]
    three_bids(api, sol_id)
    throttled_decrypt["failures"] = 1

    # When the opening runs
    clock.advance(to=OPENING)
    clock.advance(minutes=5)

    # Then the opening completes, each bid decrypted exactly once, and nothing needs attention
    assert len(tabulated(api, sol_id)) == 3
    assert (
        sorted(throttled_decrypt["decrypted"]) == sorted(set(throttled_decrypt["decrypted"]))
        and len(throttled_decrypt["decrypted"]) == 3
    )
    assert api.as_purchasing().get("/attention").json["items"] == []


@pytest.mark.rule("R-5b")
@pytest.mark.rule("R-5n")
def test_kms_throttling_throughout_the_opening_needs_attention_and_resuming_opens_only_the_bids_left(
    api, stack, clock, published, throttled_decrypt, monkeypatch
):
    # Given three bids, and KMS throttling every Decrypt after the first bid
    from chalicelib.services import bids as bid_service

    monkeypatch.setattr(bid_service, "OPENING_BATCH", 1)
    sol_id = published["id"]
    three_bids(api, sol_id)
    counting = KmsSealer.open  # the fixture's: counts each bid decrypted
    lifted = {"now": False}

    def throttled_after_one(self, sealed, solicitation_id, bid_id):
        if throttled_decrypt["decrypted"] and not lifted["now"]:
            raise TemporarilyUnavailable("The sealing key service is throttling requests.")
        return counting(self, sealed, solicitation_id, bid_id)

    monkeypatch.setattr(KmsSealer, "open", throttled_after_one)

    # When the opening runs, fails after its retries, and purchasing resumes it once the throttling is lifted
    clock.advance(to=OPENING)
    clock.advance(hours=1)
    (item,) = api.as_purchasing().get("/attention").json["items"]
    assert (item["process"], item["state"], item["error"]) == (
        "invitation-to-bid",
        "Open the sealed bids",
        "TemporarilyUnavailable",
    )
    assert api.get(f"/solicitations/{sol_id}/tabulation").status == 409  # not opened until every bid is
    lifted["now"] = True
    assert api.as_purchasing().post(f"/attention/{item['id']}/resume").status == 200
    clock.advance(minutes=1)

    # Then the opening completes; each bid was decrypted once, the first not again
    assert len(tabulated(api, sol_id)) == 3
    assert len(throttled_decrypt["decrypted"]) == 3 == len(set(throttled_decrypt["decrypted"]))
    assert api.as_purchasing().get("/attention").json["items"] == []
