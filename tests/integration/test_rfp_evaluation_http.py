"""The evaluation of proposals over HTTP on the in-process stack: the panel and its declarations (R-16c), score
sheets on the stated factors only (R-16a, R-18a/b), the consensus and the ranking, the classification with the
unacceptable proposer emailed (R-18c), and the shortlist in ranking order that starts the discussions (R-16g)."""

import datetime as dt

import pytest

from tests.integration.test_proposals_http import PROPOSAL, register_vendor
from tests.integration.test_rfps_http import DUE, FACTORS, mails_to, published

ORGS = ("acme", "bolt", "cedar", "delta")
EVALUATOR = "ana@dss.ct.gov"


def sheet(proposal_id: str, score: str = "7", **extra) -> dict:
    scores = [{"factor": f["name"], "score": score, "reason": f"Reason for {f['name']}."} for f in FACTORS]
    return {"proposal_id": proposal_id, "scores": scores, **extra}


@pytest.fixture
def purchasing(api):
    return api.as_("purchasing", "DAS-BOP", "officer-1@das.ct.gov")


@pytest.fixture
def ana(api):
    return api.as_("agency", "DSS", EVALUATOR)


@pytest.fixture
def opened(api, stack, clock, purchasing) -> tuple[dict, dict]:
    """Four proposals, a minute apart, opened by two officials; the proposal ids by org."""
    rfp = published(purchasing)
    received = {}
    for org in ORGS:
        register_vendor(org)
        reply = api.as_vendor(org).post(f"/rfps/{rfp['id']}/proposals", json={**PROPOSAL, "description": f"{org} offer"})
        assert reply.status == 201, reply.json
        received[org] = reply.json["proposal_id"]
        clock.advance(minutes=1)
    clock.advance(to=dt.datetime.fromisoformat(DUE))
    purchasing.post(f"/rfps/{rfp['id']}/opening/confirmations")
    api.as_("purchasing", "DAS-BOP", "officer-2@das.ct.gov").post(f"/rfps/{rfp['id']}/opening/confirmations")
    clock.run_until_idle()
    return rfp, received


@pytest.mark.rule("R-16a")
@pytest.mark.rule("R-16c")
@pytest.mark.rule("R-16g")
@pytest.mark.rule("R-18a/b")
@pytest.mark.rule("R-18c")
def test_the_panel_scores_purchasing_classifies_and_the_shortlist_of_three_starts_discussions(
    api, stack, purchasing, ana, opened
):
    rfp, received = opened
    base = f"/rfps/{rfp['id']}"
    # Given Ana named to the panel
    named = purchasing.post(f"{base}/evaluators", json={"official": EVALUATOR, "name": "Ana Ruiz", "email": EVALUATOR})
    assert named.status == 201 and named.json["state"] == "pending", named.json
    # Then before her declaration she sees no proposal content (R-16c)
    hidden = ana.get(f"{base}/proposals")
    assert hidden.status == 403 and hidden.json["rule"] == "R-16c"
    # When she declares no conflict / Then she reads the four opened proposals with their prices
    declared = ana.post(f"{base}/evaluators/declaration", json={"conflict": False, "statement": "No interest in any proposer."})
    assert declared.status == 200 and declared.json["state"] == "cleared"
    listed = ana.get(f"{base}/proposals?limit=3")
    assert listed.status == 200 and len(listed.json["items"]) == 3 and listed.json["items"][0]["price"] == "1250000.00"
    assert len(ana.get(f"{base}/proposals?limit=3&cursor={listed.json['next']}").json["items"]) == 1
    one = ana.get(f"{base}/proposals/{received['bolt']}")
    assert one.status == 200 and one.json["description"] == "bolt offer"
    # When she scores a factor the request does not state / Then 400 names it (R-18a/b)
    bad = sheet(received["acme"])
    bad["scores"].append({"factor": "charm", "score": "9", "reason": "Nice."})
    refused = ana.post(f"{base}/scores", json=bad)
    assert refused.status == 400 and refused.json["rule"] == "R-18a/b"
    assert [d["field"] for d in refused.json["details"]] == ["scores[6].factor"]
    # When she scores every proposal, acme best and delta worst
    for org, score in zip(ORGS, ("9", "8", "7", "3"), strict=True):
        assert ana.post(f"{base}/scores", json=sheet(received[org], score)).status == 201
    assert len(ana.get(f"{base}/scores").json["items"]) == 4
    # And purchasing records each consensus and classifies delta unacceptable
    for org, score in zip(ORGS, ("9", "8", "7", "3"), strict=True):
        body = {**sheet(received[org], score), "rationale": "The panel agreed."}
        assert purchasing.post(f"{base}/consensus", json=body).status == 201
        classification = "unacceptable" if org == "delta" else "acceptable"
        reply = purchasing.post(
            f"{base}/classifications",
            json={"proposal_id": received[org], "classification": classification, "reason": f"{org} reviewed."},
        )
        assert reply.status == 200 and reply.json["classification"] == classification
    # Then delta is told it is unacceptable, with its reason (R-18c)
    (notice,) = mails_to(stack, "proposals@delta.example")
    assert "unacceptable" in notice["subject"] and "delta reviewed." in notice["text"]
    # And the ranking is by consensus total
    ranking = purchasing.get(f"{base}/ranking")
    assert [p["vendor_id"] for p in ranking.json["proposers"]] == ["V-acme", "V-bolt", "V-cedar", "V-delta"]
    # When purchasing selects bolt before acme / Then 400 (R-16g); in ranking order the request enters discussions
    swapped = purchasing.post(f"{base}/shortlist", json={"vendor_ids": ["V-bolt", "V-acme", "V-cedar"]})
    assert swapped.status == 400 and swapped.json["rule"] == "R-16g"
    selected = purchasing.post(f"{base}/shortlist", json={"vendor_ids": ["V-acme", "V-bolt", "V-cedar"]})
    assert selected.status == 200, selected.json
    assert selected.json["status"] == "discussions" and selected.json["shortlist"] == ["V-acme", "V-bolt", "V-cedar"]
    # And the three are invited; delta, told already, gets nothing more
    for org in ("acme", "bolt", "cedar"):
        assert [m["subject"] for m in mails_to(stack, f"proposals@{org}.example") if "discussions" in m["subject"]]
    assert len(mails_to(stack, "proposals@delta.example")) == 1


