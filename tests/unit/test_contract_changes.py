"""Contract life: the term, its timer and the statement of unordered balances (R-9d/e), the 90% report (R-9a),
ordering agencies the contractor accepts (R-9b), amendments only by purchasing that bind on the contractor's
acceptance (R-9c); assignment only with purchasing's written consent (R-9f)."""

import copy
import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.domain.calendar import CT
from chalicelib.domain.contracts import Contract
from chalicelib.domain.errors import Conflict, DeadlinePassed, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.performance_changes import AssignmentStatus, BalanceLine, Decision, LineChange, TermShortfallReport
from chalicelib.domain.vendors import Vendor, VendorStatus
from chalicelib.services import orders, performance_changes
from chalicelib.services.ports import Actor, Change, PageRequest, Role
from chalicelib.services.vendors import vendor_changes
from tests.performance_support import AGENCY, AGENCY_EMAIL, CONTRACTOR, CONTRACTOR_EMAIL, store_contract

D = Decimal
AGENCY_USER = Actor("agency-user@DAS", Role.AGENCY, AGENCY)
VENDOR = Actor("vendor-user@acme", Role.VENDOR, CONTRACTOR)
PURCHASING = Actor("buyer@DAS-BOP", Role.PURCHASING, "DAS-BOP")


@pytest.fixture
def contract(deps):
    return store_contract(deps)


@pytest.fixture
def successor(deps):
    vendor = Vendor(
        id="V-0900",
        org="bolt",
        legal_name="Bolt Supply Inc",
        fein="061234567",
        contact_email="sales@bolt.example",
        commodity_codes=("61500",),
        registered_at=deps.clock.now(),
        confirmation_code="111111",
        status=VendorStatus.ACTIVE,
    )
    deps.store.commit(Actor.system("test"), deps.clock.now(), vendor_changes(deps, "vendor.registered", vendor))
    return vendor


def amend(deps, contract_id, changes=(), term_end=None, reason="second warehouse"):
    return performance_changes.amend_contract(
        deps, PURCHASING, contract_id, changes=list(changes), term_end=term_end, reason=reason
    )


def accept(deps, amendment):
    return performance_changes.decide_amendment(deps, VENDOR, amendment.contract_id, amendment.id, accept=True)


def local(y, m, d, h=0, mi=0, sec=0):
    return dt.datetime(y, m, d, h, mi, sec, tzinfo=CT)


@pytest.fixture
def termed(deps, contract):
    """A contract running from 2 March to 30 June 2026."""
    return performance_changes.set_term(deps, PURCHASING, contract.id, start=dt.date(2026, 3, 2), end=dt.date(2026, 6, 30))


@pytest.mark.rule("R-9c")
def test_purchasing_amends_a_contract_and_each_amendment_is_numbered_and_kept(deps, contract):
    # Given two amendments, each accepted by the contractor before the next
    first = accept(deps, amend(deps, contract.id, [LineChange("1", quantity=D("150"))]))
    second = accept(deps, amend(deps, contract.id, [LineChange("2", unit_price=D("78.00"))], reason="price reduction"))
    # Then both are numbered, kept in order, and in effect
    stored = deps.store.get(Contract, contract.id)
    assert (first.number, second.number, stored.amendment_number) == (1, 2, 2)
    assert (
        first.lines_before[0].quantity == D("100")
        and stored.line("1").quantity == D("150")
        and stored.line("2").unit_price == D("78.00")
    )
    assert [a.id for a in performance_changes.list_amendments(deps, AGENCY_USER, contract.id, PageRequest()).items] == [
        first.id,
        second.id,
    ]
    assert "amendment 1" in deps.notifier.sent[0].text


@pytest.mark.rule("R-9c")
def test_an_amendment_changes_nothing_until_the_contractor_accepts_it(deps, contract):
    # Given purchasing's amendment raising line 1 to 150
    amendment = amend(deps, contract.id, [LineChange("1", quantity=D("150"))])
    # Then the contract keeps 100, the amendment awaits acceptance and the contractor was asked for it
    assert amendment.status is Decision.AWAITING and deps.store.get(Contract, contract.id).line("1").quantity == D("100")
    assert deps.notifier.sent[-1].to == (CONTRACTOR_EMAIL,) and "accept" in deps.notifier.sent[-1].text


