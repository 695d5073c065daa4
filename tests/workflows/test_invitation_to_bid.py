"""A full invitation to bid under virtual time: notice, sealed bids, opening, tabulation, the notice of award that
forms the contract, refusal and the next bidder, surety and cancellation, split awards (R-4 to R-9i), through HTTP
with the state machines executed by moto."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest

from local.fein import fein_for

OPENING = dt.datetime(2026, 3, 16, 14, 0, tzinfo=dt.UTC)  # Monday 16 March 2026, 10:00 in Connecticut
CT = ZoneInfo("America/New_York")
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
        {
            "id": "2",
            "description": "Copy paper, legal, 20 lb, case of 10 reams",
            "quantity": "20",
            "unit": "case",
            "no_substitute": True,
        },
    ],
    "opening_at": "2026-03-16T10:00:00-04:00",
    "award_basis": "all",
    "surety_percent": "10",
    "evaluation_factors": [
        {"name": "price", "weight": "70"},
        {"name": "past_performance", "weight": "20"},
        {"name": "financial_responsibility", "weight": "10"},
    ],
}


def bid(price1, price2, *, extension1=None, signed=True, discount=None):
    line1 = {"line_id": "1", "unit_price": price1, "quantity": "100"}
    if extension1:
        line1["extension"] = extension1
    body = {
        "lines": [line1, {"line_id": "2", "unit_price": price2, "quantity": "20"}],
        "signer": {"name": "Pat Doe", "title": "President"},
        "signed": signed,
        "non_collusion": True,
    }
    if discount:
        body["cash_discount"] = {"percent": discount, "days": 10}
    return body


def register_and_confirm(api, stack, org):
    name, email = VENDORS[org]
    reply = api.as_vendor(org).post(
        "/vendors", json={"legal_name": name, "fein": fein_for(org), "contact_email": email, "commodity_codes": ["640"]}
    )
    assert reply.status == 201, reply.json
    mail = [m for m in stack.outbox() if m["to"] == [email]][-1]
    code = mail["text"].split("Confirmation code: ")[1].split()[0]
    assert api.as_vendor(org).post(f"/vendors/{reply.json['id']}/confirm", json={"code": code}).status == 200
    return reply.json["id"]


def publish_with_two_vendors(api, stack, **changes) -> str:
    """Acme and Bolt registered and confirmed, and the invitation (with `changes`) published: its id."""
    for org in ("acme", "bolt"):
        register_and_confirm(api, stack, org)
    sol = api.as_purchasing().post("/solicitations", json={**INVITATION, **changes}).json
    assert api.as_purchasing().post(f"/solicitations/{sol['id']}/publish").status == 200
    return sol["id"]


def mails_to(stack, org):
    return [m for m in stack.outbox() if m["to"] == [VENDORS[org][1]]]


PURCHASING_MAILBOX = "purchasing@example.gov"
LOCAL = dt.timezone(dt.timedelta(hours=-4))  # Connecticut in March and April 2026 (EDT)


def to_purchasing(stack):
    return [m for m in stack.outbox() if m["to"] == [PURCHASING_MAILBOX]]


def award_two(api, clock, sol_id):
    """acme 30.00 and bolt 25.00 (lowest); the award at the opening forms bolt's contract with its notice."""
    for org, prices in (("acme", ("30.00", "40.00")), ("bolt", ("25.00", "38.00"))):
        assert api.as_vendor(org).post(f"/solicitations/{sol_id}/bids", json=bid(*prices)).status == 201
    clock.advance(to=OPENING)
    reply = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={})
    assert reply.status == 201, reply.json
    return reply.json["awards"][0]["id"]


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
    bolt_row = next(r for r in tab.json["items"] if r["bidder_name"] == "Bolt Paper Co")
    assert bolt_row["total"] == "3270.00" and bolt_row["corrections"][0]["rule"] == "R-5l"
    for org in ("acme", "bolt", "cobra"):
        assert mails_to(stack, org)[-1]["subject"] == f"Bid tabulation of {sol_id}: Copy paper, statewide"

    # R-8a, R-9a: award to the lowest; its notice is the State's acceptance and forms bolt's contract at once.
    award = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={})
    assert award.status == 201, award.json
    (summary,) = award.json["awards"]
    assert summary["bidder_name"] == "Bolt Paper Co" and summary["conditional"] is False
    award_id = summary["id"]
    notice = mails_to(stack, "bolt")[-1]
    done = api.as_purchasing().get(f"/awards/{award_id}").json
    assert (
        notice["subject"].startswith(f"Notice of award {award_id}") and f"forms contract {done['contract_id']}" in notice["text"]
    )
    assert done["status"] == "contracted" and done["shares"][0]["surety_amount"] == "327.00"
    assert api.as_vendor("bolt").post(f"/awards/{award_id}/accept").status == 409  # nothing to accept: R-9a

    surety = api.as_vendor("bolt").post(
        f"/awards/{award_id}/surety", json={"form": "performance_bond", "amount": "327.00", "reference": "PB-1"}
    )
    assert surety.status == 200, surety.json
    contract = api.as_purchasing().get(f"/contracts/{done['contract_id']}")
    assert contract.status == 200 and contract.json["contractor_name"] == "Bolt Paper Co" and contract.json["status"] == "active"
    assert contract.json["total"] in ("3270.00", "3270.0000", "3270")
    assert mails_to(stack, "bolt")[-1]["subject"] == f"Contract {done['contract_id']}: performance surety received"

    # The execution histories: the opening waited for its timestamp; the award's execution ended with the surety.
    itb = [e["type"] for e in stack.history("invitation-to-bid", f"itb-{sol_id}")]
    assert "WaitStateExited" in itb and itb[-1] == "ExecutionSucceeded"
    assert stack.execution("award-acceptance", f"award-{award_id}-1")["status"] == "SUCCEEDED"


