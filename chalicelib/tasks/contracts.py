"""Task of the contract-term state machine."""

from __future__ import annotations

import datetime as dt

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.services import performance_changes

bp = Blueprint(__name__)


@bp.lambda_function(name="contract_report_term_end")
def report_term_end(event, context):
    return performance_changes.report_term_end(
        bootstrap.deps(), event["execution"], event["contract_id"], dt.date.fromisoformat(event["term_end"])
    )
