"""What services need from the outside world. Adapters implement these; tests pass fakes."""

from __future__ import annotations

import datetime as dt
import enum
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Protocol, TypeVar
from urllib.parse import quote

from chalicelib.domain import outbox
from chalicelib.domain.errors import Forbidden, NotFound, RecordChanged
from chalicelib.domain.outbox import Audience

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
    def system(cls, execution: str) -> Actor:
        return cls(sub=f"workflow:{execution}", role=Role.SYSTEM, org="system")


@dataclass(frozen=True, kw_only=True)
class Change:
    """One entity written by a command; `before` is None for a new one. Audited with `action`. Keyword-only: `after`
    and `before` are records of one type, and swapped positions would still type-check."""

    action: str
    after: Any
    before: Any = None


@dataclass(frozen=True)
class Guard:
    """A unique key claimed (or, with `release`, freed) in the same transaction as the changes beside it.

    `commit` writes the key only if no record holds it, so "one vendor per organisation" holds by construction,
    not by a read before the write; when another holds it the commit fails with AlreadyTaken naming the holder.
    A release frees the key only if `holder` has it; `handed_over_by` moves it from that holder to `holder` (a bid
    replacing the bidder's live bid), and fails with AlreadyTaken if another holds it by then. Keys read
    `what-is-unique#value`, e.g. `vendor-org#acme`.
    """

    key: str
    holder: str
    release: bool = False
    handed_over_by: str | None = None  # the holder giving the key to `holder` in this transaction (a replacement)


@dataclass(frozen=True)
class Unchanged:
    """A condition-only item: the commit stores nothing unless `entity` is still at the version read, so a decision
    taken on a record (a bid before its solicitation's opening) holds at the instant it is written, not only when read.
    Fails with RecordChanged like a stale Change."""

    entity: Any


@dataclass(frozen=True)
class Member:
    """An id added to a collection in the same transaction as the changes beside it (`bids-of#<solicitation>`).

    `store.members` lists a collection with a strongly consistent read of the base table, where a secondary index on
    AWS may still lack a write just acknowledged: what was committed before the listing is in it."""

    collection: str
    member: str


@dataclass(frozen=True)
class Email:
    """A message in two parts, the same facts as plain text and as HTML (chalicelib/emails renders both)."""

    to: tuple[str, ...]
    subject: str
    text: str
    html: str = ""


@dataclass(frozen=True)
class Send:
    """In a commit: the email `key` names, written to the outbox with the changes beside it (domain/outbox.py).

    The same key written again (a retried task) is the same message: it is delivered once."""

    key: str
    email: Email


@dataclass(frozen=True)
class Broadcast:
    """In a commit: one email to every address of `audience` (and of the email's own `to`), expanded and delivered
    by the outbox worker page by page, never by the request or task that writes it."""

    key: str
    audience: Audience
    email: Email  # its `to` is the extra addresses, mailed with the audience


Write = Change | Guard | Unchanged | Member | Send | Broadcast


def queued(write: Send | Broadcast, at: dt.datetime) -> outbox.Message:
    """The outbox message a Send or Broadcast writes (both stores write it the same way)."""
    email = write.email
    if isinstance(write, Send):
        return outbox.new_message(write.key, email.to, email.subject, email.text, at, html=email.html, first_try=True)
    return outbox.new_broadcast(write.key, write.audience, email.subject, email.text, email.to, at, html=email.html)


@dataclass(frozen=True)
class AuditEntry:
    entity: str
    at: dt.datetime
    actor: str
    role: str
    org: str
    action: str
    before: dict | None
    after: dict | None


@dataclass(frozen=True)
class PageRequest:
    """Which page of a list to read: at most `limit` items after the store position `after` ("": the first page)."""

    limit: int = 50
    after: str = ""


FIRST_PAGE = PageRequest()


@dataclass(frozen=True)
class LogHead:
    """The Merkle log's size and the journal position up to which it holds every entry; version guards appends."""

    size: int
    position: str
    version: int


@dataclass(frozen=True)
class LogLeaf:
    """One leaf of the Merkle log: the audit entry's hash, and where the entry is (its entity and sort key)."""

    hash: str
    entity: str
    seq: str


