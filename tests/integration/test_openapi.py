"""GET /openapi.json: a valid OpenAPI 3.1 document, generated from the pydantic models, covering every route."""

import pytest
from openapi_spec_validator import validate

from app import app
from chalicelib.api import board

DEV_ONLY = ("/_local",)
PAGES = (board.PREFIX,)  # HTML, CSV and iCalendar pages: not JSON operations


@pytest.fixture
def document(api):
    reply = api.get("/openapi.json")
    assert reply.status == 200
    return reply.json


def test_the_document_is_valid_openapi(document):
    validate(document)


def test_every_route_of_the_app_is_documented(document):
    routes = {
        (method.lower(), path)
        for path, methods in app.routes.items()
        if path != "/openapi.json" and not path.startswith(DEV_ONLY + PAGES)
        for method in methods
        if method != "OPTIONS"  # CORS preflights (api/framework.py), not operations
    }
    documented = {(method, path) for path, ops in document["paths"].items() for method in ops}
    assert routes == documented


def test_request_fields_are_described(document):
    schema = document["components"]["schemas"]["RegisterVendor"]
    assert all(field.get("description") for field in schema["properties"].values())
    assert schema["additionalProperties"] is False


@pytest.mark.rule("R-4")
def test_the_registration_requires_a_fein_and_the_duplicates_list_shows_only_its_last_four_digits(document):
    schemas = document["components"]["schemas"]
    assert "fein" in schemas["RegisterVendor"]["required"] and "fein" in schemas["VendorOut"]["properties"]
    assert "fein_last4" in schemas["DuplicateVendor"]["properties"] and "fein" not in schemas["DuplicateVendor"]["properties"]
    assert {"/vendors/duplicates", "/vendors/{vendor_id}/suspend", "/vendors/{vendor_id}/reinstate"} <= set(document["paths"])
    assert "Roles: purchasing." in document["paths"]["/vendors/duplicates"]["get"]["description"]


def test_errors_are_documented_with_the_one_error_shape(document):
    responses = document["paths"]["/vendors"]["post"]["responses"]
    for status in ("400", "401", "403", "409"):
        assert responses[status]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorBody"


def test_every_write_documents_409_413_and_503_and_every_read_503_with_retry_after(document):
    # Given every documented operation
    operations = [(method, op) for ops in document["paths"].values() for method, op in ops.items()]
    assert {method for method, _ in operations} >= {"get", "post", "patch", "delete"}
    for method, op in operations:
        responses = op["responses"]
        # Then a throttled database (503) is documented with its Retry-After header, and writes a storage limit (413)
        # and a concurrent write to what they read (409 RecordChanged)
        expected = {"503"} if method == "get" else {"409", "413", "503"}
        assert expected <= set(responses), (method, op["operationId"])
        assert all(
            responses[s]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorBody" for s in expected
        )
        assert responses["503"]["headers"]["Retry-After"]["schema"]["type"] == "integer"
        assert ("413" in responses) == (method != "get"), op["operationId"]


def test_protected_operations_declare_bearer_auth_and_their_roles(document):
    operation = document["paths"]["/audit"]["get"]
    assert operation["security"] == [{"bearer": []}] and "Roles: purchasing." in operation["description"]


def test_two_api_models_of_one_name_are_refused(monkeypatch):
    import pydantic

    from chalicelib.api import framework, openapi

    clash = pydantic.create_model("ErrorBody", x=(int, ...))
    monkeypatch.setattr(
        framework,
        "OPERATIONS",
        framework.OPERATIONS
        + [framework.Operation("clash", "GET", "/clash", "Clash", "", "t", None, None, None, clash, 200, ())],
    )
    monkeypatch.setattr(openapi, "OPERATIONS", framework.OPERATIONS)
    with pytest.raises(ValueError, match="two API schemas are named ErrorBody"):
        openapi._check_model_names()


def test_operations_with_a_body_document_415_and_operations_with_an_id_404(document):
    # Given every documented operation
    for path, ops in document["paths"].items():
        for method, op in ops.items():
            responses = op["responses"]
            # Then a body must be JSON (415), and an id in the path may name no record (404), in the one error shape
            assert ("415" in responses) == ("requestBody" in op), (method, path)
            assert ("404" in responses) == ("{" in path), (method, path)
            for status in {"404", "415"} & set(responses):
                assert responses[status]["content"]["application/json"]["schema"]["$ref"] == "#/components/schemas/ErrorBody"


def test_the_answers_of_no_operation_are_described_once(document):
    # Then the document says what an unknown path, a method a path lacks and throttling answer
    description = document["info"]["description"]
    assert "404 NotFound" in description and "405 MethodNotAllowed" in description and "429" in description
