"""A whole request for proposals under virtual time, through HTTP with the state machines executed by moto: the
notice, five sealed proposals (one modified twice), the opening refused to one official and done by two, the panel's
declarations and scores with the consensus, the classification with the unacceptable proposer emailed, the shortlist of
three, discussions, best and final offers at their common deadline, the first negotiation terminated with its written
notice sent by the timer, agreement with the second, the notice of award, the memorandum and the public register."""

import datetime as dt

import pytest

from local.fein import fein_for

DUE = "2026-03-20T14:00:00-04:00"  # Friday 20 March 2026, 14:00 in Connecticut
FACTORS = [
    {"name": "plan_of_performance", "weight": "25"},
    {"name": "ability", "weight": "15"},
    {"name": "personnel_equipment_facilities", "weight": "10"},
    {"name": "past_performance", "weight": "15"},
    {"name": "price", "weight": "30"},
    {"name": "financial_responsibility", "weight": "5"},
]
REQUEST = {
    "title": "Statewide records digitisation",
    "agency": "DAS",
    "commodity_codes": ["92000"],
    "scope": "Scan, index and host 2 million paper records; five-year support.",
    "proposals_due": DUE,
    "evaluation_factors": FACTORS,
}
# org: legal name, contact email, price, consensus score (all factors); cobra is the unacceptable one
PROPOSERS = {
    "acme": ("Acme Imaging LLC", "rfp@acme.example", "910000.00", "9"),
    "bolt": ("Bolt Records Co", "rfp@bolt.example", "870000.00", "8"),
    "dune": ("Dune Data Inc", "rfp@dune.example", "990000.00", "7"),
    "elm": ("Elm Archives", "rfp@elm.example", "1020000.00", "5"),
    "cobra": ("Cobra Scan Ltd", "rfp@cobra.example", "450000.00", "2"),
}
PANEL = ("ana@dss.ct.gov", "ben@dot.ct.gov")


def register_and_confirm(api, stack, org: str) -> str:
    name, email, *_ = PROPOSERS[org]
    reply = api.as_vendor(org).post(
        "/vendors", json={"legal_name": name, "fein": fein_for(org), "contact_email": email, "commodity_codes": ["920"]}
    )
    assert reply.status == 201, reply.json
    code = [m for m in stack.outbox() if m["to"] == [email]][-1]["text"].split("Confirmation code: ")[1].split()[0]
    assert api.as_vendor(org).post(f"/vendors/{reply.json['id']}/confirm", json={"code": code}).status == 200
    return reply.json["id"]


def proposal(org: str, **changes) -> dict:
    name, _, price, _ = PROPOSERS[org]
    return {"price": price, "description": f"Digitisation by {name}.", **changes}


def sheet(proposal_id: str, score: str) -> dict:
    return {
        "proposal_id": proposal_id,
        "scores": [{"factor": f["name"], "score": score, "reason": f"{f['name']} judged {score}."} for f in FACTORS],
    }


def mails_to(stack, address: str) -> list[dict]:
    return [m for m in stack.outbox() if address in m["to"]]


def ok(reply, status=200):
    assert reply.status == status, reply.json
    return reply.json


@pytest.fixture
def bureau(api):
    return api.as_("purchasing", "DAS-BOP", "officer-1@das.ct.gov")


