"""Services of purchase requisitions with fakes (R-3): who may do what, the requisition-return timer started with
its instants, its notices sent once and only while the form is with the agency, the link to an existing solicitation
not yet opened, and the lists each agency may read."""

import dataclasses
import datetime as dt
from decimal import Decimal as D

import pytest

from chalicelib.domain.calendar import CT
from chalicelib.domain.errors import Forbidden, NotFound, ValidationFailed
from chalicelib.domain.requisitions import RequisitionStatus
from chalicelib.domain.rfps import RfpStatus
from chalicelib.services import outbox, requisitions
from chalicelib.services.ports import Actor, Change, PageRequest, Role
from tests.unit.test_requisitions import ITEMS, LINES
from tests.unit.test_rfps_services import draft

PURCHASING = Actor("officer", Role.PURCHASING, "DAS-BOP")
DOT = Actor("buyer@dot", Role.AGENCY, "DOT")
DSS = Actor("buyer@dss", Role.AGENCY, "DSS")
PAGE = PageRequest(limit=50)


def submit(deps, actor=DOT):
    return requisitions.submit(
        deps,
        actor,
        description="Traffic cones",
        lines=list(LINES),
        needed_by=dt.date(2026, 4, 15),
        commodity_codes=["55000"],
        not_covered_statement=True,
    )


def issue(deps):
    return requisitions.issue_pre_itemized(
        deps,
        PURCHASING,
        agency="DOT",
        description="Winter road salt",
        items=list(ITEMS),
        commodity_codes=["48500"],
        return_due_on=dt.date(2026, 3, 13),
    )


def delivered(deps) -> list:
    outbox.deliver_due(deps)
    return deps.notifier.sent


@pytest.mark.rule("R-3")
def test_issuing_a_form_emails_the_agency_and_starts_its_timer_with_the_reminder_and_due_instants(deps):
    # When purchasing issues a form due on 13 March / Then the agency is emailed and the timer named after the form
    # waits for 00:00 on 10 March and on 14 March (EDT)
    form = issue(deps)
    (email,) = delivered(deps)
    assert email.to == (deps.mailboxes.agency("DOT"),) and form.id in email.subject
    assert deps.workflows.started == [
        (
            "requisition-return",
            f"requisition-return-{form.id}",
            {"requisition_id": form.id, "remind_at": "2026-03-10T04:00:00Z", "due_at": "2026-03-14T04:00:00Z"},
        )
    ]


@pytest.mark.rule("R-3")
def test_a_retried_reminder_task_sends_the_reminder_once(deps):
    # Given the reminder is due / When the task runs twice / Then one reminder is sent
    form = issue(deps)
    deps.clock.set(dt.datetime(2026, 3, 10, 0, 0, tzinfo=CT))
    assert requisitions.remind_agency(deps, "exec-1", form.id) == {"sent": True}
    assert requisitions.remind_agency(deps, "exec-1", form.id) == {"sent": True}
    assert [e.subject for e in delivered(deps)][1:] == [
        f"Reminder: pre-itemized requisition {form.id} is due Friday, March 13, 2026"
    ]


@pytest.mark.rule("R-3")
def test_no_overdue_notice_goes_out_for_a_returned_form(deps):
    # Given the form returned / When the due date has passed / Then no overdue notice
    form = issue(deps)
    requisitions.return_form(deps, DOT, form.id, [(1, D(5)), (2, D(0))], None)
    deps.clock.set(dt.datetime(2026, 3, 14, 0, 0, tzinfo=CT))
    assert requisitions.notice_overdue(deps, "exec-1", form.id) == {"sent": False}
    assert [e.subject for e in delivered(deps) if e.subject.startswith("Overdue")] == []


@pytest.mark.rule("R-3")
def test_the_overdue_notice_goes_to_purchasing_and_the_agency_once(deps):
    # Given the form not returned / When the overdue task runs twice / Then one email to purchasing and the agency
    form = issue(deps)
    deps.clock.set(dt.datetime(2026, 3, 14, 0, 0, tzinfo=CT))
    assert requisitions.notice_overdue(deps, "exec-1", form.id) == {"sent": True}
    assert requisitions.notice_overdue(deps, "exec-1", form.id) == {"sent": True}
    (_, overdue) = delivered(deps)
    assert overdue.to == (deps.mailboxes.purchasing, deps.mailboxes.agency("DOT"))


@pytest.mark.rule("R-3")
def test_only_agencies_submit_and_only_purchasing_links_fills_or_issues(deps):
    # When purchasing submits, or an agency links or fills / Then Forbidden
    with pytest.raises(Forbidden):
        submit(deps, PURCHASING)
    requisition = submit(deps)
    with pytest.raises(Forbidden):
        requisitions.link(deps, DOT, requisition.id, solicitation_id="ITB-1", rfp_id=None)
    with pytest.raises(Forbidden):
        requisitions.fill(deps, DOT, requisition.id, contract_id=None, order_reference="PO-1")


