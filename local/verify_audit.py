"""Verify the whole audit offline: python -m local.verify_audit [--from-export FILE] [--export FILE]

Reads every audit entry, the Merkle log and the signed checkpoints from the running local stack (`make run`: moto on
MOTO_PORT) or from a JSON export made earlier (--from-export), and checks: each entry's hash against its contents,
each entity's chain (every entry names its predecessor's hash), each leaf against its entry, each checkpoint's root
against the leaves and its signature against the KMS public key. --export writes what was read, for an auditor to
check elsewhere. Exit 0 when everything holds; otherwise each problem is printed, naming the entry.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import sys
from collections import defaultdict
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import load_der_public_key

from chalicelib.adapters.dynamo import CHECKPOINTS, LOG_LEAVES
from chalicelib.domain import audit_log

ENTRY_ATTRIBUTES = (*audit_log.ENTRY_FIELDS, "hash")


def export_from(dynamodb, kms, entities_table: str, audit_table: str) -> dict:
    """Everything the verification reads, as plain JSON: audit entries (not reads), leaves, checkpoints, public keys."""
    entries = []
    for page in dynamodb.get_paginator("scan").paginate(TableName=audit_table, ConsistentRead=True):
        for item in page["Items"]:
            if "hash" in item:
                entries.append({name: item[name]["S"] if name in item else None for name in ENTRY_ATTRIBUTES})
    leaves = [json.loads(i["body"]["S"]) for i in _partition(dynamodb, entities_table, LOG_LEAVES)]
    checkpoints = [json.loads(i["body"]["S"]) for i in _partition(dynamodb, entities_table, CHECKPOINTS)]
    keys = {c["key_id"] for c in checkpoints}
    public_keys = {k: base64.b64encode(kms.get_public_key(KeyId=k)["PublicKey"]).decode() for k in sorted(keys)}
    return {"entries": entries, "leaves": leaves, "checkpoints": checkpoints, "public_keys": public_keys}


def _partition(dynamodb, table: str, pk: str) -> list[dict]:
    items: list[dict] = []
    for page in dynamodb.get_paginator("query").paginate(
        TableName=table, KeyConditionExpression="pk = :p", ExpressionAttributeValues={":p": {"S": pk}}, ConsistentRead=True
    ):
        items += page["Items"]
    return items


def verify(export: dict) -> list[str]:
    """Every problem found, each naming the entry (entity and sort key), leaf or checkpoint; [] when all holds."""
    entries = export["entries"]
    problems = [
        f"entry {_name(e)}: its hash does not match its contents" for e in entries if audit_log.entry_hash(e) != e["hash"]
    ]
    problems += _chain_problems(entries)
    problems += _leaf_problems(entries, export["leaves"])
    leaves = [audit_log.leaf_hash(leaf["hash"]) for leaf in export["leaves"]]
    for checkpoint in export["checkpoints"]:
        problems += _checkpoint_problems(checkpoint, leaves, export["public_keys"])
    return problems


def _name(entry: dict) -> str:
    return f"{entry['entity']} {entry['seq']}"


def _version(entry: dict) -> int:
    return int(entry["seq"].split("|")[1])


def _chain_problems(entries: list[dict]) -> list[str]:
    by_entity: dict[str, list[dict]] = defaultdict(list)
    for entry in entries:
        by_entity[entry["entity"]].append(entry)
    problems = []
    for chain in by_entity.values():
        chain.sort(key=_version)
        previous = None
        for entry in chain:
            if entry["previous"] != previous:
                problems.append(f"entry {_name(entry)}: it does not follow the entity's previous entry (chain broken)")
            previous = entry["hash"]
    return problems


def _leaf_problems(entries: list[dict], leaves: list[dict]) -> list[str]:
    stored = {(e["entity"], e["seq"]): audit_log.entry_hash(e) for e in entries}
    problems = []
    for index, leaf in enumerate(leaves):
        found = stored.get((leaf["entity"], leaf["seq"]))
        if found is None:
            problems.append(f"leaf {index}: its entry {leaf['entity']} {leaf['seq']} is missing")
        elif found != leaf["hash"]:
            problems.append(f"entry {leaf['entity']} {leaf['seq']}: its contents are not what leaf {index} logged")
    return problems


def _checkpoint_problems(checkpoint: dict, leaves: list[bytes], public_keys: dict[str, str]) -> list[str]:
    name = f"checkpoint {checkpoint['time']} (tree size {checkpoint['tree_size']})"
    if checkpoint["tree_size"] > len(leaves):
        return [f"{name}: the log holds only {len(leaves)} leaves"]
    problems = []
    if audit_log.tree_hash(leaves[: checkpoint["tree_size"]]).hex() != checkpoint["root_hash"]:
        problems.append(f"{name}: the leaves do not give its root hash")
    message = audit_log.checkpoint_message(checkpoint["tree_size"], checkpoint["root_hash"], checkpoint["time"])
    try:
        key = load_der_public_key(base64.b64decode(public_keys[checkpoint["key_id"]]))
        if not isinstance(key, ec.EllipticCurvePublicKey):
            raise InvalidSignature
        key.verify(base64.b64decode(checkpoint["signature"]), message, ec.ECDSA(hashes.SHA256()))
    except (InvalidSignature, KeyError, ValueError):
        problems.append(f"{name}: its signature does not verify with key {checkpoint['key_id']}")
    return problems


def _from_local_stack() -> dict:
    import boto3

    from local.stack import REGION, app_environment

    endpoint = os.environ.get("AWS_ENDPOINT_URL") or f"http://127.0.0.1:{os.environ.get('MOTO_PORT', '5000')}"
    credentials = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing"}
    env = app_environment()
    dynamodb = boto3.client("dynamodb", region_name=REGION, endpoint_url=endpoint, **credentials)
    kms = boto3.client("kms", region_name=REGION, endpoint_url=endpoint, **credentials)
    return export_from(dynamodb, kms, env["ENTITIES_TABLE"], env["AUDIT_TABLE"])


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.strip().splitlines()[0])
    parser.add_argument("--from-export", type=Path, help="verify this JSON export instead of the running local stack")
    parser.add_argument("--export", type=Path, help="also write what was read to this file")
    args = parser.parse_args(argv[1:])
    export = json.loads(args.from_export.read_text()) if args.from_export else _from_local_stack()
    if args.export:
        args.export.write_text(json.dumps(export, indent=2))
    problems = verify(export)
    for problem in problems:
        print(f"FAILED {problem}", file=sys.stderr)
    if problems:
        return 1
    print(
        f"The audit holds: {len(export['entries'])} entries hash and chain, {len(export['leaves'])} leaves match them, "
        f"{len(export['checkpoints'])} signed checkpoints verify."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
