"""Open data in OCDS 1.1.5 over HTTP: one release per public event of an invitation to bid and of a request for
proposals, with its own id, the event's date and its tag; paged release packages, the bulk download and the record
compiled with ocdsmerge, each valid against the official schema (offline); nothing sealed (R-5b) or withheld
(R-16d) before it is public."""

import datetime as dt
import json

import pytest

from tests.integration.test_rfp_negotiations_http import AGREEMENT, decide_acme, in_negotiation
from tests.ocds_schema import assert_valid_record_package, assert_valid_release, assert_valid_release_package
from tests.workflows.test_invitation_to_bid import OPENING, award_two, bid, published  # noqa: F401 - fixture

PREFIX = "ocds-ct0000"
ITB_TAGS = ["tender", "tenderAmendment", "tenderUpdate", "award", "contract", "implementation"]


@pytest.fixture
def purchasing(api):
    return api.as_("purchasing", "DAS-BOP", "officer-1@das.ct.gov")


def releases_of(api, ocid: str) -> list[dict]:
    package = api.get("/ocds/releases.json")
    assert package.status == 200, package.json
    assert_valid_release_package(package.json)
    return [r for r in package.json["releases"] if r["ocid"] == ocid]


def full_invitation(api, clock, sol_id: str) -> str:
    """Notice (given), an addendum, two bids, the opening, the award forming bolt's contract, an order under it."""
    addendum = api.as_purchasing().post(f"/solicitations/{sol_id}/addenda", json={"text": "Line 2: recycled paper is equal."})
    assert addendum.status in (200, 201), addendum.json
    clock.advance(hours=1)
    award_id = award_two(api, clock, sol_id)
    contract_id = api.as_purchasing().get(f"/awards/{award_id}").json["contract_id"]
    clock.advance(days=1)
    order = api.as_("agency", "DAS").post(
        f"/contracts/{contract_id}/orders",
        json={"lines": [{"line_id": "1", "quantity": "5"}], "deliver_by": "2026-04-30", "contact_email": "r@das.example"},
    )
    assert order.status == 201, order.json
    return contract_id


@pytest.mark.rule("R-4")
@pytest.mark.rule("R-5n")
def test_a_full_invitation_gives_one_release_per_public_event_in_life_cycle_order(api, stack, clock, published):
    # Given an invitation noticed, amended, opened, awarded, contracted and ordered under
    sol_id = published["id"]
    contract_id = full_invitation(api, clock, sol_id)
    # When the releases are read
    releases = releases_of(api, f"{PREFIX}-{sol_id}")
    # Then each event has one release, with its tag, in order, each with its own id and the event's date
    assert [r["tag"] for r in releases] == [[tag] for tag in ITB_TAGS]
    assert len({r["id"] for r in releases}) == len(releases)
    assert dt.datetime.fromisoformat(releases[0]["date"]) < dt.datetime.fromisoformat(releases[2]["date"]) == OPENING
    assert releases[-1]["contracts"][0]["id"] == contract_id
    for release in releases:
        assert_valid_release(release)


@pytest.mark.rule("R-5n")
def test_the_record_of_an_invitation_compiles_its_releases_with_the_tabulation_award_and_contract(api, stack, clock, published):
    # Given a full invitation
    sol_id = published["id"]
    contract_id = full_invitation(api, clock, sol_id)
    # When its record is read
    reply = api.get(f"/ocds/records/{PREFIX}-{sol_id}")
    # Then it is a valid record package whose compiled release holds every stage
    assert reply.status == 200, reply.json
    assert_valid_record_package(reply.json)
    (record,) = reply.json["records"]
    compiled = record["compiledRelease"]
    assert compiled["tag"] == ["compiled"] and compiled["ocid"] == f"{PREFIX}-{sol_id}"
    assert [a["description"] for a in compiled["tender"]["amendments"]] == ["Line 2: recycled paper is equal."]
    assert sorted(b["value"]["amount"] for b in compiled["bids"]["details"]) == [3260.0, 3800.0]
    (award,) = compiled["awards"]
    assert award["suppliers"][0]["name"] == "Bolt Paper Co" and award["status"] == "active"
    (contract,) = compiled["contracts"]
    assert contract["id"] == contract_id and contract["awardID"] == award["id"]
    assert len(contract["implementation"]["milestones"]) == 1
    assert len(record["releases"]) == len(ITB_TAGS) and "versionedRelease" in record


