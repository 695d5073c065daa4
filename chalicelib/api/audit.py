"""GET /audit?entity=kind:id: the audit trail of one record, for the Bureau of Purchases."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint
from pydantic import BaseModel, ConfigDict, Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.views import LocalTime
from chalicelib.services import audit
from chalicelib.services.ports import Role

bp = Blueprint(__name__)


class AuditQuery(BaseModel):
    model_config = ConfigDict(extra="forbid")
    entity: str = Field(min_length=3, description="kind:id, e.g. vendor:V-1a2b3c4d5e6f")


class AuditEntryOut(BaseModel):
    entity: str
    at: LocalTime
    actor: str = Field(description="Token subject, or workflow:<execution> for timers.")
    role: str
    org: str
    action: str
    before: dict[str, Any] | None = None
    after: dict[str, Any] | None = None


class AuditTrail(BaseModel):
    items: list[AuditEntryOut]


@operation(
    bp,
    "GET",
    "/audit",
    summary="Read the audit trail of a record",
    tag="audit",
    roles={Role.PURCHASING},
    query=AuditQuery,
    response=AuditTrail,
)
def audit_trail(call: Call):
    """Every state change of the record, oldest first: who, when, what, before and after."""
    entries = audit.audit_trail(call.deps, call.actor, call.query.entity)
    return AuditTrail(items=[AuditEntryOut.model_validate(e, from_attributes=True) for e in entries])
