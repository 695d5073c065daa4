"""Task of the invoice-payment state machine."""

from __future__ import annotations

from chalice import Blueprint

from chalicelib import bootstrap
from chalicelib.services import invoices

bp = Blueprint(__name__)


@bp.lambda_function(name="invoice_advance_payment")
def advance_payment(event, context):
    return invoices.advance_payment(bootstrap.deps(), event["execution"], event["invoice_id"])
