"""POSTs honour Idempotency-Key: a retried request gets the first answer and changes nothing more."""

from local.fein import fein_for

GOOD = {
    "legal_name": "Acme Office Supply LLC",
    "fein": fein_for("acme"),
    "contact_email": "bids@acme.example",
    "commodity_codes": ["61500"],
}


def test_a_retried_post_with_the_same_key_replays_the_first_answer(api, stack):
    vendor_api = api.as_vendor("acme")
    first = vendor_api.post("/vendors", json=GOOD, headers={"Idempotency-Key": "k-1"})
    again = vendor_api.post("/vendors", json=GOOD, headers={"Idempotency-Key": "k-1"})
    assert (again.status, again.json) == (first.status, first.json) == (201, first.json)
    assert again.headers.get("Idempotent-Replayed") == "true" and "Idempotent-Replayed" not in first.headers
    assert len(stack.executions("vendor-onboarding")) == 1 and len(stack.outbox()) == 1


def test_reusing_a_key_with_a_different_body_is_refused(api):
    vendor_api = api.as_vendor("acme")
    vendor_api.post("/vendors", json=GOOD, headers={"Idempotency-Key": "k-2"})
    reply = vendor_api.post("/vendors", json={**GOOD, "legal_name": "Different"}, headers={"Idempotency-Key": "k-2"})
    assert reply.status == 422 and reply.json["Code"] == "IdempotencyKeyReused"


def test_the_same_key_from_another_caller_is_a_different_request(api):
    one = api.as_vendor("acme").post("/vendors", json=GOOD, headers={"Idempotency-Key": "shared"})
    two = api.as_vendor("globex").post(
        "/vendors", json={**GOOD, "fein": fein_for("globex")}, headers={"Idempotency-Key": "shared"}
    )
    assert one.status == two.status == 201 and one.json["id"] != two.json["id"]


def test_without_a_key_a_repeated_post_is_processed_again(api):
    vendor_api = api.as_vendor("acme")
    vendor_api.post("/vendors", json=GOOD)
    assert vendor_api.post("/vendors", json=GOOD).status == 409


def test_an_oversized_key_is_refused(api):
    reply = api.as_vendor("acme").post("/vendors", json=GOOD, headers={"Idempotency-Key": "k" * 256})
    assert reply.status == 400 and reply.json["Code"] == "InvalidIdempotencyKey"


def test_the_document_states_the_key_lengths_the_api_accepts(api):
    # Given the Idempotency-Key parameter of every POST in the document
    paths = api.get("/openapi.json").json["paths"]
    schemas = [
        p["schema"]
        for ops in paths.values()
        if "post" in ops
        for p in ops["post"]["parameters"]
        if p["name"] == "Idempotency-Key"
    ]
    # Then each says 1 to 255 characters, as the API checks (an empty key is refused like an oversized one)
    assert schemas and all(s == {"type": "string", "minLength": 1, "maxLength": 255} for s in schemas)
    assert api.as_vendor("acme").post("/vendors", json=GOOD, headers={"Idempotency-Key": ""}).status == 400
