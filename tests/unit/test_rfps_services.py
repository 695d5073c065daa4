"""Services of the request for proposals with fakes: only purchasing drafts, the notice (R-4) is one broadcast to the
registered vendors of the request's commodities, written with the publication; addenda and cancellation are emailed
to them too; drafts stay with purchasing; lists page by status."""

import dataclasses
import datetime as dt

import pytest

from chalicelib.domain.errors import Forbidden, NotFound, ValidationFailed
from chalicelib.domain.rfps import Rfp, RfpStatus
from chalicelib.domain.vendors import Vendor, VendorStatus
from chalicelib.services import outbox, rfps
from chalicelib.services.ports import Actor, Change, PageRequest, Role
from chalicelib.services.vendors import vendor_changes
from local.fein import fein_for
from tests.unit.test_rfps import CONFERENCE, DUE, FACTORS

PURCHASING = Actor("officer", Role.PURCHASING, "DAS-BOP")
VENDOR = Actor("user@acme", Role.VENDOR, "acme")


def vendor(deps, org, codes, status=VendorStatus.ACTIVE):
    v = Vendor(
        id=f"V-{org}",
        org=org,
        legal_name=f"{org.title()} LLC",
        fein=fein_for(org).replace("-", ""),
        contact_email=f"rfp@{org}.example",
        commodity_codes=codes,
        registered_at=deps.clock.now(),
        confirmation_code="1",
        status=status,
    )
    deps.store.commit(Actor(org, Role.VENDOR, org), deps.clock.now(), vendor_changes(deps, "vendor.registered", v))


def draft(deps, **changes):
    fields = {
        "title": "Case management system",
        "agency": "DSS",
        "commodity_codes": ["208"],
        "scope": "Configure, host and support a case management system.",
        "proposals_due": DUE,
        "evaluation_factors": list(FACTORS),
        "conference": CONFERENCE,
    }
    return rfps.create_rfp(deps, PURCHASING, **{**fields, **changes})


def delivered(deps) -> list:
    outbox.deliver_due(deps)
    outbox.deliver_due(deps)
    return deps.notifier.sent


def test_only_purchasing_drafts_a_request(deps):
    with pytest.raises(Forbidden):
        rfps.create_rfp(deps, VENDOR)


@pytest.mark.rule("R-16a")
def test_a_refused_draft_stores_nothing(deps):
    # Given factors without plan_of_performance / When drafted / Then refused and nothing stored or audited
    with pytest.raises(ValidationFailed):
        draft(deps, evaluation_factors=FACTORS[1:])
    assert list(deps.store.iterate(Rfp, "by_status", "draft")) == []


@pytest.mark.rule("R-4")
def test_the_notice_reaches_the_active_vendors_of_the_commodity_only(deps):
    # Given an active vendor of class 208, one of another commodity and an unconfirmed one of 208
    vendor(deps, "acme", ("20800",))
    vendor(deps, "bolt", ("640",))
    vendor(deps, "crux", ("208",), VendorStatus.PENDING_CONFIRMATION)
    # When a request of class 208 is published
    rfp = rfps.publish(deps, PURCHASING, draft(deps).id)
    # Then the notice is audited with the publication and emailed to the active vendor of 208 alone
    assert rfp.status is RfpStatus.OPEN
    assert [e.action for e in deps.store.audit_trail(f"rfp:{rfp.id}")] == ["rfp.drafted", "rfp.published"]
    sent = delivered(deps)
    assert [m.to for m in sent] == [("rfp@acme.example",)]
    assert sent[0].subject.startswith(f"Request for proposals {rfp.id}") and "Attendance is mandatory." in sent[0].text


@pytest.mark.rule("R-16c")
def test_an_addendum_and_a_cancellation_are_emailed_to_the_invited_vendors(deps):
    # Given a published request and a vendor of its commodity
    vendor(deps, "acme", ("20800",))
    rfp = rfps.publish(deps, PURCHASING, draft(deps).id)
    # When an addendum postpones the due date and the request is then cancelled
    later = DUE + dt.timedelta(days=14)
    rfps.add_addendum(deps, PURCHASING, rfp.id, "Two more weeks.", later)
    cancelled = rfps.cancel(deps, PURCHASING, rfp.id, "Need met elsewhere.")
    # Then the vendor has the notice, the addendum with both due dates, and the cancellation with its reason
    sent = {m.subject: m for m in delivered(deps)}
    addendum = sent[f"Addendum 1 to request for proposals {rfp.id}: Case management system"]
    assert "postponed from Wednesday, April 15, 2026" in addendum.text and addendum.to == ("rfp@acme.example",)
    assert "Reason: Need met elsewhere." in sent[f"Request for proposals {rfp.id} cancelled: Case management system"].text
    assert cancelled.status is RfpStatus.CANCELLED and len(sent) == 3


@pytest.mark.rule("R-4")
def test_a_draft_is_read_by_purchasing_only(deps):
    rfp = draft(deps)
    assert rfps.get_rfp(deps, PURCHASING, rfp.id) == rfp
    for reader in (None, VENDOR):
        with pytest.raises(NotFound):
            rfps.get_rfp(deps, reader, rfp.id)
    assert rfps.list_rfps(deps, None, RfpStatus.DRAFT, PageRequest()).items == []
    assert [r.id for r in rfps.list_rfps(deps, PURCHASING, RfpStatus.DRAFT, PageRequest()).items] == [rfp.id]


@pytest.mark.rule("R-4")
def test_the_list_of_a_status_pages_in_due_date_order(deps):
    # Given three open requests due a day apart, stored in reverse order
    base = rfps.publish(deps, PURCHASING, draft(deps).id)
    later = [
        dataclasses.replace(base, id=f"RFP-Z{n}", version=0, proposals_due=base.proposals_due.replace(day=16 + n))
        for n in range(2)
    ]
    deps.store.commit(PURCHASING, deps.clock.now(), [Change(action="rfp.published", after=r) for r in reversed(later)])
    # When the public reads them two at a time / Then the pages follow the due dates
    first = rfps.list_rfps(deps, None, RfpStatus.OPEN, PageRequest(limit=2))
    second = rfps.list_rfps(deps, None, RfpStatus.OPEN, PageRequest(limit=2, after=first.next or ""))
    assert [r.id for r in first.items + second.items] == [base.id, "RFP-Z0", "RFP-Z1"] and second.next is None
