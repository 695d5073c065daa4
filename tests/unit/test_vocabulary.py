"""R-1: "Use these names in the API and the code": the defined terms of 4a-52-1 name the API's records and fields."""

import pytest

from chalicelib import registry
from chalicelib.api import openapi

registry.load_all()  # every module's operations and tasks, as the OpenAPI document reads them

# A defined term of 4a-52-1 and where the API uses it: in a path, or as a field of an answer.
IN_PATHS = {
    "bid": "/bids",
    "contract": "/contracts",
    "direct purchase authority": "/delegations",
    "invitation to bid": "/solicitations",
    "request for proposal": "/rfps",
}
IN_FIELDS = {
    "agency": "agency",
    "bidder": "bidder_name",
    "contractor": "contractor_name",
    "proposer": "proposer_name",
    "minor irregularities": "corrections",
}


@pytest.mark.rule("R-1")
@pytest.mark.parametrize("term", sorted(IN_PATHS))
def test_a_defined_term_names_the_route_of_its_record(term):
    assert any(IN_PATHS[term] in path for path in openapi.document()["paths"]), f"no route uses {IN_PATHS[term]!r} ({term})"


@pytest.mark.rule("R-1")
@pytest.mark.parametrize("term", sorted(IN_FIELDS))
def test_a_defined_term_names_a_field_of_the_answers(term):
    schemas = openapi.document()["components"]["schemas"].values()
    assert any(IN_FIELDS[term] in schema.get("properties", {}) for schema in schemas), f"no answer has {IN_FIELDS[term]!r}"