@pytest.mark.rule("R-9g")
@pytest.mark.rule("R-9a")
def test_a_firm_award_whose_bidder_stays_silent_for_eleven_days_stands_and_nobody_else_is_told(api, stack, clock, published):
    # Given bolt's contract formed by the notice, and its surety furnished the next day
    sol_id = published["id"]
    award_id = award_two(api, clock, sol_id)
    clock.advance(days=1)
    assert (
        api.as_vendor("bolt")
        .post(f"/awards/{award_id}/surety", json={"form": "certified_check", "amount": "327.00", "reference": "CC-1"})
        .status
        == 200
    )
    acme_mails, purchasing_mails = len(mails_to(stack, "acme")), len(to_purchasing(stack))
    # When bolt says nothing for 11 days
    clock.advance(days=10)
    # Then the contract stands, acme is told nothing, purchasing is not alerted, and a refusal is no longer considered
    award = api.as_purchasing().get(f"/awards/{award_id}").json
    assert award["status"] == "contracted" and len(award["shares"]) == 1 and award["outcomes"] == []
    assert api.as_purchasing().get(f"/contracts/{award['contract_id']}").json["status"] == "active"
    assert len(mails_to(stack, "acme")) == acme_mails and len(to_purchasing(stack)) == purchasing_mails
    late = api.as_vendor("bolt").post(f"/awards/{award_id}/decline", json={"reason": "changed our mind"})
    assert late.status == 409 and late.json["rule"] == "R-9g"


