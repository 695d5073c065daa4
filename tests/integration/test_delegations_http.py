"""Direct purchase authority over HTTP on the in-process stack: purchasing grants and revokes delegations (R-2a,
R-2c, R-2d, R-2g); the agency orders under its own, with the DPA number and the evidence of competition (R-2e); the
Comptroller is copied and purchasing reviews each order from its queue."""

import pytest

DELEGATION: dict = {
    "number": "DPA-1E",
    "agency": "DOT",
    "agency_head": "Commissioner of Transportation",
    "activity": "Highway maintenance supplies",
    "dollar_limit": "25000.00",
    "minor_nonrecurring": False,
    "re_delegable": False,
    "starts_on": "2026-03-01",
    "ends_on": "2026-12-31",
    "factors": ["expertise", "economy"],
}
ORDER: dict = {
    "dpa_number": "DPA-1E",
    "activity": "Highway maintenance supplies",
    "vendor": "Nutmeg Road Supply LLC",
    "description": "Road salt, 40 tons",
    "amount": "3480.00",
    "quotations": [
        {"vendor": "Nutmeg Road Supply LLC", "amount": "3480.00"},
        {"vendor": "Charter Oak Materials Inc", "amount": "3725.50"},
    ],
}


@pytest.fixture
def purchasing(api):
    return api.as_purchasing()


@pytest.fixture
def dot(api):
    return api.as_("agency", "DOT", "buyer@dot.ct.gov")


def fields_of(reply):
    return [d["field"] for d in reply.json["details"]]


@pytest.mark.rule("R-2a")
@pytest.mark.rule("R-2c")
def test_purchasing_grants_a_delegation_the_agency_reads_it_and_another_agency_cannot(api, purchasing, dot):
    # Given purchasing grants DPA-1E to DOT
    granted = purchasing.post("/delegations", json=DELEGATION)
    assert granted.status == 201
    assert granted.json["status"] == "active" and granted.json["dollar_limit"] == "25000.00"
    # Then DOT reads and lists it, DSS does not see it, and an agency may not grant one
    assert dot.get("/delegations/DPA-1E").json["number"] == "DPA-1E"
    assert [d["number"] for d in dot.get("/delegations").json["items"]] == ["DPA-1E"]
    dss = api.as_("agency", "DSS")
    assert dss.get("/delegations/DPA-1E").status == 404
    assert dss.get("/delegations?agency=DOT").json["items"] == []
    assert dot.post("/delegations", json={**DELEGATION, "number": "DPA-2A"}).status == 403


@pytest.mark.rule("R-2c")
def test_a_taken_number_is_refused_with_409(purchasing):
    assert purchasing.post("/delegations", json=DELEGATION).status == 201
    taken = purchasing.post("/delegations", json={**DELEGATION, "agency": "DSS"})
    assert taken.status == 409 and taken.json["Code"] == "AlreadyTaken"


@pytest.mark.rule("R-2d")
def test_a_minor_purchase_delegation_above_600_dollars_is_refused_naming_the_limit_and_rule(purchasing):
    refused = purchasing.post("/delegations", json={**DELEGATION, "minor_nonrecurring": True, "dollar_limit": "600.01"})
    assert refused.status == 400 and refused.json["rule"] == "R-2d" and fields_of(refused) == ["dollar_limit"]
    assert purchasing.get("/delegations/DPA-1E").status == 404


@pytest.mark.rule("R-2a")
def test_a_delegation_without_factors_or_with_an_unknown_factor_is_refused(purchasing):
    assert purchasing.post("/delegations", json={**DELEGATION, "factors": []}).status == 400
    assert purchasing.post("/delegations", json={**DELEGATION, "factors": ["friendship"]}).status == 400


@pytest.mark.rule("R-2e")
def test_an_order_is_copied_to_the_comptroller_and_enters_the_review_queue_until_reviewed(api, stack, purchasing, dot):
    # Given DPA-1E / When DOT orders under it with two quotations
    purchasing.post("/delegations", json=DELEGATION)
    issued = dot.post("/delegations/DPA-1E/orders", json=ORDER)
    assert issued.status == 201
    order_id = issued.json["order_id"]
    assert issued.json["dpa_number"] == "DPA-1E" and issued.json["non_competitive"] is False
    # Then the Comptroller has its copy, and the order is in purchasing's queue
    (copy,) = [m for m in stack.outbox() if "comptroller@example.gov" in m["to"]]
    assert order_id in copy["subject"] and "Charter Oak Materials Inc: $3,725.50" in copy["text"]
    queue = purchasing.get("/delegations/orders?reviewed=false")
    assert [o["order_id"] for o in queue.json["items"]] == [order_id]
    assert dot.get("/delegations/orders").status == 403
    # When purchasing reviews it / Then it leaves the queue; a second review is 409
    path = f"/delegations/DPA-1E/orders/{order_id}/review"
    reviewed = purchasing.post(path, json={"finding": "conforms", "note": "Lower of two quotations."})
    assert reviewed.status == 200 and reviewed.json["finding"] == "conforms"
    assert purchasing.get("/delegations/orders?reviewed=false").json["items"] == []
    assert [o["order_id"] for o in purchasing.get("/delegations/orders?reviewed=true").json["items"]] == [order_id]
    assert purchasing.post(path, json={"finding": "conforms"}).status == 409
    assert [o["order_id"] for o in dot.get("/delegations/DPA-1E/orders").json["items"]] == [order_id]


