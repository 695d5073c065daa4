"""Purchase requisitions over HTTP on the in-process stack (R-3): the agency's requisition refused without its
statement that no DPA or term contract covers the need, received, linked to an invitation to bid or a request for
proposals (several to one), filled or cancelled; the Bureau's pre-itemized form issued, returned with the agency's
quantities; each agency sees only its own; lists paged."""

import pytest

from chalicelib import bootstrap
from tests.integration.test_rfps_http import BODY as RFP_BODY

REQUISITION: dict = {
    "description": "Traffic cones for the spring paving season",
    "lines": [
        {
            "description": "Traffic cone, 28 in, reflective collar",
            "quantity": "400",
            "unit": "each",
            "estimated_unit_price": "18.50",
        },
        {"description": "Barricade light, amber", "quantity": "50", "unit": "each", "estimated_unit_price": "32.125"},
    ],
    "needed_by": "2026-04-15",
    "commodity_codes": ["55000"],
    "not_covered_statement": True,
}
FORM: dict = {
    "agency": "DOT",
    "description": "Winter road salt, quarterly schedule",
    "items": [
        {"description": "Rock salt, bulk, delivered to the district garage", "unit": "ton"},
        {"description": "Calcium chloride flakes, 50 lb bag", "unit": "bag"},
    ],
    "commodity_codes": ["48500"],
    "return_due_on": "2026-03-13",
}
RETURNED = {"quantities": [{"line": 1, "quantity": "1200"}, {"line": 2, "quantity": "0"}], "needed_by": "2026-04-01"}


@pytest.fixture
def purchasing(api):
    return api.as_purchasing()


@pytest.fixture
def dot(api):
    return api.as_("agency", "DOT", "buyer@dot.ct.gov")


@pytest.fixture
def dss(api):
    return api.as_("agency", "DSS", "buyer@dss.ct.gov")


def submitted(agency, **changes) -> dict:
    reply = agency.post("/requisitions", json={**REQUISITION, **changes})
    assert reply.status == 201, reply.json
    return reply.json


def issued(purchasing, **changes) -> dict:
    reply = purchasing.post("/requisitions/pre-itemized", json={**FORM, **changes})
    assert reply.status == 201, reply.json
    return reply.json


def draft_rfp(purchasing) -> str:
    reply = purchasing.post("/rfps", json=RFP_BODY)
    assert reply.status == 201, reply.json
    return reply.json["id"]


@pytest.mark.rule("R-3")
def test_an_agency_requisition_is_received_by_the_bureau_with_its_estimate(dot):
    # When the agency submits its requisition, stating no DPA or term contract covers it
    requisition = submitted(dot)
    # Then the Bureau has received it, with its lines priced by the agency's estimate
    assert requisition["status"] == "received" and requisition["kind"] == "agency" and requisition["agency"] == "DOT"
    assert [line["line"] for line in requisition["lines"]] == [1, 2]
    assert requisition["estimated_total"] == "9006.25"  # 400 x 18.50 + 50 x 32.125
    assert requisition["not_covered_statement"] is True


@pytest.mark.rule("R-3")
def test_a_requisition_without_the_statement_that_no_dpa_or_term_contract_covers_it_is_refused(dot, purchasing):
    # When the agency submits it without the statement
    reply = dot.post("/requisitions", json={**REQUISITION, "not_covered_statement": False})
    # Then 400 names the field and the rule, and nothing is stored
    assert reply.status == 400 and reply.json["Code"] == "NotCovered" and reply.json["rule"] == "R-3"
    assert reply.json["details"][0]["field"] == "not_covered_statement"
    assert purchasing.get("/requisitions").json["items"] == []


@pytest.mark.rule("R-3")
def test_a_requisition_needed_by_a_past_date_is_refused_naming_the_field(dot):
    # Given today is 2 March 2026 / When the agency asks for a need by 1 March / Then 400 names needed_by
    reply = dot.post("/requisitions", json={**REQUISITION, "needed_by": "2026-03-01"})
    assert reply.status == 400 and reply.json["rule"] == "R-3"
    assert [d["field"] for d in reply.json["details"]] == ["needed_by"]


@pytest.mark.rule("R-3")
def test_only_an_agency_submits_a_requisition_and_only_purchasing_issues_a_pre_itemized_form(purchasing, dot):
    # When purchasing submits a requisition, or an agency issues a form / Then 403
    assert purchasing.post("/requisitions", json=REQUISITION).status == 403
    assert dot.post("/requisitions/pre-itemized", json=FORM).status == 403


