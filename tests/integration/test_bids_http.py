"""The invitation-to-bid routes over HTTP: rule IDs and failing fields in 4xx answers, sealed content invisible
before opening, public listing and tabulation, determinations, and nothing stored on a refused write."""

import datetime as dt

import boto3
import pytest

from tests.workflows.test_invitation_to_bid import INVITATION, OPENING, bid, publish_with_two_vendors, register_and_confirm


@pytest.fixture
def sol_id(api, stack):
    return publish_with_two_vendors(api, stack)


@pytest.mark.rule("R-18a/b")
def test_a_draft_without_required_factors_is_refused_with_the_rule(api, stack):
    body = {**INVITATION, "evaluation_factors": [{"name": "price", "weight": "100"}]}
    reply = api.as_purchasing().post("/solicitations", json=body)
    assert reply.status == 400 and reply.json["rule"] == "R-18a/b"
    assert {d["problem"] for d in reply.json["details"]} >= {"must include 'past_performance' (R-18a/b)"}


def test_only_purchasing_drafts_invitations(api, stack):
    assert api.as_vendor("acme").post("/solicitations", json=INVITATION).status == 403


@pytest.mark.rule("R-4")
def test_published_invitations_are_listed_publicly_and_drafts_are_not(api, stack, sol_id):
    draft = api.as_purchasing().post("/solicitations", json=INVITATION).json
    listed = api.get("/solicitations?status=open")
    assert listed.status == 200 and [s["id"] for s in listed.json["items"]] == [sol_id]
    assert api.get(f"/solicitations/{sol_id}").json["opening_at"] == "2026-03-16T10:00:00-04:00"
    assert api.get(f"/solicitations/{draft['id']}").status == 404
    assert api.as_purchasing().get(f"/solicitations/{draft['id']}").status == 200


@pytest.mark.rule("R-5d")
@pytest.mark.rule("R-5m")
@pytest.mark.rule("R-5j/k")
def test_a_bid_failing_several_rules_lists_each_field_with_its_rule_and_stores_nothing(api, stack, sol_id):
    body = bid("-1", "abc")
    body["non_collusion"] = False
    reply = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=body)
    assert reply.status == 400 and reply.json["Code"] == "ValidationFailed"
    found = {(d["field"], d["rule"]) for d in reply.json["details"]}
    assert found == {("non_collusion", "R-5m"), ("lines[0].unit_price", "R-5j/k"), ("lines[1].unit_price", "R-5j/k")}
    items = boto3.client("dynamodb", region_name="us-east-1").query(
        TableName=stack.env["ENTITIES_TABLE"],
        IndexName="gsi1",
        KeyConditionExpression="gsi1pk = :p",
        ExpressionAttributeValues={":p": {"S": f"bid#by_solicitation#{sol_id}"}},
    )["Items"]
    assert items == []


@pytest.mark.rule("R-5j/k")
def test_a_price_sent_as_a_json_number_is_read_exactly_and_float_noise_is_refused_not_rounded(api, stack, sol_id):
    # Given a bid whose price is the JSON number 25.1 / When submitted / Then it is received
    body = bid("25.00", "30.00")
    body["lines"][0]["unit_price"] = 25.1
    assert api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=body).status == 201
    # Given the number 0.1 + 0.2 prints as a float / When submitted / Then its 17 places are refused with the rule
    body["lines"][0]["unit_price"] = 0.1 + 0.2
    reply = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=body)
    assert reply.status == 400
    assert {(d["field"], d["rule"]) for d in reply.json["details"]} == {("lines[0].unit_price", "R-5j/k")}


@pytest.mark.rule("R-5b")
def test_before_opening_no_route_role_or_table_reader_sees_a_price(api, stack, sol_id):
    receipt = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("25.1234", "30.00"))
    assert receipt.status == 201 and len(receipt.json["commitment"]) == 64
    bid_id = receipt.json["bid_id"]
    assert api.as_vendor("acme").get(f"/solicitations/{sol_id}/bids/{bid_id}").json["opened"] is None
    assert api.as_vendor("bolt").get(f"/solicitations/{sol_id}/bids/{bid_id}").status == 404
    assert api.as_purchasing().get(f"/solicitations/{sol_id}/bids/{bid_id}").status == 409
    assert api.get(f"/solicitations/{sol_id}/tabulation").status == 409
    table = boto3.client("dynamodb", region_name="us-east-1")
    for name in (stack.env["ENTITIES_TABLE"], stack.env["AUDIT_TABLE"]):
        for page in table.get_paginator("scan").paginate(TableName=name):  # the table reader's view, not the app's
            assert "25.1234" not in str(page["Items"])


