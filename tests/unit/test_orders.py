"""Order, delivery and inspection rules: ±10% quantities and the 90% shortfall (R-9a), ordering agencies (R-9b),
the term (R-9d/e), the Comptroller's approval (R-9k), delivery as ordered and extensions the State decides (R-11),
inspection and purchasing's price determination (R-12), the 48-hour removal window (R-9j), open-market purchases
(R-9i) and force-majeure notices (R-14)."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.domain import orders as rules
from chalicelib.domain.calendar import CT
from chalicelib.domain.contracts import ContractStatus, term_closes_at
from chalicelib.domain.errors import Conflict, DeadlinePassed, Forbidden, ValidationFailed
from chalicelib.domain.orders import ExtensionStatus, LineInspection, RejectedGoods
from tests.performance_support import contract

NOW = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
D = Decimal


HUNDRED_CASES = (("1", D(100)),)


def order(lines=HUNDRED_CASES, existing=(), c=None, agency="DAS", now=NOW, order_id="PO-1", deliver_by=dt.date(2026, 3, 13)):
    return rules.new_order(
        order_id=order_id,
        contract=c or contract(),
        agency=agency,
        existing=list(existing),
        lines=list(lines),
        deliver_by=deliver_by,
        contact_email="r@das.example",
        now=now,
    )


def with_term(start=dt.date(2026, 3, 2), end=dt.date(2026, 6, 30), **kw):
    return dataclasses.replace(contract(), term_start=start, term_end=end, **kw)


def local(y, m, d, h=0, mi=0, sec=0):
    return dt.datetime(y, m, d, h, mi, sec, tzinfo=CT)


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
def test_a_line_ordered_below_ninety_percent_is_a_shortfall():
    # Given 89.99 of 100 cases of line 1 and 18 of 20 toners of line 2 ordered
    orders = [order(lines=[("1", D("89.99")), ("2", D("18"))])]
    # When the shortfall is computed
    (short,) = rules.shortfalls(contract(), orders)
    # Then only line 1 is short, against its least quantity of 90
    assert (short.line_id, short.ordered, short.least) == ("1", D("89.99"), D("90.00"))


@pytest.mark.rule("R-9a")
def test_lines_ordered_at_exactly_ninety_percent_are_no_shortfall():
    assert rules.shortfalls(contract(), [order(lines=[("1", D("90")), ("2", D("18"))])]) == ()


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


@pytest.mark.rule("R-9b")
def test_an_agency_not_named_in_the_contract_may_not_order_until_the_contractor_accepts_it():
    # Given a contract naming DAS only; When DOT orders; Then it is refused with the rule
    with pytest.raises(Forbidden) as err:
        order(agency="DOT")
    assert err.value.rule == "R-9b" and err.value.details[0]["field"] == "agency"


@pytest.mark.rule("R-9b")
def test_an_accepted_agency_orders_in_its_own_name():
    # Given DOT accepted by the contractor; When DOT orders; Then the order is DOT's
    placed = order(c=dataclasses.replace(contract(), accepted_agencies=("DOT",)), agency="DOT")
    assert placed.agency == "DOT"


@pytest.mark.rule("R-9a")
def test_the_ten_percent_limit_counts_the_orders_of_every_ordering_agency():
    # Given DOT accepted and DAS having ordered 60 of 100
    c = dataclasses.replace(contract(), accepted_agencies=("DOT",))
    first = order(c=c, lines=[("1", D("60"))])
    # When DOT orders 51 more; Then 111 is beyond 110
    with pytest.raises(ValidationFailed):
        order(c=c, lines=[("1", D("51"))], existing=[first], agency="DOT", order_id="PO-2")


@pytest.mark.rule("R-9d/e")
def test_an_order_in_the_last_second_of_the_term_is_accepted():
    # Given a term ending on 30 June; When DAS orders at 23:59:59 that day; Then the order is placed
    assert order(c=with_term(), now=local(2026, 6, 30, 23, 59, 59), deliver_by=dt.date(2026, 7, 15)).contract_id == "C-26PSX0001"


@pytest.mark.rule("R-9d/e")
def test_an_order_in_the_first_second_after_the_term_is_refused():
    # Given a term ending on 30 June; When DAS orders at 00:00:00 on 1 July
    with pytest.raises(DeadlinePassed) as err:
        order(c=with_term(), now=local(2026, 7, 1), deliver_by=dt.date(2026, 7, 15))
    # Then it is refused, naming the end of the term
    assert err.value.rule == "R-9d/e" and "2026-06-30" in err.value.message


@pytest.mark.rule("R-9d/e")
def test_an_order_before_the_term_starts_is_refused_and_at_its_first_second_accepted():
    # Given a term starting on 2 March
    c = with_term()
    # When DAS orders at 23:59:59 on 1 March; Then it is refused
    with pytest.raises(Conflict) as err:
        order(c=c, now=local(2026, 3, 1, 23, 59, 59))
    assert err.value.rule == "R-9d/e"
    # When it orders at 00:00:00 on 2 March; Then it is placed
    assert order(c=c, now=local(2026, 3, 2)).status is rules.OrderStatus.AWAITING_APPROVAL


@pytest.mark.rule("R-9d/e")
def test_the_term_closes_at_the_start_of_the_day_after_its_last_day():
    assert term_closes_at(with_term()) == local(2026, 7, 1)


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


def extension_requested(deliver_by=dt.date(2026, 3, 20)):
    return rules.request_extension(approved(), deliver_by, "strike at the mill", "vendor-user", NOW)


@pytest.mark.rule("R-11")
def test_a_requested_extension_does_not_move_the_delivery_date():
    # Given the contractor's request for 20 March; Then the order is still due on 13 March
    o = extension_requested()
    assert o.pending_extension.deliver_by == dt.date(2026, 3, 20) and o.effective_deliver_by == dt.date(2026, 3, 13)


@pytest.mark.rule("R-11")
def test_an_approved_extension_moves_the_date_of_this_order():
    # Given a request; When the State approves it; Then the order is due on the new date
    o = rules.decide_extension(extension_requested(), approve=True, reason="", actor="agency-user", now=NOW)
    assert o.effective_deliver_by == dt.date(2026, 3, 20) and o.extensions[0].status is ExtensionStatus.APPROVED


@pytest.mark.rule("R-11")
def test_a_refused_extension_keeps_the_date_and_needs_a_reason():
    # Given a request; When the State refuses it without a reason; Then it is refused
    with pytest.raises(ValidationFailed):
        rules.decide_extension(extension_requested(), approve=False, reason=" ", actor="agency-user", now=NOW)
    # When it gives the reason; Then the delivery date is unchanged
    o = rules.decide_extension(extension_requested(), approve=False, reason="needed for flu season", actor="agency-user", now=NOW)
    assert o.effective_deliver_by == dt.date(2026, 3, 13) and o.pending_extension is None


@pytest.mark.rule("R-11")
def test_an_extension_must_move_the_date_later_and_one_request_waits_at_a_time():
    with pytest.raises(ValidationFailed):
        extension_requested(dt.date(2026, 3, 13))
    with pytest.raises(Conflict):
        rules.request_extension(extension_requested(), dt.date(2026, 3, 27), "again", "vendor-user", NOW)


@pytest.mark.rule("R-11")
def test_there_is_no_decision_without_a_pending_request():
    with pytest.raises(Conflict):
        rules.decide_extension(approved(), approve=True, reason="", actor="agency-user", now=NOW)


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


def proposed(price="100.00"):
    return rules.inspect(delivered(), approved(), [LineInspection("1", D("100"), D("0"), D(price))], None, NOW)


@pytest.mark.rule("R-12")
def test_goods_with_a_proposed_adjusted_price_are_not_payable_until_purchasing_determines_it():
    # Given substandard goods the agency accepted at a proposed price; Then nothing of them is payable yet
    d = proposed()
    assert d.awaiting_price_determination and rules.accepted_value([d], approved()) == D("0.00")


@pytest.mark.rule("R-12")
def test_goods_are_paid_at_the_price_purchasing_determines_not_the_proposal():
    # Given a proposal of 100.00; When purchasing determines 110.00; Then 100 cases are worth 11,000.00
    d = rules.determine_prices(proposed(), approved(), {"1": D("110.00")}, "minor defect", "buyer", NOW)
    assert rules.accepted_value([d], approved()) == D("11000.00") and not d.awaiting_price_determination


@pytest.mark.rule("R-12")
def test_the_price_determination_is_final():
    d = rules.determine_prices(proposed(), approved(), {"1": D("110.00")}, "minor defect", "buyer", NOW)
    with pytest.raises(Conflict) as err:
        rules.determine_prices(d, approved(), {"1": D("90.00")}, "second thoughts", "buyer", NOW)
    assert err.value.rule == "R-12"


@pytest.mark.rule("R-12")
def test_a_determined_price_may_not_exceed_the_contract_price_and_covers_every_proposed_line():
    with pytest.raises(ValidationFailed) as err:
        rules.determine_prices(proposed(), approved(), {"1": D("123.4568")}, "x", "buyer", NOW)
    assert err.value.details[0]["field"] == "lines.1.adjusted_unit_price"
    with pytest.raises(ValidationFailed):
        rules.determine_prices(proposed(), approved(), {}, "x", "buyer", NOW)


@pytest.mark.rule("R-12")
def test_a_proposed_adjusted_price_must_be_below_the_contract_price():
    with pytest.raises(ValidationFailed):
        proposed("130")


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
def test_removal_from_the_end_of_the_48_hours_is_refused_as_the_goods_are_abandoned_then():
    # Given goods rejected at NOW / Then a removal one second before the 48 hours end is recorded
    d = rules.inspect(delivered(), approved(), [LineInspection("1", D("90"), D("10"))], "x", NOW)
    assert rules.record_removal(d, NOW + dt.timedelta(hours=47, minutes=59, seconds=59)).rejected_goods is RejectedGoods.REMOVED
    # And at the instant they end (when abandonment takes them) it is refused, never both
    with pytest.raises(DeadlinePassed):
        rules.record_removal(d, NOW + dt.timedelta(hours=48))


@pytest.mark.rule("R-9i")
def test_rejected_goods_may_be_replaced_by_a_delivery_naming_the_rejection():
    o = approved()
    d = rules.inspect(delivered(), o, [LineInspection("1", D("90"), D("10"))], "x", NOW)
    replacement = rules.receive(delivery_id="DL-2", order=o, deliveries=[d], lines=[("1", D("10"))], now=NOW, replaces="DL-1")
    assert replacement.replaces == "DL-1"


def om(deliveries, now, quantity="10", cost="1500.00", previous=None):
    return rules.open_market_purchase(
        purchase_id="OM-1",
        order=approved(),
        deliveries=deliveries,
        previous=previous or {},
        line_id="1",
        quantity=D(quantity),
        cost=D(cost),
        reason="not replaced",
        now=now,
    )


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


@pytest.mark.rule("R-11")
def test_an_order_holds_at_most_its_limit_of_extension_requests():
    # Given an order with the most extension requests, each decided
    o = approved()
    for n in range(rules.MAX_EXTENSIONS):
        o = rules.request_extension(o, o.effective_deliver_by + dt.timedelta(days=1), f"delay {n}", "vendor-user", NOW)
        o = rules.decide_extension(o, approve=True, reason="", actor="agency-user", now=NOW)
    # When the contractor asks once more, Then it is a 400 naming the field and the rule
    with pytest.raises(ValidationFailed) as refused:
        rules.request_extension(o, o.effective_deliver_by + dt.timedelta(days=1), "again", "vendor-user", NOW)
    assert refused.value.rule == "R-11" and [d["field"] for d in refused.value.details] == ["deliver_by"]
