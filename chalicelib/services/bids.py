"""Sealed bids: submission with a receipt (R-5b), replacement (R-5h), withdrawal (R-5c; after the opening once the
bid no longer binds, R-8c), the opening and public tabulation (R-5n), the receipt of samples (R-7), and purchasing's
determinations (R-19, R-5e, R-8a, R-18a/b)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
from collections.abc import Callable, Iterator

from chalicelib import emails
from chalicelib.domain import bids as rules
from chalicelib.domain import commitment
from chalicelib.domain import solicitations as sol_rules
from chalicelib.domain.bids import Bid, BidAttempt, BidStatus, Finding
from chalicelib.domain.calendar import iso_local, timer_seconds
from chalicelib.domain.errors import AlreadyTaken, Conflict, DeadlinePassed, NotFound, RecordChanged
from chalicelib.domain.solicitations import Solicitation, SolicitationStatus
from chalicelib.domain.vendors import Vendor
from chalicelib.services.ports import (
    FIRST_PAGE,
    Actor,
    Change,
    Deps,
    Guard,
    Listing,
    Member,
    PageRequest,
    Role,
    Send,
    Unchanged,
    Write,
    entity_ref,
    require_role,
    retry_on_conflict,
)
from chalicelib.services.sealed import (
    TIME_RESERVE_MS,
    SealBroken,
    SealedKind,
    Sealer,
    open_sealed,
)
from chalicelib.services.solicitations import load
from chalicelib.services.vendors import acting_vendor, get_vendor, vendor_of


@dataclasses.dataclass(frozen=True)
class Receipt:
    bid: Bid
    corrections: tuple  # R-5l corrections, told to the bidder only


def submit_bid(deps: Deps, sealer: Sealer, actor: Actor, solicitation_id: str, submitted: dict) -> Receipt:
    """Check (R-4, R-5, R-6a), hash and seal, then store: a receipt means the opening will open the bid (R-5b).

    Sealing takes time, so the deadline is checked again when KMS returns, on a fresh read of the solicitation and the
    clock, and the write is one transaction conditioned on that read (the opening changes the solicitation before it
    lists the bids): either the bid is in the solicitation's collection before the opening lists it, or it is refused
    as late and the attempt recorded. A bidder's live bid is replaced, not deleted (R-5h): its live-bid guard passes to
    the new bid in the same transaction, so simultaneous submissions leave one live bid."""
    vendor = acting_vendor(deps, actor)
    sol = public_solicitation(deps, solicitation_id)
    now = deps.clock.now()
    _before_opening(deps, actor, sol, vendor, now, "submit", "a bid or replacement", "R-5b")
    content = rules.check_bid(sol, submitted, now)
    bid_id = deps.ids.new("BID")
    document, salt = commitment.canonical(submitted), deps.ids.salt()
    sealed = sealer.seal(commitment.envelope(document, salt), sol.id, bid_id)

    def store() -> Bid:
        current = public_solicitation(deps, solicitation_id)
        received = deps.clock.now()
        _before_opening(deps, actor, current, vendor, received, "submit", "a bid or replacement", "R-5b")
        previous = live_bid_of(deps, vendor.id, sol.id)
        bid = Bid(
            id=bid_id,
            solicitation_id=sol.id,
            vendor_id=vendor.id,
            vendor_org=vendor.org,
            bidder_name=vendor.legal_name,
            bidder_email=vendor.contact_email,
            received_at=received,
            commitment=commitment.commitment(document, salt),
            sealed=sealed,
            replaces=previous.id if previous else None,
        )
        changes: list[Write] = [
            Change(action="bid.received", after=bid),
            Member(bids_collection(sol.id), bid.id),
            Unchanged(current),
            Guard(live_bid_guard(sol.id, vendor.id), bid.id, handed_over_by=bid.replaces),
        ]
        if previous is not None:
            changes.append(
                Change(
                    action="bid.replaced",
                    after=dataclasses.replace(previous, status=BidStatus.REPLACED, replaced_by=bid.id),
                    before=previous,
                )
            )
        try:
            return deps.store.commit(actor, received, changes)[0]
        except AlreadyTaken:  # another bid of this bidder became live since the guard was read: decide again
            raise RecordChanged(f"Another bid of {vendor.org} for {sol.id} was stored meanwhile; send the bid again.") from None

    return Receipt(retry_on_conflict(store), content.corrections)


def withdraw_bid(deps: Deps, actor: Actor, solicitation_id: str, bid_id: str) -> Bid:
    """R-5c: before opening; after it only once the bid's acceptance period has ended, before the award (R-8c). The
    bid's live-bid guard is released in the same transaction."""
    vendor = vendor_of(deps, actor)

    def withdraw() -> Bid:
        sol = public_solicitation(deps, solicitation_id)
        bid = bid_of(deps, sol.id, bid_id)
        rules.ensure_owner(bid, vendor.id)
        now = deps.clock.now()
        if sol.status is SolicitationStatus.OPENED and bid.status is BidStatus.OPENED:
            try:
                rules.ensure_withdrawable_after_opening(sol, bid, now)
            except rules.BidBinding as exc:
                _record_refusal(deps, actor, sol, vendor, now, "withdraw", exc, "R-8c")
                raise
        else:
            _before_opening(deps, actor, sol, vendor, now, "withdraw", "a withdrawal", "R-5c")
        withdrawn = rules.withdraw(bid, now)
        release = Guard(live_bid_guard(sol.id, vendor.id), bid.id, release=True)
        (withdrawn,) = deps.store.commit(actor, now, [Change(action="bid.withdrawn", after=withdrawn, before=bid), release])
        return withdrawn

    return retry_on_conflict(withdraw)