@pytest.mark.rule("R-9c")
def test_a_refused_amendment_leaves_the_contract_as_it_was(deps, contract):
    # Given an amendment; When the contractor refuses it with a reason
    amendment = amend(deps, contract.id, [LineChange("2", unit_price=D("70.00"))])
    refused = performance_changes.decide_amendment(deps, VENDOR, contract.id, amendment.id, accept=False, reason="below our cost")
    # Then the price is unchanged, purchasing is told, and a second answer is refused
    assert refused.status is Decision.REFUSED and deps.store.get(Contract, contract.id).line("2").unit_price == D("80.00")
    assert deps.notifier.sent[-1].to == (deps.mailboxes.purchasing,)
    with pytest.raises(Conflict):
        accept(deps, refused)


@pytest.mark.rule("R-9c")
def test_only_the_contractor_accepts_an_amendment(deps, contract):
    amendment = amend(deps, contract.id, [LineChange("1", quantity=D("150"))])
    with pytest.raises(Forbidden):
        performance_changes.decide_amendment(deps, AGENCY_USER, contract.id, amendment.id, accept=True)
    with pytest.raises(NotFound):
        performance_changes.decide_amendment(deps, Actor("x", Role.VENDOR, "bolt"), contract.id, amendment.id, accept=True)


@pytest.mark.rule("R-9c")
def test_one_amendment_awaits_acceptance_at_a_time(deps, contract):
    amend(deps, contract.id, [LineChange("1", quantity=D("150"))])
    with pytest.raises(Conflict) as err:
        amend(deps, contract.id, [LineChange("2", quantity=D("30"))])
    assert err.value.rule == "R-9c"


@pytest.mark.rule("R-9c")
@pytest.mark.parametrize("actor", [AGENCY_USER, VENDOR], ids=["agency", "contractor"])
def test_no_one_but_purchasing_amends_a_contract(deps, contract, actor):
    with pytest.raises(Forbidden):
        performance_changes.amend_contract(deps, actor, contract.id, changes=[LineChange("1", quantity=D("150"))], reason="x")


@pytest.mark.rule("R-9c")
def test_an_invalid_amendment_changes_nothing(deps, contract):
    before = copy.deepcopy(deps.store.items)
    with pytest.raises(ValidationFailed) as err:
        performance_changes.amend_contract(deps, PURCHASING, contract.id, changes=[LineChange("1", quantity=D("-1"))], reason="x")
    assert err.value.rule == "R-9c" and deps.store.items == before


@pytest.mark.rule("R-9a")
def test_the_ten_percent_limit_follows_the_accepted_amended_quantity(deps, contract):
    # Given line 1 amended to 200 and not yet accepted: 220 is beyond 110% of 100
    amendment = amend(deps, contract.id, [LineChange("1", quantity=D("200"))], reason="more needed")
    with pytest.raises(ValidationFailed):
        orders.place_order(
            deps, AGENCY_USER, contract.id, lines=[("1", D("220"))], deliver_by=dt.date(2026, 3, 13), contact_email=AGENCY_EMAIL
        )
    # When the contractor accepts; Then 220 is within 110% of 200
    accept(deps, amendment)
    order = orders.place_order(
        deps, AGENCY_USER, contract.id, lines=[("1", D("220"))], deliver_by=dt.date(2026, 3, 13), contact_email=AGENCY_EMAIL
    )
    assert order.lines[0].quantity == D("220")


# --- term (R-9d/e) ----------------------------------------------------------------------------------------------


