"""A full invitation to bid under virtual time: notice, sealed bids, opening, tabulation, award down the ranking,
surety and contract (R-4 to R-9h), through HTTP with the state machines executed by moto."""

import datetime as dt

import pytest

OPENING = dt.datetime(2026, 3, 16, 14, 0, tzinfo=dt.UTC)  # Monday 16 March 2026, 10:00 in Connecticut
VENDORS = {
    "acme": ("Acme Office Supply LLC", "bids@acme.example"),
    "bolt": ("Bolt Paper Co", "sales@bolt.example"),
    "cobra": ("Cobra Stationers Inc", "office@cobra.example"),
    "dune": ("Dune Supplies", "bids@dune.example"),
    "late": ("Late Comers LLC", "bids@late.example"),
}
INVITATION = {
    "title": "Copy paper, statewide",
    "agency": "DAS",
    "commodity_codes": ["64000"],
    "lines": [
        {"id": "1", "description": "Copy paper, letter, 20 lb, case of 10 reams", "quantity": "100", "unit": "case"},
        {"id": "2", "description": "Copy paper, legal, 20 lb, case of 10 reams", "quantity": "20", "unit": "case", "no_substitute": True},
    ],
    "opening_at": "2026-03-16T10:00:00-04:00",
    "award_basis": "all",
    "surety_percent": "10",
    "evaluation_factors": [
        {"name": "price", "weight": "70"}, {"name": "past_performance", "weight": "20"}, {"name": "financial_responsibility", "weight": "10"},
    ],
}


def bid(price1, price2, *, extension1=None, signed=True, discount=None):
    line1 = {"line_id": "1", "unit_price": price1, "quantity": "100"}
    if extension1:
        line1["extension"] = extension1
    body = {
        "lines": [line1, {"line_id": "2", "unit_price": price2, "quantity": "20"}],
        "signer": {"name": "Pat Doe", "title": "President"}, "signed": signed, "non_collusion": True,
    }
    if discount:
        body["cash_discount"] = {"percent": discount, "days": 10}
    return body


def register_and_confirm(api, stack, org):
    name, email = VENDORS[org]
    reply = api.as_vendor(org).post("/vendors", json={"legal_name": name, "contact_email": email, "commodity_codes": ["640"]})
    assert reply.status == 201, reply.json
    mail = [m for m in stack.outbox() if m["to"] == [email]][-1]
    code = mail["text"].split("Confirmation code: ")[1].split()[0]
    assert api.as_vendor(org).post(f"/vendors/{reply.json['id']}/confirm", json={"code": code}).status == 200
    return reply.json["id"]


def mails_to(stack, org):
    return [m for m in stack.outbox() if m["to"] == [VENDORS[org][1]]]


@pytest.fixture
def published(api, stack):
    for org in VENDORS:
        register_and_confirm(api, stack, org)
    reply = api.as_purchasing().post("/solicitations", json=INVITATION)
    assert reply.status == 201, reply.json
    sol = reply.json
    reply = api.as_purchasing().post(f"/solicitations/{sol['id']}/publish")
    assert reply.status == 200, reply.json
    return reply.json


