"""Negotiation and award over HTTP on the in-process stack: the confidentiality decision (R-16d), negotiation in
shortlist order with the written notice (R-16h-l), the agreement that forms the contract, the public notice of award
and memorandum (R-16m-o), and the register public only after the award (R-16c).

The request reaches negotiation as every stage's tests do: proposals sent and opened over HTTP, then the consensus
records and the shortlist committed through the stack's store (`in_negotiation`)."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from chalicelib import bootstrap
from chalicelib.domain.rfp_evaluation import Classification, Consensus, FactorScore, consensus_collection, consensus_id
from chalicelib.domain.rfps import Rfp, RfpStatus
from chalicelib.services import proposal_opening
from chalicelib.services.ports import Actor, Change, Member, Role
from tests.integration.test_proposals_http import PROPOSAL, propose, register_vendor
from tests.integration.test_rfps_http import DUE, FACTORS, published

ORGS = ("acme", "bolt", "cobalt")
TOTALS = {"acme": Decimal("8.5"), "bolt": Decimal("7.9"), "cobalt": Decimal("7.0")}
AGREEMENT = {
    "price": "1180000.00",
    "principal_elements": ["Price reduced to $1,180,000 for five years.", "Migration within six months."],
}


@pytest.fixture
def purchasing(api):
    return api.as_("purchasing", "DAS-BOP", "officer-1@das.ct.gov")


def vendors(api):
    for org in ORGS:
        register_vendor(org)
    return {org: api.as_vendor(org) for org in ORGS}


def in_negotiation(api, clock, purchasing) -> tuple[dict, dict]:
    """Three proposals (acme's asks that its approach be withheld) opened by two officials; a consensus record per
    proposer ranking acme, bolt, cobalt; the shortlist acme, bolt. Returns the request and the proposal ids."""
    proposers = vendors(api)
    rfp = published(purchasing)
    sent = {}
    for org, vendor in proposers.items():
        confidentiality = PROPOSAL["confidentiality"] if org == "acme" else []
        reply = propose(vendor, rfp, description=f"{org.title()}'s hosted case management.", confidentiality=confidentiality)
        assert reply.status == 201, reply.json
        sent[org] = reply.json["proposal_id"]
    clock.advance(to=dt.datetime.fromisoformat(DUE))
    for official in ("officer-1@das.ct.gov", "officer-2@das.ct.gov"):
        assert api.as_("purchasing", "DAS-BOP", official).post(f"/rfps/{rfp['id']}/opening/confirmations").status == 200
    clock.run_until_idle()
    deps = bootstrap.deps()
    opened = deps.store.get(Rfp, rfp["id"])
    assert opened.status is RfpStatus.OPENED
    records = [_consensus(deps, opened, p) for p in proposal_opening.proposals_of(deps, opened.id)]
    negotiating = dataclasses.replace(opened, status=RfpStatus.NEGOTIATION, shortlist=("V-acme", "V-bolt"))
    officer = Actor("officer-1@das.ct.gov", Role.PURCHASING, "DAS-BOP")
    deps.store.commit(
        officer,
        deps.clock.now(),
        [
            Change(action="rfp.negotiation_began", after=negotiating, before=opened),
            *[Change(action="rfp.consensus_recorded", after=c) for c in records],
            *[Member(consensus_collection(opened.id), c.id) for c in records],
        ],
    )
    return rfp, sent


def _consensus(deps, rfp, proposal):
    org = proposal.vendor_org
    return Consensus(
        id=consensus_id(rfp.id, proposal.vendor_id),
        rfp_id=rfp.id,
        proposal_id=proposal.id,
        vendor_id=proposal.vendor_id,
        proposer_name=proposal.proposer_name,
        scores=tuple(FactorScore(f["name"], TOTALS[org], f"{org} on {f['name']}") for f in FACTORS),
        rationale=f"The panel agreed on {org}.",
        total=TOTALS[org],
        recorded_by="officer-1@das.ct.gov",
        recorded_at=deps.clock.now(),
        received_at=proposal.received_at,
        classification=Classification.ACCEPTABLE,
    )


def decide_acme(purchasing, rfp, proposal_id, withheld=True):
    return purchasing.post(
        f"/rfps/{rfp['id']}/proposals/{proposal_id}/confidentiality",
        json={"decisions": [{"part": "documents/approach", "withheld": withheld, "reason": "A trade secret."}]},
    )


@pytest.mark.rule("R-16d")
def test_an_undecided_request_blocks_negotiation_and_the_decision_is_emailed(api, stack, clock, purchasing):
    rfp, sent = in_negotiation(api, clock, purchasing)
    path = f"/rfps/{rfp['id']}/negotiations"
    # Given acme's request undecided / When purchasing opens negotiation / Then 409 under R-16d
    blocked = purchasing.post(path)
    assert blocked.status == 409 and blocked.json["rule"] == "R-16d"
    # When a decision names a part acme did not ask for / Then 400 naming the field
    unknown = purchasing.post(
        f"/rfps/{rfp['id']}/proposals/{sent['acme']}/confidentiality",
        json={"decisions": [{"part": "price", "withheld": True, "reason": "x"}]},
    )
    assert unknown.status == 400 and unknown.json["rule"] == "R-16d"
    assert "decisions[0].part" in [d["field"] for d in unknown.json["details"]]
    # When purchasing decides / Then acme is told in writing, and the negotiation opens with it
    decided = decide_acme(purchasing, rfp, sent["acme"])
    assert decided.status == 200, decided.json
    assert decided.json["decisions"] == [{"part": "documents/approach", "withheld": True, "reason": "A trade secret."}]
    assert any(m["subject"].startswith("What of your proposal") for m in stack.outbox() if "proposals@acme.example" in m["to"])
    opened = purchasing.post(path)
    assert opened.status == 201 and (opened.json["number"], opened.json["vendor_id"]) == (1, "V-acme")
    # And a vendor may not decide or negotiate
    assert api.as_vendor("bolt").post(path).status == 403


@pytest.mark.rule("R-16h-l")
@pytest.mark.rule("R-16m-o")
@pytest.mark.rule("R-16c")
def test_terminate_notice_next_negotiation_and_agreement_over_http(api, stack, clock, purchasing):
    rfp, sent = in_negotiation(api, clock, purchasing)
    base = f"/rfps/{rfp['id']}"
    decide_acme(purchasing, rfp, sent["acme"])
    assert purchasing.post(f"{base}/negotiations").status == 201
    # Before the award: no notice of award, no public register or memorandum
    assert api.get(f"{base}/award").status == 404
    assert api.get(f"{base}/register").status == 404
    assert api.as_vendor("bolt").get(f"{base}/register").status == 403
    assert api.get(f"{base}/memorandum").status == 404
    # When purchasing terminates negotiation 1 with its reasons
    terminated = purchasing.post(f"{base}/negotiations/1/terminate", json={"reasons": "The price exceeds the estimate."})
    assert terminated.status == 200 and terminated.json["status"] == "terminated" and terminated.json["notice_due"]
    # Then the next negotiation is refused until the written notice is sent, then opens with bolt
    refused = purchasing.post(f"{base}/negotiations")
    assert refused.status == 409 and refused.json["rule"] == "R-16h-l"
    noticed = purchasing.post(f"{base}/negotiations/1/notice")
    assert noticed.status == 200 and noticed.json["notice_in_time"] is True
    assert purchasing.post(f"{base}/negotiations/1/notice").status == 409
    second = purchasing.post(f"{base}/negotiations")
    assert second.status == 201 and second.json["vendor_id"] == "V-bolt"
    # When purchasing agrees with bolt
    agreed = purchasing.post(f"{base}/negotiations/2/agree", json=AGREEMENT)
    assert agreed.status == 200, agreed.json
    assert (agreed.json["awardee_vendor_id"], agreed.json["price"]) == ("V-bolt", "1180000.00")
    # Then the notice of award is public, the memorandum public with acme's withheld parts marked, the register public
    assert api.get(f"{base}/award").json == agreed.json
    memo = api.get(f"{base}/memorandum")
    assert memo.status == 200 and [r["vendor_id"] for r in memo.json["ranked"]] == ["V-acme", "V-bolt", "V-cobalt"]
    assert memo.json["ranked"][0]["withheld"] == ["documents/approach"] and "Migration within six months." in memo.json["text"]
    assert [t["reasons"] for t in memo.json["terminated"]] == ["The price exceeds the estimate."]
    register = api.get(f"{base}/register")
    assert register.status == 200 and len(register.json["proposals"]) == 3
    # And the negotiations are purchasing's to list
    listed = purchasing.get(f"{base}/negotiations").json
    assert [n["status"] for n in listed["negotiations"]] == ["terminated", "agreed"]
    assert api.as_vendor("acme").get(f"{base}/negotiations").status == 403


@pytest.mark.rule("R-16m-o")
def test_an_agreement_without_principal_elements_is_a_400_and_nothing_is_awarded(api, clock, purchasing):
    rfp, sent = in_negotiation(api, clock, purchasing)
    base = f"/rfps/{rfp['id']}"
    decide_acme(purchasing, rfp, sent["acme"])
    purchasing.post(f"{base}/negotiations")
    reply = purchasing.post(f"{base}/negotiations/1/agree", json={"price": "0", "principal_elements": ["  "]})
    assert reply.status == 400 and reply.json["rule"] == "R-16m-o"
    assert purchasing.get(f"/rfps/{rfp['id']}").json["status"] == "negotiation"
    assert purchasing.post(f"{base}/negotiations/x/agree", json=AGREEMENT).status == 404


def awarded_after_one_termination(api, clock, purchasing) -> str:
    """acme's negotiation terminated and noticed, bolt's agreed: the awarded request's path."""
    rfp, sent = in_negotiation(api, clock, purchasing)
    base = f"/rfps/{rfp['id']}"
    decide_acme(purchasing, rfp, sent["acme"])
    assert purchasing.post(f"{base}/negotiations").status == 201
    assert purchasing.post(f"{base}/negotiations/1/terminate", json={"reasons": "The price exceeds the estimate."}).status == 200
    assert purchasing.post(f"{base}/negotiations/1/notice").status == 200
    assert purchasing.post(f"{base}/negotiations").status == 201
    assert purchasing.post(f"{base}/negotiations/2/agree", json=AGREEMENT).status == 200
    return base


def read_pages(reader, path) -> list[dict]:
    pages = [reader.get(path).json]
    while pages[-1]["next"]:
        reply = reader.get(f"{path}?cursor={pages[-1]['next']}")
        assert reply.status == 200, reply.json
        pages.append(reply.json)
    return pages


@pytest.mark.rule("R-16m-o")
def test_a_memorandum_longer_than_an_answer_is_read_page_by_page_and_the_pages_are_the_whole(api, clock, purchasing, monkeypatch):
    # Given an awarded request whose memorandum is read whole (three ranked proposers, one terminated negotiation)
    from chalicelib.api import rfp_negotiations as memorandum_api

    base = awarded_after_one_termination(api, clock, purchasing)
    whole = api.get(f"{base}/memorandum").json
    assert whole["next"] is None
    # When pages hold one entry each (as a request of many long proposals needs)
    monkeypatch.setattr(memorandum_api, "MEMORANDUM_PAGE_BYTES", 1)
    pages = read_pages(api, f"{base}/memorandum")
    # Then four pages give the whole memorandum: every entry once in order, the elements at the end, the same text
    assert len(pages) == 4
    assert [r for p in pages for r in p["ranked"]] == whole["ranked"]
    assert [t for p in pages for t in p["terminated"]] == whole["terminated"]
    assert [p["principal_elements"] for p in pages] == [[], [], [], whole["principal_elements"]]
    assert "".join(p["text"] for p in pages) == whole["text"]
    assert {p["contract_id"] for p in pages} == {whole["contract_id"]}


@pytest.mark.rule("R-16m-o")
def test_a_memorandum_cursor_altered_or_of_another_reader_is_a_400(api, clock, purchasing, monkeypatch):
    # Given the public's cursor of the memorandum's second page
    from chalicelib.api import rfp_negotiations as memorandum_api

    base = awarded_after_one_termination(api, clock, purchasing)
    monkeypatch.setattr(memorandum_api, "MEMORANDUM_PAGE_BYTES", 1)
    cursor = api.get(f"{base}/memorandum").json["next"]
    # When it is altered, or purchasing (who reads the withheld parts) uses it / Then 400 naming the cursor
    for reader, sent in ((api, cursor[:-1] + ("B" if cursor.endswith("A") else "A")), (purchasing, cursor)):
        reply = reader.get(f"{base}/memorandum?cursor={sent}")
        assert reply.status == 400 and reply.json["details"][0]["field"] == "cursor"
