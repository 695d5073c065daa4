"""The task of the rfp-negotiation-notice state machine: the written notice of a terminated negotiation (R-16h-l).
A module apart from the opening's, so that each Lambda loads only its own service."""

from __future__ import annotations

from chalicelib import bootstrap
from chalicelib.services import rfp_negotiation_notice
from chalicelib.tasks import TaskBlueprint
from chalicelib.tasks.events import Id, TaskEvent, task

bp = TaskBlueprint(__name__)


class NegotiationStep(TaskEvent):
    negotiation_id: Id  # `<rfp>#<n>`


@task(bp, "rfp_negotiation_notice", NegotiationStep)
def negotiation_notice(event: NegotiationStep, context):
    """At the start of the notice period's last day: the written notice, unless purchasing sent it (R-16k)."""
    return rfp_negotiation_notice.notice_timer(bootstrap.deps(), event.execution, event.negotiation_id)
