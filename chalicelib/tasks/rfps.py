"""The tasks of the requests for proposals: the rfp-opening and rfp-bafo state machines', the proposals opened once
two purchasing officials confirmed (R-16c) and each round's best and final offers at their common date and time
(R-17c); the rfp-negotiation-notice state machine's, the written notice of a terminated negotiation (R-16h-l)."""

from __future__ import annotations

from chalicelib import bootstrap
from chalicelib.services import proposals, rfp_negotiations
from chalicelib.tasks import TaskBlueprint
from chalicelib.tasks.events import NegotiationStep, RfpOpeningStep, task

bp = TaskBlueprint(__name__)


@task(bp, "rfp_open_proposals", RfpOpeningStep)
def open_proposals(event: RfpOpeningStep, context):
    """One of the functions whose role may call kms:Decrypt (infra/build.py DECRYPTING_FUNCTIONS)."""
    return proposals.open_proposals(bootstrap.deps(), bootstrap.sealer(), event.execution, event.rfp_id, event.bafo_round)


@task(bp, "rfp_negotiation_notice", NegotiationStep)
def negotiation_notice(event: NegotiationStep, context):
    """At the start of the notice period's last day: the written notice, unless purchasing sent it (R-16k)."""
    return rfp_negotiations.notice_timer(bootstrap.deps(), event.execution, event.negotiation_id)
