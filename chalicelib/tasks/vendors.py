"""Tasks of the vendor-onboarding state machine."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.services import vendors

bp = Blueprint(__name__)


@bp.lambda_function(name="vendor_request_confirmation")
def request_confirmation(event, context):
    vendors.request_confirmation(bootstrap.deps(), event["execution"], event["vendor_id"], event["task_token"])
    return {"vendor_id": event["vendor_id"]}


@bp.lambda_function(name="vendor_send_reminder")
def send_reminder(event, context):
    return vendors.send_confirmation_reminder(bootstrap.deps(), event["execution"], event["vendor_id"])
