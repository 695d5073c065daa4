"""Vendor registration and the onboarding workflow (confirmation email, 7-day reminder); purchasing's view of
duplicate registrations and its suspension of a vendor (R-4)."""

from __future__ import annotations

import dataclasses
import heapq
import itertools

from chalicelib import emails
from chalicelib.domain import vendors as rules
from chalicelib.domain.errors import AlreadyTaken, Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.vendors import Vendor, VendorCommodity, notice_ranges
from chalicelib.services.ports import (
    Actor,
    Change,
    Deps,
    Email,
    Guard,
    Listing,
    PageRequest,
    Role,
    Send,
    require_role,
    retry_on_conflict,
)

ONBOARDING = "vendor-onboarding"


def register_vendor(
    deps: Deps,
    actor: Actor,
    *,
    legal_name: str,
    fein: str,
    contact_email: str,
    commodity_codes: list[str],
) -> Vendor:
    """A vendor organisation registers once, and a FEIN once (R-4): guards on both, written with the vendor, make it
    so even for simultaneous requests; the onboarding workflow then asks it to confirm its email."""
    require_role(actor, Role.VENDOR)

    def register() -> Vendor:
        now = deps.clock.now()
        vendor = rules.new_vendor(
            vendor_id=deps.ids.new("V"),
            org=actor.org,
            legal_name=legal_name,
            fein=fein,
            contact_email=contact_email,
            commodity_codes=commodity_codes,
            now=now,
            confirmation_code=deps.ids.secret(6),
        )
        vendor, *_ = deps.store.commit(
            actor,
            now,
            [
                *vendor_changes(deps, "vendor.registered", vendor),
                Guard(org_guard(actor.org), vendor.id),
                Guard(fein_guard(vendor.fein), vendor.id),
            ],
        )
        return vendor

    try:
        vendor = retry_on_conflict(register)
    except AlreadyTaken as taken:
        raise _registration_refused(actor, taken) from None
    reminder_after = int((vendor.reminder_due_at - vendor.registered_at).total_seconds())
    deps.workflows.start(ONBOARDING, f"vendor-{vendor.id}", {"vendor_id": vendor.id, "reminder_after_seconds": reminder_after})
    return vendor


def _registration_refused(actor: Actor, taken: AlreadyTaken) -> Conflict:
    """The organisation's own vendor is named to it; another company's registration of the FEIN is not."""
    if taken.key == org_guard(actor.org):
        return Conflict(
            f"Organisation {actor.org} is already registered as vendor {taken.held_by}.", details=[{"vendor_id": taken.held_by}]
        )
    return Conflict(
        "A vendor with this FEIN is already registered: one registration per FEIN (R-4). If it is yours, act through "
        "that registration; otherwise ask the Bureau of Purchases.",
        rule="R-4",
        details=[{"field": "fein", "problem": "already registered"}],
    )


def org_guard(org: str) -> str:
    """The unique key of a vendor organisation: one vendor per organisation."""
    return f"vendor-org#{org}"


def fein_guard(fein: str) -> str:
    """The unique key of a company: one vendor per FEIN (normalised, 9 digits)."""
    return f"vendor-fein#{fein}"


def get_vendor(deps: Deps, actor: Actor, vendor_id: str) -> Vendor:
    """The vendor itself and purchasing may read a registration; others are told it does not exist."""
    vendor = deps.store.get(Vendor, vendor_id)
    if vendor is None or not (actor.role is Role.PURCHASING or (actor.role is Role.VENDOR and actor.org == vendor.org)):
        raise NotFound(f"No vendor {vendor_id} is visible to the caller.")
    return vendor


def confirm_vendor(deps: Deps, actor: Actor, vendor_id: str, code: str) -> Vendor:
    """Every attempt is recorded in the audit trail, failed ones included, before a refusal is answered."""
    vendor = get_vendor(deps, actor, vendor_id)
    require_role(actor, Role.VENDOR)
    now = deps.clock.now()
    attempt = rules.attempt_confirmation(vendor, code, now)
    action = "vendor.confirmed" if attempt.refusal is None else "vendor.confirmation_refused"
    stored, *_ = deps.store.commit(actor, now, vendor_changes(deps, action, attempt.vendor, vendor))
    if attempt.refusal is not None:
        raise attempt.refusal
    if vendor.confirmation_token:
        deps.workflows.resume(vendor.confirmation_token, {"vendor_id": vendor.id, "confirmed": True})
    return stored


