"""DynamoDB through pynamodb: one entities table (two GSIs), an audit table, written in one transaction."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from typing import Any, Sequence

from pynamodb.attributes import NumberAttribute, UnicodeAttribute
from pynamodb.connection import Connection
from pynamodb.exceptions import DoesNotExist, PutError, TransactWriteError
from pynamodb.indexes import AllProjection, GlobalSecondaryIndex
from pynamodb.models import Model
from pynamodb.transactions import TransactWrite

from chalicelib.adapters.entities import entity_type, entity_type_of
from chalicelib.domain.errors import Conflict
from chalicelib.services.ports import Actor, AuditEntry, Change, entity_ref

ROOT = "#"


def build_models(entities_table: str, audit_table: str, region: str):
    """pynamodb binds table names to classes, so each configuration gets its own classes."""

    class Gsi1(GlobalSecondaryIndex):
        class Meta:
            index_name = "gsi1"
            projection = AllProjection()

        gsi1pk = UnicodeAttribute(hash_key=True)
        gsi1sk = UnicodeAttribute(range_key=True)

    class Gsi2(GlobalSecondaryIndex):
        class Meta:
            index_name = "gsi2"
            projection = AllProjection()

        gsi2pk = UnicodeAttribute(hash_key=True)
        gsi2sk = UnicodeAttribute(range_key=True)

    class EntityRecord(Model):
        class Meta:
            table_name = entities_table

        pk = UnicodeAttribute(hash_key=True)
        sk = UnicodeAttribute(range_key=True)
        kind = UnicodeAttribute()
        body = UnicodeAttribute()
        version = NumberAttribute()
        gsi1pk = UnicodeAttribute(null=True)
        gsi1sk = UnicodeAttribute(null=True)
        gsi2pk = UnicodeAttribute(null=True)
        gsi2sk = UnicodeAttribute(null=True)
        gsi1 = Gsi1()
        gsi2 = Gsi2()

    class AuditRecord(Model):
        class Meta:
            table_name = audit_table

        entity = UnicodeAttribute(hash_key=True)
        seq = UnicodeAttribute(range_key=True)  # UTC time | entity version | random: chronological
        actor = UnicodeAttribute()
        role = UnicodeAttribute()
        org = UnicodeAttribute()
        action = UnicodeAttribute()
        before = UnicodeAttribute(null=True)
        after = UnicodeAttribute(null=True)

    for model in (EntityRecord, AuditRecord):
        model.Meta.region = region
    return EntityRecord, AuditRecord


class DynamoStore:
    def __init__(self, entities_table: str, audit_table: str, region: str):
        self.Entity, self.Audit = build_models(entities_table, audit_table, region)
        self._connection = Connection(region=region)

    def get(self, cls, entity_id: str):
        et = entity_type(cls)
        try:
            record = self.Entity.get(f"{et.kind}#{entity_id}", ROOT, consistent_read=True)
        except DoesNotExist:
            return None
        return self._decode(et, record)

    def find(self, cls, index: str, key: str, **options) -> list:
        return list(self.iterate(cls, index, key, **options))

    def iterate(self, cls, index: str, key: str, *, sk_begins_with=None, sk_between=None, newest_first=False, limit=None):
        """Query one index partition, page by page (never a Scan), sorted by the index sort key."""
        et = entity_type(cls)
        partition = et.partition(index, key)
        gsi_name = et.slots[index]
        gsi = getattr(self.Entity, gsi_name)
        sk_attr = getattr(self.Entity, f"{gsi_name}sk")
        condition = None
        if sk_begins_with is not None:
            condition = sk_attr.startswith(sk_begins_with)
        elif sk_between is not None:
            condition = sk_attr.between(*sk_between)
        for record in gsi.query(
            partition, range_key_condition=condition, scan_index_forward=not newest_first, limit=limit,
        ):
            yield self._decode(et, record)

    def commit(self, actor: Actor, at: dt.datetime, changes: Sequence[Change]) -> list[Any]:
        stored = []
        try:
            with TransactWrite(connection=self._connection) as tx:
                for change in changes:
                    et = entity_type_of(change.after)
                    expected = None if change.before is None else change.before.version
                    after = dataclasses.replace(change.after, version=(expected or 0) + 1)
                    record = self._record(et, after)
                    condition = (
                        self.Entity.pk.does_not_exist() if expected is None else self.Entity.version == expected
                    )
                    tx.save(record, condition=condition)
                    tx.save(self._audit(et, actor, at, change, after))
                    stored.append(after)
        except TransactWriteError as exc:
            raise Conflict(
                "The record changed while this request was processed; read it again and retry.",
                details=[{"reason": str(exc.cause_response_message or exc)}],
            ) from exc
        return stored

    def audit_trail(self, entity: str) -> list[AuditEntry]:
        return [
            AuditEntry(
                entity=r.entity, at=dt.datetime.fromisoformat(r.seq.split("|")[0]), actor=r.actor, role=r.role,
                org=r.org, action=r.action, before=_loads(r.before), after=_loads(r.after),
            )
            for r in self.Audit.query(entity)
        ]

    def claim(self, key: str, at: dt.datetime) -> bool:
        record = self.Entity(pk=f"claim#{key}", sk=ROOT, kind="claim", body=json.dumps({"at": at.isoformat()}), version=1)
        try:
            record.save(condition=self.Entity.pk.does_not_exist())
        except PutError as exc:
            if exc.cause_response_code == "ConditionalCheckFailedException":
                return False
            raise
        return True

    def release(self, key: str) -> None:
        self.Entity(pk=f"claim#{key}", sk=ROOT).delete()

    def _record(self, et, entity):
        return self.Entity(
            pk=f"{et.kind}#{entity.id}", sk=ROOT, kind=et.kind, body=json.dumps(et.encode(entity)),
            version=entity.version, **et.index_items(entity),
        )

    def _audit(self, et, actor: Actor, at: dt.datetime, change: Change, after):
        return self.Audit(
            entity=entity_ref(et.kind, after.id),
            seq=f"{at.astimezone(dt.timezone.utc).isoformat()}|{after.version:010d}|{uuid.uuid4().hex[:8]}",
            actor=actor.sub, role=actor.role.value, org=actor.org, action=change.action,
            before=_dumps(et.audit_view(change.before)), after=_dumps(et.audit_view(after)),
        )

    @staticmethod
    def _decode(et, record):
        return dataclasses.replace(et.decode(json.loads(record.body)), version=int(record.version))


def _dumps(value):
    return None if value is None else json.dumps(value)


def _loads(value):
    return None if value is None else json.loads(value)
