"""The outbox (domain/outbox.py, services/outbox.py): an email is written with the change that causes it, sent once,
retried after a failure without the change ever failing, and a broadcast is expanded page by page."""

import dataclasses
import datetime as dt

import pytest

from chalicelib.domain import outbox as rules
from chalicelib.domain.attention import Attention
from chalicelib.domain.errors import RecordChanged
from chalicelib.domain.outbox import Audience, Message, MessageStatus
from chalicelib.domain.vendors import Vendor
from chalicelib.services import outbox
from chalicelib.services.ports import Actor, Broadcast, Change, Email, Role, Send
from tests.unit.test_bids_services import sol, vendor  # noqa: F401 - fixtures

SYSTEM = Actor.system("test")
HELLO = Email(to=("bids@acme.example",), subject="Hello", text="A notice.")


class FlakyNotifier:
    """Fails the first `failures` sends (None: every send), then records like RecordingNotifier."""

    def __init__(self, failures=None):
        self.failures, self.sent, self.tries = failures, [], 0

    def send(self, email):
        self.tries += 1
        if self.failures is None or self.tries <= self.failures:
            raise ConnectionError("SES unavailable")
        self.sent.append(email)


def message(deps, key):
    return deps.store.get(Message, key)


def test_an_email_written_with_a_change_is_sent_once_at_its_writers_first_try(deps):
    # Given a commit that writes a change and its email / Then the email is sent at once and marked sent
    deps.commit(SYSTEM, deps.clock.now(), [Send("greeting", HELLO)])
    assert deps.notifier.sent == [HELLO]
    assert message(deps, "greeting").status is MessageStatus.SENT


def test_the_same_key_written_again_is_the_same_message_and_is_not_sent_twice(deps):
    # Given a retried task that writes its email again / Then the recipient gets one email
    deps.commit(SYSTEM, deps.clock.now(), [Send("greeting", HELLO)])
    deps.commit(SYSTEM, deps.clock.now(), [Send("greeting", HELLO)])
    deps.clock.advance(hours=3)
    outbox.deliver_due(deps)
    assert deps.notifier.sent == [HELLO]


def test_a_failed_send_keeps_the_change_and_the_worker_delivers_the_email_once_after_the_retry_delay(deps):
    # Given the mail service fails once / When the change is committed / Then the change is stored, nothing is raised
    deps.notifier = FlakyNotifier(failures=1)
    vendor(deps, "acme")
    deps.commit(SYSTEM, deps.clock.now(), [Send("greeting", HELLO)])
    assert message(deps, "greeting").attempts == 1 and deps.notifier.sent == []
    # When the worker runs before the retry delay / Then it waits; after it / Then the email goes out once
    outbox.deliver_due(deps)
    assert deps.notifier.sent == []
    deps.clock.advance(minutes=rules.RETRY_DELAYS[0])
    assert outbox.deliver_due(deps)["sent"] == 1
    outbox.deliver_due(deps)
    assert deps.notifier.sent == [HELLO] and message(deps, "greeting").status is MessageStatus.SENT


def test_a_refused_commit_writes_no_email(deps):
    # Given a change that lost a race (stale version) / Then its email is neither stored nor sent
    acme = vendor(deps, "acme")
    stored = deps.store.get(Vendor, "V-acme")
    stale = dataclasses.replace(stored, version=stored.version - 1)
    with pytest.raises(RecordChanged):
        deps.commit(acme, deps.clock.now(), [Change(action="vendor.edited", after=stale, before=stale), Send("edited", HELLO)])
    assert message(deps, "edited") is None and deps.notifier.sent == []


def test_the_worker_leaves_a_message_alone_while_its_writer_may_still_be_sending_it(deps):
    # Given a message written whose first try never happened (the writer stopped) / Then the worker takes it only
    # once the first-try lease has passed
    deps.store.commit(SYSTEM, deps.clock.now(), [Send("greeting", HELLO)])  # the store alone: no first try
    outbox.deliver_due(deps)
    assert deps.notifier.sent == []
    deps.clock.advance(seconds=rules.FIRST_TRY_LEASE.total_seconds())
    outbox.deliver_due(deps)
    assert deps.notifier.sent == [HELLO]


def test_a_message_taken_by_a_worker_that_stopped_is_taken_again_after_its_lease(deps):
    deps.store.commit(SYSTEM, deps.clock.now(), [Send("greeting", HELLO)])
    pending = message(deps, "greeting")
    deps.store.commit(
        SYSTEM, deps.clock.now(), [Change(action="message.taken", after=rules.taken(pending, deps.clock.now()), before=pending)]
    )
    deps.clock.advance(seconds=rules.DELIVERY_LEASE.total_seconds() - 1)
    outbox.deliver_due(deps)
    assert deps.notifier.sent == []
    deps.clock.advance(seconds=1)
    outbox.deliver_due(deps)
    assert deps.notifier.sent == [HELLO]


