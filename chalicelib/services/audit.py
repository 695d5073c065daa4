"""Who did what, when: the audit trail purchasing reads, of one record or of one actor."""

from __future__ import annotations

from chalicelib.domain.errors import ValidationFailed
from chalicelib.services.ports import Actor, AuditEntry, Deps, Listing, PageRequest, Role, require_role


def audit_trail(
    deps: Deps, actor: Actor, page: PageRequest, *, entity: str | None = None, by: str | None = None
) -> Listing[AuditEntry]:
    """Every change (and audited read) of the record `entity` (`kind:id`), or everything the actor `by` (a token's
    `sub`, or `workflow:<execution>`) did, oldest first: one Query of the trail's table or of its by_actor index."""
    require_role(actor, Role.PURCHASING)
    if (entity is None) == (by is None):
        raise ValidationFailed(
            "Name the record (entity=kind:id) or the actor (actor=sub) whose trail to read, not both.",
            details=[{"field": "entity", "problem": "give entity or actor"}],
        )
    if entity is not None and ":" not in entity:
        raise ValidationFailed(
            "entity must be written kind:id, for example vendor:V-1a2b.",
            details=[{"field": "entity", "problem": "expected kind:id"}],
        )
    return deps.store.audit_page(entity=entity, actor=by, after=page.after, limit=page.limit)
