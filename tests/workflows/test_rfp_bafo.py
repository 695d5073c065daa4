"""The rfp-bafo state machine under virtual time (R-17c): the call for best and final offers starts one execution per
round, which waits until the common date and time, then opens the round's sealed offers with the opening's task."""

import datetime as dt

import pytest

from chalicelib import bootstrap
from chalicelib.domain.proposals import Proposal, ProposalStatus
from tests.integration.test_rfp_discussions_http import bafo_due, in_discussions

PROCESS = "rfp-bafo"


@pytest.mark.rule("R-17c")
def test_the_offers_stay_sealed_until_the_common_time_then_open_and_negotiation_follows(api, clock, stack):
    # Given a request in discussions with acme and bolt
    rfp, vendors = in_discussions(api, clock)
    purchasing = api.as_("purchasing", "DAS-BOP", "officer-1@das.ct.gov")
    due = bafo_due(clock)
    # When purchasing calls round 1 and acme offers (bolt sends none)
    assert purchasing.post(f"/rfps/{rfp['id']}/bafo", json={"due": due}).status == 200
    offer = vendors["acme"].post(f"/rfps/{rfp['id']}/bafo/offers", json={"price": "1100000.00", "description": "Final offer."})
    assert offer.status == 201, offer.json
    name = f"rfp-bafo-{rfp['id']}-1"
    # Then until one second before the common time the execution waits and the offer is sealed
    clock.advance(to=dt.datetime.fromisoformat(due) - dt.timedelta(seconds=1))
    assert stack.execution(PROCESS, name)["status"] == "RUNNING"
    stored = bootstrap.deps().store.get(Proposal, offer.json["proposal_id"])
    assert stored.status is ProposalStatus.SEALED and stored.content is None
    # When the clock passes the common time / Then the execution succeeds, the offer is open, negotiation follows
    clock.advance(seconds=2)
    assert stack.execution(PROCESS, name)["status"] == "SUCCEEDED"
    opened = bootstrap.deps().store.get(Proposal, offer.json["proposal_id"])
    assert opened.status is ProposalStatus.OPENED and opened.content.price == "1100000.00" and opened.salt
    assert purchasing.get(f"/rfps/{rfp['id']}").json["status"] == "negotiation"
    # And bolt's live proposal is its final one, opened as before
    register = purchasing.get(f"/rfps/{rfp['id']}/register").json["proposals"]
    assert sorted(e["proposer_name"] for e in register) == ["Acme Systems LLC", "Bolt Systems LLC", "Cole Systems LLC"]