def get_bid(deps: Deps, actor: Actor, solicitation_id: str, bid_id: str) -> Bid:
    """Before opening the owner sees its receipt (no one can read a sealed bid); after opening purchasing sees all.
    Every read, and purchasing's refused read of a sealed bid, is in the bid's audit trail."""
    sol = public_solicitation(deps, solicitation_id)
    bid = bid_of(deps, sol.id, bid_id)
    if actor.role is Role.VENDOR:
        vendor = vendor_of(deps, actor)
        rules.ensure_owner(bid, vendor.id)
        _record_reads(deps, actor, [bid], "bid.read")
        return bid
    if actor.role is Role.PURCHASING:
        if bid.status is BidStatus.SEALED or sol.opened_at is None:
            _record_reads(deps, actor, [bid], "bid.read_refused")
            raise Conflict(f"Bid {bid.id} is sealed until the opening at {iso_local(sol.opening_at)}.", rule="R-5b")
        _record_reads(deps, actor, [bid], "bid.read")
        return bid
    raise NotFound(f"No bid {bid_id} visible to the caller.")


def vendor_bids(deps: Deps, actor: Actor, vendor_id: str, page: PageRequest) -> Listing[Bid]:
    """A vendor's bids (every solicitation, by solicitation), for the vendor itself and purchasing: one Query of the
    by_vendor index. A sealed bid shows its receipt only, as a single read does (its content exists after the
    opening only, R-5b); every bid listed is a read in its audit trail."""
    vendor = get_vendor(deps, actor, vendor_id)
    found = deps.store.page(Bid, "by_vendor", vendor.id, after=page.after, limit=page.limit)
    _record_reads(deps, actor, found.items, "bid.read_in_list")
    return found


def submission_receipt(deps: Deps, actor: Actor, solicitation_id: str, bid_id: str, submitted: dict) -> Receipt:
    """The answer to a retried submission, re-read by its owner: the bid as stored, with the R-5l corrections
    recomputed from the body sent again (the idempotency layer checked it is the first one). No record keeps the
    corrections: they derive from the sealed prices (R-5b)."""
    bid = get_bid(deps, actor, solicitation_id, bid_id)
    content = rules.check_bid(public_solicitation(deps, solicitation_id), submitted, bid.received_at)
    return Receipt(bid, content.corrections)


