"""Requests to one bidder between opening and award, with fakes: evidence with a response deadline in calendar days
(R-8d) and quantity changes that bind only once the bidder accepts (R-8e); and addenda that postpone the opening
(R-5o)."""

import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.domain.bids import Bid
from chalicelib.domain.errors import Conflict, DeadlinePassed, NotFound, ValidationFailed
from chalicelib.domain.solicitations import Solicitation
from chalicelib.services import awards, bidder_requests, bids, outbox, solicitations
from chalicelib.services.ports import PageRequest
from tests.unit.test_bids_services import PURCHASING, open_now, priced, sealer, sol, vendor  # noqa: F401 (fixtures)
from tests.unit.test_solicitations_examples import NOW, OPENING, bid_body

LOCAL = dt.timezone(dt.timedelta(hours=-4))  # EDT


@pytest.fixture
def opened(deps, sealer, sol):
    acme, bolt = vendor(deps, "acme"), vendor(deps, "bolt")
    acme_bid = bids.submit_bid(deps, sealer, acme, sol.id, priced("30.00")).bid
    bolt_bid = bids.submit_bid(deps, sealer, bolt, sol.id, priced("25.00")).bid
    open_now(deps, sealer, sol)
    deps.notifier.sent.clear()
    return {"acme": (acme, acme_bid.id), "bolt": (bolt, bolt_bid.id)}


# -- R-8d ----------------------------------------------------------------------------------------------------------
@pytest.mark.rule("R-8d")
def test_purchasing_requests_evidence_from_one_bidder_who_is_emailed_the_last_day(deps, sol, opened):
    # Given an opened invitation, When purchasing asks bolt for evidence with 5 days to answer
    _, bid_id = opened["bolt"]
    request = bidder_requests.request_evidence(deps, PURCHASING, sol.id, bid_id, "Three references for similar contracts", 5)
    # Then it is recorded and audited, due after the end of 21 March (local), and bolt is emailed that date
    assert request.respond_by == dt.datetime(2026, 3, 22, 0, 0, tzinfo=LOCAL)
    assert deps.store.audit_trail(f"evidence_request:{request.id}")[0].action == "bid.evidence_requested"
    (mail,) = deps.notifier.sent
    assert mail.to == ("bids@bolt.example",) and "Answer by the end of Saturday, March 21, 2026" in mail.text


@pytest.mark.rule("R-8d")
def test_the_bidder_answers_on_the_last_second_of_the_last_day(deps, sol, opened):
    actor, bid_id = opened["bolt"]
    request = bidder_requests.request_evidence(deps, PURCHASING, sol.id, bid_id, "Audited financial statements", 5)
    deps.clock.set(dt.datetime(2026, 3, 21, 23, 59, 59, tzinfo=LOCAL))
    answered = bidder_requests.answer_evidence(deps, actor, sol.id, bid_id, request.id, None, "statements-2025.pdf")
    assert answered.response_document == "statements-2025.pdf" and answered.responded_by == actor.sub
    assert [r.responded_at for r in bidder_requests.evidence_requests(deps, PURCHASING, sol.id, bid_id, PageRequest()).items] == [
        deps.clock.now()
    ]


@pytest.mark.rule("R-8d")
def test_an_answer_after_the_last_day_is_refused_and_nothing_changes(deps, sol, opened):
    actor, bid_id = opened["bolt"]
    request = bidder_requests.request_evidence(deps, PURCHASING, sol.id, bid_id, "Audited financial statements", 5)
    deps.clock.set(dt.datetime(2026, 3, 22, 0, 0, tzinfo=LOCAL))
    with pytest.raises(DeadlinePassed) as refused:
        bidder_requests.answer_evidence(deps, actor, sol.id, bid_id, request.id, "late", None)
    assert refused.value.rule == "R-8d"
    assert bidder_requests.evidence_requests(deps, PURCHASING, sol.id, bid_id, PageRequest()).items[0].responded_at is None


@pytest.mark.rule("R-8d")
def test_evidence_requests_are_visible_to_purchasing_and_that_bidder_only(deps, sol, opened):
    acme, _ = opened["acme"]
    bolt, bid_id = opened["bolt"]
    bidder_requests.request_evidence(deps, PURCHASING, sol.id, bid_id, "Factory authorization", 10)
    assert len(bidder_requests.evidence_requests(deps, bolt, sol.id, bid_id, PageRequest()).items) == 1
    with pytest.raises(NotFound):
        bidder_requests.evidence_requests(deps, acme, sol.id, bid_id, PageRequest())


@pytest.mark.rule("R-8d")
def test_a_request_without_what_is_requested_or_a_possible_period_is_refused(deps, sol, opened):
    _, bid_id = opened["bolt"]
    with pytest.raises(ValidationFailed) as refused:
        bidder_requests.request_evidence(deps, PURCHASING, sol.id, bid_id, " ", 0)
    assert {d["field"] for d in refused.value.details} == {"requested", "response_days"}


@pytest.mark.rule("R-8d")
def test_evidence_is_not_requested_before_the_opening(deps, sealer, sol):
    bid = bids.submit_bid(deps, sealer, vendor(deps, "acme"), sol.id, bid_body()).bid
    with pytest.raises(Conflict):
        bidder_requests.request_evidence(deps, PURCHASING, sol.id, bid.id, "References", 5)