@dataclass(frozen=True)
class Checkpoint:
    """A signed statement of the log: its size and root hash at a time, signed with the KMS key `key_id`."""

    tree_size: int
    root_hash: str
    time: str  # ISO 8601 UTC, as signed
    signature: str  # base64 DER ECDSA over domain.audit_log.checkpoint_message
    key_id: str
    algorithm: str = "ECDSA_SHA_256"


FEED = "feed"  # the stream of public changes (services/feed.py)
JOURNAL = (
    "journal"  # the stream of every commit's audit entries in commit order, which the Merkle log appends (services/audit_log.py)
)


@dataclass(frozen=True)
class Listing(Generic[T]):
    """One page of a list and the store position after its last item; `next` is None after the last page."""

    items: list[T]
    next: str | None = None


class Clock(Protocol):
    def now(self) -> dt.datetime: ...


class Ids(Protocol):
    def new(self, prefix: str) -> str: ...

    def secret(self, digits: int) -> str: ...

    def salt(self) -> bytes:
        """32 random bytes (a bid commitment's salt, R-5b)."""
        ...


class Store(Protocol):
    def get(self, cls: type[T], entity_id: str) -> T | None: ...

    def get_many(self, cls: type[T], entity_ids: Sequence[str]) -> list[T]:
        """The entities that exist among `entity_ids` (strongly consistent, in batches), in no particular order."""

    def iterate(
        self,
        cls: type[T],
        index: str,
        key: str,
        *,
        sk_begins_with: str | None = None,
        sk_between: tuple[str, str] | None = None,
        newest_first: bool = False,
        limit: int | None = None,
    ) -> Iterator[T]:
        """Entities of one index partition in sort-key order, read page by page (never a Scan)."""

    def page(
        self,
        cls: type[T],
        index: str,
        key: str,
        *,
        after: str = "",
        limit: int,
        sk_begins_with: str | None = None,
        sk_between: tuple[str, str] | None = None,
        newest_first: bool = False,
        where: Callable[[T], bool] | None = None,
    ) -> Listing[T]:
        """One Query of an index partition: at most `limit` entities after the position `after` (the DynamoDB key of
        the previous page's last item, as the store wrote it in `next`). `where` keeps only matching entities, read
        like a filter expression (for a condition no key holds); `next` is None when nothing follows."""

    def audit_page(
        self, *, entity: str | None = None, actor: str | None = None, after: str = "", limit: int
    ) -> Listing[AuditEntry]:
        """One Query of the audit trail of a record (`kind:id`) or of everything an actor (`sub`) did, oldest first."""

    def public_audit_page(self, *, since: dt.datetime | None = None, after: str = "", limit: int) -> Listing[AuditEntry]:
        """One Query of the entries of public events (chalicelib/ocds/events.PUBLIC_ACTIONS) at or after `since`,
        oldest first."""

    def commit(self, actor: Actor, at: dt.datetime, changes: Sequence[Write]) -> list[Any]:
        """Write every change with its audit record, every guard, member and outbox message, atomically; return the
        stored entities of the changes.

        Fails, storing nothing, with RecordChanged when a record (changed or Unchanged) changed since it was read,
        AlreadyTaken when a guard is held by another, TooLarge past a storage limit, TemporarilyUnavailable when
        throttled. A message whose key is already in the outbox is left as it is (written once, delivered once)."""

    def stream_page(self, stream: str, *, after: str, before: dt.datetime, limit: int) -> Listing[dict]:
        """At most `limit` items of a time-ordered stream (the public feed, the journal of audit entries) after the
        position `after` and committed before `before`, oldest first, each with its `position`; `next` is the last
        one's position when the page is full."""

    def log_head(self) -> LogHead:
        """The Merkle log's head (size 0, position "" before the first append), read strongly consistently."""

    def append_log(self, head: LogHead, leaves: Sequence[LogLeaf], position: str) -> LogHead:
        """Append leaves after `head` and move it to `position`, atomically; RecordChanged if the head moved."""

    def log_leaves(self, size: int) -> list[LogLeaf]:
        """The first `size` leaves of the log, in order."""

    def save_checkpoint(self, checkpoint: Checkpoint) -> bool:
        """Store the day's checkpoint; False when that day's is already stored."""

    def checkpoints_page(self, *, after: str = "", limit: int) -> Listing[Checkpoint]:
        """Signed checkpoints, oldest first."""

    def holder(self, key: str) -> str | None:
        """Who holds a guard's key now (a strongly consistent read); None when it is free."""

    def members(self, collection: str, *, after: str = "", limit: int | None = None) -> Iterator[str]:
        """The ids of a collection in id order after `after`, read strongly consistently, page by page."""

    def audit_trail(self, entity: str) -> list[AuditEntry]: ...

    def record_access(self, actor: Actor, at: dt.datetime, entities: Sequence[str], action: str) -> None:
        """Audit-only: `actor` read these records (`kind:id`) at `at`. The trail shows who saw what and when;
        no entity changes, and the record holds no before or after."""