@pytest.mark.rule("R-5h")
def test_a_second_submission_replaces_the_first(api, stack, sol_id):
    first = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "30.00")).json
    second = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("29.00", "30.00")).json
    assert second["replaces"] == first["bid_id"]
    assert api.as_vendor("acme").get(f"/solicitations/{sol_id}/bids/{first['bid_id']}").json["status"] == "replaced"


@pytest.mark.rule("R-5c")
def test_a_bid_is_withdrawn_before_opening_but_not_after(api, stack, clock, sol_id):
    first = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "30.00")).json
    assert api.as_vendor("acme").delete(f"/solicitations/{sol_id}/bids/{first['bid_id']}").json["status"] == "withdrawn"
    second = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "30.00")).json
    clock.advance(to=OPENING)
    late = api.as_vendor("acme").delete(f"/solicitations/{sol_id}/bids/{second['bid_id']}")
    assert late.status == 409 and late.json["rule"] == "R-8c" and late.json["Code"] == "BidBinding"


@pytest.mark.rule("R-5o")
def test_addenda_are_refused_after_opening_and_unacknowledged_ones_are_flagged(api, stack, clock, sol_id):
    assert api.as_purchasing().post(f"/solicitations/{sol_id}/addenda", json={"text": "24 lb paper"}).status == 201
    assert api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "30.00")).status == 201
    acknowledged = {**bid("31.00", "30.00"), "addenda_acknowledged": [1]}
    assert api.as_vendor("bolt").post(f"/solicitations/{sol_id}/bids", json=acknowledged).status == 201
    clock.advance(to=OPENING)
    assert api.as_purchasing().post(f"/solicitations/{sol_id}/addenda", json={"text": "late"}).status == 409
    rows = {r["bidder_name"]: r["flags"] for r in api.get(f"/solicitations/{sol_id}/tabulation").json["items"]}
    assert rows == {"Acme Office Supply LLC": ["addenda not acknowledged: 1 (R-5o)"], "Bolt Paper Co": []}


@pytest.mark.rule("R-19")
@pytest.mark.rule("R-8a")
def test_a_determination_excludes_a_bid_from_the_award(api, stack, clock, sol_id):
    cheap = api.as_vendor("bolt").post(f"/solicitations/{sol_id}/bids", json=bid("20.00", "30.00")).json
    assert api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "30.00")).status == 201
    clock.advance(to=OPENING)
    finding = {
        "bid_id": cheap["bid_id"],
        "finding": "not_responsible",
        "factor": "past_performance",
        "text": "Defaulted on contract 21PSX0042",
    }
    reply = api.as_purchasing().post(f"/solicitations/{sol_id}/determinations", json=finding)
    assert reply.status == 201 and reply.json["eligible"] is False
    award = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={})
    assert award.json["awards"][0]["bidder_name"] == "Acme Office Supply LLC"


@pytest.mark.rule("R-5e")
def test_only_a_conditional_bid_is_rejected_as_conditional(api, stack, clock, sol_id):
    plain = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "30.00")).json
    clock.advance(to=OPENING)
    reply = api.as_purchasing().post(
        f"/solicitations/{sol_id}/determinations", json={"bid_id": plain["bid_id"], "finding": "reject_conditional", "text": "x"}
    )
    assert reply.status == 400 and reply.json["rule"] == "R-5e"


@pytest.mark.rule("R-8b")
def test_reject_all_needs_a_reason(api, stack, clock, sol_id):
    clock.advance(to=OPENING)
    assert api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={"reject_all": True}).status == 400
    reply = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={"reject_all": True, "reason": "over budget"})
    assert reply.status == 201 and reply.json["status"] == "cancelled"


def test_every_invitation_to_bid_request_field_is_described(api):
    schemas = api.get("/openapi.json").json["components"]["schemas"]
    for name in (
        "DraftSolicitation",
        "SolicitationLineIn",
        "BidIn",
        "BidLineIn",
        "GuarantyIn",
        "DeterminationIn",
        "AwardIn",
        "SuretyIn",
    ):
        assert all(field.get("description") for field in schemas[name]["properties"].values()), name


def rules_of(reply):
    return {(d["field"], d["rule"]) for d in reply.json["details"]}


