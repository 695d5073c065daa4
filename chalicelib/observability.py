"""Powertools Logger (JSON, correlation id), Metrics and Tracer, wired into Chalice as middleware.

The correlation id is the API Gateway request id for HTTP calls and the Step Functions execution name
for workflow tasks, so one search follows a procurement across the API and its timers.
"""

from __future__ import annotations

import time
import uuid

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = "ct-procurement"
logger = Logger(service=SERVICE)
metrics = Metrics(namespace="CtProcurement", service=SERVICE)
tracer = Tracer(service=SERVICE)


def _request_id(event) -> str:
    """API Gateway's request id; the Lambda request id (or a fresh one) where there is no gateway."""
    return event.context.get("requestId") or getattr(event.lambda_context, "aws_request_id", None) or uuid.uuid4().hex


def correlate(correlation_id: str | None) -> None:
    """The correlation id of this thread's log lines: one Lambda runs one request at a time, but the local server runs
    requests in threads, and a process-wide key would give one request's lines another's id."""
    logger.thread_safe_append_keys(correlation_id=correlation_id)


def register(app) -> None:
    """Register before any route or function: Chalice binds middleware when a handler is registered."""

    @app.middleware("http")
    def observe_request(event, get_response):
        request_id = _request_id(event)
        correlate(request_id)
        route = event.context.get("resourcePath")
        started = time.perf_counter()
        with tracer.provider.in_subsegment(f"## {event.method} {route}"):
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

    @app.middleware("pure_lambda")
    def observe_task(event, get_response):
        payload = event.to_dict() if hasattr(event, "to_dict") else {}
        correlate(payload.get("execution") if isinstance(payload, dict) else None)
        function = getattr(event.context, "function_name", "task")
        with tracer.provider.in_subsegment(f"## task {function}"):
            try:
                return get_response(event)
            except Exception as exc:
                logger.info("task raised", extra={"error": type(exc).__name__, "function": function})
                raise
