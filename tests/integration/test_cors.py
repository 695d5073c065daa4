"""CORS for the configured portal origins only (CORS_ALLOWED_ORIGINS): none by default; an allowed Origin gets its own
origin back with Vary: Origin, its preflight is answered, and any other origin gets no CORS header."""

import pytest

from chalicelib import bootstrap
from local.fein import fein_for

PORTAL = "https://vendors.portal.ct.example"
OTHER_PORTAL = "https://agencies.portal.ct.example"
GOOD = {
    "legal_name": "Acme Office Supply LLC",
    "fein": fein_for("acme"),
    "contact_email": "bids@acme.example",
    "commodity_codes": ["61500"],
}


@pytest.fixture
def allowlist(stack, monkeypatch):
    monkeypatch.setenv("CORS_ALLOWED_ORIGINS", f"{PORTAL}, {OTHER_PORTAL}/")
    bootstrap.settings.cache_clear()
    yield
    monkeypatch.delenv("CORS_ALLOWED_ORIGINS")
    bootstrap.settings.cache_clear()


def cors_headers(reply) -> dict:
    return {k: v for k, v in reply.headers.items() if k.lower().startswith("access-control-")}


def preflight(api, path, origin, method="POST"):
    return api.request(
        "OPTIONS",
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )


def test_without_an_allowlist_no_cors_header_is_sent(api):
    # Given no CORS_ALLOWED_ORIGINS; When a portal calls and preflights; Then no CORS header comes back
    assert cors_headers(api.get("/solicitations", headers={"Origin": PORTAL})) == {}
    reply = preflight(api, "/vendors", PORTAL)
    assert reply.status == 204 and cors_headers(reply) == {} and "Vary" not in reply.headers


def test_an_allowed_origin_gets_its_own_origin_back_with_vary_origin(api, allowlist):
    # When each allowed portal reads, Then the answer names that portal's origin and varies by origin
    for origin in (PORTAL, OTHER_PORTAL):
        reply = api.get("/solicitations", headers={"Origin": origin})
        assert reply.status == 200 and reply.headers["Access-Control-Allow-Origin"] == origin
        assert "Origin" in reply.headers["Vary"] and "Idempotent-Replayed" in reply.headers["Access-Control-Expose-Headers"]


def test_the_preflight_of_an_allowed_origin_lists_the_paths_methods_and_the_portals_headers(api, allowlist):
    # When the vendor portal preflights a bid read
    reply = preflight(api, "/solicitations/ITB-1/bids/BID-1", PORTAL, method="DELETE")
    # Then it may send the bearer token and a retry key with the path's methods
    assert reply.status == 204 and reply.headers["Access-Control-Allow-Origin"] == PORTAL
    assert reply.headers["Access-Control-Allow-Methods"] == "DELETE, GET"
    assert {"Authorization", "Content-Type", "Idempotency-Key"} <= {
        h.strip() for h in reply.headers["Access-Control-Allow-Headers"].split(",")
    }


def test_another_origin_gets_no_cors_header_on_answers_errors_or_preflights(api, allowlist):
    # Given an origin not in the list
    evil = "https://portal.example.com"
    # When it calls, fails authentication and preflights, Then no Access-Control header is sent
    for reply in (
        api.get("/solicitations", headers={"Origin": evil}),
        api.post("/vendors", json=GOOD, headers={"Origin": evil}),
        preflight(api, "/vendors", evil),
    ):
        assert cors_headers(reply) == {} and "Origin" in reply.headers["Vary"]


def test_errors_and_replayed_answers_carry_the_headers_for_an_allowed_origin(api, allowlist):
    # Given a refused call and a replayed one from the portal
    refused = api.post("/vendors", json=GOOD, headers={"Origin": PORTAL})
    first = api.as_vendor("acme").post("/vendors", json=GOOD, headers={"Origin": PORTAL, "Idempotency-Key": "c-1"})
    again = api.as_vendor("acme").post("/vendors", json=GOOD, headers={"Origin": PORTAL, "Idempotency-Key": "c-1"})
    # Then the portal may read each answer
    assert (refused.status, first.status, again.headers.get("Idempotent-Replayed")) == (401, 201, "true")
    assert all(r.headers["Access-Control-Allow-Origin"] == PORTAL for r in (refused, first, again))
