"""Tasks of the invitation-to-bid state machine: notice (R-4), the opening time as addenda set it (R-5o), opening and
tabulation (R-5b, R-5n), award period (R-8c)."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.services import bids, solicitations

bp = Blueprint(__name__)


@bp.lambda_function(name="itb_give_notice")
def give_notice(event, context):
    return solicitations.give_notice(bootstrap.deps(), event["execution"], event["solicitation_id"])


@bp.lambda_function(name="itb_open_bids")
def open_bids(event, context):
    """The only function whose role may call kms:Decrypt (infra/build.py DECRYPTING_FUNCTIONS)."""
    return bids.open_bids(
        bootstrap.deps(),
        bootstrap.sealer(),
        event["execution"],
        event["solicitation_id"],
        after=event.get("after") or "",
        opened=event.get("opened") or 0,
        time_left=context.get_remaining_time_in_millis,
    )


@bp.lambda_function(name="itb_email_tabulation")
def email_tabulation(event, context):
    return bids.email_tabulation(
        bootstrap.deps(),
        event["execution"],
        event["solicitation_id"],
        after=event.get("after") or "",
        time_left=context.get_remaining_time_in_millis,
    )


@bp.lambda_function(name="itb_await_award")
def await_award(event, context):
    solicitations.await_award(bootstrap.deps(), event["execution"], event["solicitation_id"], event["task_token"])
    return {"solicitation_id": event["solicitation_id"]}


@bp.lambda_function(name="itb_award_period_ended")
def award_period_ended(event, context):
    return solicitations.award_period_ended(bootstrap.deps(), event["execution"], event["solicitation_id"])


@bp.lambda_function(name="itb_opening_schedule")
def opening_schedule(event, context):
    return solicitations.opening_schedule(bootstrap.deps(), event["solicitation_id"])