@pytest.mark.rule("R-4")
@pytest.mark.rule("R-5b")
@pytest.mark.rule("R-5c")
@pytest.mark.rule("R-5l")
@pytest.mark.rule("R-5n")
@pytest.mark.rule("R-8a")
@pytest.mark.rule("R-9g")
@pytest.mark.rule("R-9h")
@pytest.mark.rule("R-9a")
def test_a_full_procurement_from_notice_to_contract(api, stack, clock, published):
    sol_id = published["id"]
    # every registered vendor of the commodity got the notice.
    for org in VENDORS:
        assert any(m["subject"].startswith(f"Invitation to bid {sol_id}") for m in mails_to(stack, org))

    # Bids: acme, bolt (lowest, with a wrong extension), cobra; dune forgets to sign.
    acme = api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "40.00"))
    bolt = api.as_vendor("bolt").post(f"/solicitations/{sol_id}/bids", json=bid("25.10", "38.00", extension1="2501.00"))
    cobra = api.as_vendor("cobra").post(f"/solicitations/{sol_id}/bids", json=bid("26.00", "39.00"))
    assert (acme.status, bolt.status, cobra.status) == (201, 201, 201)
    assert bolt.json["corrections"][0]["corrected"] == "2510.00"
    unsigned = api.as_vendor("dune").post(f"/solicitations/{sol_id}/bids", json=bid("20.00", "30.00", signed=False))
    assert unsigned.status == 400 and unsigned.json["rule"] == "R-5c"
    # Sealed: before opening nobody reads prices, and the tabulation is refused.
    assert api.get(f"/solicitations/{sol_id}/tabulation").status == 409
    assert api.as_purchasing().get(f"/solicitations/{sol_id}/bids/{acme.json['bid_id']}").status == 409

    clock.advance(to=OPENING)
    late = api.as_vendor("late").post(f"/solicitations/{sol_id}/bids", json=bid("10.00", "10.00"))
    assert late.status == 409 and late.json["rule"] == "R-5b"

    # R-5n: the public tabulation, with the recorded R-5l correction; bidders are emailed.
    tab = api.get(f"/solicitations/{sol_id}/tabulation")
    assert tab.status == 200 and tab.json["bid_count"] == 3
    bolt_row = next(r for r in tab.json["rows"] if r["bidder_name"] == "Bolt Paper Co")
    assert bolt_row["total"] == "3270.00" and bolt_row["corrections"][0]["rule"] == "R-5l"
    for org in ("acme", "bolt", "cobra"):
        assert mails_to(stack, org)[-1]["subject"] == f"Bid tabulation of {sol_id}: Copy paper, statewide"

    # R-8a: award to the lowest; bolt lets the 10 days pass (R-9g), cobra is offered it.
    award = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={})
    assert award.status == 201, award.json
    (summary,) = award.json["awards"]
    assert summary["bidder_name"] == "Bolt Paper Co" and summary["conditional"] is False
    award_id = summary["id"]
    assert mails_to(stack, "bolt")[-1]["subject"].startswith(f"Notice of award {award_id}")
    clock.advance(days=10)
    assert mails_to(stack, "bolt")[-1]["subject"] == f"Award {award_id} withdrawn from Bolt Paper Co"
    assert mails_to(stack, "cobra")[-1]["subject"].startswith(f"Notice of award {award_id}")
    assert api.as_vendor("bolt").post(f"/awards/{award_id}/accept").status == 403

    accepted = api.as_vendor("cobra").post(f"/awards/{award_id}/accept")
    assert accepted.status == 200 and accepted.json["status"] == "awaiting_surety"
    assert mails_to(stack, "cobra")[-1]["subject"] == f"Performance surety for award {award_id}"
    surety = api.as_vendor("cobra").post(f"/awards/{award_id}/surety", json={"form": "performance_bond", "amount": "338.00", "reference": "PB-1"})
    assert surety.status == 200, surety.json

    done = api.as_purchasing().get(f"/awards/{award_id}")
    assert done.json["status"] == "contracted"
    contract = api.as_purchasing().get(f"/contracts/{done.json['contract_id']}")
    assert contract.status == 200 and contract.json["contractor_name"] == "Cobra Stationers Inc"
    assert contract.json["total"] in ("3380.00", "3380.0000", "3380")
    assert mails_to(stack, "cobra")[-1]["subject"].startswith(f"Contract {contract.json['id']}")

    # The execution histories: the opening waited for its timestamp, the award passed on after a timeout.
    itb = [e["type"] for e in stack.history("invitation-to-bid", f"itb-{sol_id}")]
    assert "WaitStateExited" in itb and itb[-1] == "ExecutionSucceeded"
    acceptance = stack.history("award-acceptance", f"award-{award_id}")
    types = [e["type"] for e in acceptance]
    assert "TaskTimedOut" in types and types[-1] == "ExecutionSucceeded"


@pytest.mark.rule("R-9g")
def test_a_declined_award_passes_at_once_to_the_next_bidder(api, stack, clock, published):
    sol_id = published["id"]
    for org, prices in (("acme", ("30.00", "40.00")), ("bolt", ("25.00", "38.00"))):
        assert api.as_vendor(org).post(f"/solicitations/{sol_id}/bids", json=bid(*prices)).status == 201
    clock.advance(to=OPENING)
    award_id = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={}).json["awards"][0]["id"]
    declined = api.as_vendor("bolt").post(f"/awards/{award_id}/decline", json={"reason": "cannot supply"})
    assert declined.status == 200 and declined.json["current_bidder"] == "Acme Office Supply LLC"
    assert mails_to(stack, "acme")[-1]["subject"].startswith(f"Notice of award {award_id}")
    assert api.as_vendor("acme").post(f"/awards/{award_id}/accept").status == 200


@pytest.mark.rule("R-9h")
def test_missing_surety_cancels_the_award_and_offers_it_to_the_next_bidder(api, stack, clock, published):
    sol_id = published["id"]
    for org, prices in (("acme", ("30.00", "40.00")), ("bolt", ("25.00", "38.00"))):
        assert api.as_vendor(org).post(f"/solicitations/{sol_id}/bids", json=bid(*prices)).status == 201
    clock.advance(to=OPENING)
    award_id = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={}).json["awards"][0]["id"]
    assert api.as_vendor("bolt").post(f"/awards/{award_id}/accept").status == 200
    clock.advance(days=10)
    assert mails_to(stack, "acme")[-1]["subject"].startswith(f"Notice of award {award_id}")
    late = api.as_vendor("bolt").post(f"/awards/{award_id}/surety", json={"form": "performance_bond", "amount": "500", "reference": "X"})
    assert late.status == 403


