"""Page builders: each reads the public service functions with viewer None, turns what they return into the public
JSON routes' models, and renders those. Sealed bids, proposals before the award, drafts and private fields never reach
a template because no public model carries them."""

from __future__ import annotations

import csv
import dataclasses
import datetime as dt
import functools
import io
import json
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from chalicelib import emails
from chalicelib.api.awards import PublicAwardsOut
from chalicelib.api.emergencies import EmergencyRecordOut
from chalicelib.api.paging import signed_cursor, verified_position
from chalicelib.api.plans import PlanOut, ScheduleVersionOut
from chalicelib.api.rfp_negotiations import RfpAwardOut
from chalicelib.api.rfps import RegisterEntryOut, RfpOut
from chalicelib.api.sole_source import SoleSourceRecordOut
from chalicelib.api.solicitations import SolicitationOut
from chalicelib.api.tabulation import TabulationRow
from chalicelib.domain.calendar import iso_local
from chalicelib.domain.errors import Conflict, NotFound
from chalicelib.domain.rfps import RfpStatus
from chalicelib.domain.solicitations import SolicitationStatus, commodity_matches
from chalicelib.services import (
    audit_log,
    awards,
    bids,
    emergencies,
    plans,
    proposals,
    rfp_negotiations,
    rfps,
    sole_source,
    solicitations,
)
from chalicelib.services.ports import Deps, Listing, PageRequest

if TYPE_CHECKING:
    import icalendar
    import jinja2

STATIC = Path(__file__).parent / "static"
PAGE = PageRequest(limit=200)  # one store page per read of what a page shows whole (a tabulation, a feed)
BOARD_PAGE = 50  # notices per page of a board section, in HTML and CSV: a page stays small however long its list
PLANS_PAGE = 10  # plans per page of the plans page, each with every schedule version and its services

# Where each status is shown on the board: current work first, the closed ones in the archive.
ITB_SECTIONS = {
    "open": (SolicitationStatus.OPEN,),
    "opened": (SolicitationStatus.OPENED,),
    "awarded": (SolicitationStatus.AWARDED,),
    "archive": (SolicitationStatus.CANCELLED,),
}
RFP_SECTIONS = {
    "open": (RfpStatus.OPEN,),
    "opened": (RfpStatus.OPENED, RfpStatus.DISCUSSIONS, RfpStatus.BAFO, RfpStatus.NEGOTIATION),
    "awarded": (RfpStatus.AWARDED,),
    "archive": (RfpStatus.CANCELLED, RfpStatus.UNAWARDED),
}
SECTION_TITLES = {
    "open": "Open for bids and proposals",
    "opened": "Opened, under evaluation",
    "awarded": "Awarded",
    "archive": "Archive: cancelled or closed without award",
}


@dataclass(frozen=True)
class Filters:
    """The board's search: by commodity code (NIGP classes nest), agency and board section."""

    commodity: str | None = None
    agency: str | None = None
    status: str | None = None

    @classmethod
    def of(cls, query: dict[str, str] | None) -> Filters:
        query = query or {}
        return cls(*(query.get(name, "").strip() or None for name in ("commodity", "agency", "status")))

    def sections(self) -> list[str]:
        return [self.status] if self.status in SECTION_TITLES else list(SECTION_TITLES)

    def keeps(self, notice: SolicitationOut | RfpOut) -> bool:
        return (self.agency is None or notice.agency == self.agency) and (
            self.commodity is None or commodity_matches(tuple(notice.commodity_codes), (self.commodity,))
        )


# -- reads ------------------------------------------------------------------------------------------------------------


Notice = SolicitationOut | RfpOut


@dataclass(frozen=True)
class SectionPage:
    """One page of a board section: its invitations, then its requests for proposals, and the signed cursor of the
    next page's link (None on the last page)."""

    invitations: list[SolicitationOut]
    rfps: list[RfpOut]
    next: str | None = None


def section_page(deps: Deps, filters: Filters, section: str, cursor: str | None = None) -> SectionPage:
    """At most BOARD_PAGE notices of a section, from where `cursor` says (the first page without one)."""
    scope = {"board": section, "agency": filters.agency, "commodity": filters.commodity}
    listing = _linked_page(scope, cursor, BOARD_PAGE, lambda page: _section_notices(deps, filters, section, page))
    invitations, requests = _split(listing.items)
    return SectionPage(invitations, requests, listing.next)


