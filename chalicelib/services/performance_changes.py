"""Contract life after award: the term and its timer, the statement of unordered balances (R-9d/e), ordering
agencies the contractor accepts (R-9b), amendments signed by purchasing that bind on the contractor's acceptance
(R-9c), the 90% report at the end of the term (R-9a), and assignment with purchasing's consent (R-9f)."""

from __future__ import annotations

import datetime as dt

from chalicelib import emails
from chalicelib.domain import performance_changes as rules
from chalicelib.domain.contracts import Contract, ContractLine
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.domain.performance_changes import (
    BalanceLine,
    ContractAmendment,
    ContractAssignment,
    LineChange,
    OrderingAgencyRequest,
    TermShortfallReport,
    UnorderedBalanceStatement,
)
from chalicelib.domain.vendors import Vendor, VendorStatus
from chalicelib.services.contract_terms import start_term_timer
from chalicelib.services.orders import get_contract, orders_of, visible_to
from chalicelib.services.ports import Actor, Change, Deps, Listing, PageRequest, Role, Send, require_role


def _require_contractor(actor: Actor, contract: Contract) -> None:
    require_role(actor, Role.VENDOR)
    if actor.org != contract.contractor_org:
        raise NotFound(f"No contract {contract.id} is visible to the caller.")


# --- term (R-9d/e) and its end (R-9a) -------------------------------------------------------------------------


def set_term(deps: Deps, actor: Actor, contract_id: str, *, start: dt.date, end: dt.date) -> Contract:
    """R-9d: purchasing records the term of a contract that has none; the contract-term timer waits for its end."""
    contract = get_contract(deps, actor, contract_id)
    require_role(actor, Role.PURCHASING)
    now = deps.clock.now()
    (with_term,) = deps.store.commit(
        actor, now, [Change(action="contract.term_set", after=rules.set_term(contract, start=start, end=end), before=contract)]
    )
    start_term_timer(deps, with_term.id, end)
    return with_term


def report_term_end(deps: Deps, execution: str, contract_id: str, term_end: dt.date) -> dict:
    """Workflow task at the end of the term: orders short of 90% of a contract quantity are recorded and reported
    to purchasing and the ordering agencies' contacts (R-9a). Idempotent: the report's id names the term."""
    contract = deps.load(Contract, contract_id)
    orders = orders_of(deps, contract.id)
    if deps.store.get(TermShortfallReport, rules.term_report_id(contract.id, term_end)) is not None:
        return {"contract_id": contract.id, "reported": True}  # a retried task: reported with its email before
    now = deps.clock.now()
    report = rules.term_shortfall(contract, term_end, orders, now)
    if report is None:
        return {"contract_id": contract.id, "reported": False}
    contacts = sorted({o.contact_email for o in orders})
    deps.commit(
        Actor.system(execution),
        now,
        [
            Change(action="contract.term_shortfall_reported", after=report),
            Send(
                f"term-shortfall-{report.id}",
                emails.render(
                    "term_shortfall",
                    to=(deps.mailboxes.purchasing, *contacts),
                    contract_id=contract.id,
                    contractor=contract.contractor_name,
                    term_end=term_end,
                    lines=[
                        {
                            **_described(contract, short.line_id),
                            "ordered": short.ordered,
                            "contract_quantity": short.contract_quantity,
                            "least": short.least,
                        }
                        for short in report.lines
                    ],
                    link=deps.portal.page("contracts", contract.id),
                ),
            ),
        ],
    )
    return {"contract_id": contract.id, "reported": True}


def list_term_reports(deps: Deps, actor: Actor, contract_id: str, page: PageRequest) -> Listing[TermShortfallReport]:
    contract = get_contract(deps, actor, contract_id)
    return deps.store.page(TermShortfallReport, "by_contract", contract.id, after=page.after, limit=page.limit)


