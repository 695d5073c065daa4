"""Task of the rejected-goods state machine."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.services import orders

bp = Blueprint(__name__)


@bp.lambda_function(name="delivery_abandon_rejected_goods")
def abandon_rejected_goods(event, context):
    return orders.abandon_rejected_goods(bootstrap.deps(), event["execution"], event["delivery_id"])
