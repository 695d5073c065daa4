"""Vendor identity over HTTP (R-4): one registration per FEIN, the FEIN kept from everyone but the vendor and
purchasing, only a confirmed vendor in good standing bids, and purchasing's duplicates, suspension and reinstatement."""

import pytest

from chalicelib.domain.vendors import MAX_COMMODITY_CODES
from local.fein import fein_for
from tests.workflows.test_invitation_to_bid import INVITATION, OPENING, VENDORS, bid, register_and_confirm

ACME_NAME, ACME_EMAIL = VENDORS["acme"]


def registration(org, *, legal_name=ACME_NAME, email=ACME_EMAIL, fein=None):
    return {"legal_name": legal_name, "fein": fein or fein_for(org), "contact_email": email, "commodity_codes": ["640"]}


@pytest.fixture
def acme_id(api, stack):
    """The real Acme, registered and confirmed."""
    return register_and_confirm(api, stack, "acme")


@pytest.fixture
def sol_id(api, acme_id):
    """An open invitation to bid for copy paper."""
    sol = api.as_purchasing().post("/solicitations", json=INVITATION).json
    assert api.as_purchasing().post(f"/solicitations/{sol['id']}/publish").status == 200
    return sol["id"]


@pytest.mark.rule("R-4")
def test_an_impostor_registering_acmes_name_and_email_without_confirming_is_refused_at_its_first_bid(api, stack, clock, sol_id):
    # Given an impostor organisation registers with the real Acme's legal name and contact email (its own FEIN),
    # so the confirmation code goes to Acme's mailbox and the impostor never confirms
    impostor = api.as_vendor("acme-impostor")
    registered = impostor.post("/vendors", json=registration("acme-impostor"))
    assert registered.status == 201 and registered.json["status"] == "pending_confirmation"
    assert [m["to"] for m in stack.outbox() if registered.json["id"] in m["subject"]] == [[ACME_EMAIL]]

    # When it bids on the open invitation
    reply = impostor.post(f"/solicitations/{sol_id}/bids", json=bid("1.00", "1.00"))

    # Then 403 under R-4, telling it to confirm its email, and no bid exists: the tabulation counts none
    assert reply.status == 403 and reply.json["Code"] == "Forbidden" and reply.json["rule"] == "R-4"
    assert f"POST /vendors/{registered.json['id']}/confirm" in reply.json["Message"]
    assert f"POST /vendors/{registered.json['id']}/confirmation-code" in reply.json["Message"]
    clock.advance(to=OPENING)
    assert api.get(f"/solicitations/{sol_id}/tabulation").json["bid_count"] == 0


@pytest.mark.rule("R-4")
def test_a_registration_with_a_taken_fein_is_409_naming_r4_and_nothing_of_the_other_vendor(api, stack):
    # Given acme registered its FEIN
    first = api.as_vendor("acme").post("/vendors", json=registration("acme")).json
    # When another organisation registers the same FEIN, without its hyphen
    reply = api.as_vendor("rival").post(
        "/vendors", json=registration("rival", legal_name="Rival LLC", email="x@rival.example", fein=first["fein"])
    )
    # Then 409 under R-4, "already registered", with neither acme's id, organisation, name nor email; one onboarding
    assert reply.status == 409 and reply.json["rule"] == "R-4"
    assert reply.json["details"] == [{"field": "fein", "problem": "already registered"}]
    for secret in (first["id"], "acme", ACME_EMAIL):
        assert secret not in reply.body.decode().lower()
    assert len(stack.executions("vendor-onboarding")) == 1


@pytest.mark.rule("R-4")
@pytest.mark.parametrize("fein", ["12-345678", "00-1234567", "12/3456789"])
def test_an_invalid_fein_is_400_naming_the_field(api, stack, fein):
    reply = api.as_vendor("acme").post("/vendors", json=registration("acme", fein=fein))
    assert reply.status == 400 and reply.json["rule"] == "R-4" and [d["field"] for d in reply.json["details"]] == ["fein"]
    assert stack.executions("vendor-onboarding") == []


@pytest.mark.rule("R-4")
def test_more_commodity_codes_than_the_notice_index_lists_in_one_transaction_is_400_naming_the_field(api, stack):
    # Given a registration of 99 different codes (a vendor, its audit record and a row per code: 100 items at most)
    codes = [str(600 + n) for n in range(99)]
    # When it is posted / Then 400 names commodity_codes, and no onboarding starts
    reply = api.as_vendor("acme").post("/vendors", json={**registration("acme"), "commodity_codes": codes})
    assert reply.status == 400 and [d["field"] for d in reply.json["details"]] == ["commodity_codes"]
    assert stack.executions("vendor-onboarding") == []


@pytest.mark.rule("R-4")
def test_a_vendor_of_the_most_commodity_codes_is_confirmed_suspended_and_reinstated_in_one_transaction_each(api, stack):
    # Given a registration of the most different codes allowed
    codes = [str(600 + n) for n in range(MAX_COMMODITY_CODES)]
    reply = api.as_vendor("acme").post("/vendors", json={**registration("acme"), "commodity_codes": codes})
    assert reply.status == 201, reply.json
    # When it confirms (the vendor, its audit record, the journal's item and a row of the notice index per code)
    code = [m for m in stack.outbox() if m["to"] == [ACME_EMAIL]][-1]["text"].split("Confirmation code: ")[1].split()[0]
    confirmed = api.as_vendor("acme").post(f"/vendors/{reply.json['id']}/confirm", json={"code": code})
    # Then it is active; and purchasing suspends and reinstates it, each rewriting every row in one transaction
    assert confirmed.status == 200 and confirmed.json["status"] == "active"
    for action in ("suspend", "reinstate"):
        changed = api.as_purchasing().post(f"/vendors/{reply.json['id']}/{action}", json={"reason": "Test of the limit."})
        assert changed.status == 200, changed.json


