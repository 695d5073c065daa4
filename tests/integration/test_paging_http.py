"""Lists through HTTP on the emulated DynamoDB: `{items, next}`, `?limit=` (1 to 200) and a signed `?cursor=` that
only the list, filters and caller it came from accept (400 InvalidCursor otherwise)."""

import dataclasses
import datetime as dt

import pytest

from chalicelib import bootstrap
from chalicelib.domain.orders import ForceMajeureNotice
from chalicelib.domain.solicitations import SolicitationStatus
from chalicelib.services import solicitations
from chalicelib.services.ports import Actor, Change, Role
from tests.performance_support import AGENCY, AGENCY_EMAIL, CONTRACTOR, store_contract
from tests.unit.test_solicitations_examples import FACTORS, LINES, OPENING, AwardBasis

PURCHASING = Actor("buyer@DAS-BOP", Role.PURCHASING, "DAS-BOP")
SYSTEM = Actor.system("test")


@pytest.fixture
def open_invitations(stack):
    """5 open invitations of DAS, opening a day apart, and one of DOT; stored as the publication stores them."""
    deps = bootstrap.deps()
    draft = solicitations.create_solicitation(
        deps,
        PURCHASING,
        title="Paper",
        agency="DAS",
        commodity_codes=["64000"],
        lines=list(LINES),
        groups=[],
        opening_at=OPENING,
        award_basis=AwardBasis.ALL,
        evaluation_factors=list(FACTORS),
    )
    now = deps.clock.now()
    opened = [
        dataclasses.replace(
            draft,
            id=f"ITB-P{n}",
            version=0,
            status=SolicitationStatus.OPEN,
            published_at=now,
            opening_at=OPENING + dt.timedelta(days=n),
        )
        for n in range(5)
    ]
    dot = dataclasses.replace(opened[0], id="ITB-PDOT", agency="DOT")
    deps.store.commit(SYSTEM, now, [Change(action="solicitation.published", after=s) for s in [*opened, dot]])
    return [s.id for s in opened]


def pages(client, path: str, limit: int = 2) -> list[list[str]]:
    """The ids of each page of a list, following `next` until it is null."""
    found, cursor = [], None
    while True:
        separator = "&" if "?" in path else "?"
        url = f"{path}{separator}limit={limit}" + (f"&cursor={cursor}" if cursor else "")
        reply = client.get(url)
        assert reply.status == 200, reply.json
        found.append([item.get("id") or item.get("bid_id") or item.get("action") for item in reply.json["items"]])
        cursor = reply.json["next"]
        if cursor is None:
            return found
        assert len(found) < 20


@pytest.mark.rule("R-4")
def test_open_invitations_of_an_agency_are_three_pages_of_two(api, open_invitations):
    # When the public lists DAS's open invitations 2 at a time
    found = pages(api, "/solicitations?status=open&agency=DAS")
    # Then it reads 3 pages in opening order, each invitation once
    assert found == [open_invitations[:2], open_invitations[2:4], open_invitations[4:]]


@pytest.mark.rule("R-4")
def test_the_opening_window_and_the_commodity_filter_are_applied_before_paging(api, open_invitations):
    # When the public asks for paper opening on the second and third day only
    window = "opening_from=2026-03-17T10:00:00-04:00&opening_to=2026-03-19T10:00:00-04:00"
    found = pages(api, f"/solicitations?commodity=640&{window}")
    # Then those two are one page
    assert found == [open_invitations[1:3]]


def test_a_list_answers_at_most_fifty_by_default_and_refuses_more_than_two_hundred(api, open_invitations):
    # When the limit is left out, 200, 201 or 0
    default = api.get("/solicitations")
    most = api.get("/solicitations?limit=200")
    over, zero = api.get("/solicitations?limit=201"), api.get("/solicitations?limit=0")
    # Then up to 50 and 200 are answered, and 201 and 0 are a 400 naming the parameter
    assert default.status == most.status == 200 and len(default.json["items"]) == 6 and default.json["next"] is None
    for refused in (over, zero):
        assert refused.status == 400 and refused.json["details"][0]["field"] == "limit"


def test_an_altered_cursor_is_refused(api, open_invitations):
    # Given the cursor of a first page
    cursor = api.get("/solicitations?limit=2").json["next"]
    position, mac = cursor.split(".")
    forged = position[:-2] + ("AA" if position[-2:] != "AA" else "BB") + "." + mac
    # When it is altered, cut short or made up, Then each is a 400 InvalidCursor on the cursor
    for bad in (forged, cursor[:-3], "bm90LWEtY3Vyc29y", "."):
        reply = api.get(f"/solicitations?limit=2&cursor={bad}")
        assert (reply.status, reply.json["Code"], reply.json["details"][0]["field"]) == (400, "InvalidCursor", "cursor")


