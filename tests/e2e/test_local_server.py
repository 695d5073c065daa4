"""`make run` for real: the server process on 127.0.0.1, driven over HTTP as a developer would with curl."""

import signal
import urllib.request

import pytest

from local.fein import fein_for
from tests.e2e.conftest import call, token


def test_openapi_document_is_served_on_loopback(server):
    base, _ = server
    status, doc = call("GET", f"{base}/openapi.json")
    assert status == 200 and "/vendors" in doc["paths"]


def test_a_registered_vendor_is_reminded_after_the_clock_advances_seven_days(server):
    base, _ = server
    status, vendor = call(
        "POST",
        f"{base}/vendors",
        {
            "legal_name": "Acme Office Supply",
            "fein": fein_for("acme-e2e"),
            "contact_email": "bids@acme.example",
            "commodity_codes": ["61500"],
        },
        token("vendor", "acme-e2e", base),
    )
    assert status == 201, vendor
    _, outbox = call("GET", f"{base}/_local/outbox")
    assert [m["subject"] for m in outbox["messages"]] == [f"Confirm your vendor registration {vendor['id']}"]

    status, _ = call("POST", f"{base}/_local/clock", {"advance": "P7D"})
    assert status == 200

    _, outbox = call("GET", f"{base}/_local/outbox")
    assert outbox["messages"][-1]["subject"] == f"Reminder: confirm your vendor registration {vendor['id']}"


def test_a_token_printed_after_the_clock_jumps_a_month_still_opens_the_api(server):
    # Given the stack's clock a month ahead of the host's, beyond any 12-hour token issued at host time
    base, _ = server
    assert call("POST", f"{base}/_local/clock", {"advance": "P30D"})[0] == 200
    # When a token is printed now / Then it is issued at the stack's clock and accepted
    status, vendor = call(
        "POST",
        f"{base}/vendors",
        {
            "legal_name": "Bolt Supply",
            "fein": fein_for("bolt-e2e"),
            "contact_email": "bids@bolt.example",
            "commodity_codes": ["61500"],
        },
        token("vendor", "bolt-e2e", base),
    )
    assert status == 201, vendor


def test_a_malformed_clock_change_is_refused_with_the_error_shape(server):
    base, _ = server
    status, body = call("POST", f"{base}/_local/clock", {"advance": "ten days"})
    assert status == 400 and body["Code"] == "ValidationFailed" and body["details"]


def test_ctrl_c_stops_the_whole_stack(server):
    base, process = server
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=30) == 0
    with pytest.raises(OSError):
        urllib.request.urlopen(f"{base}/openapi.json", timeout=2)
