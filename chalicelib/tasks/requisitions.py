"""Tasks of the requisition-return state machine (R-3): a pre-itemized requisition's reminder and overdue notice."""

from __future__ import annotations

from typing import Literal

from chalicelib import bootstrap
from chalicelib.services import requisitions
from chalicelib.tasks import TaskBlueprint
from chalicelib.tasks.events import Id, TaskEvent, task

bp = TaskBlueprint(__name__)


class RequisitionNoticeStep(TaskEvent):
    requisition_id: Id
    notice: Literal["reminder", "overdue"]  # three days before the return due date, or once it passed


@task(bp, "requisition_return_notice", RequisitionNoticeStep)
def return_notice(event: RequisitionNoticeStep, context):
    """The reminder three days before the return due date, or the overdue notice once it passed; the step names which."""
    notify = requisitions.remind_agency if event.notice == "reminder" else requisitions.notice_overdue
    return notify(bootstrap.deps(), event.execution, event.requisition_id)