@pytest.mark.rule("R-9g")
def test_a_refusal_on_day_ten_at_four_pm_is_recorded_and_next_gives_the_award_to_the_next_bidder(api, stack, clock, published):
    # Given bolt's contract formed by the notice on Monday 16 March
    sol_id = published["id"]
    award_id = award_two(api, clock, sol_id)
    first_contract = api.as_purchasing().get(f"/awards/{award_id}").json["contract_id"]
    # When bolt refuses on Thursday 26 March (day 10) at 16:00
    clock.advance(to=dt.datetime(2026, 3, 26, 16, 0, tzinfo=LOCAL))
    refused = api.as_vendor("bolt").post(f"/awards/{award_id}/decline", json={"reason": "cannot supply"})
    # Then it is recorded, the contract stands for now, and purchasing is asked to decide
    assert refused.status == 200, refused.json
    assert refused.json["status"] == "refused" and refused.json["shares"][0]["refusal_reason"] == "cannot supply"
    assert api.as_purchasing().get(f"/contracts/{first_contract}").json["refused_at"] is not None
    assert to_purchasing(stack)[-1]["subject"] == f"Award {award_id} refused by Bolt Paper Co: decide on the next bidder"
    assert not any(m["subject"].startswith("Notice of award") for m in mails_to(stack, "acme"))
    assert stack.execution("award-acceptance", f"award-{award_id}-1")["status"] == "SUCCEEDED"  # its surety wait ended

    # When purchasing offers the award to the next ranked bidder
    assert api.as_vendor("bolt").post(f"/awards/{award_id}/next").status == 403
    moved = api.as_purchasing().post(f"/awards/{award_id}/next")
    # Then acme's notice forms its contract, bolt's refused contract is cancelled and bolt is told
    assert moved.status == 200, moved.json
    second = api.as_purchasing().get(f"/awards/{award_id}").json
    assert [s["status"] for s in second["shares"]] == ["passed_on", "contracted"] and second["contract_id"] != first_contract
    assert mails_to(stack, "acme")[-1]["subject"].startswith(f"Notice of award {award_id}")
    assert mails_to(stack, "bolt")[-1]["subject"] == f"Award {award_id} given to the next bidder"
    assert api.as_purchasing().get(f"/contracts/{first_contract}").json["cancellation_ground"] == "refused"
    assert api.as_purchasing().get(f"/contracts/{second['contract_id']}").json["contractor_name"] == "Acme Office Supply LLC"


@pytest.mark.rule("R-9g")
def test_a_refusal_on_day_eleven_is_refused_and_the_contract_stands(api, stack, clock, published):
    sol_id = published["id"]
    award_id = award_two(api, clock, sol_id)
    clock.advance(to=dt.datetime(2026, 3, 27, 0, 0, tzinfo=LOCAL))  # the first second of day 11
    late = api.as_vendor("bolt").post(f"/awards/{award_id}/decline", json={"reason": "cannot supply"})
    assert late.status == 409 and late.json["rule"] == "R-9g" and "stands" in late.json["Message"]
    award = api.as_purchasing().get(f"/awards/{award_id}").json
    assert award["status"] == "contracted" and award["outcomes"][0]["outcome"] == "surety_lapsed"
    assert api.as_purchasing().post(f"/awards/{award_id}/next").status == 409


