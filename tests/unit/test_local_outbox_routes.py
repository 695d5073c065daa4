"""The local outbox pages (local/devroutes.py): each message's parts, and its HTML for a browser."""

from __future__ import annotations

import json

from local import devroutes

MESSAGES = [
    {"subject": "First", "text": "one\n", "html": "<p>one</p>"},
    {"subject": "Second", "text": "two\n", "html": "<p>two</p>"},
]


class Stack:
    class clock:
        @staticmethod
        def run_until_idle() -> None:
            return None

    @staticmethod
    def outbox() -> list[dict]:
        return MESSAGES


def test_the_outbox_lists_the_text_and_html_of_each_message(monkeypatch):
    monkeypatch.setattr(devroutes, "_stack", Stack)
    # Given two messages sent / When the outbox is listed / Then each shows its text and its html part
    listed = json.loads(devroutes.outbox().body)["messages"]
    assert [(m["text"], m["html"]) for m in listed] == [("one\n", "<p>one</p>"), ("two\n", "<p>two</p>")]


def test_a_message_html_page_is_served_as_html_counting_from_the_first_or_the_last(monkeypatch):
    # Given two messages / When message 0 and message -1 are asked for / Then each is its HTML part, as text/html
    monkeypatch.setattr(devroutes, "_stack", Stack)
    first, last = devroutes.outbox_html("0.html"), devroutes.outbox_html("-1.html")
    assert (first.body, last.body) == ("<p>one</p>", "<p>two</p>")
    assert first.headers["Content-Type"] == "text/html; charset=utf-8" and first.status_code == 200


def test_a_message_that_does_not_exist_is_not_found(monkeypatch):
    monkeypatch.setattr(devroutes, "_stack", Stack)
    assert devroutes.outbox_html("2.html").status_code == 404 and devroutes.outbox_html("first").status_code == 404