@pytest.mark.rule("R-3")
def test_two_requisitions_feed_one_request_for_proposals_and_are_listed_by_it(dot, dss, purchasing):
    # Given a requisition of DOT and one of DSS, and a draft request for proposals
    first, second = submitted(dot), submitted(dss)
    rfp_id = draft_rfp(purchasing)
    # When purchasing links both to it
    for requisition in (first, second):
        reply = purchasing.post(f"/requisitions/{requisition['id']}/solicitation", json={"rfp_id": rfp_id})
        assert reply.status == 200 and reply.json["status"] == "in_solicitation" and reply.json["rfp_id"] == rfp_id
    # Then the request's requisitions are both, and an agency sees only its own of them
    listed = purchasing.get(f"/requisitions?rfp_id={rfp_id}").json["items"]
    assert sorted(r["id"] for r in listed) == sorted([first["id"], second["id"]])
    assert [r["id"] for r in dot.get(f"/requisitions?rfp_id={rfp_id}").json["items"]] == [first["id"]]


@pytest.mark.rule("R-3")
def test_a_requisition_linked_to_no_existing_solicitation_is_refused_and_stays_received(dot, purchasing):
    requisition = submitted(dot)
    # When purchasing names an invitation that does not exist / Then 400 names the field, and nothing changed
    reply = purchasing.post(f"/requisitions/{requisition['id']}/solicitation", json={"solicitation_id": "ITB-NONE"})
    assert reply.status == 400 and reply.json["rule"] == "R-3" and reply.json["details"][0]["field"] == "solicitation_id"
    # And naming both an invitation and a request for proposals is refused too
    both = purchasing.post(f"/requisitions/{requisition['id']}/solicitation", json={"solicitation_id": "X", "rfp_id": "Y"})
    assert both.status == 400
    assert purchasing.get(f"/requisitions/{requisition['id']}").json["status"] == "received"


@pytest.mark.rule("R-3")
def test_a_linked_requisition_is_filled_by_an_order_and_then_cannot_be_cancelled(dot, purchasing):
    requisition = submitted(dot)
    base = f"/requisitions/{requisition['id']}"
    # Given it is in a solicitation / When purchasing fills it with an order reference
    assert purchasing.post(f"{base}/solicitation", json={"rfp_id": draft_rfp(purchasing)}).status == 200
    filled = purchasing.post(f"{base}/fill", json={"order_reference": "PO-DOT-2026-118"})
    # Then it is filled, and can no longer be cancelled
    assert filled.status == 200 and filled.json["status"] == "filled" and filled.json["order_reference"] == "PO-DOT-2026-118"
    refused = dot.post(f"{base}/cancel", json={"reason": "No longer needed."})
    assert refused.status == 409 and refused.json["rule"] == "R-3"


@pytest.mark.rule("R-3")
def test_a_received_requisition_is_not_filled_before_it_is_in_a_solicitation(dot, purchasing):
    # Given a received requisition / When purchasing fills it / Then 409 under R-3
    requisition = submitted(dot)
    reply = purchasing.post(f"/requisitions/{requisition['id']}/fill", json={"order_reference": "PO-1"})
    assert reply.status == 409 and reply.json["Code"] == "RequisitionClosed"


@pytest.mark.rule("R-3")
def test_a_fill_naming_a_contract_that_does_not_exist_is_refused(dot, purchasing):
    # Given a requisition in solicitation / When filled with an unknown contract / Then 400 names it, nothing changes
    requisition = submitted(dot)
    base = f"/requisitions/{requisition['id']}"
    assert purchasing.post(f"{base}/solicitation", json={"rfp_id": draft_rfp(purchasing)}).status == 200
    reply = purchasing.post(f"{base}/fill", json={"contract_id": "CT-NONE"})
    assert reply.status == 400 and reply.json["details"][0]["field"] == "contract_id"
    assert purchasing.get(base).json["status"] == "in_solicitation"


@pytest.mark.rule("R-3")
def test_the_agency_cancels_its_own_requisition_with_a_reason_and_another_agency_cannot_see_it(dot, dss):
    requisition = submitted(dot)
    base = f"/requisitions/{requisition['id']}"
    # When another agency reads or cancels it / Then it does not exist for that agency
    assert dss.get(base).status == 404
    assert dss.post(f"{base}/cancel", json={"reason": "x"}).status == 404
    # When DOT cancels it / Then it is cancelled with the reason
    cancelled = dot.post(f"{base}/cancel", json={"reason": "Covered by the new term contract."})
    assert cancelled.status == 200 and cancelled.json["status"] == "cancelled"
    assert cancelled.json["cancel_reason"] == "Covered by the new term contract."


