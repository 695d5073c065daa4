"""Sealed proposals over HTTP on the in-process stack (KMS sealing as deployed): received until the due instant
(R-16c), replaced with a modification count and withdrawn (R-16f), a confidentiality request accepted with the
proposal (R-16d), opened only by two distinct purchasing officials, and the register of proposals (R-16c)."""

import datetime as dt

import pytest

from chalicelib import bootstrap
from chalicelib.domain.proposals import Proposal
from chalicelib.domain.vendors import Vendor, VendorStatus
from chalicelib.services.ports import Actor, Role
from chalicelib.services.vendors import vendor_changes
from local.fein import fein_for
from tests.integration.test_rfps_http import DUE, published

PROPOSAL = {
    "price": "1250000.00",
    "description": "Hosted case management for DSS.",
    "documents": [{"name": "approach", "text": "Phase 1: discovery."}],
    "confidentiality": [{"part": "documents/approach", "reason": "Our migration method is a trade secret."}],
}


def register_vendor(org: str) -> None:
    deps = bootstrap.deps()
    vendor = Vendor(
        id=f"V-{org}",
        org=org,
        legal_name=f"{org.title()} Systems LLC",
        fein=fein_for(org).replace("-", ""),
        contact_email=f"proposals@{org}.example",
        commodity_codes=("208",),
        registered_at=deps.clock.now(),
        confirmation_code="1",
        status=VendorStatus.ACTIVE,
        confirmed_at=deps.clock.now(),
    )
    deps.store.commit(Actor(org, Role.VENDOR, org), deps.clock.now(), vendor_changes(deps, "vendor.registered", vendor))


@pytest.fixture
def purchasing(api):
    return api.as_("purchasing", "DAS-BOP", "officer-1@das.ct.gov")


@pytest.fixture
def second_official(api):
    return api.as_("purchasing", "DAS-BOP", "officer-2@das.ct.gov")


@pytest.fixture
def acme(api, stack):
    register_vendor("acme")
    return api.as_vendor("acme")


@pytest.fixture
def rfp(purchasing) -> dict:
    return published(purchasing)


def propose(vendor, rfp, **changes):
    return vendor.post(f"/rfps/{rfp['id']}/proposals", json={**PROPOSAL, **changes})


@pytest.mark.rule("R-16c")
def test_a_proposal_one_second_before_the_due_instant_is_received_and_at_it_refused(acme, rfp, clock):
    due = dt.datetime.fromisoformat(DUE)
    # Given the last second before the due instant / When acme proposes / Then 201 with a sealed, time-stamped receipt
    clock.advance(to=due - dt.timedelta(seconds=1))
    reply = propose(acme, rfp)
    assert reply.status == 201, reply.json
    assert reply.json["status"] == "sealed" and len(reply.json["commitment"]) == 64 and "price" not in reply.json
    # And nothing readable is stored
    stored = bootstrap.deps().store.get(Proposal, reply.json["proposal_id"])
    assert stored.content is None and "1250000" not in repr(stored)
    # When acme proposes again at the due instant / Then 409 names the rule
    clock.advance(to=due)
    late = propose(acme, rfp)
    assert late.status == 409 and late.json["Code"] == "ProposalsClosed" and late.json["rule"] == "R-16c"


@pytest.mark.rule("R-16f")
def test_a_second_proposal_replaces_the_first_and_a_withdrawal_ends_it(acme, rfp):
    first = propose(acme, rfp).json
    second = propose(acme, rfp, price="1200000.00").json
    assert second["replaces"] == first["proposal_id"] and second["modifications"] == 1
    withdrawn = acme.post(f"/rfps/{rfp['id']}/proposals/{second['proposal_id']}/withdraw")
    assert withdrawn.status == 200 and withdrawn.json["status"] == "withdrawn"


@pytest.mark.rule("R-16d")
def test_a_confidentiality_request_naming_no_part_is_refused_with_400(acme, rfp):
    reply = propose(acme, rfp, confidentiality=[{"part": "documents/pricing", "reason": "secret"}])
    assert reply.status == 400 and reply.json["rule"] == "R-16d"
    assert reply.json["details"][0]["field"] == "confidentiality[0].part"


