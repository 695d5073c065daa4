"""The public notices of award of an invitation: who was awarded what at which prices, public once the award is made
(the opened bids are public from the opening, R-5n), and nothing before it."""

import pytest

from tests.workflows.test_invitation_to_bid import OPENING, bid, publish_with_two_vendors


@pytest.mark.rule("R-5n")
@pytest.mark.rule("R-8a")
def test_the_award_of_an_invitation_is_public_once_made_and_not_before(api, stack, clock):
    # Given two bids opened
    sol_id = publish_with_two_vendors(api, stack)
    for org, price in (("acme", "30.00"), ("bolt", "25.00")):
        assert api.as_vendor(org).post(f"/solicitations/{sol_id}/bids", json=bid(price, "40.00")).status == 201
    clock.advance(to=OPENING)
    # Then before the award there is no public notice of award
    assert api.get(f"/solicitations/{sol_id}/awards").status == 404
    # When purchasing awards to the lowest bidder
    assert api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={}).status in (200, 201)
    clock.run_until_idle()
    # Then anyone reads who was awarded which lines at which prices, and the contract its notice formed
    reply = api.get(f"/solicitations/{sol_id}/awards")
    assert reply.status == 200, reply.json
    (share,) = reply.json["awards"][0]["shares"]
    assert (share["awardee_name"], share["status"]) == ("Bolt Paper Co", "contracted")
    assert [(line["line_id"], line["unit_price"]) for line in share["lines"]] == [("1", "25.00"), ("2", "40.00")]
    assert share["contract_id"].startswith("CT-")
    assert "token" not in reply.body.decode() and "@" not in reply.body.decode()
