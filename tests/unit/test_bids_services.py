"""Services of the invitation to bid with fakes: sealing before storage (R-5b), receipts, replacement (R-5h),
withdrawal (R-5c), server time deciding with refused attempts recorded, the opening, notices and awards."""

import base64
import dataclasses
import json

import pytest

from chalicelib.domain.awards import Award, AwardStatus
from chalicelib.domain.bids import Bid, BidAttempt, BidStatus, Sealed
from chalicelib.domain.contracts import Contract
from chalicelib.domain.errors import Conflict, DeadlinePassed, NotFound, ValidationFailed
from chalicelib.domain.solicitations import AwardBasis, Solicitation, SolicitationStatus
from chalicelib.domain.vendors import Vendor, VendorStatus
from chalicelib.services import awards, bids, solicitations
from chalicelib.services.ports import Actor, Change, Role
from tests.unit.test_solicitations_examples import FACTORS, LINES, OPENING, bid_body

PURCHASING = Actor("officer", Role.PURCHASING, "DAS-BOP")


class FakeSealer:
    """Reversible, bound to (solicitation, bid) like the KMS sealer; never plaintext at rest."""

    def seal(self, plaintext, solicitation_id, bid_id):
        return Sealed(base64.b64encode(plaintext[::-1]).decode(), f"{solicitation_id}/{bid_id}", "n")

    def open(self, sealed, solicitation_id, bid_id):
        assert sealed.encrypted_key == f"{solicitation_id}/{bid_id}", "encryption context mismatch"
        return base64.b64decode(sealed.ciphertext)[::-1]


@pytest.fixture
def sealer():
    return FakeSealer()


def vendor(deps, org, codes=("640",), status=VendorStatus.ACTIVE):
    v = Vendor(id=f"V-{org}", org=org, legal_name=f"{org.title()} LLC", contact_email=f"bids@{org}.example",
               commodity_codes=codes, registered_at=deps.clock.now(), confirmation_code="1", status=status)
    deps.store.commit(Actor(org, Role.VENDOR, org), deps.clock.now(), [Change("vendor.registered", v)])
    return Actor(f"user@{org}", Role.VENDOR, org)


@pytest.fixture
def sol(deps):
    draft = solicitations.create_solicitation(
        deps, PURCHASING, title="Paper", agency="DAS", commodity_codes=["64000"], lines=list(LINES), groups=[],
        opening_at=OPENING, award_basis=AwardBasis.ALL,
        evaluation_factors=list(FACTORS),
    )
    return solicitations.publish(deps, PURCHASING, draft.id)


def priced(price):
    body = bid_body()
    body["lines"][0]["unit_price"] = price
    return body


def open_now(deps, sealer, sol):
    deps.clock.set(OPENING)
    return bids.open_bids(deps, sealer, "itb-x", sol.id)


@pytest.mark.rule("R-5b")
def test_a_bid_is_stored_sealed_with_no_price_readable(deps, sealer, sol):
    receipt = bids.submit_bid(deps, sealer, vendor(deps, "acme"), sol.id, bid_body())
    stored = deps.store.get(Bid, receipt.bid.id)
    assert stored.content is None and stored.status is BidStatus.SEALED
    assert "25.10" not in json.dumps(dataclasses.asdict(stored), default=str)
    (entry,) = deps.store.audit_trail(f"bid:{stored.id}")
    assert "sealed" not in entry.after and "25.10" not in json.dumps(entry.after)


@pytest.mark.rule("R-5b")
def test_the_receipt_carries_server_time_and_the_hash_of_the_canonical_bid(deps, sealer, sol):
    from chalicelib.domain.bids import digest

    receipt = bids.submit_bid(deps, sealer, vendor(deps, "acme"), sol.id, bid_body())
    assert receipt.bid.received_at == deps.clock.now() and receipt.bid.sha256 == digest(bid_body())


@pytest.mark.rule("R-5b")
def test_a_bid_at_the_opening_time_is_refused_and_the_attempt_recorded(deps, sealer, sol):
    acme = vendor(deps, "acme")
    deps.clock.set(OPENING)
    with pytest.raises(DeadlinePassed) as exc:
        bids.submit_bid(deps, sealer, acme, sol.id, bid_body())
    assert exc.value.rule == "R-5b" and exc.value.code == "BidAfterOpening"
    (attempt,) = deps.store.find(BidAttempt, "by_solicitation", sol.id)
    assert (attempt.vendor_id, attempt.action, attempt.at) == ("V-acme", "submit", OPENING)
    assert deps.store.find(Bid, "by_solicitation", sol.id) == []