def test_a_cursor_works_only_on_its_own_list_filter_and_caller(api, open_invitations):
    # Given the cursor the public got for the open invitations
    cursor = api.get("/solicitations?limit=2").json["next"]
    purchasing = api.as_purchasing()
    # When it is sent with another filter, on another list, or by another caller
    other_filter = api.get(f"/solicitations?limit=2&agency=DAS&cursor={cursor}")
    other_list = purchasing.get(f"/attention?limit=2&cursor={cursor}")
    other_caller = purchasing.get(f"/solicitations?limit=2&cursor={cursor}")
    # Then each is refused, and the same list with another limit goes on
    assert [r.json["Code"] for r in (other_filter, other_list, other_caller)] == ["InvalidCursor"] * 3
    assert api.get(f"/solicitations?limit=3&cursor={cursor}").status == 200


@pytest.fixture
def contract(stack):
    return store_contract(bootstrap.deps())


def test_a_contracts_notices_are_paged_from_the_dynamodb_key(api, contract):
    # Given 5 force-majeure notices of the contract in DynamoDB
    deps = bootstrap.deps()
    notices = [
        ForceMajeureNotice(
            id=f"FM-{n}",
            contract_id=contract.id,
            agency=AGENCY,
            contractor_org=CONTRACTOR,
            cause="flood",
            probable_duration_days=3,
            noticed_at=deps.clock.now(),
        )
        for n in range(5)
    ]
    deps.store.commit(SYSTEM, deps.clock.now(), [Change(action="contract.force_majeure_noticed", after=n) for n in notices])
    # Then the agency reads them in 3 pages
    found = pages(api.as_("agency", AGENCY), f"/contracts/{contract.id}/force-majeure-notices")
    assert found == [["FM-0", "FM-1"], ["FM-2", "FM-3"], ["FM-4"]]


def test_the_audit_trail_of_an_actor_is_paged_from_its_index(api, contract):
    # Given 5 changes made by one agency user
    deps = bootstrap.deps()
    clerk = Actor("clerk@DAS", Role.AGENCY, AGENCY)
    for n in range(5):
        current = deps.store.get(type(contract), contract.id)
        deps.store.commit(clerk, deps.clock.now(), [Change(action=f"contract.step_{n}", after=current, before=current)])
    # Then purchasing reads what the clerk did in 3 pages, oldest first
    found = pages(api.as_purchasing(), "/audit?actor=clerk@DAS")
    assert found == [["contract.step_0", "contract.step_1"], ["contract.step_2", "contract.step_3"], ["contract.step_4"]]


@pytest.mark.rule("R-13a")
def test_a_vendor_cannot_page_another_vendors_invoices(api):
    # Given two registered vendors
    acme = api.as_vendor("acme").post("/vendors", json=_registration("acme")).json
    api.as_vendor("bolt").post("/vendors", json=_registration("bolt"))
    # When bolt lists acme's invoices, Then acme is not a vendor bolt may see; acme may list its own
    assert api.as_vendor("bolt").get(f"/vendors/{acme['id']}/invoices").status == 404
    own = api.as_vendor("acme").get(f"/vendors/{acme['id']}/invoices?status=paid")
    assert own.status == 200 and own.json == {"items": [], "next": None}


@pytest.mark.rule("R-9k")
def test_an_order_is_read_alone_and_listed_for_its_agency(api, contract):
    # Given an order of the agency on the contract
    agency = api.as_("agency", AGENCY)
    order = agency.post(
        f"/contracts/{contract.id}/orders",
        json={"lines": [{"line_id": "1", "quantity": "10"}], "deliver_by": "2026-03-13", "contact_email": AGENCY_EMAIL},
    ).json
    # Then the agency reads it and finds it in its orders; another agency is told it does not exist
    assert agency.get(f"/orders/{order['id']}").json["id"] == order["id"]
    assert [o["id"] for o in agency.get(f"/agencies/{AGENCY}/orders").json["items"]] == [order["id"]]
    assert api.as_("agency", "DOT").get(f"/orders/{order['id']}").status == 404
    assert api.as_("agency", "DOT").get(f"/agencies/{AGENCY}/orders").status == 403


def _registration(org: str) -> dict:
    from local.fein import fein_for

    return {
        "legal_name": f"{org.title()} Office Supply LLC",
        "fein": fein_for(org),
        "contact_email": f"bids@{org}.example",
        "commodity_codes": ["61500"],
    }
