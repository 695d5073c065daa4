"""The delegation-term state machine under virtual time (R-2c): a delegation that expires mid-way through the
agency's purchasing, an order on its last day accepted, one the day after refused; a revoked delegation stays
revoked when its term ends (R-2g)."""

import datetime as dt

import pytest

from chalicelib import bootstrap
from chalicelib.domain.calendar import CT
from chalicelib.services import delegations
from tests.integration.test_delegations_http import DELEGATION, ORDER

PROCESS = "delegation-term"
TERM = {**DELEGATION, "starts_on": "2026-03-01", "ends_on": "2026-03-10"}


def term_execution() -> str:
    """The execution timing DPA-1E's term, named by the delegation's id (which the API does not show)."""
    return f"delegation-term-{delegations.load(bootstrap.deps(), 'DPA-1E').id}"


def expiry_emails(stack):
    return [
        m for m in stack.outbox() if m["subject"] == "Direct purchase authority DPA-1E expired: issue no further orders under it"
    ]


@pytest.mark.rule("R-2c")
@pytest.mark.rule("R-2e")
def test_a_delegation_expiring_mid_way_accepts_an_order_on_its_last_day_and_refuses_one_the_day_after(api, stack, clock):
    purchasing = api.as_purchasing()
    dot = api.as_("agency", "DOT", "buyer@dot.ct.gov")
    # Given DPA-1E in force until the end of Tuesday 10 March 2026
    granted = purchasing.post("/delegations", json=TERM).json
    assert granted["status"] == "active"
    # When DOT orders on 9 March, and in the last second of 10 March / Then both are accepted, no expiry yet
    clock.advance(to=dt.datetime(2026, 3, 9, 11, 0, tzinfo=CT))
    assert dot.post("/delegations/DPA-1E/orders", json=ORDER).status == 201
    clock.advance(to=dt.datetime(2026, 3, 10, 23, 59, 59, tzinfo=CT))
    assert dot.post("/delegations/DPA-1E/orders", json=ORDER).status == 201
    assert expiry_emails(stack) == []
    # When the clock reaches 00:00 on Wednesday 11 March / Then the timer marked it expired and emailed DOT once
    clock.advance(to=dt.datetime(2026, 3, 11, 0, 0, tzinfo=CT))
    (expired,) = expiry_emails(stack)
    assert expired["to"] == ["procurement.dot@example.gov"]
    read = dot.get("/delegations/DPA-1E").json
    assert read["status"] == "expired" and read["expired_at"] == "2026-03-11T00:00:00-04:00"
    assert stack.history(PROCESS, term_execution())[-1]["type"] == "ExecutionSucceeded"
    # And an order on 11 March is refused under R-2c, leaving the two earlier orders in the review queue
    clock.advance(to=dt.datetime(2026, 3, 11, 9, 0, tzinfo=CT))
    refused = dot.post("/delegations/DPA-1E/orders", json=ORDER)
    assert refused.status == 409 and refused.json["Code"] == "DeadlinePassed" and refused.json["rule"] == "R-2c"
    assert len(purchasing.get("/delegations/orders?reviewed=false").json["items"]) == 2


@pytest.mark.rule("R-2g")
def test_a_delegation_revoked_before_its_term_ends_stays_revoked_and_no_expiry_is_emailed(api, stack, clock):
    purchasing = api.as_purchasing()
    purchasing.post("/delegations", json=TERM)
    assert purchasing.post("/delegations/DPA-1E/revoke", json={"reason": "Orders without quotations."}).status == 200
    clock.advance(to=dt.datetime(2026, 3, 12, 0, 0, tzinfo=CT))
    assert purchasing.get("/delegations/DPA-1E").json["status"] == "revoked"
    assert expiry_emails(stack) == []
    assert stack.history(PROCESS, term_execution())[-1]["type"] == "ExecutionSucceeded"
