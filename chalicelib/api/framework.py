"""The one route decorator every endpoint uses.

It authenticates the bearer token, checks the role, parses the body and query with pydantic, calls the
view, and maps every error to the one JSON shape (`Code`, `Message`, `rule`, `details`). It also records
the operation so the OpenAPI document covers every route (and make handlers gives its path an OPTIONS route
for CORS preflights, api/middleware.py). The answers no view gives have the same shape: Chalice's own 405 and
415 (api/middleware.py), and API Gateway's own (its gateway responses, infra/build.py; the local server and
the test client answer an unknown route alike).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pydantic
from chalice import Blueprint, Response
from pydantic_core import to_jsonable_python

from chalicelib import bootstrap
from chalicelib.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    NotFound,
    TemporarilyUnavailable,
    TooLarge,
    Unauthenticated,
    ValidationFailed,
)
from chalicelib.observability import logger
from chalicelib.services.ports import Actor, Role

_STATUS = [
    (Unauthenticated, 401),
    (Forbidden, 403),
    (NotFound, 404),
    (Conflict, 409),
    (ValidationFailed, 400),
    (TooLarge, 413),
    (TemporarilyUnavailable, 503),
]


class ErrorDetail(pydantic.BaseModel):
    """One failing field, or one fact of a refusal. A bad input names its `field` and `problem` (and, from the request
    parser, the pydantic error `type`; from a domain check, its `rule`); a conflict names the record it concerns with
    a key of its own (e.g. `vendor_id`, `award_id`, `plan_id`, `last_allowed_date`)."""

    model_config = pydantic.ConfigDict(extra="allow")
    field: str | None = pydantic.Field(
        None, description="The field, as a path into the body or query (lines[0].quantity); (body) for the whole body."
    )
    problem: str | None = pydantic.Field(None, description="What is wrong with it.")
    type: str | None = pydantic.Field(None, description="The request parser's error type, e.g. missing, value_error.")
    rule: str | None = pydantic.Field(
        None, description="ID of the rule in RULES.md the field breaks, when it is not the answer's."
    )


class ErrorBody(pydantic.BaseModel):
    """Every 4xx/5xx answer has this shape."""

    Code: str = pydantic.Field(description="Error class, e.g. BidAfterDeadline; also its ASL error name.")
    Message: str = pydantic.Field(description="What is wrong and what to do.")
    rule: str | None = pydantic.Field(None, description="ID of the rule in RULES.md that applies.")
    details: list[ErrorDetail] = pydantic.Field(default_factory=list, description="Each failing field or fact.")


@dataclass
class Operation:
    name: str
    method: str
    path: str
    summary: str
    description: str
    tag: str
    roles: frozenset[Role] | None
    body: type[pydantic.BaseModel] | None
    query: type[pydantic.BaseModel] | None
    response: type[pydantic.BaseModel] | None
    status: int
    rules: tuple[str, ...]
    errors: tuple[int, ...] = field(default_factory=tuple)
    optional_auth: bool = False
    view: Callable | None = None

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"{(\w+)}", self.path)


OPERATIONS: list[Operation] = []


@dataclass
class Call:
    """What a view receives: the caller and the parsed input. `viewer` is the caller as authenticated, None on a public
    route called without a token; `actor` is the caller of a route with roles, which the framework has authenticated."""

    viewer: Actor | None
    body: Any
    query: Any
    request: Any

    @property
    def actor(self) -> Actor:
        """The authenticated caller: a public route reads `viewer` instead, as it may have none."""
        return _authenticated(self.viewer)

    @property
    def deps(self):
        return bootstrap.deps()


def status_of(exc: DomainError) -> int:
    for cls, status in _STATUS:
        if isinstance(exc, cls):
            return status
    return 422


def error_response(
    status: int,
    code: str,
    message: str,
    rule: str | None = None,
    details: list | None = None,
    headers: dict | None = None,
) -> Response:
    headers = {"Content-Type": "application/json", **(headers or {})}
    if status == 401:
        headers["WWW-Authenticate"] = 'Bearer realm="ct-procurement"'
    body = ErrorBody(Code=code, Message=message, rule=rule, details=[ErrorDetail.model_validate(d) for d in details or []])
    return Response(body=body.model_dump_json(exclude_unset=True), status_code=status, headers=headers)


def domain_error_response(exc: DomainError) -> Response:
    headers = {"Retry-After": str(exc.retry_after)} if isinstance(exc, TemporarilyUnavailable) else None
    return error_response(status_of(exc), exc.code, exc.message, exc.rule, to_jsonable_python(exc.details), headers)


def validation_details(exc: pydantic.ValidationError) -> list[dict]:
    details = []
    for err in exc.errors(include_url=False):
        location = "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in err["loc"]).lstrip(".")
        # A type's own check (api/types.py) words its problem as the domain does: pydantic's prefix adds nothing.
        problem = err["msg"].removeprefix("Value error, ")
        details.append({"field": location or "(body)", "problem": problem, "type": err["type"]})
    return details


def json_response(payload: Any, status: int = 200) -> Response:
    return Response(
        body=json.dumps(to_jsonable_python(payload, by_alias=True)),
        status_code=status,
        headers={"Content-Type": "application/json"},
    )


def operation(
    bp: Blueprint,
    method: str,
    path: str,
    *,
    summary: str,
    tag: str,
    roles: set[Role] | None = None,
    body: type[pydantic.BaseModel] | None = None,
    query: type[pydantic.BaseModel] | None = None,
    response: type[pydantic.BaseModel] | None = None,
    status: int = 200,
    rules: tuple[str, ...] = (),
    errors: tuple[int, ...] = (),
    optional_auth: bool = False,
) -> Callable:
    """Register `view(call, **path_params)` as a Chalice route. `roles=None` makes the route public."""

    def decorator(view: Callable) -> Callable:
        name = f"{view.__module__.rsplit('.', 1)[-1]}_{view.__name__}"
        if any(op.name == name or (op.method, op.path) == (method.upper(), path) for op in OPERATIONS):
            raise ValueError(f"operation {name} ({method} {path}) is declared twice")
        OPERATIONS.append(
            Operation(
                name=name,
                method=method.upper(),
                path=path,
                summary=summary,
                description=(view.__doc__ or "").strip(),
                tag=tag,
                roles=frozenset(roles) if roles is not None else None,
                body=body,
                query=query,
                response=response,
                status=status,
                rules=rules,
                errors=errors,
                optional_auth=optional_auth,
                view=view,
            )
        )
        rule = rules[0] if rules else None

        @bp.route(path, methods=[method.upper()], content_types=["application/json"], name=name)
        def handler(**path_params):
            request = bp.current_request
            try:
                viewer = _caller(request, required=roles is not None, optional=optional_auth)
                if roles is not None and (role := _authenticated(viewer).role) not in roles:
                    allowed = " or ".join(sorted(r.value for r in roles))
                    raise Forbidden(
                        f"Only {allowed} may {summary[0].lower()}{summary[1:]}; the token's role is {role.value}.",
                        rule=rule,
                    )
                parsed_body = _parse_body(request, body, rule)
                parsed_query = _parse_query(request, query, rule)
                result = view(Call(viewer, parsed_body, parsed_query, request), **path_params)
            except DomainError as exc:
                logger.info("request refused", extra={"code": exc.code, "rule": exc.rule})
                return domain_error_response(exc)
            except Exception:  # noqa: BLE001 - never a stack trace to the caller
                logger.exception("unhandled error")
                return error_response(500, "InternalError", "Something went wrong on our side; the request may be retried.")
            if isinstance(result, Response):
                return result
            return json_response(result, status)

        return view

    return decorator


def _authenticated(viewer: Actor | None) -> Actor:
    if viewer is None:
        raise Unauthenticated("This operation needs an 'Authorization: Bearer <token>' header.")
    return viewer


def _caller(request, *, required: bool, optional: bool) -> Actor | None:
    header = request.headers.get("authorization")
    if not required and not (optional and header):
        return None
    return bootstrap.token_verifier().actor(header)


def _parse_body(request, model, rule):
    if model is None:
        return None
    raw = request.raw_body or b""
    try:
        return model.model_validate_json(raw or b"{}")
    except pydantic.ValidationError as exc:
        raise ValidationFailed(
            "The request body is invalid; see details for each field.", rule=rule, details=validation_details(exc)
        ) from None


def _parse_query(request, model, rule):
    if model is None:
        return None
    params = dict(request.query_params or {})
    try:
        return model.model_validate(params)
    except pydantic.ValidationError as exc:
        raise ValidationFailed(
            "The query string is invalid; see details for each parameter.", rule=rule, details=validation_details(exc)
        ) from None
