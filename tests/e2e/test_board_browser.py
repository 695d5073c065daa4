"""The public pages in a real browser (Debian's chromium driven by Playwright) against the `make run` server: an
invitation to bid followed from its notice to its award through the pages, each page checked with axe-core."""

import datetime as dt
import re
from pathlib import Path

import pytest

from local import seed
from tests.e2e.conftest import ROOT, call, token

playwright_api = pytest.importorskip("playwright.sync_api")

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"
SCREENSHOTS = ROOT / "build" / "screenshots"

pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs Debian's chromium at /usr/bin/chromium (make deps installs it)"),
    pytest.mark.rule("R-4"),
    pytest.mark.rule("R-5n"),
]


@pytest.fixture(scope="module")
def browser():
    with playwright_api.sync_playwright() as p:
        launched = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context()
    yield context.new_page()
    context.close()


def serious_violations(page) -> list[str]:
    """axe-core run in the page: the rules broken at serious or critical impact."""
    page.add_script_tag(content=AXE.read_text())
    result = page.evaluate("async () => await axe.run(document)")
    return [f"{v['id']}: {v['help']}" for v in result["violations"] if v["impact"] in ("serious", "critical")]


def visit(page, url: str, shot: str):
    """Load a page, save its screenshot, and check it for accessibility."""
    response = page.goto(url.split("#")[0])  # a fragment alone is no new load
    assert response is not None and response.status == 200, url
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / f"{shot}.png"), full_page=True)
    assert serious_violations(page) == [], url


def register(base: str, org: str) -> None:
    vendor = token("vendor", org, base)
    status, created = call("POST", f"{base}/vendors", seed.vendor_registration(f"{org} Paper", f"bids@{org}.example"), vendor)
    assert status == 201, created
    text = call("GET", f"{base}/_local/outbox")[1]["messages"][-1]["text"]
    code = text.split("Confirmation code: ")[1].split()[0]
    assert call("POST", f"{base}/vendors/{created['id']}/confirm", {"code": code}, vendor)[0] == 200


def test_an_invitation_to_bid_is_followed_through_the_pages_from_notice_to_award(server, page):
    base, _ = server
    # Given two registered vendors and an invitation published with an addendum, opening in 7 days
    register(base, "Ash")
    register(base, "Birch")
    now = dt.datetime.fromisoformat(call("GET", f"{base}/_local/clock")[1]["now"])
    bureau = token("purchasing", "DAS-BOP", base)
    status, sol = call(
        "POST", f"{base}/solicitations", seed.invitation("Copy paper for the board", now + dt.timedelta(days=7), "100"), bureau
    )
    assert status == 201, sol
    assert call("POST", f"{base}/solicitations/{sol['id']}/publish", None, bureau)[0] == 200
    addendum = {"text": "Deliveries to Hartford only."}
    assert call("POST", f"{base}/solicitations/{sol['id']}/addenda", addendum, bureau)[0] == 201
    for org, price in (("Ash", "31.00"), ("Birch", "29.50")):
        assert (
            call("POST", f"{base}/solicitations/{sol['id']}/bids", seed.sealed_bid(price, "100"), token("vendor", org, base))[0]
            == 201
        )

    # When the public opens the board / Then the notice is listed; following its link shows the addendum, no bid
    visit(page, f"{base}/board", "board-open")
    page.get_by_role("link", name="Copy paper for the board").click()
    assert page.url.endswith(f"/board/solicitations/{sol['id']}")
    assert page.locator("#status").inner_text() == "open"
    assert "Deliveries to Hartford only." in page.locator("#addenda ~ ol").inner_text()
    assert "Bids are sealed until the opening" in page.content() and "29.50" not in page.content()
    visit(page, page.url, "solicitation-notice")

    # When the clock passes the opening / Then the board links the tabulation, which shows both bids
    assert call("POST", f"{base}/_local/clock", {"advance": "P8D"})[0] == 200
    visit(page, f"{base}/board?status=opened", "board-opened")
    page.get_by_role("link", name=re.compile("tabulation of 2 bids")).click()
    table = page.get_by_role("table", name="Bids opened")
    assert "Birch Paper" in table.inner_text() and "$2,950.00" in table.inner_text()
    visit(page, page.url, "solicitation-tabulation")

    # When purchasing awards / Then the page shows the award, and the board lists it among the awarded
    bureau = token("purchasing", "DAS-BOP", base)
    status, awarded = call("POST", f"{base}/solicitations/{sol['id']}/award", {}, bureau)
    assert status == 201, awarded
    visit(page, f"{base}/board?status=awarded", "board-awarded")
    page.get_by_role("link", name="Copy paper for the board").click()
    assert page.locator("#status").inner_text() == "awarded"
    assert awarded["awards"][0]["id"] in page.locator("#award-status").inner_text()
    notices = page.get_by_role("table", name="Notices of award").inner_text()
    assert "Birch Paper" in notices and "$29.50" in notices
    visit(page, page.url, "solicitation-award")


def test_the_registers_plans_and_archive_pages_load_and_pass_the_accessibility_check(server, page):
    base, _ = server
    for path, shot in (("/board/registers", "registers"), ("/board/plans", "plans"), ("/board?status=archive", "archive")):
        visit(page, f"{base}{path}", shot)
        assert page.get_by_role("main").count() == 1 and page.get_by_role("navigation").count() == 1


def test_the_board_is_usable_from_the_keyboard_alone(server, page):
    # Given the board / When the user tabs from the top / Then the skip link comes first and leads to the content
    base, _ = server
    page.goto(f"{base}/board")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    page.keyboard.press("Enter")
    assert page.url.endswith("#content")
