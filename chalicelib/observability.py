"""Powertools Logger (JSON, correlation id, Lambda context), Metrics and Tracer, wired into Chalice as middleware.

The correlation id is the API Gateway request id for HTTP calls and the Step Functions execution name
for workflow tasks (the EventBridge event id for the scheduled outbox run), so one search follows a procurement
across the API and its timers. Every line also names the Lambda function, its request id and whether it was a cold
start, as `Logger.inject_lambda_context` would. Middleware wraps the handlers Lambda runs, so AWS and the local stack
(local/lambda_dispatch.py invokes the same handler objects) log alike.
"""

from __future__ import annotations

import functools
import time
import uuid
from typing import Any

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = "ct-procurement"
logger = Logger(service=SERVICE)
metrics = Metrics(namespace="CtProcurement", service=SERVICE)


@functools.cache
def tracer() -> Tracer:
    """Built at the first traced call, not at import: the X-Ray SDK it loads (and the botocore session its sampler
    makes) would add about a third to the cold start of every function (issue #14)."""
    return Tracer(service=SERVICE)


def _request_id(event) -> str:
    """API Gateway's request id; the Lambda request id (or a fresh one) where there is no gateway."""
    return event.context.get("requestId") or getattr(event.lambda_context, "aws_request_id", None) or uuid.uuid4().hex


def correlate(correlation_id: str | None, lambda_context: Any = None) -> None:
    """The correlation id and Lambda context of this thread's log lines: one Lambda runs one request at a time, but
    the local server runs requests in threads, and process-wide keys would give one request's lines another's id."""
    logger.thread_safe_append_keys(correlation_id=correlation_id, **_lambda_context_keys(lambda_context))


_cold_start = True


def _lambda_context_keys(context: Any) -> dict[str, Any]:
    """The keys `Logger.inject_lambda_context` adds; the first invocation of the process is the cold start."""
    global _cold_start
    cold_start, _cold_start = _cold_start, False
    return {
        "cold_start": cold_start,
        "function_name": getattr(context, "function_name", None),
        "function_memory_size": getattr(context, "memory_limit_in_mb", None),
        "function_arn": getattr(context, "invoked_function_arn", None),
        "function_request_id": getattr(context, "aws_request_id", None),
    }


def register(app) -> None:
    """Register before any route or function: Chalice binds middleware when a handler is registered."""

    @app.middleware("http")
    def observe_request(event, get_response):
        request_id = _request_id(event)
        correlate(request_id, event.lambda_context)
        route = event.context.get("resourcePath")
        started = time.perf_counter()
        with tracer().provider.in_subsegment(f"## {event.method} {route}"):
            response = get_response(event)
        elapsed_ms = (time.perf_counter() - started) * 1000
        metrics.add_dimension(name="route", value=f"{event.method} {route}")
        metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=elapsed_ms)
        if response.status_code >= 500:
            metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
        metrics.flush_metrics()
        metrics.clear_metrics()
        logger.info(
            "request handled",
            extra={
                "request_id": request_id,
                "method": event.method,
                "route": route,
                "status": response.status_code,
                "ms": round(elapsed_ms, 1),
            },
        )
        return response


def observe_task(event, get_response):
    """Every task's middleware (chalicelib/tasks: the state machines' tasks, the outbox worker, the audit log's).
    A task's correlation id is its execution's name; a scheduled run's is its EventBridge event id."""
    payload = event.to_dict()
    correlate((payload.get("execution") or payload.get("id")) if isinstance(payload, dict) else None, event.context)
    function = getattr(event.context, "function_name", "task")
    started = time.perf_counter()
    with tracer().provider.in_subsegment(f"## task {function}"):
        try:
            response = get_response(event)
        except Exception as exc:
            logger.info("task raised", extra={"error": type(exc).__name__, "function": function})
            raise
    logger.info("task handled", extra={"function": function, "ms": round((time.perf_counter() - started) * 1000, 1)})
    return response
