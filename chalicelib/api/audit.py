"""GET /audit?entity=kind:id or ?actor=sub: the audit trail of one record or of one actor, for the Bureau of Purchases."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, PageQuery, page_of, page_request
from chalicelib.api.types import LocalTime
from chalicelib.services import audit
from chalicelib.services.ports import Role

bp = Blueprint(__name__)


class AuditQuery(PageQuery):
    entity: str | None = Field(None, min_length=3, description="kind:id, e.g. vendor:V-1a2b3c4d5e6f")
    actor: str | None = Field(None, min_length=1, description="A token's sub, or workflow:<execution> for timers.")


class AuditEntryOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "entity": "award:AW-2aa9df5ca586",
                    "at": "2026-04-16T10:00:00-04:00",
                    "actor": "workflow:award-AW-2aa9df5ca586-1",
                    "role": "system",
                    "org": "system",
                    "action": "award.acceptance_awaited",
                    "before": {
                        "id": "AW-2aa9df5ca586",
                        "solicitation_id": "ITB-9e6f19c9527b",
                        "agency": "DAS",
                        "scope": "all",
                        "candidates": [
                            {
                                "bid_id": "BID-b1868df64be1",
                                "vendor_id": "V-ccb6650e496c",
                                "vendor_org": "acme",
                                "bidder_name": "Acme Office Supply LLC",
                                "bidder_email": "bids@acme.example",
                                "evaluated_price": "3600.00",
                                "amount": "3600.00",
                                "line_ids": ["1", "2"],
                                "received_at": "2026-03-02T14:00:00Z",
                                "cash_discount_percent": None,
                                "cash_discount_days": None,
                                "acceptance_period_days": None,
                                "alternate": None,
                                "quantities": ["100", "20"],
                                "unit_prices": ["30.00", "30.00"],
                            }
                        ],
                        "created_at": "2026-04-16T14:00:00Z",
                        "surety_percent": "10",
                        "notes": [],
                        "responsibility": [],
                        "shares": [
                            {
                                "number": 1,
                                "candidate": {
                                    "bid_id": "BID-b1868df64be1",
                                    "vendor_id": "V-ccb6650e496c",
                                    "vendor_org": "acme",
                                    "bidder_name": "Acme Office Supply LLC",
                                    "bidder_email": "bids@acme.example",
                                    "evaluated_price": "3600.00",
                                    "amount": "3600.00",
                                    "line_ids": ["1", "2"],
                                    "received_at": "2026-03-02T14:00:00Z",
                                    "cash_discount_percent": None,
                                    "cash_discount_days": None,
                                    "acceptance_period_days": None,
                                    "alternate": None,
                                    "quantities": ["100", "20"],
                                    "unit_prices": ["30.00", "30.00"],
                                },
                                "lines": [{"line_id": "1", "quantity": "100"}, {"line_id": "2", "quantity": "20"}],
                                "conditional": True,
                                "created_at": "2026-04-16T14:00:00Z",
                                "responsibility": "no adverse finding of responsibility (R-18)",
                                "status": "conditional",
                                "noticed_at": "2026-04-16T14:00:00Z",
                                "accepted_at": None,
                                "acceptance_token": None,
                                "contract_id": None,
                                "surety_requested_at": None,
                                "surety_token": None,
                                "surety": None,
                                "refused_at": None,
                                "refusal_reason": None,
                            }
                        ],
                        "outcomes": [],
                        "corrections": [],
                        "version": 2,
                    },
                    "after": {
                        "id": "AW-2aa9df5ca586",
                        "solicitation_id": "ITB-9e6f19c9527b",
                        "agency": "DAS",
                        "scope": "all",
                        "candidates": [
                            {
                                "bid_id": "BID-b1868df64be1",
                                "vendor_id": "V-ccb6650e496c",
                                "vendor_org": "acme",
                                "bidder_name": "Acme Office Supply LLC",
                                "bidder_email": "bids@acme.example",
                                "evaluated_price": "3600.00",
                                "amount": "3600.00",
                                "line_ids": ["1", "2"],
                                "received_at": "2026-03-02T14:00:00Z",
                                "cash_discount_percent": None,
                                "cash_discount_days": None,
                                "acceptance_period_days": None,
                                "alternate": None,
                                "quantities": ["100", "20"],
                                "unit_prices": ["30.00", "30.00"],
                            }
                        ],
                        "created_at": "2026-04-16T14:00:00Z",
                        "surety_percent": "10",
                        "notes": [],
                        "responsibility": [],
                        "shares": [
                            {
                                "number": 1,
                                "candidate": {
                                    "bid_id": "BID-b1868df64be1",
                                    "vendor_id": "V-ccb6650e496c",
                                    "vendor_org": "acme",
                                    "bidder_name": "Acme Office Supply LLC",
                                    "bidder_email": "bids@acme.example",
                                    "evaluated_price": "3600.00",
                                    "amount": "3600.00",
                                    "line_ids": ["1", "2"],
                                    "received_at": "2026-03-02T14:00:00Z",
                                    "cash_discount_percent": None,
                                    "cash_discount_days": None,
                                    "acceptance_period_days": None,
                                    "alternate": None,
                                    "quantities": ["100", "20"],
                                    "unit_prices": ["30.00", "30.00"],
                                },
                                "lines": [{"line_id": "1", "quantity": "100"}, {"line_id": "2", "quantity": "20"}],
                                "conditional": True,
                                "created_at": "2026-04-16T14:00:00Z",
                                "responsibility": "no adverse finding of responsibility (R-18)",
                                "status": "conditional",
                                "noticed_at": "2026-04-16T14:00:00Z",
                                "accepted_at": None,
                                "acceptance_token": "24c3b95d-949a-4d07-ac40-bbad983d9b9b",
                                "contract_id": None,
                                "surety_requested_at": None,
                                "surety_token": None,
                                "surety": None,
                                "refused_at": None,
                                "refusal_reason": None,
                            }
                        ],
                        "outcomes": [],
                        "corrections": [],
                        "version": 3,
                    },
                }
            ]
        }
    )
    entity: str = Field(description="The record changed, as kind:id.")
    at: LocalTime = Field(description="When the change was committed.")
    actor: str = Field(description="Token subject, or workflow:<execution> for timers.")
    role: str = Field(description="The actor's role: vendor, agency, purchasing, opm, or workflow.")
    org: str = Field(description="The actor's organisation (the token's org claim).")
    action: str = Field(description="What was done, e.g. vendor.registered.")
    before: dict[str, Any] | None = Field(None, description="The record before the change; null when it was created.")
    after: dict[str, Any] | None = Field(None, description="The record after the change; secrets redacted.")


@operation(
    bp,
    "GET",
    "/audit",
    summary="Read the audit trail of a record or an actor",
    tag="audit",
    roles={Role.PURCHASING},
    query=AuditQuery,
    response=Page[AuditEntryOut],
)
def audit_trail(call: Call):
    """Every state change of the record (`entity`), or everything one actor did (`actor`), oldest first: who, when,
    what, before and after."""
    q = call.query
    entries = audit.audit_trail(call.deps, call.actor, page_request(call), entity=q.entity, by=q.actor)
    return page_of(call, entries, lambda e: AuditEntryOut.model_validate(e, from_attributes=True))
