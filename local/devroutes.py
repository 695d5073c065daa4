"""Dev-only endpoints, registered on the app by the local server and never packaged.

GET  /_local/clock            the virtual time
POST /_local/clock            {"advance": "P10D"} or {"to": "2026-04-01T09:00:00-04:00"}; returns once every
                              execution is parked again
GET  /_local/outbox           every email sent, newest last (once running executions are parked): its text and html
GET  /_local/outbox/{n}.html  the HTML part of message n (0 is the first sent, -1 the last), to read in a browser
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pydantic
from chalice import Blueprint, Response

from chalicelib.api.framework import error_response, json_response, validation_details
from chalicelib.domain.calendar import iso_local

bp = Blueprint(__name__)
_stack: Any = None  # the LocalStack the server attached


class ClockChange(pydantic.BaseModel):
    model_config = pydantic.ConfigDict(extra="forbid")
    advance: dt.timedelta | None = pydantic.Field(None, description="ISO 8601 duration, e.g. P10D or PT48H")
    to: dt.datetime | None = pydantic.Field(None, description="ISO 8601 instant with offset")

    @pydantic.model_validator(mode="after")
    def exactly_one(self):
        if (self.advance is None) == (self.to is None):
            raise ValueError("give exactly one of 'advance' (ISO 8601 duration) or 'to' (instant with offset)")
        if self.to is not None and self.to.tzinfo is None:
            raise ValueError("'to' needs a UTC offset")
        return self


def attach(app, stack) -> None:
    global _stack
    _stack = stack
    app.register_blueprint(bp)


def _clock_view():
    now = _stack.clock.now()
    return {"now": iso_local(now), "utc": now.isoformat(), "ticking": _stack.clock.tick}


@bp.route("/_local/clock", methods=["GET"])
def read_clock():
    return json_response(_clock_view())


@bp.route("/_local/clock", methods=["POST"], content_types=["application/json"])
def change_clock():
    try:
        change = ClockChange.model_validate_json(bp.current_request.raw_body or b"{}")
    except pydantic.ValidationError as exc:
        return error_response(400, "ValidationFailed", "The clock change is invalid.", details=validation_details(exc))
    try:
        if change.advance is not None:
            _stack.clock.advance(change.advance)
        else:
            _stack.clock.advance(to=change.to)
    except ValueError as exc:
        return error_response(400, "ValidationFailed", str(exc))
    return json_response(_clock_view())


@bp.route("/_local/outbox", methods=["GET"])
def outbox():
    _stack.clock.run_until_idle()  # what the last request started has sent its mail
    return json_response({"messages": _stack.outbox()})


@bp.route("/_local/outbox/{name}", methods=["GET"])
def outbox_html(name: str):
    """`<n>.html`: the message as a mail client shows it."""
    _stack.clock.run_until_idle()
    messages = _stack.outbox()
    number = name.removesuffix(".html")
    if not name.endswith(".html") or not number.lstrip("-").isdigit() or not -len(messages) <= int(number) < len(messages):
        return error_response(
            404, "NotFound", f"No message {name}: GET /_local/outbox/<n>.html, n from 0 to {len(messages) - 1}."
        )
    return Response(body=messages[int(number)]["html"], status_code=200, headers={"Content-Type": "text/html; charset=utf-8"})
