"""Which audit actions are public events of a contracting process, and the release tag each one gives.

The store indexes the audit entries of these actions in time order, then life-cycle stage (adapters/dynamo.py,
`public_by_time`), so the releases are the audit trail's public transitions: one release per entity version, dated
when the change was made.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

TAGS: dict[str, str] = {
    "plan.approved": "planning",  # OPM-2: an approved plan is public
    "plan_amendment.published": "planningUpdate",  # OPM-6: the amended schedule becomes the public version
    "solicitation.published": "tender",  # the public notice
    "solicitation.addendum_issued": "tenderAmendment",  # R-5o
    "solicitation.opened": "tenderUpdate",  # R-5n: the public opening, with the tabulation
    "solicitation.cancelled": "tenderCancellation",
    "award.made": "award",
    "contract.created": "contract",
    "order.placed": "implementation",
    "invoice.payment_recorded": "implementation",
    "rfp.published": "tender",
    "rfp.addendum_issued": "tenderAmendment",
    "rfp.cancelled": "tenderCancellation",
    "rfp.awarded": "award",  # R-16m: the notice of award is public
}
PUBLIC_ACTIONS = frozenset(TAGS)
# The life cycle of a process: events of one instant (an award made at the opening) are read in this order.
STAGES = (
    "planning",
    "planningUpdate",
    "tender",
    "tenderAmendment",
    "tenderUpdate",
    "tenderCancellation",
    "award",
    "contract",
    "implementation",
)


def is_public(action: str) -> bool:
    return action in PUBLIC_ACTIONS


def stage_of(action: str) -> int:
    """Where a public event stands in its process's life cycle: the tie-break of events of the same instant."""
    return STAGES.index(TAGS[action])


@dataclass(frozen=True)
class Event:
    """One public audit entry: what changed (`kind:id`), how, when, and the record after it (audit view: redacted)."""

    entity: str
    action: str
    at: dt.datetime
    after: dict

    @property
    def kind(self) -> str:
        return self.entity.partition(":")[0]

    @property
    def tag(self) -> str:
        return TAGS[self.action]

    @property
    def release_id(self) -> str:
        """Unique: each entity version has one audit entry."""
        kind, _, entity_id = self.entity.partition(":")
        return f"{kind}-{entity_id}-{self.after['version']}"