def tabulation(
    deps: Deps, solicitation_id: str, actor: Actor | None = None, *, page: PageRequest = FIRST_PAGE
) -> tuple[Solicitation, Listing[Bid]]:
    """R-5n: after the opening, every opened bid (also one withdrawn later, R-8c), page by page in bid id order: one
    Query of the sparse `opened` index, which holds opened bids only. The tabulation is public; a signed-in reader's
    reads are audited like single reads."""
    sol = public_solicitation(deps, solicitation_id)
    if sol.opened_at is None:
        raise Conflict(f"Bids of {sol.id} are sealed until the opening at {iso_local(sol.opening_at)}.", rule="R-5b")
    rows = deps.store.page(Bid, "opened", sol.id, after=page.after, limit=page.limit)
    if actor is not None:
        _record_reads(deps, actor, rows.items, "bid.read_in_tabulation")
    return sol, rows


def _record_reads(deps: Deps, actor: Actor, read: list[Bid], action: str) -> None:
    if read:
        deps.store.record_access(actor, deps.clock.now(), [entity_ref("bid", bid.id) for bid in read], action)


def determine(
    deps: Deps,
    actor: Actor,
    solicitation_id: str,
    bid_id: str,
    finding: Finding,
    text: str,
    *,
    field: str | None = None,
    line_id: str | None = None,
    unit_price: str | None = None,
    factor: str | None = None,
) -> Bid:
    """R-19 / R-5e / R-8a / R-18a/b: a written determination on an opened bid, before the award."""
    require_role(actor, Role.PURCHASING)
    sol = load(deps, solicitation_id)
    if sol.status is not SolicitationStatus.OPENED:
        raise Conflict(
            f"Solicitation {sol.id} is {sol.status.value}; determinations are made between opening and award.", rule="R-19"
        )
    bid = bid_of(deps, sol.id, bid_id)
    now = deps.clock.now()
    decided = rules.determine(
        bid,
        finding,
        text,
        actor.sub,
        now,
        field=field,
        line_id=line_id,
        unit_price=unit_price,
        factor=factor,
        stated_factors=tuple(f.name for f in sol.evaluation_factors),
    )
    (decided,) = deps.store.commit(actor, now, [Change(action=f"bid.determination.{finding.value}", after=decided, before=bid)])
    return decided


def record_sample(deps: Deps, actor: Actor, solicitation_id: str, bid_id: str, received_on: dt.date, description: str) -> Bid:
    """R-7: purchasing records a bidder's sample as received; audited. It does not open or reveal a sealed bid."""
    require_role(actor, Role.PURCHASING)
    sol = load(deps, solicitation_id)
    bid = bid_of(deps, sol.id, bid_id)
    now = deps.clock.now()
    recorded = rules.record_sample(bid, sol, received_on, description, actor.sub, now)
    (recorded,) = deps.store.commit(actor, now, [Change(action="bid.sample_received", after=recorded, before=bid)])
    return recorded


def live_bid_guard(solicitation_id: str, vendor_id: str) -> str:
    """The unique key of a bidder's live bid: one per bidder and solicitation (R-5h)."""
    return f"live-bid#{solicitation_id}#{vendor_id}"


def bids_collection(solicitation_id: str) -> str:
    """The collection every bid of a solicitation joins when it is stored, read strongly consistently."""
    return f"bids-of#{solicitation_id}"


def live_bid_of(deps: Deps, vendor_id: str, solicitation_id: str) -> Bid | None:
    return deps.held(Bid, live_bid_guard(solicitation_id, vendor_id))


