"""OpenAPI 3.1 document generated from the registered operations and their pydantic models."""

from __future__ import annotations

import enum
import json
from functools import lru_cache
from pathlib import Path
from typing import get_args

import pydantic

from chalicelib import registry
from chalicelib.api.framework import OPERATIONS, ErrorBody, Operation

_ERRORS = {
    400: "Invalid input (each bad field listed)",
    401: "Missing or invalid bearer token (on a public route: a token sent and refused)",
    403: "The caller's role may not do this",
    404: "No such record visible to the caller",
    409: "The record's state or a deadline does not allow this; or (Code RecordChanged) a concurrent write changed it: retry",
    413: "The input exceeds a storage limit (400 KB per record, 100 writes per transaction); nothing is stored",
    415: "The body is not sent with Content-Type: application/json",
    422: "A rule forbids this; or (Code IdempotencyKeyReused) the Idempotency-Key was already used with another body",
    503: "The database is throttling requests; retry the same request after Retry-After seconds",
}
# Every path parameter, described once.
PATH_PARAMETERS = {
    "agency": "Agency org code, e.g. DAS or DOT; an agency token may name only its own",
    "amendment_id": "Amendment id: a Request To Amend Procurement Schedule (as returned by POST /plans/{plan_id}/amendments) under /amendments, a contract amendment (as returned by POST /contracts/{contract_id}/amendments) under /contracts",
    "assignment_id": "Assignment request id, as returned by POST /contracts/{contract_id}/assignments",
    "attention_id": "Attention item id, as listed by GET /attention and named in the email to purchasing",
    "award_id": "Award id, as returned by POST /solicitations/{solicitation_id}/award",
    "bid_id": "Bid id, as on the receipt returned by POST /solicitations/{solicitation_id}/bids",
    "change_id": "Quantity change id, as returned by POST /solicitations/{solicitation_id}/bids/{bid_id}/quantity-changes",
    "contract_id": "Contract number, as in the notice of award and on every order (R-9k)",
    "dpa_number": "Direct purchase authority number, e.g. DPA-1E, as given to POST /delegations (R-2e)",
    "kind": "The kind of public record: solicitation (an invitation to bid), rfp or plan",
    "record_id": "The public record's id: an invitation's, a request for proposals' or an approved plan's",
    "entry": "An audit entry's hash (64 hex digits, SHA-256 of its canonical JSON), as the verification export gives it",
    "delivery_id": "Delivery id, as returned by POST /orders/{order_id}/deliveries",
    "invoice_id": "Invoice id, as returned by POST /contracts/{contract_id}/invoices",
    "negotiation_number": "Negotiation number within its request for proposals, from 1 (the best ranked proposer's)",
    "number": "Schedule version number, from 1 (the approved plan's schedule)",
    "ocid": "Open Contracting ID: the OCDS prefix (e.g. ocds-ct0000) and the invitation's, request's or plan's id",
    "order_id": "Purchase order id, as returned by POST /contracts/{contract_id}/orders, or under /delegations by POST /delegations/{dpa_number}/orders",
    "plan_id": "Procurement plan id, as returned by POST /plans",
    "property_id": "Surplus property id, as returned by POST /surplus",
    "proposal_id": "Proposal id, as on the receipt returned by POST /rfps/{rfp_id}/proposals",
    "requisition_id": "Requisition id, as returned by POST /requisitions or POST /requisitions/pre-itemized",
    "request_id": "Request id: an evidence request (under /solicitations) or an ordering-agency request (under /ordering-agency-requests), as returned when it was made",
    "purchase_id": "Emergency purchase id, as returned by POST /emergency-purchases",
    "rfp_id": "Request for proposals id, as returned by POST /rfps",
    "sole_source_id": "Sole-source request id, as returned by POST /sole-source-requests",
    "solicitation_id": "Invitation id, as returned by POST /solicitations",
    "statement_id": "Unordered-balance statement request id, as returned when purchasing asked for it",
    "vendor_id": "Vendor id, as returned by POST /vendors",
    "warehouse_requisition_id": "Warehouse requisition id, as returned by POST /warehouse/requisitions",
}
RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before retrying the same request.",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
}