@pytest.mark.rule("R-5h")
def test_a_new_submission_replaces_the_earlier_bid_which_is_kept(deps, sealer, sol):
    acme = vendor(deps, "acme")
    first = bids.submit_bid(deps, sealer, acme, sol.id, priced("30.00")).bid
    second = bids.submit_bid(deps, sealer, acme, sol.id, priced("29.00")).bid
    assert second.replaces == first.id
    assert deps.store.get(Bid, first.id).status is BidStatus.REPLACED
    assert bids.live_bid_of(deps, "V-acme", sol.id).id == second.id


@pytest.mark.rule("R-5c")
def test_a_withdrawal_before_opening_is_accepted_and_after_it_refused_and_recorded(deps, sealer, sol):
    acme = vendor(deps, "acme")
    first = bids.submit_bid(deps, sealer, acme, sol.id, bid_body()).bid
    assert bids.withdraw_bid(deps, acme, sol.id, first.id).status is BidStatus.WITHDRAWN
    second = bids.submit_bid(deps, sealer, acme, sol.id, bid_body()).bid
    deps.clock.set(OPENING)
    with pytest.raises(DeadlinePassed) as exc:
        bids.withdraw_bid(deps, acme, sol.id, second.id)
    assert exc.value.rule == "R-5c"
    assert [a.action for a in deps.store.find(BidAttempt, "by_solicitation", sol.id)] == ["withdraw"]


@pytest.mark.rule("R-5b")
def test_before_opening_only_the_owner_sees_its_receipt(deps, sealer, sol):
    acme, bolt = vendor(deps, "acme"), vendor(deps, "bolt")
    bid = bids.submit_bid(deps, sealer, acme, sol.id, bid_body()).bid
    assert bids.get_bid(deps, acme, sol.id, bid.id).content is None
    with pytest.raises(NotFound):
        bids.get_bid(deps, bolt, sol.id, bid.id)
    with pytest.raises(Conflict):
        bids.get_bid(deps, PURCHASING, sol.id, bid.id)
    with pytest.raises(Conflict):
        bids.tabulation(deps, sol.id)


@pytest.mark.rule("R-5d")
def test_an_invalid_bid_changes_nothing(deps, sealer, sol):
    with pytest.raises(ValidationFailed):
        bids.submit_bid(deps, sealer, vendor(deps, "acme"), sol.id, bid_body(signed=False))
    assert deps.store.find(Bid, "by_solicitation", sol.id) == []


@pytest.mark.rule("R-5n")
def test_the_opening_decrypts_every_live_bid_and_publishes_the_tabulation(deps, sealer, sol):
    acme, bolt = vendor(deps, "acme"), vendor(deps, "bolt")
    bids.submit_bid(deps, sealer, acme, sol.id, priced("30.00"))
    bids.submit_bid(deps, sealer, bolt, sol.id, priced("25.00"))
    bids.submit_bid(deps, sealer, bolt, sol.id, priced("24.00"))  # replaces bolt's first bid
    result = open_now(deps, sealer, sol)
    assert (result["done"], result["opened"]) == (True, 2)
    opened, rows = bids.tabulation(deps, sol.id)
    assert opened.status is SolicitationStatus.OPENED and opened.bid_count == 2
    assert sorted(str(r.content.lines[0].unit_price) for r in rows) == ["24.00", "30.00"]
    assert bids.get_bid(deps, PURCHASING, sol.id, rows[0].id).content is not None


@pytest.mark.rule("R-5n")
def test_a_retried_opening_opens_nothing_twice(deps, sealer, sol):
    bids.submit_bid(deps, sealer, vendor(deps, "acme"), sol.id, bid_body())
    open_now(deps, sealer, sol)
    before = len(deps.store.audit)
    sol_now = dataclasses.replace(deps.store.get(Solicitation, sol.id))
    assert bids.open_bids(deps, sealer, "itb-x", sol_now.id)["opened"] == 1
    assert len(deps.store.audit) == before