@pytest.mark.rule("R-5a")
@pytest.mark.rule("R-5f")
@pytest.mark.rule("R-5g")
@pytest.mark.rule("R-5i")
@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda b: b["lines"][0].update(line_id="9"), ("lines[0].line_id", "R-5a")),
        (lambda b: b["lines"][0].update(quantity="101"), ("lines[0].quantity", "R-5f")),
        (lambda b: b.update(alternates=[{"description": "Recycled paper", "lines": b["lines"]}]), ("alternates", "R-5g")),
        (lambda b: b["lines"][1].update(substitute_article="Other brand"), ("lines[1].substitute_article", "R-5i")),
    ],
    ids=[
        "R-5a unknown line",
        "R-5f above the invited quantity",
        "R-5g alternate not called for",
        "R-5i substitute on a no-substitute line",
    ],
)
def test_a_bid_breaking_a_bid_form_rule_is_refused_naming_the_rule_and_field(api, stack, sol_id, change, expected):
    body = bid("30.00", "30.00")
    change(body)
    reply = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=body)
    assert reply.status == 400 and rules_of(reply) == {expected}


@pytest.mark.rule("R-6a")
def test_an_invitation_requiring_a_guaranty_refuses_a_bid_without_one_and_takes_an_annual_bond(api, stack):
    register_and_confirm(api, stack, "acme")
    sol = api.as_purchasing().post("/solicitations", json={**INVITATION, "guaranty_percent": "5"}).json
    api.as_purchasing().post(f"/solicitations/{sol['id']}/publish")
    refused = api.as_vendor("acme").post(f"/solicitations/{sol['id']}/bids", json=bid("30.00", "30.00"))
    assert refused.status == 400 and rules_of(refused) == {("guaranty", "R-6a")}
    bond = {"form": "annual_bond", "amount": "5000.00", "reference": "AB-1", "valid_from": "2026-01-01"}
    assert (
        api.as_vendor("acme").post(f"/solicitations/{sol['id']}/bids", json={**bid("30.00", "30.00"), "guaranty": bond}).status
        == 201
    )


@pytest.mark.rule("R-8f")
def test_a_tie_is_broken_by_the_cash_discount_and_recorded_in_the_award(api, stack, clock, sol_id):
    assert api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "30.00", discount="1")).status == 201
    assert api.as_vendor("bolt").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "30.00", discount="2")).status == 201
    clock.advance(to=OPENING)
    (award,) = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={}).json["awards"]
    assert award["bidder_name"] == "Bolt Paper Co" and "broken by cash discount 2% over 1% (R-8f)" in award["notes"][0]


@pytest.mark.rule("R-6b")
def test_performance_surety_below_the_required_percentage_is_refused(api, stack, clock, sol_id):
    assert api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "30.00")).status == 201
    clock.advance(to=OPENING)
    award_id = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={}).json["awards"][0]["id"]
    assert api.as_purchasing().get(f"/awards/{award_id}").json["shares"][0]["surety_amount"] == "360.00"
    low = api.as_vendor("acme").post(
        f"/awards/{award_id}/surety", json={"form": "performance_bond", "amount": "359.99", "reference": "PB"}
    )
    assert low.status == 400 and rules_of(low) == {("amount", "R-6b")}


@pytest.mark.rule("R-5d")
@pytest.mark.parametrize(
    "body",
    [
        {},
        {"lines": "x"},
        {"lines": [{}]},
        {"lines": [{"line_id": "1", "unit_price": "1e3", "quantity": "1"}]},
        {"cash_discount": {"percent": "x", "days": -1}},
        {"guaranty": {"form": "gold", "amount": "1"}},
        {"addenda_acknowledged": [7]},
        {"acceptance_period_days": 0},
        {"signer": {"name": ""}, "unknown": 1},
    ],
    ids=lambda b: str(sorted(b))[:40],
)
def test_malformed_bids_are_answered_with_a_4xx_never_a_500(api, stack, sol_id, body):
    reply = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=body)
    assert reply.status == 400 and reply.json["details"]


@pytest.fixture
def alternates_sol(api, stack):
    return publish_with_two_vendors(api, stack, alternates_allowed=True)


