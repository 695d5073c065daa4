"""Delivering the outbox (domain/outbox.py): the writer's first try, the worker that retries and fans out.

`Deps.commit` tries each email it wrote once, at once; a failure is recorded on the message and never reaches the
caller. The worker (`deliver_due`, run every minute by a schedule) sends what is due: messages whose first try
failed or never happened, and broadcasts, which it expands page by page into one message per address, each page in
one transaction with the broadcast's cursor, so a page is written once however often the worker stops and restarts.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence

from chalicelib.domain import outbox as rules
from chalicelib.domain.errors import DomainError, NotFound
from chalicelib.domain.outbox import Audience, Message, MessageStatus
from chalicelib.services import proposals, rfps, solicitations
from chalicelib.services.ports import Actor, Change, Deps, Email, Send

log = logging.getLogger(__name__)

WORKER = Actor.system("outbox")
PAGE = 99  # a broadcast's addresses written per transaction, with the broadcast itself: DynamoDB's 100 items (fewer
# for a large email: rules.page_size)
TIME_RESERVE_MS = 30_000  # the worker stops taking work this long before its Lambda timeout

# audience name -> page(deps, of, cursor, size) -> (addresses, next cursor or None when the audience is exhausted)
AUDIENCES: dict[str, Callable[[Deps, str, str, int], tuple[list[str], str | None]]] = {
    "invited-vendors": solicitations.invited_page,  # the notice
    "solicitation-recipients": solicitations.recipients_page,  # R-5o: addenda, cancellation
    "opened-bidders": solicitations.opened_bidders_page,  # R-8b: all bids rejected
    rfps.INVITED: rfps.invited_page,  # R-4: a request for proposals' notice
    rfps.RECIPIENTS: proposals.recipients_page,  # its addenda and cancellation, to proposers too
}


def first_try(deps: Deps, keys: Sequence[str]) -> None:
    """Send each message just written, unless it was written before (then it is sent or being retried)."""
    try:
        written = deps.store.get_many(Message, keys)
    except Exception:
        log.exception("first try of %d email(s) could not read them; the outbox worker sends them", len(keys))
        return
    for message in sorted(written, key=lambda m: keys.index(m.id)):  # in the order written: a receipt before its copy
        try:
            if rules.awaits_first_try(message, deps.clock.now()):
                _attempt(deps, message)
        except Exception:
            log.exception("first try of email %s failed; the outbox worker retries it", message.id)


def deliver_due(deps: Deps, time_left: Callable[[], int] | None = None) -> dict:
    """Send every message due and expand every broadcast due, until none is left or the time is nearly up."""
    counts = {"sent": 0, "failed": 0, "expanded": 0}
    while True:
        now = deps.clock.now()
        due = list(
            deps.store.iterate(
                Message, "due", "pending", sk_between=(rules.due_key(rules.EPOCH), rules.due_key(now) + "#\uffff"), limit=PAGE
            )
        )
        progressed = False
        for message in due:
            if time_left is not None and time_left() < TIME_RESERVE_MS:
                return {**counts, "done": False}
            if message.audience is not None:
                progressed |= _expand_page(deps, message, message.audience, counts)
            else:
                progressed |= _take_and_send(deps, message, counts)
        if not due or not progressed:
            return {**counts, "done": not due}


def retry_now(deps: Deps, key: str) -> None:
    """A person asks for another try of a message that kept failing (after fixing its cause): sent at once."""
    message = deps.load(Message, key)
    if message.status is MessageStatus.PENDING:
        _take_and_send(deps, message, {"sent": 0, "failed": 0})


def _take_and_send(deps: Deps, message: Message, counts: dict) -> bool:
    try:
        (taken,) = deps.store.commit(
            WORKER,
            deps.clock.now(),
            [Change(action="message.taken", after=rules.taken(message, deps.clock.now()), before=message)],
        )
    except DomainError:
        return False  # another run took it meanwhile
    counts["sent" if _attempt(deps, taken) else "failed"] += 1
    return True


def _attempt(deps: Deps, message: Message) -> bool:
    now = deps.clock.now()
    try:
        deps.notifier.send(_email(message, message.to))
    except Exception as exc:  # noqa: BLE001 - any failure of the mail service: recorded, retried later
        _settle(deps, message, rules.failed(message, f"{type(exc).__name__}: {exc}", now))
        return False
    _settle(deps, message, rules.sent(message, now))
    return True


def _email(message: Message, to: tuple[str, ...]) -> Email:
    return Email(to=to, subject=message.subject, text=message.text, html=message.html)


def _settle(deps: Deps, message: Message, settled: Message) -> None:
    action = "message.sent" if settled.status is MessageStatus.SENT else "message.failed"
    deps.store.commit(WORKER, settled.sent_at or deps.clock.now(), [Change(action=action, after=settled, before=message)])
    if settled.status is MessageStatus.PENDING and rules.needs_attention(settled):
        from chalicelib.services import attention

        attention.raise_attention(
            deps,
            attention.OUTBOX,
            message.id,
            "Deliver email",
            "EmailNotDelivered",
            f'{settled.attempts} attempts to send "{message.subject}" to {", ".join(message.to)} '
            f"failed; the last with {settled.last_error}. Retries go on every hour.",
            task_token="",
        )


def _expand_page(deps: Deps, broadcast: Message, audience: Audience, counts: dict) -> bool:
    """One page of the broadcast's audience: its messages and the broadcast's new cursor in one transaction, then sent."""
    try:
        page = AUDIENCES[audience.name]
    except KeyError:
        raise NotFound(f"No audience {audience.name!r} for broadcast {broadcast.id}.") from None
    addresses, cursor = page(deps, audience.of, broadcast.cursor, rules.page_size(broadcast, PAGE))
    if not broadcast.cursor and not broadcast.recipients:
        addresses = [*broadcast.to, *addresses]  # the extra addresses go with the first page
    unique = sorted({a.lower(): a for a in addresses}.values())
    sends = [Send(rules.recipient_key(broadcast, a), _email(broadcast, (a,))) for a in unique]
    try:
        deps.commit(
            WORKER,
            deps.clock.now(),
            [
                Change(action="message.expanded", after=rules.expanded_page(broadcast, cursor, len(sends)), before=broadcast),
                *sends,
            ],
        )
    except DomainError:
        return False  # another run wrote this page meanwhile
    counts["expanded"] += len(sends)
    return True
