"""Purchase requisitions (R-3): the agency's requisition received by the Bureau, the Bureau's pre-itemized form
returned by the agency, the link to the invitation to bid or request for proposals it feeds, filled or cancelled.

Each pre-itemized form starts one `requisition-return` execution: the reminder to the agency at the start of the
third day before the return due date, and the overdue notice to purchasing and the agency at the first instant after
it, each only if the form is still not returned by then.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from chalicelib import emails
from chalicelib.domain import calendar
from chalicelib.domain import requisitions as rules
from chalicelib.domain.contracts import Contract
from chalicelib.domain.errors import Forbidden, NotFound, ValidationFailed
from chalicelib.domain.requisitions import Requisition, RequisitionLine, RequisitionStatus
from chalicelib.domain.rfps import Rfp, RfpStatus
from chalicelib.domain.solicitations import Solicitation, SolicitationStatus
from chalicelib.services.ports import (
    Actor,
    Change,
    Deps,
    Listing,
    PageRequest,
    Role,
    Send,
    Unchanged,
    require_role,
    retry_on_conflict,
)

PROCESS = "requisition-return"
LINKABLE_SOLICITATIONS = frozenset({SolicitationStatus.DRAFT, SolicitationStatus.OPEN})
LINKABLE_RFPS = frozenset({RfpStatus.DRAFT, RfpStatus.OPEN})


def return_execution(requisition_id: str) -> str:
    return f"requisition-return-{requisition_id}"


# -- commands ----------------------------------------------------------------------------------------


def submit(
    deps: Deps,
    actor: Actor,
    *,
    description: str,
    lines: list[RequisitionLine],
    needed_by: dt.date,
    commodity_codes: list[str],
    not_covered_statement: bool,
) -> Requisition:
    """R-3(a)/(b): the agency's purchase requisition, received by the Bureau of Purchases."""
    require_role(actor, Role.AGENCY)
    now = deps.clock.now()
    requisition = rules.new_requisition(
        requisition_id=deps.ids.new("REQ"),
        agency=actor.org,
        created_by=actor.sub,
        description=description,
        lines=lines,
        needed_by=needed_by,
        commodity_codes=commodity_codes,
        not_covered_statement=not_covered_statement,
        now=now,
    )
    (stored,) = deps.commit(
        actor, now, [Change(action="requisition.received", after=requisition), _received_send(deps, requisition)]
    )
    return stored


def issue_pre_itemized(
    deps: Deps,
    actor: Actor,
    *,
    agency: str,
    description: str,
    items: list[RequisitionLine],
    commodity_codes: list[str],
    return_due_on: dt.date,
) -> Requisition:
    """R-3(c): the Bureau forwards its form to the agency, emailed with the items and the due date; the timer starts."""
    require_role(actor, Role.PURCHASING)
    now = deps.clock.now()
    requisition = rules.issue_pre_itemized(
        requisition_id=deps.ids.new("REQ"),
        agency=agency,
        created_by=actor.sub,
        description=description,
        items=items,
        commodity_codes=commodity_codes,
        return_due_on=return_due_on,
        now=now,
    )
    issued = _agency_send(deps, requisition, f"requisition-issued:{requisition.id}", "requisition_form_issued")
    (stored,) = deps.commit(actor, now, [Change(action="requisition.issued", after=requisition), issued])
    assert requisition.reminder_at is not None and requisition.return_due_at is not None  # pre-itemized
    deps.workflows.start(
        PROCESS,
        return_execution(stored.id),
        {
            "requisition_id": stored.id,
            "remind_at": calendar.iso_utc(requisition.reminder_at),
            "due_at": calendar.iso_utc(requisition.return_due_at),
        },
    )
    return stored


def return_form(
    deps: Deps, actor: Actor, requisition_id: str, quantities: list[tuple[int, Decimal]], needed_by: dt.date | None
) -> Requisition:
    """R-3(c): the agency records its requirements on the Bureau's form and returns it."""
    require_role(actor, Role.AGENCY)

    def give_back() -> Requisition:
        requisition = get(deps, actor, requisition_id)
        now = deps.clock.now()
        returned = rules.return_form(requisition, quantities, needed_by, actor.sub, now)
        (stored,) = deps.commit(
            actor,
            now,
            [Change(action="requisition.returned", after=returned, before=requisition), _received_send(deps, returned)],
        )
        return stored

    return retry_on_conflict(give_back)