def request_balance_statement(deps: Deps, actor: Actor, contract_id: str) -> UnorderedBalanceStatement:
    """R-9e: purchasing asks the contractor, before the end of the term, for its statement of unordered balances."""
    contract = get_contract(deps, actor, contract_id)
    require_role(actor, Role.PURCHASING)
    now = deps.clock.now()
    statement = rules.request_balance_statement(
        contract,
        statement_id=deps.ids.new("UBS"),
        previous=list(deps.store.iterate(UnorderedBalanceStatement, "by_contract", contract.id)),
        requested_by=actor.sub,
        now=now,
    )
    (statement,) = deps.commit(
        actor,
        now,
        [
            Change(action="unordered_balance_statement.requested", after=statement),
            Send(
                f"balance-statement-{statement.id}:requested",
                emails.render(
                    "balance_statement_requested",
                    to=(contract.contractor_email,),
                    contractor=contract.contractor_name,
                    contract_id=contract.id,
                    request_id=statement.id,
                    term_end=contract.term_end,
                    link=deps.portal.page("contracts", contract.id),
                ),
            ),
        ],
    )
    return statement


def state_balances(deps: Deps, actor: Actor, statement_id: str, *, lines: list[BalanceLine]) -> UnorderedBalanceStatement:
    """R-9e: the contractor furnishes the statement before the end of the term."""
    statement = deps.store.get(UnorderedBalanceStatement, statement_id)
    if statement is None or not (actor.role is Role.VENDOR and actor.org == statement.contractor_org):
        raise NotFound(f"No statement request {statement_id} is visible to the caller.")
    contract = deps.load(Contract, statement.contract_id)
    now = deps.clock.now()
    stated = rules.state_balances(statement, contract, lines=lines, stated_by=actor.sub, now=now)
    (stated,) = deps.store.commit(
        actor, now, [Change(action="unordered_balance_statement.stated", after=stated, before=statement)]
    )
    return stated


def list_balance_statements(deps: Deps, actor: Actor, contract_id: str, page: PageRequest) -> Listing[UnorderedBalanceStatement]:
    contract = get_contract(deps, actor, contract_id)
    return deps.store.page(UnorderedBalanceStatement, "by_contract", contract.id, after=page.after, limit=page.limit)


# --- ordering agencies (R-9b) ---------------------------------------------------------------------------------


def request_ordering_agency(deps: Deps, actor: Actor, contract_id: str, *, agency: str | None = None) -> OrderingAgencyRequest:
    """R-9b: an agency not named in the contract asks to order against it (or purchasing asks for it); the
    contractor is asked to accept."""
    require_role(actor, Role.AGENCY, Role.PURCHASING)
    ordering_agency = actor.org if actor.role is Role.AGENCY else agency
    if not ordering_agency or (actor.role is Role.AGENCY and agency not in (None, actor.org)):
        raise ValidationFailed(
            "Name the agency that will order (an agency asks for itself).",
            rule="R-9b",
            details=[{"field": "agency", "problem": "must be the caller's agency, or given by purchasing"}],
        )
    contract = deps.load(Contract, contract_id)
    now = deps.clock.now()
    request = rules.request_ordering_agency(
        contract,
        request_id=deps.ids.new("OAR"),
        ordering_agency=ordering_agency,
        previous=list(deps.store.iterate(OrderingAgencyRequest, "by_contract", contract.id)),
        requested_by=actor.sub,
        now=now,
    )
    (request,) = deps.commit(
        actor,
        now,
        [
            Change(action="ordering_agency.requested", after=request),
            Send(
                f"ordering-agency-{request.id}:requested",
                emails.render(
                    "ordering_agency_requested",
                    to=(contract.contractor_email,),
                    contractor=contract.contractor_name,
                    contract_id=contract.id,
                    agency=ordering_agency,
                    request_id=request.id,
                    link=deps.portal.page("contracts", contract.id),
                ),
            ),
        ],
    )
    return request


def decide_ordering_agency(deps: Deps, actor: Actor, request_id: str, *, accept: bool, reason: str = "") -> OrderingAgencyRequest:
    """R-9b: the contractor accepts (the agency may then order) or refuses; the acceptance is recorded."""
    request = deps.store.get(OrderingAgencyRequest, request_id)
    if request is None or not (actor.role is Role.VENDOR and actor.org == request.contractor_org):
        raise NotFound(f"No ordering-agency request {request_id} is visible to the caller.")
    contract = deps.load(Contract, request.contract_id)
    now = deps.clock.now()
    decided, accepted = rules.decide_ordering_agency(
        request, contract, accept=accept, reason=reason, decided_by=actor.sub, now=now
    )
    changes = [Change(action=f"ordering_agency.{decided.status.value}", after=decided, before=request)]
    if accepted is not None:
        changes.append(Change(action="contract.ordering_agency_added", after=accepted, before=contract))
    (decided, *_) = deps.store.commit(actor, now, changes)
    return decided