@pytest.mark.rule("R-9h")
@pytest.mark.rule("R-9i")
def test_missing_surety_alerts_purchasing_who_cancels_and_offers_the_award_to_the_next_bidder(api, stack, clock, published):
    # Given bolt's contract, with surety requested by the notice on 16 March
    sol_id = published["id"]
    award_id = award_two(api, clock, sol_id)
    contract_id = api.as_purchasing().get(f"/awards/{award_id}").json["contract_id"]
    # When the 10 days pass without surety: at the first second of 27 March purchasing is alerted, nothing is cancelled
    clock.advance(to=dt.datetime(2026, 3, 26, 23, 59, 59, tzinfo=LOCAL))
    assert to_purchasing(stack) == []
    early = api.as_purchasing().post(f"/contracts/{contract_id}/cancel", json={"ground": "missing_surety", "reason": "no bond"})
    assert early.status == 409 and early.json["rule"] == "R-9h"
    clock.advance(seconds=1)
    assert to_purchasing(stack)[-1]["subject"] == f"Performance surety missing for contract {contract_id}: decide"
    assert api.as_purchasing().get(f"/contracts/{contract_id}").json["status"] == "active"
    late = api.as_vendor("bolt").post(
        f"/awards/{award_id}/surety", json={"form": "performance_bond", "amount": "327.00", "reference": "X"}
    )
    assert late.status == 409 and late.json["rule"] == "R-9h"
    # When purchasing cancels the contract
    cancelled = api.as_purchasing().post(
        f"/contracts/{contract_id}/cancel", json={"ground": "missing_surety", "reason": "No performance bond received"}
    )
    # Then bolt is told, no order is accepted under it, and the award can go to the next bidder
    assert cancelled.status == 200 and cancelled.json["status"] == "cancelled"
    assert mails_to(stack, "bolt")[-1]["subject"] == f"Contract {contract_id} cancelled"
    order = api.as_("agency", "DAS").post(
        f"/contracts/{contract_id}/orders",
        json={"lines": [{"line_id": "1", "quantity": "5"}], "deliver_by": "2026-04-30", "contact_email": "r@das.example"},
    )
    assert order.status == 409 and order.json["rule"] == "R-9h"
    moved = api.as_purchasing().post(f"/awards/{award_id}/next")
    assert moved.status == 200 and moved.json["shares"][1]["bidder_name"] == "Acme Office Supply LLC"
    assert mails_to(stack, "acme")[-1]["subject"].startswith(f"Notice of award {award_id}")


@pytest.mark.rule("R-8b")
@pytest.mark.rule("R-5f")
def test_a_split_award_by_item_gives_each_of_three_bidders_what_it_offered_of_the_line(api, stack, clock, published):
    # Given an invitation awarded by item: line 1 (100 cases) bid 40 at 24.00, 30 at 25.00 and 100 at 26.00
    draft = {**INVITATION, "award_basis": "item"}
    sol_id = api.as_purchasing().post("/solicitations", json=draft).json["id"]
    assert api.as_purchasing().post(f"/solicitations/{sol_id}/publish").status == 200
    for org, price, quantity in (("acme", "24.00", "40"), ("bolt", "25.00", "30"), ("cobra", "26.00", "100")):
        body = bid(price, "40.00")
        body["lines"][0]["quantity"] = quantity
        reply = api.as_vendor(org).post(f"/solicitations/{sol_id}/bids", json=body)
        assert reply.status == 201, reply.json
    clock.advance(to=OPENING)
    # When purchasing awards
    made = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={}).json["awards"]
    line1 = next(a for a in made if a["scope"] == "item:1")
    assert line1["bidders"] == ["Acme Office Supply LLC", "Bolt Paper Co", "Cobra Stationers Inc"]
    # Then each notice forms a contract for the quantity that bidder takes
    award = api.as_purchasing().get(f"/awards/{line1['id']}").json
    assert [(s["bidder_name"], s["lines"][0]["quantity"], s["status"]) for s in award["shares"]] == [
        ("Acme Office Supply LLC", "40", "contracted"),
        ("Bolt Paper Co", "30", "contracted"),
        ("Cobra Stationers Inc", "30", "contracted"),
    ]
    quantities = [api.as_purchasing().get(f"/contracts/{s['contract_id']}").json["lines"][0]["quantity"] for s in award["shares"]]
    assert quantities == ["40", "30", "30"]
    for org in ("acme", "bolt", "cobra"):
        assert any(m["subject"].startswith(f"Notice of award {line1['id']}") for m in mails_to(stack, org))


@pytest.mark.rule("R-8c")
def test_an_award_after_the_award_period_is_conditional_and_its_acceptance_forms_the_contract(api, stack, clock, published):
    sol_id = published["id"]
    assert api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "40.00")).status == 201
    clock.advance(to=OPENING)
    clock.advance(days=31)
    award = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={})
    award_id = award.json["awards"][0]["id"]
    assert award.json["awards"][0]["conditional"] is True
    assert "It binds only if you accept it" in mails_to(stack, "acme")[-1]["text"]
    assert api.as_purchasing().get(f"/awards/{award_id}").json["contract_id"] is None
    accepted = api.as_vendor("acme").post(f"/awards/{award_id}/accept")
    assert accepted.status == 200 and accepted.json["contract_id"] is not None
    assert (
        mails_to(stack, "acme")[-1]["subject"]
        == f"Contract {accepted.json['contract_id']} for award {award_id}: Copy paper, statewide"
    )


