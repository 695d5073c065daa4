"""Surplus property over HTTP (R-21): a sale after the bidders' inspection with a change refused, hazardous material
refused uncleared, no disposal before the Surplus Center's approval, a transfer signed only by the receiving
agency's representative on file, and scrap refused without its written finding."""

import pytest

pytestmark = pytest.mark.rule("R-21")

REPORT = {
    "description": "Ford F-250 pickup, 2014, VIN 1FTBF2B6XEEA00001",
    "quantity": "1",
    "condition": "Runs; body rust on both doors",
    "location": "DOT garage, Newington",
}


@pytest.fixture
def purchasing(api):
    return api.as_purchasing()


@pytest.fixture
def dot(api):
    return api.as_("agency", "DOT", sub="clerk@dot")


def approved(dot, purchasing) -> str:
    reply = dot.post("/surplus", json=REPORT)
    assert reply.status == 201, reply.json
    approval = purchasing.post(f"/surplus/{reply.json['id']}/approve")
    assert approval.status == 200, approval.json
    return reply.json["id"]


def test_a_surplus_sale_after_the_bidders_inspection_refuses_a_change_and_is_recorded(dot, purchasing):
    # Given approved property put up for auction and inspected by prospective bidders
    prop = approved(dot, purchasing)
    assert purchasing.post(f"/surplus/{prop}/disposal", json={"kind": "sale", "sale_method": "auction"}).status == 200
    assert dot.post(f"/surplus/{prop}/changes", json={"condition": "New battery"}).status == 200  # before: allowed
    assert purchasing.post(f"/surplus/{prop}/inspection", json={"note": "six bidders"}).status == 200
    # When the holding agency changes the record / Then 409 under R-21, and the record is as inspected
    refused = dot.post(f"/surplus/{prop}/changes", json={"condition": "Battery removed"})
    assert (refused.status, refused.json["rule"]) == (409, "R-21")
    # When the sale is recorded / Then the property is sold as inspected
    sold = purchasing.post(f"/surplus/{prop}/sale", json={"buyer": "Hartford Auto Parts LLC", "amount": "4200.00"})
    assert sold.status == 200, sold.json
    assert (sold.json["status"], sold.json["condition"], sold.json["sale_amount"]) == ("sold", "New battery", "4200.00")


def test_hazardous_material_without_its_clearance_is_refused_with_400_naming_it(dot):
    # Given a hazardous report without a clearance / When reported / Then 400 naming hazard_clearance and R-21
    reply = dot.post("/surplus", json={**REPORT, "hazardous": True})
    assert (reply.status, reply.json["rule"]) == (400, "R-21")
    assert [d["field"] for d in reply.json["details"]] == ["hazard_clearance"]


def test_no_disposal_is_decided_before_the_approval(dot, purchasing):
    # Given reported property / When purchasing decides a sale before approving / Then 409 under R-21
    prop = dot.post("/surplus", json=REPORT).json["id"]
    reply = purchasing.post(f"/surplus/{prop}/disposal", json={"kind": "sale", "sale_method": "auction"})
    assert (reply.status, reply.json["rule"]) == (409, "R-21")


def test_a_transfer_is_signed_only_by_the_receiving_agencys_representative_on_file(api, dot, purchasing):
    # Given DEEP's representative on file and a transfer of approved property to them
    filed = purchasing.post("/surplus/representatives", json={"agency": "DEEP", "sub": "mgrant@deep", "name": "M. Grant"})
    assert filed.status == 201, filed.json
    prop = approved(dot, purchasing)
    transfer = {"kind": "transfer", "receiving_agency": "DEEP", "representative": "mgrant@deep"}
    assert purchasing.post(f"/surplus/{prop}/disposal", json=transfer).json["status"] == "transfer_pending"
    # When another DEEP official signs / Then 403 under R-21
    other = api.as_("agency", "DEEP", sub="other@deep").post(f"/surplus/{prop}/transfer/sign")
    assert (other.status, other.json["rule"]) == (403, "R-21")
    # When the representative signs / Then transferred, signed by them
    signed = api.as_("agency", "DEEP", sub="mgrant@deep").post(f"/surplus/{prop}/transfer/sign")
    assert (signed.status, signed.json["status"], signed.json["transfer_signed_by"]) == (200, "transferred", "mgrant@deep")


def test_a_transfer_to_a_representative_not_on_file_is_refused_with_400(dot, purchasing):
    # Given approved property and no DEEP representative on file / When transferred / Then 400 naming representative
    prop = approved(dot, purchasing)
    transfer = {"kind": "transfer", "receiving_agency": "DEEP", "representative": "mgrant@deep"}
    reply = purchasing.post(f"/surplus/{prop}/disposal", json=transfer)
    assert (reply.status, reply.json["rule"], reply.json["details"][0]["field"]) == (400, "R-21", "representative")


def test_scrap_without_a_care_cost_above_the_sale_income_is_refused_with_400(dot, purchasing):
    # Given approved property / When scrapped on a finding whose care cost is not above the income / Then 400
    prop = approved(dot, purchasing)
    scrap_finding = {"text": "Old desks.", "no_commercial_value": True, "care_cost": "50.00", "sale_income": "80.00"}
    reply = purchasing.post(f"/surplus/{prop}/disposal", json={"kind": "scrap", "scrap_finding": scrap_finding})
    assert (reply.status, reply.json["rule"], reply.json["details"][0]["field"]) == (400, "R-21", "scrap_finding.care_cost")


def test_a_component_recovery_is_recorded_only_by_the_surplus_center(dot, purchasing):
    # Given reported property / When the holding agency records a recovery itself / Then 403
    prop = dot.post("/surplus", json=REPORT).json["id"]
    body = {"parts": "Two-way radio", "written_approval": "SSC memo 2026-014"}
    assert dot.post(f"/surplus/{prop}/component-recoveries", json=body).status == 403
    # When purchasing records it with the written approval / Then it is on the record
    reply = purchasing.post(f"/surplus/{prop}/component-recoveries", json=body)
    assert reply.status == 201 and reply.json["recoveries"][0]["written_approval"] == "SSC memo 2026-014"
