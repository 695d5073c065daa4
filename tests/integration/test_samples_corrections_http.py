"""Samples (R-7) and award corrections (R-8g) over HTTP: what purchasing records, what the tabulation and the
contract show, refusals naming the rule, and nothing stored (entity or audit record) on a refused write."""

import pytest

from tests.workflows.test_invitation_to_bid import OPENING, bid, mails_to, publish_with_two_vendors

MISSING = "sample required, none recorded (R-7)"


def trail(api, entity):
    return [e["action"] for e in api.as_purchasing().get(f"/audit?entity={entity}").json["items"]]


def flags(api, sol_id):
    return {r["bidder_name"]: r["flags"] for r in api.get(f"/solicitations/{sol_id}/tabulation").json["items"]}


@pytest.mark.rule("R-7")
def test_a_bid_without_a_recorded_sample_is_flagged_until_purchasing_records_one(api, stack, clock):
    sol_id = publish_with_two_vendors(api, stack, samples_required=True)
    assert api.get(f"/solicitations/{sol_id}").json["samples_required"] is True
    acme = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "30.00")).json["bid_id"]
    bolt = api.as_vendor("bolt").post(f"/solicitations/{sol_id}/bids", json=bid("31.00", "30.00")).json["bid_id"]
    before = api.as_purchasing().post(
        f"/solicitations/{sol_id}/bids/{acme}/sample",
        json={"received_on": "2026-03-02", "description": "Two reams of letter paper"},
    )
    assert before.status == 201 and before.json["status"] == "sealed" and before.json["flags"] == []
    clock.advance(to=OPENING)
    assert flags(api, sol_id) == {"Acme Office Supply LLC": [], "Bolt Paper Co": [MISSING]}

    after = api.as_purchasing().post(
        f"/solicitations/{sol_id}/bids/{bolt}/sample", json={"received_on": "2026-03-16", "description": "One ream, legal"}
    )
    assert after.status == 201 and after.json["flags"] == [] and after.json["samples"][0]["received_on"] == "2026-03-16"
    assert flags(api, sol_id) == {"Acme Office Supply LLC": [], "Bolt Paper Co": []}
    assert "bid.sample_received" in trail(api, f"bid:{bolt}")
    assert (
        api.as_vendor("bolt").get(f"/solicitations/{sol_id}/bids/{bolt}").json["samples"][0]["description"] == "One ream, legal"
    )


@pytest.mark.rule("R-7")
@pytest.mark.parametrize(
    ("who", "body", "status", "fields"),
    [
        ("purchasing", {"received_on": "2026-03-17", "description": "  "}, 400, {"received_on", "description"}),
        ("purchasing", {"received_on": "2026-03-01", "description": "A ream"}, 400, {"received_on"}),
        ("purchasing", {"received_on": "2026-03-16", "description": "A ream", "returned": True}, 400, None),
        ("vendor", {"received_on": "2026-03-16", "description": "A ream"}, 403, None),
    ],
    ids=["blank and future", "before publication", "unknown field", "not purchasing"],
)
def test_a_bad_sample_receipt_is_refused_and_nothing_is_stored(api, stack, clock, who, body, status, fields):
    sol_id = publish_with_two_vendors(api, stack, samples_required=True)
    bid_id = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "30.00")).json["bid_id"]
    clock.advance(to=OPENING)
    audited = trail(api, f"bid:{bid_id}")
    caller = api.as_purchasing() if who == "purchasing" else api.as_vendor("acme")
    reply = caller.post(f"/solicitations/{sol_id}/bids/{bid_id}/sample", json=body)
    assert reply.status == status
    if fields:
        assert reply.json["rule"] == "R-7" and {(d["field"], d["rule"]) for d in reply.json["details"]} == {
            (f, "R-7") for f in fields
        }
    assert trail(api, f"bid:{bid_id}") == audited
    assert api.as_vendor("acme").get(f"/solicitations/{sol_id}/bids/{bid_id}").json["samples"] == []
    assert flags(api, sol_id) == {"Acme Office Supply LLC": [MISSING]}


