"""What services need from the outside world. Adapters implement these; tests pass fakes."""

from __future__ import annotations

import datetime as dt
import enum
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Iterator, Optional, Protocol, Sequence, TypeVar, Union

from chalicelib.domain.errors import Forbidden, NotFound, RecordChanged

T = TypeVar("T")


class Role(str, enum.Enum):
    VENDOR = "vendor"
    AGENCY = "agency"
    PURCHASING = "purchasing"
    OPM = "opm"
    SYSTEM = "system"  # workflow tasks acting on a timer's authority


@dataclass(frozen=True)
class Actor:
    """Who does something: the token's `sub`, `role` and `org` (agency code, vendor org, ...)."""

    sub: str
    role: Role
    org: str

    @classmethod
    def system(cls, execution: str) -> "Actor":
        return cls(sub=f"workflow:{execution}", role=Role.SYSTEM, org="system")


@dataclass(frozen=True)
class Change:
    """One entity written by a command; `before` is None for a new one. Audited with `action`."""

    action: str
    after: Any
    before: Any = None


@dataclass(frozen=True)
class Guard:
    """A unique key claimed (or, with `release`, freed) in the same transaction as the changes beside it.

    `commit` writes the key only if no record holds it, so "one vendor per organisation" holds by construction,
    not by a read before the write; when another holds it the commit fails with AlreadyTaken naming the holder.
    A release frees the key only if `holder` has it. Keys read `what-is-unique#value`, e.g. `vendor-org#acme`.
    """

    key: str
    holder: str
    release: bool = False


@dataclass(frozen=True)
class AuditEntry:
    entity: str
    at: dt.datetime
    actor: str
    role: str
    org: str
    action: str
    before: Optional[dict]
    after: Optional[dict]


@dataclass(frozen=True)
class Email:
    to: tuple[str, ...]
    subject: str
    text: str


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class Ids(Protocol):
    def new(self, prefix: str) -> str: ...

    def secret(self, digits: int) -> str: ...

    def salt(self) -> bytes:
        """32 random bytes (a bid commitment's salt, R-5b)."""
        ...


class Store(Protocol):
    def get(self, cls: type[T], entity_id: str) -> Optional[T]: ...

    def find(self, cls: type[T], index: str, key: str, **options) -> list[T]: ...

    def iterate(
        self, cls: type[T], index: str, key: str, *, sk_begins_with: Optional[str] = None,
        sk_between: Optional[tuple[str, str]] = None, newest_first: bool = False, limit: Optional[int] = None,
    ) -> Iterator[T]:
        """Entities of one index partition in sort-key order, read page by page (never a Scan)."""

    def commit(self, actor: Actor, at: dt.datetime, changes: Sequence[Union[Change, Guard]]) -> list[Any]:
        """Write every change with its audit record, and every guard, atomically; return the stored entities.

        Fails, storing nothing, with RecordChanged when a record changed since it was read, AlreadyTaken
        when a guard is held, TooLarge past a storage limit, TemporarilyUnavailable when throttled."""

    def audit_trail(self, entity: str) -> list[AuditEntry]: ...

    def record_access(self, actor: Actor, at: dt.datetime, entities: Sequence[str], action: str) -> None:
        """Audit-only: `actor` read these records (`kind:id`) at `at`. The trail shows who saw what and when;
        no entity changes, and the record holds no before or after."""

    def claim(self, key: str, at: dt.datetime) -> bool:
        """Record that a once-only effect (an email, a workflow start) happened; False if it already had."""

    def release(self, key: str) -> None: ...


class Notifier(Protocol):
    def send(self, email: Email) -> None: ...


class Workflows(Protocol):
    def start(self, process: str, name: str, payload: dict) -> None: ...

    def resume(self, token: str, output: dict) -> bool:
        """Answer a waiting task; False if the task is no longer waiting (timed out or finished)."""

    def fail(self, token: str, error: str, cause: str) -> bool: ...


@dataclass(frozen=True)
class Mailboxes:
    """Shared addresses that receive notices; configured per deployment."""

    opm_reviewers: str = "opm-reviewers@example.gov"
    purchasing: str = "purchasing@example.gov"  # the Bureau of Purchases: where a person must act


@dataclass
class Deps:
    store: Store
    clock: Clock
    ids: Ids
    notifier: Notifier
    workflows: Workflows
    mailboxes: Mailboxes = field(default_factory=Mailboxes)

    def load(self, cls: type[T], entity_id: str) -> T:
        """The entity or NotFound; for tasks and for checks made after the caller is authorised."""
        entity = self.store.get(cls, entity_id)
        if entity is None:
            noun = re.sub(r"(?<!^)(?=[A-Z])", " ", cls.__name__).lower()
            raise NotFound(f"No {noun} {entity_id}.")
        return entity

    def send_once(self, key: str, email: Email) -> bool:
        """Send an email at most once per key, so a retried task never mails twice."""
        if not self.store.claim(f"email#{key}", self.clock.now()):
            return False
        try:
            self.notifier.send(email)
        except Exception:
            self.store.release(f"email#{key}")
            raise
        return True


def retry_on_conflict(attempt: Callable[[], T], *, attempts: int = 3) -> T:
    """Run a read-decide-write `attempt` again when a concurrent write made what it read stale.

    Each attempt reads afresh and decides again, so a refusal that still holds is raised as the rule's own error;
    only after `attempts` stale commits does the caller get RecordChanged (409, retry)."""
    for number in range(1, attempts + 1):
        try:
            return attempt()
        except RecordChanged:
            if number == attempts:
                raise


def require_role(actor: Actor, *roles: Role) -> None:
    if actor.role not in roles:
        allowed = " or ".join(r.value for r in roles)
        raise Forbidden(f"Only {allowed} may do this; the caller is {actor.role.value}.")


def entity_ref(kind: str, entity_id: str) -> str:
    return f"{kind}:{entity_id}"

