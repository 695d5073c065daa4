"""Task of the contract-term state machine."""

from __future__ import annotations

import datetime as dt

from chalicelib import bootstrap
from chalicelib.services import performance_changes
from chalicelib.tasks import TaskBlueprint
from chalicelib.tasks.events import Id, TaskEvent, task

bp = TaskBlueprint(__name__)


class ContractTermStep(TaskEvent):
    contract_id: Id
    term_end: dt.date


@task(bp, "contract_report_term_end", ContractTermStep)
def report_term_end(event: ContractTermStep, context):
    return performance_changes.report_term_end(bootstrap.deps(), event.execution, event.contract_id, event.term_end)
