"""The public pages over HTTP: each shows the facts of the public JSON routes, and nothing sealed or draft."""

import csv
import datetime as dt
import html as markup
import io
import re

import icalendar
import pytest

from chalicelib import bootstrap
from chalicelib.board import views
from chalicelib.services import audit_log
from chalicelib.services.ports import PageRequest
from tests.workflows.test_invitation_to_bid import INVITATION, OPENING, bid, publish_with_two_vendors
from tests.workflows.test_plan_amendments import PLAN, approved_plan


def three_open_invitations(api, stack) -> set[str]:
    """The invitation of publish_with_two_vendors and two more, all open: their ids."""
    ids = {publish_with_two_vendors(api, stack)}
    for title in ("Toner", "Staples"):
        sol = api.as_purchasing().post("/solicitations", json={**INVITATION, "title": title}).json
        assert api.as_purchasing().post(f"/solicitations/{sol['id']}/publish").status == 200
        ids.add(sol["id"])
    return ids


def shown(html: str) -> list[str]:
    return re.findall(r'href="/board/solicitations/([^"#]+)"', html)


def next_link(html: str) -> str | None:
    found = re.search(r'<a href="(/board\?status=open[^"]*page=[^"]+)">Next notices', html)
    return None if found is None else markup.unescape(found.group(1))


def page(api, path):
    reply = api.get(path)
    assert reply.status == 200, reply.body[:500]
    return reply.body.decode()


@pytest.mark.rule("R-4")
def test_the_board_lists_an_open_invitation_with_its_agency_codes_and_opening_in_connecticut_time(api, stack):
    # Given a published invitation and a draft
    sol_id = publish_with_two_vendors(api, stack)
    draft = api.as_purchasing().post("/solicitations", json={**INVITATION, "title": "Draft toner"}).json
    # When the public reads the board
    html = page(api, "/board")
    # Then the invitation is there with its facts, the opening on Connecticut's clock; the draft is not
    assert f'href="/board/solicitations/{sol_id}"' in html and INVITATION["title"] in html
    assert "DAS" in html and "64000" in html and "Monday, March 16, 2026, 10:00 AM EDT" in html
    assert "Draft toner" not in html and draft["id"] not in html


@pytest.mark.rule("R-4")
def test_the_board_filters_by_commodity_agency_and_status(api, stack):
    # Given an open invitation of DAS for commodity 64000
    sol_id = publish_with_two_vendors(api, stack)
    # When the board is filtered / Then only matching filters show it
    assert sol_id in page(api, "/board?commodity=640&agency=DAS&status=open")
    assert sol_id not in page(api, "/board?commodity=715")
    assert sol_id not in page(api, "/board?agency=DOT")
    assert sol_id not in page(api, "/board?status=awarded")


@pytest.mark.rule("R-5b")
@pytest.mark.rule("R-5o")
def test_before_the_opening_the_page_shows_the_addendum_and_no_bid(api, stack):
    # Given an invitation with an addendum and a sealed bid
    sol_id = publish_with_two_vendors(api, stack)
    api.as_purchasing().post(f"/solicitations/{sol_id}/addenda", json={"text": "Delivery to Hartford only."})
    assert api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("31.75", "40.00")).status == 201
    # When the public reads its page
    html = page(api, f"/board/solicitations/{sol_id}")
    # Then the addendum is shown, the bids are sealed: no bidder, no price
    assert "Addendum 1" in html and "Delivery to Hartford only." in html
    assert "Bids are sealed until the opening on Monday, March 16, 2026, 10:00 AM EDT." in html
    assert "Acme" not in html and "31.75" not in html


@pytest.mark.rule("R-5n")
@pytest.mark.rule("R-8a")
@pytest.mark.rule("R-8c")
def test_after_the_opening_the_page_shows_the_tabulation_and_after_the_award_the_award(api, stack, clock):
    # Given two bids opened
    sol_id = publish_with_two_vendors(api, stack)
    for org, price in (("acme", "30.00"), ("bolt", "25.00")):
        assert api.as_vendor(org).post(f"/solicitations/{sol_id}/bids", json=bid(price, "40.00")).status == 201
    clock.advance(to=OPENING)
    # When the public reads the page / Then every opened bid is tabulated with its prices
    html = page(api, f"/board/solicitations/{sol_id}")
    assert "Acme Office Supply LLC" in html and "Bolt Paper Co" in html and "$25.00" in html and "2 bids" in html
    assert "30 days after the opening, to the end of Wednesday, April 15, 2026" in html  # R-8c, calendar days
    # And after the award the page says it is awarded
    award_id = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={}).json["awards"][0]["id"]
    html = page(api, f"/board/solicitations/{sol_id}")
    assert "Awarded: 1 award" in html and award_id in html
    # And its notice of award: the awardee, its lines at their prices, the amount and the contract formed
    notices = api.get(f"/solicitations/{sol_id}/awards").json["awards"][0]["shares"][0]
    assert "Notices of award" in html and notices["contract_id"] in html and "line 1: 100 at $25.00" in html


