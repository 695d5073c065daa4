"""Who did what, when: the audit trail purchasing reads."""

from __future__ import annotations

from chalicelib.domain.errors import ValidationFailed
from chalicelib.services.ports import Actor, AuditEntry, Deps, Role, require_role


def audit_trail(deps: Deps, actor: Actor, entity: str) -> list[AuditEntry]:
    require_role(actor, Role.PURCHASING)
    if ":" not in entity:
        raise ValidationFailed(
            "entity must be written kind:id, for example vendor:V-1a2b.",
            details=[{"field": "entity", "problem": "expected kind:id"}],
        )
    return deps.store.audit_trail(entity)
