"""The outbox: an email is a record written in the same transaction as the change that causes it, then delivered.

A change and its email are one fact: if the change is stored the email is stored, and a failure of the mail service
later can delay the email but never undo the change or lose the message. Each message has a key (what it is about:
`award:AW-1:1:notice`), so writing it again, from a retried task or request, is the same message, never a second one.
A broadcast is one message to an audience (every vendor invited to a solicitation...): the delivery worker expands it
page by page into one message per address, so no request or task ever mails thousands of recipients itself.

Delivery is at least once: a message is marked sent after the mail service accepted it; it is sent again only if
that mark could not be written (the worker sees its lease expire).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
from dataclasses import dataclass

# a message written by a request or task is first tried by that same caller (`Deps.commit`); the delivery worker
# leaves it alone for this long, then takes it over if it is still pending
FIRST_TRY_LEASE = dt.timedelta(minutes=2)
# a worker that took a message and did not settle it (stopped mid-send) loses it to the next run after this
DELIVERY_LEASE = dt.timedelta(minutes=5)
RETRY_DELAYS = (1, 2, 4, 8, 15, 30, 60)  # minutes after the 1st, 2nd, ... failure; then every hour
EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)  # before any message is due
ATTEMPTS_BEFORE_ATTENTION = 8  # about 2 hours of failures: purchasing is told (and retries go on)


class MessageStatus(str, enum.Enum):
    PENDING = "pending"
    SENT = "sent"
    EXPANDED = "expanded"  # a broadcast whose per-address messages are all written


@dataclass(frozen=True)
class Audience:
    """Who a broadcast goes to: a named query the delivery worker pages through (services/outbox.py AUDIENCES)."""

    name: str
    of: str  # the record the audience belongs to, e.g. a solicitation id


@dataclass(frozen=True)
class Message:
    id: str  # the key: what the message is about, unique
    to: tuple[str, ...]
    subject: str
    text: str
    created_at: dt.datetime
    next_attempt_at: dt.datetime
    status: MessageStatus = MessageStatus.PENDING
    attempts: int = 0  # failed sending attempts
    last_error: str | None = None
    sent_at: dt.datetime | None = None
    audience: Audience | None = None  # set on a broadcast
    cursor: str = ""  # a broadcast: the last audience member already written
    recipients: int = 0  # a broadcast: per-address messages written so far
    html: str = ""  # the HTML part, the same facts as `text`
    version: int = 0

    @property
    def is_broadcast(self) -> bool:
        return self.audience is not None


DUE_KEY_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"


def due_key(instant: dt.datetime) -> str:
    """A fixed-width UTC instant, the sort key of the pending messages: keys compare as the instants do."""
    return instant.astimezone(dt.UTC).strftime(DUE_KEY_FORMAT)


def due_of_sort_key(sort_key: str) -> dt.datetime:
    """The due instant of a pending message's index sort key `<due_key>#<message key>`."""
    return dt.datetime.strptime(sort_key.split("#", 1)[0], DUE_KEY_FORMAT).replace(tzinfo=dt.UTC)


def new_message(
    key: str, to: tuple[str, ...], subject: str, text: str, now: dt.datetime, *, html: str = "", first_try: bool
) -> Message:
    """A message its writer tries at once (`first_try`) is left to it for a lease; others are due now."""
    due = now + FIRST_TRY_LEASE if first_try else now
    return Message(id=key, to=to, subject=subject, text=text, html=html, created_at=now, next_attempt_at=due)


def new_broadcast(
    key: str, audience: Audience, subject: str, text: str, extra: tuple[str, ...], now: dt.datetime, *, html: str = ""
) -> Message:
    """Due at once: the delivery worker expands it (the writer never mails an audience itself)."""
    return Message(
        id=key, to=extra, subject=subject, text=text, html=html, created_at=now, next_attempt_at=now, audience=audience
    )


def awaits_first_try(message: Message, now: dt.datetime) -> bool:
    """Written just now and not tried yet: its writer sends it (a key written before is not sent again)."""
    return (
        message.status is MessageStatus.PENDING
        and not message.is_broadcast
        and message.attempts == 0
        and message.next_attempt_at == message.created_at + FIRST_TRY_LEASE
        and now < message.next_attempt_at
    )


def taken(message: Message, now: dt.datetime) -> Message:
    """The worker holds the message while it sends: another run sees it due only after the lease."""
    return dataclasses.replace(message, next_attempt_at=now + DELIVERY_LEASE)


def sent(message: Message, now: dt.datetime) -> Message:
    return dataclasses.replace(message, status=MessageStatus.SENT, sent_at=now, last_error=None)


def failed(message: Message, error: str, now: dt.datetime) -> Message:
    """One more failed attempt: the next one after a growing delay (never given up: a message is never lost)."""
    attempts = message.attempts + 1
    delay = RETRY_DELAYS[min(attempts, len(RETRY_DELAYS)) - 1]
    return dataclasses.replace(
        message, attempts=attempts, last_error=error[:500], next_attempt_at=now + dt.timedelta(minutes=delay)
    )


def needs_attention(message: Message) -> bool:
    """True exactly once: at the failure that reaches the threshold."""
    return message.attempts == ATTEMPTS_BEFORE_ATTENTION


def recipient_key(broadcast: Message, address: str) -> str:
    return f"{broadcast.id}:{address.lower()}"


# the bytes a page of a broadcast writes at most: its copies and the broadcast's own change, within DynamoDB's 4 MB
# transaction with room for the items' other attributes
PAGE_BYTES = 3 * 1024 * 1024


def copy_bytes(broadcast: Message) -> int:
    """The most bytes one copy of the broadcast to one address takes as stored (its texts as JSON, and the rest)."""
    texts = json.dumps([broadcast.id, broadcast.to, broadcast.subject, broadcast.text, broadcast.html], ensure_ascii=False)
    return len(texts.encode()) + 4096


def page_size(broadcast: Message, most: int) -> int:
    """How many addresses one page of the broadcast writes: `most`, fewer when its copies would pass PAGE_BYTES with
    the broadcast itself; at least one (an email fits an item: emails.EMAIL_LINES)."""
    return max(1, min(most, PAGE_BYTES // copy_bytes(broadcast) - 1))


def expanded_page(broadcast: Message, cursor: str | None, written: int) -> Message:
    """After a page of the audience is written: the cursor moves on, or (cursor None) the broadcast is done."""
    if cursor is None:
        return dataclasses.replace(broadcast, status=MessageStatus.EXPANDED, recipients=broadcast.recipients + written)
    return dataclasses.replace(broadcast, cursor=cursor, recipients=broadcast.recipients + written)
