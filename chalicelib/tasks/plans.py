"""Tasks of the plan-amendment state machine (OPM-5 to OPM-7)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.services import plans

bp = Blueprint(__name__)


@bp.lambda_function(name="plan_review_timers")
def review_timers(event, context):
    return plans.review_timers(bootstrap.deps(), event["amendment_id"])


@bp.lambda_function(name="plan_await_decision")
def await_decision(event, context):
    plans.await_decision(bootstrap.deps(), event["execution"], event["amendment_id"], event["task_token"])
    return {"amendment_id": event["amendment_id"]}


@bp.lambda_function(name="plan_remind_opm")
def remind_opm(event, context):
    return plans.remind_opm(bootstrap.deps(), event["execution"], event["amendment_id"])


@bp.lambda_function(name="plan_escalate_review")
def escalate_review(event, context):
    return plans.escalate_review(bootstrap.deps(), event["execution"], event["amendment_id"])


@bp.lambda_function(name="plan_notify_decision")
def notify_decision(event, context):
    return plans.notify_decision(bootstrap.deps(), event["execution"], event["amendment_id"])


@bp.lambda_function(name="plan_await_publication")
def await_publication(event, context):
    plans.await_publication(bootstrap.deps(), event["execution"], event["amendment_id"], event["task_token"])
    return {"amendment_id": event["amendment_id"]}


@bp.lambda_function(name="plan_notify_contractors")
def notify_contractors(event, context):
    return plans.notify_contractors(bootstrap.deps(), event["execution"], event["amendment_id"])
