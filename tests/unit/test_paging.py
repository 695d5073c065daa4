"""Every list is paged: `limit` items a page after the store position of the previous page, `next` None after the
last one. With the fake store (same semantics as DynamoStore.page): 5 records and limit 2 are 3 pages, none
repeated, none missing, and records of other partitions never appear."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.domain.attention import Attention
from chalicelib.domain.bidder_requests import EvidenceRequest, QuantityChange
from chalicelib.domain.contracts import Contract
from chalicelib.domain.errors import Forbidden, NotFound, ValidationFailed
from chalicelib.domain.orders import ForceMajeureNotice, LineInspection, OpenMarketPurchase
from chalicelib.domain.performance_changes import (
    ContractAmendment,
    OrderingAgencyRequest,
    TermShortfallReport,
    UnorderedBalanceStatement,
)
from chalicelib.domain.plans import Plan, PlanStatus, ScheduleVersion
from chalicelib.domain.plans_amendments import PlanAmendment, PlanAmendmentStatus, ScheduleChange
from chalicelib.domain.solicitations import AwardBasis, SolicitationStatus
from chalicelib.domain.vendors import Vendor
from chalicelib.services import (
    attention,
    audit,
    awards,
    bidder_requests,
    bids,
    invoices,
    orders,
    performance_changes,
    plans,
    solicitations,
    vendors,
)
from chalicelib.services.ports import Actor, Change, PageRequest, Role
from tests.performance_support import AGENCY, AGENCY_EMAIL, CONTRACTOR, store_contract
from tests.unit.test_bids_services import FakeSealer, vendor
from tests.unit.test_solicitations_examples import FACTORS, LINES, OPENING, bid_body

D = Decimal
PURCHASING = Actor("buyer@DAS-BOP", Role.PURCHASING, "DAS-BOP")
OPM = Actor("opm-user@OPM", Role.OPM, "OPM")
AGENCY_USER = Actor("agency-user@DAS", Role.AGENCY, AGENCY)
CONTRACTOR_USER = Actor("vendor-user@acme", Role.VENDOR, CONTRACTOR)
AT = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)
SYSTEM = Actor.system("test")


def seed(deps, template, count=5, **fields):
    """`count` copies of `template` with their own ids (and `fields`), committed; their ids in creation order."""
    copies = [dataclasses.replace(template, id=f"{template.id}-{n:02d}", version=0, **fields) for n in range(1, count + 1)]
    deps.store.commit(SYSTEM, deps.clock.now(), [Change(action="test.seeded", after=c) for c in copies])
    return [c.id for c in copies]


def all_pages(list_page, limit=2):
    """Every page of a list, following `next` until it is None."""
    pages, after = [], ""
    while True:
        found = list_page(PageRequest(limit=limit, after=after))
        pages.append([getattr(item, "id", item) for item in found.items])
        if found.next is None:
            return pages
        after = found.next
        assert len(pages) < 20, "the list does not end"


def assert_three_pages_of(list_page, ids):
    # When the list of 5 is read 2 at a time
    pages = all_pages(list_page)
    # Then it is 3 pages (2, 2, 1) holding each record once
    assert [len(p) for p in pages] == [2, 2, 1]
    assert sorted(i for p in pages for i in p) == sorted(ids)


# --- the store's page --------------------------------------------------------------------------------------------


def test_a_full_last_page_says_it_is_the_last(deps):
    # Given 4 force-majeure notices of a contract
    ids = seed(deps, notice(), count=4)
    # When they are read 2 at a time
    pages = all_pages(lambda page: deps.store.page(ForceMajeureNotice, "by_contract", "C-1", after=page.after, limit=page.limit))
    # Then the second page ends the list: no empty third page
    assert pages == [ids[:2], ids[2:]]


def test_newest_first_pages_run_backwards_from_the_cursor(deps):
    # Given 5 notices
    ids = seed(deps, notice())

    # When they are read newest first, 2 at a time
    def newest(page):
        return deps.store.page(ForceMajeureNotice, "by_contract", "C-1", after=page.after, limit=page.limit, newest_first=True)

    # Then the pages run from the last to the first
    assert all_pages(newest) == [ids[4:2:-1], ids[2:0:-1], ids[:1]]


def test_a_filter_keeps_pages_full_and_the_cursor_after_the_last_kept_item(deps):
    # Given 10 notices of which every other one matches
    ids = seed(deps, notice(), count=10)
    kept = ids[1::2]

    # When they are read 2 at a time through the filter
    def odd(page):
        return deps.store.page(
            ForceMajeureNotice,
            "by_contract",
            "C-1",
            after=page.after,
            limit=page.limit,
            where=lambda n: n.id in kept,
        )

    # Then each page holds matching records only, 2, 2 and 1
    assert all_pages(odd) == [kept[:2], kept[2:4], kept[4:]]


# --- the lists of a contract ---------------------------------------------------------------------------------------


def notice(contract_id="C-1", **fields):
    return ForceMajeureNotice(
        id="FM",
        contract_id=contract_id,
        agency=AGENCY,
        contractor_org=CONTRACTOR,
        cause="flood",
        probable_duration_days=3,
        noticed_at=AT,
        **fields,
    )


@pytest.fixture
def contract(deps):
    return store_contract(deps)


def per_contract_records(contract: Contract):
    base = {"contract_id": contract.id, "agency": AGENCY, "contractor_org": CONTRACTOR}
    return {
        "open-market purchases": (
            OpenMarketPurchase(
                id="OMP",
                order_id="PO",
                line_id="1",
                quantity=D(1),
                cost=D(2),
                contract_cost=D(1),
                reason="late",
                recorded_at=AT,
                **base,
            ),
            orders.list_open_market_purchases,
        ),
        "force-majeure notices": (notice(contract.id), orders.list_force_majeure_notices),
        "amendments": (
            ContractAmendment(
                id="AMD",
                number=1,
                reason="more",
                lines_before=(),
                lines_after=(),
                signed_by="buyer",
                signed_at=AT,
                **base,
            ),
            performance_changes.list_amendments,
        ),
        "balance statements": (
            UnorderedBalanceStatement(id="UBS", requested_by="buyer", requested_at=AT, **base),
            performance_changes.list_balance_statements,
        ),
        "term reports": (
            TermShortfallReport(id="TR", term_end=dt.date(2026, 6, 30), lines=(), reported_at=AT, **base),
            performance_changes.list_term_reports,
        ),
        "ordering agencies": (
            OrderingAgencyRequest(id="OAR", ordering_agency="DOT", requested_by="dot", requested_at=AT, **base),
            performance_changes.list_ordering_agency_requests,
        ),
    }


@pytest.mark.parametrize(
    "which",
    ["open-market purchases", "force-majeure notices", "amendments", "balance statements", "term reports", "ordering agencies"],
)
def test_each_list_of_a_contract_is_read_in_pages(deps, contract, which):
    # Given 5 records of the contract and one of another contract
    template, list_of = per_contract_records(contract)[which]
    ids = seed(deps, template)
    seed(deps, dataclasses.replace(template, id="OTHER", contract_id="C-OTHER"), count=1)
    # Then purchasing reads exactly those 5 in 3 pages of 2
    assert_three_pages_of(lambda page: list_of(deps, PURCHASING, contract.id, page), ids)


@pytest.fixture
def order(deps, contract):
    placed = orders.place_order(
        deps, AGENCY_USER, contract.id, lines=[("1", D("10"))], deliver_by=dt.date(2026, 3, 13), contact_email=AGENCY_EMAIL
    )
    return orders.approve_order(deps, PURCHASING, placed.id, "OSC-1")


def test_a_contracts_orders_and_an_agencys_orders_are_read_in_pages(deps, contract, order):
    # Given 4 more orders of the contract by its agency, and one of another agency on another contract
    ids = [order.id, *seed(deps, order, count=4)]
    seed(deps, dataclasses.replace(order, id="PO-DOT", agency="DOT", contract_id="C-OTHER"), count=1)
    # Then the contract's orders and the agency's orders are those 5, in pages
    assert_three_pages_of(lambda page: orders.list_orders(deps, AGENCY_USER, contract.id, page), ids)
    assert_three_pages_of(lambda page: orders.agency_orders(deps, AGENCY_USER, AGENCY, page), ids)


def test_an_agency_cannot_list_another_agencys_orders(deps, contract, order):
    # When agency DOT asks for DAS's orders, Then it is refused
    with pytest.raises(Forbidden):
        orders.agency_orders(deps, Actor("dot-user", Role.AGENCY, "DOT"), AGENCY, PageRequest())


@pytest.fixture
def invoice(deps, contract, order):
    delivery = orders.receive_delivery(deps, AGENCY_USER, order.id, lines=[("1", D("10"))])
    orders.inspect_delivery(deps, AGENCY_USER, delivery.id, results=[LineInspection("1", D("10"), D("0"))])
    deps.clock.advance(days=1)
    return invoices.submit_invoice(deps, CONTRACTOR_USER, contract.id, order_id=order.id, amount=D("100.00"))


@pytest.mark.rule("R-13a")
def test_invoices_are_read_in_pages_per_contract_agency_and_vendor(deps, contract, invoice):
    # Given 5 upcoming invoices of the contract, and one of another contractor
    ids = [invoice.id, *seed(deps, invoice, count=4)]
    seed(deps, dataclasses.replace(invoice, id="INV-OTHER", agency="DOT", contractor_org="bolt", contract_id="C-OTHER"), count=1)
    vendor(deps, CONTRACTOR)
    # Then each of the invoice lists holds those 5, in pages
    assert_three_pages_of(lambda page: invoices.contract_invoices(deps, AGENCY_USER, contract.id, page), ids)
    assert_three_pages_of(lambda page: invoices.list_payments(deps, AGENCY_USER, page, status="upcoming"), ids)
    assert_three_pages_of(lambda page: invoices.list_payments(deps, CONTRACTOR_USER, page, status="upcoming"), ids)
    assert_three_pages_of(
        lambda page: invoices.vendor_invoices(deps, PURCHASING, f"V-{CONTRACTOR}", page, status="upcoming"), ids
    )


@pytest.mark.rule("R-13a")
def test_a_vendor_cannot_page_another_vendors_invoices(deps, contract, invoice):
    # Given two registered vendors
    vendor(deps, CONTRACTOR)
    bolt = vendor(deps, "bolt")
    # When bolt asks for acme's invoices, Then acme's registration does not exist for it
    with pytest.raises(NotFound):
        invoices.vendor_invoices(deps, bolt, f"V-{CONTRACTOR}", PageRequest(), status="upcoming")


def test_a_vendors_contracts_are_read_in_pages(deps, contract):
    # Given 5 contracts held by acme and one by bolt
    ids = [contract.id, *seed(deps, contract, count=4)]
    seed(deps, dataclasses.replace(contract, id="C-BOLT", contractor_org="bolt"), count=1)
    vendor(deps, CONTRACTOR)
    # Then acme and purchasing page through acme's 5
    assert_three_pages_of(lambda page: awards.vendor_contracts(deps, CONTRACTOR_USER, f"V-{CONTRACTOR}", page), ids)
    assert_three_pages_of(lambda page: awards.vendor_contracts(deps, PURCHASING, f"V-{CONTRACTOR}", page), ids)


# --- invitations to bid and bids -----------------------------------------------------------------------------------


def published(deps, agency="DAS", codes=("64000",)):
    draft = solicitations.create_solicitation(
        deps,
        PURCHASING,
        title="Paper",
        agency=agency,
        commodity_codes=list(codes),
        lines=list(LINES),
        groups=[],
        opening_at=OPENING,
        award_basis=AwardBasis.ALL,
        evaluation_factors=list(FACTORS),
    )
    return solicitations.publish(deps, PURCHASING, draft.id)


@pytest.mark.rule("R-4")
def test_open_invitations_are_read_in_pages_by_status_agency_commodity_and_opening_window(deps):
    # Given 5 open invitations of DAS for paper opening a day apart, and others that no filter below keeps
    sol = published(deps)
    ids = [f"ITB-{n}" for n in range(5)]
    deps.store.commit(
        SYSTEM,
        AT,
        [
            Change(action="t", after=dataclasses.replace(sol, id=i, version=0, opening_at=OPENING + dt.timedelta(days=n)))
            for n, i in enumerate(ids)
        ]
        + [
            Change(action="t", after=dataclasses.replace(sol, opening_at=OPENING - dt.timedelta(days=1)), before=sol),
            Change(action="t", after=dataclasses.replace(sol, id="ITB-DOT", version=0, agency="DOT", commodity_codes=("99000",))),
            Change(
                action="t", after=dataclasses.replace(sol, id="ITB-LATE", version=0, opening_at=OPENING + dt.timedelta(days=30))
            ),
        ],
    )
    window = {"opening_from": OPENING, "opening_to": OPENING + dt.timedelta(days=5)}

    def listed(**filters):
        return lambda page: solicitations.list_solicitations(deps, None, SolicitationStatus.OPEN, page, **filters)

    # Then agency and commodity keep those 5 of the window (which is [from, to)), in pages; the window alone adds DOT's
    assert_three_pages_of(listed(agency="DAS", **window), ids)
    assert_three_pages_of(listed(commodity="640", **window), ids)
    assert sorted(i for p in all_pages(listed(**window), limit=3) for i in p) == sorted([*ids, "ITB-DOT"])
    assert all_pages(listed(opening_from=OPENING + dt.timedelta(days=4), opening_to=OPENING + dt.timedelta(days=5))) == [ids[4:]]


@pytest.fixture
def sol(deps):
    return published(deps)


@pytest.mark.rule("R-5b")
def test_a_vendors_bids_are_read_in_pages_with_no_sealed_content(deps, sol):
    # Given 5 bids of acme and one of bolt
    acme = vendor(deps, "acme")
    bolt = vendor(deps, "bolt")
    first = bids.submit_bid(deps, FakeSealer(), acme, sol.id, bid_body()).bid
    ids = [first.id, *seed(deps, first, count=4)]
    bids.submit_bid(deps, FakeSealer(), bolt, sol.id, bid_body())
    # Then acme pages through its own 5, none with content before the opening, each read audited
    assert_three_pages_of(lambda page: bids.vendor_bids(deps, acme, "V-acme", page), ids)
    assert all(b.content is None for b in bids.vendor_bids(deps, acme, "V-acme", PageRequest()).items)
    assert any(a.action == "bid.read_in_list" and a.entity == f"bid:{first.id}" for a in deps.store.audit)
    # And bolt may not list acme's
    with pytest.raises(NotFound):
        bids.vendor_bids(deps, bolt, "V-acme", PageRequest())


@pytest.mark.rule("R-5n")
def test_the_tabulation_is_read_in_pages_of_opened_bids_only(deps, sol):
    # Given 5 opened bids and one still sealed
    acme = vendor(deps, "acme")
    sealed = bids.submit_bid(deps, FakeSealer(), acme, sol.id, bid_body()).bid
    opened = dataclasses.replace(sealed, id="B-OPEN", opened_at=OPENING)
    ids = seed(deps, opened)
    deps.store.commit(SYSTEM, OPENING, [Change(action="t", after=dataclasses.replace(sol, opened_at=OPENING), before=sol)])
    # Then the tabulation pages through the 5 opened bids
    assert_three_pages_of(lambda page: bids.tabulation(deps, sol.id, page=page)[1], ids)


@pytest.mark.parametrize("which", ["evidence", "quantity"])
def test_a_bids_evidence_requests_and_quantity_changes_are_read_in_pages(deps, sol, which):
    # Given 5 requests to acme's bid
    acme = vendor(deps, "acme")
    bid = bids.submit_bid(deps, FakeSealer(), acme, sol.id, bid_body()).bid
    common = {"solicitation_id": sol.id, "bid_id": bid.id, "vendor_id": "V-acme", "vendor_org": "acme", "bidder_email": "b@acme"}
    if which == "evidence":
        template = EvidenceRequest(
            id="ER", requested="experience", respond_by=AT, requested_by="buyer", requested_at=AT, **common
        )
        list_of = bidder_requests.evidence_requests
    else:
        template = QuantityChange(
            id="QC", line_id="1", quantity_before=D(1), quantity=D(2), reason="r", proposed_by="buyer", proposed_at=AT, **common
        )
        list_of = bidder_requests.quantity_changes
    ids = seed(deps, template)
    # Then purchasing and the bidder page through them
    assert_three_pages_of(lambda page: list_of(deps, PURCHASING, sol.id, bid.id, page), ids)
    assert_three_pages_of(lambda page: list_of(deps, acme, sol.id, bid.id, page), ids)


# --- vendors, plans, attention and the audit trail -----------------------------------------------------------------


@pytest.mark.rule("R-4")
def test_duplicate_groups_are_read_in_pages_and_a_group_is_never_split(deps):
    # Given 5 pairs of vendors sharing a name, and a vendor alone
    for name in ("alpha", "bravo", "charlie", "delta", "echo"):
        for suffix in ("1", "2"):
            vendor(deps, f"{name}{suffix}")
            v = deps.store.get(Vendor, f"V-{name}{suffix}")
            deps.store.commit(
                SYSTEM, AT, [Change(action="t", after=dataclasses.replace(v, legal_name=f"{name.title()} LLC"), before=v)]
            )
    vendor(deps, "zulu")
    # When purchasing reads the groups 2 at a time
    pages = all_pages(lambda page: vendors.duplicates(deps, PURCHASING, page))
    # Then there are 3 pages of whole pairs, each name once
    assert [[len(group) for group in p] for p in pages] == [[2, 2], [2, 2], [2]]
    assert [group[0].name_key for p in pages for group in p] == ["alpha", "bravo", "charlie", "delta", "echo"]


@pytest.mark.rule("OPM-2")
def test_approved_plans_are_read_in_pages_by_agency_and_by_period(deps):
    # Given 5 approved plans of DSS for one period and one of DCF for another
    template = Plan(id="PLAN", agency="DSS", period="FY 26-28", created_at=AT, status=PlanStatus.APPROVED)
    ids = seed(deps, template)
    seed(deps, dataclasses.replace(template, id="PLAN-DCF", agency="DCF", period="FY 24-26"), count=1)
    # Then each listing of them is 3 pages
    assert_three_pages_of(lambda page: plans.list_plans(deps, None, page, agency="DSS"), ids)
    assert_three_pages_of(lambda page: plans.list_plans(deps, None, page, period="FY 26-28"), ids)
    assert_three_pages_of(lambda page: plans.list_plans(deps, None, page, agency="DSS", period="FY 26-28"), ids)


@pytest.mark.rule("OPM-6")
def test_schedule_versions_are_read_in_pages(deps):
    # Given an approved plan with 5 published schedule versions
    versions = tuple(ScheduleVersion(number=n, services=(), created_at=AT, source="plan", published_at=AT) for n in range(1, 6))
    plan = Plan(id="PLAN", agency="DSS", period="FY 26-28", created_at=AT, status=PlanStatus.APPROVED, schedule_versions=versions)
    deps.store.commit(SYSTEM, AT, [Change(action="t", after=plan)])
    # Then they are 3 pages in number order
    pages = all_pages(lambda page: plans.schedule_versions(deps, None, plan.id, page))
    assert [[v.number for v in p] for p in pages] == [[1, 2], [3, 4], [5]]


@pytest.mark.rule("OPM-5")
def test_amendment_requests_are_read_in_pages_by_plan_and_by_status(deps):
    # Given 5 requests under review for one plan
    plan = Plan(id="PLAN", agency="DSS", period="FY 26-28", created_at=AT, status=PlanStatus.APPROVED)
    deps.store.commit(SYSTEM, AT, [Change(action="t", after=plan)])
    template = PlanAmendment(
        id="RAPS",
        plan_id=plan.id,
        agency="DSS",
        service_id="S1",
        change=ScheduleChange.TO_NON_COMPETITIVE,
        reason="sole source",
        submitted_at=AT,
        submitted_by="dss",
        reminder_at=AT,
        review_due_at=AT,
    )
    ids = seed(deps, template)
    seed(deps, dataclasses.replace(template, id="RAPS-DENIED", status=PlanAmendmentStatus.DENIED), count=1)
    # Then the plan's requests under review and OPM's queue are those 5, in pages
    dss = Actor("dss-user", Role.AGENCY, "DSS")
    assert_three_pages_of(
        lambda page: plans.list_amendments(deps, dss, page, plan_id=plan.id, status=PlanAmendmentStatus.UNDER_REVIEW), ids
    )
    assert_three_pages_of(lambda page: plans.list_amendments(deps, OPM, page), ids)


def test_open_attention_items_are_read_in_pages(deps):
    # Given 5 steps waiting for purchasing
    ids = seed(deps, Attention(id="ATT", process="p", execution="e", state="s", error="E", cause="c", raised_at=AT))
    # Then purchasing pages through them
    assert_three_pages_of(lambda page: attention.open_attention(deps, PURCHASING, page), ids)


def test_the_audit_trail_of_a_record_and_of_an_actor_are_read_in_pages(deps):
    # Given 5 changes of one record by one actor, and a change by another actor
    notice_ = notice()
    for n in range(5):
        current = deps.store.get(ForceMajeureNotice, notice_.id)
        deps.store.commit(
            CONTRACTOR_USER, AT, [Change(action=f"step.{n}", after=dataclasses.replace(notice_, cause=f"c{n}"), before=current)]
        )
    deps.store.commit(PURCHASING, AT, [Change(action="other", after=dataclasses.replace(notice_, id="FM-2"))])

    def actions(**who):
        pages = all_pages(lambda page: audit.audit_trail(deps, PURCHASING, page, **who))
        return [[a.action for a in p] for p in pages]

    # Then the record's trail and the actor's trail are 3 pages in order
    steps = [f"step.{n}" for n in range(5)]
    assert actions(entity=f"force_majeure_notice:{notice_.id}") == [steps[:2], steps[2:4], steps[4:]]
    assert actions(by=CONTRACTOR_USER.sub) == [steps[:2], steps[2:4], steps[4:]]


def test_the_audit_trail_needs_exactly_one_of_record_and_actor(deps):
    # When purchasing names both, or neither, Then it is a 400 naming the parameter
    for who in ({}, {"entity": "vendor:V-1", "by": "x"}):
        with pytest.raises(ValidationFailed) as err:
            audit.audit_trail(deps, PURCHASING, PageRequest(), **who)
        assert err.value.details[0]["field"] == "entity"
