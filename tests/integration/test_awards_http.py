"""Award routes over HTTP: responsibility notes in the award and its notice (R-18a/b), contract cancellation refused
on bad input with nothing changed (R-9h), and every new request field described."""

import pytest

from tests.workflows.test_invitation_to_bid import (
    INVITATION,
    OPENING,
    bid,
    mails_to,
    publish_with_two_vendors,
    register_and_confirm,
)


@pytest.fixture
def opened(api, stack, clock):
    sol_id = publish_with_two_vendors(api, stack)
    bids = {
        org: api.as_vendor(org).post(f"/solicitations/{sol_id}/bids", json=bid(price, "40.00")).json["bid_id"]
        for org, price in (("acme", "30.00"), ("bolt", "25.00"))
    }
    clock.advance(to=OPENING)
    return sol_id, bids


@pytest.mark.rule("R-18a/b")
def test_the_award_and_its_notice_state_the_responsibility_note_given_for_the_bidder(api, stack, opened):
    sol_id, bids = opened
    note = "Past performance: two contracts delivered on time in 2025"
    reply = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={"responsibility": {bids["bolt"]: note}})
    assert reply.status == 201, reply.json
    award = api.as_purchasing().get(f"/awards/{reply.json['awards'][0]['id']}").json
    assert award["shares"][0]["responsibility"] == note
    assert f"Responsibility findings considered: {note}." in mails_to(stack, "bolt")[-1]["text"]


@pytest.mark.rule("R-8a")
def test_a_vendor_pages_its_awards_and_cannot_read_another_vendors(api, stack, clock):
    # Given acme and bolt registered, their bids opened and the award made to bolt, the lowest bidder
    acme_id, bolt_id = (register_and_confirm(api, stack, org) for org in ("acme", "bolt"))
    sol_id = api.as_purchasing().post("/solicitations", json=INVITATION).json["id"]
    api.as_purchasing().post(f"/solicitations/{sol_id}/publish")
    for org, price in (("acme", "30.00"), ("bolt", "25.00")):
        assert api.as_vendor(org).post(f"/solicitations/{sol_id}/bids", json=bid(price, "40.00")).status == 201
    clock.advance(to=OPENING)
    award_id = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={}).json["awards"][0]["id"]
    # When bolt and purchasing list bolt's awards / Then the award is there, on one page
    for caller in (api.as_vendor("bolt"), api.as_purchasing()):
        page = caller.get(f"/vendors/{bolt_id}/awards?limit=1").json
        assert [a["id"] for a in page["items"]] == [award_id] and page["next"] is None
    # And acme's list is empty, and acme cannot read bolt's
    assert api.as_vendor("acme").get(f"/vendors/{acme_id}/awards").json == {"items": [], "next": None}
    assert api.as_vendor("acme").get(f"/vendors/{bolt_id}/awards").status == 404


@pytest.mark.rule("R-18a/b")
def test_a_responsibility_note_for_a_bid_not_ranked_is_refused_naming_the_field_and_nothing_is_awarded(api, stack, opened):
    sol_id, _ = opened
    reply = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={"responsibility": {"BID-x": "fine"}})
    assert reply.status == 400 and reply.json["rule"] == "R-18a/b" and reply.json["details"][0]["field"] == "responsibility.BID-x"
    assert api.get(f"/solicitations/{sol_id}").json["status"] == "opened"


@pytest.mark.rule("R-9h")
@pytest.mark.parametrize(
    ("who", "body", "status"),
    [
        ("purchasing", {"ground": "non_performance", "reason": " "}, 400),
        ("purchasing", {"ground": "refused", "reason": "x"}, 400),
        ("purchasing", {"ground": "bankrupt", "reason": "x"}, 400),
        ("purchasing", {"ground": "missing_surety", "reason": "no bond"}, 409),
        ("vendor", {"ground": "non_performance", "reason": "x"}, 403),
    ],
    ids=["blank reason", "refused is not purchasing's ground", "unknown ground", "surety not yet due", "not purchasing"],
)
def test_a_bad_cancellation_is_refused_and_the_contract_is_unchanged(api, stack, opened, who, body, status):
    sol_id, _ = opened
    award_id = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={}).json["awards"][0]["id"]
    contract_id = api.as_purchasing().get(f"/awards/{award_id}").json["contract_id"]
    before = api.as_purchasing().get(f"/contracts/{contract_id}").json
    caller = api.as_purchasing() if who == "purchasing" else api.as_vendor("bolt")
    reply = caller.post(f"/contracts/{contract_id}/cancel", json=body)
    assert reply.status == status
    assert api.as_purchasing().get(f"/contracts/{contract_id}").json == before


@pytest.mark.rule("R-9h")
def test_cancellation_for_non_performance_is_recorded_with_its_reason(api, stack, opened):
    sol_id, _ = opened
    award_id = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={}).json["awards"][0]["id"]
    contract_id = api.as_purchasing().get(f"/awards/{award_id}").json["contract_id"]
    reply = api.as_purchasing().post(
        f"/contracts/{contract_id}/cancel", json={"ground": "non_performance", "reason": "No delivery in 60 days"}
    )
    assert reply.status == 200 and (reply.json["cancellation_ground"], reply.json["cancellation_reason"]) == (
        "non_performance",
        "No delivery in 60 days",
    )
    assert api.as_purchasing().get(f"/awards/{award_id}").json["status"] == "cancelled"


def test_every_new_award_request_field_is_described(api):
    schemas = api.get("/openapi.json").json["components"]["schemas"]
    assert all(field.get("description") for field in schemas["CancelContractIn"]["properties"].values())
    assert schemas["AwardIn"]["properties"]["responsibility"]["description"].startswith("R-18a/b")