@pytest.mark.rule("R-3")
def test_a_pre_itemized_form_is_emailed_to_the_agency_and_returned_with_its_quantities(purchasing, dot, stack):
    # When purchasing issues the form to DOT
    form = issued(purchasing)
    assert form["status"] == "issued" and form["kind"] == "pre_itemized" and form["return_due_on"] == "2026-03-13"
    assert [line["quantity"] for line in form["lines"]] == [None, None]
    # Then DOT's procurement mailbox has the form's items and due date
    mailbox = bootstrap.deps().mailboxes.agency("DOT")
    (email,) = [m for m in stack.outbox() if mailbox in m["to"]]
    assert "by the end of Friday, March 13, 2026" in email["subject"] and "Calcium chloride flakes" in email["text"]
    # When DOT returns it with a quantity for each item
    returned = dot.post(f"/requisitions/{form['id']}/return", json=RETURNED)
    # Then the Bureau has received it, on time, with the quantities
    assert returned.status == 200 and returned.json["status"] == "received" and returned.json["returned_late"] is False
    assert [line["quantity"] for line in returned.json["lines"]] == ["1200", "0"]


@pytest.mark.rule("R-3")
def test_a_returned_form_must_give_a_quantity_for_every_item(purchasing, dot):
    form = issued(purchasing)
    # When DOT leaves out item 2 / Then 400 names it, and the form is still issued
    reply = dot.post(f"/requisitions/{form['id']}/return", json={"quantities": [{"line": 1, "quantity": "5"}]})
    assert reply.status == 400 and reply.json["rule"] == "R-3"
    assert reply.json["details"] == [{"field": "quantities", "problem": "item 2 needs a quantity (0 for none)"}]
    assert dot.get(f"/requisitions/{form['id']}").json["status"] == "issued"


@pytest.mark.rule("R-3")
def test_a_form_with_every_quantity_zero_is_refused(purchasing, dot):
    # When DOT returns the form with no item needed / Then 400: at least one quantity above 0
    form = issued(purchasing)
    zeros = {"quantities": [{"line": 1, "quantity": "0"}, {"line": 2, "quantity": "0"}]}
    reply = dot.post(f"/requisitions/{form['id']}/return", json=zeros)
    assert reply.status == 400 and reply.json["details"][0]["field"] == "quantities"


@pytest.mark.rule("R-3")
def test_a_form_is_returned_once_and_only_by_its_agency(purchasing, dot, dss):
    # Given a form issued to DOT / When DSS returns it / Then 404; when DOT returns it twice / Then the second is 409
    form = issued(purchasing)
    assert dss.post(f"/requisitions/{form['id']}/return", json=RETURNED).status == 404
    assert dot.post(f"/requisitions/{form['id']}/return", json=RETURNED).status == 200
    again = dot.post(f"/requisitions/{form['id']}/return", json=RETURNED)
    assert again.status == 409 and again.json["rule"] == "R-3"


@pytest.mark.rule("R-3")
def test_a_form_due_today_or_earlier_is_refused(purchasing):
    # Given today is 2 March 2026 / When purchasing sets the return due on 2 March / Then 400 names return_due_on
    reply = purchasing.post("/requisitions/pre-itemized", json={**FORM, "return_due_on": "2026-03-02"})
    assert reply.status == 400 and reply.json["details"][0]["field"] == "return_due_on"


@pytest.mark.rule("R-3")
def test_the_lists_by_agency_and_status_page_and_an_agency_sees_no_other_agency(dot, dss, purchasing, clock):
    # Given three DOT requisitions a minute apart, one cancelled, and one of DSS
    ids = []
    for _ in range(3):
        ids.append(submitted(dot)["id"])
        clock.advance(minutes=1)
    submitted(dss)
    assert dot.post(f"/requisitions/{ids[1]}/cancel", json={"reason": "Duplicate."}).status == 200
    # Then DOT's received ones page two by two
    first = dot.get("/requisitions?status=received&limit=1").json
    assert [r["id"] for r in first["items"]] == [ids[0]] and first["next"]
    second = dot.get(f"/requisitions?status=received&limit=1&cursor={first['next']}").json
    assert [r["id"] for r in second["items"]] == [ids[2]] and second["next"] is None
    # And all of DOT's are three; purchasing's queue (received) has three of both agencies
    assert len(dot.get("/requisitions").json["items"]) == 3
    assert len(purchasing.get("/requisitions").json["items"]) == 3
    assert [r["agency"] for r in purchasing.get("/requisitions?agency=DSS").json["items"]] == ["DSS"]
    # And DOT asking for DSS's is refused
    assert dot.get("/requisitions?agency=DSS").status == 403
