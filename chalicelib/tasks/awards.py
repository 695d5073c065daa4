"""Tasks of the award-acceptance state machine: the notice that forms the contract (R-9a, R-9g), a conditional
award's acceptance (R-8c), the surety timer (R-9h) and the alerts to purchasing."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.services import awards

bp = Blueprint(__name__)


@bp.lambda_function(name="award_notice")
def notice(event, context):
    return awards.notice(bootstrap.deps(), event["execution"], event["award_id"], event["share"])


@bp.lambda_function(name="award_await_acceptance")
def await_acceptance(event, context):
    awards.await_acceptance(bootstrap.deps(), event["execution"], event["award_id"], event["share"], event["task_token"])
    return {"award_id": event["award_id"]}


@bp.lambda_function(name="award_lapsed")
def lapsed(event, context):
    return awards.lapsed(bootstrap.deps(), event["execution"], event["award_id"], event["share"])


@bp.lambda_function(name="award_await_surety")
def await_surety(event, context):
    awards.await_surety(bootstrap.deps(), event["execution"], event["award_id"], event["share"], event["task_token"])
    return {"award_id": event["award_id"]}


@bp.lambda_function(name="award_surety_lapsed")
def surety_lapsed(event, context):
    return awards.surety_lapsed(bootstrap.deps(), event["execution"], event["award_id"], event["share"])