@pytest.mark.rule("R-8c")
def test_an_award_after_the_award_period_is_conditional(api, stack, clock, published):
    sol_id = published["id"]
    assert api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "40.00")).status == 201
    clock.advance(to=OPENING)
    clock.advance(days=31)
    award = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={})
    assert award.json["awards"][0]["conditional"] is True
    assert "binds only if you confirm it" in mails_to(stack, "acme")[-1]["text"]


@pytest.mark.rule("R-5o")
def test_cancellation_before_opening_emails_vendors_and_ends_the_workflow(api, stack, clock, published):
    sol_id = published["id"]
    assert api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "40.00")).status == 201
    reply = api.as_purchasing().post(f"/solicitations/{sol_id}/cancel", json={"reason": "budget withdrawn"})
    assert reply.status == 200 and reply.json["status"] == "cancelled"
    assert mails_to(stack, "acme")[-1]["subject"].startswith(f"Invitation to bid {sol_id} cancelled")
    clock.advance(to=OPENING)
    assert stack.execution("invitation-to-bid", f"itb-{sol_id}")["status"] == "SUCCEEDED"
    assert api.get(f"/solicitations/{sol_id}/tabulation").status == 409


@pytest.mark.rule("R-5n")
def test_the_workflow_opens_and_emails_in_batches_until_every_bid_is_done(api, stack, clock, published, monkeypatch):
    from chalicelib.services import bids as bid_service

    monkeypatch.setattr(bid_service, "OPENING_BATCH", 1)
    monkeypatch.setattr(bid_service, "EMAIL_BATCH", 2)
    sol_id = published["id"]
    for org in ("acme", "bolt", "cobra"):
        assert api.as_vendor(org).post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "40.00")).status == 201
    clock.advance(to=OPENING)
    assert api.get(f"/solicitations/{sol_id}").json["bid_count"] == 3
    entered = [e["stateEnteredEventDetails"]["name"] for e in stack.history("invitation-to-bid", f"itb-{sol_id}") if e["type"] == "TaskStateEntered"]
    assert entered.count("Open the sealed bids") == 3 and entered.count("Email the bidders the tabulation") == 2
    for org in ("acme", "bolt", "cobra"):
        assert mails_to(stack, org)[-1]["subject"].startswith(f"Bid tabulation of {sol_id}")


@pytest.mark.rule("R-5o")
def test_an_addendum_postponing_the_opening_moves_the_opening_timer_to_the_new_time(api, stack, clock, published):
    # Given an invitation opening on 16 March at 10:00, with one bid
    sol_id = published["id"]
    assert api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "40.00")).status == 201
    # When an addendum postpones the opening by a week
    new_opening = OPENING + dt.timedelta(days=7)
    reply = api.as_purchasing().post(f"/solicitations/{sol_id}/addenda", json={"text": "Opening postponed a week.", "opening_at": "2026-03-23T10:00:00-04:00"})
    assert reply.status == 201 and reply.json["opening_at"] == "2026-03-23T10:00:00-04:00"
    assert "postponed" in mails_to(stack, "bolt")[-1]["text"] and "postponed" in mails_to(stack, "acme")[-1]["text"]
    # Then nothing opens at the old time, and a bid between the two times is accepted
    clock.advance(to=OPENING)
    assert api.get(f"/solicitations/{sol_id}").json["status"] == "open"
    assert api.get(f"/solicitations/{sol_id}/tabulation").status == 409
    between = api.as_vendor("bolt").post(f"/solicitations/{sol_id}/bids", json={**bid("25.00", "38.00"), "addenda_acknowledged": [1]})
    assert between.status == 201
    # And the bids open at the new time, the one received in between included
    clock.advance(to=new_opening - dt.timedelta(seconds=1))
    assert api.get(f"/solicitations/{sol_id}").json["status"] == "open"
    clock.advance(to=new_opening)
    opened = api.get(f"/solicitations/{sol_id}")
    assert opened.json["status"] == "opened" and opened.json["bid_count"] == 2
    assert opened.json["opened_at"] == "2026-03-23T10:00:00-04:00"
    waits = [e for e in stack.history("invitation-to-bid", f"itb-{sol_id}") if e["type"] == "WaitStateEntered"]
    assert len(waits) == 2
