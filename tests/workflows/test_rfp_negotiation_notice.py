"""The rfp-negotiation-notice state machine under virtual time (R-16h-l): a terminated negotiation whose written
notice purchasing does not send is confirmed by the timer at the start of the notice period's last day; then the next
negotiation opens and its agreement awards the contract (R-16m-o)."""

import datetime as dt

import pytest

from chalicelib.domain.calendar import CT
from tests.integration.test_rfp_negotiations_http import AGREEMENT, decide_acme, in_negotiation

PROCESS = "rfp-negotiation-notice"


def notices_to(stack, address):
    return [m for m in stack.outbox() if address in m["to"] and m["subject"].startswith("Written notice of termination")]


@pytest.mark.rule("R-16h-l")
@pytest.mark.rule("R-16m-o")
def test_the_timer_sends_the_written_notice_at_the_start_of_the_last_day_and_the_next_negotiation_opens(api, stack, clock):
    purchasing = api.as_("purchasing", "DAS-BOP", "officer-1@das.ct.gov")
    rfp, sent = in_negotiation(api, clock, purchasing)
    base = f"/rfps/{rfp['id']}"
    decide_acme(purchasing, rfp, sent["acme"])
    assert purchasing.post(f"{base}/negotiations").status == 201
    # Given acme's negotiation terminated on Monday 20 April 2026 at 9:00, and no notice sent by purchasing
    clock.advance(to=dt.datetime(2026, 4, 20, 9, 0, tzinfo=CT))
    terminated = purchasing.post(f"{base}/negotiations/1/terminate", json={"reasons": "The price exceeds the estimate."})
    assert terminated.status == 200
    # When the clock reaches the last second of Wednesday 22 April / Then no notice has gone out yet
    clock.advance(to=dt.datetime(2026, 4, 22, 23, 59, 59, tzinfo=CT))
    assert notices_to(stack, "proposals@acme.example") == []
    assert purchasing.post(f"{base}/negotiations").status == 409
    # When it reaches 00:00 on Thursday 23 April, the last day of the three / Then the timer sent the notice, once
    clock.advance(to=dt.datetime(2026, 4, 23, 0, 0, tzinfo=CT))
    (notice,) = notices_to(stack, "proposals@acme.example")
    assert "The price exceeds the estimate." in notice["text"]
    assert stack.history(PROCESS, f"rfp-notice-{rfp['id']}-1")[-1]["type"] == "ExecutionSucceeded"
    listed = purchasing.get(f"{base}/negotiations").json["negotiations"][0]
    assert listed["notice_sent_at"] == "2026-04-23T00:00:00-04:00" and listed["notice_in_time"] is True
    # And the next negotiation opens with bolt, and the agreement awards it the contract
    assert purchasing.post(f"{base}/negotiations").json["vendor_id"] == "V-bolt"
    agreed = purchasing.post(f"{base}/negotiations/2/agree", json=AGREEMENT)
    assert agreed.status == 200 and agreed.json["awardee_vendor_id"] == "V-bolt"
    assert any(m["subject"].startswith("Notice of award") for m in stack.outbox() if "proposals@bolt.example" in m["to"])
