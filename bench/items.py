"""Items sized by design (issue #14 goal 4): the largest record of each kind the API's limits allow, stored as the store
stores it, from the worst cases tests/unit/test_largest_items.py builds (one definition of them, read here), and the
projection of every index of the deployed tables (infra/resources.json)."""

from __future__ import annotations

from bench import goals

ITEM_LIMIT_KB = 400


def _kb(size: int) -> str:
    return f"{size / 1024:,.1f}"


def projections() -> tuple[int, int]:
    """(indexes whose projection is ALL, indexes) of the stack's tables, as deployed (infra/resources.json)."""
    from infra.build import resources

    found = [
        index["Projection"]["ProjectionType"]
        for resource in resources()["Resources"].values()
        if resource["Type"] == "AWS::DynamoDB::Table"
        for index in resource["Properties"].get("GlobalSecondaryIndexes", [])
    ]
    return found.count("ALL"), len(found)


def run() -> list:
    from chalicelib.adapters.dynamo import TRANSACTION_LIMIT_BYTES
    from tests.unit import test_largest_items as sizes

    rows: list = []
    largest = 0
    over = []
    for kind in sorted(sizes.LARGEST):
        entity, grown = sizes.LARGEST[kind]()
        root, audit, parts = sizes.stored(entity, grown)
        every = parts.written_at_once + parts.grown
        write = root + audit + sum(parts.written_at_once) + max(parts.grown, default=0)
        biggest = max([root, audit, *every])
        largest = max(largest, biggest)
        fits = biggest < ITEM_LIMIT_KB * 1024 and write < TRANSACTION_LIMIT_BYTES
        if not fits:
            over.append(kind)
        rows.append(
            {
                "kind": kind,
                "item KB": _kb(root),
                "audit record KB": _kb(audit),
                "parts": len(every),
                "largest part KB": _kb(max(every, default=0)),
                "largest write KB": _kb(write),
                f"fits {ITEM_LIMIT_KB} KB": "PASS" if fits else "FAIL",
            }
        )
    unsized = sorted(getattr(sizes, "NOT_YET_SIZED", {}))
    rows.append(
        "each kind's largest record the API's limits allow (tests/unit/test_largest_items.py), its audit record (before "
        "and after), its part items and its largest single transaction; the kinds not built there: "
        + (", ".join(unsized) if unsized else "none")
    )
    all_projected, indexes = projections()
    goals.record(
        4,
        "largest item any accepted input makes",
        f"{_kb(largest)} KB of {len(sizes.LARGEST)} kinds sized",
        f"< {ITEM_LIMIT_KB} KB, every kind sized",
        not over and not unsized,
    )
    goals.record(
        4, "global secondary indexes projecting ALL attributes", f"{all_projected} of {indexes}", "0", all_projected == 0
    )
    return rows
