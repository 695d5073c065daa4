"""GET /feed: the public change feed (services/feed.py), read with `?cursor=` from where the reader stopped."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum

from chalice import Blueprint
from pydantic import Field

from chalicelib import bootstrap
from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, page_of, page_request
from chalicelib.api.types import LocalTime
from chalicelib.api.views import ApiModel, RequestBody
from chalicelib.services import feed

bp = Blueprint(__name__)
MAX_FEED_LIMIT = 1000


class FeedQuery(RequestBody):
    limit: int = Field(100, ge=1, le=MAX_FEED_LIMIT, description=f"Items per page, 1 to {MAX_FEED_LIMIT}.")
    cursor: str | None = Field(
        None, max_length=2048, description="The `next` of the previous page; omit to read the feed from its beginning."
    )


class FeedKind(StrEnum):
    """The kinds of record in the feed: those a public route shows one by one (adapters/entities.py `public_path`)."""

    SOLICITATION = "solicitation"
    RFP = "rfp"
    PLAN = "plan"


class FeedItemOut(ApiModel):
    at: LocalTime = Field(description="When the change was committed.")
    kind: FeedKind = Field(description="The kind of record.")
    id: str = Field(description="The record's id.")
    version: int = Field(description="The record's version after the change.")
    action: str = Field(description="What was done, e.g. solicitation.published.")
    path: str = Field(description="The public route that shows the record, e.g. /solicitations/S-1a2b.")


@operation(bp, "GET", "/feed", summary="Read the public change feed", tag="feed", query=FeedQuery, response=Page[FeedItemOut])
def public_feed(call: Call):
    """Every change of a public record in commit order, up to the watermark (changes still being committed are given on
    a later read, never skipped). `next` is always set: pass it back later to read what follows."""
    lag = dt.timedelta(seconds=bootstrap.settings().commit_lag_seconds)
    found = feed.public_changes(call.deps, page_request(call), lag=lag)
    return page_of(call, found, lambda item: FeedItemOut.model_validate(item, from_attributes=True))