def duplicates(deps: Deps, actor: Actor, page: PageRequest) -> Listing[list[Vendor]]:
    """Purchasing's list of vendors sharing a normalised legal name, each group in registration order, groups in name
    order after the name `page.after`. Reads the by_status partitions, each sorted by normalised name (Query, never
    Scan) from that name on, merged into one order; a page ends where the next group begins, so a group is never split.
    A page may read every name after the cursor to find its groups, as the whole list did before."""
    require_role(actor, Role.PURCHASING)
    standings = [status.value for status in rules.VendorStatus] + [rules.SUSPENDED]
    after = (f"{page.after}#\uffff", "\uffff") if page.after else None
    in_name_order = heapq.merge(
        *(deps.store.iterate(Vendor, "by_status", standing, sk_between=after) for standing in standings),
        key=lambda v: f"{v.name_key}#{v.id}",  # the index sort key: each partition's own order
    )
    groups = (list(group) for _, group in itertools.groupby(in_name_order, key=lambda v: v.name_key))
    shared = (sorted(group, key=lambda v: (v.registered_at, v.id)) for group in groups if len(group) > 1)
    found = list(itertools.islice(shared, page.limit + 1))
    shown = found[: page.limit]
    return Listing(shown, shown[-1][0].name_key if len(found) > page.limit else None)


def suspend_vendor(deps: Deps, actor: Actor, vendor_id: str, reason: str) -> Vendor:
    """Purchasing suspends a vendor, stating why (audited): it may not bid or answer an award, nor is it invited
    to bid, until reinstated (R-4)."""
    require_role(actor, Role.PURCHASING)
    return retry_on_conflict(
        lambda: _decide(deps, actor, vendor_id, "vendor.suspended", lambda v, now: rules.suspend(v, reason, now))
    )


def reinstate_vendor(deps: Deps, actor: Actor, vendor_id: str) -> Vendor:
    """Purchasing lifts a suspension (audited); the vendor is as it was before it."""
    require_role(actor, Role.PURCHASING)
    return retry_on_conflict(lambda: _decide(deps, actor, vendor_id, "vendor.reinstated", lambda v, now: rules.reinstate(v)))


def _decide(deps: Deps, actor: Actor, vendor_id: str, action: str, decision) -> Vendor:
    vendor = deps.load(Vendor, vendor_id)
    now = deps.clock.now()
    decided, *_ = deps.store.commit(actor, now, vendor_changes(deps, action, decision(vendor, now), vendor))
    return decided


def change_commodity_codes(deps: Deps, actor: Actor, vendor_id: str, commodity_codes: list[str]) -> Vendor:
    """The vendor chooses anew what it is invited to bid on (R-4): its rows of the notice index move with it."""
    get_vendor(deps, actor, vendor_id)
    require_role(actor, Role.VENDOR)
    return retry_on_conflict(
        lambda: _decide(
            deps,
            actor,
            vendor_id,
            "vendor.commodity_codes_changed",
            lambda v, now: rules.change_commodity_codes(v, commodity_codes),
        )
    )


def vendor_changes(deps: Deps, action: str, after: Vendor, before: Vendor | None = None) -> list[Change]:
    """The vendor's change and the rows of the notice index it moves, for one transaction (R-4: only an active
    vendor is invited, to its codes): only the rows whose code or address changes are read and written."""
    slots = max(len(after.commodity_codes), len(before.commodity_codes) if before else 0)
    held, wanted = rules.commodity_rows(before, slots), rules.commodity_rows(after, slots)
    moved = [w for n, w in enumerate(wanted) if n >= len(held) or held[n] != w]
    stored = {}  # a new vendor has no rows yet
    if before is not None and moved:
        stored = {r.id: r for r in deps.store.get_many(VendorCommodity, [r.id for r in moved])}
    rows = [
        Change(action="vendor.notice_index", after=row, before=stored.get(row.id))
        for row in moved
        if row.id in stored or row.code is not None  # a slot never listed needs no row
    ]
    return [Change(action=action, after=after, before=before), *rows]


def reissue_confirmation_code(deps: Deps, actor: Actor, vendor_id: str) -> Vendor:
    """A new code, emailed to the contact address: the old one stops working."""
    vendor = get_vendor(deps, actor, vendor_id)
    require_role(actor, Role.VENDOR)
    now = deps.clock.now()
    reissued = rules.reissue_code(vendor, deps.ids.secret(6), now)
    reissued, *_ = deps.commit(
        actor,
        now,
        [
            *vendor_changes(deps, "vendor.confirmation_code_reissued", reissued, vendor),
            Send(
                f"vendor-{vendor.id}:code:{vendor.version + 1}",
                _code_email(deps, reissued, reissued=True),
            ),
        ],
    )
    return reissued