@pytest.mark.rule("R-9d/e")
def test_setting_the_term_starts_the_timer_for_its_end(deps, termed):
    # Given purchasing recorded the term ending 30 June
    # Then the contract-term timer waits until the first instant of 1 July (04:00Z in summer time)
    assert (termed.term_start, termed.term_end) == (dt.date(2026, 3, 2), dt.date(2026, 6, 30))
    assert deps.workflows.started[-1] == (
        "contract-term",
        f"contract-term-{termed.id}-2026-06-30",
        {
            "contract_id": termed.id,
            "term_end": "2026-06-30",
            "ends_at": "2026-07-01T04:00:00Z",
        },
    )


@pytest.mark.rule("R-9d/e")
def test_a_term_is_set_once_then_changed_only_by_an_accepted_amendment(deps, termed):
    with pytest.raises(Conflict) as err:
        performance_changes.set_term(deps, PURCHASING, termed.id, start=dt.date(2026, 3, 2), end=dt.date(2026, 9, 30))
    assert err.value.rule == "R-9c"


@pytest.mark.rule("R-9d/e")
def test_only_purchasing_sets_a_term_that_ends_on_or_after_it_starts(deps, contract):
    with pytest.raises(Forbidden):
        performance_changes.set_term(deps, AGENCY_USER, contract.id, start=dt.date(2026, 3, 2), end=dt.date(2026, 6, 30))
    with pytest.raises(ValidationFailed) as err:
        performance_changes.set_term(deps, PURCHASING, contract.id, start=dt.date(2026, 3, 2), end=dt.date(2026, 3, 1))
    assert err.value.details[0]["field"] == "end"


@pytest.mark.rule("R-9d/e")
def test_an_accepted_extension_lets_the_agency_order_after_the_old_end(deps, termed):
    # Given an extension to 30 September, accepted by the contractor
    accept(deps, amend(deps, termed.id, term_end=dt.date(2026, 9, 30), reason="unordered balances"))
    # When the agency orders on 1 July; Then the order is placed, and a timer waits for the new end
    deps.clock.set(local(2026, 7, 1))
    order = orders.place_order(
        deps, AGENCY_USER, termed.id, lines=[("1", D("10"))], deliver_by=dt.date(2026, 7, 10), contact_email=AGENCY_EMAIL
    )
    assert order.contract_id == termed.id
    assert deps.workflows.started[-1][1] == f"contract-term-{termed.id}-2026-09-30"


@pytest.mark.rule("R-9d/e")
def test_an_extension_not_yet_accepted_does_not_extend_the_term(deps, termed):
    # Given an extension the contractor has not accepted
    amend(deps, termed.id, term_end=dt.date(2026, 9, 30), reason="unordered balances")
    # When the agency orders on 1 July; Then it is refused: the term ended on 30 June
    deps.clock.set(local(2026, 7, 1))
    with pytest.raises(DeadlinePassed) as err:
        orders.place_order(
            deps, AGENCY_USER, termed.id, lines=[("1", D("10"))], deliver_by=dt.date(2026, 7, 10), contact_email=AGENCY_EMAIL
        )
    assert err.value.rule == "R-9d/e"


@pytest.mark.rule("R-9d/e")
def test_an_extension_must_end_later_than_the_term(deps, termed):
    with pytest.raises(ValidationFailed) as err:
        amend(deps, termed.id, term_end=dt.date(2026, 6, 30))
    assert err.value.details[0]["field"] == "term_end"


@pytest.mark.rule("R-9d/e")
def test_an_order_placed_before_the_end_is_still_delivered_after_it(deps, termed):
    # Given an order approved on 30 June
    deps.clock.set(local(2026, 6, 30, 15))
    order = orders.place_order(
        deps, AGENCY_USER, termed.id, lines=[("1", D("10"))], deliver_by=dt.date(2026, 7, 10), contact_email=AGENCY_EMAIL
    )
    orders.approve_order(deps, PURCHASING, order.id, "OSC-9")
    # When the goods arrive on 8 July; Then the delivery is received
    deps.clock.set(local(2026, 7, 8, 10))
    assert orders.receive_delivery(deps, AGENCY_USER, order.id, lines=[("1", D("10"))]).order_id == order.id


