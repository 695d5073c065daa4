"""Contract amendments only by purchasing, numbered and kept (R-9c); assignment only with purchasing's
written consent (R-9f)."""

import copy
import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.domain.contracts import Contract
from chalicelib.domain.errors import Conflict, Forbidden, ValidationFailed
from chalicelib.domain.performance_changes import AssignmentStatus, LineChange
from chalicelib.domain.vendors import Vendor, VendorStatus
from chalicelib.services import orders, performance_changes
from chalicelib.services.ports import Actor, Change, Role
from tests.performance_support import AGENCY, AGENCY_EMAIL, CONTRACTOR, store_contract

D = Decimal
AGENCY_USER = Actor("agency-user@DAS", Role.AGENCY, AGENCY)
VENDOR = Actor("vendor-user@acme", Role.VENDOR, CONTRACTOR)
PURCHASING = Actor("buyer@DAS-BOP", Role.PURCHASING, "DAS-BOP")


@pytest.fixture
def contract(deps):
    return store_contract(deps)


@pytest.fixture
def successor(deps):
    vendor = Vendor(id="V-0900", org="bolt", legal_name="Bolt Supply Inc", contact_email="sales@bolt.example", commodity_codes=("61500",),
                    registered_at=deps.clock.now(), confirmation_code="111111", status=VendorStatus.ACTIVE)
    deps.store.commit(Actor.system("test"), deps.clock.now(), [Change("vendor.registered", vendor)])
    return vendor


@pytest.mark.rule("R-9c")
def test_purchasing_amends_a_contract_and_each_amendment_is_numbered_and_kept(deps, contract):
    first = performance_changes.amend_contract(deps, PURCHASING, contract.id, changes=[LineChange("1", quantity=D("150"))], reason="second warehouse")
    second = performance_changes.amend_contract(deps, PURCHASING, contract.id, changes=[LineChange("2", unit_price=D("78.00"))], reason="price reduction")
    stored = deps.store.get(Contract, contract.id)
    assert (first.number, second.number, stored.amendment_number) == (1, 2, 2)
    assert first.lines_before[0].quantity == D("100") and stored.line("1").quantity == D("150") and stored.line("2").unit_price == D("78.00")
    assert [a.id for a in performance_changes.list_amendments(deps, AGENCY_USER, contract.id)] == [first.id, second.id]
    assert "amendment 1" in deps.notifier.sent[0].text


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
def test_the_ten_percent_limit_follows_the_amended_quantity(deps, contract):
    performance_changes.amend_contract(deps, PURCHASING, contract.id, changes=[LineChange("1", quantity=D("200"))], reason="more needed")
    order = orders.place_order(deps, AGENCY_USER, contract.id, lines=[("1", D("220"))], deliver_by=dt.date(2026, 3, 13), contact_email=AGENCY_EMAIL)
    assert order.lines[0].quantity == D("220")


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
