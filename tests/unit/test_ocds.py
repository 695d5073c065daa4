"""The OCDS mapping (chalicelib/ocds) and its service with fakes: the release of each kind of public event, its tag,
id and date, valid against the official schema; events of one instant in life-cycle order; nothing outside a
published process; the compiled record (ocdsmerge)."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.adapters.entities import entity_type_of
from chalicelib.domain.invoices import Invoice, InvoiceKind, Payment
from chalicelib.domain.plans import Narrative, Plan, PlanStatus, ProcurementMethod, ScheduledService, ServiceType
from chalicelib.ocds import events, packages, releases
from chalicelib.ocds.events import Event
from chalicelib.services import ocds
from chalicelib.services.ports import Actor, Change, PageRequest
from tests.ocds_schema import assert_valid_record_package, assert_valid_release, assert_valid_release_package
from tests.performance_support import contract

PREFIX = "ocds-ct0000"
AT = dt.datetime(2026, 3, 2, 15, 30, tzinfo=dt.UTC)
PUBLISHER = ocds.publisher("https://api.example.gov", PREFIX)


def event_of(entity, action: str, at: dt.datetime = AT) -> Event:
    et = entity_type_of(entity)
    after = et.audit_view(dataclasses.replace(entity, version=entity.version or 1))
    assert after is not None
    return Event(f"{et.kind}:{entity.id}", action, at, after)


def approved_plan() -> Plan:
    service = ScheduledService(
        "S-1", "Case management", ServiceType.POS, ProcurementMethod.COMPETITIVE, competitive_procurement_date=dt.date(2026, 9, 1)
    )
    return Plan(
        id="PLAN-1",
        agency="DSS",
        period="FY2027-FY2028",
        created_at=AT,
        needs_assessment=Narrative("Needs."),
        procurement_schedule=(service,),
        status=PlanStatus.APPROVED,
        decided_at=AT,
    )


def paid_invoice() -> Invoice:
    return Invoice(
        id="INV-1",
        contract_id="C-26PSX0001",
        agency="DAS",
        contractor_org="acme",
        contractor_name="Acme Office Supply LLC",
        contractor_email="billing@acme.example",
        agency_email="ap@das.example",
        kind=InvoiceKind.GOODS,
        amount=Decimal("1000.00"),
        received_at=AT,
        goods_received_at=AT,
        period_starts_at=AT,
        original_due_date=dt.date(2026, 4, 16),
        due_date=dt.date(2026, 4, 16),
        payments=(Payment(Decimal("1000.00"), AT, 0, Decimal(0), discount=Decimal("20.00")),),
    )


@pytest.mark.rule("OPM-2")
def test_an_approved_plan_is_a_planning_release_of_its_own_process_without_contractor_addresses():
    # Given an approved plan / When its approval is mapped
    release = releases.release_of(event_of(approved_plan(), "plan.approved"), PREFIX)
    # Then it is a valid planning release, dated at the approval, with the schedule as milestones
    assert release is not None
    assert (release["ocid"], release["tag"], release["date"]) == (f"{PREFIX}-PLAN-1", ["planning"], "2026-03-02T15:30:00Z")
    assert [m["id"] for m in release["planning"]["milestones"]] == ["S-1"]
    assert_valid_release(release)


def test_a_payment_is_an_implementation_release_of_the_contracts_process_net_of_the_discount():
    # Given a contract formed by invitation ITB-1 and an invoice paid with a cash discount
    formed = dataclasses.replace(contract(), solicitation_id="ITB-1", award_id="AW-1")
    # When the payment is mapped
    release = releases.release_of(event_of(paid_invoice(), "invoice.payment_recorded"), PREFIX, contract=formed)
    # Then it is a transaction of the contract, for what the State paid, and valid
    assert release is not None and release["ocid"] == f"{PREFIX}-ITB-1" and release["tag"] == ["implementation"]
    (entry,) = release["contracts"]
    assert entry["awardID"] == "AW-1-V-0001" and entry["implementation"]["transactions"][0]["value"]["amount"] == 980.0
    assert "billing@acme.example" not in str(release) and "ap@das.example" not in str(release)
    assert_valid_release(release)


def test_a_contract_outside_an_invitation_or_request_is_no_release():
    # Given a contract of no published process (a sole-source or emergency one) / Then it gives no release
    assert releases.release_of(event_of(contract(), "contract.created"), PREFIX) is None


def test_each_entity_version_gives_its_own_release_id():
    # Given two versions of the same contract / Then their releases have different ids
    formed = dataclasses.replace(contract(), solicitation_id="ITB-1", award_id="AW-1")
    first = releases.release_of(event_of(dataclasses.replace(formed, version=1), "contract.created"), PREFIX)
    second = releases.release_of(event_of(dataclasses.replace(formed, version=2), "contract.created"), PREFIX)
    assert first is not None and second is not None and first["id"] != second["id"]


def test_every_public_action_has_a_tag_of_the_closed_release_tag_codelist_and_a_stage():
    # Given the release schema's tag codelist / Then every public action's tag is in it and has a life-cycle stage
    codelist = set(packages.release_schema()["properties"]["tag"]["items"]["enum"])
    assert set(events.TAGS.values()) <= codelist
    assert all(events.stage_of(action) >= 0 for action in events.PUBLIC_ACTIONS)


def test_the_bids_extension_is_applied_to_the_release_schema_and_named_by_its_versioned_url():
    # Given the schema used / Then it has the bids section, and a package names the extension's v1.1.5 URL
    assert "bids" in packages.release_schema()["properties"]
    package = packages.release_package(PUBLISHER, "/ocds/releases", [], AT)
    assert package["extensions"] == [packages.BID_EXTENSION_URL] and "v1.1.5" in packages.BID_EXTENSION_URL
    assert (package["version"], package["publishedDate"], package["uri"]) == (
        "1.1",
        "2026-03-02T15:30:00Z",
        "https://api.example.gov/ocds/releases",
    )


def _commit(deps, *changes):
    deps.store.commit(Actor.system("test"), deps.clock.now(), list(changes))


def test_events_of_one_instant_are_read_in_life_cycle_order_and_compile_into_a_record(deps):
    # Given a contract and its first payment committed at the same instant, the payment first
    formed = dataclasses.replace(contract(), solicitation_id="ITB-1", award_id="AW-1")
    _commit(deps, Change(action="invoice.payment_recorded", after=paid_invoice()))
    _commit(deps, Change(action="contract.created", after=formed))
    # When the releases are read
    package, position = ocds.releases_page(deps, PageRequest(limit=10), since=None, pub=PUBLISHER, path="/ocds/releases")
    # Then the contract comes before its implementation, and the package is valid
    assert [r["tag"] for r in package["releases"]] == [["contract"], ["implementation"]] and position is None
    assert_valid_release_package(package)
    # And the record compiles both into one contract
    record = ocds.record(deps, f"{PREFIX}-ITB-1", pub=PUBLISHER, path=f"/ocds/records/{PREFIX}-ITB-1")
    assert_valid_record_package(record)
    (compiled,) = record["records"][0]["compiledRelease"]["contracts"]
    assert compiled["dateSigned"] and compiled["implementation"]["transactions"][0]["id"] == "INV-1-1"


def test_since_leaves_out_earlier_events_and_a_page_gives_the_position_of_the_next(deps):
    # Given two approved plans, a day apart
    _commit(deps, Change(action="plan.approved", after=approved_plan()))
    deps.clock.advance(days=1)
    _commit(deps, Change(action="plan.approved", after=dataclasses.replace(approved_plan(), id="PLAN-2")))
    # When read from the second's instant / Then only it comes
    later, _ = ocds.releases_page(deps, PageRequest(limit=10), since=deps.clock.now(), pub=PUBLISHER, path="/ocds/releases")
    assert [r["ocid"] for r in later["releases"]] == [f"{PREFIX}-PLAN-2"]
    # And a page of one says where the next starts
    first, position = ocds.releases_page(deps, PageRequest(limit=1), since=None, pub=PUBLISHER, path="/ocds/releases")
    rest, _ = ocds.releases_page(
        deps, PageRequest(limit=1, after=position or ""), since=None, pub=PUBLISHER, path="/ocds/releases"
    )
    assert [r["ocid"] for r in first["releases"] + rest["releases"]] == [f"{PREFIX}-PLAN-1", f"{PREFIX}-PLAN-2"]


def test_a_private_change_is_no_event(deps):
    # Given a plan only submitted (not public, OPM-2) / Then nothing is published
    _commit(deps, Change(action="plan.submitted", after=dataclasses.replace(approved_plan(), status=PlanStatus.SUBMITTED)))
    assert deps.store.public_audit_page(limit=10).items == []