@pytest.mark.rule("R-3")
def test_another_agency_is_told_the_requisition_does_not_exist(deps):
    # Given DOT's requisition / When DSS reads or cancels it / Then NotFound
    requisition = submit(deps)
    with pytest.raises(NotFound):
        requisitions.get(deps, DSS, requisition.id)
    with pytest.raises(NotFound):
        requisitions.cancel(deps, DSS, requisition.id, "x")


@pytest.mark.rule("R-3")
def test_a_requisition_feeds_a_request_for_proposals_not_yet_opened(deps):
    rfp = draft(deps)
    requisition = submit(deps)
    # Given the request's proposals are opened / Then no requisition joins it any more
    opened = dataclasses.replace(rfp, status=RfpStatus.OPENED)
    deps.store.commit(PURCHASING, deps.clock.now(), [Change(action="rfp.opened", after=opened, before=rfp)])
    with pytest.raises(ValidationFailed) as refused:
        requisitions.link(deps, PURCHASING, requisition.id, solicitation_id=None, rfp_id=rfp.id)
    assert refused.value.rule == "R-3" and refused.value.details[0]["field"] == "rfp_id"
    assert requisitions.get(deps, PURCHASING, requisition.id).status is RequisitionStatus.RECEIVED


@pytest.mark.rule("R-3")
def test_an_agency_lists_only_its_own_requisitions(deps):
    # Given a requisition of DOT and one of DSS / When DOT lists / Then only its own; asking for DSS's is Forbidden
    mine, _ = submit(deps), submit(deps, DSS)
    assert [r.id for r in requisitions.listing(deps, DOT, PAGE).items] == [mine.id]
    with pytest.raises(Forbidden):
        requisitions.listing(deps, DOT, PAGE, agency="DSS")


@pytest.mark.rule("R-3")
def test_purchasing_lists_the_requisitions_feeding_one_invitation_by_status(deps):
    # Given two requisitions feeding one request, one then cancelled / When listed in solicitation / Then the other
    first, second = submit(deps), submit(deps, DSS)
    rfp = draft(deps)
    for requisition in (first, second):
        requisitions.link(deps, PURCHASING, requisition.id, solicitation_id=None, rfp_id=rfp.id)
    requisitions.cancel(deps, PURCHASING, second.id, "Duplicate.")
    linked = requisitions.listing(deps, PURCHASING, PAGE, rfp_id=rfp.id, status=RequisitionStatus.IN_SOLICITATION)
    assert [r.id for r in linked.items] == [first.id]


@pytest.mark.rule("R-3")
def test_every_change_is_audited_with_its_actor(deps):
    # When DOT submits and cancels / Then both are in the audit trail with DOT's user
    requisition = submit(deps)
    requisitions.cancel(deps, DOT, requisition.id, "Covered by a term contract.")
    trail = deps.store.audit_trail(f"requisition:{requisition.id}")
    assert [(e.action, e.actor) for e in trail] == [("requisition.received", DOT.sub), ("requisition.cancelled", DOT.sub)]


@pytest.mark.rule("R-3")
def test_a_submitted_requisition_and_a_returned_form_are_emailed_to_purchasing(deps):
    # When DOT submits a requisition and returns a form / Then purchasing is emailed each, to act on it
    requisition, form = submit(deps), issue(deps)
    requisitions.return_form(deps, DOT, form.id, [(1, D(5)), (2, D(0))], None)
    to_purchasing = [e.subject for e in delivered(deps) if e.to == (deps.mailboxes.purchasing,)]
    assert to_purchasing == [
        f"Purchase requisition {requisition.id} received from DOT",
        f"Pre-itemized requisition {form.id} returned from DOT",
    ]


@pytest.mark.rule("R-3")
def test_a_cancellation_is_emailed_to_the_side_that_did_not_cancel(deps):
    # When purchasing cancels one requisition and DOT another / Then DOT hears of the first, purchasing of the second
    by_bureau, by_agency = submit(deps), submit(deps)
    requisitions.cancel(deps, PURCHASING, by_bureau.id, "Covered by a term contract.")
    requisitions.cancel(deps, DOT, by_agency.id, "No longer needed.")
    cancellations = [(e.to, e.subject) for e in delivered(deps) if "cancelled" in e.subject]
    assert cancellations == [
        ((deps.mailboxes.agency("DOT"),), f"Requisition {by_bureau.id} cancelled"),
        ((deps.mailboxes.purchasing,), f"Requisition {by_agency.id} cancelled"),
    ]
