"""The tamper-evident audit on the emulated stack: the hash chain written with each commit, the Merkle log appended
behind the watermark, the signed daily checkpoint, the public proofs, and the offline verification of it all."""

from __future__ import annotations

import dataclasses
import datetime as dt

import boto3
import pytest

from chalicelib import bootstrap
from chalicelib.adapters.dynamo import DynamoStore
from chalicelib.domain import audit_log as merkle
from chalicelib.domain.solicitations import SolicitationStatus
from chalicelib.services import audit_log
from chalicelib.services.ports import Actor, Change, PageRequest, Role
from local import verify_audit
from local.stack import REGION
from tests.fakes import FakeClock, fake_deps
from tests.records import draft_solicitation

PURCHASING = Actor("officer", Role.PURCHASING, "DAS")
START = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
LAG = dt.timedelta(seconds=65)


@pytest.fixture
def audited(stack):
    """Two solicitations, one drafted, published and given an addendum-like change: five entries over two entities,
    appended to the log and signed a minute past the watermark."""
    store = DynamoStore(stack.env["ENTITIES_TABLE"], stack.env["AUDIT_TABLE"], REGION)
    (a,) = store.commit(PURCHASING, START, [Change(action="solicitation.drafted", after=draft_solicitation(START, "ITB-A"))])
    (b,) = store.commit(PURCHASING, START, [Change(action="solicitation.drafted", after=draft_solicitation(START, "ITB-B"))])
    (a2,) = store.commit(
        PURCHASING,
        START + dt.timedelta(seconds=1),
        [Change(action="solicitation.published", after=dataclasses.replace(a, status=SolicitationStatus.OPEN), before=a)],
    )
    store.commit(
        PURCHASING,
        START + dt.timedelta(seconds=2),
        [Change(action="solicitation.retitled", after=dataclasses.replace(a2, title="Pumps, 2"), before=a2)],
    )
    store.commit(
        PURCHASING,
        START + dt.timedelta(seconds=3),
        [Change(action="solicitation.retitled", after=dataclasses.replace(b, title="Valves"), before=b)],
    )
    clock = FakeClock(START + dt.timedelta(minutes=5))
    deps = dataclasses.replace(fake_deps(), store=store, clock=clock)
    audit_log.append_new_entries(deps, lag=LAG)
    audit_log.sign_checkpoint(deps, bootstrap.signer())
    return deps


def _export(stack) -> dict:
    dynamodb, kms = boto3.client("dynamodb", region_name=REGION), boto3.client("kms", region_name=REGION)
    return verify_audit.export_from(dynamodb, kms, stack.env["ENTITIES_TABLE"], stack.env["AUDIT_TABLE"])


def test_each_entry_names_the_hash_of_its_entitys_previous_entry(audited):
    # Given an entity changed three times / When its trail is read / Then each entry's previous is its predecessor's hash
    table = boto3.client("dynamodb", region_name=REGION)
    items = table.query(
        TableName=audited.store.Audit.Meta.table_name,
        KeyConditionExpression="entity = :e",
        ExpressionAttributeValues={":e": {"S": "solicitation:ITB-A"}},
    )["Items"]
    chain = [(i.get("previous", {}).get("S"), i["hash"]["S"]) for i in sorted(items, key=lambda i: i["seq"]["S"])]
    assert [p for p, _ in chain] == [None, chain[0][1], chain[1][1]]


def test_the_log_holds_every_entry_once_in_commit_order_and_a_second_run_adds_nothing(audited):
    # Given the appended log / When the task runs again / Then nothing more, and the leaves are in commit order
    assert audit_log.append_new_entries(audited, lag=LAG) == 0
    leaves = audited.store.log_leaves(audited.store.log_head().size)
    assert [leaf.entity for leaf in leaves] == [
        "solicitation:ITB-A",
        "solicitation:ITB-B",
        *["solicitation:ITB-A"] * 2,
        "solicitation:ITB-B",
    ]