@pytest.mark.rule("R-9d/e")
def test_purchasing_requests_the_unordered_balances_until_the_last_second_of_the_term(deps, termed):
    # Given the last second of the term; When purchasing requests the statement; Then the contractor is asked
    deps.clock.set(local(2026, 6, 30, 23, 59, 59))
    statement = performance_changes.request_balance_statement(deps, PURCHASING, termed.id)
    assert statement.stated_at is None and deps.notifier.sent[-1].to == (CONTRACTOR_EMAIL,)
    assert "by the end of Tuesday, June 30, 2026" in deps.notifier.sent[-1].text


@pytest.mark.rule("R-9d/e")
def test_a_balance_statement_requested_after_the_term_is_refused_and_changes_nothing(deps, termed):
    deps.clock.set(local(2026, 7, 1))
    before = copy.deepcopy(deps.store.items)
    with pytest.raises(DeadlinePassed) as err:
        performance_changes.request_balance_statement(deps, PURCHASING, termed.id)
    assert err.value.rule == "R-9d/e" and deps.store.items == before


@pytest.mark.rule("R-9d/e")
def test_the_contractor_states_each_lines_unordered_balance_and_it_is_recorded(deps, termed):
    statement = performance_changes.request_balance_statement(deps, PURCHASING, termed.id)
    stated = performance_changes.state_balances(
        deps, VENDOR, statement.id, lines=[BalanceLine("1", D("40")), BalanceLine("2", D("0"))]
    )
    assert stated.lines == (BalanceLine("1", D("40")), BalanceLine("2", D("0"))) and stated.stated_by == VENDOR.sub
    assert [s.id for s in performance_changes.list_balance_statements(deps, PURCHASING, termed.id, PageRequest()).items] == [
        statement.id
    ]
    assert (
        deps.store.audit_trail(f"unordered_balance_statement:{statement.id}")[-1].action == "unordered_balance_statement.stated"
    )


@pytest.mark.rule("R-9d/e")
def test_a_statement_must_give_every_line_and_arrive_before_the_end_of_the_term(deps, termed):
    statement = performance_changes.request_balance_statement(deps, PURCHASING, termed.id)
    with pytest.raises(ValidationFailed):
        performance_changes.state_balances(deps, VENDOR, statement.id, lines=[BalanceLine("1", D("40"))])
    deps.clock.set(local(2026, 7, 1))
    with pytest.raises(DeadlinePassed):
        performance_changes.state_balances(
            deps, VENDOR, statement.id, lines=[BalanceLine("1", D("40")), BalanceLine("2", D("0"))]
        )


# --- the 90% report at the end of the term (R-9a) ---------------------------------------------------------------


def order_lines(deps, contract_id, *lines):
    return orders.place_order(
        deps, AGENCY_USER, contract_id, lines=list(lines), deliver_by=dt.date(2026, 6, 30), contact_email=AGENCY_EMAIL
    )


@pytest.mark.rule("R-9a")
def test_a_term_ending_below_ninety_percent_is_recorded_and_reported_to_purchasing_and_the_agency(deps, termed):
    # Given 80 of 100 cases and all 20 toners ordered
    order_lines(deps, termed.id, ("1", D("80")), ("2", D("20")))
    # When the timer fires at the start of 1 July
    deps.clock.set(local(2026, 7, 1))
    assert performance_changes.report_term_end(deps, "term-x", termed.id, dt.date(2026, 6, 30)) == {
        "contract_id": termed.id,
        "reported": True,
    }
    # Then line 1's shortfall is recorded and emailed to purchasing and the agency's contact
    (report,) = performance_changes.list_term_reports(deps, AGENCY_USER, termed.id, PageRequest()).items
    assert [(s.line_id, s.ordered, s.least) for s in report.lines] == [("1", D("80"), D("90.00"))]
    assert (
        deps.notifier.sent[-1].to == (deps.mailboxes.purchasing, AGENCY_EMAIL)
        and "Line 1: " in deps.notifier.sent[-1].text
        and "ordered 80 of 100" in deps.notifier.sent[-1].text
    )