class Signer(Protocol):
    key_id: str

    def sign(self, message: bytes) -> bytes:
        """An ECDSA P-256 SHA-256 signature (DER) of the message."""


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
    agencies: str = "procurement.{agency}@example.gov"  # each agency's procurement mailbox, by agency code
    comptroller: str = "comptroller@example.gov"  # the State Comptroller, copied on orders under a delegation (R-2e)

    def agency(self, code: str) -> str:
        """The procurement mailbox of agency `code` (awards and contracts name the agency, not a person)."""
        return self.agencies.format(agency=code.lower())


@dataclass(frozen=True)
class Portal:
    """The portal's pages, which emails link to instead of describing API calls; one base URL per deployment."""

    base_url: str = "http://127.0.0.1:8000/portal"

    def page(self, *path: str) -> str:
        """The page of a record: `page("awards", "AW-1")` is `<base>/awards/AW-1`."""
        return "/".join([self.base_url.rstrip("/"), *(quote(part, safe="") for part in path)])


@dataclass
class Deps:
    store: Store
    clock: Clock
    ids: Ids
    notifier: Notifier
    workflows: Workflows
    mailboxes: Mailboxes = field(default_factory=Mailboxes)
    portal: Portal = field(default_factory=Portal)

    def load(self, cls: type[T], entity_id: str) -> T:
        """The entity or NotFound; for tasks and for checks made after the caller is authorised."""
        entity = self.store.get(cls, entity_id)
        if entity is None:
            noun = re.sub(r"(?<!^)(?=[A-Z])", " ", cls.__name__).lower()
            raise NotFound(f"No {noun} {entity_id}.")
        return entity

    def held(self, cls: type[T], key: str) -> T | None:
        """The entity a guard's key is held by (a bidder's live bid, a proposer's live proposal), None when free."""
        holder = self.store.holder(key)
        return None if holder is None else self.load(cls, holder)

    def members_of(self, cls: type[T], collection: str, *, after: str = "") -> Iterator[T]:
        """The entities of a collection in id order after `after`, each read strongly consistently: a reader sees every
        member written before it, where an index on AWS may still lag (the openings and the award, R-5b, R-16c)."""
        for entity_id in self.store.members(collection, after=after):
            yield self.load(cls, entity_id)

    def commit(self, actor: Actor, at: dt.datetime, changes: Sequence[Write]) -> list[Any]:
        """`store.commit`, then a first try at delivering the emails it wrote: one that fails is retried by the
        outbox worker, and the caller never sees the failure (the change is stored either way)."""
        stored = self.store.commit(actor, at, changes)
        keys = [c.key for c in changes if isinstance(c, Send)]
        if keys:
            from chalicelib.services import outbox

            outbox.first_try(self, keys)
        return stored

    def send_all(self, actor: Actor, emails: Sequence[Send]) -> None:
        """Emails a task writes in a batch, caused by no one change: in transactions of at most 100 items."""
        for start in range(0, len(emails), 100):
            self.commit(actor, self.clock.now(), emails[start : start + 100])


def retry_on_conflict(attempt: Callable[[], T], *, attempts: int = 3) -> T:
    """Run a read-decide-write `attempt` again when a concurrent write made what it read stale.

    Each attempt reads afresh and decides again, so a refusal that still holds is raised as the rule's own error;
    only after `attempts` stale commits does the caller get RecordChanged (409, retry)."""
    for _ in range(attempts - 1):
        try:
            return attempt()
        except RecordChanged:
            pass
    return attempt()


def require_role(actor: Actor, *roles: Role) -> None:
    if actor.role not in roles:
        allowed = " or ".join(r.value for r in roles)
        raise Forbidden(f"Only {allowed} may do this; the caller is {actor.role.value}.")


def entity_ref(kind: str, entity_id: str) -> str:
    return f"{kind}:{entity_id}"
