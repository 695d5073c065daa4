"""Every email the system sends, rendered from the templates beside this module: a text part and an HTML part each.

A service gives the facts (plain values, dicts and lists); the template says them in words a person can act on.
`templates/<name>.txt.j2` sets the `subject` and writes the text part; `templates/<name>.html.j2` writes the HTML
part inside the shared layout. Both are strict: a fact a template names and the service did not give fails the
render (and the snapshot test), never the email. Files whose name starts with `_` are layouts and partials.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING

from chalicelib.domain import calendar
from chalicelib.domain.money import places, to_cents
from chalicelib.services.ports import Email

if TYPE_CHECKING:
    import jinja2

TEMPLATES = Path(__file__).parent / "templates"
REGULATIONS = "of the Regulations of Connecticut State Agencies"
OPM_GUIDELINES = (
    "under the Office of Policy and Management's procurement plan guidelines for health and human services and personal services"
)
_RULE = re.compile(r"^R-(\d+)([a-z]?)")
# An email lists at most this many lines of a record and links to its public page for the rest: an email is written
# in one transaction with the change that causes it, and each copy of a broadcast again, so its size is bounded by
# what it renders, not by the record (docs/decisions.md, "Items sized by design")
EMAIL_LINES = 20


def names() -> list[str]:
    """Every message the system sends: one per template pair."""
    return sorted(p.name.removesuffix(".txt.j2") for p in TEMPLATES.glob("*.txt.j2") if not p.name.startswith("_"))


def render(name: str, *, to: tuple[str, ...] | list[str], **facts) -> Email:
    """The email `name` to `to`, its subject, text and HTML parts rendered from the same facts."""
    text = _environment(html=False).get_template(f"{name}.txt.j2").make_module(facts)
    subject = " ".join(str(text.subject).split())  # type: ignore[attr-defined]  # the template's `{% set subject %}`
    html = _environment(html=True).get_template(f"{name}.html.j2").render(subject=subject, **facts)
    return Email(to=tuple(to), subject=subject, text=_paragraphs(str(text)), html=html.strip() + "\n")


def _paragraphs(text: str) -> str:
    """Paragraphs one blank line apart, whatever blank lines the template's conditions left."""
    return re.sub(r"\n(?:[ \t]*\n)+", "\n\n", text).strip() + "\n"


# -- filters ---------------------------------------------------------------------------------------------------
def when(instant: dt.datetime) -> str:
    """An instant on Connecticut's clock: "Tuesday, December 15, 2026, 2:00 PM EST"."""
    local = calendar.require_aware(instant).astimezone(calendar.CT)
    hour = local.hour % 12 or 12
    return f"{day(local.date())}, {hour}:{local.minute:02d} {'AM' if local.hour < 12 else 'PM'} {local.tzname()}"


def by_end_of(deadline: dt.datetime) -> str:
    """A calendar-day deadline (the first instant after the period, calendar.days_after): "by the end of <its last day>"."""
    return f"by the end of {last_day(deadline)}"


def last_day(deadline: dt.datetime) -> str:
    """The last day of a calendar-day period, in words."""
    return day(calendar.last_day_of(deadline))


def day(date: dt.date) -> str:
    """A date in words: "Tuesday, December 15, 2026"; an instant by its Connecticut date."""
    if isinstance(date, dt.datetime):
        date = calendar.local_date(date)
    return f"{date:%A, %B} {date.day}, {date.year}"


def money(amount: Decimal | str | int) -> str:
    """Dollars rounded once, half-up, to cents: "$3,000.00" ("-$12.50" for a credit)."""
    cents = to_cents(Decimal(str(amount)))
    return f"{'-' if cents < 0 else ''}${abs(cents):,.2f}"


def price(amount: Decimal | str | int) -> str:
    """A unit price as bid, never rounded (up to 4 places, R-5j/k), with at least cents: "$0.0425", "$42.50"."""
    value = Decimal(str(amount))
    shown = max(2, places(value.normalize()))
    return f"{'-' if value < 0 else ''}${abs(value):,.{shown}f}"


def quantity(amount: Decimal | str | int) -> str:
    """A quantity without trailing zeros: "12", "2.5", "1,000"."""
    value = Decimal(str(amount))
    if value == value.to_integral_value():
        return f"{int(value):,}"
    return f"{value.normalize():,f}"


def plural(count: int, word: str, many: str | None = None) -> str:
    """ "1 bid", "3 bids"; `many` for an irregular plural."""
    return f"{count} {word if count == 1 else (many or word + 's')}"


def cite(rule: str) -> str:
    """Where the law is the reason, in words: R-9g is "Sec. 4a-52-9(g) of the Regulations of Connecticut State
    Agencies"; an OPM rule cites OPM's procurement plan guidelines."""
    if rule.startswith("OPM-"):
        return OPM_GUIDELINES
    found = _RULE.match(rule)
    if found is None:
        raise ValueError(f"{rule!r} is no rule of the catalogue")
    section, subsection = found.groups()
    return f"under Sec. 4a-52-{section}{f'({subsection})' if subsection else ''} {REGULATIONS}"


def words(value: str) -> str:
    """An enum value as words: "missing_surety" -> "missing surety"."""
    return str(value).replace("_", " ")


FILTERS = {
    "when": when,
    "by_end_of": by_end_of,
    "last_day": last_day,
    "day": day,
    "money": money,
    "price": price,
    "quantity": quantity,
    "plural": plural,
    "cite": cite,
    "words": words,
}


@cache
def _environment(html: bool) -> jinja2.Environment:
    """Built on the first render, not at import: most Lambdas that import this module never send an email."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES),
        autoescape=html,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(FILTERS)
    return env
