"""api/types.py: one check per kind of value, the same in the API and the domain (commodity codes, emails), and
decimals read exactly whether sent as JSON strings or numbers."""

from decimal import Decimal

import pydantic
import pytest

from chalicelib.api.bids import BidLineIn
from chalicelib.api.orders import PlaceOrder
from chalicelib.api.plans import PlanContactIn
from chalicelib.api.solicitations import DraftSolicitation
from chalicelib.api.types import CommodityCode, Email, Money, Quantity
from chalicelib.api.vendors import RegisterVendor
from chalicelib.domain import plans as plan_rules
from chalicelib.domain import vendors as vendor_rules
from chalicelib.domain.bids import check_bid
from chalicelib.domain.errors import ValidationFailed
from tests.unit.test_solicitations_examples import NOW, bid_body, draft, open_solicitation

INJECTED = "640; DROP TABLE"


def _parses(kind, raw: str):
    return pydantic.TypeAdapter(kind).validate_json(raw)


# -- commodity codes ------------------------------------------------------------------------------


@pytest.mark.rule("R-4")
def test_a_commodity_code_with_trailing_text_is_refused_by_the_vendor_and_the_invitation_checks_alike():
    # Given a code that starts with digits and goes on with something else
    # When the shared type, the vendor check and the invitation check read it / Then all three refuse it
    with pytest.raises(pydantic.ValidationError):
        pydantic.TypeAdapter(CommodityCode).validate_python(INJECTED)
    assert not vendor_rules.is_commodity_code(INJECTED)
    assert vendor_rules.is_commodity_code("64000") and pydantic.TypeAdapter(CommodityCode).validate_python("64000") == "64000"


@pytest.mark.rule("R-4")
def test_the_vendor_and_invitation_request_bodies_refuse_the_same_commodity_code():
    # Given a registration and a draft invitation, each naming the injected code
    vendor = {"legal_name": "Acme", "fein": "06-1234567", "contact_email": "bids@acme.example", "commodity_codes": [INJECTED]}
    # When each body is parsed / Then each refuses the code, naming the field
    for model, body in ((RegisterVendor, vendor), (DraftSolicitation, {"commodity_codes": [INJECTED]})):
        with pytest.raises(pydantic.ValidationError) as refused:
            model.model_validate(body)
        assert ("commodity_codes", 0) in [e["loc"] for e in refused.value.errors()]


@pytest.mark.rule("R-4")
def test_the_domain_draft_refuses_a_commodity_code_it_would_not_register():
    # Given a draft invitation whose code only starts like a NIGP code
    # When the domain checks it / Then it is refused as a vendor's would be
    with pytest.raises(ValidationFailed) as refused:
        draft(commodity_codes=[INJECTED])
    assert {"field": "commodity_codes[0]", "problem": vendor_rules.COMMODITY_CODE_PROBLEM} in [
        {k: d[k] for k in ("field", "problem")} for d in refused.value.details
    ]


# -- emails ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("address", ["buyer@das", "two words@das.example.gov", "buyer@@das.example.gov", "x@agency.test"])
def test_an_address_refused_by_one_email_field_is_refused_by_every_one(address):
    # Given an address that is not one
    # When the shared type, the vendor check and the plan check read it / Then all refuse it
    with pytest.raises(pydantic.ValidationError):
        pydantic.TypeAdapter(Email).validate_python(address)
    assert vendor_rules.email_problem(address) is not None
    assert plan_rules._email_problems(address, "contact.email") != []
    with pytest.raises(pydantic.ValidationError):
        PlaceOrder.model_validate(
            {"lines": [{"line_id": "1", "quantity": "1"}], "deliver_by": "2026-03-13", "contact_email": address}
        )
    with pytest.raises(pydantic.ValidationError):
        PlanContactIn.model_validate({"name": "Pat Buyer", "email": address})


def test_an_address_is_stored_trimmed_and_case_folded_wherever_it_is_given():
    # Given an address with spaces and capitals / When read by the type and by the domain / Then both give one form
    assert pydantic.TypeAdapter(Email).validate_python(" Buyer@DAS.Example.gov ") == "buyer@das.example.gov"
    assert vendor_rules.normalise_email(" Buyer@DAS.Example.gov ") == "buyer@das.example.gov"


# -- decimals -------------------------------------------------------------------------------------


@pytest.mark.rule("R-5f")
def test_a_bid_quantity_sent_as_the_json_number_100_is_stored_exactly_as_decimal_100():
    # Given a bid line whose quantity is the JSON number 100
    line = BidLineIn.model_validate_json('{"line_id": "1", "unit_price": 12.5, "quantity": 100}')
    # When the domain checks the bid as the API hands it over
    body = bid_body(lines=[line.model_dump(mode="json", exclude_unset=True)])
    content = check_bid(open_solicitation(), body, NOW)
    # Then the quantity is Decimal("100") and the price Decimal("12.5"), read without a float
    assert content.lines[0].quantity == Decimal(100) and str(content.lines[0].quantity) == "100"
    assert str(content.lines[0].unit_price) == "12.5"


def test_a_json_number_in_exponent_form_is_read_as_its_plain_value():
    # Given 1e2 sent as a number and as a string / When read as money or quantity / Then it is exactly 100
    for raw in ("1e2", '"1e2"'):
        assert str(_parses(Money, raw)) == "100" and str(_parses(Quantity, raw)) == "100"
    assert BidLineIn.model_validate_json('{"quantity": 1e2}').quantity == "100"


@pytest.mark.rule("R-5j/k")
def test_a_json_number_carrying_float_noise_is_refused_not_rounded():
    # Given 0.1 + 0.2 as a float prints it / When read as money / Then its 17 places are seen, and it is refused
    with pytest.raises(pydantic.ValidationError, match="more than 2 decimal places"):
        _parses(Money, "0.30000000000000004")
    # and a bid price keeps every digit for the domain to refuse with its rule
    assert BidLineIn.model_validate_json('{"unit_price": 0.30000000000000004}').unit_price == "0.30000000000000004"


def test_money_is_answered_as_a_string_with_exactly_two_places():
    # Given dollars computed with more or fewer places / When serialised / Then a string with two places
    adapter = pydantic.TypeAdapter(Money)
    assert adapter.dump_json(Decimal("12.5")) == b'"12.50"' and adapter.dump_json(Decimal(100)) == b'"100.00"'


def test_a_zero_quantity_is_refused_as_a_request_quantity():
    # Given 0 sent as a quantity / When read / Then refused: a quantity asked for is above 0
    with pytest.raises(pydantic.ValidationError, match="greater than 0"):
        _parses(Quantity, "0")
