"""Sole source procurement (R-15) with fakes: the request needs its explanation and an active registered contractor;
the determination is written (basis, scope, last day) or a refusal, and in reasonable doubt the need becomes a draft
invitation to bid linked both ways; the negotiated contract is formed only within the determination's duration, is
one line at the negotiated price for the agency, and is the public record."""

import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.domain.contracts import Contract
from chalicelib.domain.errors import Conflict, Forbidden, ValidationFailed
from chalicelib.domain.sole_source import (
    Competition,
    ContractType,
    Grant,
    Negotiated,
    SoleSourceBasis,
    SoleSourceStatus,
)
from chalicelib.domain.solicitations import EvaluationFactor, LineItem, Solicitation, SolicitationStatus
from chalicelib.domain.vendors import VendorStatus
from chalicelib.services import sole_source
from chalicelib.services.ports import Actor, PageRequest, Role
from tests.unit.test_rfps_services import vendor

AGENCY = Actor("buyer@das", Role.AGENCY, "DAS")
PURCHASING = Actor("officer", Role.PURCHASING, "DAS-BOP")
CT = dt.timezone(dt.timedelta(hours=-5))  # EST: the fakes' clock stands in March, before daylight time
EDT = dt.timezone(dt.timedelta(hours=-4))
FACTORS = (
    EvaluationFactor("price", Decimal(70)),
    EvaluationFactor("past_performance", Decimal(20)),
    EvaluationFactor("financial_responsibility", Decimal(10)),
)
GRANT = Grant(
    determination="Only the manufacturer's boards fit the installed controls.",
    scope="Controller boards for the two Hartford chillers.",
    effective_until=dt.date(2026, 6, 30),
)
NEGOTIATED = Negotiated(
    price=Decimal("46200.00"), terms="Delivery in 30 days; one-year warranty.", contract_type=ContractType.FIXED_PRICE
)


FIELDS: dict = {
    "title": "Chiller controller boards",
    "commodity_codes": ["03100"],
    "lines": [LineItem("1", "Controller board CB-220", Decimal(4), "each")],
    "estimated_amount": Decimal("48500.00"),
    "justification": "Only the manufacturer's boards are compatible with the installed controls.",
    "basis": SoleSourceBasis.COMPATIBILITY,
    "contractor_id": "V-chiller",
}


@pytest.fixture(autouse=True)
def contractor(deps):
    vendor(deps, "chiller", ("031",))


def requested(deps, **changes):
    return sole_source.request(deps, AGENCY, **{**FIELDS, **changes})


def problems(error) -> set[str]:
    return {d["field"] for d in error.value.details}


@pytest.mark.rule("R-15")
def test_a_request_without_its_explanation_of_why_no_other_source_will_do_is_refused_naming_it(deps):
    # Given a blank justification / When the agency asks / Then 400 names justification under R-15, nothing stored
    with pytest.raises(ValidationFailed) as error:
        requested(deps, justification="  ")
    assert error.value.rule == "R-15" and problems(error) == {"justification"}


@pytest.mark.rule("R-15")
def test_a_request_for_a_vendor_not_active_is_refused_naming_the_contractor(deps):
    # Given a vendor still pending confirmation / When the agency names it / Then the contractor field is refused
    vendor(deps, "pending", ("031",), status=VendorStatus.PENDING_CONFIRMATION)
    with pytest.raises(ValidationFailed) as error:
        requested(deps, contractor_id="V-pending")
    assert problems(error) == {"contractor_id"}


@pytest.mark.rule("R-15")
def test_only_an_agency_requests_and_purchasing_is_emailed_to_determine(deps):
    # Given an agency's request / Then purchasing is emailed; a vendor may not ask
    request = requested(deps)
    assert request.status is SoleSourceStatus.REQUESTED and request.agency == "DAS"
    assert [m.to for m in deps.notifier.sent] == [(deps.mailboxes.purchasing,)]
    with pytest.raises(Forbidden):
        sole_source.request(deps, Actor("v", Role.VENDOR, "chiller"), **FIELDS)


@pytest.mark.rule("R-15")
def test_a_grant_without_its_written_basis_or_scope_is_refused_naming_both(deps):
    # Given a request / When purchasing grants with a blank basis and scope / Then both are named, the request unchanged
    request = requested(deps)
    with pytest.raises(ValidationFailed) as error:
        sole_source.grant(deps, PURCHASING, request.id, Grant(" ", "", GRANT.effective_until))
    assert problems(error) == {"determination", "scope"}
    assert deps.store.get(type(request), request.id).status is SoleSourceStatus.REQUESTED


@pytest.mark.rule("R-15")
def test_a_grant_states_its_basis_scope_and_last_day_and_the_agency_is_told(deps):
    # Given a request / When purchasing grants it / Then the written determination is kept and the agency emailed
    granted = sole_source.grant(deps, PURCHASING, requested(deps).id, GRANT)
    assert (granted.status, granted.effective_until, granted.determined_by) == (
        SoleSourceStatus.GRANTED,
        GRANT.effective_until,
        "officer",
    )
    assert deps.notifier.sent[-1].to == (deps.mailboxes.agency("DAS"),)


