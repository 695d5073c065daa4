"""The central warehouse over HTTP (R-22): a requisition with a delivery discrepancy adjusting the invoice, a late
requisition accepted with a warning and flagged, one of two groups or unsigned by an official on file refused, and
an uninitialled discrepancy refused."""

import datetime as dt

import pytest

from chalicelib.domain.calendar import CT

pytestmark = pytest.mark.rule("R-22")

SHIPPING = "2026-03-20"  # the virtual clock starts on March 2, eighteen days before


@pytest.fixture
def purchasing(api):
    return api.as_purchasing()


@pytest.fixture
def dot(api):
    return api.as_("agency", "DOT", sub="clerk@dot")


@pytest.fixture
def warehouse(purchasing):
    """Two group C items and a group E item catalogued, a group C shipping date published, DOT's signer on file."""
    items = [
        ("C-1040", "Copy paper", "case", "38.50", "C"),
        ("C-2001", "Pens", "box", "4.25", "C"),
        ("E-300", "Soap", "case", "20", "E"),
    ]
    for stock, description, unit, price, group in items:
        body = {"stock_number": stock, "description": description, "unit_of_issue": unit, "unit_price": price, "group": group}
        assert purchasing.post("/warehouse/items", json=body).status == 201
    assert purchasing.post("/warehouse/shipping-dates", json={"group": "C", "date": SHIPPING}).status == 201
    signer = {"agency": "DOT", "sub": "bmanager@dot", "name": "B. Manager"}
    assert purchasing.post("/warehouse/officials", json=signer).status == 201


def requisition(**changes) -> dict:
    lines = [{"stock_number": "C-1040", "quantity": "10"}, {"stock_number": "C-2001", "quantity": "4"}]
    return {"group": "C", "shipping_date": SHIPPING, "signed_by": "bmanager@dot", "lines": lines, **changes}


def test_a_warehouse_requisition_with_a_delivery_discrepancy_adjusts_the_invoice(dot, purchasing, warehouse):
    # Given a group C requisition, on time, and its shipping memo
    submitted = dot.post("/warehouse/requisitions", json=requisition())
    assert submitted.status == 201, submitted.json
    assert (submitted.json["late"], submitted.json["requested_amount"]) == (False, "402.00")
    req = submitted.json["id"]
    assert purchasing.post(f"/warehouse/requisitions/{req}/shipping-memo", json={"lines": []}).status == 200
    # When DOT counts 9 cases of paper for the memo's 10, initialled by deliverer and receiver
    counts = [
        {"stock_number": "C-1040", "delivered": "9", "deliverer_initials": "RK", "receiver_initials": "JL"},
        {"stock_number": "C-2001", "delivered": "4"},
    ]
    delivered = dot.post(f"/warehouse/requisitions/{req}/delivery", json={"counts": counts})
    # Then the invoice is the delivered quantities x unit prices, and the receiver signed
    assert delivered.status == 200, delivered.json
    assert (delivered.json["invoice_amount"], delivered.json["received_by"]) == ("363.50", "clerk@dot")
    assert purchasing.get(f"/warehouse/requisitions/{req}").json["invoice_amount"] == "363.50"


def test_an_uninitialled_discrepancy_is_refused_with_400_naming_the_initials(dot, purchasing, warehouse):
    # Given a shipped requisition / When a discrepancy is counted without initials / Then 400 naming both under R-22
    req = dot.post("/warehouse/requisitions", json=requisition()).json["id"]
    purchasing.post(f"/warehouse/requisitions/{req}/shipping-memo", json={"lines": []})
    counts = [{"stock_number": "C-1040", "delivered": "9"}, {"stock_number": "C-2001", "delivered": "4"}]
    reply = dot.post(f"/warehouse/requisitions/{req}/delivery", json={"counts": counts})
    assert (reply.status, reply.json["rule"]) == (400, "R-22")
    assert [d["field"] for d in reply.json["details"]] == ["counts[0].deliverer_initials", "counts[0].receiver_initials"]


@pytest.mark.start(dt.datetime(2026, 3, 11, 0, 0, tzinfo=CT))
def test_a_requisition_nine_days_before_shipping_is_accepted_with_a_warning_and_flagged(dot, warehouse):
    # Given the first second of March 11 in Connecticut, nine days before the March 20 shipping date
    # When DOT submits / Then 201, flagged late with a warning
    reply = dot.post("/warehouse/requisitions", json=requisition())
    assert reply.status == 201, reply.json
    assert reply.json["late"] is True and "less than 10 days" in reply.json["warning"]


def test_a_requisition_mixing_two_groups_is_refused_with_400_naming_the_line(dot, warehouse):
    # Given a group C requisition with a group E item / When submitted / Then 400 naming the line under R-22
    reply = dot.post("/warehouse/requisitions", json=requisition(lines=[{"stock_number": "E-300", "quantity": "1"}]))
    assert (reply.status, reply.json["rule"], reply.json["details"][0]["field"]) == (400, "R-22", "lines[0].stock_number")


def test_a_requisition_signed_by_an_official_not_on_file_is_refused_with_400(dot, warehouse):
    # Given a signer not on file / When submitted / Then 400 naming signed_by under R-22
    reply = dot.post("/warehouse/requisitions", json=requisition(signed_by="intern@dot"))
    assert (reply.status, reply.json["rule"], reply.json["details"][0]["field"]) == (400, "R-22", "signed_by")


def test_the_catalogue_is_listed_per_group_to_agencies(dot, warehouse):
    # Given the catalogue / When DOT lists group C / Then its two items in stock-number order
    reply = dot.get("/warehouse/items?group=C")
    assert reply.status == 200 and [i["stock_number"] for i in reply.json["items"]] == ["C-1040", "C-2001"]
