"""The rules of purchase requisitions (R-3), pure: the agency's statement that no DPA or term contract covers the
need, complete lines, the pre-itemized form's return (a quantity for every item), its due date at the end of the day
and its reminder at the start of the third day before, the statuses from received to filled or cancelled."""

import dataclasses
import datetime as dt
from decimal import Decimal as D

import pytest

from chalicelib.domain import requisitions as rules
from chalicelib.domain.calendar import CT
from chalicelib.domain.errors import ValidationFailed
from chalicelib.domain.requisitions import NotCovered, RequisitionClosed, RequisitionLine, RequisitionStatus

NOW = dt.datetime(2026, 3, 2, 9, 0, tzinfo=CT)
LINES = [RequisitionLine(0, "Traffic cone, 28 in", "each", D(400), D("18.50"))]
ITEMS = [RequisitionLine(0, "Rock salt, bulk", "ton"), RequisitionLine(0, "Calcium chloride, 50 lb bag", "bag")]


def requisition(**changes):
    fields = {
        "requisition_id": "REQ-1",
        "agency": "DOT",
        "created_by": "buyer@dot",
        "description": "Traffic cones",
        "lines": LINES,
        "needed_by": dt.date(2026, 4, 15),
        "commodity_codes": ["55000"],
        "not_covered_statement": True,
        "now": NOW,
    }
    return rules.new_requisition(**{**fields, **changes})


def form(**changes):
    fields = {
        "requisition_id": "REQ-2",
        "agency": "DOT",
        "created_by": "officer",
        "description": "Winter road salt",
        "items": ITEMS,
        "commodity_codes": ["48500"],
        "return_due_on": dt.date(2026, 3, 13),
        "now": NOW,
    }
    return rules.issue_pre_itemized(**{**fields, **changes})


def fields_of(error) -> list[str]:
    return [d["field"] for d in error.value.details]


@pytest.mark.rule("R-3")
def test_a_requisition_states_that_no_dpa_or_term_contract_covers_the_need():
    # When the agency leaves the statement out / Then it is refused under R-3, naming the field
    with pytest.raises(NotCovered) as refused:
        requisition(not_covered_statement=False)
    assert refused.value.rule == "R-3" and fields_of(refused) == ["not_covered_statement"]


@pytest.mark.rule("R-3")
def test_a_requisition_is_received_with_its_lines_numbered_and_its_estimate_totalled():
    # When a requisition of two lines is made / Then they are numbered from 1 and the estimate is quantity x price
    made = requisition(lines=[*LINES, RequisitionLine(0, "Barricade light", "each", D(50), D("32.125"))])
    assert made.status is RequisitionStatus.RECEIVED and [line.line for line in made.lines] == [1, 2]
    assert made.estimated_total == D("9006.250")


@pytest.mark.rule("R-3")
def test_every_problem_of_an_incomplete_requisition_is_listed_at_once():
    # When every field is wrong / Then each is named, in one refusal
    with pytest.raises(ValidationFailed) as refused:
        requisition(
            description=" ",
            lines=[RequisitionLine(0, "", "each", D(0), None)],
            commodity_codes=["x"],
            needed_by=dt.date(2026, 3, 1),
        )
    assert fields_of(refused) == [
        "description",
        "lines[0].description",
        "lines[0].quantity",
        "lines[0].estimated_unit_price",
        "commodity_codes[0]",
        "needed_by",
    ]


@pytest.mark.rule("R-3")
def test_a_requisition_may_be_needed_by_today():
    # Given today is 2 March / When the need is for 2 March / Then it is accepted
    assert requisition(needed_by=dt.date(2026, 3, 2)).needed_by == dt.date(2026, 3, 2)


@pytest.mark.rule("R-3")
def test_a_pre_itemized_form_is_due_at_the_end_of_its_due_date_and_reminded_at_the_start_of_the_third_day_before():
    # When a form due on Friday 13 March is issued / Then it is due at 00:00 on the 14th, reminded at 00:00 on the 10th
    issued = form()
    assert issued.status is RequisitionStatus.ISSUED and [line.quantity for line in issued.lines] == [None, None]
    assert issued.return_due_at == dt.datetime(2026, 3, 14, 0, 0, tzinfo=CT)
    assert issued.reminder_at == dt.datetime(2026, 3, 10, 0, 0, tzinfo=CT)


@pytest.mark.rule("R-3")
def test_a_form_due_today_is_refused_and_one_due_tomorrow_is_issued():
    # Given today is 2 March / Then a form due on 2 March is refused and one due on 3 March issued
    with pytest.raises(ValidationFailed) as refused:
        form(return_due_on=dt.date(2026, 3, 2))
    assert fields_of(refused) == ["return_due_on"]
    assert form(return_due_on=dt.date(2026, 3, 3)).return_due_on == dt.date(2026, 3, 3)


@pytest.mark.rule("R-3")
def test_a_form_returned_at_the_last_second_of_its_due_date_is_on_time():
    # When the form due on 13 March is returned at 23:59:59 that day / Then it is received on time
    returned = rules.return_form(
        form(), [(1, D(1200)), (2, D(0))], None, "buyer", dt.datetime(2026, 3, 13, 23, 59, 59, tzinfo=CT)
    )
    assert returned.status is RequisitionStatus.RECEIVED and returned.returned_late is False
    assert [line.quantity for line in returned.lines] == [D(1200), D(0)]