def list_ordering_agency_requests(
    deps: Deps, actor: Actor, contract_id: str, page: PageRequest
) -> Listing[OrderingAgencyRequest]:
    contract = get_contract(deps, actor, contract_id)
    return deps.store.page(OrderingAgencyRequest, "by_contract", contract.id, after=page.after, limit=page.limit)


# --- amendments (R-9c) ----------------------------------------------------------------------------------------


def amend_contract(
    deps: Deps, actor: Actor, contract_id: str, *, changes: list[LineChange], term_end: dt.date | None = None, reason: str
) -> ContractAmendment:
    """R-9c: only purchasing, for the Commissioner, writes an amendment; each is numbered and kept, and binds
    once the contractor accepts it."""
    contract = get_contract(deps, actor, contract_id)
    require_role(actor, Role.PURCHASING)
    now = deps.clock.now()
    numbered, amendment = rules.amend(
        contract,
        amendment_id=deps.ids.new("AMD"),
        changes=changes,
        term_end=term_end,
        outstanding=list(deps.store.iterate(ContractAmendment, "by_contract", contract.id)),
        reason=reason,
        signed_by=actor.sub,
        now=now,
    )
    changed = [
        {
            "line": after.line_id,
            "description": line.description,
            "unit": line.unit,
            "quantity": (before.quantity, after.quantity),
            "unit_price": (before.unit_price, after.unit_price),
        }
        for before, after in zip(amendment.lines_before, amendment.lines_after)
        if after != before and (line := contract.line(after.line_id)) is not None
    ]
    term = (
        (amendment.term_end_before, amendment.term_end_after) if amendment.term_end_after != amendment.term_end_before else None
    )
    _, amendment = deps.commit(
        actor,
        now,
        [
            Change(action="contract.amendment_numbered", after=numbered, before=contract),
            Change(action="contract_amendment.signed", after=amendment),
            Send(
                f"amendment-{amendment.id}",
                emails.render(
                    "contract_amendment_signed",
                    to=(contract.contractor_email,),
                    contractor=contract.contractor_name,
                    contract_id=contract.id,
                    number=amendment.number,
                    reason=amendment.reason,
                    lines=changed,
                    term=term,
                    link=deps.portal.page("contracts", contract.id),
                ),
            ),
        ],
    )
    return amendment


def decide_amendment(
    deps: Deps, actor: Actor, contract_id: str, amendment_id: str, *, accept: bool, reason: str = ""
) -> ContractAmendment:
    """R-9c: the contractor's acceptance applies the amendment to the contract; an extended term gets its timer."""
    contract = get_contract(deps, actor, contract_id)
    _require_contractor(actor, contract)
    amendment = deps.store.get(ContractAmendment, amendment_id)
    if amendment is None or amendment.contract_id != contract.id:
        raise NotFound(f"No amendment {amendment_id} of contract {contract.id}.")
    now = deps.clock.now()
    decided, amended = rules.decide_amendment(amendment, contract, accept=accept, reason=reason, decided_by=actor.sub, now=now)
    changes = [Change(action=f"contract_amendment.{decided.status.value}", after=decided, before=amendment)]
    if amended is not None:
        changes.append(Change(action="contract.amended", after=amended, before=contract))
    decided, *stored = deps.commit(
        actor,
        now,
        [
            *changes,
            Send(
                f"amendment-{decided.id}:{decided.status.value}",
                emails.render(
                    "contract_amendment_decided",
                    to=(deps.mailboxes.purchasing,),
                    contractor=contract.contractor_name,
                    contract_id=contract.id,
                    number=decided.number,
                    accepted=accept,
                    reason=reason.strip(),
                    link=deps.portal.page("contracts", contract.id),
                ),
            ),
        ],
    )
    extended = decided.term_end_after
    if stored and extended is not None and extended != decided.term_end_before:
        start_term_timer(deps, contract.id, extended)
    return decided