def _storage_errors(method: str) -> set[int]:
    """Every operation reads the database and may be throttled (503); every write may also exceed its limits (413) or
    meet a concurrent write to the records it read (409 RecordChanged, the conditional write refused)."""
    return {503} if method == "GET" else {409, 413, 503}


def _request_errors(op: Operation) -> set[int]:
    """An id in the path may name no record (404); a body must be sent as application/json (415); a POST's
    Idempotency-Key reused with another body is refused (422, api/idempotency.py); a public route that reads an
    optional token refuses a bad one (401)."""
    return (
        ({404} if op.path_params else set())
        | ({415} if op.body is not None else set())
        | ({422} if op.method == "POST" else set())
        | ({401} if op.optional_auth else set())
    )


def _content(model) -> dict:
    from openapi_pydantic.util import PydanticSchema

    return {"application/json": {"schema": PydanticSchema(schema_class=model)}}


def _inline(schema, defs: dict):
    """Query parameters stand alone in OpenAPI: replace `$ref`s to the model's `$defs` (enums) by their schema."""
    if isinstance(schema, dict):
        if "$ref" in schema:
            target = defs[schema["$ref"].rsplit("/", 1)[-1]]
            return _inline({**target, **{k: v for k, v in schema.items() if k != "$ref"}}, defs)
        return {k: _inline(v, defs) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_inline(item, defs) for item in schema]
    return schema


def _operation(op: Operation) -> dict:
    roles = "public" if op.roles is None else ", ".join(sorted(r.value for r in op.roles))
    description = op.description + f"\n\nRoles: {roles}." + (f" Rules: {', '.join(op.rules)}." if op.rules else "")
    responses = {str(op.status): {"description": "Success", **({"content": _content(op.response)} if op.response else {})}}
    statuses = {400, 500, *op.errors, *_storage_errors(op.method), *_request_errors(op)} | (
        {401, 403} if op.roles is not None else set()
    )
    for status in sorted(statuses):
        responses[str(status)] = {
            "description": _ERRORS.get(status, "Server error"),
            "content": _content(ErrorBody),
            **({"headers": RETRY_AFTER} if status == 503 else {}),
        }
    parameters = [
        {"name": p, "in": "path", "required": True, "description": PATH_PARAMETERS[p], "schema": {"type": "string"}}
        for p in op.path_params
    ]
    if op.query is not None:
        query_schema = op.query.model_json_schema()
        for name, field in op.query.model_fields.items():
            schema = _inline(query_schema["properties"][field.alias or name], query_schema.get("$defs", {}))
            parameters.append(
                {
                    "name": field.alias or name,
                    "in": "query",
                    "required": field.is_required(),
                    "description": field.description,
                    "schema": schema,
                }
            )
    if op.method == "POST":
        parameters.append(
            {
                "name": "Idempotency-Key",
                "in": "header",
                "required": False,
                "description": "Retry-safe POST: the first answer is replayed for 24 hours; the same key with another body is "
                "refused (422 IdempotencyKeyReused), and while its first request is still running (409 RequestInProgress).",
                "schema": {"type": "string", "minLength": 1, "maxLength": 255},
            }
        )
    result = {
        "operationId": op.name,
        "summary": op.summary,
        "description": description.strip(),
        "tags": [op.tag],
        "parameters": parameters,
        "responses": responses,
    }
    if op.body is not None:
        result["requestBody"] = {"required": True, "content": _content(op.body)}
    if op.roles is not None:
        result["security"] = [{"bearer": []}]
    return result


def _check_model_names() -> None:
    """Components are keyed by class name: two models (or enums) of one name would silently share a schema."""
    seen: dict[str, type] = {}
    pending = [m for op in OPERATIONS for m in (op.body, op.query, op.response) if m is not None] + [ErrorBody]
    while pending:
        model = pending.pop()
        known = seen.get(model.__name__)
        if known is model:
            continue
        if known is not None:
            raise ValueError(f"two API schemas are named {model.__name__}: {known.__module__} and {model.__module__}; rename one")
        seen[model.__name__] = model
        if issubclass(model, pydantic.BaseModel):
            for field in model.model_fields.values():
                pending += _named_types(field.annotation)