@pytest.mark.rule("R-9a")
def test_the_term_report_task_is_idempotent(deps, termed):
    order_lines(deps, termed.id, ("1", D("80")))
    deps.clock.set(local(2026, 7, 1))
    performance_changes.report_term_end(deps, "term-x", termed.id, dt.date(2026, 6, 30))
    audit, mails = len(deps.store.audit), len(deps.notifier.sent)
    assert performance_changes.report_term_end(deps, "term-x", termed.id, dt.date(2026, 6, 30))["reported"] is True
    assert (len(deps.store.audit), len(deps.notifier.sent)) == (audit, mails)


@pytest.mark.rule("R-9a")
def test_no_report_when_every_line_reached_ninety_percent(deps, termed):
    order_lines(deps, termed.id, ("1", D("90")), ("2", D("18")))
    deps.clock.set(local(2026, 7, 1))
    assert performance_changes.report_term_end(deps, "term-x", termed.id, dt.date(2026, 6, 30))["reported"] is False
    assert deps.store.get(TermShortfallReport, f"{termed.id}-term-2026-06-30") is None


@pytest.mark.rule("R-9a")
def test_no_report_for_a_term_end_that_was_extended(deps, termed):
    # Given the term extended to 30 September; When the timer of 30 June fires; Then nothing is reported
    accept(deps, amend(deps, termed.id, term_end=dt.date(2026, 9, 30)))
    deps.clock.set(local(2026, 7, 1))
    assert performance_changes.report_term_end(deps, "term-x", termed.id, dt.date(2026, 6, 30))["reported"] is False


@pytest.mark.rule("R-9a")
def test_no_report_before_the_term_has_ended(deps, termed):
    deps.clock.set(local(2026, 6, 30, 23, 59, 59))
    assert performance_changes.report_term_end(deps, "term-x", termed.id, dt.date(2026, 6, 30))["reported"] is False


# --- ordering agencies (R-9b) -----------------------------------------------------------------------------------

DOT_USER = Actor("agency-user@DOT", Role.AGENCY, "DOT")


@pytest.mark.rule("R-9b")
def test_an_agency_not_named_orders_once_the_contractor_accepts_it(deps, contract):
    # Given DOT, not named in the contract, asks to order and the contractor is told
    request = performance_changes.request_ordering_agency(deps, DOT_USER, contract.id)
    assert deps.notifier.sent[-1].to == (CONTRACTOR_EMAIL,)
    with pytest.raises(Forbidden) as err:
        orders.place_order(
            deps, DOT_USER, contract.id, lines=[("1", D("10"))], deliver_by=dt.date(2026, 3, 13), contact_email="dot@example.gov"
        )
    assert err.value.rule == "R-9b"
    # When the contractor accepts; Then the acceptance is recorded and DOT orders in its own name
    decided = performance_changes.decide_ordering_agency(deps, VENDOR, request.id, accept=True)
    assert decided.status is Decision.ACCEPTED and deps.store.get(Contract, contract.id).ordering_agencies == (AGENCY, "DOT")
    order = orders.place_order(
        deps, DOT_USER, contract.id, lines=[("1", D("10"))], deliver_by=dt.date(2026, 3, 13), contact_email="dot@example.gov"
    )
    assert order.agency == "DOT" and orders.get_order(deps, DOT_USER, order.id).id == order.id


@pytest.mark.rule("R-9b")
def test_a_refused_agency_still_cannot_order(deps, contract):
    request = performance_changes.request_ordering_agency(deps, PURCHASING, contract.id, agency="DOT")
    performance_changes.decide_ordering_agency(deps, VENDOR, request.id, accept=False, reason="outside our delivery area")
    with pytest.raises(Forbidden):
        orders.place_order(
            deps, DOT_USER, contract.id, lines=[("1", D("10"))], deliver_by=dt.date(2026, 3, 13), contact_email="dot@example.gov"
        )