@pytest.mark.rule("R-4")
def test_the_vendor_and_purchasing_see_the_fein_and_no_public_record_does(api, stack, clock, acme_id, sol_id):
    # Given acme's registration and its bid, opened
    acme, vendor_id, fein = api.as_vendor("acme"), acme_id, fein_for("acme").replace("-", "")
    assert acme.post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "40.00")).status == 201
    clock.advance(to=OPENING)
    # Then the vendor itself and purchasing read it; another vendor is told nothing exists
    assert acme.get(f"/vendors/{vendor_id}").json["fein"] == fein
    assert api.as_purchasing().get(f"/vendors/{vendor_id}").json["fein"] == fein
    assert api.as_vendor("bolt").get(f"/vendors/{vendor_id}").status == 404
    # And neither the public solicitation nor the public tabulation carries it, in either form
    for public in (api.get(f"/solicitations/{sol_id}"), api.get(f"/solicitations/{sol_id}/tabulation")):
        assert public.status == 200 and fein not in public.body.decode() and fein_for("acme") not in public.body.decode()


def duplicates_of(api):
    reply = api.as_purchasing().get("/vendors/duplicates")
    assert reply.status == 200, reply.json
    return reply.json["items"]


@pytest.mark.rule("R-4")
def test_purchasing_lists_vendors_sharing_a_normalised_legal_name_with_the_last_four_fein_digits(api, stack, clock, sol_id):
    # Given the real Acme (confirmed), an impostor "ACME OFFICE SUPPLY, INC." (unconfirmed) a minute later, and an
    # unrelated vendor
    clock.advance(minutes=1)
    impostor = (
        api.as_vendor("acme-impostor")
        .post("/vendors", json=registration("acme-impostor", legal_name="ACME OFFICE SUPPLY, INC."))
        .json
    )
    api.as_vendor("globex").post("/vendors", json=registration("globex", legal_name="Globex Corp", email="bids@globex.example"))
    # When purchasing asks for duplicates
    (group,) = duplicates_of(api)
    # Then one group: Acme first (registered first), then the impostor; FEINs only by their last four digits
    assert group["name_key"] == "acme office supply"
    assert [(v["org"], v["confirmed"], v["suspended"]) for v in group["vendors"]] == [
        ("acme", True, False),
        ("acme-impostor", False, False),
    ]
    assert group["vendors"][1] == {
        "id": impostor["id"],
        "org": "acme-impostor",
        "legal_name": "ACME OFFICE SUPPLY, INC.",
        "fein_last4": impostor["fein"][-4:],
        "confirmed": False,
        "suspended": False,
        "registered_at": impostor["registered_at"],
    }


@pytest.mark.parametrize("caller", ["vendor", "agency", "opm"])
def test_only_purchasing_sees_duplicates_suspends_or_reinstates(api, stack, caller):
    vendor = api.as_vendor("acme").post("/vendors", json=registration("acme")).json
    other = api.as_vendor("rival") if caller == "vendor" else api.as_(caller, "DSS")
    assert other.get("/vendors/duplicates").status == 403
    assert other.post(f"/vendors/{vendor['id']}/suspend", json={"reason": "duplicate"}).status == 403
    assert other.post(f"/vendors/{vendor['id']}/reinstate").status == 403


@pytest.mark.rule("R-4")
def test_a_suspension_needs_a_reason(api, stack):
    vendor = api.as_vendor("acme").post("/vendors", json=registration("acme")).json
    for body in ({}, {"reason": " "}):
        reply = api.as_purchasing().post(f"/vendors/{vendor['id']}/suspend", json=body)
        assert reply.status == 400 and reply.json["details"][0]["field"] == "reason"
    assert api.as_purchasing().get(f"/vendors/{vendor['id']}").json["suspended_at"] is None


@pytest.mark.rule("R-4")
def test_a_suspended_vendor_may_not_bid_until_reinstated_and_the_suspension_is_audited(api, stack, acme_id, sol_id):
    # Given purchasing suspends the confirmed Acme, with a reason
    vendor_id = acme_id
    suspended = api.as_purchasing().post(f"/vendors/{vendor_id}/suspend", json={"reason": "FEIN under review"})
    assert suspended.status == 200 and suspended.json["suspension_reason"] == "FEIN under review"
    # When it bids / Then 403 under R-4 naming the suspension
    refused = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "40.00"))
    assert refused.status == 403 and refused.json["rule"] == "R-4" and "suspended" in refused.json["Message"]
    # When purchasing reinstates it / Then it bids
    assert api.as_purchasing().post(f"/vendors/{vendor_id}/reinstate").json["suspended_at"] is None
    assert api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "40.00")).status == 201
    trail = api.as_purchasing().get(f"/audit?entity=vendor:{vendor_id}").json["items"]
    assert [(e["action"], e["actor"]) for e in trail[-2:]] == [
        ("vendor.suspended", "purchasing-user@DAS-BOP"),
        ("vendor.reinstated", "purchasing-user@DAS-BOP"),
    ]
