"""The task of the rfp-opening state machine: the proposals opened once two purchasing officials confirmed (R-16c)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.services import proposals
from chalicelib.tasks.events import RfpStep, task

bp = Blueprint(__name__)


@task(bp, "rfp_open_proposals", RfpStep)
def open_proposals(event: RfpStep, context):
    """One of the functions whose role may call kms:Decrypt (infra/build.py DECRYPTING_FUNCTIONS)."""
    return proposals.open_proposals(bootstrap.deps(), bootstrap.sealer(), event.execution, event.rfp_id)
