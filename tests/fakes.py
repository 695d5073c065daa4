"""In-memory implementations of the service ports, for unit tests of services (no moto, no sockets)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import itertools
import json
from collections.abc import Sequence
from typing import Any

from chalicelib.adapters.dynamo import stream_key, stream_time
from chalicelib.adapters.entities import entity_type, entity_type_of
from chalicelib.domain.errors import AlreadyTaken, RecordChanged
from chalicelib.ocds import events as ocds_events
from chalicelib.services.ports import (
    FEED,
    Actor,
    AuditEntry,
    Broadcast,
    Change,
    Checkpoint,
    Deps,
    Email,
    Guard,
    Listing,
    LogHead,
    LogLeaf,
    Member,
    Send,
    Unchanged,
    Write,
    entity_ref,
    queued,
)


class FakeClock:
    def __init__(self, now: dt.datetime):
        self._now = now

    def now(self) -> dt.datetime:
        return self._now

    def advance(self, **kwargs) -> dt.datetime:
        self._now += dt.timedelta(**kwargs)
        return self._now

    def set(self, instant: dt.datetime) -> None:
        self._now = instant


class SequentialIds:
    def __init__(self):
        self._n = itertools.count(1)

    def new(self, prefix: str) -> str:
        return f"{prefix}-{next(self._n):04d}"

    def secret(self, digits: int) -> str:
        return "1" * digits

    def salt(self) -> bytes:
        self._salts = getattr(self, "_salts", 0) + 1
        return self._salts.to_bytes(32, "big")


class InMemoryStore:
    """Same semantics as DynamoStore: versions checked on commit, audit written with each change."""

    def __init__(self):
        self.items: dict[tuple[str, str], Any] = {}
        self.audit: list[AuditEntry] = []
        self.guards: dict[str, str] = {}  # key -> holder
        self.collections: dict[str, set[str]] = {}
        self.streams: dict[str, dict[str, dict]] = {}  # stream -> position -> item (the public feed)
        self.log: list[LogLeaf] = []  # the audit's Merkle log
        self._log_head = LogHead(size=0, position="", version=0)
        self.checkpoints: dict[str, Checkpoint] = {}  # by UTC day
        self._index_view: dict | None = None  # what the secondary indexes show while they lag

    def freeze_indexes(self) -> None:
        """From now on `iterate` shows the items as they are now, as a lagging GSI on AWS may; `get` and `members`
        stay strongly consistent."""
        self._index_view = dict(self.items)

    def get(self, cls, entity_id: str):
        return self.items.get((entity_type(cls).kind, entity_id))

    def get_many(self, cls, entity_ids):
        return [e for e in (self.get(cls, i) for i in entity_ids) if e is not None]

    def iterate(self, cls, index, key, *, sk_begins_with=None, sk_between=None, newest_first=False, limit=None):
        return iter([e for _, e in self._partition(cls, index, key, sk_begins_with, sk_between, newest_first)][:limit])

    def page(
        self,
        cls,
        index: str,
        key: str,
        *,
        after: str = "",
        limit: int,
        sk_begins_with=None,
        sk_between=None,
        newest_first=False,
        where=None,
    ) -> Listing:
        """As DynamoStore.page: the position is the item's table and index key, which orders the partition."""
        found = self._partition(cls, index, key, sk_begins_with, sk_between, newest_first)
        if after:
            start = _position_order(json.loads(after))
            found = [(k, e) for k, e in found if (k > start if not newest_first else k < start)]
        kept = [(k, e) for k, e in found if where is None or where(e)]
        more = len(kept) > limit
        kept = kept[:limit]
        return Listing([e for _, e in kept], json.dumps({"sk": kept[-1][0][0], "pk": kept[-1][0][1]}) if more else None)

    def _partition(self, cls, index, key, sk_begins_with, sk_between, newest_first) -> list[tuple[tuple[str, str], Any]]:
        """(sort key, table key) and entity of each entity in the index partition, in the index's order."""
        et = entity_type(cls)
        et.partition(index, key)  # unknown index -> LookupError, as in DynamoStore
        found = []
        for (kind, entity_id), entity in (self.items if self._index_view is None else self._index_view).items():
            if kind != et.kind:
                continue
            keys = et.keys(entity).get(index)
            if keys is None or keys[0] != key:
                continue
            sk = keys[1]
            if sk_begins_with is not None and not sk.startswith(sk_begins_with):
                continue
            if sk_between is not None and not (sk_between[0] <= sk <= sk_between[1]):
                continue
            found.append(((sk, f"{kind}#{entity_id}"), entity))
        found.sort(key=lambda pair: pair[0], reverse=newest_first)
        return found

    def audit_page(self, *, entity: str | None = None, actor: str | None = None, after: str = "", limit: int) -> Listing:
        if (entity is None) == (actor is None):
            raise ValueError("page the audit trail of one entity or of one actor")
        start = json.loads(after)["n"] if after else -1
        found = [(n, a) for n, a in enumerate(self.audit) if n > start and (a.entity == entity or a.actor == actor)]
        more = len(found) > limit
        found = found[:limit]
        return Listing([a for _, a in found], json.dumps({"n": found[-1][0]}) if more else None)

    def public_audit_page(self, *, since: dt.datetime | None = None, after: str = "", limit: int) -> Listing:
        """As the public_by_time index: public events by time, then life-cycle stage, then commit order."""
        public = sorted(
            ((a.at, ocds_events.stage_of(a.action), n), a)
            for n, a in enumerate(self.audit)
            if ocds_events.is_public(a.action) and (since is None or a.at >= since)
        )
        start = tuple(json.loads(after)["key"]) if after else None
        found = [(key, a) for key, a in public if start is None or (key[0].isoformat(), *key[1:]) > start]
        more = len(found) > limit
        found = found[:limit]
        last = found[-1][0] if found else None
        return Listing([a for _, a in found], json.dumps({"key": [last[0].isoformat(), *last[1:]]}) if more and last else None)

    def commit(self, actor: Actor, at: dt.datetime, changes: Sequence[Write]) -> list[Any]:
        guards = [c for c in changes if isinstance(c, Guard)]
        messages = [queued(c, at) for c in changes if isinstance(c, (Send, Broadcast))]
        for guard in guards:
            holder = self.guards.get(guard.key)
            allowed = (guard.handed_over_by,) if guard.handed_over_by is not None else (None, guard.holder)
            if holder not in allowed:
                raise AlreadyTaken(f"{guard.key} is already held by {holder}.", key=guard.key, held_by=holder)
        for check in (c for c in changes if isinstance(c, Unchanged)):
            current = self.items.get((entity_type_of(check.entity).kind, check.entity.id))
            if current is None or current.version != check.entity.version:
                raise RecordChanged("The record changed while this request was processed; read it again and retry.")
        staged = []
        for change in changes:
            if not isinstance(change, Change):
                continue
            et = entity_type_of(change.after)
            current = self.items.get((et.kind, change.after.id))
            expected = None if change.before is None else change.before.version
            if (current is None) != (expected is None) or (current is not None and current.version != expected):
                raise RecordChanged("The record changed while this request was processed; read it again and retry.")
            staged.append((et, change, dataclasses.replace(change.after, version=(expected or 0) + 1)))
        for guard in guards:
            if guard.release:
                self.guards.pop(guard.key, None)
            else:
                self.guards[guard.key] = guard.holder
        for message in messages:
            self.items.setdefault(("message", message.id), dataclasses.replace(message, version=1))
        for member in (c for c in changes if isinstance(c, Member)):
            self.collections.setdefault(member.collection, set()).add(member.member)
        for et, change, after in staged:
            self.items[(et.kind, after.id)] = after
            if et.public_path and after.is_public:
                item = {"kind": et.kind, "id": after.id, "version": after.version, "action": change.action}
                position = stream_key(at, entity_ref(et.kind, after.id), after.version)
                self.streams.setdefault(FEED, {})[position] = item | {"path": et.public_path.format(id=after.id)}
            if not et.audited:
                continue
            self.audit.append(
                AuditEntry(
                    entity_ref(et.kind, after.id),
                    at,
                    actor.sub,
                    actor.role.value,
                    actor.org,
                    change.action,
                    et.audit_view(change.before),
                    et.audit_view(after),
                )
            )
        return [after for _, _, after in staged]

    def holder(self, key: str) -> str | None:
        return self.guards.get(key)

    def stream_page(self, stream: str, *, after: str, before: dt.datetime, limit: int) -> Listing[dict]:
        items = self.streams.get(stream, {})
        found = [items[p] | {"position": p} for p in sorted(items) if after < p < stream_time(before)][:limit]
        return Listing(found, found[-1]["position"] if len(found) == limit else None)

    def log_head(self) -> LogHead:
        return self._log_head

    def append_log(self, head: LogHead, leaves: Sequence[LogLeaf], position: str) -> LogHead:
        if head != self._log_head:
            raise RecordChanged("Another run appended to the audit log meanwhile.")
        self.log.extend(leaves)
        self._log_head = LogHead(size=len(self.log), position=position, version=head.version + 1)
        return self._log_head

    def log_leaves(self, size: int) -> list[LogLeaf]:
        return self.log[:size]

    def save_checkpoint(self, checkpoint: Checkpoint) -> bool:
        return self.checkpoints.setdefault(checkpoint.time[:10], checkpoint) is checkpoint

    def checkpoints_page(self, *, after: str = "", limit: int) -> Listing[Checkpoint]:
        days = [d for d in sorted(self.checkpoints) if d > after]
        return Listing([self.checkpoints[d] for d in days[:limit]], days[limit - 1] if len(days) > limit else None)

    def members(self, collection: str, *, after: str = "", limit: int | None = None):
        return iter(sorted(m for m in self.collections.get(collection, ()) if m > after)[:limit])

    def audit_trail(self, entity: str) -> list[AuditEntry]:
        return [a for a in self.audit if a.entity == entity]

    def record_access(self, actor: Actor, at: dt.datetime, entities: Sequence[str], action: str) -> None:
        for entity in entities:
            self.audit.append(AuditEntry(entity, at, actor.sub, actor.role.value, actor.org, action, None, None))


def _position_order(position: dict) -> tuple[str, str]:
    return position["sk"], position["pk"]


class RecordingNotifier:
    def __init__(self):
        self.sent: list[Email] = []

    def send(self, email: Email) -> None:
        self.sent.append(email)


class RecordingWorkflows:
    def __init__(self):
        self.started: list[tuple[str, str, dict]] = []
        self.resumed: list[tuple[str, dict]] = []
        self.failed: list[tuple[str, str, str]] = []
        self.gone_tokens: set[str] = set()

    def start(self, process: str, name: str, payload: dict) -> None:
        if not any(n == name and p == process for p, n, _ in self.started):
            self.started.append((process, name, payload))

    def resume(self, token: str, output: dict) -> bool:
        if token in self.gone_tokens:
            return False
        self.resumed.append((token, output))
        return True

    def fail(self, token: str, error: str, cause: str) -> bool:
        if token in self.gone_tokens:
            return False
        self.failed.append((token, error, cause))
        return True


def fake_deps(now: dt.datetime | None = None) -> Deps:
    return Deps(
        store=InMemoryStore(),
        clock=FakeClock(now or dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)),
        ids=SequentialIds(),
        notifier=RecordingNotifier(),
        workflows=RecordingWorkflows(),
    )