@pytest.fixture
def award_id(api, stack, clock):
    sol_id = publish_with_two_vendors(api, stack)
    assert api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "30.00")).status == 201
    clock.advance(to=OPENING)
    clock.advance(days=31)  # a conditional award (R-8c): no contract until the bidder accepts, so it can be corrected
    (summary,) = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={}).json["awards"]
    assert summary["amount"] == "3600.00" and summary["conditional"] is True
    return summary["id"]


@pytest.mark.rule("R-8g")
def test_a_corrected_unit_price_is_recorded_told_to_the_bidder_and_carried_into_the_contract(api, stack, award_id):
    fix = {"field": "unit_price", "line_id": "1", "value": "29.50", "reason": "Price keyed from the wrong bid sheet"}
    reply = api.as_purchasing().post(f"/awards/{award_id}/corrections", json=fix)
    assert reply.status == 201, reply.json
    (recorded,) = reply.json["corrections"]
    assert (recorded["field"], recorded["before"], recorded["after"], recorded["reason"]) == (
        "unit_price",
        "30.00",
        "29.50",
        fix["reason"],
    )
    assert reply.json["shares"][0]["amount"] == "3550.00" and "award.corrected" in trail(api, f"award:{award_id}")
    assert mails_to(stack, "acme")[-1]["subject"] == f"Award {award_id} corrected"

    assert api.as_vendor("acme").post(f"/awards/{award_id}/accept").json["shares"][0]["surety_amount"] == "355.00"
    surety = {"form": "performance_bond", "amount": "355.00", "reference": "PB-1"}
    assert api.as_vendor("acme").post(f"/awards/{award_id}/surety", json=surety).status == 200
    contract_id = api.as_purchasing().get(f"/awards/{award_id}").json["contract_id"]
    contract = api.as_purchasing().get(f"/contracts/{contract_id}").json
    assert contract["lines"][0]["unit_price"] in ("29.50", "29.5") and contract["total"] in ("3550.00", "3550.0000", "3550")

    late = api.as_purchasing().post(f"/awards/{award_id}/corrections", json={**fix, "value": "29.00"})
    assert late.status == 409 and late.json["rule"] == "R-8g"


@pytest.mark.rule("R-8g")
@pytest.mark.parametrize(
    ("who", "body", "status"),
    [
        ("purchasing", {"field": "unit_price", "line_id": "1", "value": "29.50", "reason": " "}, 400),
        ("purchasing", {"field": "quantity", "line_id": "1", "value": "101", "reason": "typo"}, 400),
        ("purchasing", {"field": "unit_price", "line_id": "7", "value": "29.50", "reason": "typo"}, 400),
        ("purchasing", {"field": "bidder_name", "value": "Acme Office Supply LLC", "reason": "typo"}, 400),
        ("purchasing", {"field": "price", "value": "1", "reason": "typo"}, 400),
        ("vendor", {"field": "bidder_name", "value": "Acme", "reason": "typo"}, 403),
    ],
    ids=["blank reason", "above the invited quantity", "unknown line", "unchanged name", "unknown field", "not purchasing"],
)
def test_a_bad_award_correction_is_refused_and_nothing_is_stored(api, stack, award_id, who, body, status):
    before = api.as_purchasing().get(f"/awards/{award_id}").json
    audited = trail(api, f"award:{award_id}")
    caller = api.as_purchasing() if who == "purchasing" else api.as_vendor("acme")
    reply = caller.post(f"/awards/{award_id}/corrections", json=body)
    assert reply.status == status
    if status == 400 and body["field"] != "price":
        assert reply.json["rule"] == "R-8g" and all(d["rule"] == "R-8g" for d in reply.json["details"])
    assert api.as_purchasing().get(f"/awards/{award_id}").json == before
    assert trail(api, f"award:{award_id}") == audited


def test_every_new_request_field_is_described(api):
    schemas = api.get("/openapi.json").json["components"]["schemas"]
    for name in ("SampleReceiptIn", "AwardCorrectionIn"):
        assert all(field.get("description") for field in schemas[name]["properties"].values()), name
    assert schemas["DraftSolicitation"]["properties"]["samples_required"]["description"].startswith("R-7")
