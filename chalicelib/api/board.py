"""The public pages under /board: HTML, CSV and iCalendar bodies, so plain Chalice routes (not JSON operations). Every
page is built by chalicelib/board from the public service functions with no viewer: no token is read here."""

from __future__ import annotations

from collections.abc import Callable

from chalice import Blueprint, Response

from chalicelib import bootstrap
from chalicelib.api.paging import InvalidCursor
from chalicelib.board import views
from chalicelib.board.views import Filters
from chalicelib.domain.errors import NotFound

bp = Blueprint(__name__)
PREFIX = "/board"  # every route of this blueprint: pages, not operations of /openapi.json
HTML = "text/html; charset=utf-8"
CSV = "text/csv; charset=utf-8"
BAD_PAGE_LINK = (
    "This link to a page of the board was changed, or belongs to other filters or another list: follow the page's "
    'own "Next" link, or start again from the first page.'
)


def _root() -> str:
    """The URL prefix before /board: the API Gateway stage ("/dev") when the request path carries it, else ""."""
    request = bp.current_request
    path = request.context.get("path") or ""
    return path[: path.index(PREFIX)] if PREFIX in path else ""


def _query() -> dict[str, str]:
    return dict(bp.current_request.query_params or {})


def _page(body: str, status: int = 200) -> Response:
    return Response(body=body, status_code=status, headers={"Content-Type": HTML})


def _csv(body: str, name: str) -> Response:
    return Response(body=body, headers={"Content-Type": CSV, "Content-Disposition": f'attachment; filename="{name}.csv"'})


def _wants_csv() -> bool:
    return _query().get("format") == "csv"


def _or_not_found(build) -> Response:
    """A notice that is not public (a draft, an unknown id) is the same 404 page."""
    try:
        return _page(build())
    except NotFound as exc:
        return _page(views.message_page("Not found", exc.message, root=_root()), 404)


def _or_bad_link(answer: Callable[[], Response]) -> Response:
    """A page link (`?page=`) the board did not give for this list is a 400 page, never another list or an error."""
    try:
        return answer()
    except InvalidCursor:
        return _page(views.message_page("Bad link", BAD_PAGE_LINK, root=_root()), 400)


@bp.route(PREFIX, methods=["GET"])
def board():
    """The board, a page of each section; `?status=` one section, and `?page=` the page its "next" link names."""
    filters, cursor = Filters.of(_query()), _query().get("page") or None
    if _wants_csv():
        return _or_bad_link(lambda: _csv(views.board_csv(bootstrap.deps(), filters, cursor), "bid-board"))
    return _or_bad_link(lambda: _page(views.board_page(bootstrap.deps(), filters, cursor, root=_root())))


@bp.route(PREFIX + "/solicitations/{solicitation_id}", methods=["GET"])
def solicitation(solicitation_id: str):
    return _or_not_found(lambda: views.solicitation_page(bootstrap.deps(), solicitation_id, root=_root()))


@bp.route(PREFIX + "/rfps/{rfp_id}", methods=["GET"])
def rfp(rfp_id: str):
    return _or_not_found(lambda: views.rfp_page(bootstrap.deps(), rfp_id, root=_root()))


@bp.route(PREFIX + "/registers", methods=["GET"])
def registers():
    """Both registers' first pages; `?register=` and `?page=` the page a register's "next" link names, and
    `?format=csv` that page of the register as CSV."""
    deps, register, cursor = bootstrap.deps(), _query().get("register"), _query().get("page") or None
    if _wants_csv():
        which = register if register in views.REGISTERS else "sole-source"
        return _or_bad_link(
            lambda: _csv(views.register_csv(views.register_page(deps, which, cursor).records), f"{which}-register")
        )
    return _or_bad_link(lambda: _page(views.registers_page(deps, register, cursor, root=_root())))


@bp.route(PREFIX + "/plans", methods=["GET"])
def plans():
    """Approved plans, a page at a time (`?page=` of the "next" link); `?format=csv` that page's schedules."""
    query = _query()
    agency, period = (query.get(name, "").strip() or None for name in ("agency", "period"))
    cursor = query.get("page") or None
    if _wants_csv():
        return _or_bad_link(lambda: _csv(views.plans_csv(bootstrap.deps(), agency, period, cursor), "procurement-plans"))
    return _or_bad_link(lambda: _page(views.plans_page(bootstrap.deps(), agency, period, cursor, root=_root())))


@bp.route(PREFIX + "/openings.ics", methods=["GET"])
def openings():
    headers = bp.current_request.headers
    base = f"{headers.get('x-forwarded-proto', 'http')}://{headers.get('host', 'localhost')}{_root()}{PREFIX}"
    calendar = views.openings_calendar(bootstrap.deps(), lambda kind, notice_id: f"{base}/{kind}/{notice_id}")
    return Response(body=calendar, headers={"Content-Type": "text/calendar; charset=utf-8"})


@bp.route(PREFIX + "/style.css", methods=["GET"])
def stylesheet():
    return Response(
        body=(views.STATIC / "board.css").read_text(),
        headers={"Content-Type": "text/css; charset=utf-8", "Cache-Control": "max-age=3600"},
    )
