"""Discussions and best and final offers over HTTP on the in-process stack: a proposer's own discussion, an oral
clarification confirmed in writing before the offers are called (R-17b), a modification during discussions and none
after (R-16f), an addendum to the shortlisted only (R-17b), the offers sealed until their common time (R-17c)."""

import dataclasses
import datetime as dt

import pytest

from chalicelib import bootstrap
from chalicelib.domain.rfps import Rfp, RfpStatus
from chalicelib.services.ports import Actor, Change, Role
from tests.integration.test_proposals_http import propose, register_vendor
from tests.integration.test_rfps_http import DUE, mails_to, published

SHORTLIST = ("V-acme", "V-bolt")  # cole proposed but is not shortlisted
ACME_MAIL, BOLT_MAIL, COLE_MAIL = "proposals@acme.example", "proposals@bolt.example", "proposals@cole.example"


def in_discussions(api, clock) -> tuple[dict, dict]:
    """A published request, a proposal each from acme, bolt and cole opened by two officials, then acme and bolt
    shortlisted (the evaluation's result, committed to the stack's store). The request and each vendor's client."""
    purchasing = api.as_("purchasing", "DAS-BOP", "officer-1@das.ct.gov")
    vendors = {}
    for org in ("acme", "bolt", "cole"):
        register_vendor(org)
        vendors[org] = api.as_vendor(org)
    rfp = published(purchasing)
    for client in vendors.values():
        assert propose(client, rfp).status == 201
    clock.advance(to=dt.datetime.fromisoformat(DUE))
    for official in ("officer-1@das.ct.gov", "officer-2@das.ct.gov"):
        assert api.as_("purchasing", "DAS-BOP", official).post(f"/rfps/{rfp['id']}/opening/confirmations").status == 200
    clock.run_until_idle()
    clock.advance(days=7)
    deps = bootstrap.deps()
    opened = deps.store.get(Rfp, rfp["id"])
    assert opened.status is RfpStatus.OPENED
    shortlisted = dataclasses.replace(opened, status=RfpStatus.DISCUSSIONS, shortlist=SHORTLIST, shortlisted_at=deps.clock.now())
    deps.store.commit(
        Actor("officer-1@das.ct.gov", Role.PURCHASING, "DAS-BOP"),
        deps.clock.now(),
        [Change(action="rfp.shortlisted", after=shortlisted, before=opened)],
    )
    return rfp, vendors


def bafo_due(clock, days=10) -> str:
    return (
        (clock.now() + dt.timedelta(days=days)).astimezone(dt.timezone(dt.timedelta(hours=-4))).replace(microsecond=0).isoformat()
    )


@pytest.fixture
def purchasing(api):
    return api.as_("purchasing", "DAS-BOP", "officer-1@das.ct.gov")


@pytest.fixture
def discussing(api, clock):
    return in_discussions(api, clock)


@pytest.mark.rule("R-17b")
def test_an_oral_clarification_is_confirmed_in_writing_before_the_offers_are_called(purchasing, discussing, clock, stack):
    rfp, vendors = discussing
    path = f"/rfps/{rfp['id']}/discussions"
    # Given purchasing's record of an oral clarification with acme, emailed to acme
    oral = purchasing.post(path, json={"vendor_id": "V-acme", "kind": "oral", "text": "Acme said notes keep their dates."})
    assert oral.status == 201, oral.json
    assert oral.json["confirmation"] == "awaiting_confirmation" and oral.json["side"] == "purchasing"
    assert any("Confirm in writing" in m["subject"] for m in mails_to(stack, ACME_MAIL))
    # When purchasing calls for best and final offers / Then 409 under R-17b naming the clarification
    refused = purchasing.post(f"/rfps/{rfp['id']}/bafo", json={"due": bafo_due(clock)})
    assert refused.status == 409 and refused.json["rule"] == "R-17b" and oral.json["id"] in refused.json["Message"]
    # When acme confirms it in writing / Then purchasing's mailbox has it and the call goes ahead
    confirmed = vendors["acme"].post(path, json={"text": "Confirmed: notes keep their dates.", "confirms": oral.json["id"]})
    assert confirmed.status == 201 and confirmed.json["confirms"] == oral.json["id"]
    assert any("confirms oral clarification 1" in m["subject"] for m in mails_to(stack, "purchasing@example.gov"))
    called = purchasing.post(f"/rfps/{rfp['id']}/bafo", json={"due": bafo_due(clock)})
    assert called.status == 200 and called.json["status"] == "bafo" and called.json["bafo_round"] == 1


@pytest.mark.rule("R-17b")
def test_a_proposer_reads_its_own_discussion_only(purchasing, discussing):
    rfp, vendors = discussing
    path = f"/rfps/{rfp['id']}/discussions"
    # Given a message to bolt
    assert purchasing.post(path, json={"vendor_id": "V-bolt", "text": "Bolt: explain your hosting."}).status == 201
    # When acme reads its discussion / Then it is empty; naming bolt's is 404; bolt sees its message
    assert vendors["acme"].get(path).json["items"] == []
    assert vendors["acme"].get(f"{path}?vendor_id=V-bolt").status == 404
    assert [m["text"] for m in vendors["bolt"].get(path).json["items"]] == ["Bolt: explain your hosting."]
    # And purchasing names the proposer (400 without), cole (not shortlisted) may not write
    assert purchasing.get(path).status == 400
    assert [m["number"] for m in purchasing.get(f"{path}?vendor_id=V-bolt").json["items"]] == [1]
    refused = vendors["cole"].post(path, json={"text": "May we discuss?"})
    assert refused.status == 409 and refused.json["rule"] == "R-17b"


