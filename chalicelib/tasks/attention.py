"""The "needs attention" step every state machine's Task states fall back to (infra/build.py `with_fault_policy`)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.services import attention

bp = Blueprint(__name__)


@bp.lambda_function(name="attention_raise")
def raise_attention(event, context):
    record = attention.raise_attention(
        bootstrap.deps(),
        event["process"],
        event["execution"],
        event["state"],
        event.get("error") or "States.TaskFailed",
        event.get("cause") or "",
        event["task_token"],
    )
    return {"attention_id": record.id}
