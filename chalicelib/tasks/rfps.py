"""The tasks of the rfp-opening and rfp-bafo state machines: the proposals opened once two purchasing officials
confirmed (R-16c) and each round's best and final offers at their common date and time (R-17c)."""

from __future__ import annotations

from chalicelib import bootstrap
from chalicelib.services import proposal_opening
from chalicelib.tasks import TaskBlueprint
from chalicelib.tasks.events import Count, Id, TaskEvent, task

bp = TaskBlueprint(__name__)


class RfpStep(TaskEvent):
    rfp_id: Id


class RfpOpeningStep(RfpStep):
    bafo_round: Count = 0  # the round of best and final offers to open (R-17c); 0: the proposals


@task(bp, "rfp_open_proposals", RfpOpeningStep)
def open_proposals(event: RfpOpeningStep, context):
    """One of the functions whose role may call kms:Decrypt (infra/build.py DECRYPTING_FUNCTIONS)."""
    return proposal_opening.open_proposals(bootstrap.deps(), bootstrap.sealer(), event.execution, event.rfp_id, event.bafo_round)
