"""Task of the invoice-payment state machine."""

from __future__ import annotations

from chalicelib import bootstrap
from chalicelib.domain.errors import NotFound
from chalicelib.services import invoices
from chalicelib.tasks import TaskBlueprint
from chalicelib.tasks.events import Id, TaskEvent, task

bp = TaskBlueprint(__name__)


class InvoiceStep(TaskEvent):
    invoice_id: Id


@task(bp, "invoice_advance_payment", InvoiceStep, raises=(NotFound,))  # the invoice was removed
def advance_payment(event: InvoiceStep, context):
    return invoices.advance_payment(bootstrap.deps(), event.execution, event.invoice_id)
