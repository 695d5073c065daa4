"""Tasks of the invitation-to-bid state machine: notice (R-4), the opening time as addenda set it (R-5o), opening and
tabulation (R-5b, R-5n), award period (R-8c)."""

from __future__ import annotations

from chalicelib import bootstrap
from chalicelib.domain.solicitations import SolicitationCancelled
from chalicelib.services import bids, solicitations
from chalicelib.tasks import TaskBlueprint
from chalicelib.tasks.events import Count, Id, TaskEvent, task

bp = TaskBlueprint(__name__)


class SolicitationStep(TaskEvent):
    solicitation_id: Id


class SolicitationWait(SolicitationStep):
    task_token: Id


class TabulationStep(SolicitationStep):
    after: str = ""  # the last bidder emailed; empty before the first batch


class OpeningStep(TabulationStep):
    opened: Count = 0  # bids opened by the earlier batches


@task(bp, "itb_give_notice", SolicitationStep)
def give_notice(event: SolicitationStep, context):
    return solicitations.give_notice(bootstrap.deps(), event.execution, event.solicitation_id)


@task(bp, "itb_open_bids", OpeningStep, raises=(SolicitationCancelled,))
def open_bids(event: OpeningStep, context):
    """The only function whose role may call kms:Decrypt (infra/build.py DECRYPTING_FUNCTIONS)."""
    return bids.open_bids(
        bootstrap.deps(),
        bootstrap.sealer(),
        event.execution,
        event.solicitation_id,
        after=event.after,
        opened=event.opened,
        time_left=context.get_remaining_time_in_millis,
    )


@task(bp, "itb_email_tabulation", TabulationStep)
def email_tabulation(event: TabulationStep, context):
    return bids.email_tabulation(
        bootstrap.deps(),
        event.execution,
        event.solicitation_id,
        after=event.after,
        time_left=context.get_remaining_time_in_millis,
    )


@task(bp, "itb_await_award", SolicitationWait)
def await_award(event: SolicitationWait, context):
    solicitations.await_award(bootstrap.deps(), event.execution, event.solicitation_id, event.task_token)
    return {"solicitation_id": event.solicitation_id}


@task(bp, "itb_award_period_ended", SolicitationStep)
def award_period_ended(event: SolicitationStep, context):
    return solicitations.award_period_ended(bootstrap.deps(), event.execution, event.solicitation_id)


@task(bp, "itb_opening_schedule", SolicitationStep)
def opening_schedule(event: SolicitationStep, context):
    return solicitations.opening_schedule(bootstrap.deps(), event.solicitation_id)
