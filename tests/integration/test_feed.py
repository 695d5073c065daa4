"""The public change feed on the emulated DynamoDB: drafts never in it, and a reader paging with the cursor while
others commit misses nothing and sees nothing twice (the watermark holds back what may still be committing)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import random
import threading
import time

import pytest

from chalicelib.adapters.dynamo import DynamoStore
from chalicelib.domain.solicitations import SolicitationStatus
from chalicelib.services import feed
from chalicelib.services.ports import Actor, Change, PageRequest, Role
from tests.fakes import FakeClock, fake_deps
from tests.records import draft_solicitation

PURCHASING = Actor("officer", Role.PURCHASING, "DAS")
START = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)


def _store(stack) -> DynamoStore:
    return DynamoStore(stack.env["ENTITIES_TABLE"], stack.env["AUDIT_TABLE"], "us-east-1")


class RunningClock:
    """Real elapsed time (the stack's clock is frozen): the writers' commits really take time, and the reader's
    watermark really trails them."""

    def __init__(self, start: dt.datetime):
        self._start, self._origin = start, time.perf_counter()

    def now(self) -> dt.datetime:
        return self._start + dt.timedelta(seconds=time.perf_counter() - self._origin)


@pytest.mark.rule("R-4")
def test_a_draft_is_not_in_the_feed_and_its_publication_is(stack):
    # Given a drafted solicitation, then published
    store = _store(stack)
    (draft,) = store.commit(PURCHASING, START, [Change(action="solicitation.drafted", after=draft_solicitation(START, "ITB-1"))])
    published = dataclasses.replace(draft, status=SolicitationStatus.OPEN, published_at=START)
    store.commit(
        PURCHASING, START + dt.timedelta(seconds=1), [Change(action="solicitation.published", after=published, before=draft)]
    )
    deps = dataclasses.replace(fake_deps(), store=store, clock=FakeClock(START + dt.timedelta(minutes=5)))

    # When the public reads the feed
    found = feed.public_changes(deps, PageRequest(limit=10), lag=dt.timedelta(seconds=30))

    # Then only the publication is there, naming the public route and nothing of the record's contents
    assert [(i.kind, i.id, i.version, i.action, i.path) for i in found.items] == [
        ("solicitation", "ITB-1", 2, "solicitation.published", "/solicitations/ITB-1")
    ]


def test_a_change_newer_than_the_watermark_waits_for_a_later_read(stack):
    # Given a publication committed 10 seconds ago, with a 30-second commit lag
    store = _store(stack)
    sol = draft_solicitation(START, "ITB-2", status=SolicitationStatus.OPEN)
    store.commit(PURCHASING, START, [Change(action="solicitation.published", after=sol)])
    clock = FakeClock(START + dt.timedelta(seconds=10))
    deps = dataclasses.replace(fake_deps(), store=store, clock=clock)

    # When the reader reads now, and again once the watermark has passed it (with the cursor it was given)
    early = feed.public_changes(deps, PageRequest(limit=10), lag=dt.timedelta(seconds=30))
    clock.set(START + dt.timedelta(seconds=31))
    later = feed.public_changes(deps, PageRequest(limit=10, after=early.next or ""), lag=dt.timedelta(seconds=30))

    # Then the first read holds it back, and the second gives it
    assert early.items == [] and [i.id for i in later.items] == ["ITB-2"]


def test_a_reader_paging_while_writers_commit_misses_nothing_and_sees_nothing_twice(stack):
    # Given four writers each publishing 10 solicitations, each commit taking up to 0.2 s after its time is taken,
    # and a watermark lag of 3 s (longer than any commit), on a store already connected
    store = _store(stack)
    store.commit(PURCHASING, START, [Change(action="solicitation.drafted", after=draft_solicitation(START, "ITB-warm-up"))])
    lag = dt.timedelta(seconds=3)
    clock = RunningClock(START)
    committed: list[str] = []
    slowest: list[float] = []

    def write(worker: int) -> None:
        rng = random.Random(worker)
        for n in range(10):
            at = clock.now()
            time.sleep(rng.uniform(0, 0.2))
            sol = draft_solicitation(START, f"ITB-{worker}-{n}", status=SolicitationStatus.OPEN)
            store.commit(PURCHASING, at, [Change(action="solicitation.published", after=sol)])
            slowest.append((clock.now() - at).total_seconds())
            committed.append(sol.id)

    deps = dataclasses.replace(fake_deps(), store=store, clock=clock)
    seen: list[str] = []

    def read_page(position: str) -> str:
        found = feed.public_changes(deps, PageRequest(limit=3, after=position), lag=lag)
        seen.extend(i.id for i in found.items)
        return found.next or position

    # When a reader pages with the cursor, in small pages, while they write, and goes on until the lag has passed
    writers = [threading.Thread(target=write, args=(w,)) for w in range(4)]
    for t in writers:
        t.start()
    position = ""
    while any(t.is_alive() for t in writers):
        position = read_page(position)
        time.sleep(0.02)
    time.sleep(lag.total_seconds())
    while True:
        before = len(seen)
        position = read_page(position)
        if len(seen) == before:
            break

    # Then every commit was seen exactly once (and none took longer than the lag, the premise of the watermark)
    assert max(slowest) < lag.total_seconds()
    assert sorted(seen) == sorted(committed) and len(seen) == len(set(seen)) == 40


def test_the_feed_route_is_public_and_resumes_with_its_signed_cursor(api, stack, clock):
    # Given two publications committed two minutes ago (past the commit lag)
    store = _store(stack)
    for n in (1, 2):
        sol = draft_solicitation(START, f"ITB-{n}", status=SolicitationStatus.OPEN)
        store.commit(PURCHASING, clock.now() - dt.timedelta(minutes=2), [Change(action="solicitation.published", after=sol)])

    # When anyone reads the feed one item at a time, then with an altered cursor
    first = api.get("/feed?limit=1")
    second = api.get(f"/feed?limit=1&cursor={first.json['next']}")
    third = api.get(f"/feed?limit=1&cursor={second.json['next']}")
    altered = api.get(f"/feed?cursor={first.json['next']}x")

    # Then each page gives the next item, the end keeps a cursor to poll with, and an altered cursor is refused
    assert [r.status for r in (first, second, third, altered)] == [200, 200, 200, 400]
    assert [i["id"] for r in (first, second, third) for i in r.json["items"]] == ["ITB-1", "ITB-2"]
    assert third.json["next"] == second.json["next"]


def test_the_feed_takes_up_to_a_thousand_items_a_page(api):
    # When the limit is past 1,000 / Then 400 naming the field
    reply = api.get("/feed?limit=1001")
    assert reply.status == 400 and "limit" in str(reply.json)