@pytest.mark.rule("R-15")
def test_a_request_is_determined_once(deps):
    # Given a granted request / When purchasing refuses it afterwards, with competition / Then 409 under R-15, and no
    # invitation to bid is drafted
    request = requested(deps)
    sole_source.grant(deps, PURCHASING, request.id, GRANT)
    competition = Competition(dt.datetime(2026, 4, 15, 14, 0, tzinfo=CT), FACTORS)
    with pytest.raises(Conflict) as error:
        sole_source.refuse(deps, PURCHASING, request.id, "changed our mind", competition)
    assert error.value.rule == "R-15"
    assert not any(kind == "solicitation" for kind, _ in deps.store.items)


@pytest.mark.rule("R-15")
def test_in_reasonable_doubt_the_refusal_drafts_an_invitation_to_bid_of_the_need_linked_both_ways(deps):
    # Given a request / When purchasing refuses it with competition / Then a draft invitation to bid of the same need
    # exists, naming the request, and the request names it
    request = requested(deps)
    opening = dt.datetime(2026, 4, 15, 14, 0, tzinfo=CT)
    refused = sole_source.refuse(
        deps, PURCHASING, request.id, "Two other firms service these controls.", Competition(opening, FACTORS)
    )
    invitation = deps.store.get(Solicitation, refused.solicitation_id)
    assert refused.status is SoleSourceStatus.COMPETED
    assert (invitation.status, invitation.sole_source_id, invitation.agency) == (SolicitationStatus.DRAFT, request.id, "DAS")
    assert (invitation.title, invitation.lines) == (request.title, request.lines)


@pytest.mark.rule("R-15")
def test_a_plain_refusal_drafts_nothing(deps):
    # Given a request / When purchasing refuses it without competition / Then it is refused and no invitation exists
    refused = sole_source.refuse(deps, PURCHASING, requested(deps).id, "Not a single-supplier need.", None)
    assert (refused.status, refused.solicitation_id) == (SoleSourceStatus.REFUSED, None)


@pytest.mark.rule("R-15")
def test_the_negotiated_contract_is_one_line_for_the_agency_ending_with_the_determination(deps):
    # Given a granted request / When purchasing records the negotiated price and terms / Then one contract line at
    # that price, for the agency, its term ending on the determination's last day (its timer started)
    request = requested(deps)
    sole_source.grant(deps, PURCHASING, request.id, GRANT)
    recorded = sole_source.contract(deps, PURCHASING, request.id, NEGOTIATED)
    contract = deps.store.get(Contract, recorded.contract_id)
    assert recorded.status is SoleSourceStatus.CONTRACTED
    assert (contract.agency, contract.total, len(contract.lines), contract.term_end) == (
        "DAS",
        NEGOTIATED.price,
        1,
        GRANT.effective_until,
    )
    assert deps.workflows.started[-1][0] == "contract-term"


@pytest.mark.rule("R-15")
def test_no_contract_is_formed_before_a_grant(deps):
    # Given a request not yet determined / When purchasing records a contract / Then 409 under R-15
    with pytest.raises(Conflict):
        sole_source.contract(deps, PURCHASING, requested(deps).id, NEGOTIATED)


@pytest.mark.rule("R-15")
def test_a_contract_is_formed_on_the_last_day_of_the_determination_and_refused_the_second_after(deps):
    # Given a grant effective until June 30 / When the contract is formed at 23:59:59 that day / Then it is; at the
    # first second of July 1 it is refused
    first, second = requested(deps), requested(deps)
    for request in (first, second):
        sole_source.grant(deps, PURCHASING, request.id, GRANT)
    deps.clock.set(dt.datetime(2026, 6, 30, 23, 59, 59, tzinfo=EDT))
    assert sole_source.contract(deps, PURCHASING, first.id, NEGOTIATED).contract_id is not None
    deps.clock.set(dt.datetime(2026, 7, 1, 0, 0, 0, tzinfo=EDT))
    with pytest.raises(Conflict) as error:
        sole_source.contract(deps, PURCHASING, second.id, NEGOTIATED)
    assert error.value.details[0]["field"] == "effective_until"


@pytest.mark.rule("R-15")
def test_the_register_lists_only_contracted_requests(deps):
    # Given one contracted request and one only requested / When the register is read / Then only the first is listed
    contracted = requested(deps)
    sole_source.grant(deps, PURCHASING, contracted.id, GRANT)
    sole_source.contract(deps, PURCHASING, contracted.id, NEGOTIATED)
    requested(deps)
    listed = sole_source.register(deps, PageRequest(limit=10)).items
    assert [r.id for r in listed] == [contracted.id]