@pytest.mark.rule("R-5g")
@pytest.mark.rule("R-5n")
def test_an_alternate_is_sealed_with_the_bid_tabulated_beside_it_after_opening_and_awardable(api, stack, clock, alternates_sol):
    # Given acme bids 30/40 with a recycled-paper alternate at 20/30, and bolt bids 25/38
    body = {**bid("30.00", "40.00"), "alternates": [{"description": "Recycled paper", "lines": bid("20.00", "30.00")["lines"]}]}
    assert api.as_vendor("acme").post(f"/solicitations/{alternates_sol}/bids", json=body).status == 201
    assert api.as_vendor("bolt").post(f"/solicitations/{alternates_sol}/bids", json=bid("25.00", "38.00")).status == 201
    assert api.get(f"/solicitations/{alternates_sol}/tabulation").status == 409  # sealed with the bid
    # When the bids are opened
    clock.advance(to=OPENING)
    rows = api.get(f"/solicitations/{alternates_sol}/tabulation").json["items"]
    acme = next(r for r in rows if r["bidder_name"] == "Acme Office Supply LLC")
    # Then the alternate is tabulated beside the base bid, and the award goes to it as the lowest offer
    assert acme["total"] == "3800.00" and [(a["number"], a["description"], a["total"]) for a in acme["alternates"]] == [
        (1, "Recycled paper", "2600.00")
    ]
    (award,) = api.as_purchasing().post(f"/solicitations/{alternates_sol}/award", json={}).json["awards"]
    assert (award["bidder_name"], award["amount"]) == ("Acme Office Supply LLC", "2600.00")


@pytest.mark.rule("R-8d")
def test_evidence_is_requested_answered_and_shown_to_purchasing_and_the_bidder_only(api, stack, clock, sol_id):
    receipt = api.as_vendor("bolt").post(f"/solicitations/{sol_id}/bids", json=bid("25.00", "38.00")).json
    clock.advance(to=OPENING)
    path = f"/solicitations/{sol_id}/bids/{receipt['bid_id']}/evidence-requests"
    asked = api.as_purchasing().post(path, json={"requested": "Audited financial statements 2025", "response_days": 5})
    assert asked.status == 201 and asked.json["last_day"] == "2026-03-21"
    assert mails_to_bolt(stack)[-1]["subject"].startswith("Evidence requested")
    answer = api.as_vendor("bolt").post(f"{path}/{asked.json['id']}/response", json={"document": "fs-2025.pdf"})
    assert answer.status == 200 and answer.json["response_document"] == "fs-2025.pdf"
    assert api.as_purchasing().get(path).json["items"][0]["responded_at"] is not None
    assert api.as_vendor("acme").get(path).status == 404


@pytest.mark.rule("R-8e")
def test_a_quantity_change_accepted_by_the_bidder_changes_its_tabulated_bid(api, stack, clock, sol_id):
    receipt = api.as_vendor("bolt").post(f"/solicitations/{sol_id}/bids", json=bid("25.00", "38.00")).json
    clock.advance(to=OPENING)
    path = f"/solicitations/{sol_id}/bids/{receipt['bid_id']}/quantity-changes"
    offered = api.as_purchasing().post(path, json={"line_id": "1", "quantity": "120", "reason": "DOT needs 20 more cases"})
    assert offered.status == 201 and offered.json["status"] == "proposed"
    accepted = api.as_vendor("bolt").post(f"{path}/{offered.json['id']}/accept")
    assert accepted.status == 200 and accepted.json["status"] == "accepted"
    (row,) = api.get(f"/solicitations/{sol_id}/tabulation").json["items"]
    assert row["total"] == "3760.00" and row["corrections"][-1]["rule"] == "R-8e"


@pytest.mark.rule("R-8c")
def test_a_bid_is_withdrawn_after_opening_once_its_own_acceptance_period_has_ended(api, stack, clock, sol_id):
    receipt = (
        api.as_vendor("bolt")
        .post(f"/solicitations/{sol_id}/bids", json={**bid("25.00", "38.00"), "acceptance_period_days": 10})
        .json
    )
    clock.advance(to=OPENING)
    path = f"/solicitations/{sol_id}/bids/{receipt['bid_id']}"
    clock.advance(to=dt.datetime(2026, 3, 27, 3, 59, 59, tzinfo=dt.UTC))  # 23:59:59 on 26 March in Connecticut
    refused = api.as_vendor("bolt").delete(path)
    assert refused.status == 409 and refused.json["rule"] == "R-8c"
    clock.advance(to=dt.datetime(2026, 3, 27, 4, 0, 0, tzinfo=dt.UTC))
    assert api.as_vendor("bolt").delete(path).json["status"] == "withdrawn"


def mails_to_bolt(stack):
    return [m for m in stack.outbox() if m["to"] == ["sales@bolt.example"]]