@pytest.mark.rule("R-16f")
def test_a_modification_during_discussions_is_received_opened_and_none_after_the_call(purchasing, discussing, clock):
    rfp, vendors = discussing
    # When acme modifies its proposal during discussions / Then 201, opened as received, one modification
    modified = propose(vendors["acme"], rfp, description="Hosted case management, with eligibility.")
    assert modified.status == 201 and modified.json["status"] == "opened" and modified.json["modifications"] == 1
    register = purchasing.get(f"/rfps/{rfp['id']}/register").json["proposals"]
    assert [e["modifications"] for e in register if e["proposal_id"] == modified.json["proposal_id"]] == [1]
    # And cole, not shortlisted, is refused
    assert propose(vendors["cole"], rfp).status == 409
    # When the offers are called / Then a modification and a withdrawal are 409 under R-16f
    assert purchasing.post(f"/rfps/{rfp['id']}/bafo", json={"due": bafo_due(clock)}).status == 200
    late = propose(vendors["acme"], rfp)
    withdrawal = vendors["acme"].post(f"/rfps/{rfp['id']}/proposals/{modified.json['proposal_id']}/withdraw")
    assert (late.status, late.json["rule"], withdrawal.status, withdrawal.json["rule"]) == (409, "R-16f", 409, "R-16f")


@pytest.mark.rule("R-17b")
def test_an_addendum_during_discussions_reaches_the_shortlisted_proposers_only(purchasing, discussing, stack):
    rfp, _ = discussing
    path = f"/rfps/{rfp['id']}/addenda"
    # When purchasing issues an addendum with a new due date / Then 400: the due date stays
    assert purchasing.post(path, json={"text": "Later.", "proposals_due": "2026-06-01T14:00:00-04:00"}).status == 400
    # When it issues one without / Then 201, emailed to acme and bolt, not to cole
    reply = purchasing.post(path, json={"text": "Clarification: case notes keep their dates."})
    assert reply.status == 201 and reply.json["proposals_due"] == rfp["proposals_due"]
    subject = f"Addendum 1 to request for proposals {rfp['id']} during discussions: {rfp['title']}"
    assert {
        address: [m["subject"] for m in mails_to(stack, address)].count(subject) for address in (ACME_MAIL, BOLT_MAIL, COLE_MAIL)
    } == {
        ACME_MAIL: 1,
        BOLT_MAIL: 1,
        COLE_MAIL: 0,
    }


@pytest.mark.rule("R-17c")
def test_an_offer_one_second_before_the_common_time_is_received_once_and_at_it_refused(purchasing, discussing, clock):
    rfp, vendors = discussing
    due = bafo_due(clock)
    # Given round 1 due at an instant
    called = purchasing.post(f"/rfps/{rfp['id']}/bafo", json={"due": due})
    assert called.status == 200, called.json
    offers = f"/rfps/{rfp['id']}/bafo/offers"
    # When acme offers in the last second / Then 201, sealed; a second offer is 409
    clock.advance(to=dt.datetime.fromisoformat(due) - dt.timedelta(seconds=1))
    first = vendors["acme"].post(offers, json={"price": "1100000.00", "description": "Final: hosted case management."})
    assert first.status == 201 and first.json["status"] == "sealed"
    again = vendors["acme"].post(offers, json={"price": "1000000.00", "description": "Lower."})
    assert again.status == 409 and again.json["rule"] == "R-17c"
    # When bolt offers at the common time (the timer has opened the offers) / Then 409 under R-17c
    clock.advance(to=dt.datetime.fromisoformat(due))
    late = vendors["bolt"].post(offers, json={"price": "1.00", "description": "Late."})
    assert late.status == 409 and late.json["rule"] == "R-17c"


@pytest.mark.rule("R-17c")
def test_a_second_round_needs_a_written_determination(purchasing, discussing, clock):
    rfp, _ = discussing
    path = f"/rfps/{rfp['id']}/bafo"
    # Given round 1 opened at its common time
    due = bafo_due(clock)
    assert purchasing.post(path, json={"due": due}).status == 200
    clock.advance(to=dt.datetime.fromisoformat(due))
    assert purchasing.get(f"/rfps/{rfp['id']}").json["status"] == "negotiation"
    # When another round is called without a determination / Then 400; with one / Then round 2
    refused = purchasing.post(path, json={"due": bafo_due(clock)})
    assert refused.status == 400 and refused.json["details"][0]["field"] == "determination"
    second = purchasing.post(path, json={"due": bafo_due(clock), "determination": "The hosting requirement changed."})
    assert second.status == 200 and second.json["bafo_round"] == 2
    assert second.json["bafo_determinations"] == ["The hosting requirement changed."]
