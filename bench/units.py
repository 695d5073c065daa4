"""DynamoDB request units as AWS bills them on demand, counted at botocore per call.

moto answers ReturnConsumedCapacity with a constant per call (1.0 for a write, 0.5 for a read), whatever the item's
size, so the units are computed here from the item sizes, by DynamoDB's published rules:
  - an item's size is the UTF-8 length of its attribute names plus their values: a string its UTF-8 length, a binary
    its length, a number 1 byte per two significant digits plus 1, a boolean or null 1, a list or map 3 bytes plus
    1 per element plus the elements (a map's element names included), a set the sum of its elements;
  - a write is 1 WRU per 1 KB (rounded up) of the larger of the item before and after it (a delete: the item
    deleted); in a transaction twice that, a ConditionCheck included; each global secondary index the item is in
    (before or after; both when its key changes) is one more write of the item's projection, at the standard rate;
  - a read is 1 RRU per 4 KB (rounded up) strongly consistent, half of it eventually consistent, twice in a
    transaction; a Query or Scan rounds the sum of the items it returns, a batch each item; a key not found still
    costs one unit's minimum.
Before and after sizes are looked up in moto's tables (in this process on both `served()` and `in_process()`).
"""

from __future__ import annotations

import base64
import dataclasses
import math
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

WRITE_UNIT_BYTES = 1024
READ_UNIT_BYTES = 4096
ITEM_LIMIT_BYTES = 400 * 1024
LIST_OVERHEAD_BYTES = 3  # a list or map, whatever it holds, plus 1 byte per element


def _number_size(text: str) -> int:
    digits = text.lstrip("+-").replace(".", "").split("e")[0].split("E")[0].strip("0")
    return math.ceil(max(len(digits), 1) / 2) + 1


def _binary_size(value: bytes | str) -> int:
    """botocore's parameters hold raw bytes; moto keeps a binary as the base64 text of the wire."""
    return len(value) if isinstance(value, bytes | bytearray) else len(base64.b64decode(value))


def attribute_size(value: dict[str, Any]) -> int:
    """The size DynamoDB counts for one typed attribute value ({"S": ...}, {"N": ...}, {"M": {...}}, ...)."""
    ((kind, inner),) = value.items()
    if kind == "S":
        return len(inner.encode())
    if kind == "N":
        return _number_size(inner)
    if kind == "B":
        return _binary_size(inner)
    if kind in ("BOOL", "NULL"):
        return 1
    if kind == "SS":
        return sum(len(v.encode()) for v in inner)
    if kind == "NS":
        return sum(_number_size(v) for v in inner)
    if kind == "BS":
        return sum(_binary_size(v) for v in inner)
    if kind == "L":
        return LIST_OVERHEAD_BYTES + sum(1 + attribute_size(v) for v in inner)
    if kind == "M":
        return LIST_OVERHEAD_BYTES + sum(1 + len(k.encode()) + attribute_size(v) for k, v in inner.items())
    raise ValueError(f"not a DynamoDB attribute type: {kind}")


def item_size(item: dict[str, dict[str, Any]] | None) -> int:
    """Bytes of an item in DynamoDB's typed form (names and values); 0 for no item."""
    return sum(len(name.encode()) + attribute_size(value) for name, value in (item or {}).items())


def write_units(size: int, *, transactional: bool = False) -> int:
    """WRUs of writing an item of `size` bytes: 1 per KB or part of one (at least 1), doubled in a transaction."""
    units = max(1, math.ceil(size / WRITE_UNIT_BYTES))
    return 2 * units if transactional else units


def read_units(size: int, *, consistent: bool, transactional: bool = False) -> float:
    """RRUs of reading `size` bytes: 1 per 4 KB or part (at least 1) strongly consistent, half eventually
    consistent, twice in a transaction."""
    units = max(1, math.ceil(size / READ_UNIT_BYTES))
    if transactional:
        return 2.0 * units
    return float(units) if consistent else units / 2


@dataclasses.dataclass
class Units:
    """Request units and calls by (table suffix, operation); the largest item written; bookkeeping seconds."""

    read: defaultdict[tuple[str, str], float] = dataclasses.field(default_factory=lambda: defaultdict(float))
    write: Counter = dataclasses.field(default_factory=Counter)
    calls: Counter = dataclasses.field(default_factory=Counter)
    largest_item: int = 0
    bookkeeping_s: float = 0.0

    @property
    def rru(self) -> float:
        return float(sum(self.read.values()))

    @property
    def wru(self) -> int:
        return int(sum(self.write.values()))

    def cost(self) -> Decimal:
        from bench.prices import DYNAMODB_PER_READ_UNIT, DYNAMODB_PER_WRITE_UNIT

        return DYNAMODB_PER_WRITE_UNIT * self.wru + DYNAMODB_PER_READ_UNIT * Decimal(str(self.rru))


class _Tables:
    """moto's tables of this process: the stored item of a key, and each table's indexes."""

    def __init__(self) -> None:
        from moto.dynamodb.models import dynamodb_backends

        from local.stack import ACCOUNT, REGION

        self.backend = dynamodb_backends[ACCOUNT][REGION]

    def stored(self, table: str, key: dict) -> dict | None:
        try:
            found = self.backend.get_item(table, key)
        except Exception:  # noqa: BLE001 - a table or key moto refuses: the call itself will fail and say why
            return None
        return None if found is None else found.to_json()["Attributes"]

    def indexes(self, table: str) -> list[tuple[list[str], list[str] | None]]:
        """(key attribute names, projected attribute names or None for ALL) of each global secondary index."""
        found: list[tuple[list[str], list[str] | None]] = []
        for index in self.backend.get_table(table).global_indexes:
            names = [k["AttributeName"] for k in index.schema]
            projection = index.projection or {}
            if projection.get("ProjectionType", "ALL") == "ALL":
                found.append((names, None))
            else:
                found.append((names, names + list(projection.get("NonKeyAttributes", []))))
        return found

    def key_of(self, table: str, item: dict) -> dict:
        moto_table = self.backend.get_table(table)
        names = [moto_table.hash_key_attr] + ([moto_table.range_key_attr] if moto_table.range_key_attr else [])
        return {name: item[name] for name in names if name in item}


