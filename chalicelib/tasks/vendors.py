"""Tasks of the vendor-onboarding state machine."""

from __future__ import annotations

from chalicelib import bootstrap
from chalicelib.domain.vendors import AlreadyConfirmed
from chalicelib.services import vendors
from chalicelib.tasks import TaskBlueprint
from chalicelib.tasks.events import Id, TaskEvent, task

bp = TaskBlueprint(__name__)


class VendorStep(TaskEvent):
    vendor_id: Id


class VendorWait(VendorStep):
    task_token: Id


@task(bp, "vendor_request_confirmation", VendorWait)
def request_confirmation(event: VendorWait, context):
    vendors.request_confirmation(bootstrap.deps(), event.execution, event.vendor_id, event.task_token)
    return {"vendor_id": event.vendor_id}


@task(bp, "vendor_send_reminder", VendorStep, raises=(AlreadyConfirmed,))
def send_reminder(event: VendorStep, context):
    return vendors.send_confirmation_reminder(bootstrap.deps(), event.execution, event.vendor_id)