def _section_notices(deps: Deps, filters: Filters, section: str, page: PageRequest) -> Listing[Notice]:
    """Up to `page.limit` notices of the section's lists (its statuses, invitations first) from `page.after`, the
    index of a list and the store position in it ("" for the first list's start). Requests are filtered here: their
    index has no agency."""
    lists: list[SolicitationStatus | RfpStatus] = [*ITB_SECTIONS[section], *RFP_SECTIONS[section]]
    index_text, _, after = page.after.partition(" ")
    index, notices = int(index_text or 0), list[Notice]()
    while index < len(lists) and len(notices) < page.limit:
        part = PageRequest(limit=page.limit - len(notices), after=after)
        status = lists[index]
        if isinstance(status, SolicitationStatus):
            listing: Listing = solicitations.list_solicitations(
                deps, None, status, part, agency=filters.agency, commodity=filters.commodity
            )
            notices += [SolicitationOut.of(s) for s in listing.items]
        else:
            listing = rfps.list_rfps(deps, None, status, part)
            notices += [shown for r in listing.items if filters.keeps(shown := RfpOut.of(r))]
        index, after = (index + 1, "") if listing.next is None else (index, listing.next)
    return Listing(notices, f"{index} {after}" if index < len(lists) else None)


def _split(notices: Iterable[Notice]) -> tuple[list[SolicitationOut], list[RfpOut]]:
    notices = list(notices)
    return [n for n in notices if isinstance(n, SolicitationOut)], [n for n in notices if isinstance(n, RfpOut)]


def _linked_page(scope: dict, cursor: str | None, limit: int, read: Callable[[PageRequest], Listing]) -> Listing:
    """One page of a public list from where a link's `?page=` says, its `next` the `?page=` of the following page:
    the store position, signed with the API's cursor key and bound to `scope` (the list and its filters), so a link
    changed, or moved to another list or filter, is InvalidCursor and never reads elsewhere."""
    key = json.dumps(scope, sort_keys=True).encode()
    listing = read(PageRequest(limit=limit, after=verified_position(cursor, key) if cursor else ""))
    return Listing(listing.items, None if listing.next is None else signed_cursor(listing.next, key))


def itb_awards(deps: Deps, solicitation_id: str) -> PublicAwardsOut | None:
    """The public notices of award of an invitation, None before the award."""
    try:
        return PublicAwardsOut.of(*awards.public_awards(deps, solicitation_id))
    except NotFound:
        return None


def rfp_award(deps: Deps, rfp_id: str) -> RfpAwardOut | None:
    """R-16m: the public notice of award, None before the award."""
    try:
        return RfpAwardOut.of(*rfp_negotiations.award_notice(deps, None, rfp_id))
    except NotFound:
        return None


def rfp_register(deps: Deps, rfp_id: str) -> list[RegisterEntryOut] | None:
    """R-16c: the register of proposals, public only after the award (R-16d withheld parts read "withheld")."""
    try:
        _, entries = proposals.register(deps, None, rfp_id)
    except (NotFound, Conflict):
        return None
    return [RegisterEntryOut(**e.__dict__) for e in entries]


def tabulation(deps: Deps, solicitation: SolicitationOut) -> list[TabulationRow] | None:
    """R-5n: every opened bid, after the opening only (None before: the bids are sealed)."""
    if solicitation.opened_at is None:
        return None
    return [TabulationRow.of(bid) for bid in _all(lambda page: bids.tabulation(deps, solicitation.id, None, page=page)[1])]


def _all(read: Callable[[PageRequest], Listing]) -> Iterator:
    page = PAGE
    while True:
        listing = read(page)
        yield from listing.items
        if listing.next is None:
            return
        page = PageRequest(limit=PAGE.limit, after=listing.next)


@dataclass(frozen=True)
class PlansPage:
    """One page of the approved plans (OPM-2), by agency and period, each with every published schedule version, and
    the signed cursor of the next page."""

    plans: list[tuple[PlanOut, list[ScheduleVersionOut]]]
    next: str | None = None


