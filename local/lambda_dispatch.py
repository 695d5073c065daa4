"""Run the Chalice app's Lambda functions in-process when moto's Step Functions interpreter invokes them.

moto has no hook for this, so we replace `LambdaSimpleBackend.invoke`. An exception becomes an
"Unhandled" function error whose `errorType` is the exception's class name: ASL `Catch`/`Retry` then see
exactly the error names they see on AWS.
"""

from __future__ import annotations

import importlib
import inspect
import json
import threading
import traceback
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from local.virtual_time import HookPointMissing

_EXPECTED_INVOKE = ["self", "function_name", "qualifier", "body", "headers", "response_headers"]


@dataclass
class LambdaContext:
    """The attributes of AWS's context object that our handlers and Powertools read."""

    function_name: str
    invoked_function_arn: str
    memory_limit_in_mb: int = 256
    function_version: str = "$LATEST"
    aws_request_id: str = field(default_factory=lambda: str(uuid.uuid4()))
    log_group_name: str = "/aws/lambda/local"
    log_stream_name: str = "local"

    def get_remaining_time_in_millis(self) -> int:
        return 900_000


class FunctionRegistry:
    """Bare function name (deployed or short) -> handler(event, context).

    Invocations run one at a time: timers due at the same instant fire in parallel interpreter threads, and
    moto's in-memory DynamoDB is not safe for concurrent transactions (AWS is; moto is only local).
    """

    def __init__(self):
        self._handlers: dict[str, Callable[[Any, Any], Any]] = {}
        self._one_at_a_time = threading.RLock()

    def register(self, name: str, handler: Callable[[Any, Any], Any]) -> None:
        self._handlers[name] = handler

    def register_chalice_app(self, app, stage: str) -> None:
        """Dispatch to what Lambda runs: the object the function's handler string names (middleware included)."""
        for fn in [*app.pure_lambda_functions, *app.event_sources]:
            module, _, attr = fn.handler_string.rpartition(".")
            handler = getattr(importlib.import_module(module), attr)
            self.register(f"{app.app_name}-{stage}-{fn.name}", handler)
            self.register(fn.name, handler)

    def resolve(self, function_name: str) -> Callable[[Any, Any], Any]:
        bare = function_name.split(":function:")[-1].split(":")[0]
        try:
            return self._handlers[bare]
        except KeyError:
            raise LookupError(f"no in-process handler for Lambda function {bare!r}") from None

    def invoke(self, function_name: str, body: Any, response_headers: dict) -> bytes:
        payload = body.decode() if isinstance(body, bytes) else body
        event = json.loads(payload) if payload else {}
        bare = function_name.split(":function:")[-1].split(":")[0]
        context = LambdaContext(function_name=bare, invoked_function_arn=function_name)
        try:
            with self._one_at_a_time:
                result = self.resolve(function_name)(event, context)
        except Exception as exc:  # noqa: BLE001 - every error must reach the state machine
            response_headers["x-amz-function-error"] = "Unhandled"
            return json.dumps(
                {
                    "errorType": type(exc).__name__,
                    "errorMessage": str(exc),
                    "stackTrace": traceback.format_exception(exc),
                }
            ).encode()
        return json.dumps(result, default=str).encode()


_original_invoke = None


def install(registry: FunctionRegistry) -> None:
    """Send every moto Lambda invoke to `registry`. Raises HookPointMissing if moto moved."""
    global _original_invoke
    try:
        from moto.awslambda_simple.models import LambdaSimpleBackend
    except ImportError as exc:  # pragma: no cover - only when moto moves
        raise HookPointMissing(f"moto.awslambda_simple is gone: {exc}") from exc
    params = list(inspect.signature(LambdaSimpleBackend.invoke).parameters)
    if params != _EXPECTED_INVOKE:
        raise HookPointMissing(f"LambdaSimpleBackend.invoke signature changed: {params}")

    def invoke(self, function_name, qualifier, body, headers, response_headers):
        return registry.invoke(function_name, body, response_headers)

    if _original_invoke is None:
        _original_invoke = LambdaSimpleBackend.invoke
    LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]


def uninstall() -> None:
    global _original_invoke
    if _original_invoke is not None:
        from moto.awslambda_simple.models import LambdaSimpleBackend

        LambdaSimpleBackend.invoke = _original_invoke  # type: ignore[method-assign]
        _original_invoke = None
