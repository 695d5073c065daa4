"""How each domain entity is stored: its kind, its secondary-index keys and what the audit trail omits."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from pydantic import TypeAdapter

from chalicelib.domain.vendors import Vendor


@dataclass(frozen=True)
class EntityType:
    kind: str
    cls: type
    # index name -> (partition key, sort key) for an entity; an index absent from the result is not set
    indexes: Callable[[Any], dict[str, tuple[str, str]]] = lambda e: {}
    redact: frozenset[str] = field(default_factory=frozenset)

    @property
    def adapter(self) -> TypeAdapter:
        return _adapter(self.cls)

    def encode(self, entity) -> dict:
        return self.adapter.dump_python(entity, mode="json")

    def decode(self, data: dict):
        return self.adapter.validate_python(data)

    def audit_view(self, entity) -> dict | None:
        if entity is None:
            return None
        return {k: v for k, v in self.encode(entity).items() if k not in self.redact}


_adapters: dict[type, TypeAdapter] = {}


def _adapter(cls: type) -> TypeAdapter:
    if cls not in _adapters:
        _adapters[cls] = TypeAdapter(cls)
    return _adapters[cls]


# GSI "by_org" = gsi1 (gsi1pk, gsi1sk); "by_status" = gsi2 (gsi2pk, gsi2sk)
INDEXES = {"by_org": "gsi1", "by_status": "gsi2"}

ENTITY_TYPES: dict[type, EntityType] = {
    Vendor: EntityType(
        "vendor", Vendor,
        indexes=lambda v: {"by_org": (f"vendor#{v.org}", v.id), "by_status": (f"vendor#{v.status.value}", v.id)},
        redact=frozenset({"confirmation_code", "confirmation_token"}),
    ),
}


def entity_type(cls: type) -> EntityType:
    try:
        return ENTITY_TYPES[cls]
    except KeyError:
        raise LookupError(f"{cls.__name__} has no storage mapping in adapters/entities.py") from None


def entity_type_of(entity) -> EntityType:
    return entity_type(type(entity))
