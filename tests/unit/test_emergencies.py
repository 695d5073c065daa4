"""Emergency purchases (R-20) with fakes: the record states the emergency, what limits it to the need, the competition
practicable and the contractor's selection; up to $600 the agency head's prior approval (or a statement that none was
practical) forms the contract at once; above $600 the purchase waits, with no contract, until purchasing approves;
R-20e's unsuccessful invitation is one whose bids were all rejected; the public record lists approved purchases."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.domain.contracts import Contract
from chalicelib.domain.emergencies import (
    Emergency,
    EmergencyItem,
    EmergencyStatus,
    FailedSolicitation,
    FailureGround,
    HeadApproval,
    Quotation,
    Threatened,
)
from chalicelib.domain.errors import Conflict, Forbidden, ValidationFailed
from chalicelib.domain.sole_source import ContractType
from chalicelib.domain.solicitations import Solicitation, SolicitationStatus
from chalicelib.services import emergencies
from chalicelib.services.ports import Actor, Change, PageRequest, Role
from tests.unit.test_rfps_services import vendor

AGENCY = Actor("buyer@dot", Role.AGENCY, "DOT")
from tests.records import draft_solicitation

PURCHASING = Actor("officer", Role.PURCHASING, "DAS-BOP")
EARLIER = dt.datetime(2026, 3, 2, 13, 0, tzinfo=dt.UTC)  # an hour before the fakes' now


def emergency(amount: str, **changes) -> Emergency:
    fields = {
        "threat": "A failed storm drain pump is flooding the Route 9 underpass.",
        "threatened": Threatened.HEALTH_OR_SAFETY,
        "why_not_normal": "The underpass must reopen tonight.",
        "limited_to_need": "Pumps for five days only.",
        "quotations": (Quotation("Valley Pump Rental LLC", Decimal(amount)),),
        "competition_statement": None,
        "selection_basis": "Lowest quotation, on site within two hours.",
        "contract_type": ContractType.FIXED_PRICE,
        "items": (EmergencyItem("Trash pump rental", "lot", Decimal(1), Decimal(amount)),),
    }
    return Emergency(**{**fields, **changes})


@pytest.fixture(autouse=True)
def contractor(deps):
    vendor(deps, "pumps", ("031",))


def recorded(deps, e: Emergency):
    return emergencies.record(deps, AGENCY, e, "V-pumps")


def problems(error) -> set[str]:
    return {d["field"] for d in error.value.details}


@pytest.mark.rule("R-20")
def test_a_record_without_the_emergency_or_any_competition_is_refused_naming_each_field(deps):
    # Given a blank threat and neither quotations nor a statement / When the agency records / Then each is named
    with pytest.raises(ValidationFailed) as error:
        recorded(deps, emergency("500", threat=" ", quotations=()))
    assert error.value.rule == "R-20" and problems(error) == {"threat", "competition_statement"}


@pytest.mark.rule("R-20")
def test_600_dollars_with_the_heads_prior_approval_forms_the_contract_at_once(deps):
    # Given $600.00 exactly, approved by the head an hour before / When recorded / Then approved, its contract formed
    purchase = recorded(deps, emergency("600.00", head_approval=HeadApproval("Commissioner J. Ruiz", EARLIER)))
    contract = deps.store.get(Contract, purchase.contract_id)
    assert (purchase.status, purchase.approved_by, purchase.approved_at) == (
        EmergencyStatus.APPROVED,
        "Commissioner J. Ruiz",
        EARLIER,
    )
    assert (contract.agency, contract.total) == ("DOT", Decimal("600.00"))


@pytest.mark.rule("R-20")
def test_one_cent_above_600_dollars_waits_for_purchasing_even_with_the_heads_approval(deps):
    # Given $600.01 with the head's approval / When recorded / Then awaiting approval, no contract, purchasing emailed
    purchase = recorded(deps, emergency("600.01", head_approval=HeadApproval("Commissioner J. Ruiz", EARLIER)))
    assert (purchase.status, purchase.contract_id) == (EmergencyStatus.AWAITING_APPROVAL, None)
    assert deps.store.page(Contract, "by_agency", "DOT", limit=10).items == []
    assert [m.to for m in deps.notifier.sent] == [(deps.mailboxes.purchasing,)]


@pytest.mark.rule("R-20")
def test_up_to_600_dollars_without_prior_approval_waits_unless_it_was_not_practical(deps):
    # Given $400 without approval / Then it waits; given the statement that approval was not practical / Then it is made
    assert recorded(deps, emergency("400")).status is EmergencyStatus.AWAITING_APPROVAL
    made = recorded(deps, emergency("400", approval_impractical="Flooding at 2 AM; the head could not be reached."))
    assert made.status is EmergencyStatus.APPROVED and made.contract_id is not None


@pytest.mark.rule("R-20")
def test_the_heads_approval_after_the_record_is_not_prior_approval(deps):
    # Given an approval time a second after now / When recorded / Then head_approval.approved_at is refused
    later = deps.clock.now() + dt.timedelta(seconds=1)
    with pytest.raises(ValidationFailed) as error:
        recorded(deps, emergency("300", head_approval=HeadApproval("J. Ruiz", later)))
    assert problems(error) == {"head_approval.approved_at"}


@pytest.mark.rule("R-20")
def test_purchasing_approval_forms_the_contract_and_tells_the_agency(deps):
    # Given a purchase above $600 awaiting approval / When purchasing approves / Then its contract exists for the agency
    waiting = recorded(deps, emergency("2400.00"))
    approved = emergencies.approve(deps, PURCHASING, waiting.id)
    assert (approved.status, approved.approved_by) == (EmergencyStatus.APPROVED, "officer")
    assert deps.store.get(Contract, approved.contract_id).total == Decimal("2400.00")
    assert deps.notifier.sent[-1].to == (deps.mailboxes.agency("DOT"),)


@pytest.mark.rule("R-20")
def test_a_denied_purchase_forms_no_contract_and_is_decided_once(deps):
    # Given a purchase awaiting approval / When purchasing denies it / Then no contract, and approving it later is 409
    waiting = recorded(deps, emergency("2400.00"))
    denied = emergencies.deny(deps, PURCHASING, waiting.id, "A state-owned pump is available.")
    assert (denied.status, denied.contract_id) == (EmergencyStatus.DENIED, None)
    with pytest.raises(Conflict):
        emergencies.approve(deps, PURCHASING, waiting.id)


@pytest.mark.rule("R-20")
def test_only_purchasing_approves(deps):
    # Given a purchase awaiting approval / When its agency approves it / Then 403
    with pytest.raises(Forbidden):
        emergencies.approve(deps, AGENCY, recorded(deps, emergency("2400.00")).id)


def _solicitation(deps, **changes) -> Solicitation:
    sol = draft_solicitation(EARLIER, opening_at=EARLIER, status=SolicitationStatus.OPENED, **changes)
    deps.store.commit(PURCHASING, EARLIER, [Change(action="solicitation.drafted", after=sol)])
    return sol


@pytest.mark.rule("R-20")
def test_r20e_names_an_invitation_whose_bids_were_all_rejected_and_no_other(deps):
    # Given an invitation still open for award / When an emergency names it as unsuccessful / Then refused; given one
    # whose bids were all rejected / Then accepted
    failed = FailedSolicitation("ITB-1", FailureGround.EXCEEDS_FUNDS, "The underpass cannot wait a new bid period.")
    _solicitation(deps)
    with pytest.raises(ValidationFailed) as error:
        recorded(deps, emergency("2400.00", failed_solicitation=failed))
    assert problems(error) == {"failed_solicitation.solicitation_id"}
    deps.store.commit(
        PURCHASING,
        EARLIER,
        [
            Change(
                action="solicitation.all_bids_rejected",
                after=dataclasses.replace(
                    deps.store.get(Solicitation, "ITB-1"), status=SolicitationStatus.CANCELLED, rejected_all_reason="over funds"
                ),
                before=deps.store.get(Solicitation, "ITB-1"),
            )
        ],
    )
    assert recorded(deps, emergency("2400.00", failed_solicitation=failed)).emergency.failed_solicitation == failed


@pytest.mark.rule("R-20")
def test_the_public_record_lists_approved_purchases_only(deps):
    # Given one purchase waiting and one approved / When the register is read / Then only the approved one is listed
    recorded(deps, emergency("2400.00"))
    made = recorded(deps, emergency("300", head_approval=HeadApproval("J. Ruiz", EARLIER)))
    assert [p.id for p in emergencies.register(deps, PageRequest(limit=10)).items] == [made.id]
