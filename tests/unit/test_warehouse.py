"""The central warehouse as the domain sees it (R-22): one commodity group per requisition, items of that group,
signed by an authorised official on file, for a published shipping date; one submitted less than ten days before it
accepted with a warning and flagged, at the boundary instant; the delivery counted against the shipping memo, every
discrepancy initialled by deliverer and receiver, the invoice following the delivered quantities."""

import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.domain import warehouse as rules
from chalicelib.domain.calendar import CT
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.warehouse import CommodityGroup, Count, ShippingDate, WarehouseRequisitionStatus

SHIPPING = dt.date(2026, 3, 20)
NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
PAPER = rules.catalogue_item(
    stock_number="C-1040",
    description="Copy paper",
    unit_of_issue="case",
    unit_price=Decimal("38.50"),
    group=CommodityGroup.C,
    now=NOW,
)
PENS = rules.catalogue_item(
    stock_number="C-2001", description="Pens", unit_of_issue="box", unit_price=Decimal("4.25"), group=CommodityGroup.C, now=NOW
)
SOAP = rules.catalogue_item(
    stock_number="E-300", description="Soap", unit_of_issue="case", unit_price=Decimal(20), group=CommodityGroup.E, now=NOW
)
CATALOGUE = {item.id: item for item in (PAPER, PENS, SOAP)}
SCHEDULED = ShippingDate(rules.shipping_date_id(CommodityGroup.C, SHIPPING), CommodityGroup.C, SHIPPING, NOW)

pytestmark = pytest.mark.rule("R-22")


def submitted(**changes):
    fields = {
        "requisition_id": "WR-1",
        "agency": "DOT",
        "group": CommodityGroup.C,
        "shipping": SCHEDULED,
        "shipping_date": SHIPPING,
        "lines": [("C-1040", Decimal(10)), ("C-2001", Decimal(4))],
        "catalogue": CATALOGUE,
        "signed_by": "bmanager@dot",
        "signer_on_file": True,
        "now": NOW,
        "submitted_by": "clerk@dot",
    }
    return rules.requisition(**{**fields, **changes})


def test_a_requisition_with_an_item_of_another_group_is_refused_naming_the_line():
    # Given a group C requisition with a group E item / When submitted / Then refused naming lines[1]
    with pytest.raises(ValidationFailed) as exc:
        submitted(lines=[("C-1040", Decimal(1)), ("E-300", Decimal(1))])
    assert exc.value.rule == "R-22" and [d["field"] for d in exc.value.details] == ["lines[1].stock_number"]


def test_a_requisition_signed_by_an_official_not_on_file_is_refused():
    # Given a signer not on file / When submitted / Then refused naming signed_by
    with pytest.raises(ValidationFailed) as exc:
        submitted(signer_on_file=False)
    assert [d["field"] for d in exc.value.details] == ["signed_by"]


def test_a_requisition_for_an_unpublished_shipping_date_is_refused():
    # Given no published shipping date / When submitted / Then refused naming shipping_date
    with pytest.raises(ValidationFailed) as exc:
        submitted(shipping=None)
    assert [d["field"] for d in exc.value.details] == ["shipping_date"]


def test_a_requisition_at_the_last_second_of_the_tenth_day_before_shipping_is_on_time():
    # Given the last second of March 10, ten days before the March 20 shipping date / When submitted / Then not late
    req = submitted(now=dt.datetime(2026, 3, 10, 23, 59, 59, tzinfo=CT))
    assert (req.late, req.warning) == (False, None)


def test_a_requisition_at_the_first_second_of_the_ninth_day_before_shipping_is_accepted_late_with_a_warning():
    # Given the first second of March 11 / When submitted / Then accepted, flagged late, with a warning
    req = submitted(now=dt.datetime(2026, 3, 11, 0, 0, 0, tzinfo=CT))
    assert req.late and "less than 10 days" in (req.warning or "")
    assert req.status is WarehouseRequisitionStatus.SUBMITTED


def test_a_requisition_carries_the_prevailing_unit_prices():
    # Given the catalogue prices / When submitted / Then the requested amount is quantities x prices
    assert submitted().requested_amount == Decimal("402.00")


def test_a_count_other_than_the_memo_without_both_initials_is_refused_naming_them():
    # Given a shipped requisition / When paper is counted 9 of 10 with only the receiver's initials
    shipped = rules.ship(submitted(), {}, NOW)
    with pytest.raises(ValidationFailed) as exc:
        rules.deliver(shipped, [Count("C-1040", Decimal(9), None, "JL"), Count("C-2001", Decimal(4))], "rcv@dot", NOW)
    # Then refused naming the deliverer's initials
    assert [d["field"] for d in exc.value.details] == ["counts[0].deliverer_initials"]


def test_a_delivery_must_count_every_line_of_the_memo():
    # Given a shipped requisition / When only one line is counted / Then refused naming counts
    shipped = rules.ship(submitted(), {}, NOW)
    with pytest.raises(ValidationFailed) as exc:
        rules.deliver(shipped, [Count("C-1040", Decimal(10))], "rcv@dot", NOW)
    assert exc.value.details[0]["field"] == "counts"


def test_an_initialled_discrepancy_adjusts_the_invoice_to_the_delivered_quantities():
    # Given a shipped requisition of 10 paper and 4 pens / When 9 paper are counted, initialled by both
    shipped = rules.ship(submitted(), {}, NOW)
    counts = [Count("C-1040", Decimal(9), "RK", "JL"), Count("C-2001", Decimal(4))]
    delivered = rules.deliver(shipped, counts, "rcv@dot", NOW)
    # Then the invoice is 9 x 38.50 + 4 x 4.25, and the initials are kept on the altered line only
    assert delivered.invoice_amount == Decimal("363.50")
    assert [(line.deliverer_initials, line.receiver_initials) for line in delivered.lines] == [("RK", "JL"), (None, None)]


def test_a_delivery_before_the_shipping_memo_is_refused():
    # Given a submitted requisition without its memo / When a delivery is counted / Then 409 under R-22
    with pytest.raises(Conflict) as exc:
        rules.deliver(submitted(), [Count("C-1040", Decimal(10)), Count("C-2001", Decimal(4))], "rcv@dot", NOW)
    assert exc.value.rule == "R-22"