@pytest.mark.rule("R-4")
@pytest.mark.rule("R-16a")
@pytest.mark.rule("R-16c")
@pytest.mark.rule("R-16d")
@pytest.mark.rule("R-16f")
@pytest.mark.rule("R-16g")
@pytest.mark.rule("R-16h-l")
@pytest.mark.rule("R-16m-o")
@pytest.mark.rule("R-17b")
@pytest.mark.rule("R-17c")
@pytest.mark.rule("R-18a/b")
@pytest.mark.rule("R-18c")
def test_a_request_for_proposals_runs_from_notice_to_award_memorandum(api, stack, clock, bureau):
    vendors = {org: register_and_confirm(api, stack, org) for org in PROPOSERS}
    org_of = {vendor_id: org for org, vendor_id in vendors.items()}

    # The Bureau drafts and publishes the request: the notice reaches the vendors of the commodity
    rfp = ok(bureau.post("/rfps", json=REQUEST), 201)
    base = f"/rfps/{rfp['id']}"
    title = f"request for proposals {rfp['id']}, {REQUEST['title']}"
    ok(bureau.post(f"{base}/publish"))
    clock.advance(minutes=1)  # the outbox's next run sends the broadcast
    assert any(rfp["id"] in m["subject"] for m in mails_to(stack, PROPOSERS["elm"][1]))

    # Five sealed proposals; Acme's is modified twice before the due date (R-16c, R-16f)
    for org in PROPOSERS:
        ok(api.as_vendor(org).post(f"{base}/proposals", json=proposal(org)), 201)
    clock.advance(days=1)
    ok(api.as_vendor("acme").post(f"{base}/proposals", json=proposal("acme", description="Digitisation, revised.")), 201)
    receipt = ok(api.as_vendor("acme").post(f"{base}/proposals", json=proposal("acme", description="Digitisation, final.")), 201)
    assert receipt["modifications"] == 2 and receipt["status"] == "sealed"

    # At the due date one official confirming (twice) does not open them; a second, distinct official does (R-16c)
    clock.advance(to=dt.datetime.fromisoformat(DUE))
    assert ok(bureau.post(f"{base}/opening/confirmations"))["status"] == "open"
    twice = bureau.post(f"{base}/opening/confirmations")
    assert twice.status == 409 and twice.json["rule"] == "R-16c"
    assert ok(bureau.get(base))["status"] == "open"
    ok(api.as_("purchasing", "DAS-BOP", "officer-2@das.ct.gov").post(f"{base}/opening/confirmations"))
    assert ok(bureau.get(base))["status"] == "opened"
    register = ok(bureau.get(f"{base}/register"))["proposals"]
    assert len(register) == 5 and {e["proposer_name"]: e["modifications"] for e in register}["Acme Imaging LLC"] == 2
    assert api.get(f"{base}/register").status == 404  # public only after the award

    # The panel: each evaluator declares no conflict before seeing any content, then scores every stated factor
    panel = [api.as_("agency", "DSS" if i == 0 else "DOT", official) for i, official in enumerate(PANEL)]
    for official in PANEL:
        ok(bureau.post(f"{base}/evaluators", json={"official": official, "name": official.split("@")[0], "email": official}), 201)
    assert panel[0].get(f"{base}/proposals").status == 403
    for evaluator in panel:
        ok(
            evaluator.post(
                f"{base}/evaluators/declaration", json={"conflict": False, "statement": "No interest in any proposer."}
            )
        )
    opened = {org_of[p["vendor_id"]]: p for p in ok(panel[0].get(f"{base}/proposals"))["items"]}
    assert opened["acme"]["description"] == "Digitisation, final." and opened["cobra"]["price"] == "450000.00"
    for org, (*_, score) in PROPOSERS.items():
        for evaluator in panel:
            ok(evaluator.post(f"{base}/scores", json=sheet(opened[org]["proposal_id"], score)), 201)
        consensus = {**sheet(opened[org]["proposal_id"], score), "rationale": f"The panel agreed on {score}."}
        ok(bureau.post(f"{base}/consensus", json=consensus), 201)

    # Classification: Cobra's is unacceptable and Cobra is told at once (R-18c); the shortlist is the best three (R-16g)
    for org in PROPOSERS:
        kind = "unacceptable" if org == "cobra" else "acceptable"
        ok(
            bureau.post(
                f"{base}/classifications",
                json={"proposal_id": opened[org]["proposal_id"], "classification": kind, "reason": "Judged on the factors."},
            )
        )
    assert any("unacceptable" in m["text"] for m in mails_to(stack, PROPOSERS["cobra"][1]))
    ranking = [org_of[p["vendor_id"]] for p in ok(bureau.get(f"{base}/ranking"))["proposers"]]
    assert ranking == ["acme", "bolt", "dune", "elm", "cobra"]
    shortlist = [vendors[org] for org in ("acme", "bolt", "dune")]
    assert ok(bureau.post(f"{base}/shortlist", json={"vendor_ids": shortlist}))["status"] == "discussions"

    # Discussions: an oral clarification stays open until Acme confirms it in writing; Bolt modifies its proposal (R-17b)
    oral = ok(
        bureau.post(
            f"{base}/discussions", json={"vendor_id": vendors["acme"], "kind": "oral", "text": "Said: scanning starts in week 2."}
        ),
        201,
    )
    early = bureau.post(f"{base}/bafo", json={"due": "2026-03-27T14:00:00-04:00"})
    assert early.status == 409 and early.json["rule"] == "R-17b"
    ok(
        api.as_vendor("acme").post(
            f"{base}/discussions", json={"text": "Confirmed: scanning starts in week 2.", "confirms": oral["id"]}
        ),
        201,
    )
    ok(
        api.as_vendor("bolt").post(f"{base}/proposals", json=proposal("bolt", description="Digitisation with on-site indexing.")),
        201,
    )
    ok(
        bureau.post(
            f"{base}/discussions", json={"vendor_id": vendors["bolt"], "kind": "written", "text": "Please detail the indexing."}
        ),
        201,
    )
    assert [m["text"] for m in ok(api.as_vendor("bolt").get(f"{base}/discussions"))["items"]] == ["Please detail the indexing."]

    # Best and final offers at one common date and time (R-17c); Dune sends none and keeps its proposal
    bafo_due = "2026-03-27T14:00:00-04:00"
    assert ok(bureau.post(f"{base}/bafo", json={"due": bafo_due}))["status"] == "bafo"
    secret = {"name": "method", "text": "Our indexing method."}
    acme_offer = proposal(
        "acme", price="880000.00", documents=[secret], confidentiality=[{"part": "documents/method", "reason": "A trade secret."}]
    )
    ok(api.as_vendor("acme").post(f"{base}/bafo/offers", json=acme_offer), 201)
    bolt_offer = ok(api.as_vendor("bolt").post(f"{base}/bafo/offers", json=proposal("bolt", price="860000.00")), 201)
    assert (bolt_offer["bafo_round"], bolt_offer["status"]) == (1, "sealed")
    late = api.as_vendor("bolt").post(f"{base}/proposals", json=proposal("bolt"))
    assert late.status == 409  # no changes after the offers (R-17c, R-16f)
    clock.advance(to=dt.datetime.fromisoformat(bafo_due))
    assert ok(bureau.get(base))["status"] == "negotiation"

    # Acme's confidentiality request is decided before its negotiation opens (R-16d)
    acme_live = next(p for p in ok(bureau.get(f"{base}/proposals"))["items"] if p["vendor_id"] == vendors["acme"])
    refused = bureau.post(f"{base}/negotiations")
    assert refused.status == 409 and refused.json["rule"] == "R-16d"
    decision = {"decisions": [{"part": "documents/method", "withheld": True, "reason": "A valid trade secret."}]}
    ok(bureau.post(f"{base}/proposals/{acme_live['proposal_id']}/confidentiality", json=decision))

    # Negotiation with the best ranked, Acme, is terminated; the timer sends the written notice; then Bolt (R-16h-l)
    first = ok(bureau.post(f"{base}/negotiations"), 201)
    assert first["number"] == 1 and first["vendor_id"] == vendors["acme"]
    terminated = ok(bureau.post(f"{base}/negotiations/1/terminate", json={"reasons": "No agreement on the price of hosting."}))
    assert bureau.post(f"{base}/negotiations").status == 409  # not before the written notice
    clock.advance(to=dt.datetime.fromisoformat(terminated["notice_due"]))
    noticed = ok(bureau.get(f"{base}/negotiations"))["negotiations"][0]
    assert noticed["notice_sent_at"] is not None and noticed["notice_in_time"] is True
    assert dt.datetime.fromisoformat(noticed["notice_sent_at"]) < dt.datetime.fromisoformat(terminated["notice_due"])
    subjects = [m["subject"] for m in mails_to(stack, PROPOSERS["acme"][1])]
    assert subjects[-2:] == [f"Negotiation terminated: {title}", f"Written notice of termination of negotiations: {title}"]
    second = ok(bureau.post(f"{base}/negotiations"), 201)
    assert second["number"] == 2 and second["vendor_id"] == vendors["bolt"]
    agreement = {"price": "855000.00", "principal_elements": ["Hosting priced at cost for five years.", "Indexing on site."]}
    award = ok(bureau.post(f"{base}/negotiations/2/agree", json=agreement))

    # The notice of award, the memorandum and the register are public now (R-16m, R-16o, R-16c)
    public = ok(api.get(f"{base}/award"))
    assert public["awardee_name"] == "Bolt Records Co" and public["price"] == "855000.00" == award["price"]
    memorandum = ok(api.get(f"{base}/memorandum"))
    assert [p["proposer_name"] for p in memorandum["ranked"]][:3] == ["Acme Imaging LLC", "Bolt Records Co", "Dune Data Inc"]
    assert "Hosting priced at cost for five years." in memorandum["text"] and "price of hosting" in memorandum["text"]
    assert "Our indexing method." not in memorandum["text"]
    assert {e["proposer_name"] for e in ok(api.get(f"{base}/register"))["proposals"]} == {n for n, *_ in PROPOSERS.values()}
    contract = ok(bureau.get(f"/contracts/{public['contract_id']}"))
    assert (contract["contractor_name"], contract["status"], contract["rfp_id"]) == ("Bolt Records Co", "active", rfp["id"])
    assert any("award" in m["subject"].lower() for m in mails_to(stack, PROPOSERS["bolt"][1]))
    assert mails_to(stack, PROPOSERS["dune"][1])[-1]["subject"] == f"Award made: {title}"