def _named_types(annotation) -> list[type]:
    if isinstance(annotation, type) and issubclass(annotation, (pydantic.BaseModel, enum.Enum)):
        return [annotation]
    return [t for arg in get_args(annotation) for t in _named_types(arg)]


@lru_cache(maxsize=1)
def document() -> dict:
    """Built on first request (not at import: it would slow every cold start), from every module's operations."""
    registry.load_all()
    _check_model_names()
    from openapi_pydantic import OpenAPI
    from openapi_pydantic.util import construct_open_api_with_schema_class

    paths: dict[str, dict] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method.lower()] = _operation(op)
    spec = OpenAPI.model_validate(
        {
            "openapi": "3.1.0",
            "info": {
                "title": "Connecticut State Purchasing workflow API",
                "version": "1.0.0",
                "description": "Regulations of Connecticut State Agencies 4a-52-1 to 4a-52-22 and OPM procurement-plan rules. Times are ISO 8601; responses show them in America/New_York. Money is a decimal string in US dollars. Every error answer has the ErrorBody shape, API Gateway's own included: a path of no route answers 404 NotFound, a method a path does not take 405 MethodNotAllowed (with an Allow header and the path's methods in Message), throttling 429 TooManyRequests with Retry-After.",
            },
            "paths": paths,
            "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}}},
        }
    )
    built = construct_open_api_with_schema_class(spec)
    result = built.model_dump(mode="json", by_alias=True, exclude_none=True, exclude_defaults=True)
    _add_examples(result["components"]["schemas"])
    _compose_examples(result["components"]["schemas"])
    return result | {"openapi": built.openapi}


EXAMPLES = Path(__file__).with_name("examples.json")  # model name -> examples of a whole body or answer


def _add_examples(schemas: dict) -> None:
    """The examples of request bodies and answers are data, kept apart from the models they show (examples.json);
    an example naming no schema of the document is an error, not silently dropped."""
    examples = json.loads(EXAMPLES.read_text())
    unknown = sorted(set(examples) - set(schemas))
    if unknown:
        raise ValueError(f"{EXAMPLES.name} has examples of no API schema: {', '.join(unknown)}")
    for name, shown in examples.items():
        schemas[name]["examples"] = shown


_NO_EXAMPLE = object()


def _compose_examples(schemas: dict) -> None:
    """A model without an example of its own (a list of records) gets one composed of its fields' examples (the
    records' own) when every required field has one: an example stays written once, on the model it shows."""
    for name in schemas:
        _example_of({"$ref": f"#/components/schemas/{name}"}, schemas, frozenset())


def _example_of(schema: dict, schemas: dict, seen: frozenset):
    if "examples" in schema:
        return schema["examples"][0]
    if "$ref" in schema:
        name = schema["$ref"].rsplit("/", 1)[-1]
        target = schemas[name]
        example = _NO_EXAMPLE if name in seen else _example_of(target, schemas, seen | {name})
        if example is not _NO_EXAMPLE and target.get("type") == "object":
            target["examples"] = [example]
        return example
    if "enum" in schema:
        return schema["enum"][0]
    if "anyOf" in schema:
        options = (_example_of(option, schemas, seen) for option in schema["anyOf"] if option.get("type") != "null")
        return next((example for example in options if example is not _NO_EXAMPLE), _NO_EXAMPLE)
    if schema.get("type") == "array" and "items" in schema:
        item = _example_of(schema["items"], schemas, seen)
        return _NO_EXAMPLE if item is _NO_EXAMPLE else [item]
    if schema.get("type") == "object" and "properties" in schema:
        return _composed(schema, schemas, seen)
    return _NO_EXAMPLE


def _composed(schema: dict, schemas: dict, seen: frozenset):
    examples = {name: _example_of(field, schemas, seen) for name, field in schema["properties"].items()}
    if not schema.get("required") or any(examples[name] is _NO_EXAMPLE for name in schema["required"]):
        return _NO_EXAMPLE
    return {name: example for name, example in examples.items() if example is not _NO_EXAMPLE}
