"""Items sized by design over HTTP (issue #14): the largest invitation a buyer writes (500 lines of 2,000 characters and 50
addenda of 20,000) is accepted, stored in parts and read back whole; what the limits refuse is a 400 naming the field."""

import boto3
import pytest

from chalicelib.domain.solicitations import MAX_ADDENDA
from tests.workflows.test_invitation_to_bid import INVITATION

LINES = 500
DESCRIPTION = 2000
ADDENDUM = 20000


def large_invitation() -> dict:
    lines = [
        {"id": f"{n:03d}", "description": f"{n:03d} " + "x" * (DESCRIPTION - 4), "quantity": "10", "unit": "case"}
        for n in range(LINES)
    ]
    return {**INVITATION, "lines": lines}


@pytest.fixture
def large(api, stack):
    """A published invitation of 500 lines of 2,000 characters with 50 addenda of 20,000 characters."""
    buyer = api.as_purchasing()
    drafted = buyer.post("/solicitations", json=large_invitation())
    assert drafted.status == 201, drafted.json
    sol_id = drafted.json["id"]
    assert buyer.post(f"/solicitations/{sol_id}/publish").status == 200
    for n in range(1, MAX_ADDENDA + 1):
        issued = buyer.post(f"/solicitations/{sol_id}/addenda", json={"text": f"{n:02d} " + "a" * (ADDENDUM - 3)})
        assert issued.status == 201, issued.json
    return sol_id


def stored_items(stack, sol_id: str) -> list[dict]:
    return boto3.client("dynamodb", region_name="us-east-1").query(
        TableName=stack.env["ENTITIES_TABLE"],
        KeyConditionExpression="pk = :p",
        ExpressionAttributeValues={":p": {"S": f"solicitation#{sol_id}"}},
    )["Items"]


@pytest.mark.rule("R-5a")
@pytest.mark.rule("R-5o")
def test_an_invitation_of_500_long_lines_and_50_addenda_is_stored_in_parts_and_read_back_whole(api, stack, large):
    # Given the published invitation with its 50 addenda (fixture)
    # When anyone reads it
    read = api.get(f"/solicitations/{large}")
    # Then every line and every addendum is there, in order, as sent
    assert read.status == 200
    assert [line["id"] for line in read.json["lines"]] == [f"{n:03d}" for n in range(LINES)]
    assert all(len(line["description"]) == DESCRIPTION for line in read.json["lines"])
    assert [a["number"] for a in read.json["addenda"]] == list(range(1, MAX_ADDENDA + 1))
    assert all(len(a["text"]) == ADDENDUM and a["text"].startswith(f"{a['number']:02d} ") for a in read.json["addenda"])
    # And the public list shows it whole too
    listed = api.get("/solicitations?status=open").json["items"]
    assert [len(s["lines"]) for s in listed if s["id"] == large] == [LINES]
    # And no stored item of it comes near DynamoDB's 400 KB
    items = stored_items(stack, large)
    assert len(items) > 2 and max(len(item["body"]["S"].encode()) for item in items) < 300 * 1024


@pytest.mark.rule("R-5o")
def test_the_audit_trail_shows_each_version_of_a_large_invitation_whole(api, stack, large):
    # Given the invitation with its addenda (fixture)
    # When purchasing reads its audit trail
    trail = api.as_purchasing().get(f"/audit?entity=solicitation:{large}&limit=200").json["items"]
    # Then the draft's entry holds every line, and the last addendum's entry every addendum before and after
    assert len(trail[0]["after"]["lines"]) == LINES
    assert len(trail[-1]["before"]["addenda"]) == MAX_ADDENDA - 1 and len(trail[-1]["after"]["addenda"]) == MAX_ADDENDA


@pytest.mark.rule("R-5o")
def test_an_addendum_past_the_most_an_invitation_holds_is_a_400_naming_addenda(api, stack, large):
    # Given the invitation with the most addenda (fixture)
    # When purchasing issues one more
    refused = api.as_purchasing().post(f"/solicitations/{large}/addenda", json={"text": "one more"})
    # Then it is refused naming the field and the rule, and nothing is stored
    assert refused.status == 400 and refused.json["rule"] == "R-5o"
    assert [d["field"] for d in refused.json["details"]] == ["addenda"]
    assert len(api.get(f"/solicitations/{large}").json["addenda"]) == MAX_ADDENDA


@pytest.mark.rule("R-5a")
def test_a_bid_form_of_more_than_500_lines_is_a_400_naming_lines(api, stack):
    # Given an invitation of 501 lines
    body = large_invitation()
    body["lines"].append({**body["lines"][0], "id": "extra"})
    # When purchasing drafts it, Then the API refuses it naming the lines
    refused = api.as_purchasing().post("/solicitations", json=body)
    assert refused.status == 400 and [d["field"] for d in refused.json["details"]] == ["lines"]
