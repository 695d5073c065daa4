"""Tasks of the award-acceptance state machine: the notice that forms the contract (R-9a, R-9g), a conditional
award's acceptance (R-8c), the surety timer (R-9h) and the alerts to purchasing."""

from __future__ import annotations

from chalicelib import bootstrap
from chalicelib.services import awards
from chalicelib.tasks import TaskBlueprint
from chalicelib.tasks.events import Id, Ordinal, TaskEvent, task

bp = TaskBlueprint(__name__)


class AwardShareStep(TaskEvent):
    award_id: Id
    share: Ordinal  # the share's number, from 1


class AwardShareWait(AwardShareStep):
    task_token: Id


@task(bp, "award_notice", AwardShareStep)
def notice(event: AwardShareStep, context):
    return awards.notice(bootstrap.deps(), event.execution, event.award_id, event.share)


@task(bp, "award_await_acceptance", AwardShareWait, raises=(awards.ENDED,))
def await_acceptance(event: AwardShareWait, context):
    awards.await_acceptance(bootstrap.deps(), event.execution, event.award_id, event.share, event.task_token)
    return {"award_id": event.award_id}


@task(bp, "award_lapsed", AwardShareStep)
def lapsed(event: AwardShareStep, context):
    return awards.lapsed(bootstrap.deps(), event.execution, event.award_id, event.share)


@task(bp, "award_await_surety", AwardShareWait, raises=(awards.ENDED,))
def await_surety(event: AwardShareWait, context):
    awards.await_surety(bootstrap.deps(), event.execution, event.award_id, event.share, event.task_token)
    return {"award_id": event.award_id}


@task(bp, "award_surety_lapsed", AwardShareStep)
def surety_lapsed(event: AwardShareStep, context):
    return awards.surety_lapsed(bootstrap.deps(), event.execution, event.award_id, event.share)