def link(deps: Deps, actor: Actor, requisition_id: str, *, solicitation_id: str | None, rfp_id: str | None) -> Requisition:
    """The requisition feeds an invitation to bid or a request for proposals not yet opened (several may feed one)."""
    require_role(actor, Role.PURCHASING)

    def attach() -> Requisition:
        requisition = get(deps, actor, requisition_id)
        now = deps.clock.now()
        linked = rules.link_to_solicitation(requisition, solicitation_id=solicitation_id, rfp_id=rfp_id, now=now)
        target = _open_solicitation(deps, solicitation_id) if solicitation_id is not None else _open_rfp(deps, rfp_id)
        (stored,) = deps.store.commit(
            actor, now, [Change(action="requisition.in_solicitation", after=linked, before=requisition), Unchanged(target)]
        )
        return stored

    return retry_on_conflict(attach)


def fill(deps: Deps, actor: Actor, requisition_id: str, *, contract_id: str | None, order_reference: str | None) -> Requisition:
    """The contract the solicitation formed, or an order, covers the requisition."""
    require_role(actor, Role.PURCHASING)

    def close() -> Requisition:
        requisition = get(deps, actor, requisition_id)
        now = deps.clock.now()
        filled = rules.fill(requisition, contract_id=contract_id, order_reference=order_reference, now=now)
        if contract_id is not None and deps.store.get(Contract, contract_id) is None:
            raise ValidationFailed(
                f"No contract {contract_id}.", rule=rules.RULE, details=[{"field": "contract_id", "problem": "no such contract"}]
            )
        (stored,) = deps.store.commit(actor, now, [Change(action="requisition.filled", after=filled, before=requisition)])
        return stored

    return retry_on_conflict(close)


def cancel(deps: Deps, actor: Actor, requisition_id: str, reason: str) -> Requisition:
    """The agency withdraws its requisition, or purchasing cancels it, with the reason."""
    require_role(actor, Role.AGENCY, Role.PURCHASING)

    def withdraw() -> Requisition:
        requisition = get(deps, actor, requisition_id)
        now = deps.clock.now()
        cancelled = rules.cancel(requisition, reason, now, by_bureau=actor.role is Role.PURCHASING)
        (stored,) = deps.commit(
            actor,
            now,
            [Change(action="requisition.cancelled", after=cancelled, before=requisition), _cancelled_send(deps, cancelled)],
        )
        return stored

    return retry_on_conflict(withdraw)


# -- queries -----------------------------------------------------------------------------------------


def get(deps: Deps, actor: Actor, requisition_id: str) -> Requisition:
    """Purchasing and the requisition's agency see it; anyone else is told it does not exist."""
    requisition = deps.store.get(Requisition, requisition_id)
    if requisition is None or not _may_see(actor, requisition):
        raise NotFound(f"No requisition {requisition_id}.")
    return requisition


def listing(
    deps: Deps,
    actor: Actor,
    page: PageRequest,
    *,
    agency: str | None = None,
    status: RequisitionStatus | None = None,
    solicitation_id: str | None = None,
    rfp_id: str | None = None,
) -> Listing[Requisition]:
    """Requisitions oldest first: those feeding one solicitation, or by agency and status. An agency sees its own;
    purchasing with no filter sees its queue, the received requisitions."""
    require_role(actor, Role.AGENCY, Role.PURCHASING)
    if actor.role is Role.AGENCY:
        if agency not in (None, actor.org):
            raise Forbidden(f"Agency {actor.org} sees only its own requisitions.")
        agency = actor.org
    target = rules.solicitation_key(solicitation_id, rfp_id)
    if target is not None:
        keep = None if agency is None and status is None else _matching(agency, status)
        return deps.store.page(Requisition, "by_solicitation", target, after=page.after, limit=page.limit, where=keep)
    if agency is not None and status is not None:
        return deps.store.page(Requisition, "by_agency_status", f"{agency}#{status.value}", after=page.after, limit=page.limit)
    if agency is not None:
        return deps.store.page(Requisition, "by_agency", agency, after=page.after, limit=page.limit)
    chosen = status or RequisitionStatus.RECEIVED
    return deps.store.page(Requisition, "by_status", chosen.value, after=page.after, limit=page.limit)


def _matching(agency: str | None, status: RequisitionStatus | None):
    def keep(requisition: Requisition) -> bool:
        return (agency is None or requisition.agency == agency) and (status is None or requisition.status is status)

    return keep


def _may_see(actor: Actor, requisition: Requisition) -> bool:
    return actor.role is Role.PURCHASING or (actor.role is Role.AGENCY and actor.org == requisition.agency)


