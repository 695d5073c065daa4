"""R-17b: "Auction techniques (revealing one proposer's price to another) and the disclosure of any information derived
from competing proposals are prohibited." At each stage before the award, every proposer walks every route of the API
(each path filled with every proposal, vendor and negotiation id of the request, each body the documented example)
and reads its email: nothing of another proposer appears, neither its price, its texts, its name nor its address."""

import datetime as dt

import pytest

from tests.integration.test_proposals_http import register_vendor
from tests.integration.test_rfps_http import DUE, FACTORS, published
from tests.route_walk import leaks, walk

# Each proposer's price and a token inside every text it or the State writes about it.
PROPOSERS = {"acme": "1111113.57", "bolt": "2222224.68", "dune": "3333335.79", "cobra": "4444446.80"}
SHORTLIST = ("acme", "bolt", "dune")
STAGES = ("opened", "discussions", "negotiation")


def secret(org: str, what: str) -> str:
    return f"{org}-secret-{what}"


def proposal(org: str, price: str | None = None) -> dict:
    return {
        "price": price or PROPOSERS[org],
        "description": secret(org, "description"),
        "documents": [{"name": "method", "text": secret(org, "document")}],
        "confidentiality": [{"part": "documents/method", "reason": secret(org, "reason")}],
    }


def ok(reply, status=200):
    assert reply.status == status, reply.json
    return reply.json


def reach(api, clock, stage: str) -> dict:
    """The request taken to `stage` through HTTP; the ids the walk fills paths with."""
    bureau = api.as_("purchasing", "DAS-BOP", "officer-1@das.ct.gov")
    rfp = published(bureau)
    base = f"/rfps/{rfp['id']}"
    for org in PROPOSERS:
        register_vendor(org)
        ok(api.as_vendor(org).post(f"{base}/proposals", json=proposal(org)), 201)
    clock.advance(to=dt.datetime.fromisoformat(DUE))
    for official in ("officer-1@das.ct.gov", "officer-2@das.ct.gov"):
        ok(api.as_("purchasing", "DAS-BOP", official).post(f"{base}/opening/confirmations"))
    evaluator = api.as_("agency", "DSS", "ana@dss.ct.gov")
    ok(bureau.post(f"{base}/evaluators", json={"official": "ana@dss.ct.gov", "name": "Ana", "email": "ana@dss.ct.gov"}), 201)
    ok(evaluator.post(f"{base}/evaluators/declaration", json={"conflict": False, "statement": "None."}))
    live = {p["vendor_id"].removeprefix("V-"): p["proposal_id"] for p in ok(bureau.get(f"{base}/proposals"))["items"]}
    for rank, org in enumerate(PROPOSERS):
        scores = [{"factor": f["name"], "score": str(9 - rank), "reason": secret(org, "score")} for f in FACTORS]
        ok(evaluator.post(f"{base}/scores", json={"proposal_id": live[org], "scores": scores}), 201)
        consensus = {"proposal_id": live[org], "scores": scores, "rationale": secret(org, "rationale")}
        ok(bureau.post(f"{base}/consensus", json=consensus), 201)
        kind = "unacceptable" if org == "cobra" else "acceptable"
        body = {"proposal_id": live[org], "classification": kind, "reason": secret(org, "classification")}
        ok(bureau.post(f"{base}/classifications", json=body))
    if stage != "opened":
        ok(bureau.post(f"{base}/shortlist", json={"vendor_ids": [f"V-{org}" for org in SHORTLIST]}))
        for org in SHORTLIST:
            message = {"vendor_id": f"V-{org}", "kind": "written", "text": secret(org, "question")}
            ok(bureau.post(f"{base}/discussions", json=message), 201)
            ok(api.as_vendor(org).post(f"{base}/discussions", json={"text": secret(org, "answer")}), 201)
    if stage == "negotiation":
        due = dt.datetime.fromisoformat(DUE) + dt.timedelta(days=7)
        ok(bureau.post(f"{base}/bafo", json={"due": due.isoformat()}))
        for org in ("acme", "bolt"):
            ok(api.as_vendor(org).post(f"{base}/bafo/offers", json=proposal(org, price=f"{PROPOSERS[org][:-2]}99")), 201)
        clock.advance(to=due)
        for p in ok(bureau.get(f"{base}/proposals"))["items"]:
            decision = {
                "decisions": [{"part": "documents/method", "withheld": True, "reason": secret(p["vendor_id"][2:], "ruling")}]
            }
            ok(bureau.post(f"{base}/proposals/{p['proposal_id']}/confidentiality", json=decision))
        ok(bureau.post(f"{base}/negotiations"), 201)
    proposals = [p["proposal_id"] for p in ok(bureau.get(f"{base}/register"))["proposals"]] if stage != "opened" else []
    return {
        "rfp_id": [rfp["id"]],
        "proposal_id": sorted({*live.values(), *proposals}),
        "vendor_id": [f"V-{org}" for org in PROPOSERS],
        "negotiation_number": ["1", "2"],
    }


def others(caller: str) -> dict[str, str]:
    """What the caller must never see: every other proposer's price, token, legal name and address."""
    found = {}
    for org, price in PROPOSERS.items():
        if org != caller:
            found |= {
                f"{org}'s price": price,
                f"{org}'s offer price": f"{price[:-2]}99",
                f"{org}'s texts": f"{org}-secret-",
                f"{org}'s name": f"{org.title()} Systems LLC",
                f"{org}'s address": f"proposals@{org}.example",
            }
    return found


@pytest.mark.rule("R-17b")
@pytest.mark.rule("R-16c")
@pytest.mark.parametrize("stage", STAGES)
def test_no_route_and_no_email_shows_a_proposer_anything_of_another_before_the_award(api, stack, clock, stage):
    # Given the request taken to the stage
    ids = reach(api, clock, stage)
    # When each proposer walks every route, reading first, then writing with each documented example
    for org in PROPOSERS:
        found = leaks(walk(api.as_vendor(org), ids), others(org))
        # Then no answer shows anything of another proposer
        assert found == [], "\n".join(found)
    # And no email to a proposer names another's data (Cobra, unacceptable, was told so: R-18c)
    assert any(m["to"] == ["proposals@cobra.example"] for m in stack.outbox())
    for org in PROPOSERS:
        mail = [m for m in stack.outbox() if m["to"] == [f"proposals@{org}.example"]]
        shown = [f"{m['subject']}: {what}" for m in mail for what, text in others(org).items() if text in m["text"] + m["html"]]
        assert shown == [], "\n".join(shown)
