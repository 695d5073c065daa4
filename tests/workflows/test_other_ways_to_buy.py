"""The other ways to buy under virtual time, through HTTP with the state machines executed by moto: a sole-source
request refused in reasonable doubt becomes an invitation to bid that is published and opened like any other (R-15),
and an emergency purchase above $600 waits for purchasing's approval however long it takes (R-20). (The delegation's
term, R-2c, and the pre-itemized requisition's return, R-3, have their own workflow tests.)"""

import datetime as dt

import pytest

from tests.integration.test_emergencies_http import ORDER, PURCHASE
from tests.integration.test_emergencies_http import contractor as pump_contractor  # noqa: F401  (autouse fixture)
from tests.integration.test_sole_source_http import FACTORS, REQUEST
from tests.integration.test_sole_source_http import contractor as chiller_contractor  # noqa: F401  (autouse fixture)


def ok(reply, status=200):
    assert reply.status == status, reply.json
    return reply.json


@pytest.mark.rule("R-15")
def test_a_sole_source_request_refused_in_reasonable_doubt_is_competed_through_a_real_invitation_to_bid(api, clock):
    agency, purchasing = api.as_("agency", "DAS"), api.as_purchasing()
    # Given an agency's sole-source request refused with competition, opening in two weeks
    request = ok(agency.post("/sole-source-requests", json=REQUEST), 201)
    opening = dt.datetime(2026, 3, 16, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=-4)))
    body = {
        "granted": False,
        "reason": "Two other firms service these controls.",
        "competition": True,
        "opening_at": opening.isoformat(),
        "evaluation_factors": FACTORS,
    }
    competed = ok(purchasing.post(f"/sole-source-requests/{request['id']}/determination", json=body))
    invitation = competed["solicitation_id"]
    # When purchasing publishes the drafted invitation and the clock passes its opening
    assert ok(purchasing.post(f"/solicitations/{invitation}/publish"))["status"] == "open"
    clock.advance(to=opening - dt.timedelta(seconds=1))
    assert ok(api.get(f"/solicitations/{invitation}"))["status"] == "open"
    clock.advance(to=opening)
    # Then it was opened by the invitation-to-bid workflow at its opening, and it still names the request it competes
    opened = ok(api.get(f"/solicitations/{invitation}"))
    assert (opened["status"], opened["sole_source_id"]) == ("opened", request["id"])
    assert ok(purchasing.get(f"/sole-source-requests/{request['id']}"))["status"] == "competed"


@pytest.mark.rule("R-20")
def test_an_emergency_above_600_dollars_waits_for_approval_with_nothing_ordered_however_long_it_takes(api, clock):
    agency, purchasing = api.as_("agency", "DOT"), api.as_purchasing()
    # Given an emergency purchase of $2,400.00
    waiting = ok(agency.post("/emergency-purchases", json=PURCHASE), 201)
    assert (waiting["status"], waiting["contract_id"]) == ("awaiting_approval", None)
    # When ten days pass without a decision / Then it still waits, no contract, nothing ordered, nothing public
    clock.advance(days=10)
    still = ok(purchasing.get(f"/emergency-purchases/{waiting['id']}"))
    assert (still["status"], still["contract_id"]) == ("awaiting_approval", None)
    assert agency.get("/agencies/DOT/orders").json["items"] == [] and api.get("/registers/emergency").json["items"] == []
    # When purchasing approves / Then the agency orders against its contract
    contract_id = ok(purchasing.post(f"/emergency-purchases/{waiting['id']}/approve"))["contract_id"]
    ok(agency.post(f"/contracts/{contract_id}/orders", json={**ORDER, "deliver_by": "2026-03-31"}), 201)
