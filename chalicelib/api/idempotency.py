"""`Idempotency-Key` on POSTs: a retried request gets the first answer (Powertools idempotency, DynamoDB).

The key is scoped to the caller and the path; reusing a key with a different body is refused. Only answers
that a retry would get again are kept: 2xx and deterministic 4xx. A 5xx, a 409 conflict, a 408 or a 429 is
answered once and forgotten (Powertools forgets a call that raises), so the retry runs again.
"""

from __future__ import annotations

import hashlib

from aws_lambda_powertools.utilities.idempotency import IdempotencyConfig, idempotent_function
from aws_lambda_powertools.utilities.idempotency.exceptions import (
    IdempotencyAlreadyInProgressError,
    IdempotencyValidationError,
)
from chalice import Response

from chalicelib import bootstrap
from chalicelib.api.framework import error_response
from chalicelib.domain.errors import DomainError

HEADER = "idempotency-key"
TRANSIENT_4XX = frozenset({408, 409, 425, 429})
_CONFIG = IdempotencyConfig(
    event_key_jmespath="[key, caller, method, path]",
    payload_validation_jmespath="body_sha256",
    expires_after_seconds=24 * 3600,
)


def register(app) -> None:
    @app.middleware("http")
    def honour_idempotency_key(event, get_response):
        key = event.headers.get(HEADER)
        if event.method != "POST" or key is None:
            return get_response(event)
        if not 1 <= len(key) <= 255:
            return error_response(400, "InvalidIdempotencyKey", "Idempotency-Key must be 1 to 255 characters.")
        try:
            caller = bootstrap.token_verifier().actor(event.headers.get("authorization")).sub
        except DomainError:
            return get_response(event)  # the route itself answers 401 (never cached)
        request = {
            "key": key, "caller": caller, "method": event.method, "path": event.path,
            "body_sha256": hashlib.sha256(event.raw_body or b"").hexdigest(),
        }

        if event.lambda_context is not None:
            _CONFIG.register_lambda_context(event.lambda_context)
        executed = []

        def respond(request: dict) -> dict:
            executed.append(True)
            response = get_response(event)
            if not replayable(response.status_code):
                raise _NotKept(response)
            return {"status": response.status_code, "headers": dict(response.headers), "body": response.body}

        try:
            first = idempotent_function(
                data_keyword_argument="request", persistence_store=bootstrap.idempotency_store(), config=_CONFIG,
            )(respond)(request=request)
        except _NotKept as answered:
            return answered.response
        except IdempotencyValidationError:
            return error_response(
                422, "IdempotencyKeyReused",
                "This Idempotency-Key was already used with a different request body; use a new key.",
            )
        except IdempotencyAlreadyInProgressError:
            return error_response(409, "RequestInProgress", "A request with this Idempotency-Key is still being processed; retry shortly.")
        headers = first["headers"] if executed else {**first["headers"], "Idempotent-Replayed": "true"}
        return Response(body=first["body"], status_code=first["status"], headers=headers)


def replayable(status: int) -> bool:
    """2xx and 4xx a retry would get again; not 5xx or transient 4xx (a conflict may resolve, a limit may lift)."""
    return 200 <= status < 300 or (400 <= status < 500 and status not in TRANSIENT_4XX)


class _NotKept(Exception):
    """Carries an answer out of the idempotent call, which forgets a call that raises."""

    def __init__(self, response: Response):
        super().__init__(response.status_code)
        self.response = response