@pytest.mark.rule("R-2e")
def test_an_order_without_evidence_of_competition_or_the_dpa_number_is_refused_naming_each_field(purchasing, dot):
    purchasing.post("/delegations", json=DELEGATION)
    bare = dot.post("/delegations/DPA-1E/orders", json={**ORDER, "quotations": [], "dpa_number": "DPA-9"})
    assert bare.status == 400 and bare.json["rule"] == "R-2e"
    assert fields_of(bare) == ["dpa_number", "quotations"]
    missing = dot.post("/delegations/DPA-1E/orders", json={k: v for k, v in ORDER.items() if k != "dpa_number"})
    assert missing.status == 400
    assert purchasing.get("/delegations/orders").json["items"] == []


@pytest.mark.rule("R-2e")
def test_a_non_competitive_order_with_its_reason_is_accepted(purchasing, dot):
    purchasing.post("/delegations", json=DELEGATION)
    body = {**ORDER, "quotations": [], "non_competitive": {"reason": "The manufacturer sells through one dealer."}}
    issued = dot.post("/delegations/DPA-1E/orders", json=body)
    assert issued.status == 201 and issued.json["non_competitive"] is True
    assert issued.json["non_competitive_reason"] == "The manufacturer sells through one dealer."


@pytest.mark.rule("R-2c")
@pytest.mark.rule("R-2e")
def test_an_order_above_the_limit_or_for_another_activity_is_refused(purchasing, dot):
    purchasing.post("/delegations", json={**DELEGATION, "dollar_limit": "3000.00"})
    over = dot.post("/delegations/DPA-1E/orders", json=ORDER)
    assert over.status == 400 and over.json["rule"] == "R-2e" and fields_of(over) == ["amount"]
    other = dot.post("/delegations/DPA-1E/orders", json={**ORDER, "amount": "300.00", "activity": "Office furniture"})
    assert other.status == 400 and other.json["rule"] == "R-2c" and fields_of(other) == ["activity"]


@pytest.mark.rule("R-2d")
def test_an_order_above_600_dollars_under_a_minor_purchase_delegation_is_refused(purchasing, dot):
    purchasing.post("/delegations", json={**DELEGATION, "minor_nonrecurring": True, "dollar_limit": "600.00"})
    quoted = [
        {"vendor": "Nutmeg Road Supply LLC", "amount": "600.01"},
        {"vendor": "Charter Oak Materials Inc", "amount": "640.00"},
    ]
    over = dot.post("/delegations/DPA-1E/orders", json={**ORDER, "amount": "600.01", "quotations": quoted})
    assert over.status == 400 and over.json["rule"] == "R-2d"


@pytest.mark.rule("R-2g")
def test_after_revocation_the_agency_is_emailed_and_orders_are_refused(stack, purchasing, dot):
    # Given DPA-1E revoked for non-conformance
    purchasing.post("/delegations", json=DELEGATION)
    revoked = purchasing.post("/delegations/DPA-1E/revoke", json={"reason": "Orders without quotations."})
    assert revoked.status == 200 and revoked.json["status"] == "revoked"
    assert revoked.json["revoke_reason"] == "Orders without quotations."
    assert any(m["subject"].startswith("Direct purchase authority DPA-1E revoked") for m in stack.outbox())
    # When DOT orders / Then 409 under R-2g; revoking again is 409; an agency may not revoke
    refused = dot.post("/delegations/DPA-1E/orders", json=ORDER)
    assert refused.status == 409 and refused.json["rule"] == "R-2g"
    assert purchasing.post("/delegations/DPA-1E/revoke", json={"reason": "Again."}).status == 409
    assert dot.post("/delegations/DPA-1E/revoke", json={"reason": "Mine."}).status == 403
    assert [d["number"] for d in purchasing.get("/delegations?status=revoked").json["items"]] == ["DPA-1E"]


@pytest.mark.rule("R-2c")
def test_an_order_before_the_start_day_is_refused_with_409(purchasing, dot):
    purchasing.post("/delegations", json={**DELEGATION, "starts_on": "2026-04-01"})
    early = dot.post("/delegations/DPA-1E/orders", json=ORDER)
    assert early.status == 409 and early.json["rule"] == "R-2c"
