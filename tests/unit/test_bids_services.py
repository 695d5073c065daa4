"""Services of the invitation to bid with fakes: sealing before storage (R-5b), receipts, replacement (R-5h),
withdrawal (R-5c), server time deciding with refused attempts recorded, the opening, notices and awards."""

import base64
import collections
import dataclasses
import json
import threading
import time
from decimal import Decimal

import pytest

from chalicelib.domain.awards import Award
from chalicelib.domain.bids import Bid, BidAttempt, BidStatus
from chalicelib.domain.commitment import Sealed
from chalicelib.domain.errors import Conflict, DeadlinePassed, Forbidden, NotFound, TemporarilyUnavailable, ValidationFailed
from chalicelib.domain.solicitations import AwardBasis, Solicitation, SolicitationStatus
from chalicelib.domain.vendors import Vendor, VendorStatus
from chalicelib.services import awards, bids, outbox, sealed, solicitations, vendors
from chalicelib.services.ports import Actor, Change, PageRequest, Role
from chalicelib.services.vendors import vendor_changes
from local.fein import fein_for
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
    v = Vendor(
        id=f"V-{org}",
        org=org,
        legal_name=f"{org.title()} LLC",
        fein=fein_for(org).replace("-", ""),
        contact_email=f"bids@{org}.example",
        commodity_codes=codes,
        registered_at=deps.clock.now(),
        confirmation_code="1",
        status=status,
    )
    deps.store.commit(Actor(org, Role.VENDOR, org), deps.clock.now(), vendor_changes(deps, "vendor.registered", v))
    return Actor(f"user@{org}", Role.VENDOR, org)


