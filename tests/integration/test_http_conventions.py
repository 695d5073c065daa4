"""Conventions every route follows: one error shape, 401/403, validation listing each field, no 500 on bad input."""

import datetime as dt

import jwt
import pytest

from local.fein import fein_for
from local.stack import DEV_JWT_SECRET

GOOD = {
    "legal_name": "Acme Office Supply LLC",
    "fein": fein_for("acme"),
    "contact_email": "bids@acme.example",
    "commodity_codes": ["61500"],
}


def assert_error_shape(reply, status, code):
    assert reply.status == status, reply.json
    assert set(reply.json) == {"Code", "Message", "rule", "details"}
    assert reply.json["Code"] == code and reply.json["Message"]


def test_a_request_without_a_token_gets_401_with_the_error_shape(api):
    reply = api.post("/vendors", json=GOOD)
    assert_error_shape(reply, 401, "Unauthenticated")
    assert reply.headers["WWW-Authenticate"].startswith("Bearer")


def test_a_token_signed_with_another_secret_gets_401(api):
    forged = jwt.encode(
        {"sub": "x", "role": "purchasing", "org": "DAS"}, "not-the-secret-at-all-but-long-enough", algorithm="HS256"
    )
    api.token = forged
    assert_error_shape(api.post("/vendors", json=GOOD), 401, "Unauthenticated")


def test_an_expired_token_gets_401(api):
    past = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    api.token = jwt.encode(
        {"sub": "x", "role": "vendor", "org": "acme", "iat": past - dt.timedelta(hours=1), "exp": past},
        DEV_JWT_SECRET,
        algorithm="HS256",
    )
    reply = api.post("/vendors", json=GOOD)
    assert_error_shape(reply, 401, "Unauthenticated")
    assert "expired" in reply.json["Message"]


def test_a_token_missing_the_org_claim_gets_401(api):
    api.token = jwt.encode({"sub": "x", "role": "vendor"}, DEV_JWT_SECRET, algorithm="HS256")
    assert_error_shape(api.post("/vendors", json=GOOD), 401, "Unauthenticated")


def test_a_token_with_an_unknown_role_gets_401(api):
    api.token = jwt.encode({"sub": "x", "role": "admin", "org": "acme"}, DEV_JWT_SECRET, algorithm="HS256")
    assert_error_shape(api.post("/vendors", json=GOOD), 401, "Unauthenticated")


def test_a_role_the_route_does_not_allow_gets_403(api):
    reply = api.as_("agency", "DSS").post("/vendors", json=GOOD)
    assert_error_shape(reply, 403, "Forbidden")
    assert "vendor" in reply.json["Message"]


@pytest.mark.rule("R-4")
def test_validation_errors_list_every_bad_field_with_the_rule(api):
    reply = api.as_vendor("acme").post("/vendors", json={"legal_name": "", "commodity_codes": [], "extra": 1})
    assert_error_shape(reply, 400, "ValidationFailed")
    assert reply.json["rule"] == "R-4"
    fields = {d["field"] for d in reply.json["details"]}
    assert {"legal_name", "contact_email", "commodity_codes", "extra"} <= fields


@pytest.mark.rule("R-4")
def test_domain_validation_names_each_malformed_commodity_code(api):
    reply = api.as_vendor("acme").post(
        "/vendors", json={**GOOD, "contact_email": "not-an-email", "commodity_codes": ["61500", "x1"]}
    )
    assert_error_shape(reply, 400, "ValidationFailed")
    assert {d["field"] for d in reply.json["details"]} == {"contact_email", "commodity_codes[1]"}


def test_malformed_json_is_a_400_not_a_500(api):
    reply = api.as_vendor("acme").post("/vendors", raw=b"{not json")
    assert_error_shape(reply, 400, "ValidationFailed")


def test_an_unknown_record_is_404_with_the_error_shape(api):
    assert_error_shape(api.as_purchasing().get("/vendors/V-nope"), 404, "NotFound")


def test_another_vendor_cannot_learn_that_a_registration_exists(api):
    vendor = api.as_vendor("acme").post("/vendors", json=GOOD).json
    assert_error_shape(api.as_vendor("rival").get(f"/vendors/{vendor['id']}"), 404, "NotFound")


def test_a_second_registration_of_an_organisation_is_409_and_stores_nothing(api, stack):
    first = api.as_vendor("acme").post("/vendors", json=GOOD).json
    reply = api.as_vendor("acme").post("/vendors", json={**GOOD, "legal_name": "Other"})
    assert_error_shape(reply, 409, "Conflict")
    assert reply.json["details"] == [{"vendor_id": first["id"]}]
    assert len(stack.executions("vendor-onboarding")) == 1


def test_refused_input_changes_nothing_stored(api, stack):
    api.as_vendor("acme").post("/vendors", json={**GOOD, "commodity_codes": ["bad"]})
    assert stack.executions("vendor-onboarding") == []
    assert stack.outbox() == []


def test_times_are_shown_in_connecticut_time(api):
    vendor = api.as_vendor("acme").post("/vendors", json=GOOD).json
    assert vendor["registered_at"] == "2026-03-02T09:00:00-05:00"


def test_an_unexpected_failure_is_a_500_with_the_error_shape_and_no_trace(api, monkeypatch):
    from chalicelib.services import vendors

    monkeypatch.setattr(vendors, "get_vendor", lambda *a: 1 / 0)
    reply = api.as_purchasing().get("/vendors/V-1")
    assert_error_shape(reply, 500, "InternalError")
    assert "ZeroDivision" not in reply.json["Message"]


def test_a_token_issued_seconds_ahead_of_the_server_clock_is_accepted(api, clock):
    ahead = clock.now() + dt.timedelta(seconds=10)
    api.token = jwt.encode(
        {"sub": "x", "role": "vendor", "org": "acme", "iat": ahead, "exp": ahead + dt.timedelta(hours=1)},
        DEV_JWT_SECRET,
        algorithm="HS256",
    )
    assert api.post("/vendors", json=GOOD).status == 201


def test_a_token_issued_minutes_in_the_future_is_refused(api, clock):
    ahead = clock.now() + dt.timedelta(minutes=5)
    api.token = jwt.encode(
        {"sub": "x", "role": "vendor", "org": "acme", "iat": ahead, "exp": ahead + dt.timedelta(hours=1)},
        DEV_JWT_SECRET,
        algorithm="HS256",
    )
    assert_error_shape(api.post("/vendors", json=GOOD), 401, "Unauthenticated")
