"""Task of the delegation-term state machine: a delegation of direct purchase authority expires at the end of its
term (R-2c)."""

from __future__ import annotations

from chalicelib import bootstrap
from chalicelib.services import delegations
from chalicelib.tasks import TaskBlueprint
from chalicelib.tasks.events import Id, TaskEvent, task

bp = TaskBlueprint(__name__)


class DelegationStep(TaskEvent):
    delegation_id: Id


@task(bp, "delegation_expire", DelegationStep)
def expire(event: DelegationStep, context):
    """At the first instant after the end day: an active delegation expires and its agency is emailed."""
    return delegations.expire_at_term_end(bootstrap.deps(), event.execution, event.delegation_id)
