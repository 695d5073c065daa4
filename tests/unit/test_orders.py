"""Order, delivery and inspection rules: ±10% quantities (R-9a), the Comptroller's approval (R-9k), delivery
as ordered and extensions (R-11), inspection (R-12), the 48-hour removal window (R-9j), open-market purchases
(R-9i) and force-majeure notices (R-14)."""

import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.domain import orders as rules
from chalicelib.domain.contracts import ContractStatus
from chalicelib.domain.errors import Conflict, DeadlinePassed, ValidationFailed
from chalicelib.domain.orders import LineInspection, RejectedGoods
from tests.performance_support import contract

NOW = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
D = Decimal


HUNDRED_CASES = (("1", D(100)),)


def order(lines=HUNDRED_CASES, existing=(), c=None, **kw):
    return rules.new_order(order_id=kw.pop("order_id", "PO-1"), contract=c or contract(), existing=list(existing), lines=list(lines), deliver_by=dt.date(2026, 3, 13), contact_email="r@das.example", now=NOW)


def approved(**kw):
    return rules.approve(order(**kw), "OSC-1", NOW)


@pytest.mark.rule("R-9a")
def test_an_order_up_to_ten_percent_over_the_contract_quantity_is_accepted():
    assert order(lines=[("1", D("110"))]).lines[0].quantity == D("110")


@pytest.mark.rule("R-9a")
def test_an_order_beyond_ten_percent_over_the_contract_quantity_is_refused():
    with pytest.raises(ValidationFailed) as err:
        order(lines=[("1", D("110.01"))])
    assert err.value.rule == "R-9a" and "110.00" in err.value.details[0]["problem"]


@pytest.mark.rule("R-9a")
def test_the_ten_percent_limit_counts_every_earlier_order_of_the_contract():
    first = order(lines=[("1", D("60"))])
    with pytest.raises(ValidationFailed):
        order(lines=[("1", D("51"))], existing=[first], order_id="PO-2")


@pytest.mark.rule("R-9a")
def test_the_least_the_state_may_order_in_all_is_ninety_percent():
    assert rules.quantity_limits(contract())["1"] == (D("90.00"), D("110.00"))


@pytest.mark.rule("R-9a")
@pytest.mark.parametrize("quantity", ["-5", "0"])
def test_negative_or_zero_quantities_are_refused(quantity):
    with pytest.raises(ValidationFailed) as err:
        order(lines=[("1", D(quantity))])
    assert err.value.rule == "R-9a" and err.value.details == [{"field": "lines[0].quantity", "problem": "must be greater than 0"}]


@pytest.mark.rule("R-9a")
def test_a_line_not_on_the_contract_is_refused():
    with pytest.raises(ValidationFailed):
        order(lines=[("9", D("1"))])


@pytest.mark.rule("R-9k")
def test_an_order_bears_the_contract_number_and_waits_for_the_comptroller():
    o = order()
    assert o.contract_id == "C-26PSX0001" and o.status is rules.OrderStatus.AWAITING_APPROVAL


@pytest.mark.rule("R-9k")
def test_no_order_against_a_cancelled_contract():
    with pytest.raises(Conflict):
        order(c=contract(status=ContractStatus.CANCELLED))


@pytest.mark.rule("R-9k")
def test_goods_are_not_received_against_an_order_without_the_comptrollers_approval():
    with pytest.raises(Conflict) as err:
        rules.receive(delivery_id="DL-1", order=order(), deliveries=[], lines=[("1", D("10"))], now=NOW)
    assert err.value.rule == "R-9k"


@pytest.mark.rule("R-9k")
def test_the_approval_needs_the_comptrollers_reference():
    with pytest.raises(ValidationFailed):
        rules.approve(order(), "  ", NOW)


@pytest.mark.rule("R-11")
def test_delivery_beyond_what_is_still_owed_is_refused():
    o = approved()
    first = rules.receive(delivery_id="DL-1", order=o, deliveries=[], lines=[("1", D("60"))], now=NOW)
    with pytest.raises(ValidationFailed) as err:
        rules.receive(delivery_id="DL-2", order=o, deliveries=[first], lines=[("1", D("41"))], now=NOW)
    assert err.value.rule == "R-11"


@pytest.mark.rule("R-11")
def test_a_delivery_extension_moves_the_date_of_this_order_only_forward():
    o = rules.extend(approved(), dt.date(2026, 3, 20), "strike at the mill", "agency-user", NOW)
    assert o.effective_deliver_by == dt.date(2026, 3, 20) and o.deliver_by == dt.date(2026, 3, 13)
    with pytest.raises(ValidationFailed):
        rules.extend(o, dt.date(2026, 3, 19), "earlier", "agency-user", NOW)


def delivered(quantity="100"):
    return rules.receive(delivery_id="DL-1", order=approved(), deliveries=[], lines=[("1", D(quantity))], now=NOW)


@pytest.mark.rule("R-12")
def test_inspection_may_accept_part_and_reject_the_rest():
    d = rules.inspect(delivered(), approved(), [LineInspection("1", D("90"), D("10"))], "water damage", NOW)
    assert d.rejected_quantity == D("10") and d.rejected_goods is RejectedGoods.AWAITING_REMOVAL


@pytest.mark.rule("R-12")
def test_accepted_and_rejected_must_add_up_to_what_was_delivered():
    with pytest.raises(ValidationFailed) as err:
        rules.inspect(delivered(), approved(), [LineInspection("1", D("90"), D("5"))], "x", NOW)
    assert err.value.rule == "R-12"


