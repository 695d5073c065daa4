"""The tamper-evident audit: every audit entry appended, in commit order, to an append-only Merkle log (RFC 6962),
a daily checkpoint of the log signed with a KMS key, and the proofs anyone checks against a checkpoint.

Entries come from the journal (written in each commit's transaction) behind the same watermark as the public feed:
an entry committed late with an earlier time has landed before the log passes its time, so the log never skips one.
The log's hashes are public: an entry's hash reveals nothing of the entry, and its proof only other hashes.
"""

from __future__ import annotations

import base64
import datetime as dt
from dataclasses import dataclass

from chalicelib.domain import audit_log
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.services.ports import JOURNAL, Checkpoint, Deps, Listing, LogLeaf, PageRequest, Signer

MAX_LEAVES = 99  # leaves per append transaction, with the head (DynamoDB: 100 items; a commit has fewer entries)
JOURNAL_PAGE = 20


@dataclass(frozen=True)
class InclusionProof:
    entry: str
    leaf_index: int
    tree_size: int
    root_hash: str
    audit_path: list[str]


@dataclass(frozen=True)
class ConsistencyProof:
    first: int
    second: int
    first_root: str
    second_root: str
    proof: list[str]


def append_new_entries(deps: Deps, *, lag: dt.timedelta) -> int:
    """Append to the log every commit's entries committed before the watermark and not yet in it; how many. A
    commit's entries go in one transaction with the head, so the head's position is always a whole commit."""
    head = deps.store.log_head()
    watermark = deps.clock.now() - lag
    appended = 0
    while True:
        found = deps.store.stream_page(JOURNAL, after=head.position, before=watermark, limit=JOURNAL_PAGE)
        batch: list[LogLeaf] = []
        for commit in found.items:
            leaves = [LogLeaf(hash=e["hash"], entity=e["entity"], seq=e["seq"]) for e in commit["entries"]]
            if batch and len(batch) + len(leaves) > MAX_LEAVES:
                break
            batch += leaves
            position = commit["position"]
        if not batch:
            return appended
        head = deps.store.append_log(head, batch, position)
        appended += len(batch)


def sign_checkpoint(deps: Deps, signer: Signer) -> Checkpoint | None:
    """The day's checkpoint of the log as it is now, signed and stored; None when the day's is already stored."""
    now = deps.clock.now().astimezone(dt.UTC)
    latest = deps.store.checkpoints_page(after=(now.date() - dt.timedelta(days=1)).isoformat(), limit=1).items
    if latest and latest[0].time[:10] == now.date().isoformat():
        return None
    size = deps.store.log_head().size
    root = audit_log.tree_hash(_leaf_hashes(deps, size)).hex()
    at = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    signature = signer.sign(audit_log.checkpoint_message(size, root, at))
    checkpoint = Checkpoint(size, root, at, base64.b64encode(signature).decode(), signer.key_id)
    return checkpoint if deps.store.save_checkpoint(checkpoint) else None


def checkpoints(deps: Deps, page: PageRequest) -> Listing[Checkpoint]:
    return deps.store.checkpoints_page(after=page.after, limit=page.limit)


def inclusion_proof(deps: Deps, entry: str, tree_size: int | None) -> InclusionProof:
    """The audit path of the entry (its hash, hex) in the log of `tree_size` leaves (the whole log when None)."""
    entry = entry.lower()
    log = deps.store.log_leaves(deps.store.log_head().size)
    index = next((n for n, leaf in enumerate(log) if leaf.hash == entry), None)
    if index is None:
        raise NotFound(
            "The audit log holds no entry with this hash (yet: entries enter it a few minutes after their commit).",
            details=[{"field": "entry", "problem": "not in the log"}],
        )
    size = _tree_size(deps, tree_size, "tree_size")
    if index >= size:
        raise ValidationFailed(
            f"The entry is leaf {index}; a tree of {size} does not hold it yet.",
            details=[{"field": "tree_size", "problem": f"must be more than {index}"}],
        )
    leaves = [audit_log.leaf_hash(leaf.hash) for leaf in log[:size]]
    path = audit_log.inclusion_proof(index, leaves)
    return InclusionProof(entry, index, size, audit_log.tree_hash(leaves).hex(), [p.hex() for p in path])


def consistency_proof(deps: Deps, first: int, second: int) -> ConsistencyProof:
    """That the log of `first` leaves is a prefix of the log of `second` leaves (RFC 6962 2.1.2)."""
    second = _tree_size(deps, second, "to")
    if not 0 < first <= second:
        raise ValidationFailed(
            f"from must be a tree size from 1 to {second}.", details=[{"field": "from", "problem": f"not in 1..{second}"}]
        )
    leaves = _leaf_hashes(deps, second)
    return ConsistencyProof(
        first,
        second,
        audit_log.tree_hash(leaves[:first]).hex(),
        audit_log.tree_hash(leaves).hex(),
        [p.hex() for p in audit_log.consistency_proof(first, leaves)],
    )


def _tree_size(deps: Deps, asked: int | None, field: str) -> int:
    size = deps.store.log_head().size
    if asked is None:
        return size
    if not 0 < asked <= size:
        raise ValidationFailed(
            f"The log holds {size} entries: {field} must be from 1 to {size}.",
            details=[{"field": field, "problem": f"not in 1..{size}"}],
        )
    return asked


def _leaf_hashes(deps: Deps, size: int) -> list[bytes]:
    return [audit_log.leaf_hash(leaf.hash) for leaf in deps.store.log_leaves(size)]
