"""The public change feed: every change of a public record (a published solicitation or RFP, an approved plan) in
commit order, for an aggregator that mirrors what is public.

An item names the record, its version, the action and the public JSON route that shows it, nothing else: what the
record holds is what that route shows the public. Drafts never enter the feed (adapters/entities.py `public_path`).
A reader is given only what was committed before the watermark (now minus the longest a commit takes): a commit
still under way when the reader passes its time has landed by the time the watermark does, so none is skipped.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from chalicelib.services.ports import FEED, Deps, Listing, PageRequest

START = "0"  # the position before every item (positions begin with the commit year)


@dataclass(frozen=True)
class FeedItem:
    at: dt.datetime
    kind: str
    id: str
    version: int
    action: str
    path: str


def public_changes(deps: Deps, page: PageRequest, *, lag: dt.timedelta) -> Listing[FeedItem]:
    """At most `page.limit` items after the reader's position, oldest first; `next` is always the position to resume
    from (the same one when nothing new is behind the watermark), so a reader polls with it."""
    found = deps.store.stream_page(FEED, after=page.after, before=deps.clock.now() - lag, limit=page.limit)
    position = found.items[-1]["position"] if found.items else page.after or START
    return Listing([_item(raw) for raw in found.items], position)


def _item(raw: dict) -> FeedItem:
    at = dt.datetime.strptime(raw["position"].split("|")[0], "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=dt.UTC)
    return FeedItem(at, raw["kind"], raw["id"], raw["version"], raw["action"], raw["path"])
