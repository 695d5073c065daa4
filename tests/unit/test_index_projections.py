"""Indexes project only what their lists read (issue #14), and the deployed tables (infra/resources.json, which the
local stack creates too) declare exactly the projections the store's models name."""

import json
from pathlib import Path

import pytest

from chalicelib.adapters.dynamo import AUDIT_LISTED, LISTED, DynamoStore

RESOURCES = json.loads((Path(__file__).parents[2] / "infra" / "resources.json").read_text())["Resources"]


def deployed(table: str) -> dict[str, dict]:
    return {gsi["IndexName"]: gsi["Projection"] for gsi in RESOURCES[table]["Properties"]["GlobalSecondaryIndexes"]}


def declared(model) -> dict[str, dict]:
    found = {}
    for index in model._indexes.values():
        projection = index.Meta.projection
        found[index.Meta.index_name] = {"ProjectionType": projection.projection_type} | (
            {"NonKeyAttributes": list(projection.non_key_attributes)} if projection.non_key_attributes else {}
        )
    return found


@pytest.mark.parametrize("table, model", [("EntitiesTable", "Entity"), ("AuditTable", "Audit")])
def test_the_deployed_indexes_project_what_the_store_declares(table, model):
    # Given the store's models and the deployed template
    store = DynamoStore("entities", "audit", "us-east-1")
    # Then every index has the same projection in both
    assert deployed(table) == declared(getattr(store, model))


def test_entity_lists_read_the_body_and_version_and_not_the_other_indexes_keys():
    # Given the entities table's indexes
    projections = deployed("EntitiesTable")
    # Then each carries the body and version beside its keys, never `kind` or another index's keys
    assert {name: p.get("NonKeyAttributes") for name, p in projections.items()} == {g: LISTED for g in projections}
    assert all(p["ProjectionType"] == "INCLUDE" for p in projections.values())


def test_audit_lists_read_the_entry_and_not_its_hashes():
    # Given the audit table's indexes
    projections = deployed("AuditTable")
    # Then they carry what an entry shows, not the hash chain (the verifier reads the table)
    assert projections["by_actor"]["NonKeyAttributes"] == AUDIT_LISTED
    assert projections["public_by_time"]["NonKeyAttributes"] == ["actor", *AUDIT_LISTED]
    assert not {"hash", "previous"} & {a for p in projections.values() for a in p["NonKeyAttributes"]}