@pytest.mark.rule("R-12")
def test_goods_accepted_at_an_adjusted_price_are_paid_at_that_price():
    o = approved()
    d = rules.inspect(delivered(), o, [LineInspection("1", D("100"), D("0"), D("100.00"))], None, NOW)
    assert rules.accepted_value([d], o) == D("10000.00")


@pytest.mark.rule("R-12")
def test_an_adjusted_price_must_be_below_the_contract_price():
    with pytest.raises(ValidationFailed):
        rules.inspect(delivered(), approved(), [LineInspection("1", D("100"), D("0"), D("130"))], None, NOW)


@pytest.mark.rule("R-12")
def test_a_rejection_must_state_its_reason():
    with pytest.raises(ValidationFailed):
        rules.inspect(delivered(), approved(), [LineInspection("1", D("90"), D("10"))], " ", NOW)


@pytest.mark.rule("R-9j")
def test_rejected_goods_must_be_removed_within_48_hours_of_the_notice():
    d = rules.inspect(delivered(), approved(), [LineInspection("1", D("90"), D("10"))], "x", NOW)
    assert d.removal_deadline == NOW + dt.timedelta(hours=48)


@pytest.mark.rule("R-9j")
def test_goods_still_there_after_48_hours_are_abandoned_and_not_before():
    d = rules.inspect(delivered(), approved(), [LineInspection("1", D("90"), D("10"))], "x", NOW)
    assert rules.abandon(d, NOW + dt.timedelta(hours=47, minutes=59)) is None
    assert rules.abandon(d, NOW + dt.timedelta(hours=48)).rejected_goods is RejectedGoods.ABANDONED


@pytest.mark.rule("R-9j")
def test_goods_removed_in_time_are_not_abandoned():
    d = rules.inspect(delivered(), approved(), [LineInspection("1", D("90"), D("10"))], "x", NOW)
    removed = rules.record_removal(d, NOW + dt.timedelta(hours=30))
    assert rules.abandon(removed, NOW + dt.timedelta(hours=48)) is None


@pytest.mark.rule("R-9j")
def test_removal_after_48_hours_is_refused():
    d = rules.inspect(delivered(), approved(), [LineInspection("1", D("90"), D("10"))], "x", NOW)
    with pytest.raises(DeadlinePassed):
        rules.record_removal(d, NOW + dt.timedelta(hours=48, seconds=1))


@pytest.mark.rule("R-9i")
def test_rejected_goods_may_be_replaced_by_a_delivery_naming_the_rejection():
    o = approved()
    d = rules.inspect(delivered(), o, [LineInspection("1", D("90"), D("10"))], "x", NOW)
    replacement = rules.receive(delivery_id="DL-2", order=o, deliveries=[d], lines=[("1", D("10"))], now=NOW, replaces="DL-1")
    assert replacement.replaces == "DL-1"


@pytest.mark.rule("R-13a")
def test_goods_count_as_received_on_the_latest_accepted_delivery():
    o = approved()
    d = rules.inspect(delivered(), o, [LineInspection("1", D("90"), D("10"))], "x", NOW)
    later = NOW + dt.timedelta(days=7)
    r = rules.inspect(rules.receive(delivery_id="DL-2", order=o, deliveries=[d], lines=[("1", D("10"))], now=later), o, [LineInspection("1", D("10"), D("0"))], None, later)
    assert rules.goods_received_on([d, r]) == dt.date(2026, 3, 9)


def om(deliveries, now, quantity="10", cost="1500.00", previous=None):
    return rules.open_market_purchase(purchase_id="OM-1", order=approved(), deliveries=deliveries, previous=previous or {}, line_id="1", quantity=D(quantity), cost=D(cost), reason="not replaced", now=now)


@pytest.mark.rule("R-9i")
def test_an_open_market_purchase_for_rejected_goods_charges_the_excess_to_the_contractor():
    d = rules.inspect(delivered(), approved(), [LineInspection("1", D("90"), D("10"))], "x", NOW)
    purchase = om([d], NOW)
    assert purchase.contract_cost == D("1234.57") and purchase.excess == D("265.43")


@pytest.mark.rule("R-9i")
def test_a_cheaper_open_market_purchase_charges_nothing():
    d = rules.inspect(delivered(), approved(), [LineInspection("1", D("90"), D("10"))], "x", NOW)
    assert om([d], NOW, cost="1000.00").excess == D("0")


@pytest.mark.rule("R-9i")
def test_the_open_market_is_closed_while_the_contractor_is_on_time_and_nothing_was_rejected():
    with pytest.raises(Conflict) as err:
        om([], NOW)
    assert err.value.rule == "R-9i"


@pytest.mark.rule("R-9i")
def test_after_the_delivery_date_undelivered_goods_may_be_bought_on_the_open_market():
    assert om([], dt.datetime(2026, 3, 14, 5, 0, tzinfo=dt.UTC)).quantity == D("10")


@pytest.mark.rule("R-9i")
def test_open_market_quantities_are_deducted_from_what_the_contractor_still_owes():
    o = approved()
    assert rules.outstanding(o, [], {"1": D("10")}) == {"1": D("90")}


@pytest.mark.rule("R-14")
def test_a_force_majeure_notice_needs_a_cause_and_probable_duration():
    with pytest.raises(ValidationFailed) as err:
        rules.force_majeure(notice_id="FM-1", contract=contract(), cause=" ", probable_duration_days=0, now=NOW)
    assert err.value.rule == "R-14" and len(err.value.details) == 2
