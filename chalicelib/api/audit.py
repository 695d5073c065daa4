"""GET /audit?entity=kind:id or ?actor=sub: the audit trail of one record or of one actor, for the Bureau of Purchases."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint
from pydantic import Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, PageQuery, page_of, page_request
from chalicelib.api.types import LocalTime
from chalicelib.api.views import ApiModel
from chalicelib.services import audit
from chalicelib.services.ports import Role

bp = Blueprint(__name__)


class AuditQuery(PageQuery):
    entity: str | None = Field(None, min_length=3, description="kind:id, e.g. vendor:V-1a2b3c4d5e6f")
    actor: str | None = Field(None, min_length=1, description="A token's sub, or workflow:<execution> for timers.")


class AuditEntryOut(ApiModel):
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
