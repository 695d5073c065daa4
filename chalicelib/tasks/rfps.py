"""The tasks of the rfp-opening and rfp-bafo state machines: the proposals opened once two purchasing officials
confirmed (R-16c) and each round's best and final offers at their common date and time (R-17c)."""

from __future__ import annotations

from chalicelib import bootstrap
from chalicelib.services import proposals
from chalicelib.tasks import TaskBlueprint
from chalicelib.tasks.events import RfpOpeningStep, task

bp = TaskBlueprint(__name__)


@task(bp, "rfp_open_proposals", RfpOpeningStep)
def open_proposals(event: RfpOpeningStep, context):
    """One of the functions whose role may call kms:Decrypt (infra/build.py DECRYPTING_FUNCTIONS)."""
    return proposals.open_proposals(bootstrap.deps(), bootstrap.sealer(), event.execution, event.rfp_id, event.bafo_round)
