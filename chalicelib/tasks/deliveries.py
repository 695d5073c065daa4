"""Task of the rejected-goods state machine."""

from __future__ import annotations

from chalicelib import bootstrap
from chalicelib.services import orders
from chalicelib.tasks import TaskBlueprint
from chalicelib.tasks.events import Id, TaskEvent, task

bp = TaskBlueprint(__name__)


class DeliveryStep(TaskEvent):
    delivery_id: Id


@task(bp, "delivery_abandon_rejected_goods", DeliveryStep)
def abandon_rejected_goods(event: DeliveryStep, context):
    return orders.abandon_rejected_goods(bootstrap.deps(), event.execution, event.delivery_id)
