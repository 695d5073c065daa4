"""Surplus property as the domain sees it (R-21): the report, hazardous material refused uncleared, the Surplus
Center's approval before any disposal, each kind of disposal with what the text requires of it, the transfer signed
by the receiving agency's representative on file, the record frozen after the bidders' inspection, and component
recovery only on written approval."""

import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.domain import officials
from chalicelib.domain import surplus as rules
from chalicelib.domain.errors import Conflict, Forbidden, ValidationFailed
from chalicelib.domain.officials import Register
from chalicelib.domain.surplus import Disposal, DisposalKind, SaleMethod, ScrapFinding, SurplusStatus

NOW = dt.datetime(2026, 3, 2, 15, 0, tzinfo=dt.UTC)
REPRESENTATIVES = officials.place_on_file(
    officials.empty_file(Register.SURPLUS_REPRESENTATIVES, "DEEP"), "mgrant@deep", "M. Grant", NOW, "R-21"
)

pytestmark = pytest.mark.rule("R-21")


def reported(**changes):
    fields = {
        "property_id": "SUR-1",
        "agency": "DOT",
        "description": "Ford F-250 pickup, 2014",
        "quantity": Decimal(1),
        "condition": "Runs",
        "location": "Newington garage",
        "hazardous": False,
        "hazard_clearance": None,
        "now": NOW,
        "reported_by": "clerk@dot",
    }
    return rules.report(**{**fields, **changes})


def approved(**changes):
    return rules.approve(reported(**changes), NOW, "buyer")


def decision(kind: DisposalKind, **fields) -> Disposal:
    return Disposal(kind=kind, decided_at=NOW, decided_by="buyer", **fields)


def for_sale():
    return rules.decide_disposal(approved(), decision(DisposalKind.SALE, sale_method=SaleMethod.AUCTION), None)


def test_hazardous_material_without_its_clearance_is_refused_naming_the_clearance():
    # Given a hazardous report without a DEP clearance / When reported / Then refused naming hazard_clearance
    with pytest.raises(ValidationFailed) as exc:
        reported(hazardous=True)
    assert exc.value.rule == "R-21" and [d["field"] for d in exc.value.details] == ["hazard_clearance"]


def test_hazardous_material_with_its_clearance_is_accepted():
    # Given a hazardous report with its clearance / When reported and approved / Then approved
    assert approved(hazardous=True, hazard_clearance="DEP certificate 2026-118").status is SurplusStatus.APPROVED


def test_no_disposal_is_decided_before_the_surplus_centers_approval():
    # Given reported property not yet approved / When a sale is decided / Then 409 under R-21
    with pytest.raises(Conflict) as exc:
        rules.decide_disposal(reported(), decision(DisposalKind.SALE, sale_method=SaleMethod.AUCTION), None)
    assert exc.value.rule == "R-21"


def test_a_transfer_to_a_representative_not_on_file_is_refused():
    # Given approved property / When transferred naming someone not on file at DEEP / Then refused naming representative
    with pytest.raises(ValidationFailed) as exc:
        transfer = decision(DisposalKind.TRANSFER, receiving_agency="DEEP", representative="someone@deep")
        rules.decide_disposal(approved(), transfer, REPRESENTATIVES)
    assert [d["field"] for d in exc.value.details] == ["representative"]


def test_a_transfer_is_signed_only_by_the_named_representative_of_the_receiving_agency():
    # Given a transfer to DEEP's representative on file
    transfer = decision(DisposalKind.TRANSFER, receiving_agency="DEEP", representative="mgrant@deep")
    pending = rules.decide_disposal(approved(), transfer, REPRESENTATIVES)
    assert pending.status is SurplusStatus.TRANSFER_PENDING
    # When another DEEP official signs / Then 403
    with pytest.raises(Forbidden):
        rules.sign_transfer(pending, "DEEP", "other@deep", REPRESENTATIVES, NOW)
    # When the representative signs / Then transferred
    assert rules.sign_transfer(pending, "DEEP", "mgrant@deep", REPRESENTATIVES, NOW).status is SurplusStatus.TRANSFERRED


def test_oral_bids_need_the_prior_approval_of_an_emergency_disposal():
    # Given approved property / When sold by oral bids without the emergency approval / Then refused naming it
    with pytest.raises(ValidationFailed) as exc:
        rules.decide_disposal(approved(), decision(DisposalKind.SALE, sale_method=SaleMethod.ORAL_BIDS), None)
    assert [d["field"] for d in exc.value.details] == ["emergency_approval"]
    # When the approval is given / Then the sale is decided
    with_approval = decision(DisposalKind.SALE, sale_method=SaleMethod.ORAL_BIDS, emergency_approval="Commissioner, 3/2")
    assert rules.decide_disposal(approved(), with_approval, None).status is SurplusStatus.FOR_SALE


@pytest.mark.parametrize(
    ("no_value", "care", "income", "field"),
    [
        (False, "400", "0", "scrap_finding.no_commercial_value"),
        (True, "100", "100", "scrap_finding.care_cost"),
    ],
)
def test_scrap_needs_a_finding_of_no_commercial_value_and_a_care_cost_above_the_sale_income(no_value, care, income, field):
    # Given a written finding missing one of R-21(b)(3)'s two conditions / When scrapped / Then refused naming it
    scrap_finding = ScrapFinding("Broken monitors.", no_value, Decimal(care), Decimal(income))
    with pytest.raises(ValidationFailed) as exc:
        rules.decide_disposal(approved(), decision(DisposalKind.SCRAP, scrap_finding=scrap_finding), None)
    assert [d["field"] for d in exc.value.details] == [field]


def test_scrap_on_a_finding_of_both_conditions_is_decided():
    # Given a finding of no commercial value and care cost above income / When scrapped / Then scrapped
    scrap_finding = ScrapFinding("Broken monitors.", True, Decimal("100.01"), Decimal("100.00"))
    assert (
        rules.decide_disposal(approved(), decision(DisposalKind.SCRAP, scrap_finding=scrap_finding), None).status
        is SurplusStatus.SCRAPPED
    )


def test_a_change_to_the_property_after_the_bidders_inspection_is_refused():
    # Given property for sale, inspected by prospective bidders
    inspected = rules.record_inspection(for_sale(), "six bidders", NOW, "buyer")
    # When the holding agency changes its condition / Then 409 under R-21
    with pytest.raises(Conflict) as exc:
        rules.change(inspected, condition="Battery removed")
    assert exc.value.rule == "R-21" and exc.value.details[0]["field"] == "inspection"


def test_a_change_before_the_inspection_is_accepted():
    # Given property for sale, not yet inspected / When its condition is corrected / Then it reads the new condition
    assert rules.change(for_sale(), condition="New battery").condition == "New battery"


def test_parts_are_not_removed_after_the_inspection():
    # Given inspected property / When a component recovery is recorded / Then 409 under R-21
    inspected = rules.record_inspection(for_sale(), "", NOW, "buyer")
    with pytest.raises(Conflict):
        rules.recover_components(inspected, "radio", "SSC memo 14", "buyer", NOW)


def test_a_component_recovery_needs_the_written_approval():
    # Given reported property / When parts are recovered with a blank approval / Then refused naming written_approval
    with pytest.raises(ValidationFailed) as exc:
        rules.recover_components(reported(), "radio", " ", "buyer", NOW)
    assert [d["field"] for d in exc.value.details] == ["written_approval"]