def test_an_entry_committed_after_the_watermark_waits_for_the_next_run(audited):
    # Given a change committed 10 seconds before the run (within the commit lag)
    audited.store.commit(
        PURCHASING,
        audited.clock.now() - dt.timedelta(seconds=10),
        [Change(action="solicitation.drafted", after=draft_solicitation(START, "ITB-C"))],
    )
    # When the log is appended now, and after the lag
    now = audited.store.log_head().size, audit_log.append_new_entries(audited, lag=LAG)
    audited.clock.advance(seconds=60)
    # Then it waits, then enters
    assert now == (5, 0) and audit_log.append_new_entries(audited, lag=LAG) == 1


def test_the_whole_audit_verifies_and_the_checkpoint_is_signed(audited, stack):
    # Given the audited stack / When verified offline / Then nothing is wrong, and one checkpoint of five entries
    export = _export(stack)
    assert verify_audit.verify(export) == []
    assert [c["tree_size"] for c in export["checkpoints"]] == [5]


def test_a_second_checkpoint_the_same_day_is_not_signed(audited):
    assert audit_log.sign_checkpoint(audited, bootstrap.signer()) is None


@pytest.mark.parametrize("attribute", ["after", "actor", "action", "previous"])
def test_altering_any_stored_audit_entry_fails_verification_naming_it(audited, stack, attribute):
    # Given the verified audit, each of its entries in turn altered in the store
    table = boto3.client("dynamodb", region_name=REGION)
    audit_table = stack.env["AUDIT_TABLE"]
    for item in table.scan(TableName=audit_table)["Items"]:
        key = {"entity": item["entity"], "seq": item["seq"]}
        original = item.get(attribute)
        table.update_item(
            TableName=audit_table,
            Key=key,
            UpdateExpression="SET #a = :v",
            ExpressionAttributeNames={"#a": attribute},
            ExpressionAttributeValues={":v": {"S": '{"id": "forged"}'}},
        )
        # When verified / Then it fails, naming that entry
        problems = verify_audit.verify(_export(stack))
        named = f"entry {item['entity']['S']} {item['seq']['S']}:"
        assert problems and all(p.startswith(named) for p in problems), (attribute, problems)
        if original is None:
            table.update_item(
                TableName=audit_table, Key=key, UpdateExpression="REMOVE #a", ExpressionAttributeNames={"#a": attribute}
            )
        else:
            table.put_item(TableName=audit_table, Item=item)
    assert verify_audit.verify(_export(stack)) == []


def test_an_altered_checkpoint_fails_verification(audited, stack):
    export = _export(stack)
    export["checkpoints"][0]["root_hash"] = "00" * 32
    assert [p.split("): ", 1)[1] for p in verify_audit.verify(export)] == [
        "the leaves do not give its root hash",
        "its signature does not verify with key " + export["checkpoints"][0]["key_id"],
    ]


def test_the_public_proofs_check_against_the_published_checkpoint(audited, api):
    # Given the published checkpoint and an entry's hash
    (checkpoint,) = api.get("/audit/checkpoints").json["items"]
    leaf = audited.store.log_leaves(5)[3]

    # When anyone asks for its inclusion proof and for the consistency of 3 with 5
    proof = api.get(f"/audit/entries/{leaf.hash}/proof?tree_size=5").json
    consistency = api.get("/audit/consistency?from=3&to=5").json

    # Then the path leads from the entry to the checkpoint's root, and 3 is a prefix of 5
    root = merkle.root_from_inclusion(
        proof["leaf_index"], 5, merkle.leaf_hash(leaf.hash), [bytes.fromhex(p) for p in proof["audit_path"]]
    )
    assert root.hex() == checkpoint["root_hash"] == proof["root_hash"]
    assert merkle.consistent(
        3,
        bytes.fromhex(consistency["first_root"]),
        5,
        bytes.fromhex(checkpoint["root_hash"]),
        [bytes.fromhex(p) for p in consistency["proof"]],
    )


def test_a_proof_of_an_unknown_entry_or_a_tree_larger_than_the_log_is_refused(audited, api):
    leaf = audited.store.log_leaves(1)[0]
    assert api.get(f"/audit/entries/{'0' * 64}/proof").status == 404
    assert api.get(f"/audit/entries/{leaf.hash}/proof?tree_size=6").status == 400
    assert api.get("/audit/consistency?from=4&to=3").status == 400


def test_checkpoints_are_listed_page_by_page(audited):
    assert [c.tree_size for c in audit_log.checkpoints(audited, PageRequest(limit=10)).items] == [5]