@pytest.mark.rule("R-8c")
def test_a_conditional_award_not_accepted_in_ten_days_alerts_purchasing_and_moves_nothing(api, stack, clock, published):
    sol_id = published["id"]
    for org, prices in (("acme", ("30.00", "40.00")), ("bolt", ("25.00", "38.00"))):
        assert api.as_vendor(org).post(f"/solicitations/{sol_id}/bids", json=bid(*prices)).status == 201
    clock.advance(to=OPENING)
    clock.advance(days=31)
    award_id = api.as_purchasing().post(f"/solicitations/{sol_id}/award", json={}).json["awards"][0]["id"]
    clock.advance(days=11)
    assert to_purchasing(stack)[-1]["subject"] == f"Conditional award {award_id} lapsed: decide on the next bidder"
    assert api.as_purchasing().get(f"/awards/{award_id}").json["status"] == "lapsed"
    assert not any(m["subject"].startswith("Notice of award") for m in mails_to(stack, "acme"))
    assert api.as_vendor("bolt").post(f"/awards/{award_id}/accept").status == 409


@pytest.mark.rule("R-5o")
def test_cancellation_before_opening_emails_vendors_and_ends_the_workflow(api, stack, clock, published):
    sol_id = published["id"]
    assert api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "40.00")).status == 201
    reply = api.as_purchasing().post(f"/solicitations/{sol_id}/cancel", json={"reason": "budget withdrawn"})
    assert reply.status == 200 and reply.json["status"] == "cancelled"
    assert not mails_to(stack, "acme")[-1]["subject"].startswith(f"Invitation to bid {sol_id} cancelled")  # not in the request
    clock.advance(minutes=1)  # the outbox worker's next run emails the broadcast
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
    entered = [
        e["stateEnteredEventDetails"]["name"]
        for e in stack.history("invitation-to-bid", f"itb-{sol_id}")
        if e["type"] == "TaskStateEntered"
    ]
    assert entered.count("Open the sealed bids") == 3 and entered.count("Email the bidders the tabulation") == 2
    for org in ("acme", "bolt", "cobra"):
        assert mails_to(stack, org)[-1]["subject"].startswith(f"Bid tabulation of {sol_id}")


@pytest.mark.rule("R-5b")
def test_the_workflow_opens_pages_of_bids_concurrently_on_dynamodb_each_bid_once(api, stack, clock, published, monkeypatch):
    from chalicelib import bootstrap
    from chalicelib.services import bids as bid_service
    from chalicelib.services import sealed as sealed_service
    from chalicelib.services.ports import entity_ref

    # Given four bids, a page of three bids and one bid to a transaction: the first page's three transactions run in
    # the pool's workers at once against the local DynamoDB
    monkeypatch.setattr(bid_service, "OPENING_BATCH", 3)
    monkeypatch.setattr(sealed_service, "OPENED_PER_TRANSACTION", 1)
    sol_id = published["id"]
    for org in ("acme", "bolt", "cobra", "dune"):
        assert api.as_vendor(org).post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "40.00")).status == 201
    # When the opening time comes
    clock.advance(to=OPENING)
    # Then the state machine looped over two pages and every bid was opened exactly once
    entered = [
        e["stateEnteredEventDetails"]["name"]
        for e in stack.history("invitation-to-bid", f"itb-{sol_id}")
        if e["type"] == "TaskStateEntered"
    ]
    assert entered.count("Open the sealed bids") == 2
    assert api.get(f"/solicitations/{sol_id}").json["bid_count"] == 4
    deps = bootstrap.deps()
    opened = [bid.id for bid in bid_service.opened_bids(deps, sol_id)]
    assert len(opened) == 4
    for bid_id in opened:
        assert [a.action for a in deps.store.audit_trail(entity_ref("bid", bid_id))].count("bid.opened") == 1


