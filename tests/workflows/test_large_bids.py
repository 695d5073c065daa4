"""Items sized by design over HTTP (issue #14): the largest bid the API accepts (every line of a 500-line form priced,
with long substitutes, and alternates up to MAX_BID_BYTES as sent) is sealed, opened by the workflow with the other
bids and tabulated whole; what the limits refuse is a 400 naming the field and the rule."""

import json

import pytest

from chalicelib.domain.bids import MAX_BID_BYTES
from chalicelib.domain.commitment import canonical
from tests.workflows.test_invitation_to_bid import INVITATION, OPENING, bid, publish_with_two_vendors

LINES = 500


def large_form() -> dict:
    lines = [{"id": f"{n:03d}", "description": f"Item {n:03d}", "quantity": "100", "unit": "case"} for n in range(LINES)]
    return {**INVITATION, "lines": lines, "alternates_allowed": True}


def priced(substitute: str) -> list[dict]:
    return [
        {"line_id": f"{n:03d}", "unit_price": "12.3456", "quantity": "100", "substitute_article": substitute}
        for n in range(LINES)
    ]


def largest_bid() -> dict:
    """Every line priced with a substitute, then alternates of every line, as many as fit MAX_BID_BYTES as sent."""
    body = {**bid("1", "1"), "lines": priced("Brand X, model 1234, 30% recycled"), "alternates": []}
    while len(canonical(body)) <= MAX_BID_BYTES:
        body["alternates"].append({"description": f"Alternate {len(body['alternates']) + 1}", "lines": priced("Y")})
    last = body["alternates"][-1]["lines"]
    while len(canonical(body)) > MAX_BID_BYTES:
        last.pop()
    return body


@pytest.mark.rule("R-5a")
@pytest.mark.rule("R-5b")
@pytest.mark.rule("R-5n")
def test_the_largest_bid_is_sealed_opened_with_the_others_and_tabulated_whole(api, stack, clock):
    # Given an invitation of 500 lines calling for alternates, the largest bid from acme and a small one from bolt
    sol_id = publish_with_two_vendors(api, stack, **{k: v for k, v in large_form().items() if k != "title"})
    large = largest_bid()
    assert MAX_BID_BYTES - 100 < len(canonical(large)) <= MAX_BID_BYTES
    accepted = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=large)
    small = api.as_vendor("bolt").post(
        f"/solicitations/{sol_id}/bids", json={**bid("1", "1"), "lines": [{"line_id": "001", "unit_price": "9", "quantity": "1"}]}
    )
    assert (accepted.status, small.status) == (201, 201), accepted.json
    # When the opening time comes and the workflow opens the bids
    clock.advance(to=OPENING)
    # Then the tabulation shows both, the large one whole: every line, every alternate, the document as sent
    tab = api.get(f"/solicitations/{sol_id}/tabulation")
    assert tab.status == 200 and tab.json["bid_count"] == 2
    row = next(r for r in tab.json["items"] if r["bid_id"] == accepted.json["bid_id"])
    assert len(row["lines"]) == LINES and len(row["alternates"]) == len(large["alternates"])
    assert [len(a["lines"]) for a in row["alternates"]] == [len(a["lines"]) for a in large["alternates"]]
    assert json.loads(row["document"]) == large


@pytest.mark.rule("R-5a")
def test_a_bid_one_line_past_its_stored_size_is_a_400_naming_lines(api, stack, clock):
    # Given the invitation of 500 lines and the largest bid with one more alternate line
    sol_id = publish_with_two_vendors(api, stack, **{k: v for k, v in large_form().items() if k != "title"})
    body = largest_bid()
    body["alternates"][-1]["lines"].append(priced("Y")[len(body["alternates"][-1]["lines"])])
    # When acme submits it
    refused = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=body)
    # Then it is refused naming the lines under R-5a
    assert refused.status == 400 and refused.json["rule"] == "R-5a", refused.json
    assert [(d["field"], d["rule"]) for d in refused.json["details"]] == [("lines", "R-5a")]


@pytest.mark.rule("R-5i")
def test_a_substitute_article_past_1000_characters_is_a_400_naming_it(api, stack, clock):
    # Given the invitation with two vendors
    sol_id = publish_with_two_vendors(api, stack)
    body = bid("1", "1")
    body["lines"][0]["substitute_article"] = "x" * 1001
    # When acme submits a bid whose substitute is described in 1,001 characters
    refused = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=body)
    # Then it is refused naming the field
    assert refused.status == 400 and [d["field"] for d in refused.json["details"]] == ["lines[0].substitute_article"]


@pytest.mark.rule("R-5j/k")
def test_a_unit_price_of_more_than_32_characters_is_a_400_naming_it(api, stack, clock):
    # Given the invitation with two vendors
    sol_id = publish_with_two_vendors(api, stack)
    # When acme prices a line with 33 digits
    refused = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("1" * 33, "1"))
    # Then it is refused naming the field
    assert refused.status == 400 and [d["field"] for d in refused.json["details"]] == ["lines[0].unit_price"]


@pytest.mark.rule("R-8b")
def test_a_whole_award_of_a_500_line_invitation_is_one_award_of_every_line(api, stack, clock):
    # Given an invitation of 500 lines awarded as a whole, and acme's bid for every line at full quantity
    sol_id = publish_with_two_vendors(api, stack, **{k: v for k, v in large_form().items() if k != "title"})
    body = {**bid("1", "1"), "lines": [{k: v for k, v in line.items() if k != "substitute_article"} for line in priced("")]}
    assert api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=body).status == 201
    clock.advance(to=OPENING)
    # When purchasing awards it
    reply = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={})
    # Then one award of the whole scope holds every line: one guard for the scope, not one per line
    assert reply.status == 201, reply.json
    (award,) = reply.json["awards"]
    assert award["scope"] == "all"
    assert len(api.as_purchasing().get(f"/awards/{award['id']}").json["shares"][0]["lines"]) == LINES
    # And a second decision is refused
    assert api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={}).status == 409