@pytest.mark.rule("R-16c")
@pytest.mark.rule("R-17b")
def test_a_vendor_calling_any_evaluation_route_gets_403(api, opened):
    rfp, received = opened
    acme = api.as_vendor("acme")
    base = f"/rfps/{rfp['id']}"
    calls = [
        ("GET", f"{base}/evaluators", None),
        ("POST", f"{base}/evaluators", {"official": "x", "name": "X", "email": "x@acme.example"}),
        ("POST", f"{base}/evaluators/declaration", {"conflict": False, "statement": "None."}),
        ("GET", f"{base}/proposals", None),
        ("GET", f"{base}/proposals/{received['bolt']}", None),
        ("POST", f"{base}/scores", sheet(received["bolt"])),
        ("GET", f"{base}/scores", None),
        ("POST", f"{base}/consensus", {**sheet(received["bolt"]), "rationale": "x"}),
        ("GET", f"{base}/ranking", None),
        ("POST", f"{base}/classifications", {"proposal_id": received["bolt"], "classification": "unacceptable", "reason": "x"}),
        ("POST", f"{base}/shortlist", {"vendor_ids": ["V-acme"]}),
    ]
    for method, path, body in calls:
        reply = acme.request(method, path, json_body=body)
        assert reply.status == 403, (method, path, reply.json)
        assert "1250000" not in reply.body.decode() and "bolt offer" not in reply.body.decode()


@pytest.mark.rule("R-16c")
def test_a_recused_evaluator_gets_403_on_the_proposals_and_purchasing_is_emailed(api, stack, purchasing, ana, opened):
    rfp, _ = opened
    base = f"/rfps/{rfp['id']}"
    purchasing.post(f"{base}/evaluators", json={"official": EVALUATOR, "name": "Ana Ruiz", "email": EVALUATOR})
    declared = ana.post(f"{base}/evaluators/declaration", json={"conflict": True, "statement": "I consulted for Bolt."})
    assert declared.status == 200 and declared.json["state"] == "recused"
    assert ana.get(f"{base}/proposals").status == 403
    alerts = [m for m in stack.outbox() if "conflict of interest" in m["subject"]]
    assert len(alerts) == 1 and "I consulted for Bolt." in alerts[0]["text"]
    panel = purchasing.get(f"{base}/evaluators").json["items"]
    assert [(e["official"], e["state"]) for e in panel] == [(EVALUATOR, "recused")]