@pytest.mark.rule("R-5o")
def test_an_addendum_postponing_the_opening_moves_the_opening_timer_to_the_new_time(api, stack, clock, published):
    # Given an invitation opening on 16 March at 10:00, with one bid
    sol_id = published["id"]
    assert api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "40.00")).status == 201
    # When an addendum postpones the opening by a week
    new_opening = OPENING + dt.timedelta(days=7)
    reply = api.as_purchasing().post(
        f"/solicitations/{sol_id}/addenda", json={"text": "Opening postponed a week.", "opening_at": "2026-03-23T10:00:00-04:00"}
    )
    assert reply.status == 201 and reply.json["opening_at"] == "2026-03-23T10:00:00-04:00"
    clock.advance(minutes=1)  # the outbox worker's next run emails the broadcast
    assert "postponed" in mails_to(stack, "bolt")[-1]["text"] and "postponed" in mails_to(stack, "acme")[-1]["text"]
    # Then nothing opens at the old time, and a bid between the two times is accepted
    clock.advance(to=OPENING)
    assert api.get(f"/solicitations/{sol_id}").json["status"] == "open"
    assert api.get(f"/solicitations/{sol_id}/tabulation").status == 409
    between = api.as_vendor("bolt").post(
        f"/solicitations/{sol_id}/bids", json={**bid("25.00", "38.00"), "addenda_acknowledged": [1]}
    )
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


def _award_period_timer_fired(stack, sol_id) -> bool:
    return any(
        e.get("stateEnteredEventDetails", {}).get("name") == "Make later awards conditional"
        for e in stack.history("invitation-to-bid", f"itb-{sol_id}")
    )


@pytest.mark.rule("R-8c")
def test_the_award_period_timer_ends_with_the_thirtieth_connecticut_day_not_thirty_times_24_hours(api, stack, clock, published):
    # Given bids opened at 10:00 on Monday 16 March
    sol_id = published["id"]
    assert api.as_vendor("acme").post(f"/solicitations/{sol_id}/bids", json=bid("30.00", "40.00")).status == 201
    clock.advance(to=OPENING)
    # When the clock reaches the last second of 15 April, 30 calendar days later (and past 30 x 24 hours)
    clock.advance(to=dt.datetime(2026, 4, 15, 23, 59, 59, tzinfo=CT))
    # Then the award period still runs; from the first second of 16 April it has ended
    assert not _award_period_timer_fired(stack, sol_id)
    clock.advance(to=dt.datetime(2026, 4, 16, 0, 0, 1, tzinfo=CT))
    assert _award_period_timer_fired(stack, sol_id)


@pytest.mark.rule("R-4")
def test_the_notice_of_an_invitation_of_many_lines_lists_the_first_twenty_and_sends_vendors_to_its_page(api, stack):
    # Given an invitation of 25 lines, published with two vendors of its commodity registered
    lines = [{"id": f"{n}", "description": f"Copy paper, grade {n}", "quantity": "10", "unit": "case"} for n in range(1, 26)]
    sol_id = publish_with_two_vendors(api, stack, lines=lines)
    # When the notice is emailed, Then it lists lines 1 to 20, counts the other 5 and links to the invitation's page
    (notice,) = [m for m in mails_to(stack, "acme") if m["subject"].startswith(f"Invitation to bid {sol_id}")]
    assert [n for n in range(1, 26) if f"Line {n}: Copy paper, grade {n};" in notice["text"]] == list(range(1, 21))
    assert "5 more lines" in notice["text"] and "5 more lines" in notice["html"] and f"/solicitations/{sol_id}" in notice["text"]
