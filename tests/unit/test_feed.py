"""The public change feed with the in-memory store: only public records enter it, and only behind the watermark."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from chalicelib.adapters.entities import ENTITY_TYPES
from chalicelib.domain.bids import Bid
from chalicelib.domain.solicitations import Solicitation, SolicitationStatus
from chalicelib.services import feed
from chalicelib.services.ports import Actor, Change, PageRequest, Role
from tests.records import draft_solicitation

PURCHASING = Actor("officer", Role.PURCHASING, "DAS")
VENDOR = Actor("vendor-user", Role.VENDOR, "acme")
AT = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
LAG = dt.timedelta(seconds=65)


def test_only_solicitations_rfps_and_plans_enter_the_feed():
    # Given the entity types / Then only the three the public JSON routes show one by one name a public route
    public = {et.kind: et.public_path for et in ENTITY_TYPES.values() if et.public_path}
    assert public == {"solicitation": "/solicitations/{id}", "rfp": "/rfps/{id}", "plan": "/plans/{id}"}


@pytest.mark.rule("R-5n")
def test_a_sealed_bid_and_a_draft_never_enter_the_feed(deps):
    # Given a draft and a sealed bid committed, then the publication
    deps.store.commit(PURCHASING, AT, [Change(action="solicitation.drafted", after=draft_solicitation(AT))])
    bid = Bid("B-1", "ITB-1", "V-1", "acme", "Acme", "bids@acme.example", AT, "c0ffee", None)
    deps.store.commit(VENDOR, AT, [Change(action="bid.submitted", after=bid)])
    draft = deps.store.get(Solicitation, "ITB-1")
    published = dataclasses.replace(draft, status=SolicitationStatus.OPEN)
    deps.store.commit(PURCHASING, AT, [Change(action="solicitation.published", after=published, before=draft)])
    deps.clock.set(AT + LAG + dt.timedelta(seconds=1))

    # When the public reads the feed
    found = feed.public_changes(deps, PageRequest(limit=100), lag=LAG)

    # Then only the publication
    assert [(i.kind, i.action) for i in found.items] == [("solicitation", "solicitation.published")]


def test_a_change_inside_the_commit_lag_is_held_back_and_the_cursor_stays(deps):
    # Given a publication committed at the watermark's last instant
    deps.store.commit(
        PURCHASING, AT, [Change(action="solicitation.published", after=draft_solicitation(AT, status=SolicitationStatus.OPEN))]
    )
    deps.clock.set(AT + LAG)

    # When read at that instant, and a microsecond later
    held = feed.public_changes(deps, PageRequest(limit=10), lag=LAG)
    deps.clock.set(AT + LAG + dt.timedelta(microseconds=1))
    given = feed.public_changes(deps, PageRequest(limit=10, after=held.next or ""), lag=LAG)

    # Then first nothing (with a cursor to resume from), then the item
    assert held.items == [] and held.next == feed.START and [i.id for i in given.items] == ["ITB-1"]
