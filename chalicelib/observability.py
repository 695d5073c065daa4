"""Powertools Logger (JSON, correlation id), Metrics and Tracer, wired into Chalice as middleware.

The correlation id is the API Gateway request id for HTTP calls and the Step Functions execution name
for workflow tasks, so one search follows a procurement across the API and its timers.
"""

from __future__ import annotations

import time

from aws_lambda_powertools import Logger, Metrics, Tracer
from aws_lambda_powertools.metrics import MetricUnit

SERVICE = "ct-procurement"
logger = Logger(service=SERVICE)
metrics = Metrics(namespace="CtProcurement", service=SERVICE)
tracer = Tracer(service=SERVICE)


def register(app) -> None:
    """Register before any route or function: Chalice binds middleware when a handler is registered."""

    @app.middleware("http")
    def observe_request(event, get_response):
        logger.set_correlation_id(event.context.get("requestId"))
        logger.append_keys(method=event.method, route=event.context.get("resourcePath"))
        started = time.perf_counter()
        with tracer.provider.in_subsegment(f"## {event.method} {event.context.get('resourcePath')}"):
            response = get_response(event)
        elapsed_ms = (time.perf_counter() - started) * 1000
        metrics.add_dimension(name="route", value=f"{event.method} {event.context.get('resourcePath')}")
        metrics.add_metric(name="Requests", unit=MetricUnit.Count, value=1)
        metrics.add_metric(name="Latency", unit=MetricUnit.Milliseconds, value=elapsed_ms)
        if response.status_code >= 500:
            metrics.add_metric(name="ServerErrors", unit=MetricUnit.Count, value=1)
        metrics.flush_metrics()
        metrics.clear_metrics()
        logger.info("request handled", extra={"status": response.status_code, "ms": round(elapsed_ms, 1)})
        logger.remove_keys(["method", "route"])
        return response

    @app.middleware("pure_lambda")
    def observe_task(event, get_response):
        payload = event.to_dict() if hasattr(event, "to_dict") else {}
        logger.set_correlation_id(payload.get("execution") if isinstance(payload, dict) else None)
        function = getattr(event.context, "function_name", "task")
        with tracer.provider.in_subsegment(f"## task {function}"):
            try:
                return get_response(event)
            except Exception as exc:
                logger.info("task raised", extra={"error": type(exc).__name__, "function": function})
                raise