def approved_plans(deps: Deps, agency: str | None, period: str | None, cursor: str | None = None) -> PlansPage:
    """OPM-2: at most PLANS_PAGE approved plans by agency and period, past periods included, from where `cursor` says."""
    scope = {"plans": "approved", "agency": agency, "period": period}
    read = functools.partial(plans.list_plans, deps, None, agency=agency, period=period)
    listing = _linked_page(scope, cursor, PLANS_PAGE, read)
    shown = []
    for summary in listing.items:
        plan = PlanOut.of(plans.get_plan(deps, None, summary.id))
        versions = [
            ScheduleVersionOut.model_validate(
                {"plan_id": plan.id, **dataclasses.asdict(plans.schedule_version(deps, None, plan.id, v.number))}
            )
            for v in plan.schedule_versions
        ]
        shown.append((plan, versions))
    return PlansPage(shown, listing.next)


@dataclass(frozen=True)
class RegisterPage:
    """One page of a public register (R-15c, R-20f): its records, oldest first, and the signed cursor of the next."""

    records: list[BaseModel]
    next: str | None = None


# register name -> its store page reader and the public model of a record
REGISTERS: dict[str, tuple[Callable[[Deps, PageRequest], Listing], Callable[[Any], BaseModel]]] = {
    "sole-source": (sole_source.register, SoleSourceRecordOut.of),
    "emergency": (emergencies.register, EmergencyRecordOut.of),
}


def register_page(deps: Deps, register: str, cursor: str | None = None) -> RegisterPage:
    """At most BOARD_PAGE records of a register from where `cursor` says; InvalidCursor for a cursor it did not give."""
    read, public = REGISTERS[register]
    listing = _linked_page({"register": register}, cursor, BOARD_PAGE, functools.partial(read, deps))
    return RegisterPage([public(record) for record in listing.items], listing.next)


# -- pages ------------------------------------------------------------------------------------------------------------


def board_page(deps: Deps, filters: Filters, cursor: str | None = None, *, root: str = "") -> str:
    """Each section's first page; a section chosen by `status` from where `cursor` says, with a link to its next page."""
    return render(
        "board.html.j2",
        root=root,
        title="Bid board",
        filters=filters,
        cursor=cursor,
        sections=_sections(deps, filters, cursor),
        statuses=SECTION_TITLES,
    )


def _sections(deps: Deps, filters: Filters, cursor: str | None) -> list[tuple[str, str, SectionPage]]:
    return [
        (name, SECTION_TITLES[name], section_page(deps, filters, name, cursor if filters.status == name else None))
        for name in filters.sections()
    ]


def solicitation_page(deps: Deps, solicitation_id: str, *, root: str = "") -> str:
    solicitation = SolicitationOut.of(solicitations.get_solicitation(deps, None, solicitation_id))
    return render(
        "solicitation.html.j2",
        root=root,
        title=f"Invitation to bid {solicitation.id}: {solicitation.title}",
        solicitation=solicitation,
        tabulation=tabulation(deps, solicitation),
        awards=itb_awards(deps, solicitation.id),
    )


def rfp_page(deps: Deps, rfp_id: str, *, root: str = "") -> str:
    rfp = RfpOut.of(rfps.get_rfp(deps, None, rfp_id))
    return render(
        "rfp.html.j2",
        root=root,
        title=f"Request for proposals {rfp.id}: {rfp.title}",
        rfp=rfp,
        award=rfp_award(deps, rfp.id),
        register=rfp_register(deps, rfp.id),
    )


def registers_page(deps: Deps, register: str | None = None, cursor: str | None = None, *, root: str = "") -> str:
    """The first page of each register; the register `register` from where `cursor` says, with a link to its next."""
    return render(
        "registers.html.j2",
        root=root,
        title="Sole source and emergency registers",
        cursor=cursor,
        register=register,
        sole_source=register_page(deps, "sole-source", cursor if register == "sole-source" else None),
        emergency=register_page(deps, "emergency", cursor if register == "emergency" else None),
        checkpoints=latest_checkpoints(deps),
    )


def latest_checkpoints(deps: Deps, days: int = 7) -> list:
    """The audit log's signed checkpoints of the last `days` days (UTC, as they are signed), newest first: anyone can
    check the log against them (GET /audit/checkpoints, `make verify-audit`). One read from the first of those days,
    however many years of checkpoints are stored before it."""
    since = (deps.clock.now().astimezone(dt.UTC).date() - dt.timedelta(days=days)).isoformat()
    return audit_log.checkpoints(deps, PageRequest(after=since, limit=days + 1)).items[::-1][:days]


