"""Tasks of the award-acceptance state machine: notice of award (R-9g), surety (R-9h), next bidder, contract (R-9a)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.services import awards

bp = Blueprint(__name__)


@bp.lambda_function(name="award_offer")
def offer(event, context):
    awards.offer(bootstrap.deps(), event["execution"], event["award_id"], event["task_token"])
    return {"award_id": event["award_id"]}


@bp.lambda_function(name="award_request_surety")
def request_surety(event, context):
    awards.request_surety(bootstrap.deps(), event["execution"], event["award_id"], event["task_token"])
    return {"award_id": event["award_id"]}


@bp.lambda_function(name="award_move_on")
def move_on(event, context):
    return awards.move_on(bootstrap.deps(), event["execution"], event["award_id"], event["outcome"])


@bp.lambda_function(name="award_make_contract")
def make_contract(event, context):
    return awards.make_contract(bootstrap.deps(), event["execution"], event["award_id"])


@bp.lambda_function(name="award_exhausted")
def exhausted(event, context):
    return awards.exhausted(bootstrap.deps(), event["execution"], event["award_id"])