def test_a_message_that_keeps_failing_asks_purchasing_for_attention_once_and_is_retried_on(deps):
    # Given the mail service is down / When the worker has tried 8 times / Then one attention record; tries go on
    deps.notifier = FlakyNotifier(failures=None)
    deps.commit(SYSTEM, deps.clock.now(), [Send("greeting", HELLO)])
    for _ in range(rules.ATTEMPTS_BEFORE_ATTENTION + 2):
        deps.clock.advance(hours=1)
        outbox.deliver_due(deps)
    assert message(deps, "greeting").attempts == rules.ATTEMPTS_BEFORE_ATTENTION + 3
    records = [e for (kind, _), e in deps.store.items.items() if kind == "attention"]
    assert len(records) == 1 and records[0].process == "outbox" and "Hello" in records[0].cause
    # When the service is back / Then the next run delivers, and the attention email (written meanwhile) too
    deps.notifier.failures = 0
    deps.clock.advance(hours=1)
    outbox.deliver_due(deps)
    assert HELLO in deps.notifier.sent
    assert any(m.subject.startswith("Workflow step needs attention") for m in deps.notifier.sent)


def test_resuming_an_outbox_attention_makes_the_message_due_at_once(deps):
    from chalicelib.services import attention

    deps.notifier = FlakyNotifier(failures=rules.ATTEMPTS_BEFORE_ATTENTION)
    deps.commit(SYSTEM, deps.clock.now(), [Send("greeting", HELLO)])
    for _ in range(rules.ATTEMPTS_BEFORE_ATTENTION - 1):
        deps.clock.advance(hours=1)
        outbox.deliver_due(deps)
    record = next(e for (kind, _), e in deps.store.items.items() if kind == "attention" and isinstance(e, Attention))
    attention.resume(deps, Actor("officer", Role.PURCHASING, "DAS-BOP"), record.id)
    outbox.deliver_due(deps)
    assert HELLO in deps.notifier.sent


@pytest.mark.rule("R-4")
def test_a_broadcast_is_expanded_page_by_page_into_one_email_per_address(deps, sol, monkeypatch):
    # Given 250 vendors of the commodity and a page of 99 / When the notice is broadcast and the worker runs
    # Then each vendor gets one email, written in 3 pages, and the extra address gets one too
    for n in range(250):
        vendor(deps, f"v{n:03d}")
    deps.commit(
        SYSTEM,
        deps.clock.now(),
        [
            Broadcast(
                "notice",
                Audience("invited-vendors", sol.id),
                Email(to=("bids@v000.example", "watch@example.gov"), subject="Invitation", text="Bid.", html="<p>Bid.</p>"),
            )
        ],
    )
    assert deps.notifier.sent == []  # the writer never mails an audience itself
    counts = outbox.deliver_due(deps)
    addresses = sorted(m.to[0] for m in deps.notifier.sent)
    assert counts["expanded"] == 251 and len(addresses) == 251 == len(set(addresses))
    assert {(m.subject, m.text, m.html) for m in deps.notifier.sent} == {("Invitation", "Bid.", "<p>Bid.</p>")}  # both parts
    assert message(deps, "notice").status is MessageStatus.EXPANDED and message(deps, "notice").recipients == 251


def test_a_worker_out_of_time_stops_between_pages_and_the_next_run_continues_without_duplicates(deps, sol):
    for n in range(150):
        vendor(deps, f"v{n:03d}")
    deps.commit(
        SYSTEM, deps.clock.now(), [Broadcast("notice", Audience("invited-vendors", sol.id), Email((), "Invitation", "Bid."))]
    )
    budget = iter([60_000, 0])  # time for the first page only
    assert outbox.deliver_due(deps, time_left=lambda: next(budget, 0))["done"] is False
    assert 0 < len(deps.notifier.sent) < 150
    outbox.deliver_due(deps)
    assert sorted(m.to[0] for m in deps.notifier.sent) == sorted(f"bids@v{n:03d}.example" for n in range(150))


@pytest.mark.rule("R-4")
def test_a_broadcast_of_a_large_email_is_expanded_in_pages_whose_copies_fit_one_transaction(deps, sol, monkeypatch):
    # Given 5 vendors of the commodity and a notice of about 600 KB (text and HTML): its five copies pass PAGE_BYTES
    for n in range(5):
        vendor(deps, f"v{n:03d}")
    body = "x" * 300_000
    deps.commit(
        SYSTEM, deps.clock.now(), [Broadcast("notice", Audience("invited-vendors", sol.id), Email((), "Invitation", body, body))]
    )
    asked: list[int] = []
    page = outbox.AUDIENCES["invited-vendors"]

    def recorded(d, of: str, cursor: str, size: int) -> tuple[list[str], str | None]:
        asked.append(size)
        return page(d, of, cursor, size)

    monkeypatch.setitem(outbox.AUDIENCES, "invited-vendors", recorded)
    # When the worker expands it
    outbox.deliver_due(deps)
    # Then each page writes as many copies as fit with the broadcast, and every vendor gets one email
    assert asked and all(size * rules.copy_bytes(message(deps, "notice")) < rules.PAGE_BYTES for size in asked), asked
    assert sorted(m.to[0] for m in deps.notifier.sent) == [f"bids@v{n:03d}.example" for n in range(5)]


def test_the_due_key_orders_instants_as_strings():
    early = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
    assert (
        rules.due_key(early)
        < rules.due_key(early + dt.timedelta(microseconds=1))
        < rules.due_key(early + dt.timedelta(seconds=1))
    )


def test_the_due_instant_is_read_back_from_a_pending_messages_sort_key():
    due = dt.datetime(2026, 3, 2, 14, 0, 0, 1, tzinfo=dt.UTC)
    assert rules.due_of_sort_key(f"{rules.due_key(due)}#award:AW-1:1:notice") == due