def amendment_lines(
    deps: Deps, contract_id: str, amendments: list[ContractAmendment]
) -> dict[str, tuple[tuple[ContractLine, ...], tuple[ContractLine, ...]]]:
    """The contract's lines before and after each of `amendments` (rules.amendment_lines), from the contract and its
    other amendments as stored; `amendments` as given (just written, or a page read)."""
    contract = deps.load(Contract, contract_id)
    known = {a.id: a for a in deps.store.iterate(ContractAmendment, "by_contract", contract_id)} | {a.id: a for a in amendments}
    return rules.amendment_lines(contract, list(known.values()))


def list_amendments(deps: Deps, actor: Actor, contract_id: str, page: PageRequest) -> Listing[ContractAmendment]:
    contract = get_contract(deps, actor, contract_id)
    return deps.store.page(ContractAmendment, "by_contract", contract.id, after=page.after, limit=page.limit)


def request_assignment(deps: Deps, actor: Actor, contract_id: str, *, assignee_org: str, reason: str) -> ContractAssignment:
    """R-9f: the contractor asks to assign its contract to another registered vendor."""
    contract = get_contract(deps, actor, contract_id)
    require_role(actor, Role.VENDOR)
    assignee = next(iter(deps.store.iterate(Vendor, "by_org", assignee_org)), None)
    if assignee is None or assignee.status is not VendorStatus.ACTIVE or assignee.suspended:
        raise ValidationFailed(
            "The assignee must be a registered, confirmed vendor in good standing.",
            rule="R-9f",
            details=[{"field": "assignee_org", "problem": f"{assignee_org} is not an active vendor"}],
        )
    now = deps.clock.now()
    assignment = rules.request_assignment(
        contract,
        assignment_id=deps.ids.new("ASG"),
        assignee_id=assignee.id,
        assignee_org=assignee.org,
        assignee_name=assignee.legal_name,
        assignee_email=assignee.contact_email,
        reason=reason,
        requested_by=actor.sub,
        now=now,
    )
    (assignment,) = deps.store.commit(actor, now, [Change(action="contract_assignment.requested", after=assignment)])
    return assignment


def decide_assignment(deps: Deps, actor: Actor, assignment_id: str, *, consent: bool, reason: str = "") -> ContractAssignment:
    """R-9f: purchasing consents in writing (the contract then names the assignee) or refuses."""
    require_role(actor, Role.PURCHASING)
    assignment = deps.store.get(ContractAssignment, assignment_id)
    if assignment is None:
        raise NotFound(f"No assignment request {assignment_id}.")
    contract = deps.load(Contract, assignment.contract_id)
    now = deps.clock.now()
    decided, assigned = rules.decide_assignment(
        assignment, contract, consent=consent, reason=reason, decided_by=actor.sub, now=now
    )
    changes = [Change(action=f"contract_assignment.{decided.status.value}", after=decided, before=assignment)]
    if assigned is not None:
        changes.append(Change(action="contract.assigned", after=assigned, before=contract))
    (decided, *_) = deps.commit(
        actor,
        now,
        [
            *changes,
            Send(
                f"assignment-{decided.id}:decided",
                emails.render(
                    "assignment_decided",
                    to=tuple(sorted({contract.contractor_email, decided.assignee_email})),
                    contract_id=contract.id,
                    contractor=contract.contractor_name,
                    assignee=decided.assignee_name,
                    consent=consent,
                    reason=reason.strip(),
                    link=deps.portal.page("contracts", contract.id),
                ),
            ),
        ],
    )
    return decided


def get_assignment(deps: Deps, actor: Actor, assignment_id: str) -> ContractAssignment:
    assignment = deps.store.get(ContractAssignment, assignment_id)
    if assignment is None or not (
        visible_to(actor, assignment.agency, assignment.contractor_org)
        or (actor.role is Role.VENDOR and actor.org == assignment.assignee_org)
    ):
        raise NotFound(f"No assignment request {assignment_id} is visible to the caller.")
    return assignment


def _described(contract: Contract, line_id: str) -> dict:
    line = next(line for line in contract.lines if line.line_id == line_id)
    return {"line": line.line_id, "description": line.description, "unit": line.unit}