@pytest.mark.rule("R-9b")
def test_only_the_contractor_accepts_an_ordering_agency(deps, contract):
    request = performance_changes.request_ordering_agency(deps, DOT_USER, contract.id)
    for actor in (DOT_USER, PURCHASING, Actor("x", Role.VENDOR, "bolt")):
        with pytest.raises(NotFound):
            performance_changes.decide_ordering_agency(deps, actor, request.id, accept=True)


@pytest.mark.rule("R-9b")
def test_an_agency_asks_only_for_itself_and_not_twice(deps, contract):
    with pytest.raises(ValidationFailed):
        performance_changes.request_ordering_agency(deps, DOT_USER, contract.id, agency="DPH")
    performance_changes.request_ordering_agency(deps, DOT_USER, contract.id)
    with pytest.raises(Conflict):
        performance_changes.request_ordering_agency(deps, DOT_USER, contract.id)
    with pytest.raises(Conflict):
        performance_changes.request_ordering_agency(deps, AGENCY_USER, contract.id)


@pytest.mark.rule("R-9f")
def test_an_assignment_request_alone_does_not_change_the_contractor(deps, contract, successor):
    assignment = performance_changes.request_assignment(deps, VENDOR, contract.id, assignee_org="bolt", reason="sale of business")
    assert assignment.status is AssignmentStatus.REQUESTED
    assert deps.store.get(Contract, contract.id).contractor_org == CONTRACTOR


@pytest.mark.rule("R-9f")
def test_with_purchasings_consent_the_contract_passes_to_the_assignee(deps, contract, successor):
    assignment = performance_changes.request_assignment(deps, VENDOR, contract.id, assignee_org="bolt", reason="sale of business")
    decided = performance_changes.decide_assignment(deps, PURCHASING, assignment.id, consent=True)
    stored = deps.store.get(Contract, contract.id)
    assert decided.status is AssignmentStatus.CONSENTED
    assert (stored.contractor_org, stored.contractor_id, stored.contractor_email) == ("bolt", "V-0900", "sales@bolt.example")


@pytest.mark.rule("R-9f")
def test_a_refusal_leaves_the_contract_with_its_contractor(deps, contract, successor):
    assignment = performance_changes.request_assignment(deps, VENDOR, contract.id, assignee_org="bolt", reason="sale of business")
    performance_changes.decide_assignment(deps, PURCHASING, assignment.id, consent=False, reason="assignee not qualified")
    assert deps.store.get(Contract, contract.id).contractor_org == CONTRACTOR
    with pytest.raises(Conflict):
        performance_changes.decide_assignment(deps, PURCHASING, assignment.id, consent=True)


@pytest.mark.rule("R-9f")
def test_the_contractor_cannot_consent_to_its_own_assignment(deps, contract, successor):
    assignment = performance_changes.request_assignment(deps, VENDOR, contract.id, assignee_org="bolt", reason="sale of business")
    with pytest.raises(Forbidden):
        performance_changes.decide_assignment(deps, VENDOR, assignment.id, consent=True)


@pytest.mark.rule("R-9f")
def test_a_contract_is_assigned_only_to_a_registered_confirmed_vendor(deps, contract):
    with pytest.raises(ValidationFailed) as err:
        performance_changes.request_assignment(deps, VENDOR, contract.id, assignee_org="nobody", reason="sale")
    assert err.value.rule == "R-9f"


@pytest.mark.rule("R-9f")
def test_a_contract_is_not_assigned_to_a_suspended_vendor(deps, contract, successor):
    # Given the assignee confirmed but suspended by purchasing / Then the request is refused naming the field
    stored = deps.store.get(Vendor, successor.id)
    suspended = dataclasses.replace(stored, suspended_at=deps.clock.now(), suspension_reason="duplicate registration")
    deps.store.commit(Actor.system("test"), deps.clock.now(), [Change(action="vendor.suspended", after=suspended, before=stored)])
    with pytest.raises(ValidationFailed) as err:
        performance_changes.request_assignment(deps, VENDOR, contract.id, assignee_org="bolt", reason="sale of business")
    assert err.value.rule == "R-9f" and err.value.details[0]["field"] == "assignee_org"
