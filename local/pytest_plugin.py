"""pytest fixtures on the emulated stack: `stack`, `clock`, `api` (HTTP through Chalice's test client).

def test_reminder_fires_after_seven_days(api, clock, stack):
    api.as_vendor("acme").post("/vendors", json={...})
    clock.advance(days=7)
    assert stack.outbox()[-1]["subject"].startswith("Reminder")
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parent.parent
# Monday 2 March 2026, 9:00 in Connecticut: a business day far from holidays.
DEFAULT_START = dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)


def pytest_configure(config):
    config.addinivalue_line("markers", "rule(id): the rule of RULES.md this test proves")
    config.addinivalue_line("markers", "start(instant): where the virtual clock starts (aware datetime)")


@dataclass
class Reply:
    status: int
    headers: dict
    body: bytes

    @property
    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


@dataclass
class Api:
    """HTTP calls through the Chalice app; each call returns once every execution is parked again."""

    client: Any
    stack: Any
    token: str | None = None  # a raw token to send as is (tests of refused tokens)
    extra_headers: dict = field(default_factory=dict)
    identity: tuple[str, str, str] | None = None  # (sub, role, org): a token is minted at each call's virtual now

    def as_(self, role: str, org: str, sub: str | None = None) -> Api:
        return Api(self.client, self.stack, identity=(sub or f"{role}-user@{org}", role, org))

    def bearer(self) -> str | None:
        """The raw token, else a fresh 12-hour token on the stack's clock, as a portal holds after signing in."""
        if self.token is not None or self.identity is None:
            return self.token
        from chalicelib.api.auth import issue_dev_token
        from local.stack import DEV_JWT_SECRET

        sub, role, org = self.identity
        return issue_dev_token(DEV_JWT_SECRET, sub=sub, role=role, org=org, now=self.stack.clock.now())

    def as_vendor(self, org: str) -> Api:
        return self.as_("vendor", org)

    def as_purchasing(self) -> Api:
        return self.as_("purchasing", "DAS-BOP")

    def request(
        self, method: str, path: str, *, json_body: Any = None, raw: bytes | None = None, headers: dict | None = None
    ) -> Reply:
        all_headers = {"Content-Type": "application/json", **self.extra_headers, **(headers or {})}
        token = self.bearer()
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        body = raw if raw is not None else (json.dumps(json_body).encode() if json_body is not None else b"")
        response = self.client.http.request(method, path, headers=all_headers, body=body)
        self.stack.clock.run_until_idle()
        return Reply(response.status_code, dict(response.headers), response.body)

    def get(self, path: str, **kw) -> Reply:
        return self.request("GET", path, **kw)

    def post(self, path: str, json: Any = None, **kw) -> Reply:
        return self.request("POST", path, json_body=json, **kw)

    def put(self, path: str, json: Any = None, **kw) -> Reply:
        return self.request("PUT", path, json_body=json, **kw)

    def patch(self, path: str, json: Any = None, **kw) -> Reply:
        return self.request("PATCH", path, json_body=json, **kw)

    def delete(self, path: str, **kw) -> Reply:
        return self.request("DELETE", path, **kw)


@pytest.fixture
def stack(request):
    from app import app
    from local.stack import in_process

    marker = request.node.get_closest_marker("start")
    start = marker.args[0] if marker else DEFAULT_START
    with in_process(app, start) as s:
        yield s


@pytest.fixture
def clock(stack):
    return stack.clock


@pytest.fixture
def api(stack):
    from app import app
    from local.server import GatewayClient

    with GatewayClient(app, stage_name="dev", project_dir=str(ROOT)) as client:
        yield Api(client, stack)
