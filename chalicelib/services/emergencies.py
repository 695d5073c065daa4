"""Emergency purchases (R-20): the agency's record; up to $600 approved by its head beforehand (or without prior
approval where that was not practical) forms the contract at once; otherwise the purchase awaits purchasing's
approval, purchasing is emailed, and no contract exists (so nothing can be ordered) until purchasing approves; the
record of approved purchases is public."""

from __future__ import annotations

from chalicelib import emails
from chalicelib.domain import emergencies as rules
from chalicelib.domain.contracts import Contract
from chalicelib.domain.emergencies import Emergency, EmergencyPurchase, EmergencyStatus
from chalicelib.domain.errors import NotFound
from chalicelib.domain.solicitations import Solicitation
from chalicelib.services.ports import (
    Actor,
    Change,
    Deps,
    Listing,
    PageRequest,
    Role,
    Send,
    Write,
    require_role,
    retry_on_conflict,
)
from chalicelib.services.vendors import named_contractor


def record(deps: Deps, actor: Actor, emergency: Emergency, contractor_id: str) -> EmergencyPurchase:
    """R-20c, R-20f: the agency's record; its contract formed in the same commit when the agency may proceed, else
    purchasing is emailed to approve first."""
    require_role(actor, Role.AGENCY)
    now = deps.clock.now()
    contractor = named_contractor(deps, contractor_id, rules.RULE)
    failed = emergency.failed_solicitation
    purchase = rules.record(
        purchase_id=deps.ids.new("EP"),
        agency=actor.org,
        emergency=emergency,
        contractor=contractor,
        failed=deps.store.get(Solicitation, failed.solicitation_id) if failed else None,
        now=now,
        recorded_by=actor.sub,
    )
    if purchase.status is EmergencyStatus.AWAITING_APPROVAL:
        changes: list[Write] = [
            Change(action="emergency.recorded", after=purchase),
            Send(f"{purchase.id}:approval", _approval_needed_email(deps, purchase)),
        ]
    else:
        purchase, formed = rules.contract_for(purchase, contractor, deps.ids.new("CT"), now)
        changes = [Change(action="emergency.recorded", after=purchase), Change(action="contract.created", after=formed)]
    stored, *_ = deps.commit(actor, now, changes)
    return stored


def get(deps: Deps, actor: Actor, purchase_id: str) -> EmergencyPurchase:
    """Purchasing and the recording agency."""
    found = deps.store.get(EmergencyPurchase, purchase_id)
    if found is None or not (actor.role is Role.PURCHASING or (actor.role is Role.AGENCY and actor.org == found.agency)):
        raise NotFound(f"No emergency purchase {purchase_id} visible to the caller.")
    return found


def approve(deps: Deps, actor: Actor, purchase_id: str) -> EmergencyPurchase:
    """R-20c: the Commissioner's approval forms the contract; the agency is told it may order."""
    require_role(actor, Role.PURCHASING)

    def decide() -> EmergencyPurchase:
        current = get(deps, actor, purchase_id)
        now = deps.clock.now()
        approved, formed = rules.contract_for(
            rules.approve(current, now, actor.sub),
            named_contractor(deps, current.contractor_id, rules.RULE),
            deps.ids.new("CT"),
            now,
        )
        stored, *_ = deps.commit(
            actor,
            now,
            [
                Change(action="emergency.approved", after=approved, before=current),
                Change(action="contract.created", after=formed),
                Send(f"{current.id}:decided", _decided_email(deps, approved, formed)),
            ],
        )
        return stored

    return retry_on_conflict(decide)


def deny(deps: Deps, actor: Actor, purchase_id: str, reason: str) -> EmergencyPurchase:
    """R-20c: not approved; no contract is formed and the agency is told why."""
    require_role(actor, Role.PURCHASING)

    def decide() -> EmergencyPurchase:
        current = get(deps, actor, purchase_id)
        denied = rules.deny(current, reason)
        (stored,) = deps.commit(
            actor,
            deps.clock.now(),
            [
                Change(action="emergency.denied", after=denied, before=current),
                Send(f"{current.id}:decided", _decided_email(deps, denied, None)),
            ],
        )
        return stored

    return retry_on_conflict(decide)


def register(deps: Deps, page: PageRequest) -> Listing[EmergencyPurchase]:
    """R-20f: the record of emergency procurements with a contract; public."""
    return deps.store.page(EmergencyPurchase, "register", "approved", after=page.after, limit=page.limit)


# -- emails --------------------------------------------------------------------------------------------------------
def _facts(purchase: EmergencyPurchase) -> dict:
    e = purchase.emergency
    return {
        "id": purchase.id,
        "agency": purchase.agency,
        "contractor": purchase.contractor_name,
        "threat": e.threat,
        "why_not_normal": e.why_not_normal,
        "limited_to_need": e.limited_to_need,
        "selection_basis": e.selection_basis,
        "quotations": [{"vendor": q.vendor, "amount": q.amount} for q in e.quotations],
        "competition_statement": e.competition_statement,
        "lines": [
            {
                "line": n,
                "description": i.description,
                "quantity": i.quantity,
                "unit": i.unit,
                "unit_price": i.unit_price,
                "total": i.extension,
            }
            for n, i in enumerate(e.items, start=1)
        ],
        "amount": purchase.amount,
    }


def _approval_needed_email(deps: Deps, purchase: EmergencyPurchase):
    """Purchasing must approve before the procurement (R-20c)."""
    return emails.render(
        "emergency_approval_needed",
        to=(deps.mailboxes.purchasing,),
        purchase=_facts(purchase),
        link=deps.portal.page("emergency-purchases", purchase.id),
    )


def _decided_email(deps: Deps, purchase: EmergencyPurchase, formed: Contract | None):
    return emails.render(
        "emergency_decided",
        to=(deps.mailboxes.agency(purchase.agency),),
        purchase=_facts(purchase),
        approved=formed is not None,
        contract_id=formed.id if formed else None,
        reason=purchase.denied_reason,
        link=deps.portal.page("emergency-purchases", purchase.id),
    )