# -- R-8e ----------------------------------------------------------------------------------------------------------
@pytest.mark.rule("R-8e")
def test_a_proposed_quantity_change_does_not_change_the_bid_until_the_bidder_accepts(deps, sol, opened):
    # Given purchasing offers bolt 120 cases of line 1 instead of 100
    actor, bid_id = opened["bolt"]
    change = bidder_requests.propose_quantity(deps, PURCHASING, sol.id, bid_id, "1", "120", "DOT needs 20 more cases")
    assert deps.store.get(Bid, bid_id).content.line("1").quantity == Decimal(100)
    assert "120" in deps.notifier.sent[-1].text
    # When bolt accepts, Then its bid carries 120 cases at its unit price, recorded and audited
    accepted = bidder_requests.decide_quantity(deps, actor, sol.id, bid_id, change.id, True)
    bid = deps.store.get(Bid, bid_id)
    assert accepted.status.value == "accepted" and bid.content.line("1").quantity == Decimal(120)
    assert bid.content.total == Decimal("25.00") * 120 + Decimal("38.00") * 20 + Decimal("80.00") * 10
    assert deps.store.audit_trail(f"bid:{bid_id}")[-1].action == "bid.quantity_changed"


@pytest.mark.rule("R-8e")
def test_the_award_uses_the_quantity_the_bidder_accepted(deps, sol, opened):
    actor, bid_id = opened["bolt"]
    change = bidder_requests.propose_quantity(deps, PURCHASING, sol.id, bid_id, "1", "80", "Agency needs fewer")
    bidder_requests.decide_quantity(deps, actor, sol.id, bid_id, change.id, True)
    _, (award,) = awards.make_award(deps, PURCHASING, sol.id)
    (share,) = award.shares
    assert share.candidate.bid_id == bid_id and share.candidate.amount == Decimal("25.00") * 80 + Decimal("760.00") + Decimal(
        "800.00"
    )
    assert {line.line_id: line.quantity for line in share.lines}["1"] == Decimal(80)


@pytest.mark.rule("R-8e")
def test_a_declined_quantity_change_leaves_the_bid_as_submitted(deps, sol, opened):
    actor, bid_id = opened["bolt"]
    change = bidder_requests.propose_quantity(deps, PURCHASING, sol.id, bid_id, "1", "120", "More needed")
    declined = bidder_requests.decide_quantity(deps, actor, sol.id, bid_id, change.id, False)
    assert declined.status.value == "declined" and deps.store.get(Bid, bid_id).content.line("1").quantity == Decimal(100)
    with pytest.raises(Conflict):
        bidder_requests.decide_quantity(deps, actor, sol.id, bid_id, change.id, True)


@pytest.mark.rule("R-8e")
def test_only_the_bidder_accepts_its_quantity_change(deps, sol, opened):
    acme, _ = opened["acme"]
    _, bid_id = opened["bolt"]
    change = bidder_requests.propose_quantity(deps, PURCHASING, sol.id, bid_id, "1", "120", "More needed")
    with pytest.raises(NotFound):
        bidder_requests.decide_quantity(deps, acme, sol.id, bid_id, change.id, True)


@pytest.mark.rule("R-8e")
def test_a_malformed_quantity_change_is_refused_naming_each_field(deps, sol, opened):
    _, bid_id = opened["bolt"]
    with pytest.raises(ValidationFailed) as refused:
        bidder_requests.propose_quantity(deps, PURCHASING, sol.id, bid_id, "9", "-1", "")
    assert {d["field"] for d in refused.value.details} == {"line_id", "quantity", "reason"}


# -- R-5o postponement -----------------------------------------------------------------------------------------------
LATER = OPENING + dt.timedelta(days=7)


@pytest.mark.rule("R-5o")
def test_an_addendum_postponing_the_opening_moves_it_and_tells_every_vendor_and_bidder(deps, sealer, sol):
    vendor(deps, "acme")
    bids.submit_bid(deps, sealer, vendor(deps, "bolt", codes=("999",)), sol.id, bid_body())
    amended = solicitations.add_addendum(deps, PURCHASING, sol.id, "Opening postponed a week.", LATER)
    outbox.deliver_due(deps)
    assert amended.opening_at == LATER and amended.addenda[-1].opening_at == LATER
    assert sorted(m.to[0] for m in deps.notifier.sent) == ["bids@acme.example", "bids@bolt.example"]
    assert all("postponed" in m.text and "to Monday, March 23, 2026, 10:00 AM EDT" in m.text for m in deps.notifier.sent)


@pytest.mark.rule("R-5o")
def test_a_postponed_invitation_takes_bids_until_the_new_time_and_the_schedule_follows_it(deps, sealer, sol):
    solicitations.add_addendum(deps, PURCHASING, sol.id, "Opening postponed a week.", LATER)
    deps.clock.set(LATER - dt.timedelta(seconds=1))
    assert (
        bids.submit_bid(deps, sealer, vendor(deps, "acme"), sol.id, bid_body(addenda_acknowledged=[1])).bid.status.value
        == "sealed"
    )
    assert solicitations.opening_schedule(deps, sol.id) == {"opening_at": "2026-03-23T14:00:00Z", "due": False}
    deps.clock.set(LATER)
    assert solicitations.opening_schedule(deps, sol.id)["due"] is True


@pytest.mark.rule("R-5o")
@pytest.mark.parametrize("new_opening", [OPENING, OPENING - dt.timedelta(hours=1), NOW])
def test_an_addendum_only_postpones_the_opening(deps, sol, new_opening):
    with pytest.raises(ValidationFailed) as refused:
        solicitations.add_addendum(deps, PURCHASING, sol.id, "Earlier", new_opening)
    assert refused.value.rule == "R-5o" and refused.value.details[0]["field"] == "opening_at"
    assert deps.store.get(Solicitation, sol.id).opening_at == OPENING
