"""The "needs attention" step every state machine's Task states fall back to (infra/build.py `with_fault_policy`)."""

from __future__ import annotations

from chalicelib import bootstrap
from chalicelib.services import attention
from chalicelib.tasks import TaskBlueprint
from chalicelib.tasks.events import Id, TaskEvent, task

bp = TaskBlueprint(__name__)


class AttentionEvent(TaskEvent):
    process: Id
    state: Id
    task_token: Id
    error: str | None = None  # `$.fault.Error` and `$.fault.Cause` of the failed step's catch
    cause: str | None = None


@task(bp, "attention_raise", AttentionEvent)
def raise_attention(event: AttentionEvent, context):
    record = attention.raise_attention(
        bootstrap.deps(),
        event.process,
        event.execution,
        event.state,
        event.error or "States.TaskFailed",
        event.cause or "",
        event.task_token,
    )
    return {"attention_id": record.id}