def _projection(item: dict | None, keys: list[str], projected: list[str] | None) -> dict | None:
    """What an index holds of an item: None when the item lacks the index's key."""
    if item is None or not all(k in item for k in keys):
        return None
    return item if projected is None else {k: v for k, v in item.items() if k in projected}


def _index_units(tables: _Tables, table: str, before: dict | None, after: dict | None) -> int:
    """Standard writes of the global secondary indexes an item is in, before or after the write."""
    units = 0
    for keys, projected in tables.indexes(table):
        old, new = _projection(before, keys, projected), _projection(after, keys, projected)
        if old is not None and new is not None and any(old[k] != new[k] for k in keys):
            units += write_units(item_size(old)) + write_units(item_size(new))  # moved: a delete and a put
        elif old is not None or new is not None:
            units += write_units(max(item_size(old), item_size(new)))
    return units


def _short(table: str) -> str:
    return table.rsplit("-", 1)[-1]


class _Counting:
    def __init__(self, units: Units) -> None:
        self.units = units
        self.tables = _Tables()
        self.lock = threading.Lock()

    def _write(self, op: str, table: str, before: dict | None, after: dict | None, *, transactional: bool) -> None:
        size = max(item_size(before), item_size(after))
        units = write_units(size, transactional=transactional) + _index_units(self.tables, table, before, after)
        with self.lock:
            self.units.write[(_short(table), op)] += units
            self.units.largest_item = max(self.units.largest_item, item_size(after))

    def _read(self, op: str, table: str, units: float) -> None:
        with self.lock:
            self.units.read[(_short(table), op)] += units

    def before(self, operation: str, params: dict) -> list[tuple[str, str, dict, dict | None, dict | None]]:
        """(kind, table, key, item stored before, item put) of each item a write touches, looked up before the call."""
        if operation in ("PutItem", "UpdateItem", "DeleteItem"):
            return [self._touched(operation, params)]
        if operation == "TransactWriteItems":
            return [self._touched(kind, op) for entry in params["TransactItems"] for kind, op in entry.items()]
        if operation == "BatchWriteItem":
            return [
                self._touched(
                    "Put" if "PutRequest" in request else "Delete", {"TableName": table, **next(iter(request.values()))}
                )
                for table, requests in params["RequestItems"].items()
                for request in requests
            ]
        return []

    def _touched(self, kind: str, op: dict) -> tuple[str, str, dict, dict | None, dict | None]:
        table, put = op["TableName"], op.get("Item")
        key = op["Key"] if "Key" in op else self.tables.key_of(table, put or {})
        return kind, table, key, self.tables.stored(table, key), put

    def after(self, operation: str, params: dict, response: dict | None, touched: list) -> None:
        """Units of one call, from its parameters, its response (None when it failed) and the items it touched."""
        transactional = operation == "TransactWriteItems"
        for kind, table, key, old, put in touched:
            if kind == "ConditionCheck" or response is None:
                new = old  # nothing written; the item is still looked at and billed
            elif kind in ("DeleteItem", "Delete"):
                new = None
            elif put is not None:
                new = put
            else:
                new = self.tables.stored(table, key)
            self._write(operation, table, old, new, transactional=transactional)
        if response is None:
            return
        if operation == "GetItem":
            self._read(
                operation,
                params["TableName"],
                read_units(item_size(response.get("Item")), consistent=bool(params.get("ConsistentRead"))),
            )
        elif operation in ("Query", "Scan"):
            size = sum(item_size(item) for item in response.get("Items", []))
            self._read(operation, params["TableName"], read_units(size, consistent=bool(params.get("ConsistentRead"))))
        elif operation == "BatchGetItem":
            for table, request in params["RequestItems"].items():
                items = response.get("Responses", {}).get(table, [])
                consistent = bool(request.get("ConsistentRead"))
                missing = max(0, len(request["Keys"]) - len(items))
                units = sum(read_units(item_size(i), consistent=consistent) for i in items) + missing * read_units(
                    0, consistent=consistent
                )
                self._read(operation, table, units)
        elif operation == "TransactGetItems":
            for entry, found in zip(params["TransactItems"], response.get("Responses", [])):
                self._read(
                    operation,
                    entry["Get"]["TableName"],
                    read_units(item_size(found.get("Item")), consistent=True, transactional=True),
                )


@contextmanager
def request_units() -> Iterator[Units]:
    """Every DynamoDB call's request units while the block runs (every client of the process)."""
    from bench.stack import intercepted

    units = Units()
    counting = _Counting(units)

    def counted(client, operation_name, api_params, call):
        if client.meta.service_model.service_name != "dynamodb":
            return call()
        started = time.perf_counter()
        olds = counting.before(operation_name, api_params)
        spent = time.perf_counter() - started
        response = None
        try:
            response = call()
            return response
        finally:
            started = time.perf_counter()
            counting.after(operation_name, api_params, response, olds)
            with counting.lock:
                units.calls[operation_name] += 1
                units.bookkeeping_s += spent + time.perf_counter() - started

    with intercepted(counted):
        yield units
