"""The one way sealed records are opened (R-5b, R-16c, R-17c): bids, proposals and best and final offers share the
sealer's protocol, the bounded pool that decrypts them and the transactions that write them opened. A module apart
from the invitation to bid's services, so that the proposal openings load none of them."""

from __future__ import annotations

import concurrent.futures
import dataclasses
import datetime as dt
from collections.abc import Callable, Iterable
from typing import Generic, Protocol, TypeVar

from chalicelib.domain.commitment import Sealed
from chalicelib.domain.errors import Conflict
from chalicelib.services.ports import Actor, Change, Deps


class SealedRecord(Protocol):
    """A bid or a proposal: sealed until its opening."""

    @property
    def id(self) -> str: ...

    @property
    def status(self) -> object: ...


R = TypeVar("R", bound=SealedRecord)


class Sealer(Protocol):
    """KMS envelope encryption bound to (solicitation, bid) (adapters/sealing.py)."""

    def seal(self, plaintext: bytes, solicitation_id: str, bid_id: str) -> Sealed: ...

    def open(self, sealed: Sealed, solicitation_id: str, bid_id: str) -> bytes: ...


TIME_RESERVE_MS = 10_000  # stop early when less time than this is left
OPENING_WORKERS = 16  # concurrent openings (KMS Decrypt, DynamoDB): a bounded pool, far below KMS's request quota
# Records opened per TransactWriteItems: each writes its entity, its audit record and the parts new at its opening
# (the largest bid, bounded by MAX_BID_BYTES as sent, about 0.54 MB in all; tests/unit/test_largest_items.py), so 6
# stay within DynamoDB's 4 MB and 100 items per transaction.
OPENED_PER_TRANSACTION = 6
IN_FLIGHT = 2 * OPENING_WORKERS  # transactions submitted and not yet done: memory holds these records only


@dataclasses.dataclass(frozen=True)
class SealedKind(Generic[R]):
    """What the shared opening needs to know of one kind of sealed record (bids, proposals)."""

    cls: type[R]
    sealed: object  # the status of a record still sealed
    opened: object  # the status of an opened one
    action: str  # the audit action of its opening


@dataclasses.dataclass(frozen=True)
class OpenedPage:
    opened: int  # records of the page opened, by this call or by an earlier try
    last: str  # the last record id looked at: where the next call continues
    done: bool  # every record was looked at


def open_sealed(
    deps: Deps,
    actor: Actor,
    now: dt.datetime,
    kind: SealedKind[R],
    ids: Iterable[str],
    open_one: Callable[[R], R],
    *,
    include: Callable[[R], bool] = lambda record: True,
    limit: int | None = None,
    time_left: Callable[[], int] | None = None,
) -> OpenedPage:
    """The openings' one loop (R-5b, R-16c, R-17c): the sealed records among `ids` (those `include` keeps) are read,
    opened by `open_one` (one KMS Decrypt of each record's own data key) and written OPENED_PER_TRANSACTION to a
    transaction, each group by one worker of a bounded pool. Each write is conditioned on the version read, and a
    record already opened is only counted, so a retried call opens what is still sealed and nothing twice.

    At most `limit` ids are looked at, and none once less than TIME_RESERVE_MS is left: the page then ends not done.
    Every group submitted is finished (or has failed) before the call returns; the first failure is raised then."""
    opened, looked, last, group = 0, 0, "", list[str]()
    pending: set[concurrent.futures.Future[int]] = set()
    with concurrent.futures.ThreadPoolExecutor(OPENING_WORKERS, thread_name_prefix="opening") as pool:

        def submit() -> None:
            pending.add(pool.submit(_open_group, deps, actor, now, kind, list(group), open_one, include))
            group.clear()

        def settle(finished: set[concurrent.futures.Future[int]]) -> int:
            pending.difference_update(finished)
            return sum(f.result() for f in finished)  # a failed group raises here; the pool still finishes the others

        for record_id in ids:
            if looked == limit or (time_left is not None and time_left() < TIME_RESERVE_MS):
                if group:
                    submit()
                return OpenedPage(opened + settle(concurrent.futures.wait(pending).done), last, False)
            group.append(record_id)
            looked, last = looked + 1, record_id
            if len(group) == OPENED_PER_TRANSACTION:
                submit()
            if len(pending) >= IN_FLIGHT:
                opened += settle(concurrent.futures.wait(pending, return_when=concurrent.futures.FIRST_COMPLETED).done)
        if group:
            submit()
        return OpenedPage(opened + settle(concurrent.futures.wait(pending).done), last, True)


def _open_group(
    deps: Deps,
    actor: Actor,
    now: dt.datetime,
    kind: SealedKind[R],
    ids: list[str],
    open_one: Callable[[R], R],
    include: Callable[[R], bool],
) -> int:
    """One worker's part: read the group in one batch (strongly consistent), open its sealed records and write them in
    one transaction; the number of the group's records opened, earlier openings included."""
    records = [r for r in deps.store.get_many(kind.cls, ids) if include(r)]
    sealed = [r for r in records if r.status == kind.sealed]
    changes = [Change(action=kind.action, after=open_one(r), before=r) for r in sealed]
    if changes:
        deps.store.commit(actor, now, changes)
    return len(sealed) + sum(r.status == kind.opened for r in records)


class SealBroken(Conflict):
    """A sealed record does not decrypt to what its receipt hash says."""
