"""The examples of the API document: one for every request body and answer, each valid against its own schema and
read by its own model as the server reads a request."""

import json

import pytest
from jsonschema import Draft202012Validator

from chalicelib import registry
from chalicelib.api import openapi
from chalicelib.api.framework import OPERATIONS

registry.load_all()  # every module's operations and tasks, as the OpenAPI document reads them

DOCUMENT = openapi.document()
SCHEMAS = DOCUMENT["components"]["schemas"]
EXAMPLED = sorted(name for name, schema in SCHEMAS.items() if "examples" in schema)
MODELS = {model.__name__: model for op in OPERATIONS for model in (op.body, op.response) if model is not None}


def _operations():
    for path, operations in DOCUMENT["paths"].items():
        for method, op in operations.items():
            yield f"{method.upper()} {path}", op


def _component(content: dict) -> str:
    return content["application/json"]["schema"]["$ref"].rsplit("/", 1)[-1]


@pytest.mark.parametrize(("name", "op"), list(_operations()), ids=[name for name, _ in _operations()])
def test_every_request_body_and_answer_of_an_operation_has_an_example(name, op):
    # Given the schemas of the operation's request body and answers
    bodies = [op["requestBody"]["content"]] if "requestBody" in op else []
    answers = [response["content"] for response in op["responses"].values() if "content" in response]
    # Then each has at least one example
    names = {_component(content) for content in bodies + answers}
    assert [name for name in sorted(names) if not SCHEMAS[name].get("examples")] == []


@pytest.mark.parametrize("name", EXAMPLED)
def test_each_example_is_valid_against_its_own_schema(name):
    # Given a component's examples, and a validator of its schema that resolves its references in the document
    validator = Draft202012Validator(
        {"$ref": f"#/components/schemas/{name}", "components": DOCUMENT["components"]},
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )
    # Then each example is valid
    for example in SCHEMAS[name]["examples"]:
        assert [error.message for error in validator.iter_errors(example)] == []


@pytest.mark.parametrize("name", sorted(set(MODELS) & set(EXAMPLED)))
def test_each_example_is_read_by_its_model_as_a_request_would_be(name):
    # Given a request body's or an answer's examples / When its model parses each as JSON / Then it is accepted
    for example in SCHEMAS[name]["examples"]:
        MODELS[name].model_validate_json(json.dumps(example))


def test_a_list_without_an_example_of_its_own_shows_its_records_example():
    # Given a list answer, whose record model carries the example / Then the list's example is made of that record's
    page = SCHEMAS["AttentionOutPage"]["examples"][0]
    assert page["items"] == [SCHEMAS["AttentionOut"]["examples"][0]] and isinstance(page["next"], str)


def test_an_invalid_example_is_refused_by_the_schema_check():
    # Given a bid example whose unit price has five places (R-5j/k allows four)
    validator = Draft202012Validator({"$ref": "#/components/schemas/BidIn", "components": DOCUMENT["components"]})
    example = json.loads(json.dumps(SCHEMAS["BidIn"]["examples"][0]))
    example["lines"][0]["unit_price"] = "12.34567"
    # Then the check that passes the document's examples refuses it
    assert not validator.is_valid(example)
