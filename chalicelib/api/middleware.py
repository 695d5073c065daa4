"""The API's middleware, outermost first: CORS, `Idempotency-Key`, and the one error shape for Chalice's own answers.

It is registered by app.py before any route and loads nothing heavy at import (issue #14): the idempotency utility
and the error models are imported by the first request that needs them."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from chalice import Chalice, Response

from chalicelib import bootstrap

# What a portal sends: the bearer token, a JSON body, a retry key; and what it may read of the answer.
CORS_ALLOW_HEADERS = "Authorization, Content-Type, Idempotency-Key"
CORS_EXPOSE_HEADERS = "Idempotent-Replayed, Retry-After, WWW-Authenticate"
CORS_MAX_AGE_SECONDS = 600
IDEMPOTENCY_HEADER = "idempotency-key"


def register(app: Chalice) -> None:
    register_cors(app)  # outside idempotency: replayed answers get the headers too
    register_idempotency(app)
    register_error_shape(app)  # inside idempotency: a kept answer already has the one error shape


def register_cors(app: Chalice) -> None:
    """CORS for the portal origins of `CORS_ALLOWED_ORIGINS` only (none by default: no CORS header at all).

    Chalice's own `cors=` sends one fixed origin per route (and its preflight is an API Gateway mock), so it
    cannot serve a list: this middleware answers an allowed Origin with that origin and `Vary: Origin`."""

    @app.middleware("http")
    def allow_portal_origins(event, get_response):
        response = get_response(event)
        allowed = bootstrap.settings().cors_allowed_origins
        if not allowed:
            return response
        response.headers["Vary"] = ", ".join(filter(None, (response.headers.get("Vary"), "Origin")))
        origin = event.headers.get("origin")
        if origin not in allowed:
            return response
        response.headers["Access-Control-Allow-Origin"] = origin
        if event.method == "OPTIONS":
            methods = sorted(m for m in app.routes.get(event.context.get("resourcePath"), {}) if m != "OPTIONS")
            response.headers.update(
                {
                    "Access-Control-Allow-Methods": ", ".join(methods),
                    "Access-Control-Allow-Headers": CORS_ALLOW_HEADERS,
                    "Access-Control-Max-Age": str(CORS_MAX_AGE_SECONDS),
                }
            )
        else:
            response.headers["Access-Control-Expose-Headers"] = CORS_EXPOSE_HEADERS
        return response


def preflight(**path_params) -> Response:
    """A browser's CORS preflight: no content; `register_cors` adds the headers for an allowed origin."""
    return Response(body="", status_code=204)


def register_idempotency(app: Chalice) -> None:
    """A POST with an `Idempotency-Key` goes through api/idempotency.py (loaded with the first such request)."""

    @app.middleware("http")
    def honour_idempotency_key(event: Any, get_response: Callable[[Any], Response]) -> Response:
        if event.method != "POST" or event.headers.get(IDEMPOTENCY_HEADER) is None:
            return get_response(event)
        from chalicelib.api import idempotency

        return idempotency.honour(event, get_response)


def register_error_shape(app: Chalice) -> None:
    """Chalice itself answers a method the path lacks (405) and a body that is not JSON (415), before any view and
    in a shape of its own; this middleware gives them the one error shape. On AWS such requests reach the app too
    (infra/build.py sends every method of a known path to the API function), so both answers are the same there."""

    @app.middleware("http")
    def one_error_shape(event, get_response):
        response = get_response(event)
        chalice_code = response.body.get("Code") if isinstance(response.body, dict) else None
        if chalice_code == "MethodNotAllowedError":
            return method_not_allowed(event.method, event.context["resourcePath"], app.routes[event.context["resourcePath"]])
        if chalice_code == "UnsupportedMediaType":
            return unsupported_media_type(event.headers.get("content-type", ""))
        return response


def method_not_allowed(method: str, path: str, methods) -> Response:
    from chalicelib.api.framework import error_response

    operations = " or ".join(sorted(m for m in methods if m != "OPTIONS"))
    return error_response(
        405,
        "MethodNotAllowed",
        f"{path} does not take {method}; use {operations} (see GET /openapi.json).",
        headers={"Allow": ", ".join(sorted(methods))},
    )


def unsupported_media_type(content_type: str) -> Response:
    from chalicelib.api.framework import error_response

    return error_response(
        415, "UnsupportedMediaType", f"The body must be JSON, not {content_type}; send it with Content-Type: application/json."
    )