def _open_solicitation(deps: Deps, solicitation_id: str) -> Solicitation:
    solicitation = deps.store.get(Solicitation, solicitation_id)
    if solicitation is None or solicitation.status not in LINKABLE_SOLICITATIONS:
        raise ValidationFailed(
            f"No invitation to bid {solicitation_id} in draft or open: a requisition feeds one not yet opened.",
            rule=rules.RULE,
            details=[{"field": "solicitation_id", "problem": "no draft or open invitation to bid with this id"}],
        )
    return solicitation


def _open_rfp(deps: Deps, rfp_id: str | None) -> Rfp:
    rfp = None if rfp_id is None else deps.store.get(Rfp, rfp_id)
    if rfp is None or rfp.status not in LINKABLE_RFPS:
        raise ValidationFailed(
            f"No request for proposals {rfp_id} in draft or open: a requisition feeds one not yet opened.",
            rule=rules.RULE,
            details=[{"field": "rfp_id", "problem": "no draft or open request for proposals with this id"}],
        )
    return rfp


# -- the requisition-return timer --------------------------------------------------------------------


def remind_agency(deps: Deps, execution: str, requisition_id: str) -> dict:
    """At the start of the third day before the due date: the agency is reminded, unless it returned the form."""
    requisition = deps.load(Requisition, requisition_id)
    now = deps.clock.now()
    reminded = rules.mark_reminded(requisition, now)
    if reminded is None:
        return {"sent": False}
    if reminded is not requisition:  # else a retried task: written with its email before
        deps.commit(
            Actor.system(execution),
            now,
            [
                Change(action="requisition.reminder_sent", after=reminded, before=requisition),
                _agency_send(deps, requisition, f"{execution}:reminder", "requisition_return_reminder"),
            ],
        )
    return {"sent": True}


def notice_overdue(deps: Deps, execution: str, requisition_id: str) -> dict:
    """At the first instant after the due date: purchasing and the agency are told the form was not returned."""
    requisition = deps.load(Requisition, requisition_id)
    now = deps.clock.now()
    overdue = rules.mark_overdue(requisition, now)
    if overdue is None:
        return {"sent": False}
    if overdue is not requisition:  # else a retried task: written with its email before
        to = (deps.mailboxes.purchasing, deps.mailboxes.agency(requisition.agency))
        deps.commit(
            Actor.system(execution),
            now,
            [
                Change(action="requisition.return_overdue", after=overdue, before=requisition),
                Send(f"{execution}:overdue", emails.render("requisition_return_overdue", to=to, **_facts(deps, requisition))),
            ],
        )
    return {"sent": True}


def _received_send(deps: Deps, requisition: Requisition) -> Send:
    """The Bureau must act on a requisition it receives (R-3(b)), or on a form returned to it (R-3(c))."""
    facts = {
        "requisition_id": requisition.id,
        "agency": requisition.agency,
        "description": requisition.description,
        "lines": [line.__dict__ for line in requisition.lines],
        "estimated_total": requisition.estimated_total,
        "needed_by": requisition.needed_by,
        "returned": requisition.returned_at is not None,
        "late": requisition.returned_late,
        "link": deps.portal.page("requisitions", requisition.id),
    }
    to = (deps.mailboxes.purchasing,)
    return Send(f"requisition-received:{requisition.id}", emails.render("requisition_received", to=to, **facts))


def _cancelled_send(deps: Deps, requisition: Requisition) -> Send:
    """The other side learns of a cancellation: the agency when the Bureau cancels, the Bureau when the agency does."""
    by_bureau = requisition.cancelled_by_bureau
    to = (deps.mailboxes.agency(requisition.agency),) if by_bureau else (deps.mailboxes.purchasing,)
    facts = {
        "requisition_id": requisition.id,
        "agency": requisition.agency,
        "description": requisition.description,
        "reason": requisition.cancel_reason,
        "by_bureau": by_bureau,
        "link": deps.portal.page("requisitions", requisition.id),
    }
    return Send(f"requisition-cancelled:{requisition.id}", emails.render("requisition_cancelled", to=to, **facts))


def _agency_send(deps: Deps, requisition: Requisition, key: str, template: str) -> Send:
    to = (deps.mailboxes.agency(requisition.agency),)
    return Send(key, emails.render(template, to=to, **_facts(deps, requisition)))


def _facts(deps: Deps, requisition: Requisition) -> dict:
    """A pre-itemized form as its emails name it."""
    return {
        "requisition_id": requisition.id,
        "agency": requisition.agency,
        "description": requisition.description,
        "items": [{"line": line.line, "description": line.description, "unit": line.unit} for line in requisition.lines],
        "return_due": requisition.return_due_at,
        "link": deps.portal.page("requisitions", requisition.id),
    }