@pytest.mark.rule("R-4")
def test_a_draft_or_unknown_notice_is_a_404_page(api, stack):
    draft = api.as_purchasing().post("/solicitations", json=INVITATION).json
    for path in (f"/board/solicitations/{draft['id']}", "/board/solicitations/ITB-none", "/board/rfps/RFP-none"):
        reply = api.get(path)
        assert reply.status == 404 and reply.headers["Content-Type"].startswith("text/html")
        assert INVITATION["title"] not in reply.body.decode()


@pytest.mark.rule("R-4")
def test_the_board_downloads_as_csv_with_one_row_per_notice(api, stack):
    sol_id = publish_with_two_vendors(api, stack)
    reply = api.get("/board?format=csv")
    assert reply.headers["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(reply.body.decode())))
    assert [(r["id"], r["section"], r["agency"], r["opening_or_due"]) for r in rows] == [
        (sol_id, "open", "DAS", "2026-03-16T10:00:00-04:00")
    ]


@pytest.mark.rule("R-5b")
def test_the_openings_calendar_has_an_event_at_each_open_invitations_opening(api, stack):
    sol_id = publish_with_two_vendors(api, stack)
    reply = api.get("/board/openings.ics")
    assert reply.headers["Content-Type"].startswith("text/calendar")
    (event,) = icalendar.Calendar.from_ical(reply.body.decode()).walk("VEVENT")
    assert str(event["uid"]) == f"{sol_id}@ct-procurement" and event.decoded("dtstart") == OPENING
    assert str(event["summary"]) == f"Bid opening: {INVITATION['title']}"
    assert str(event["url"]).endswith(f"/board/solicitations/{sol_id}")


@pytest.mark.rule("OPM-2")
def test_the_plans_page_shows_approved_plans_with_their_schedule_and_never_a_draft(api):
    # Given an approved plan of DSS and a draft of another period
    plan_id = approved_plan(api)
    api.as_("agency", "DSS").post("/plans", json={**PLAN, "period": "FY 29-31"})
    # When the public reads the plans page
    html = page(api, "/board/plans")
    # Then the approved plan shows its schedule version 1 and its services; the draft's period is absent
    assert plan_id in html and "DSS, FY 26-28" in html and "version 1" in html and "Home care for elders" in html
    assert "FY 29-31" not in html
    rows = list(csv.DictReader(io.StringIO(api.get("/board/plans?format=csv").body.decode())))
    assert {(r["plan_id"], r["schedule_version"], r["service_id"]) for r in rows} >= {(plan_id, "1", "HOME-CARE")}
    assert "No approved plan matches the filter." in page(api, "/board/plans?period=FY+29-31")


@pytest.mark.rule("R-15")
@pytest.mark.rule("R-20")
def test_the_registers_page_and_its_downloads_answer_when_empty(api):
    html = page(api, "/board/registers")
    assert "Record of sole source procurements" in html and "Record of emergency procurements" in html
    for which in ("sole-source", "emergency"):
        reply = api.get(f"/board/registers?format=csv&register={which}")
        assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/csv")


def test_the_stylesheet_is_served_as_css(api):
    reply = api.get("/board/style.css")
    assert reply.status == 200 and reply.headers["Content-Type"].startswith("text/css")


def test_the_registers_page_publishes_the_latest_signed_checkpoint_of_the_audit_log(api, stack, clock):
    # Given changes committed and, past the commit lag, appended to the log and signed (by the scheduled tasks, or here)
    publish_with_two_vendors(api, stack)
    clock.advance(days=1)  # the next UTC day's checkpoint covers them
    deps = bootstrap.deps()
    audit_log.append_new_entries(deps, lag=dt.timedelta(seconds=bootstrap.settings().commit_lag_seconds))
    audit_log.sign_checkpoint(deps, bootstrap.signer())
    signed = audit_log.checkpoints(deps, PageRequest(limit=200)).items[-1]
    assert signed.tree_size > 0
    # When the public opens the registers page / Then the checkpoint's size and root hash are on it
    html = page(api, "/board/registers")
    assert "Signed checkpoints of the audit log" in html
    assert signed.root_hash in html and f"<td>{signed.tree_size}</td>" in html


@pytest.mark.rule("R-4")
def test_a_section_longer_than_a_page_is_read_page_by_page_with_each_notice_once(api, stack, monkeypatch):
    # Given three open invitations and a board page of two notices
    ids = three_open_invitations(api, stack)
    monkeypatch.setattr(views, "BOARD_PAGE", 2)
    # When the public opens the board, then follows the open section's "next" link
    first = page(api, "/board")
    second = page(api, next_link(first))
    # Then the first page shows two, the second the third, and the last page links no further page
    assert len(shown(first)) == 2 and len(shown(second)) == 1
    assert set(shown(first) + shown(second)) == ids
    assert next_link(second) is None and "notices on this page" in second


@pytest.mark.rule("R-4")
def test_the_csv_of_a_page_lists_the_notices_that_page_shows(api, stack, monkeypatch):
    # Given the second page of the open section
    three_open_invitations(api, stack)
    monkeypatch.setattr(views, "BOARD_PAGE", 2)
    second = next_link(page(api, "/board?status=open"))
    # When its CSV is downloaded / Then its rows are that page's notices
    rows = list(csv.DictReader(io.StringIO(api.get(second + "&format=csv").body.decode())))
    assert [r["id"] for r in rows] == shown(page(api, second))


@pytest.mark.parametrize(
    "query",
    ["status=open&page=not-a-link", "status=open&page={link}&agency=DOT", "status=awarded&page={link}"],
    ids=["made up", "other filters", "other section"],
)
def test_a_page_link_the_board_did_not_give_for_this_list_is_a_400_page(api, stack, monkeypatch, query):
    # Given a real "next" link of the open section
    three_open_invitations(api, stack)
    monkeypatch.setattr(views, "BOARD_PAGE", 2)
    link = next_link(page(api, "/board?status=open")).split("page=")[1]
    # When a made-up link, or the link with other filters or another section, is opened
    reply = api.get("/board?" + query.format(link=link))
    # Then the answer is a 400 page saying the link is not the board's own, never an error page or another list
    assert reply.status == 400 and "Bad link" in reply.body.decode() and "start again from the first page" in reply.body.decode()


@pytest.mark.rule("R-5b")
def test_the_openings_calendar_lists_every_open_invitation_however_many_pages_they_take(api, stack, monkeypatch):
    # Given three open invitations and store pages of one notice
    ids = three_open_invitations(api, stack)
    monkeypatch.setattr(views, "PAGE", PageRequest(limit=1))
    # When the calendar is read / Then it has an event for each
    events = icalendar.Calendar.from_ical(api.get("/board/openings.ics").body.decode()).walk("VEVENT")
    assert {str(e["uid"]).removesuffix("@ct-procurement") for e in events} == ids


def test_the_registers_page_shows_the_checkpoints_of_the_last_seven_days_newest_first_in_one_read(api, stack, clock, monkeypatch):
    # Given a checkpoint signed on each of nine days
    deps = bootstrap.deps()
    signed = []
    for _ in range(9):
        clock.advance(days=1)
        signed.append(audit_log.sign_checkpoint(deps, bootstrap.signer()))
    reads = []
    checkpoints = audit_log.checkpoints
    monkeypatch.setattr(audit_log, "checkpoints", lambda deps, page: reads.append(page) or checkpoints(deps, page))
    # When the public opens the registers page
    html = page(api, "/board/registers")
    # Then it shows the seven newest, newest first, read from the first of those days in one page
    times = re.findall(r'<tr><th scope="row">(\d{4}-\d\d-\d\dT[^<]+)</th>', html)
    assert times == [c.time for c in signed[::-1][:7]]
    assert len(reads) == 1 and reads[0].after == (clock.now().astimezone(dt.UTC).date() - dt.timedelta(days=7)).isoformat()


def approved_plans_of(api, agencies) -> list[str]:
    """A plan of each agency for PLAN's period, submitted and approved: their ids."""
    ids, opm = [], api.as_("opm", "OPM")
    for agency in agencies:
        created = api.as_("agency", agency).post("/plans", json=PLAN)
        assert created.status == 201, created.json
        assert api.as_("agency", agency).post(f"/plans/{created.json['id']}/submit").status == 200
        assert opm.post(f"/plans/{created.json['id']}/approve", json={"note": "Approved as filed."}).status == 200
        ids.append(created.json["id"])
    return ids


@pytest.mark.rule("OPM-2")
def test_the_plans_page_shows_the_approved_plans_page_by_page_by_agency(api, monkeypatch):
    # Given three agencies' approved plans and pages of two plans
    ids = approved_plans_of(api, ("DSS", "DOT", "DAS"))
    monkeypatch.setattr(views, "PLANS_PAGE", 2)
    # When the public opens the plans page and follows its "next" link
    first = page(api, "/board/plans")
    (link,) = re.findall(r'<a href="(/board/plans\?page=[^"]+)">Next plans', first)
    second = page(api, markup.unescape(link))
    # Then DAS and DOT are on the first page, DSS on the second, which links no further page
    assert re.findall(r'<h2 id="plan-[^"]+">(\w+),', first) == ["DAS", "DOT"]
    assert re.findall(r'<h2 id="plan-[^"]+">(\w+),', second) == ["DSS"] and "Next plans" not in second
    assert {i for i in ids if i in first + second} == set(ids)
    # And the second page's CSV holds its plan's schedule only; a changed link is a 400 page
    rows = list(csv.DictReader(io.StringIO(api.get(markup.unescape(link) + "&format=csv").body.decode())))
    assert {r["agency"] for r in rows} == {"DSS"}
    assert api.get(markup.unescape(link) + "&agency=DOT").status == 400