def _code_email(deps: Deps, vendor: Vendor, *, reissued: bool) -> Email:
    """R-4: the code that confirms a registration; a vendor whose registration is confirmed is invited to bid."""
    return emails.render(
        "vendor_confirmation_code",
        to=(vendor.contact_email,),
        reissued=reissued,
        vendor_id=vendor.id,
        legal_name=vendor.legal_name,
        code=vendor.confirmation_code,
        expires_at=vendor.code_expires_at,
        attempts=rules.CONFIRMATION_ATTEMPTS,
        commodity_codes=list(vendor.commodity_codes),
        link=deps.portal.page("vendors", vendor.id, "confirm"),
    )


def request_confirmation(deps: Deps, execution: str, vendor_id: str, task_token: str) -> None:
    """Workflow task: keep the token for the confirm call and email the code (once)."""
    vendor = deps.load(Vendor, vendor_id)
    if vendor.status is rules.VendorStatus.ACTIVE:
        deps.workflows.resume(task_token, {"vendor_id": vendor.id, "confirmed": True})
        return
    now = deps.clock.now()
    waiting = dataclasses.replace(vendor, confirmation_token=task_token)
    deps.commit(
        Actor.system(execution),
        now,
        [
            *vendor_changes(deps, "vendor.confirmation_requested", waiting, vendor),
            Send(f"{execution}:confirmation", _code_email(deps, vendor, reissued=False)),
        ],
    )


def send_confirmation_reminder(deps: Deps, execution: str, vendor_id: str) -> dict:
    """Workflow task after 7 days without confirmation, with a new code (the first one lived a day). Raises
    AlreadyConfirmed if the confirmation came meanwhile."""
    vendor = deps.load(Vendor, vendor_id)
    if vendor.reminder_sent_at is None:  # a retried task: the reminder was written with its first run
        now = deps.clock.now()
        reminded = rules.reissue_code(rules.mark_reminded(vendor, now), deps.ids.secret(6), now)
        deps.commit(
            Actor.system(execution),
            now,
            [
                *vendor_changes(deps, "vendor.reminder_sent", reminded, vendor),
                Send(
                    f"{execution}:reminder",
                    emails.render(
                        "vendor_confirmation_reminder",
                        to=(reminded.contact_email,),
                        vendor_id=vendor.id,
                        legal_name=vendor.legal_name,
                        registered_at=vendor.registered_at,
                        code=reminded.confirmation_code,
                        expires_at=reminded.code_expires_at,
                        link=deps.portal.page("vendors", vendor.id, "confirm"),
                    ),
                ),
            ],
        )
    return {"vendor_id": vendor.id, "reminded": True}


def named_contractor(deps: Deps, vendor_id: str, rule: str) -> Vendor:
    """The registered vendor a request names as its contractor (sole source, emergency); an unknown one is a 400 under
    the request's rule, naming `contractor_id`."""
    vendor = deps.store.get(Vendor, vendor_id)
    if vendor is None:
        raise ValidationFailed(
            f"No registered vendor {vendor_id}.", rule=rule, details=[{"field": "contractor_id", "problem": "unknown vendor"}]
        )
    return vendor


def vendor_of(deps: Deps, actor: Actor) -> Vendor:
    require_role(actor, Role.VENDOR)
    vendor = next(deps.store.iterate(Vendor, "by_org", actor.org, limit=1), None)
    if vendor is None:
        raise Forbidden(f"Organisation {actor.org} is not a registered vendor; register with POST /vendors first.", rule="R-4")
    return vendor


def acting_vendor(deps: Deps, actor: Actor) -> Vendor:
    """The caller's vendor when it bids or answers an award: confirmed and not suspended (R-4). Reading its own
    records and withdrawing a bid need no more than `vendor_of`."""
    return rules.ensure_may_act(vendor_of(deps, actor))


def commodity_vendors_page(deps: Deps, codes: tuple[str, ...], cursor: str, size: int) -> tuple[list[str], str | None]:
    """R-4: a page of the addresses of the active vendors of a matching commodity, the notice of an invitation to bid
    and of a request for proposals: read from the notice index's matching key ranges only, one after the other
    (cursor `<range>|<position in it>`). A vendor with several matching codes is in several rows; the broadcast writes
    one email per address (its key names the address)."""
    ranges = notice_ranges(codes)
    at, _, after = (cursor or "0|").partition("|")
    n, addresses = int(at), list[str]()
    while n < len(ranges) and len(addresses) < size:
        commodity_class, prefix = ranges[n]
        found = deps.store.page(
            VendorCommodity, "by_class", commodity_class, after=after, limit=size - len(addresses), sk_begins_with=prefix
        )
        addresses += [row.contact_email for row in found.items]
        if found.next:
            return addresses, f"{n}|{found.next}"
        n, after = n + 1, ""
    return addresses, (f"{n}|" if n < len(ranges) else None)
