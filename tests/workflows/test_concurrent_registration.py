"""Uniqueness by construction on the emulated stack: simultaneous requests cannot create two vendors of one organisation."""

import json
import threading

from chalicelib.domain.vendors import Vendor
from local.fein import fein_for

GOOD = {
    "legal_name": "Acme Office Supply LLC",
    "fein": fein_for("acme"),
    "contact_email": "bids@acme.example",
    "commodity_codes": ["61500"],
}


def test_ten_simultaneous_registrations_of_one_organisation_create_one_vendor(api, stack):
    # Given ten requests of organisation acme, without an Idempotency-Key, released at the same instant
    acme = api.as_vendor("acme")
    start, replies = threading.Barrier(10), []

    def register():
        start.wait()
        replies.append(
            acme.client.http.request(
                "POST",
                "/vendors",
                headers={"Content-Type": "application/json", "Authorization": f"Bearer {acme.bearer()}"},
                body=json.dumps(GOOD).encode(),
            )
        )

    # When they run concurrently
    threads = [threading.Thread(target=register) for _ in range(10)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    stack.clock.run_until_idle()

    # Then exactly one vendor exists, with one onboarding; the nine others got a clean 409 naming it
    from chalicelib import bootstrap

    stored = list(bootstrap.deps().store.iterate(Vendor, "by_org", "acme"))
    statuses = sorted(r.status_code for r in replies)
    assert len(stored) == 1 and statuses == [201] + [409] * 9
    refusals = [json.loads(r.body) for r in replies if r.status_code == 409]
    assert {(r["Code"], r["details"][0]["vendor_id"]) for r in refusals} == {("Conflict", stored[0].id)}
    assert len(stack.executions("vendor-onboarding")) == 1
