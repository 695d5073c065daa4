"""The requisition-return state machine under virtual time (R-3): a pre-itemized form due back by the end of Friday
13 March 2026 reminds the agency at the start of Tuesday 10 March; returned before the due date, no overdue notice
follows; never returned, purchasing and the agency are told at 00:00 on Saturday 14 March, and a later return is
received marked late."""

import datetime as dt

import pytest

from chalicelib import bootstrap
from chalicelib.domain.calendar import CT
from tests.integration.test_requisitions_http import FORM, RETURNED

PROCESS = "requisition-return"


def subjects(stack, address: str, start: str) -> list[str]:
    return [m["subject"] for m in stack.outbox() if address in m["to"] and m["subject"].startswith(start)]


@pytest.fixture
def mailboxes(stack):
    return bootstrap.deps().mailboxes


@pytest.mark.rule("R-3")
def test_a_pre_itemized_form_is_reminded_three_days_before_its_due_date_and_returned_with_no_overdue_notice(
    api, stack, clock, mailboxes
):
    purchasing, dot = api.as_purchasing(), api.as_("agency", "DOT")
    agency = mailboxes.agency("DOT")
    # Given a form issued on Monday 2 March, due back by the end of Friday 13 March
    form = purchasing.post("/requisitions/pre-itemized", json=FORM).json
    # When the clock reaches the last second of Monday 9 March / Then no reminder has gone out
    clock.advance(to=dt.datetime(2026, 3, 9, 23, 59, 59, tzinfo=CT))
    assert subjects(stack, agency, "Reminder") == []
    # When it reaches 00:00 on Tuesday 10 March, three days before the due date / Then the agency is reminded, once
    clock.advance(to=dt.datetime(2026, 3, 10, 0, 0, tzinfo=CT))
    assert subjects(stack, agency, "Reminder") == [
        f"Reminder: pre-itemized requisition {form['id']} is due Friday, March 13, 2026"
    ]
    # When DOT returns the form on the last second of the due date
    clock.advance(to=dt.datetime(2026, 3, 13, 23, 59, 59, tzinfo=CT))
    returned = dot.post(f"/requisitions/{form['id']}/return", json=RETURNED)
    assert returned.status == 200 and returned.json["returned_late"] is False
    # Then once the due date has passed, no overdue notice goes out and the timer ends
    clock.advance(days=1)
    assert subjects(stack, mailboxes.purchasing, "Overdue") == [] and subjects(stack, agency, "Overdue") == []
    assert stack.history(PROCESS, f"requisition-return-{form['id']}")[-1]["type"] == "ExecutionSucceeded"
    shown = purchasing.get(f"/requisitions/{form['id']}").json
    assert shown["status"] == "received" and shown["reminded_at"] == "2026-03-10T00:00:00-04:00"
    assert shown["overdue_noticed_at"] is None


@pytest.mark.rule("R-3")
def test_a_form_not_returned_by_the_end_of_its_due_date_is_overdue_to_purchasing_and_the_agency(api, stack, clock, mailboxes):
    purchasing, dot = api.as_purchasing(), api.as_("agency", "DOT")
    agency = mailboxes.agency("DOT")
    form = purchasing.post("/requisitions/pre-itemized", json=FORM).json
    # Given the form is not returned / When the clock reaches the last second of Friday 13 March / Then nothing is overdue
    clock.advance(to=dt.datetime(2026, 3, 13, 23, 59, 59, tzinfo=CT))
    assert subjects(stack, mailboxes.purchasing, "Overdue") == []
    # When it reaches 00:00 on Saturday 14 March / Then purchasing and the agency are told, in one email
    clock.advance(to=dt.datetime(2026, 3, 14, 0, 0, tzinfo=CT))
    (overdue,) = [m for m in stack.outbox() if m["subject"].startswith("Overdue")]
    assert set(overdue["to"]) == {mailboxes.purchasing, agency}
    assert "was due back by the end of Friday, March 13, 2026" in overdue["text"]
    assert stack.history(PROCESS, f"requisition-return-{form['id']}")[-1]["type"] == "ExecutionSucceeded"
    # And a return after the due date is received all the same, marked late
    returned = dot.post(f"/requisitions/{form['id']}/return", json=RETURNED)
    assert returned.status == 200 and returned.json["status"] == "received" and returned.json["returned_late"] is True
    assert returned.json["overdue_noticed_at"] == "2026-03-14T00:00:00-04:00"