@pytest.mark.rule("R-5n")
def test_the_opening_works_in_batches_the_workflow_loops_over(deps, sealer, sol):
    for org in ("acme", "bolt", "cobra"):
        bids.submit_bid(deps, sealer, vendor(deps, org), sol.id, bid_body())
    deps.clock.set(OPENING)
    state, calls = {"after": "", "opened": 0}, 0
    while True:
        result = bids.open_bids(deps, sealer, "itb-x", sol.id, after=state["after"], opened=state["opened"], batch=2)
        state, calls = result, calls + 1
        if result["done"]:
            break
    assert calls == 2 and state["opened"] == 3
    assert deps.store.get(Solicitation, sol.id).bid_count == 3


@pytest.mark.rule("R-5n")
def test_the_opening_stops_early_when_the_lambda_is_about_to_time_out(deps, sealer, sol):
    bids.submit_bid(deps, sealer, vendor(deps, "acme"), sol.id, bid_body())
    deps.clock.set(OPENING)
    result = bids.open_bids(deps, sealer, "itb-x", sol.id, time_left=lambda: 5_000)
    assert (result["done"], result["opened"]) == (False, 0)


@pytest.mark.rule("R-5b")
def test_a_bid_not_matching_its_receipt_hash_stops_the_opening(deps, sealer, sol):
    bid = bids.submit_bid(deps, sealer, vendor(deps, "acme"), sol.id, bid_body()).bid
    forged = dataclasses.replace(bid, sealed=sealer.seal(b'{"lines":[]}', sol.id, bid.id))
    deps.store.commit(PURCHASING, deps.clock.now(), [Change("bid.tampered", forged, bid)])
    deps.clock.set(OPENING)
    with pytest.raises(bids.SealBroken):
        bids.open_bids(deps, sealer, "itb-x", sol.id)


@pytest.mark.rule("R-4")
def test_publication_starts_the_workflow_and_notice_goes_to_active_vendors_of_the_commodity(deps, sol):
    vendor(deps, "acme")
    vendor(deps, "other", codes=("615",))
    vendor(deps, "pending", status=VendorStatus.PENDING_CONFIRMATION)
    (process, name, payload), = deps.workflows.started
    assert (process, name, payload["schedule"]["opening_at"]) == ("invitation-to-bid", f"itb-{sol.id}", "2026-03-16T14:00:00Z")
    assert payload["award_period_seconds"] == 30 * 86400
    solicitations.give_notice(deps, "itb-x", sol.id)
    solicitations.give_notice(deps, "itb-x", sol.id)  # a retried task mails no one twice
    assert [m.to for m in deps.notifier.sent] == [("bids@acme.example",)]


@pytest.mark.rule("R-4")
def test_a_draft_is_visible_to_purchasing_only(deps):
    draft = solicitations.create_solicitation(deps, PURCHASING, title="Paper", agency="DAS", commodity_codes=["64000"],
                                              lines=list(LINES), groups=[], opening_at=OPENING, award_basis=AwardBasis.ALL,
                                              evaluation_factors=list(FACTORS))
    assert solicitations.get_solicitation(deps, PURCHASING, draft.id).id == draft.id
    with pytest.raises(NotFound):
        solicitations.get_solicitation(deps, None, draft.id)


@pytest.mark.rule("R-5o")
def test_an_addendum_is_emailed_to_invited_vendors_and_bidders(deps, sealer, sol):
    vendor(deps, "acme")
    bids.submit_bid(deps, sealer, vendor(deps, "bolt", codes=("999",)), sol.id, bid_body())
    solicitations.add_addendum(deps, PURCHASING, sol.id, "Line 1 is 24 lb paper.")
    assert sorted(m.to[0] for m in deps.notifier.sent) == ["bids@acme.example", "bids@bolt.example"]
    assert all("Addendum 1" in m.subject for m in deps.notifier.sent)


def make_awards(deps, sealer, sol, surety=None):
    if surety:
        current = deps.store.get(Solicitation, sol.id)
        deps.store.commit(PURCHASING, deps.clock.now(), [Change("test", dataclasses.replace(current, surety_percent=surety), current)])
    bids.submit_bid(deps, sealer, vendor(deps, "acme"), sol.id, priced("30.00"))
    bids.submit_bid(deps, sealer, vendor(deps, "bolt"), sol.id, priced("25.00"))
    open_now(deps, sealer, sol)
    return awards.make_award(deps, PURCHASING, sol.id)