@pytest.mark.rule("R-5b")
def test_a_sealed_bid_and_its_price_appear_in_no_release_before_the_opening(api, stack, clock, published):
    # Given an invitation with two sealed bids, the opening not yet come
    sol_id = published["id"]
    for org, price in (("acme", "30.17"), ("bolt", "25.13")):
        reply = api.as_vendor(org).post(f"/solicitations/{sol_id}/bids", json=bid(price, "38.00"))
        assert reply.status == 201, reply.json
    clock.advance(to=OPENING - dt.timedelta(seconds=1))
    # When everything OCDS publishes is read at the last second before the opening
    before = json.dumps([api.get("/ocds/releases.json").json, api.get(f"/ocds/records/{PREFIX}-{sol_id}").json])
    # Then no bid, bidder or price is in it
    assert '"bids"' not in before and "2513" not in before and "3017" not in before and "Bolt Paper" not in before
    # And from the opening on the tabulation is published
    clock.advance(to=OPENING)
    (opened,) = [r for r in releases_of(api, f"{PREFIX}-{sol_id}") if r["tag"] == ["tenderUpdate"]]
    assert sorted(b["value"]["amount"] for b in opened["bids"]["details"]) == [3273.0, 3777.0]


@pytest.mark.rule("R-16m-o")
@pytest.mark.rule("R-16d")
def test_a_request_for_proposals_gives_tender_award_and_contract_releases_without_the_withheld_part(
    api, stack, clock, purchasing
):
    # Given a request whose best ranked proposer asked that its approach be withheld, which purchasing granted
    rfp, sent = in_negotiation(api, clock, purchasing)
    base = f"/rfps/{rfp['id']}"
    assert decide_acme(purchasing, rfp, sent["acme"]).status == 200
    ocid = f"{PREFIX}-{rfp['id']}"
    # When the negotiation with acme ends in agreement: the award (R-16j)
    assert purchasing.post(f"{base}/negotiations").status == 201
    agreed = purchasing.post(f"{base}/negotiations/1/agree", json=AGREEMENT)
    assert agreed.status == 200, agreed.json
    releases = releases_of(api, ocid)
    # Then the releases are the notice, the award and the contract, the award with its public price (R-16m)
    assert [r["tag"] for r in releases] == [["tender"], ["award"], ["contract"]]
    (award,) = releases[1]["awards"]
    assert award["value"]["amount"] == 1180000.0 and award["suppliers"][0]["id"] == "V-acme"
    assert releases[2]["contracts"][0]["awardID"] == award["id"]
    # And no proposal, its price or its withheld approach is anywhere (R-16d)
    record = api.get(f"/ocds/records/{ocid}")
    assert record.status == 200
    assert_valid_record_package(record.json)
    everything = json.dumps([releases, record.json])
    assert "Phase 1: discovery." not in everything and "1250000" not in everything and sent["acme"] not in everything


def test_releases_are_paged_with_the_api_cursor_and_filtered_by_since(api, stack, clock, published):
    # Given a full invitation (six releases)
    sol_id = published["id"]
    full_invitation(api, clock, sol_id)
    # When they are read two at a time, following links.next
    seen: list[str] = []
    url: str | None = "/ocds/releases?limit=2"
    while url:
        page = api.get(url)
        assert page.status == 200, page.json
        assert_valid_release_package(page.json)
        seen += [r["tag"][0] for r in page.json["releases"]]
        nxt = page.json.get("links", {}).get("next")
        url = nxt[nxt.index("/ocds/") :] if nxt else None
    # Then every release comes once, in order
    assert seen == ITB_TAGS
    # And `since` the opening gives the opening's release and those after it
    since = api.get(f"/ocds/releases?since={OPENING.isoformat().replace('+', '%2B')}")
    assert [r["tag"][0] for r in since.json["releases"]] == ITB_TAGS[2:]


def test_an_altered_cursor_is_refused_and_an_unknown_process_is_a_404(api, stack, clock, published):
    # Given a first page with a next link
    full_invitation(api, clock, published["id"])
    nxt = api.get("/ocds/releases?limit=1").json["links"]["next"]
    # When its cursor is altered / Then 400 InvalidCursor
    altered = api.get(nxt[nxt.index("/ocds/") :].replace("cursor=e", "cursor=f"))
    assert altered.status == 400 and altered.json["Code"] == "InvalidCursor"
    # And an ocid nothing was published under is 404
    assert api.get(f"/ocds/records/{PREFIX}-ITB-none").status == 404