@pytest.mark.rule("R-3")
def test_a_form_returned_at_the_first_second_after_its_due_date_is_received_marked_late():
    # When it is returned at 00:00 on 14 March / Then it is received, marked late
    returned = rules.return_form(form(), [(1, D(1200)), (2, D(0))], None, "buyer", dt.datetime(2026, 3, 14, 0, 0, tzinfo=CT))
    assert returned.status is RequisitionStatus.RECEIVED and returned.returned_late is True


@pytest.mark.rule("R-3")
def test_a_returned_form_gives_each_item_once_and_no_item_not_on_it():
    # When item 1 is given twice, item 3 (not on the form) given, item 2 left out / Then each is named
    with pytest.raises(ValidationFailed) as refused:
        rules.return_form(form(), [(1, D(1)), (1, D(2)), (3, D(1))], None, "buyer", NOW)
    assert refused.value.details == [
        {"field": "quantities[1].line", "problem": "the item is given twice"},
        {"field": "quantities", "problem": "item 3 is not on the form"},
        {"field": "quantities", "problem": "item 2 needs a quantity (0 for none)"},
    ]


@pytest.mark.rule("R-3")
def test_an_agency_requisition_is_not_returned_like_a_form():
    # Given the agency's own requisition / When it is "returned" / Then it is refused: only a pre-itemized form is
    with pytest.raises(RequisitionClosed):
        rules.return_form(requisition(), [(1, D(1))], None, "buyer", NOW)


@pytest.mark.rule("R-3")
def test_a_requisition_feeds_exactly_one_invitation_or_request_for_proposals():
    # When both or neither are named / Then refused; when one is / Then the requisition is in solicitation
    with pytest.raises(ValidationFailed):
        rules.link_to_solicitation(requisition(), solicitation_id="ITB-1", rfp_id="RFP-1", now=NOW)
    with pytest.raises(ValidationFailed):
        rules.link_to_solicitation(requisition(), solicitation_id=None, rfp_id=None, now=NOW)
    linked = rules.link_to_solicitation(requisition(), solicitation_id="ITB-1", rfp_id=None, now=NOW)
    assert linked.status is RequisitionStatus.IN_SOLICITATION and linked.feeds == "itb#ITB-1"


@pytest.mark.rule("R-3")
def test_an_issued_form_is_not_linked_before_the_agency_returns_it():
    # Given a form still with the agency / When it is linked / Then it is refused
    with pytest.raises(RequisitionClosed):
        rules.link_to_solicitation(form(), solicitation_id="ITB-1", rfp_id=None, now=NOW)


@pytest.mark.rule("R-3")
def test_a_filled_requisition_is_not_cancelled_and_a_cancelled_one_not_filled():
    # Given a requisition in solicitation / When filled / Then it cannot be cancelled; when cancelled, not filled
    linked = rules.link_to_solicitation(requisition(), solicitation_id=None, rfp_id="RFP-1", now=NOW)
    filled = rules.fill(linked, contract_id="CT-1", order_reference=None, now=NOW)
    assert filled.status is RequisitionStatus.FILLED
    with pytest.raises(RequisitionClosed):
        rules.cancel(filled, "No longer needed.", NOW, by_bureau=False)
    cancelled = rules.cancel(linked, "No longer needed.", NOW, by_bureau=True)
    with pytest.raises(RequisitionClosed):
        rules.fill(cancelled, contract_id="CT-1", order_reference=None, now=NOW)


@pytest.mark.rule("R-3")
def test_the_reminder_is_due_only_while_the_form_is_with_the_agency():
    issued = form()
    reminder_at = dt.datetime(2026, 3, 10, 0, 0, tzinfo=CT)
    # Given a form with the agency / When the reminder is due / Then it is recorded
    reminded = rules.mark_reminded(issued, reminder_at)
    assert reminded is not None and reminded.reminded_at == reminder_at
    # Given the form returned / Then no reminder is due
    returned = rules.return_form(issued, [(1, D(1)), (2, D(0))], None, "buyer", NOW)
    assert rules.mark_reminded(returned, reminder_at) is None
    # And a form issued on the reminder's day or later gets no reminder
    late_issue = form(now=reminder_at, return_due_on=dt.date(2026, 3, 13))
    assert rules.mark_reminded(late_issue, reminder_at) is None


@pytest.mark.rule("R-3")
def test_a_form_is_overdue_from_the_first_instant_after_its_due_date_and_not_before():
    # Given a form due by the end of 13 March, not returned / When it is the last second of 13 March / Then not overdue
    issued = form()
    assert rules.mark_overdue(issued, dt.datetime(2026, 3, 13, 23, 59, 59, tzinfo=CT)) is None
    # When the clock reaches the first instant after the due date / Then the form is overdue
    due = dt.datetime(2026, 3, 14, 0, 0, tzinfo=CT)
    overdue = rules.mark_overdue(issued, due)
    assert overdue is not None and overdue.overdue_noticed_at == due


@pytest.mark.rule("R-3")
def test_a_notice_already_recorded_is_returned_unchanged_for_a_retried_task():
    # Given the reminder recorded / When the task runs again / Then the same record comes back (no second email)
    reminded = dataclasses.replace(form(), reminded_at=NOW)
    assert rules.mark_reminded(reminded, NOW) is reminded