def plans_page(deps: Deps, agency: str | None, period: str | None, cursor: str | None = None, *, root: str = "") -> str:
    return render(
        "plans.html.j2",
        root=root,
        title="Approved procurement plans",
        page=approved_plans(deps, agency, period, cursor),
        cursor=cursor,
        agency=agency,
        period=period,
    )


def message_page(title: str, message: str, *, root: str = "") -> str:
    """The page of an answer that is not the page asked for: a notice not public, a link not one the board gave."""
    return render("message.html.j2", root=root, title=title, message=message)


# -- downloads --------------------------------------------------------------------------------------------------------


def board_csv(deps: Deps, filters: Filters, cursor: str | None = None) -> str:
    """The board's list as shown: the same page of each section as the page the download link is on."""
    rows = (
        [kind, section, n.id, n.title, n.agency, n.status.value, " ".join(n.commodity_codes), iso_local(due), len(n.addenda)]
        for section, _, page in _sections(deps, filters, cursor)
        for kind, notices in (("invitation to bid", page.invitations), ("request for proposals", page.rfps))
        for n in notices
        for due in (n.opening_at if isinstance(n, SolicitationOut) else n.proposals_due,)
    )
    header = ["kind", "section", "id", "title", "agency", "status", "commodity_codes", "opening_or_due", "addenda"]
    return to_csv(header, rows)


def register_csv(records: Iterable[BaseModel]) -> str:
    dumped = [r.model_dump(mode="json") for r in records]
    header = list(dumped[0]) if dumped else []
    return to_csv(header, ([_cell(row[k]) for k in header] for row in dumped))


def plans_csv(deps: Deps, agency: str | None, period: str | None, cursor: str | None = None) -> str:
    """The schedules of the plans of the page the download link is on."""
    header = [
        "plan_id",
        "agency",
        "period",
        "schedule_version",
        "service_id",
        "description",
        "service_type",
        "method",
        "competitive_procurement_date",
    ]
    rows = (
        [plan.id, plan.agency, plan.period, version.number, *(_cell(s.model_dump(mode="json")[k]) for k in header[4:])]
        for plan, versions in approved_plans(deps, agency, period, cursor).plans
        for version in versions
        for s in version.services
    )
    return to_csv(header, rows)


def _cell(value) -> str:
    if isinstance(value, list):
        return "; ".join(_cell(v) for v in value)
    if isinstance(value, dict):
        return ", ".join(f"{k}: {_cell(v)}" for k, v in value.items())
    return "" if value is None else str(value)


def to_csv(header: list[str], rows: Iterable[list]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def openings_calendar(deps: Deps, page_url: Callable[[str, str], str]) -> str:
    """RFC 5545: each open invitation's opening (R-5b) and each open request's due date (R-16c), one event each whose
    UID is the notice's id, stamped with its publication: a re-read feed changes only where a notice changed."""
    import icalendar  # loaded at the first calendar, not at every cold start

    cal = icalendar.Calendar()
    cal.add("prodid", "-//State of Connecticut//Bid board openings//EN")
    cal.add("version", "2.0")
    cal.add("x-wr-calname", "Connecticut bid openings and proposal due dates")
    invitations, requests = _split(_all(lambda page: _section_notices(deps, Filters(), "open", page)))
    for s in invitations:
        cal.add_component(
            _event(f"Bid opening: {s.title}", s.id, s.opening_at, s.published_at, s.agency, page_url("solicitations", s.id))
        )
    for r in requests:
        cal.add_component(
            _event(f"Proposals due: {r.title}", r.id, r.proposals_due, r.published_at, r.agency, page_url("rfps", r.id))
        )
    return cal.to_ical().decode()


def _event(summary, notice_id, at, published_at, agency, url) -> icalendar.Event:
    import icalendar

    event = icalendar.Event()
    event.add("uid", f"{notice_id}@ct-procurement")
    event.add("summary", summary)
    event.add("dtstart", at)
    event.add("dtend", at)
    event.add("dtstamp", published_at or at)
    event.add("description", f"{notice_id}, agency {agency}. Times are Connecticut time: {emails.when(at)}.")
    event.add("url", url)
    return event


# -- rendering --------------------------------------------------------------------------------------------------------


def render(template: str, **facts) -> str:
    return _environment().get_template(template).render(**facts)


@cache
def _environment() -> jinja2.Environment:
    """Built at the first page, not at import (every function's cold start would pay for it)."""
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(emails.FILTERS)
    return env
