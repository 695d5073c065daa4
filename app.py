"""Chalice app: middleware first (Chalice binds it when handlers register), then blueprints. No logic."""

from chalice import Chalice

from chalicelib import observability
from chalicelib.api import (
    attention,
    audit,
    awards,
    bids,
    board,
    contracts,
    delegations,
    emergencies,
    feed,
    framework,
    history,
    idempotency,
    invoices,
    meta,
    ocds,
    orders,
    plans,
    requisitions,
    rfp_discussions,
    rfp_evaluation,
    rfp_negotiations,
    rfps,
    sole_source,
    solicitations,
    surplus,
    vendors,
    warehouse,
)
from chalicelib.tasks import attention as attention_tasks
from chalicelib.tasks import audit_log as audit_log_tasks
from chalicelib.tasks import awards as award_tasks
from chalicelib.tasks import contracts as contract_tasks
from chalicelib.tasks import delegations as delegation_tasks
from chalicelib.tasks import deliveries as delivery_tasks
from chalicelib.tasks import outbox as outbox_tasks
from chalicelib.tasks import payments as payment_tasks
from chalicelib.tasks import plans as plan_tasks
from chalicelib.tasks import requisitions as requisition_tasks
from chalicelib.tasks import rfps as rfp_tasks
from chalicelib.tasks import solicitations as solicitation_tasks
from chalicelib.tasks import vendors as vendor_tasks

app = Chalice(app_name="ct-procurement")
observability.register(app)
framework.register_cors(app)  # outside idempotency: replayed answers get the headers too
idempotency.register(app)
framework.register_error_shape(app)  # inside idempotency: a kept answer already has the one error shape

BLUEPRINTS = (
    meta.bp,
    outbox_tasks.bp,  # emails written with the changes that cause them, delivered with retries
    audit.bp,
    audit_log_tasks.bp,  # the Merkle log of the audit and its daily signed checkpoint
    feed.bp,  # the public change feed
    history.bp,  # the public history of each public record
    attention.bp,
    attention_tasks.bp,  # workflow steps that failed after their retries
    vendors.bp,
    vendor_tasks.bp,  # vendor registration
    solicitations.bp,
    bids.bp,
    awards.bp,
    contracts.bp,
    solicitation_tasks.bp,
    award_tasks.bp,  # invitation to bid (R-4 to R-9h)
    rfps.bp,
    rfp_evaluation.bp,  # the evaluation of proposals, classification and shortlist (R-16a, R-16g, R-18c)
    rfp_discussions.bp,  # discussions and best and final offers (R-17b, R-17c)
    rfp_negotiations.bp,  # negotiation and award (R-16d, R-16h-l, R-16m-o)
    rfp_tasks.bp,  # requests for proposals
    orders.bp,
    invoices.bp,
    contract_tasks.bp,
    delivery_tasks.bp,
    payment_tasks.bp,  # contract performance
    plans.bp,
    plan_tasks.bp,  # OPM procurement plans (OPM-1 to OPM-7)
    delegations.bp,
    delegation_tasks.bp,  # direct purchase authority
    surplus.bp,  # surplus property
    warehouse.bp,  # the central warehouse
    sole_source.bp,  # sole source procurement
    ocds.bp,  # open data in OCDS 1.1.5 (issue #13)
    emergencies.bp,  # emergency purchases
    requisitions.bp,
    requisition_tasks.bp,  # purchase requisitions and pre-itemized forms
    board.bp,  # the public pages, their CSV downloads and the openings calendar (R-4, R-5n, R-15, R-16m, R-20, OPM-2)
)
for blueprint in BLUEPRINTS:
    app.register_blueprint(blueprint)
