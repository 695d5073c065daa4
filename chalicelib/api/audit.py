"""GET /audit?entity=kind:id: the audit trail of one record, for the Bureau of Purchases."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint
from pydantic import BaseModel, Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.types import LocalTime
from chalicelib.api.views import RequestBody
from chalicelib.services import audit
from chalicelib.services.ports import Role

bp = Blueprint(__name__)


class AuditQuery(RequestBody):
    entity: str = Field(min_length=3, description="kind:id, e.g. vendor:V-1a2b3c4d5e6f")


class AuditEntryOut(BaseModel):
    entity: str = Field(description="The record changed, as kind:id.")
    at: LocalTime = Field(description="When the change was committed.")
    actor: str = Field(description="Token subject, or workflow:<execution> for timers.")
    role: str = Field(description="The actor's role: vendor, agency, purchasing, opm, or workflow.")
    org: str = Field(description="The actor's organisation (the token's org claim).")
    action: str = Field(description="What was done, e.g. vendor.registered.")
    before: dict[str, Any] | None = Field(None, description="The record before the change; null when it was created.")
    after: dict[str, Any] | None = Field(None, description="The record after the change; secrets redacted.")


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
