"""Every email template rendered with fixed, realistic facts and compared with its stored snapshot (text and HTML).

`UPDATE_SNAPSHOTS=1` rewrites the snapshots from the templates; review the diff before keeping it."""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal as D
from pathlib import Path

import jinja2
import pytest

from chalicelib import emails
from tests.email_facts import CT, FACTS

SNAPSHOTS = Path(__file__).parent.parent / "snapshots" / "emails"
UPDATE = os.environ.get("UPDATE_SNAPSHOTS") == "1"
# what an email a person reads must not contain: instants as the API writes them, HTTP calls, rule ids, "bid(s)"
DEVELOPER_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}|POST /|GET /|PATCH /|\bR-\d+|OPM-\d|\(s\)")


def rendered(name: str) -> emails.Email:
    return emails.render(name, to=("someone@example.gov",), **FACTS[name])


def snapshot(email: emails.Email) -> dict[str, str]:
    return {"txt": f"Subject: {email.subject}\n\n{email.text}", "html": email.html}


@pytest.mark.parametrize("name", emails.names())
def test_each_template_renders_as_its_stored_snapshot(name):
    # Given the template's fixed facts / When it is rendered / Then its text and HTML parts are the stored snapshots
    for part, content in snapshot(rendered(name)).items():
        path = SNAPSHOTS / f"{name}.{part}"
        if UPDATE:
            path.write_text(content)
        assert path.exists(), f"no snapshot {path.name}: run UPDATE_SNAPSHOTS=1 and review it"
        assert content == path.read_text(), f"{path.name} differs: run UPDATE_SNAPSHOTS=1 and review the diff"


def test_every_template_has_facts_and_snapshots_and_every_snapshot_a_template():
    # Given the templates and the stored snapshots / Then they name the same messages, text and HTML each
    names = set(emails.names())
    assert set(FACTS) == names
    assert {p.name for p in SNAPSHOTS.iterdir()} == {f"{n}.{part}" for n in names for part in ("txt", "html")}
    assert {p.name.removesuffix(".html.j2") for p in emails.TEMPLATES.glob("[!_]*.html.j2")} == names


@pytest.mark.parametrize("name", emails.names())
def test_no_email_shows_timestamps_http_calls_rule_ids_or_plural_brackets(name):
    # Given any template / When it is rendered / Then neither part reads like developer output
    email = rendered(name)
    for part in (email.subject, email.text, re.sub(r"<[^>]+>", " ", email.html)):
        assert DEVELOPER_TEXT.search(part) is None, DEVELOPER_TEXT.search(part)


def test_a_fact_the_template_names_and_the_service_did_not_give_fails_the_render():
    # Given the notice of award without its lines / When it is rendered / Then the render fails, not the email
    facts = {k: v for k, v in FACTS["award_notice"].items() if k != "lines"}
    with pytest.raises(jinja2.UndefinedError):
        emails.render("award_notice", to=("a@example.gov",), **facts)


def test_the_html_part_escapes_what_people_typed():
    # Given a reason with markup / When the cancellation is rendered / Then the HTML shows it as text
    facts = {**FACTS["invitation_cancelled"], "reason": '<script>alert("x")</script> & more'}
    email = emails.render("invitation_cancelled", to=("a@example.gov",), **facts)
    assert "<script>" not in email.html and "&lt;script&gt;" in email.html and "&amp; more" in email.html
    assert '<script>alert("x")</script> & more' in email.text


def test_times_read_as_connecticut_clock_time_with_standard_or_daylight_zone():
    assert emails.when(dt.datetime(2026, 12, 15, 19, 0, tzinfo=dt.UTC)) == "Tuesday, December 15, 2026, 2:00 PM EST"
    assert emails.when(dt.datetime(2026, 7, 1, 4, 5, tzinfo=dt.UTC)) == "Wednesday, July 1, 2026, 12:05 AM EDT"


@pytest.mark.rule("R-9g")
def test_a_calendar_day_deadline_reads_as_the_end_of_its_last_day():
    # Given the first instant after a 10-day period (the start of December 26) / Then the email names December 25;
    # one second later the period's last day is the 26th
    assert emails.by_end_of(dt.datetime(2026, 12, 26, 0, 0, tzinfo=CT)) == "by the end of Friday, December 25, 2026"
    assert emails.by_end_of(dt.datetime(2026, 12, 26, 0, 0, 1, tzinfo=CT)) == "by the end of Saturday, December 26, 2026"


def test_money_quantities_and_counts_read_as_people_write_them():
    assert emails.money(D(3000)) == "$3,000.00" and emails.money(D("0.005")) == "$0.01"
    assert emails.price(D("41.875")) == "$41.875" and emails.price(D("46.5")) == "$46.50"
    assert emails.quantity(D("1200.00")) == "1,200" and emails.quantity(D("150.50")) == "150.5"
    assert emails.plural(1, "bid") == "1 bid" and emails.plural(3, "bid") == "3 bids"


def test_rules_are_cited_by_their_section_of_the_regulations_or_the_opm_guidelines():
    assert emails.cite("R-9g") == "under Sec. 4a-52-9(g) of the Regulations of Connecticut State Agencies"
    assert emails.cite("R-12") == "under Sec. 4a-52-12 of the Regulations of Connecticut State Agencies"
    assert "Office of Policy and Management" in emails.cite("OPM-5")