def bids_of(deps: Deps, solicitation_id: str, *, after: str = "") -> Iterator[Bid]:
    """Every bid of a solicitation in id order after `after`: the opening and the award see each bid stored before
    them (R-5b, R-8a)."""
    return deps.members_of(Bid, bids_collection(solicitation_id), after=after)


def opened_bids(deps: Deps, solicitation_id: str) -> Iterator[Bid]:
    for bid in bids_of(deps, solicitation_id):
        if bid.status is BidStatus.OPENED:
            yield bid


# -- workflow tasks --------------------------------------------------------------------------------------------
OPENING_BATCH = 1000  # bids per invocation of the opening task: about a second of AWS time, well inside a 60-second Lambda
BIDS = SealedKind(Bid, BidStatus.SEALED, BidStatus.OPENED, "bid.opened")


def open_bids(
    deps: Deps,
    sealer: Sealer,
    execution: str,
    solicitation_id: str,
    *,
    after: str = "",
    opened: int = 0,
    batch: int | None = None,
    time_left: Callable[[], int] | None = None,
) -> dict:
    """R-5b, R-5n: decrypt each sealed bid, check its hash, store its content publicly.

    The bids' ids are paged from their collection after the `after` bid id and opened concurrently (`open_sealed`),
    so memory holds a few transactions' bids whatever the number of bids. At most `batch` bids per call (and never
    closer than 10 s to the Lambda timeout): the answer says `done` or where to continue, and the workflow loops. A
    retry skips bids already opened.

    The first call closes the bids before listing them: it writes the solicitation, so a bid still being sealed,
    whose write is conditioned on the solicitation as read before, is refused as late instead of stored unopened."""
    sol = load(deps, solicitation_id)
    now = deps.clock.now()
    sol_rules.mark_opened(sol, now, 0)  # refuses a cancelled or early opening before touching any bid
    system = Actor.system(execution)
    if not after and sol.status is SolicitationStatus.OPEN:
        deps.store.commit(system, now, [Change(action="solicitation.bids_closed", after=sol, before=sol)])
    ids = deps.store.members(bids_collection(sol.id), after=after)
    page = open_sealed(
        deps,
        system,
        now,
        BIDS,
        ids,
        lambda bid: _opened_bid(sealer, sol, bid, now),
        limit=batch or OPENING_BATCH,
        time_left=time_left,
    )
    opened += page.opened
    last = page.last or after
    if not page.done:
        return {"solicitation_id": sol.id, "done": False, "after": last, "opened": opened}
    current = load(deps, solicitation_id)
    if current.status is SolicitationStatus.OPEN:
        deps.store.commit(
            system, now, [Change(action="solicitation.opened", after=sol_rules.mark_opened(current, now, opened), before=current)]
        )
    return {"solicitation_id": sol.id, "done": True, "after": last, "opened": opened}


def _opened_bid(sealer: Sealer, sol: Solicitation, bid: Bid, now: dt.datetime) -> Bid:
    """The bid decrypted, checked against its receipt's commitment and made public (R-5b, R-5n)."""
    assert bid.sealed is not None  # a sealed bid keeps its envelope until it is opened
    document, salt = commitment.open_envelope(sealer.open(bid.sealed, sol.id, bid.id))
    if not commitment.verifies(document, salt.hex(), bid.commitment):
        raise SealBroken(f"Bid {bid.id} does not match the commitment on its receipt.", rule="R-5b")
    content = rules.check_bid(sol, json.loads(document), bid.received_at)
    return dataclasses.replace(rules.opened(bid, content, sol, now), salt=salt.hex(), document=document.decode())


EMAIL_BATCH = 500


def award_period_seconds(sol: Solicitation, now: dt.datetime) -> int:
    """The award timer's timeout: it ends at the award period's end in calendar days (R-8c), the same instant at which
    the API starts to make awards conditional."""
    ends = sol.award_period_ends_at
    if ends is None:
        raise Conflict(f"Solicitation {sol.id} is not opened: its award period has not begun.", rule="R-8c")
    return timer_seconds(ends, now)


