"""DynamoDB through pynamodb: one entities table (four GSIs), an audit table, written in one transaction.

Every refusal of DynamoDB becomes a domain error the caller can act on: a condition that failed is RecordChanged (a Conflict)
naming the record (or AlreadyTaken naming a guard's holder), throttling is TemporarilyUnavailable (503), and
input past DynamoDB's limits is TooLarge (413), found before anything is sent.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import itertools
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.indexes import GlobalSecondaryIndex, IncludeProjection
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.entities import EntityType, entity_type, entity_type_of, entity_type_of_kind
from chalicelib.adapters.throttling import THROTTLED, throttling_as_unavailable, unavailable
from chalicelib.domain.audit_log import entry_hash
from chalicelib.domain.errors import AlreadyTaken, RecordChanged, TooLarge
from chalicelib.domain.outbox import Message
from chalicelib.ocds import events as ocds_events
from chalicelib.services.ports import (
    FEED,
    JOURNAL,
    Actor,
    AuditEntry,
    Broadcast,
    Change,
    Checkpoint,
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

ROOT = "#"
PUBLIC_STREAM = "public"  # the one partition of the audit table's public_by_time index
LOG_HEAD = "audit-log"  # the Merkle log's size and the journal position it has appended up to
LOG_LEAVES = "audit-log#leaf"  # leaf index -> entry
CHECKPOINTS = "audit-log#checkpoint"  # one signed checkpoint per UTC day
# DynamoDB's own limits, checked before a transaction is sent (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html)
ITEM_LIMIT_BYTES = 400 * 1024
# An entity's audit record holds it twice (before and after), so an entity may fill half a record: one that
# could be created but never changed again would be a trap. The rest is the audit record's other attributes.
ENTITY_LIMIT_BYTES = (ITEM_LIMIT_BYTES - 4 * 1024) // 2
TRANSACTION_LIMIT_ITEMS = 100
TRANSACTION_LIMIT_BYTES = 4 * 1024 * 1024
# A part item (EntityType.parts) holds consecutive elements of one list up to this many bytes of JSON: far below the
# item limit (parts are not audited twice: the audit record names them), and 15 of them fit one transaction
PART_BYTES = 256 * 1024
# An entity whose JSON is at most this many bytes keeps its parts in its item: one read, as most records are
INLINE_BYTES = 64 * 1024
PART_PREFIX = "part#"
PARTS_KEY = "$parts"  # in an item's body and audit record: {"$parts": [sort keys of its part items, in order]}
WHOLE_KEY = "$whole"  # ... and with {"$whole": true} when the field is one value (a long text), not a list


# What a list reads of each index entry besides the keys (which every index projects): an entity's body and version
# (Store.page and iterate decode entities; the cursor is the entry's keys), an audit entry's fields (_audit_entry). The
# other indexes' keys, `kind`, and an audit entry's hashes (read by the log's verifier from the table) stay out.
# infra/resources.json declares the same (tests/unit/test_index_projections.py).
LISTED = ["body", "version"]
AUDIT_LISTED = ["role", "org", "action", "before", "after"]


def build_models(entities_table: str, audit_table: str, region_name: str):
    """pynamodb binds table names to classes, so each configuration gets its own classes."""

    class Gsi1(GlobalSecondaryIndex):
        class Meta:
            index_name = "gsi1"
            projection = IncludeProjection(LISTED)

        gsi1pk = UnicodeAttribute(hash_key=True)
        gsi1sk = UnicodeAttribute(range_key=True)

    class Gsi2(GlobalSecondaryIndex):
        class Meta:
            index_name = "gsi2"
            projection = IncludeProjection(LISTED)

        gsi2pk = UnicodeAttribute(hash_key=True)
        gsi2sk = UnicodeAttribute(range_key=True)

    class Gsi3(GlobalSecondaryIndex):
        class Meta:
            index_name = "gsi3"
            projection = IncludeProjection(LISTED)

        gsi3pk = UnicodeAttribute(hash_key=True)
        gsi3sk = UnicodeAttribute(range_key=True)

    class Gsi4(GlobalSecondaryIndex):
        class Meta:
            index_name = "gsi4"
            projection = IncludeProjection(LISTED)

        gsi4pk = UnicodeAttribute(hash_key=True)
        gsi4sk = UnicodeAttribute(range_key=True)

    class EntityRecord(Model):
        class Meta:
            table_name = entities_table
            region = region_name

        pk = UnicodeAttribute(hash_key=True)
        sk = UnicodeAttribute(range_key=True)
        kind = UnicodeAttribute()
        body = UnicodeAttribute()
        version = NumberAttribute()
        gsi1pk = UnicodeAttribute(null=True)
        gsi1sk = UnicodeAttribute(null=True)
        gsi2pk = UnicodeAttribute(null=True)
        gsi2sk = UnicodeAttribute(null=True)
        gsi3pk = UnicodeAttribute(null=True)
        gsi3sk = UnicodeAttribute(null=True)
        gsi4pk = UnicodeAttribute(null=True)
        gsi4sk = UnicodeAttribute(null=True)
        gsi1 = Gsi1()
        gsi2 = Gsi2()
        gsi3 = Gsi3()
        gsi4 = Gsi4()

    class ByActor(GlobalSecondaryIndex):
        class Meta:
            index_name = "by_actor"
            projection = IncludeProjection(AUDIT_LISTED)

        actor = UnicodeAttribute(hash_key=True)
        seq = UnicodeAttribute(range_key=True)

    class PublicByTime(GlobalSecondaryIndex):
        """Sparse: only the entries of public events (chalicelib/ocds/events.py), in time then life-cycle order."""

        class Meta:
            index_name = "public_by_time"
            projection = IncludeProjection(["actor", *AUDIT_LISTED])

        stream = UnicodeAttribute(hash_key=True)
        public_seq = UnicodeAttribute(range_key=True)

    class AuditRecord(Model):
        class Meta:
            table_name = audit_table
            region = region_name

        entity = UnicodeAttribute(hash_key=True)
        seq = UnicodeAttribute(range_key=True)  # UTC time | entity version | random: chronological
        actor = UnicodeAttribute()
        role = UnicodeAttribute()
        org = UnicodeAttribute()
        action = UnicodeAttribute()
        before = UnicodeAttribute(null=True)
        after = UnicodeAttribute(null=True)
        stream = UnicodeAttribute(null=True)  # PUBLIC_STREAM for a public event, else absent (the index is sparse)
        public_seq = UnicodeAttribute(null=True)  # UTC time | life-cycle stage | entity version | random
        previous = UnicodeAttribute(null=True)  # the hash of the entity's previous entry (domain/audit_log.py)
        hash = UnicodeAttribute(null=True)  # this entry's hash; an access record (a read) has none
        by_actor = ByActor()
        public_by_time = PublicByTime()

    return EntityRecord, AuditRecord


class DynamoStore:
    def __init__(self, entities_table: str, audit_table: str, region: str):
        self.Entity, self.Audit = build_models(entities_table, audit_table, region)
        self._connection = Connection(region=region)

    def get(self, cls, entity_id: str):
        et = entity_type(cls)
        try:
            with throttling_as_unavailable("The database"):
                record = self.Entity.get(f"{et.kind}#{entity_id}", ROOT, consistent_read=True)
        except DoesNotExist:
            return None
        return self._decode_all(et, [record], consistent=True)[0]

    def get_many(self, cls, entity_ids):
        et = entity_type(cls)
        with throttling_as_unavailable("The database"):
            records = list(self.Entity.batch_get([(f"{et.kind}#{i}", ROOT) for i in entity_ids], consistent_read=True))
        return self._decode_all(et, records, consistent=True)

    def iterate(self, cls, index: str, key: str, *, sk_begins_with=None, sk_between=None, newest_first=False, limit=None):
        """Query one index partition, page by page (never a Scan), sorted by the index sort key."""
        et = entity_type(cls)
        gsi_name = et.slots[index]
        with throttling_as_unavailable("The database"):
            records = getattr(self.Entity, gsi_name).query(
                et.partition(index, key),
                range_key_condition=self._sk_condition(gsi_name, sk_begins_with, sk_between),
                scan_index_forward=not newest_first,
                limit=limit,
            )
            for group in _groups(records, DECODED_TOGETHER):
                yield from self._decode_all(et, group)

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
        """One Query (Limit = limit + 1, so that a full last page says it is the last) from the exclusive start key
        `after`; `next` is the key of the page's last item, which is DynamoDB's LastEvaluatedKey for Limit = limit."""
        et = entity_type(cls)
        gsi_name = et.slots[index]
        query = getattr(self.Entity, gsi_name).query(
            et.partition(index, key),
            range_key_condition=self._sk_condition(gsi_name, sk_begins_with, sk_between),
            scan_index_forward=not newest_first,
            last_evaluated_key=_start_key(after),
            page_size=limit + 1,
        )
        key_names = ("pk", "sk", f"{gsi_name}pk", f"{gsi_name}sk")
        return _page_of(query, limit, lambda rs: self._decode_all(et, rs), where, lambda r: {k: getattr(r, k) for k in key_names})

    def audit_page(self, *, entity: str | None = None, actor: str | None = None, after: str = "", limit: int) -> Listing:
        """A record's trail (the table's partition) or an actor's (the by_actor index), oldest first."""
        if (entity is None) == (actor is None):
            raise ValueError("page the audit trail of one entity or of one actor")
        source = self.Audit if entity is not None else self.Audit.by_actor
        query = source.query(entity or actor, last_evaluated_key=_start_key(after), page_size=limit + 1)
        key_names = ("entity", "seq") if entity is not None else ("entity", "seq", "actor")
        return _page_of(query, limit, self._audit_entries, None, lambda r: {k: getattr(r, k) for k in key_names})

    def public_audit_page(self, *, since: dt.datetime | None = None, after: str = "", limit: int) -> Listing:
        """The entries of public events from `since` on, oldest first: one Query of the sparse public_by_time index."""
        condition = None if since is None else self.Audit.public_seq >= since.astimezone(dt.UTC).isoformat()
        query = self.Audit.public_by_time.query(
            PUBLIC_STREAM, range_key_condition=condition, last_evaluated_key=_start_key(after), page_size=limit + 1
        )
        key_names = ("entity", "seq", "stream", "public_seq")
        return _page_of(query, limit, self._audit_entries, None, lambda r: {k: getattr(r, k) for k in key_names})

    def _sk_condition(self, gsi_name: str, sk_begins_with, sk_between):
        sk_attr = getattr(self.Entity, f"{gsi_name}sk")
        if sk_begins_with is not None:
            return sk_attr.startswith(sk_begins_with)
        if sk_between is not None:
            return sk_attr.between(*sk_between)
        return None

    def commit(self, actor: Actor, at: dt.datetime, changes: Sequence[Write]) -> list[Any]:
        writes, stored = [], []
        journal: list[tuple[dict, int]] = []  # the commit's audit entries (entity, seq, hash) for the Merkle log
        for change in changes:
            if isinstance(change, Guard):
                writes.append(self._guard_write(change))
                continue
            if isinstance(change, (Send, Broadcast)):
                writes.append(self._message_write(queued(change, at)))
                continue
            if isinstance(change, Unchanged):
                writes.append(self._unchanged_check(change.entity))
                continue
            if isinstance(change, Member):
                writes.append(self._member_write(change))
                continue
            et = entity_type_of(change.after)
            expected = None if change.before is None else change.before.version
            after = dataclasses.replace(change.after, version=(expected or 0) + 1)
            ref = entity_ref(et.kind, after.id)
            condition = self.Entity.pk.does_not_exist() if expected is None else self.Entity.version == expected
            body, parts = split_parts(et, et.encode(after))
            before = None if change.before is None else split_parts(et, et.encode(change.before))[0]
            writes.append(_Write(self._record(et, after, body), condition, ref, expected=expected, limit=ENTITY_LIMIT_BYTES))
            writes += self._part_writes(et, after, ref, parts, before)
            if et.audited:
                audit = self._audit(et, actor, at, change, after, (before, body), self._last_hash(ref, expected))
                writes.append(_Write(audit, None, f"the audit record of {ref} (before and after)"))
                journal.append(({"entity": ref, "seq": audit.seq, "hash": audit.hash}, after.version))
            if et.public_path and after.is_public:
                item = {"kind": et.kind, "id": after.id, "version": after.version, "action": change.action}
                writes.append(
                    self._stream_write(FEED, at, ref, after.version, item | {"path": et.public_path.format(id=after.id)})
                )
            stored.append(after)
        if journal:  # one item per commit, keyed by its first entry (an entity version is written once)
            (first, version), entries = journal[0], [entry for entry, _ in journal]
            writes.append(self._stream_write(JOURNAL, at, first["entity"], version, {"entries": entries}))
        writes.sort(key=lambda w: w.order)  # TransactWrite sends checks, deletes, then puts: reasons come in that order
        _check_limits(writes)
        try:
            self._transact(writes)
        except TransactWriteError as exc:
            written_before = _messages_written_before(exc, writes)
            if not written_before:
                _raise_refusal(exc, writes)
            # only outbox messages already written (a retried task) refused it: the rest goes without them
            rest = [w for w in writes if w not in written_before]
            if rest:
                try:
                    self._transact(rest)
                except TransactWriteError as again:
                    _raise_refusal(again, rest)
        return stored

    def _transact(self, writes: list[_Write]) -> None:
        with TransactWrite(connection=self._connection) as tx:
            for w in writes:
                if w.check:
                    tx.condition_check(self.Entity, w.record.pk, w.record.sk, condition=w.condition)
                elif w.delete:
                    tx.delete(w.record, condition=w.condition)
                else:
                    tx.save(w.record, condition=w.condition, return_values="ALL_OLD" if w.guard else None)

    def _part_writes(self, et: EntityType, entity, ref: str, parts: list[tuple[str, str]], before: dict | None) -> list[_Write]:
        """The part items the entity's version names and the one it follows did not (a part never changes: its key is
        its content's hash), each written once."""
        written = set(_part_keys(before or {}))
        writes = []
        for key, text in dict(parts).items():
            if key not in written:
                record = self.Entity(pk=f"{et.kind}#{entity.id}", sk=key, kind=PART_PREFIX + et.kind, body=text, version=1)
                writes.append(_Write(record, None, f"the part {key} of {ref}"))
        return writes

    def _decode_all(self, et: EntityType, records: Sequence[Any], consistent: bool = False) -> list[Any]:
        """Entities from their items, their parts read back in one BatchGetItem for all of them."""
        if not et.parts:
            return [self._decode(et, record) for record in records]
        bodies = self._with_parts([(record.pk, json.loads(record.body)) for record in records], consistent)
        return [_entity(et, body, record) for body, record in zip(bodies, records)]

    @staticmethod
    def _decode(et: EntityType, record) -> Any:
        """The entity of an item of a kind without parts."""
        return _entity(et, json.loads(record.body), record)

    def _with_parts(self, bodies: Sequence[tuple[str, dict]], consistent: bool) -> list[dict]:
        """Each (partition key, body) with its parts put back from its part items. The parts of an item read from an
        index are there too: they are written with it, and a part is never changed or deleted."""
        wanted = {(pk, key) for pk, body in bodies for key in _part_keys(body)}
        if not wanted:
            return [body for _, body in bodies]
        with throttling_as_unavailable("The database"):
            found = {(r.pk, r.sk): json.loads(r.body) for r in self.Entity.batch_get(sorted(wanted), consistent_read=consistent)}
        return [_joined(body, functools.partial(_part_of, found, pk)) for pk, body in bodies]

    def _audit_entries(self, records: Iterable[Any]) -> list[AuditEntry]:
        """Audit entries with the parts their records name read back (and redacted as the entity's own fields are)."""
        entries = [_audit_entry(r) for r in records]
        parted = [(e, et) for e in entries if (et := _parts_of(e)) is not None]
        sides = [(_item_key(e.entity), side) for e, _ in parted for side in (e.before, e.after) if side is not None]
        joined = iter(self._with_parts(sides, consistent=False))
        whole = {
            id(e): dataclasses.replace(
                e,
                before=None if e.before is None else et.redacted(next(joined)),
                after=None if e.after is None else et.redacted(next(joined)),
            )
            for e, et in parted
        }
        return [whole.get(id(e), e) for e in entries]

    def _guard_write(self, guard: Guard) -> _Write:
        body = json.dumps({"holder": guard.holder})
        record = self.Entity(pk=f"guard#{guard.key}", sk=ROOT, kind="guard", body=body, version=1)
        if guard.handed_over_by is not None:  # only from the holder handing it over
            condition = self.Entity.body == json.dumps({"holder": guard.handed_over_by})
        else:  # the holder may claim its own key again (a retried task); a release frees only the holder's key
            condition = self.Entity.pk.does_not_exist() | (self.Entity.body == body)
        return _Write(record, condition, f"guard {guard.key}", guard=guard, delete=guard.release)

    def _message_write(self, message: Message) -> _Write:
        """A message is written only if its key is new: written again (a retried task), it stays as it is."""
        et = entity_type_of(message)
        return _Write(
            self._record(et, dataclasses.replace(message, version=1)),
            self.Entity.pk.does_not_exist(),
            f"the email {message.id}",
            message=True,
        )

    def _unchanged_check(self, entity) -> _Write:
        et = entity_type_of(entity)
        record = self.Entity(pk=f"{et.kind}#{entity.id}", sk=ROOT)
        return _Write(
            record, self.Entity.version == entity.version, entity_ref(et.kind, entity.id), expected=entity.version, check=True
        )

    def _member_write(self, member: Member) -> _Write:
        record = self.Entity(pk=member.collection, sk=member.member, kind="member", body="{}", version=1)
        return _Write(record, None, f"member {member.member} of {member.collection}")

    # -- the Merkle log of audit entries (services/audit_log.py): a head and the leaves by index ---
    def log_head(self) -> LogHead:
        try:
            with throttling_as_unavailable("The database"):
                record = self.Entity.get(LOG_HEAD, ROOT, consistent_read=True)
        except DoesNotExist:
            return LogHead(size=0, position="", version=0)
        body = json.loads(record.body)
        return LogHead(size=body["size"], position=body["position"], version=int(record.version))

    def append_log(self, head: LogHead, leaves: Sequence[LogLeaf], position: str) -> LogHead:
        """The leaves appended after the head's, with the new head, in one transaction conditioned on the head's
        version: two runs never append the same entries twice."""
        new = LogHead(size=head.size + len(leaves), position=position, version=head.version + 1)
        body = json.dumps({"size": new.size, "position": new.position})
        condition = self.Entity.pk.does_not_exist() if head.version == 0 else self.Entity.version == head.version
        writes = [
            _Write(self.Entity(pk=LOG_HEAD, sk=ROOT, kind="log", body=body, version=new.version), condition, "the audit log")
        ]
        for index, leaf in enumerate(leaves, start=head.size):
            leaf_body = json.dumps(dataclasses.asdict(leaf))
            writes.append(
                _Write(self.Entity(pk=LOG_LEAVES, sk=f"{index:012d}", kind="log", body=leaf_body, version=1), None, "a leaf")
            )
        _check_limits(writes)
        try:
            self._transact(writes)
        except TransactWriteError as exc:
            _raise_refusal(exc, writes)
        return new

    def log_leaves(self, size: int) -> list[LogLeaf]:
        """The first `size` leaves, in order."""
        if size == 0:
            return []
        condition = self.Entity.sk < f"{size:012d}"
        with throttling_as_unavailable("The database"):
            return [
                LogLeaf(**json.loads(r.body))
                for r in self.Entity.query(LOG_LEAVES, range_key_condition=condition, consistent_read=True)
            ]

    def save_checkpoint(self, checkpoint: Checkpoint) -> bool:
        """Store a checkpoint under its day; False when that day's checkpoint is already stored (a run repeated)."""
        body = json.dumps(dataclasses.asdict(checkpoint))
        record = self.Entity(pk=CHECKPOINTS, sk=checkpoint.time[:10], kind="checkpoint", body=body, version=1)
        try:
            with throttling_as_unavailable("The database"):
                record.save(condition=self.Entity.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def checkpoints_page(self, *, after: str = "", limit: int) -> Listing[Checkpoint]:
        """Signed checkpoints, oldest first, by day."""
        condition = self.Entity.sk > after if after else None
        found = []
        with throttling_as_unavailable("The database"):
            for r in self.Entity.query(CHECKPOINTS, range_key_condition=condition, consistent_read=True, limit=limit + 1):
                found.append((r.sk, Checkpoint(**json.loads(r.body))))
        more = len(found) > limit
        found = found[:limit]
        return Listing([c for _, c in found], found[-1][0] if more else None)

    def holder(self, key: str) -> str | None:
        try:
            with throttling_as_unavailable("The database"):
                record = self.Entity.get(f"guard#{key}", ROOT, consistent_read=True)
        except DoesNotExist:
            return None
        return json.loads(record.body)["holder"]

    def members(self, collection: str, *, after: str = "", limit: int | None = None):
        """A Query of the collection's partition in the base table, strongly consistent, never the eventually
        consistent GSIs."""
        condition = self.Entity.sk > after if after else None
        with throttling_as_unavailable("The database"):
            for record in self.Entity.query(collection, range_key_condition=condition, consistent_read=True, limit=limit):
                yield record.sk

    def audit_trail(self, entity: str) -> list[AuditEntry]:
        return self._audit_entries(self.Audit.query(entity))

    def record_access(self, actor: Actor, at: dt.datetime, entities: Sequence[str], action: str) -> None:
        """One audit item per record read, batched; `access` in the sort key orders a read after a change of the
        same instant."""
        with throttling_as_unavailable("The database"), self.Audit.batch_write() as batch:
            for entity in entities:
                batch.save(
                    self.Audit(
                        entity=entity,
                        seq=_seq(at, "access"),
                        actor=actor.sub,
                        role=actor.role.value,
                        org=actor.org,
                        action=action,
                    )
                )

    def _record(self, et, entity, body: dict | None = None):
        """The entity's item; `body` is its encoding with the parts named (split_parts), when it has parts."""
        return self.Entity(
            pk=f"{et.kind}#{entity.id}",
            sk=ROOT,
            kind=et.kind,
            body=_json(et.encode(entity) if body is None else body),
            version=entity.version,
            **et.index_items(entity),
        )

    def _audit(self, et, actor: Actor, at: dt.datetime, change: Change, after, bodies, previous: str | None):
        """`bodies`: the item bodies before and after (parts named, not copied: split_parts)."""
        before_body, after_body = bodies
        fields = {
            "entity": entity_ref(et.kind, after.id),
            "seq": _seq(at, f"{after.version:010d}"),
            "actor": actor.sub,
            "role": actor.role.value,
            "org": actor.org,
            "action": change.action,
            "before": _dumps(None if before_body is None else et.redacted(before_body)),
            "after": _dumps(et.redacted(after_body)),
            "previous": previous,
        }
        public = ocds_events.is_public(change.action)
        return self.Audit(
            **fields,
            hash=entry_hash(fields),
            stream=PUBLIC_STREAM if public else None,
            public_seq=_seq(at, f"{ocds_events.stage_of(change.action):02d}|{after.version:010d}") if public else None,
        )

    def _last_hash(self, ref: str, version: int | None) -> str | None:
        """The hash of the entity's entry of `version` (the one this change follows), read strongly consistently: the
        transaction's version condition makes sure no other entry comes between."""
        if version is None:
            return None
        middle = f"|{version:010d}|"
        with throttling_as_unavailable("The database"):
            for record in self.Audit.query(ref, scan_index_forward=False, consistent_read=True, page_size=4):
                if middle in record.seq:
                    return record.hash
        return None

    def _stream_write(self, stream: str, at: dt.datetime, ref: str, version: int, body: dict) -> _Write:
        """An item of a time-ordered stream (the public feed, the journal of audit entries), keyed by commit time."""
        record = self.Entity(pk=stream, sk=stream_key(at, ref, version), kind=stream, body=json.dumps(body), version=1)
        return _Write(record, None, f"the {stream} item of {ref}")

    def stream_page(self, stream: str, *, after: str, before: dt.datetime, limit: int) -> Listing[dict]:
        """Items of a stream after position `after` and committed before `before` (the watermark), oldest first; each
        item is its body with its `position`; `next` is the last one's position when the page is full."""
        condition = self.Entity.sk.between(after + "\x00", stream_time(before))
        found = []
        with throttling_as_unavailable("The database"):
            for record in self.Entity.query(stream, range_key_condition=condition, consistent_read=True, limit=limit):
                found.append(json.loads(record.body) | {"position": record.sk})
        return Listing(found, found[-1]["position"] if len(found) == limit else None)


@dataclass
class _Write:
    """One item of a transaction and what to say about it if DynamoDB refuses it."""

    record: Any
    condition: Any
    what: str
    expected: int | None = None
    guard: Guard | None = None
    delete: bool = False
    message: bool = False  # an outbox message: written only where absent, and then never refusing the rest
    check: bool = False  # a condition only: nothing is written
    limit: int = ITEM_LIMIT_BYTES

    @property
    def order(self) -> int:
        return 0 if self.check else 1 if self.delete else 2

    @property
    def size(self) -> int:
        return item_size(self.record.serialize(null_check=not self.check))  # a check holds its key only


DECODED_TOGETHER = 25  # items of an iterated Query whose parts are read in one BatchGetItem


def split_parts(et: EntityType, data: dict) -> tuple[dict, list[tuple[str, str]]]:
    """The item's body, each part field (a dotted path for a field of a nested record) replaced by {"$parts": [sort
    keys]}, and its part items (sort key, JSON list). A part holds consecutive elements of a list up to PART_BYTES, or a
    whole value (a long text), and is keyed by its content's hash: a part once written never changes (the audit record
    of each version names its parts), and a change writes only the parts it changes. An entity of at most INLINE_BYTES
    keeps them in its item."""
    body = dict(data)
    parts: list[tuple[str, str]] = []
    if not et.parts or len(_json(data).encode()) <= INLINE_BYTES:
        return body, parts
    for path in et.parts:
        *outer, name = path.split(".")
        parent: dict | None = body
        for step in outer:
            if parent is None or parent.get(step) is None:
                parent = None
                break
            parent[step] = dict(parent[step])
            parent = parent[step]
        if parent is None or parent.get(name) is None:
            continue
        value = parent[name]
        keys = []
        for chunk in _chunks(value) if isinstance(value, list) else [[value]]:
            text = _json(chunk)
            keys.append(f"{PART_PREFIX}{path}#{hashlib.sha256(text.encode()).hexdigest()[:32]}")
            parts.append((keys[-1], text))
        parent[name] = {PARTS_KEY: keys} if isinstance(value, list) else {PARTS_KEY: keys, WHOLE_KEY: True}
    return body, parts


def _entity(et: EntityType, body: dict, record) -> Any:
    return dataclasses.replace(et.decode(body), version=int(record.version))


def _part_keys(body: dict) -> Iterator[str]:
    """The sort keys of the parts a body names, at any depth of its nested records."""
    for value in body.values():
        if isinstance(value, dict):
            yield from value[PARTS_KEY] if PARTS_KEY in value else _part_keys(value)


def _part_of(found: dict[tuple[str, str], list], pk: str, key: str) -> list:
    return found[(pk, key)]


def _joined(body: dict, part: Callable[[str], list]) -> dict:
    """The body with each field its parts hold put back."""
    joined = {}
    for name, value in body.items():
        if isinstance(value, dict) and PARTS_KEY in value:
            elements = [element for key in value[PARTS_KEY] for element in part(key)]
            value = elements[0] if value.get(WHOLE_KEY) else elements
        elif isinstance(value, dict):
            value = _joined(value, part)
        joined[name] = value
    return joined


def _chunks(elements: list) -> list[list]:
    chunks: list[list] = []
    size = 0
    for element in elements:
        length = len(_json(element).encode()) + 1
        if not chunks or size + length > PART_BYTES:
            chunks.append([])
            size = 0
        chunks[-1].append(element)
        size += length
    return chunks


def _item_key(ref: str) -> str:
    """The partition key of the item an audit entry's entity reference (`kind:id`) names."""
    kind, entity_id = ref.split(":", 1)
    return f"{kind}#{entity_id}"


def _parts_of(entry: AuditEntry) -> EntityType | None:
    """The entity type of an audit entry's record when that type keeps parts."""
    try:
        et = entity_type_of_kind(entry.entity.split(":", 1)[0])
    except KeyError:
        return None
    return et if et.parts else None


def _groups(records: Iterable[Any], size: int) -> Iterator[list[Any]]:
    iterator = iter(records)
    while group := list(itertools.islice(iterator, size)):
        yield group


def _json(value) -> str:
    """Stored JSON: UTF-8 as it is (an escaped character would take up to 12 bytes of the item instead of 4)."""
    return json.dumps(value, ensure_ascii=False)


def item_size(attributes: dict) -> int:
    """DynamoDB's size of an item: names and values in UTF-8 bytes, a number about one byte per two digits."""
    size = 0
    for name, value in attributes.items():
        ((kind, raw),) = value.items()
        size += len(name.encode()) + (len(raw.encode()) if kind == "S" else len(str(raw)) // 2 + 2)
    return size


def _check_limits(writes: list[_Write]) -> None:
    if len(writes) > TRANSACTION_LIMIT_ITEMS:
        raise TooLarge(
            f"This change writes {len(writes)} records at once; one transaction holds at most {TRANSACTION_LIMIT_ITEMS}.",
            details=[
                {
                    "field": "(body)",
                    "problem": f"{len(writes)} records > {TRANSACTION_LIMIT_ITEMS}",
                    "limit": TRANSACTION_LIMIT_ITEMS,
                }
            ],
        )
    sizes = [(w, w.size) for w in writes]
    for w, size in sizes:
        if size > w.limit:
            raise TooLarge(
                f"This change would make {w.what} {size:,} bytes; it may take at most {w.limit:,} bytes "
                f"(DynamoDB holds {ITEM_LIMIT_BYTES:,} bytes per record, and the audit record keeps an entity twice). "
                f"Send less: shorter texts or fewer items.",
                details=[{"field": "(body)", "problem": f"{w.what}: {size:,} bytes > {w.limit:,}", "limit": w.limit}],
            )
    total = sum(size for _, size in sizes)
    if total > TRANSACTION_LIMIT_BYTES:
        raise TooLarge(
            f"This change would write {total:,} bytes at once; one transaction holds at most {TRANSACTION_LIMIT_BYTES:,}.",
            details=[
                {"field": "(body)", "problem": f"{total:,} bytes > {TRANSACTION_LIMIT_BYTES:,}", "limit": TRANSACTION_LIMIT_BYTES}
            ],
        )


def _raise_refusal(exc: TransactWriteError, writes: list[_Write]) -> None:
    refusal = _refusal(exc, writes)
    if refusal is None:
        raise exc
    raise refusal from exc


def _refused(exc: TransactWriteError, writes: list[_Write]) -> list[tuple[_Write, Any]]:
    """Each write a cancelled transaction names with its reason; none when it was not cancelled."""
    if exc.cause_response_code != "TransactionCanceledException":
        return []
    return [(w, r) for w, r in zip(writes, exc.cancellation_reasons) if r is not None and r.code not in (None, "None")]


def _messages_written_before(exc: TransactWriteError, writes: list[_Write]) -> list[_Write]:
    """The outbox messages that refused a transaction because their key exists, if nothing else refused it."""
    refused = _refused(exc, writes)
    if refused and all(w.message and r.code == "ConditionalCheckFailed" for w, r in refused):
        return [w for w, _ in refused]
    return []


def _refusal(exc: TransactWriteError, writes: list[_Write]) -> Exception | None:
    """The domain error for a refused transaction (a held guard first, then a stale record, then throttling);
    None when the refusal is not the caller's doing (a 500, never replayed)."""
    if exc.cause_response_code in THROTTLED:
        return unavailable()
    if exc.cause_response_code != "TransactionCanceledException":
        return None
    refused = _refused(exc, writes)
    for w, reason in refused:
        if reason.code == "ConditionalCheckFailed" and w.guard is not None:
            return _taken(w.guard, reason.raw_item)
    stale = [w for w, reason in refused if reason.code in ("ConditionalCheckFailed", "TransactionConflict") and not w.message]
    if stale:
        return RecordChanged(
            "Another request changed " + ", ".join(w.what for w in stale) + " while this one was processed; "
            "read it again and retry.",
            details=[{"entity": w.what, "problem": _what_changed(w)} for w in stale],
        )
    if any(reason.code in THROTTLED for _, reason in refused):
        return unavailable()
    return None


def _what_changed(w: _Write) -> str:
    if w.expected is None:
        return "created meanwhile by another request"
    return f"changed by another request since it was read at version {w.expected}"


def _taken(guard: Guard, held: dict | None) -> AlreadyTaken:
    holder = json.loads(held["body"]["S"])["holder"] if held and "body" in held else None
    return AlreadyTaken(
        f"{guard.key} is already held by {holder or 'another record'}.",
        key=guard.key,
        held_by=holder,
        details=[{"key": guard.key, "held_by": holder}],
    )


def _start_key(after: str) -> dict | None:
    """DynamoDB's ExclusiveStartKey from a position `next` wrote (every key attribute is a string)."""
    return {name: {"S": value} for name, value in json.loads(after).items()} if after else None


def _page_of(records, limit: int, decode_many, where, key_of) -> Listing:
    """The first `limit` decoded records `where` keeps; `next` is the last one's key when another one follows. Records
    are decoded as many at a time as could still be kept (their parts read together)."""
    items: list = []
    last = None
    iterator = iter(records)
    with throttling_as_unavailable("The database"):
        while group := list(itertools.islice(iterator, limit + 1 - len(items))):
            for record, item in zip(group, decode_many(group)):
                if where is not None and not where(item):
                    continue
                if len(items) == limit:
                    return Listing(items, json.dumps(key_of(last), separators=(",", ":")))
                items.append(item)
                last = record
    return Listing(items)


def _audit_entry(r) -> AuditEntry:
    return AuditEntry(
        entity=r.entity,
        at=dt.datetime.fromisoformat(r.seq.split("|")[0]),
        actor=r.actor,
        role=r.role,
        org=r.org,
        action=r.action,
        before=_loads(r.before),
        after=_loads(r.after),
    )


def stream_time(at: dt.datetime) -> str:
    """UTC with microseconds always written, so that positions compare as times."""
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def stream_key(at: dt.datetime, ref: str, version: int) -> str:
    return f"{stream_time(at)}|{ref}|{version:010d}"


def _seq(at: dt.datetime, middle: str) -> str:
    """An audit item's sort key: UTC time | entity version (or `access`) | random, chronological."""
    return f"{at.astimezone(dt.UTC).isoformat()}|{middle}|{uuid.uuid4().hex[:8]}"


def _dumps(value):
    return None if value is None else _json(value)


def _loads(value):
    return None if value is None else json.loads(value)
