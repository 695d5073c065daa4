"""`Idempotency-Key` on POSTs: a retried request gets the first answer (Powertools idempotency, DynamoDB).

The key is scoped to the caller and the path; reusing a key with a different body is refused. Only answers
that a retry would get again are kept: 2xx and deterministic 4xx. A 5xx, a 409 conflict, a 408 or a 429 is
answered once and forgotten (Powertools forgets a call that raises), so the retry runs again.

Nothing sealed is kept (R-5b). The body is checked by an HMAC keyed with the Idempotency-Key, not a plain hash a
guesser could test prices against. A route whose answer carries bid content (`sealed_route`, the bid submission
with its R-5l corrections) keeps only a reference to what it created, and a retry is answered by re-reading it as
its owner; its refusals (which may state the bid's total) are answered and forgotten.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from chalice import Response

from chalicelib import bootstrap, registry
from chalicelib.api.framework import domain_error_response, error_response, json_response
from chalicelib.api.middleware import IDEMPOTENCY_HEADER
from chalicelib.domain.errors import DomainError
from chalicelib.services.ports import Actor

TRANSIENT_4XX = frozenset({408, 409, 425, 429})
_CONFIG = IdempotencyConfig(
    event_key_jmespath="[key, caller, method, path]",
    payload_validation_jmespath="body_mac",
    expires_after_seconds=24 * 3600,
)


@dataclass(frozen=True)
class SealedRoute:
    """How to replay a route whose answer carries sealed content: `reference(answer)` is what the record keeps (ids,
    nothing of the bid); `replay(actor, path_params, body, reference)` answers a retry as the route would now."""

    reference: Callable[[dict], dict]
    replay: Callable[[Actor, dict, bytes, dict], Any]


SEALED_ROUTES: dict[tuple[str, str], SealedRoute] = {}


def sealed_route(method: str, path: str, *, reference: Callable[[dict], dict]) -> Callable:
    """Declare the replay of a sealed route (decorates the replay function)."""

    def decorator(replay: Callable) -> Callable:
        SEALED_ROUTES[(method.upper(), path)] = SealedRoute(reference, replay)
        return replay

    return decorator


def honour(event: Any, get_response: Callable[[Any], Response]) -> Response:
    """Answer a POST that carries an Idempotency-Key (api/middleware.py sends only those here)."""
    key = event.headers[IDEMPOTENCY_HEADER]
    if not 1 <= len(key) <= 255:
        return error_response(400, "InvalidIdempotencyKey", "Idempotency-Key must be 1 to 255 characters.")
    try:
        actor = bootstrap.token_verifier().actor(event.headers.get("authorization"))
    except DomainError:
        return get_response(event)  # the route itself answers 401 (never cached)
    route = (event.method, event.context.get("resourcePath"))
    registry.routes().load(*route)  # a route's module declares whether it is sealed
    sealed = SEALED_ROUTES.get(route)
    request = {
        "key": key,
        "caller": actor.sub,
        "method": event.method,
        "path": event.path,
        "body_mac": body_mac(key, event.raw_body),
    }

    if event.lambda_context is not None:
        _CONFIG.register_lambda_context(event.lambda_context)
    executed: list[Response] = []

    def respond(request: dict) -> dict:
        response = get_response(event)
        executed.append(response)
        if not replayable(response.status_code) or (sealed and not 200 <= response.status_code < 300):
            raise _NotKept(response)
        if sealed:
            return {"status": response.status_code, "reference": sealed.reference(json.loads(response.body))}
        return {"status": response.status_code, "headers": dict(response.headers), "body": response.body}

    try:
        first = idempotent_function(
            data_keyword_argument="request",
            persistence_store=bootstrap.idempotency_store(),
            config=_CONFIG,
        )(respond)(request=request)
    except _NotKept as answered:
        return answered.response
    except IdempotencyValidationError:
        return error_response(
            422,
            "IdempotencyKeyReused",
            "This Idempotency-Key was already used with a different request body; use a new key.",
        )
    except IdempotencyAlreadyInProgressError:
        return error_response(
            409, "RequestInProgress", "A request with this Idempotency-Key is still being processed; retry shortly."
        )
    if executed:
        return executed[0]
    if sealed:
        try:
            answer = sealed.replay(actor, event.uri_params or {}, event.raw_body or b"", first["reference"])
        except DomainError as exc:
            return domain_error_response(exc)
        replayed = json_response(answer, first["status"])
    else:
        replayed = Response(body=first["body"], status_code=first["status"], headers=first["headers"])
    replayed.headers["Idempotent-Replayed"] = "true"
    return replayed


def body_mac(key: str, body: bytes | None) -> str:
    """The body's fingerprint, keyed with the Idempotency-Key: the record cannot be used to test guessed bids."""
    return hmac.new(key.encode(), body or b"", hashlib.sha256).hexdigest()


def replayable(status: int) -> bool:
    """2xx and 4xx a retry would get again; not 5xx or transient 4xx (a conflict may resolve, a limit may lift)."""
    return 200 <= status < 300 or (400 <= status < 500 and status not in TRANSIENT_4XX)


class _NotKept(Exception):
    """Carries an answer out of the idempotent call, which forgets a call that raises."""

    def __init__(self, response: Response):
        super().__init__(response.status_code)
        self.response = response
