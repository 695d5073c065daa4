"""The one page shape of every list: `{items, next}`, read with `?limit=` and `?cursor=`.

A cursor is the store position after a page's last item (its DynamoDB key), signed with HMAC-SHA256 together with
the list it belongs to: the route, its path parameters, its filters and the caller. A cursor altered, or used on
another list, filter or caller, is refused (400 InvalidCursor) before anything is read, so nobody can make a Query
start from a key of their choosing. The key is `CURSOR_KEY` (docs/decisions.md, "Pages and cursors").
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
from collections.abc import Callable
from typing import Any, Generic, TypeVar, cast

from pydantic import BaseModel, Field

from chalicelib import bootstrap
from chalicelib.api.framework import Call
from chalicelib.api.views import ApiModel, RequestBody
from chalicelib.domain.errors import ValidationFailed
from chalicelib.services.ports import Listing, PageRequest

DEFAULT_LIMIT = 50
MAX_LIMIT = 200
Item = TypeVar("Item")


class InvalidCursor(ValidationFailed):
    """The cursor was not written by this API for this list, these filters and this caller."""


class CursorQuery(RequestBody):
    """The query parameter of an answer read in pages: a list, or a document too long for one answer."""

    cursor: str | None = Field(
        None, max_length=2048, description="The `next` of the previous page, with the same filters; omit for the first page."
    )


class PageQuery(CursorQuery):
    """The query parameters every list takes; a list's own filters extend it."""

    limit: int = Field(DEFAULT_LIMIT, ge=1, le=MAX_LIMIT, description=f"Items per page, 1 to {MAX_LIMIT}.")


ITEMS = "At most `limit` items, in the list's order."


class Page(ApiModel, Generic[Item]):
    """One page of a list. Pass `next` back as `?cursor=` (with the same filters) for the following page."""

    items: list[Item] = Field(description=ITEMS)
    next: str | None = Field(
        description="Opaque cursor of the following page; null on the last page.",
        examples=["c29saWNpdGF0aW9uI2J5X3N0YXR1cyNvcGVu.9L3tZkq0n2Xc5mYb1WJvR8aT4eHs6uQdPfGiKlNoMpA"],
    )

    def __class_getitem__(cls, item):
        """`Page[X]` is a model named `XPage`, so that each list's schema has a plain name in the OpenAPI document.
        It is one subclass of `Page` with `items: list[X]`, made once: pydantic's own parametrization would build a
        second class for each list at import."""
        if cls is not Page or not (isinstance(item, type) and issubclass(item, BaseModel)):
            return super().__class_getitem__(item)
        if item not in _NAMED:
            namespace = {
                "__module__": __name__,
                "__doc__": Page.__doc__,
                "__annotations__": {"items": list[item]},  # type: ignore[valid-type]
                "items": Field(description=ITEMS),
            }
            _NAMED[item] = cast(type, type(f"{item.__name__}Page", (Page,), namespace))
        return _NAMED[item]


_NAMED: dict[type, type[Page]] = {}


def page_request(call: Call) -> PageRequest:
    """The page the caller asks for: its limit and the store position its cursor carries, checked."""
    query: PageQuery = call.query
    return PageRequest(limit=query.limit, after=position(call))


def page_of(call: Call, found: Listing, view: Callable[[Any], Item]) -> Page[Item]:
    """The answer for one page of store items, each shown by `view`, with the signed cursor of the next page."""
    return Page[Any](items=[view(item) for item in found.items], next=next_cursor(call, found.next))


def position(call: Call) -> str:
    """The position the caller's `?cursor=` carries, checked against this list and caller; "" without a cursor."""
    cursor = call.query.cursor
    return verified_position(cursor, _scope(call)) if cursor else ""


def next_cursor(call: Call, after: str | None) -> str | None:
    """The cursor of the page after position `after` of this list and caller; None after the last page."""
    return None if after is None else signed_cursor(after, _scope(call))


def _scope(call: Call) -> bytes:
    """What a cursor is bound to: the route, its path parameters, the filters (all but limit and cursor), the caller."""
    request = call.request
    scope = {
        "route": request.context.get("resourcePath"),
        "path": request.uri_params or {},
        "filters": call.query.model_dump(mode="json", exclude={"limit", "cursor"}),
        "caller": None if call.viewer is None else call.viewer.sub,
    }
    return json.dumps(scope, sort_keys=True, separators=(",", ":")).encode()


def _mac(position: bytes, scope: bytes) -> bytes:
    key = bootstrap.settings().cursor_key
    if not key:
        raise RuntimeError("set CURSOR_KEY: the key that signs list cursors")
    return hmac.new(key.encode(), scope + b"\n" + position, hashlib.sha256).digest()


def signed_cursor(position: str, scope: bytes) -> str:
    """The cursor of a store position, bound to `scope`: the same list, filters and caller (public pages too)."""
    raw = position.encode()
    return f"{_b64(raw)}.{_b64(_mac(raw, scope))}"


def verified_position(cursor: str, scope: bytes) -> str:
    """The position a cursor of `scope` carries; InvalidCursor if it was altered or signed for another scope."""
    encoded, _, mac = cursor.partition(".")
    try:
        raw, given = _unb64(encoded), _unb64(mac)
    except (binascii.Error, ValueError):
        raw, given = b"", b""
    if not raw or not hmac.compare_digest(given, _mac(raw, scope)):
        raise InvalidCursor(
            "The cursor is not one this list gave: pass back the `next` of the previous page unchanged, with the same "
            "filters and the same token, or omit it to start from the first page.",
            details=[{"field": "cursor", "problem": "altered, or from another list, filter or caller"}],
        )
    return raw.decode()


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
