"""Tasks of the plan-amendment state machine (OPM-5 to OPM-7)."""

from __future__ import annotations

from typing import Literal

from chalicelib import bootstrap
from chalicelib.services import plans
from chalicelib.tasks import TaskBlueprint
from chalicelib.tasks.events import Id, TaskEvent, task

bp = TaskBlueprint(__name__)


class AmendmentStep(TaskEvent):
    amendment_id: Id


class AmendmentWait(AmendmentStep):
    task_token: Id


class OpmNoticeStep(AmendmentStep):
    notice: Literal["reminder", "escalation"]  # OPM-5: two business days before the due date, or once it passed


@task(bp, "plan_review_timers", AmendmentStep)
def review_timers(event: AmendmentStep, context):
    return plans.review_timers(bootstrap.deps(), event.amendment_id)


@task(bp, "plan_await_decision", AmendmentWait)
def await_decision(event: AmendmentWait, context):
    plans.await_decision(bootstrap.deps(), event.execution, event.amendment_id, event.task_token)
    return {"amendment_id": event.amendment_id}


@task(bp, "plan_notify_opm", OpmNoticeStep)
def notify_opm(event: OpmNoticeStep, context):
    """OPM-5: the reminder two business days before the review is due, or the escalation once it is overdue; the
    step names which."""
    notify = plans.remind_opm if event.notice == "reminder" else plans.escalate_review
    return notify(bootstrap.deps(), event.execution, event.amendment_id)


@task(bp, "plan_notify_decision", AmendmentStep)
def notify_decision(event: AmendmentStep, context):
    return plans.notify_decision(bootstrap.deps(), event.execution, event.amendment_id)


@task(bp, "plan_await_publication", AmendmentWait)
def await_publication(event: AmendmentWait, context):
    plans.await_publication(bootstrap.deps(), event.execution, event.amendment_id, event.task_token)
    return {"amendment_id": event.amendment_id}


@task(bp, "plan_notify_contractors", AmendmentStep)
def notify_contractors(event: AmendmentStep, context):
    return plans.notify_contractors(bootstrap.deps(), event.execution, event.amendment_id)