@pytest.mark.rule("R-8a")
def test_the_award_goes_to_the_lowest_bid_and_starts_the_acceptance_workflow(deps, sealer, sol):
    awarded, (award,) = make_awards(deps, sealer, sol)
    assert awarded.status is SolicitationStatus.AWARDED and award.current.vendor_id == "V-bolt"
    assert deps.workflows.started[-1][:2] == ("award-acceptance", f"award-{award.id}")
    with pytest.raises(Conflict):
        awards.make_award(deps, PURCHASING, sol.id)


@pytest.mark.rule("R-8b")
def test_rejecting_all_bids_ends_the_invitation_and_tells_the_bidders(deps, sealer, sol):
    bids.submit_bid(deps, sealer, vendor(deps, "acme"), sol.id, bid_body())
    open_now(deps, sealer, sol)
    with pytest.raises(ValidationFailed):
        awards.reject_all(deps, PURCHASING, sol.id, " ")
    ended = awards.reject_all(deps, PURCHASING, sol.id, "All prices above the budget")
    assert ended.status is SolicitationStatus.CANCELLED and "budget" in deps.notifier.sent[-1].text


@pytest.mark.rule("R-9g")
def test_a_decline_passes_the_award_on_and_fails_the_waiting_task(deps, sealer, sol):
    _, (award,) = make_awards(deps, sealer, sol)
    awards.offer(deps, "award-x", award.id, "tok-1")
    moved = awards.decline(deps, Actor("u", Role.VENDOR, "bolt"), award.id, "no stock")
    assert moved.current.vendor_id == "V-acme" and moved.outcomes[0].outcome == "declined"
    assert deps.workflows.failed == [("tok-1", "AwardDeclined", "no stock")]
    assert awards.move_on(deps, "award-x", award.id, "declined") == {"award_id": award.id, "has_next": True}
    assert deps.notifier.sent[-1].to == ("bids@bolt.example",)


@pytest.mark.rule("R-9g")
def test_the_lapse_task_passes_an_unanswered_offer_to_the_next_bidder_once(deps, sealer, sol):
    _, (award,) = make_awards(deps, sealer, sol)
    awards.offer(deps, "award-x", award.id, "tok-1")
    deps.clock.advance(days=10)
    assert awards.move_on(deps, "award-x", award.id, "lapsed")["has_next"] is True
    assert awards.move_on(deps, "award-x", award.id, "lapsed")["has_next"] is True  # a retried task moves nothing
    moved = deps.store.get(Award, award.id)
    assert moved.position == 1 and [o.outcome for o in moved.outcomes] == ["lapsed"]


@pytest.mark.rule("R-9h")
@pytest.mark.rule("R-9a")
def test_acceptance_and_surety_form_one_contract_even_if_the_task_is_retried(deps, sealer, sol):
    from decimal import Decimal

    _, (award,) = make_awards(deps, sealer, sol, surety=Decimal(10))
    bolt = Actor("u", Role.VENDOR, "bolt")
    awards.offer(deps, "award-x", award.id, "tok-1")
    assert awards.accept(deps, bolt, award.id).status is AwardStatus.AWAITING_SURETY
    assert deps.workflows.resumed[-1] == ("tok-1", {"accepted": True, "surety_required": True})
    awards.request_surety(deps, "award-x", award.id, "tok-2")
    awards.furnish_surety(deps, bolt, award.id, "performance_bond", "406.00", "PB-1")
    first = awards.make_contract(deps, "award-x", award.id)
    assert awards.make_contract(deps, "award-x", award.id) == first
    contract = deps.store.get(Contract, first["contract_id"])
    assert contract.contractor_id == "V-bolt" and contract.award_id == award.id
    assert awards.get_contract(deps, bolt, contract.id) == contract
    with pytest.raises(NotFound):
        awards.get_contract(deps, Actor("u", Role.VENDOR, "acme"), contract.id)


@pytest.mark.rule("R-9h")
def test_surety_furnished_before_the_request_arrives_lets_the_workflow_go_on(deps, sealer, sol):
    from decimal import Decimal

    _, (award,) = make_awards(deps, sealer, sol, surety=Decimal(10))
    bolt = Actor("u", Role.VENDOR, "bolt")
    awards.offer(deps, "award-x", award.id, "tok-1")
    awards.accept(deps, bolt, award.id)
    awards.furnish_surety(deps, bolt, award.id, "certified_check", "406.00", "CC-1")
    awards.request_surety(deps, "award-x", award.id, "tok-2")
    assert deps.workflows.resumed[-1] == ("tok-2", {"surety": True})
    assert not any("Performance surety" in m.subject for m in deps.notifier.sent)