@pytest.fixture
def sol(deps):
    draft = solicitations.create_solicitation(
        deps,
        PURCHASING,
        title="Paper",
        agency="DAS",
        commodity_codes=["64000"],
        lines=list(LINES),
        groups=[],
        opening_at=OPENING,
        award_basis=AwardBasis.ALL,
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
def test_the_receipt_carries_server_time_and_a_salted_commitment_not_a_plain_hash(deps, sealer, sol):
    import hashlib

    from chalicelib.domain.commitment import canonical

    receipt = bids.submit_bid(deps, sealer, vendor(deps, "acme"), sol.id, bid_body())
    assert receipt.bid.received_at == deps.clock.now() and len(receipt.bid.commitment) == 64
    assert receipt.bid.commitment != hashlib.sha256(canonical(bid_body())).hexdigest()


@pytest.mark.rule("R-5b")
def test_the_opening_publishes_the_salt_and_the_bid_as_sent_which_verify_the_receipt(deps, sealer, sol):
    from chalicelib.domain.commitment import canonical, verifies

    receipt = bids.submit_bid(deps, sealer, vendor(deps, "acme"), sol.id, bid_body())
    assert receipt.bid.salt is None and receipt.bid.document is None  # nothing of the seal before opening
    deps.clock.set(sol.opening_at)
    bids.open_bids(deps, sealer, "itb-x", sol.id)
    opened = deps.store.get(type(receipt.bid), receipt.bid.id)
    assert opened.document == canonical(bid_body()).decode()
    assert verifies(opened.document.encode(), opened.salt, receipt.bid.commitment)


@pytest.mark.rule("R-5b")
def test_a_bid_at_the_opening_time_is_refused_and_the_attempt_recorded(deps, sealer, sol):
    acme = vendor(deps, "acme")
    deps.clock.set(OPENING)
    with pytest.raises(DeadlinePassed) as exc:
        bids.submit_bid(deps, sealer, acme, sol.id, bid_body())
    assert exc.value.rule == "R-5b" and exc.value.code == "BidAfterOpening"
    (attempt,) = list(deps.store.iterate(BidAttempt, "by_solicitation", sol.id))
    assert (attempt.vendor_id, attempt.action, attempt.at) == ("V-acme", "submit", OPENING)
    assert list(deps.store.iterate(Bid, "by_solicitation", sol.id)) == []


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
    assert [a.action for a in deps.store.iterate(BidAttempt, "by_solicitation", sol.id)] == ["withdraw"]


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
    assert list(deps.store.iterate(Bid, "by_solicitation", sol.id)) == []


@pytest.mark.rule("R-5n")
def test_the_opening_decrypts_every_live_bid_and_publishes_the_tabulation(deps, sealer, sol):
    acme, bolt = vendor(deps, "acme"), vendor(deps, "bolt")
    bids.submit_bid(deps, sealer, acme, sol.id, priced("30.00"))
    bids.submit_bid(deps, sealer, bolt, sol.id, priced("25.00"))
    bids.submit_bid(deps, sealer, bolt, sol.id, priced("24.00"))  # replaces bolt's first bid
    result = open_now(deps, sealer, sol)
    assert (result["done"], result["opened"]) == (True, 2)
    opened, found = bids.tabulation(deps, sol.id)
    rows = found.items
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
def test_a_bid_not_matching_its_receipt_commitment_stops_the_opening(deps, sealer, sol):
    bid = bids.submit_bid(deps, sealer, vendor(deps, "acme"), sol.id, bid_body()).bid
    forged = dataclasses.replace(bid, sealed=sealer.seal(bytes(32) + b'{"lines":[]}', sol.id, bid.id))
    deps.store.commit(PURCHASING, deps.clock.now(), [Change(action="bid.tampered", after=forged, before=bid)])
    deps.clock.set(OPENING)
    with pytest.raises(sealed.SealBroken):
        bids.open_bids(deps, sealer, "itb-x", sol.id)


class PooledSealer(FakeSealer):
    """The fake sealer, noting which threads decrypt; `fail_at` makes that decryption (counted from 1) fail once,
    as KMS throttling would."""

    def __init__(self, fail_at=None):
        self.threads, self.decrypted, self.fail_at, self._lock = set(), 0, fail_at, threading.Lock()

    def open(self, sealed, solicitation_id, bid_id):
        with self._lock:
            self.decrypted += 1
            self.threads.add(threading.current_thread().name)
            failing = self.decrypted == self.fail_at
        time.sleep(0.001)  # a KMS call takes time: the pool's workers overlap
        if failing:
            raise TemporarilyUnavailable("The sealing key service is busy; try again shortly.")
        return super().open(sealed, solicitation_id, bid_id)


def many_bids(deps, sealer, sol, count):
    for n in range(count):
        bids.submit_bid(deps, sealer, vendor(deps, f"v{n:03d}"), sol.id, priced(f"{10 + n}.00"))


def openings_per_bid(deps):
    return collections.Counter(a.entity for a in deps.store.audit if a.action == "bid.opened")


def transactions_of(deps, action):
    """The size of each transaction writing `action`, as the store receives them."""
    sizes, commit = [], deps.store.commit

    def counting(actor, at, changes):
        found = sum(1 for c in changes if isinstance(c, Change) and c.action == action)
        if found:
            sizes.append(found)
        return commit(actor, at, changes)

    deps.store.commit = counting
    return sizes


@pytest.mark.rule("R-5b")
def test_the_opening_of_250_bids_opens_each_once_through_the_pool_in_batched_transactions(deps, sol):
    # Given 250 sealed bids
    sealer = PooledSealer()
    many_bids(deps, sealer, sol, 250)
    sizes = transactions_of(deps, "bid.opened")
    # When the opening runs at the opening time
    result = open_now(deps, sealer, sol)
    # Then every bid is opened exactly once, by several workers, several bids to a transaction
    assert (result["done"], result["opened"]) == (True, 250)
    counts = openings_per_bid(deps)
    assert len(counts) == 250 and set(counts.values()) == {1}
    assert sealer.decrypted == 250 and len(sealer.threads) > 1
    assert (
        sum(sizes) == 250
        and max(sizes) == sealed.OPENED_PER_TRANSACTION
        and len(sizes) == -(-250 // sealed.OPENED_PER_TRANSACTION)
    )
    # And the tabulation is the same as one opened bid by bid would show
    opened, rows = bids.tabulation(deps, sol.id, page=PageRequest(limit=250))
    assert opened.bid_count == 250 and len(rows.items) == 250
    assert sorted(str(r.opened_content.lines[0].unit_price) for r in rows.items) == sorted(f"{10 + n}.00" for n in range(250))


@pytest.mark.rule("R-5b")
def test_an_opening_failing_midway_opens_only_the_rest_when_retried(deps, sol):
    # Given 250 sealed bids, and KMS refusing the 100th decryption
    sealer = PooledSealer(fail_at=100)
    many_bids(deps, sealer, sol, 250)
    deps.clock.set(OPENING)
    # When the opening fails midway
    with pytest.raises(TemporarilyUnavailable):
        bids.open_bids(deps, sealer, "itb-x", sol.id)
    partly = openings_per_bid(deps)
    assert 0 < len(partly) < 250 and deps.store.get(Solicitation, sol.id).status is SolicitationStatus.OPEN
    # And the task is retried with the same input
    result = bids.open_bids(deps, sealer, "itb-x", sol.id)
    # Then the retry opens the bids still sealed, none twice, and the solicitation counts them all
    assert (result["done"], result["opened"]) == (True, 250)
    counts = openings_per_bid(deps)
    assert len(counts) == 250 and set(counts.values()) == {1}
    # each bid once, and again those of the refused transaction decrypted before the refusal
    assert 250 < sealer.decrypted <= 250 + sealed.OPENED_PER_TRANSACTION
    assert deps.store.get(Solicitation, sol.id).bid_count == 250


@pytest.mark.rule("R-4")
def test_publication_starts_the_workflow_and_notice_goes_to_active_vendors_of_the_commodity(deps, sol):
    vendor(deps, "acme")
    vendor(deps, "other", codes=("615",))
    vendor(deps, "pending", status=VendorStatus.PENDING_CONFIRMATION)
    ((process, name, payload),) = deps.workflows.started
    assert (process, name, payload["schedule"]["opening_at"]) == ("invitation-to-bid", f"itb-{sol.id}", "2026-03-16T14:00:00Z")
    solicitations.give_notice(deps, "itb-x", sol.id)
    solicitations.give_notice(deps, "itb-x", sol.id)  # a retried task mails no one twice
    outbox.deliver_due(deps)
    outbox.deliver_due(deps)
    assert [m.to for m in deps.notifier.sent] == [("bids@acme.example",)]


@pytest.mark.rule("R-4")
def test_a_draft_is_visible_to_purchasing_only(deps):
    draft = solicitations.create_solicitation(
        deps,
        PURCHASING,
        title="Paper",
        agency="DAS",
        commodity_codes=["64000"],
        lines=list(LINES),
        groups=[],
        opening_at=OPENING,
        award_basis=AwardBasis.ALL,
        evaluation_factors=list(FACTORS),
    )
    assert solicitations.get_solicitation(deps, PURCHASING, draft.id).id == draft.id
    with pytest.raises(NotFound):
        solicitations.get_solicitation(deps, None, draft.id)


@pytest.mark.rule("R-5o")
def test_an_addendum_is_emailed_to_invited_vendors_and_bidders(deps, sealer, sol):
    vendor(deps, "acme")
    bids.submit_bid(deps, sealer, vendor(deps, "bolt", codes=("999",)), sol.id, bid_body())
    solicitations.add_addendum(deps, PURCHASING, sol.id, "Line 1 is 24 lb paper.")
    outbox.deliver_due(deps)
    assert sorted(m.to[0] for m in deps.notifier.sent) == ["bids@acme.example", "bids@bolt.example"]
    assert all("Addendum 1" in m.subject for m in deps.notifier.sent)


def make_awards(deps, sealer, sol, surety=None, responsibility=None):
    if surety:
        current = deps.store.get(Solicitation, sol.id)
        deps.store.commit(
            PURCHASING,
            deps.clock.now(),
            [Change(action="test", after=dataclasses.replace(current, surety_percent=surety), before=current)],
        )
    bids.submit_bid(deps, sealer, vendor(deps, "acme"), sol.id, priced("30.00"))
    bids.submit_bid(deps, sealer, vendor(deps, "bolt"), sol.id, priced("25.00"))
    open_now(deps, sealer, sol)
    return awards.make_award(deps, PURCHASING, sol.id, responsibility=responsibility)


BOLT = Actor("u", Role.VENDOR, "bolt")


def contracts_in(deps):
    return [e for (kind, _), e in deps.store.items.items() if kind == "contract"]


def to_purchasing(deps):
    return [m for m in deps.notifier.sent if m.to == (deps.mailboxes.purchasing,)]


@pytest.mark.rule("R-8a")
def test_the_award_goes_to_the_lowest_bid_and_starts_one_execution_per_share(deps, sealer, sol):
    awarded, (award,) = make_awards(deps, sealer, sol)
    assert awarded.status is SolicitationStatus.AWARDED and award.share(1).candidate.vendor_id == "V-bolt"
    assert deps.workflows.started[-1] == ("award-acceptance", f"award-{award.id}-1", {"award_id": award.id, "share": 1})
    with pytest.raises(Conflict):
        awards.make_award(deps, PURCHASING, sol.id)


@pytest.mark.rule("R-8b")
def test_rejecting_all_bids_ends_the_invitation_and_tells_the_bidders(deps, sealer, sol):
    bids.submit_bid(deps, sealer, vendor(deps, "acme"), sol.id, bid_body())
    open_now(deps, sealer, sol)
    with pytest.raises(ValidationFailed):
        awards.reject_all(deps, PURCHASING, sol.id, " ")
    ended = awards.reject_all(deps, PURCHASING, sol.id, "All prices above the budget")
    outbox.deliver_due(deps)
    assert ended.status is SolicitationStatus.CANCELLED and "budget" in deps.notifier.sent[-1].text


@pytest.mark.rule("R-9a")
@pytest.mark.rule("R-9g")
def test_the_notice_task_forms_one_contract_and_sends_one_notice_even_if_retried(deps, sealer, sol):
    # Given a firm award
    _, (award,) = make_awards(deps, sealer, sol)
    # When the notice task runs twice (a retry)
    first = awards.notice(deps, "award-x", award.id, 1)
    assert awards.notice(deps, "award-x", award.id, 1) == first == {"conditional": False, "surety_required": False, "seconds": 1}
    # Then one contract exists, recorded with the notice, and one notice was mailed
    (contract,) = contracts_in(deps)
    stored = deps.store.get(Award, award.id)
    assert stored.contract_id == contract.id and contract.contractor_id == "V-bolt" and stored.share(1).noticed_at == OPENING
    notices = [m for m in deps.notifier.sent if m.subject.startswith(f"Notice of award {award.id}")]
    assert len(notices) == 1 and f"forms contract {contract.id}" in notices[0].text
    assert awards.get_contract(deps, BOLT, contract.id) == contract
    with pytest.raises(NotFound):
        awards.get_contract(deps, Actor("u", Role.VENDOR, "acme"), contract.id)


@pytest.mark.rule("R-18a/b")
def test_the_award_and_its_notice_state_the_responsibility_findings_considered(deps, sealer, sol):
    bids.submit_bid(deps, sealer, vendor(deps, "bolt"), sol.id, priced("25.00"))
    open_now(deps, sealer, sol)
    bid_id = next(iter(bids.opened_bids(deps, sol.id))).id
    _, (award,) = awards.make_award(
        deps, PURCHASING, sol.id, responsibility={bid_id: "Financial statements for 2025 reviewed; adequate."}
    )
    awards.notice(deps, "award-x", award.id, 1)
    assert award.share(1).responsibility == "Financial statements for 2025 reviewed; adequate."
    (notice,) = [m for m in deps.notifier.sent if m.subject.startswith("Notice of award")]
    assert "Responsibility findings considered: Financial statements for 2025 reviewed; adequate." in notice.text


@pytest.mark.rule("R-18a/b")
def test_a_responsibility_note_for_a_bid_not_ranked_is_refused_and_nothing_is_stored(deps, sealer, sol):
    bids.submit_bid(deps, sealer, vendor(deps, "bolt"), sol.id, priced("25.00"))
    open_now(deps, sealer, sol)
    before = dict(deps.store.items)
    with pytest.raises(ValidationFailed) as exc:
        awards.make_award(deps, PURCHASING, sol.id, responsibility={"BID-nobody": "fine"})
    assert exc.value.rule == "R-18a/b" and exc.value.details[0]["field"] == "responsibility.BID-nobody"
    assert deps.store.items == before


@pytest.mark.rule("R-9g")
def test_a_refusal_is_recorded_on_the_contract_and_purchasing_is_asked_to_decide(deps, sealer, sol):
    # Given a firm award with surety, its notice sent and the surety wait started
    _, (award,) = make_awards(deps, sealer, sol, surety=Decimal(10))
    awards.notice(deps, "award-x", award.id, 1)
    awards.await_surety(deps, "award-x", award.id, 1, "tok-surety")
    # When the bidder refuses within 10 days
    refused = awards.refuse(deps, BOLT, award.id, "no stock")
    # Then the refusal is on the award and the contract, which stands; the wait ends; purchasing is asked
    (contract,) = contracts_in(deps)
    assert refused.share(1).status.value == "refused" and contract.refused_at == OPENING and contract.status.value == "active"
    assert deps.workflows.failed == [("tok-surety", "AwardRefused", "refused: no stock")]
    (alert,) = to_purchasing(deps)
    assert (
        "refused" in alert.subject and "next ranked eligible bidder" in alert.text and f"/portal/awards/{award.id}" in alert.text
    )
    assert len(refused.shares) == 1  # nobody else is offered it until purchasing decides


@pytest.mark.rule("R-9g")
def test_next_cancels_the_refused_contract_tells_the_refuser_and_starts_the_next_bidders_notice(deps, sealer, sol):
    _, (award,) = make_awards(deps, sealer, sol)
    awards.notice(deps, "award-x", award.id, 1)
    awards.refuse(deps, BOLT, award.id, "no stock")
    with pytest.raises(Forbidden):
        awards.next_bidder(deps, BOLT, award.id)
    moved = awards.next_bidder(deps, PURCHASING, award.id)
    (refused_contract,) = contracts_in(deps)
    assert refused_contract.status.value == "cancelled" and refused_contract.cancellation_ground.value == "refused"
    assert moved.share(2).candidate.vendor_id == "V-acme"
    assert deps.workflows.started[-1][:2] == ("award-acceptance", f"award-{award.id}-2")
    assert deps.notifier.sent[-1].to == ("bids@bolt.example",) and "next ranked bidder" in deps.notifier.sent[-1].text


@pytest.mark.rule("R-8a")
def test_a_vendors_awards_list_the_award_it_was_given_and_then_the_one_passed_on_to_it(deps, sealer, sol):
    # Given bolt's award (the lower bid), refused and passed on to acme by purchasing
    _, (award,) = make_awards(deps, sealer, sol)
    awards.notice(deps, "award-x", award.id, 1)
    ACME = Actor("u", Role.VENDOR, "acme")
    assert awards.vendor_awards(deps, ACME, "V-acme", PageRequest()).items == []
    awards.refuse(deps, BOLT, award.id, "no stock")
    awards.next_bidder(deps, PURCHASING, award.id)
    # Then the award is in bolt's list (refused there) and in acme's, for each vendor and for purchasing
    for actor, vendor_id in ((BOLT, "V-bolt"), (ACME, "V-acme"), (PURCHASING, "V-bolt"), (PURCHASING, "V-acme")):
        listing = awards.vendor_awards(deps, actor, vendor_id, PageRequest())
        assert [a.id for a in listing.items] == [award.id] and listing.next is None
    # And a vendor cannot read another vendor's list
    with pytest.raises(NotFound):
        awards.vendor_awards(deps, BOLT, "V-acme", PageRequest())


@pytest.mark.rule("R-8a")
def test_a_vendors_awards_are_read_in_pages_in_the_order_they_were_made(deps, sealer, sol):
    # Given 5 awards bolt was given a share of, a minute apart (each joins bolt's collection as the award does)
    _, (award,) = make_awards(deps, sealer, sol)
    made = [award]
    for n in range(4):
        deps.clock.advance(minutes=1)
        copy = dataclasses.replace(award, id=f"AW-copy-{n}", created_at=deps.clock.now(), version=0)
        made += deps.store.commit(
            PURCHASING, deps.clock.now(), [Change(action="test", after=copy), *awards.awarded_vendors(copy, copy.shares)]
        )
    # When bolt reads them 2 at a time / Then 3 pages (2, 2, 1) in the order the awards were made
    pages, after = [], ""
    while True:
        listing = awards.vendor_awards(deps, BOLT, "V-bolt", PageRequest(limit=2, after=after))
        pages.append([a.id for a in listing.items])
        if listing.next is None:
            break
        after = listing.next
    assert pages == [[made[0].id, made[1].id], [made[2].id, made[3].id], [made[4].id]]


@pytest.mark.rule("R-9h")
def test_missing_surety_alerts_purchasing_once_and_cancels_nothing(deps, sealer, sol):
    _, (award,) = make_awards(deps, sealer, sol, surety=Decimal(10))
    step = awards.notice(deps, "award-x", award.id, 1)
    assert step["surety_required"] is True and step["seconds"] == 11 * 86400 - 10 * 3600  # to the start of 27 March, local
    awards.await_surety(deps, "award-x", award.id, 1, "tok-1")
    deps.clock.advance(days=11)
    awards.surety_lapsed(deps, "award-x", award.id, 1)
    awards.surety_lapsed(deps, "award-x", award.id, 1)  # a retried task alerts nobody twice
    (alert,) = to_purchasing(deps)
    (contract,) = contracts_in(deps)
    assert "cancel the contract for missing surety" in alert.text and f"/portal/contracts/{contract.id}" in alert.text
    assert contract.status.value == "active"


@pytest.mark.rule("R-9h")
def test_cancellation_for_missing_surety_tells_the_contractor_and_the_award_can_go_to_the_next_bidder(deps, sealer, sol):
    from chalicelib.domain.contracts import CancellationGround

    _, (award,) = make_awards(deps, sealer, sol, surety=Decimal(10))
    awards.notice(deps, "award-x", award.id, 1)
    (contract,) = contracts_in(deps)
    with pytest.raises(Conflict) as early:
        awards.cancel_contract(deps, PURCHASING, contract.id, CancellationGround.MISSING_SURETY, "no bond")
    assert early.value.rule == "R-9h"
    deps.clock.advance(days=11)
    ended = awards.cancel_contract(deps, PURCHASING, contract.id, CancellationGround.MISSING_SURETY, "no bond")
    assert ended.status.value == "cancelled" and f"Contract {contract.id} cancelled" in [m.subject for m in deps.notifier.sent]
    assert awards.next_bidder(deps, PURCHASING, award.id).share(2).candidate.vendor_id == "V-acme"


@pytest.mark.rule("R-8c")
@pytest.mark.rule("R-9a")
def test_accepting_a_conditional_award_forms_the_contract_and_answers_the_waiting_task(deps, sealer, sol):
    bids.submit_bid(deps, sealer, vendor(deps, "bolt"), sol.id, priced("25.00"))
    open_now(deps, sealer, sol)
    deps.clock.advance(days=31)
    _, (award,) = awards.make_award(deps, PURCHASING, sol.id)
    assert awards.notice(deps, "award-x", award.id, 1)["conditional"] is True and contracts_in(deps) == []
    awards.await_acceptance(deps, "award-x", award.id, 1, "tok-1")
    accepted = awards.accept(deps, BOLT, award.id)
    (contract,) = contracts_in(deps)
    assert accepted.contract_id == contract.id and deps.workflows.resumed[-1][0] == "tok-1"
    assert deps.notifier.sent[-2].subject == f"Contract {contract.id} for award {award.id}: Paper" and deps.notifier.sent[
        -2
    ].to == ("bids@bolt.example",)


@pytest.mark.rule("R-9h")
def test_surety_furnished_before_the_wait_starts_lets_the_workflow_go_on(deps, sealer, sol):
    _, (award,) = make_awards(deps, sealer, sol, surety=Decimal(10))
    awards.notice(deps, "award-x", award.id, 1)
    awards.furnish_surety(deps, BOLT, award.id, "certified_check", "406.00", "CC-1")
    awards.await_surety(deps, "award-x", award.id, 1, "tok-2")
    assert deps.workflows.resumed[-1] == ("tok-2", {"surety": True})
    assert any(m.subject.endswith(": performance surety received") for m in deps.notifier.sent)


# -- only a confirmed vendor in good standing bids or answers an award ------------------------------------


def suspend(deps, org):
    vendors.suspend_vendor(deps, PURCHASING, f"V-{org}", "registered another company's name")


@pytest.mark.rule("R-4")
def test_an_unconfirmed_vendor_may_not_bid_and_nothing_is_stored(deps, sealer, sol):
    # Given a registered vendor that has not confirmed its email
    pending = vendor(deps, "pending", status=VendorStatus.PENDING_CONFIRMATION)
    # When it bids / Then Forbidden under R-4, telling it to confirm; no bid is stored
    with pytest.raises(Forbidden) as refused:
        bids.submit_bid(deps, sealer, pending, sol.id, bid_body())
    assert refused.value.rule == "R-4" and "confirmation-code" in refused.value.message
    assert not [e for (kind, _), e in deps.store.items.items() if kind == "bid"]


@pytest.mark.rule("R-4")
def test_a_suspended_vendor_may_not_bid(deps, sealer, sol):
    acme = vendor(deps, "acme")
    suspend(deps, "acme")
    with pytest.raises(Forbidden) as refused:
        bids.submit_bid(deps, sealer, acme, sol.id, bid_body())
    assert refused.value.rule == "R-4" and "suspended" in refused.value.message


@pytest.mark.rule("R-4")
def test_a_suspended_bidder_may_still_withdraw_its_bid(deps, sealer, sol):
    # Given acme bid, then was suspended / When it withdraws before the opening / Then the withdrawal is accepted
    acme = vendor(deps, "acme")
    bid = bids.submit_bid(deps, sealer, acme, sol.id, bid_body()).bid
    suspend(deps, "acme")
    assert bids.withdraw_bid(deps, acme, sol.id, bid.id).status is BidStatus.WITHDRAWN


@pytest.mark.rule("R-4")
def test_a_reinstated_vendor_may_bid_again(deps, sealer, sol):
    acme = vendor(deps, "acme")
    suspend(deps, "acme")
    vendors.reinstate_vendor(deps, PURCHASING, "V-acme")
    assert bids.submit_bid(deps, sealer, acme, sol.id, bid_body()).bid.vendor_id == "V-acme"


@pytest.mark.rule("R-4")
def test_a_suspended_vendor_is_not_invited_to_bid(deps, sol):
    # Given two confirmed vendors of the commodity, one suspended
    vendor(deps, "acme")
    vendor(deps, "bolt")
    suspend(deps, "bolt")
    # When the notice is given / Then only the vendor in good standing is emailed
    solicitations.give_notice(deps, "itb-x", sol.id)
    outbox.deliver_due(deps)
    assert [m.to for m in deps.notifier.sent] == [("bids@acme.example",)]


@pytest.mark.rule("R-4")
def test_a_suspended_awardee_may_not_refuse_nor_furnish_surety(deps, sealer, sol):
    # Given bolt's firm award with surety, then bolt suspended
    _, (award,) = make_awards(deps, sealer, sol, surety=Decimal(10))
    awards.notice(deps, "award-x", award.id, 1)
    suspend(deps, "bolt")
    # When bolt refuses or furnishes surety / Then each is Forbidden under R-4 and the award is unchanged
    before = deps.store.get(Award, award.id)
    for answer in (
        lambda: awards.refuse(deps, BOLT, award.id, "no stock"),
        lambda: awards.furnish_surety(deps, BOLT, award.id, "certified_check", "406.00", "CC-1"),
    ):
        with pytest.raises(Forbidden) as refused:
            answer()
        assert refused.value.rule == "R-4"
    assert deps.store.get(Award, award.id) == before


@pytest.mark.rule("R-4")
def test_a_suspended_awardee_may_not_accept_a_conditional_award(deps, sealer, sol):
    bids.submit_bid(deps, sealer, vendor(deps, "bolt"), sol.id, priced("25.00"))
    open_now(deps, sealer, sol)
    deps.clock.advance(days=31)
    _, (award,) = awards.make_award(deps, PURCHASING, sol.id)
    awards.notice(deps, "award-x", award.id, 1)
    suspend(deps, "bolt")
    with pytest.raises(Forbidden) as refused:
        awards.accept(deps, BOLT, award.id)
    assert refused.value.rule == "R-4" and contracts_in(deps) == []


# -- the State is told where it must act in the award-to-contract flow (R-9a, R-9h) -----------------------------
def to_the_state(deps):
    return [m for m in deps.notifier.sent if deps.mailboxes.purchasing in m.to or deps.mailboxes.agency("DAS") in m.to]


@pytest.mark.rule("R-9a")
@pytest.mark.rule("R-9h")
def test_a_contract_formed_by_the_notice_tells_the_agency_it_may_order_and_purchasing_the_surety_due(deps, sealer, sol):
    # Given a firm award with 10% surety / When its notice forms the contract, even if the task is retried
    _, (award,) = make_awards(deps, sealer, sol, surety=Decimal(10))
    awards.notice(deps, "award-x", award.id, 1)
    awards.notice(deps, "award-x", award.id, 1)
    # Then the agency and purchasing get one email naming the contract, its lines, its total and the surety's last day
    (contract,) = contracts_in(deps)
    (formed,) = to_the_state(deps)
    assert formed.to == ("procurement.das@example.gov", deps.mailboxes.purchasing)
    assert contract.id in formed.subject and "you may now order against the contract" in formed.text
    assert "$4,060.00" in formed.text and "surety of $406.00 by the end of Thursday, March 26, 2026" in formed.text
    assert (
        f"/portal/contracts/{contract.id}" in formed.text
        and f'href="http://127.0.0.1:8000/portal/contracts/{contract.id}"' in formed.html
    )


@pytest.mark.rule("R-9h")
def test_surety_received_asks_purchasing_to_check_the_instrument(deps, sealer, sol):
    # Given a contract awaiting surety / When the contractor furnishes it / Then purchasing is asked to check it
    _, (award,) = make_awards(deps, sealer, sol, surety=Decimal(10))
    awards.notice(deps, "award-x", award.id, 1)
    awards.furnish_surety(deps, BOLT, award.id, "certified_check", "406.00", "CC-1")
    (check,) = [m for m in to_purchasing(deps) if m.subject.startswith("Check the performance surety")]
    assert "certified check" in check.text and "CC-1" in check.text and "Amount: $406.00 (requested: $406.00)" in check.text


@pytest.mark.rule("R-9h")
def test_a_cancelled_contract_tells_the_agency_to_place_no_further_orders(deps, sealer, sol):
    # Given a contract whose surety did not come in 10 days / When purchasing cancels it / Then the agency is told
    from chalicelib.domain.contracts import CancellationGround

    _, (award,) = make_awards(deps, sealer, sol, surety=Decimal(10))
    awards.notice(deps, "award-x", award.id, 1)
    (contract,) = contracts_in(deps)
    deps.clock.advance(days=11)
    awards.cancel_contract(deps, PURCHASING, contract.id, CancellationGround.MISSING_SURETY, "no bond")
    (told,) = [m for m in deps.notifier.sent if m.to == ("procurement.das@example.gov",)]
    assert told.subject == f"Contract {contract.id} with Bolt LLC cancelled: place no further orders"
    assert "for missing surety" in told.text and "no bond" in told.text
