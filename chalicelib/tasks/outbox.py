"""The outbox worker (services/outbox.py): every minute it sends what is due and expands broadcasts page by page.

One instance at a time (reserved concurrency 1 in .chalice/config.json): a run that outlasts the minute is not
doubled by the next; the next one continues where it stopped."""

from __future__ import annotations

from chalice import Rate

from chalicelib import bootstrap
from chalicelib.services import outbox
from chalicelib.tasks import TaskBlueprint

bp = TaskBlueprint(__name__)


@bp.schedule(Rate(1, unit=Rate.MINUTES), name="outbox_deliver", description="Send due emails; expand broadcasts")
def deliver(event):
    return outbox.deliver_due(bootstrap.deps(), time_left=event.context.get_remaining_time_in_millis)
