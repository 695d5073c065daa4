"""The other ways to buy under virtual time, through HTTP with the state machines executed by moto: a sole-source
request refused in reasonable doubt becomes an invitation to bid that is published and opened like any other (R-15),
an emergency purchase above $600 waits for purchasing's approval however long it takes (R-20), a surplus sale after
the bidders' inspection refuses a later change (R-21), and a warehouse requisition's delivery discrepancy adjusts its
invoice (R-22). (The delegation's term, R-2c, and the pre-itemized requisition's return, R-3, have their own
workflow tests.)"""

import datetime as dt

import pytest

from tests.integration.test_emergencies_http import ORDER, PURCHASE
from tests.integration.test_emergencies_http import contractor as pump_contractor  # noqa: F401  (autouse fixture)
from tests.integration.test_sole_source_http import FACTORS, REQUEST
from tests.integration.test_sole_source_http import contractor as chiller_contractor  # noqa: F401  (autouse fixture)
from tests.integration.test_surplus_http import REPORT as SURPLUS


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


@pytest.mark.rule("R-21")
def test_a_surplus_sale_after_the_bidders_inspection_refuses_a_change_made_days_later(api, clock):
    dot, purchasing = api.as_("agency", "DOT", sub="clerk@dot"), api.as_purchasing()
    # Given a pickup reported, approved by the Surplus Center, put up for auction and changed before the inspection
    prop = ok(dot.post("/surplus", json=SURPLUS), 201)["id"]
    ok(purchasing.post(f"/surplus/{prop}/approve"))
    ok(purchasing.post(f"/surplus/{prop}/disposal", json={"kind": "sale", "sale_method": "auction"}))
    ok(dot.post(f"/surplus/{prop}/changes", json={"condition": "New battery"}))
    clock.advance(days=7)
    ok(purchasing.post(f"/surplus/{prop}/inspection", json={"note": "Six bidders inspected it."}))
    # When, three days after the inspection, the holding agency removes a part / Then 409 under R-21
    clock.advance(days=3)
    refused = dot.post(f"/surplus/{prop}/changes", json={"condition": "Battery removed"})
    assert (refused.status, refused.json["rule"]) == (409, "R-21")
    # When the auction is held a week later / Then it is sold as inspected
    clock.advance(days=7)
    sold = ok(purchasing.post(f"/surplus/{prop}/sale", json={"buyer": "Hartford Auto Parts LLC", "amount": "4200.00"}))
    assert (sold["status"], sold["condition"], sold["sale_amount"]) == ("sold", "New battery", "4200.00")


@pytest.mark.rule("R-22")
def test_a_warehouse_requisition_shipped_on_its_date_with_a_delivery_discrepancy_adjusts_the_invoice(api, clock):
    dot, purchasing = api.as_("agency", "DOT", sub="clerk@dot"), api.as_purchasing()
    # Given the catalogue, a group C shipping date on 20 March, DOT's signer on file
    for stock, description, unit, price in (("C-1040", "Copy paper", "case", "38.50"), ("C-2001", "Pens", "box", "4.25")):
        item = {"stock_number": stock, "description": description, "unit_of_issue": unit, "unit_price": price, "group": "C"}
        ok(purchasing.post("/warehouse/items", json=item), 201)
    ok(purchasing.post("/warehouse/shipping-dates", json={"group": "C", "date": "2026-03-20"}), 201)
    ok(purchasing.post("/warehouse/officials", json={"agency": "DOT", "sub": "bmanager@dot", "name": "B. Manager"}), 201)
    # When DOT requisitions 11 days ahead / Then it is on time (R-22: at least 10 days before the shipping date)
    clock.advance(to=dt.datetime(2026, 3, 9, 9, 0, tzinfo=dt.timezone(dt.timedelta(hours=-4))))
    lines = [{"stock_number": "C-1040", "quantity": "10"}, {"stock_number": "C-2001", "quantity": "4"}]
    body = {"group": "C", "shipping_date": "2026-03-20", "signed_by": "bmanager@dot", "lines": lines}
    submitted = ok(dot.post("/warehouse/requisitions", json=body), 201)
    assert (submitted["late"], submitted["requested_amount"]) == (False, "402.00")
    # When it ships on the 20th and DOT counts 9 cases of paper for 10, initialled by deliverer and receiver
    clock.advance(days=11)
    ok(purchasing.post(f"/warehouse/requisitions/{submitted['id']}/shipping-memo", json={"lines": []}))
    counts = [
        {"stock_number": "C-1040", "delivered": "9", "deliverer_initials": "RK", "receiver_initials": "JL"},
        {"stock_number": "C-2001", "delivered": "4"},
    ]
    delivered = ok(dot.post(f"/warehouse/requisitions/{submitted['id']}/delivery", json={"counts": counts}))
    # Then the invoice is the delivered quantities times the unit prices
    assert delivered["invoice_amount"] == "363.50"
