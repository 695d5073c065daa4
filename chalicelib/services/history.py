"""The public history of a public record (issue #13): who changed it (role and organisation, never a person's
address), what (only the fields its public route shows) and when, from its audit trail, from the change that made it
public on. Changes made while it was a draft, and records of reads, are not shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.errors import NotFound
from chalicelib.domain.plans import Plan, PlanStatus
from chalicelib.domain.rfps import Rfp, RfpStatus
from chalicelib.domain.solicitations import Solicitation, SolicitationStatus
from chalicelib.services.ports import Deps, entity_ref

# kind -> (its record, whether a stored status is public): the kinds the public sees one by one
PUBLIC_KINDS: dict[str, tuple[type, Callable[[Any], bool]]] = {
    "solicitation": (Solicitation, lambda status: status not in (None, SolicitationStatus.DRAFT.value)),
    "rfp": (Rfp, lambda status: status not in (None, RfpStatus.DRAFT.value)),
    "plan": (Plan, lambda status: status == PlanStatus.APPROVED.value),
}


@dataclass(frozen=True)
class HistoryEntry:
    at: dt.datetime
    action: str
    role: str
    org: str
    changes: tuple[tuple[str, Any, Any], ...]  # (field, before, after) of the public fields it changed


def public_history(deps: Deps, kind: str, record_id: str, fields: Iterable[str]) -> list[HistoryEntry]:
    """Oldest first; `fields` are the public route's (the API's public model): nothing else of a change is shown."""
    if kind not in PUBLIC_KINDS:
        raise NotFound(f"No public record kind {kind!r}; one of {sorted(PUBLIC_KINDS)}.")
    cls, public = PUBLIC_KINDS[kind]
    record = deps.store.get(cls, record_id)
    if record is None or not record.is_public:
        raise NotFound(f"No public {kind} {record_id}.")
    shown = sorted(set(fields))
    entries = []
    for entry in deps.store.audit_trail(entity_ref(kind, record_id)):
        if entry.after is None or not public(entry.after.get("status")):
            continue  # a read, or a change while it was not public
        before = entry.before if entry.before and public(entry.before.get("status")) else {}
        changes = tuple(
            (name, before.get(name), entry.after.get(name))
            for name in shown
            if name in entry.after and before.get(name) != entry.after.get(name)
        )
        entries.append(HistoryEntry(entry.at, entry.action, entry.role, entry.org, changes))
    return entries