def email_tabulation(
    deps: Deps,
    execution: str,
    solicitation_id: str,
    *,
    after: str = "",
    batch: int | None = None,
    time_left: Callable[[], int] | None = None,
) -> dict:
    """R-5n: each bidder is told the bids are open and where the tabulation is; in batches, like the opening."""
    batch = batch or EMAIL_BATCH
    sol = load(deps, solicitation_id)
    handled, last, mails = 0, after, list[Send]()
    for bid in bids_of(deps, sol.id, after=after):
        if handled >= batch or (time_left is not None and time_left() < TIME_RESERVE_MS):
            deps.send_all(Actor.system(execution), mails)
            return {
                "solicitation_id": sol.id,
                "done": False,
                "after": last,
                "award_period_seconds": award_period_seconds(sol, deps.clock.now()),
            }
        last = bid.id
        if bid.status is not BidStatus.OPENED:
            continue
        handled += 1
        mails.append(
            Send(
                f"{execution}:tabulation:{bid.id}",
                emails.render(
                    "bid_tabulation",
                    to=(bid.bidder_email,),
                    bidder=bid.bidder_name,
                    solicitation={"id": sol.id, "title": sol.title},
                    opened_at=sol.opened_at,
                    bid_count=sol.bid_count,
                    bid_id=bid.id,
                    total=bid.opened_content.total,
                    notes=_evaluation_notes(sol, bid),
                    link=deps.portal.page("solicitations", sol.id, "tabulation"),
                ),
            )
        )
    deps.send_all(Actor.system(execution), mails)
    return {
        "solicitation_id": sol.id,
        "done": True,
        "after": last,
        "award_period_seconds": award_period_seconds(sol, deps.clock.now()),
    }


def _evaluation_notes(sol: Solicitation, bid: Bid) -> dict:
    """The bidder's view of its bid's evaluation flags (rules.opened): what evaluation will look at."""
    content = bid.opened_content
    return {
        "conditional": bool(content.conditions),
        "addenda_missing": [a.number for a in sol.addenda if a.number not in content.addenda_acknowledged],
        "corrections": len(content.corrections),
        "alternates": len(content.alternates),
        "sample_missing": rules.SAMPLE_MISSING in bid.flags,
    }


def _before_opening(deps: Deps, actor: Actor, sol: Solicitation, vendor: Vendor, now, action: str, what: str, rule: str) -> None:
    """Server time decides; a refused late attempt is recorded (R-5b, R-5c) and nothing else changes."""
    try:
        sol_rules.ensure_before_opening(sol, now, what, rule)
    except DeadlinePassed as exc:
        _record_refusal(deps, actor, sol, vendor, now, action, exc, rule)
        raise rules.BidAfterOpening(exc.message, rule=rule, details=exc.details) from None


def _record_refusal(
    deps: Deps, actor: Actor, sol: Solicitation, vendor: Vendor, now, action: str, exc: Conflict, rule: str
) -> None:
    """The refused attempt, with the refusal and the rule it broke."""
    attempt = BidAttempt(deps.ids.new("ATT"), sol.id, vendor.id, action, now, exc.message, rule)
    deps.store.commit(actor, now, [Change(action=f"bid.late_{action}_refused", after=attempt)])


def public_solicitation(deps: Deps, solicitation_id: str) -> Solicitation:
    sol = deps.store.get(Solicitation, solicitation_id)
    if sol is None or not sol.is_public:
        raise NotFound(f"No published solicitation {solicitation_id}.")
    return sol


def bid_of(deps: Deps, solicitation_id: str, bid_id: str) -> Bid:
    bid = deps.store.get(Bid, bid_id)
    if bid is None or bid.solicitation_id != solicitation_id:
        raise NotFound(f"No bid {bid_id} in solicitation {solicitation_id}.")
    return bid