@pytest.mark.rule("R-16c")
def test_two_distinct_officials_open_the_proposals_and_the_register_follows(api, acme, rfp, purchasing, second_official, clock):
    # Given a proposal replaced once, and the due instant
    propose(acme, rfp)
    live = propose(acme, rfp, description="Hosted case management, revised.").json
    clock.advance(to=dt.datetime.fromisoformat(DUE))
    path = f"/rfps/{rfp['id']}/opening/confirmations"
    # When one official confirms twice / Then the second is 409 and the register is still sealed
    first = purchasing.post(path)
    assert first.status == 200 and first.json["status"] == "open" and first.json["opened_at"] is None
    assert purchasing.post(path).status == 409
    assert purchasing.get(f"/rfps/{rfp['id']}/register").status == 409
    # When a second official confirms / Then the opening task opens the proposals
    confirmed = second_official.post(path)
    assert confirmed.status == 200 and len(confirmed.json["confirmations"]) == 2
    clock.run_until_idle()
    opened = purchasing.get(f"/rfps/{rfp['id']}").json
    assert opened["status"] == "opened"
    # And the register shows the proposer, its modifications and the description, to purchasing only
    register = purchasing.get(f"/rfps/{rfp['id']}/register")
    assert register.status == 200
    assert register.json["proposals"] == [
        {
            "proposal_id": live["proposal_id"],
            "proposer_name": "Acme Systems LLC",
            "modifications": 1,
            "description": "Hosted case management, revised.",
        }
    ]
    assert api.get(f"/rfps/{rfp['id']}/register").status == 404  # public only after the award (R-16c)
    assert acme.get(f"/rfps/{rfp['id']}/register").status == 403
    assert acme.post(path).status == 403


@pytest.mark.rule("R-16c")
def test_the_opening_is_not_confirmed_before_the_due_instant(rfp, purchasing, clock):
    clock.advance(to=dt.datetime.fromisoformat(DUE) - dt.timedelta(seconds=1))
    reply = purchasing.post(f"/rfps/{rfp['id']}/opening/confirmations")
    assert reply.status == 409 and reply.json["rule"] == "R-16c"


@pytest.mark.rule("R-16c")
def test_a_proposal_past_its_stored_size_is_refused_with_400_naming_its_documents_and_nothing_is_stored(acme, rfp):
    # Given three documents of 90,000 characters each, every one within its field's limit, together past 256 KiB
    documents = [{"name": f"volume {n}", "text": "x" * 90000} for n in range(3)]
    # When acme proposes them, Then 400 names the documents and R-16c, and no proposal is stored
    reply = propose(acme, rfp, documents=documents, confidentiality=[])
    assert reply.status == 400 and reply.json["rule"] == "R-16c", reply.json
    assert [(d["field"], d["rule"]) for d in reply.json["details"]] == [("documents", "R-16c")]
    assert list(bootstrap.deps().store.members(f"proposals-of#{rfp['id']}")) == []


@pytest.mark.rule("R-16c")
def test_a_proposal_at_its_stored_size_is_sealed_opened_and_read_whole(acme, rfp, purchasing, second_official, clock):
    # Given a proposal of three documents of 85,000 characters each, within the bound, sealed as received
    documents = [{"name": f"volume {n}", "text": f"{n}" * 85000} for n in range(3)]
    reply = propose(acme, rfp, documents=documents, confidentiality=[])
    assert reply.status == 201, reply.json
    receipt = reply.json
    # When two officials confirm the opening at the due instant and the opening task runs
    clock.advance(to=dt.datetime.fromisoformat(DUE))
    for official in (purchasing, second_official):
        assert official.post(f"/rfps/{rfp['id']}/opening/confirmations").status == 200
    clock.run_until_idle()
    # Then the opened proposal is read back whole, its documents from their part items
    opened = bootstrap.deps().store.get(Proposal, receipt["proposal_id"])
    assert opened.content is not None and [d.text for d in opened.content.documents] == [d["text"] for d in documents]
    assert purchasing.get(f"/rfps/{rfp['id']}/register").status == 200
