"""Contract amendments signed by purchasing (R-9c) and assignment with purchasing's consent (R-9f)."""

from __future__ import annotations

from chalicelib.domain import performance_changes as rules
from chalicelib.domain.contracts import Contract
from chalicelib.domain.errors import NotFound, ValidationFailed
from chalicelib.domain.performance_changes import ContractAmendment, ContractAssignment, LineChange
from chalicelib.domain.vendors import Vendor, VendorStatus
from chalicelib.services.orders import get_contract, visible_to
from chalicelib.services.ports import Actor, Change, Deps, Email, Role, require_role


def amend_contract(deps: Deps, actor: Actor, contract_id: str, *, changes: list[LineChange], reason: str) -> ContractAmendment:
    """R-9c: only purchasing, for the Commissioner, changes a contract; each amendment is numbered and kept."""
    contract = get_contract(deps, actor, contract_id)
    require_role(actor, Role.PURCHASING)
    now = deps.clock.now()
    amended, amendment = rules.amend(contract, amendment_id=deps.ids.new("AMD"), changes=changes, reason=reason, signed_by=actor.sub, now=now)
    _, amendment = deps.store.commit(actor, now, [Change("contract.amended", amended, contract), Change("contract_amendment.signed", amendment)])
    deps.send_once(f"amendment-{amendment.id}", Email(
        to=(contract.contractor_email,),
        subject=f"Amendment {amendment.number} to contract {contract.id}",
        text="\n".join(
            [f"Contract {contract.id} is amended in writing (amendment {amendment.number}): {amendment.reason}"]
            + [f"  line {a.line_id}: quantity {b.quantity} -> {a.quantity}, unit price {b.unit_price} -> {a.unit_price}"
               for b, a in zip(amendment.lines_before, amendment.lines_after) if a != b]
        ),
    ))
    return amendment


def list_amendments(deps: Deps, actor: Actor, contract_id: str) -> list[ContractAmendment]:
    contract = get_contract(deps, actor, contract_id)
    return list(deps.store.iterate(ContractAmendment, "by_contract", contract.id))


def request_assignment(deps: Deps, actor: Actor, contract_id: str, *, assignee_org: str, reason: str) -> ContractAssignment:
    """R-9f: the contractor asks to assign its contract to another registered vendor."""
    contract = get_contract(deps, actor, contract_id)
    require_role(actor, Role.VENDOR)
    assignee = next(iter(deps.store.iterate(Vendor, "by_org", assignee_org)), None)
    if assignee is None or assignee.status is not VendorStatus.ACTIVE:
        raise ValidationFailed("The assignee must be a registered, confirmed vendor.", rule="R-9f", details=[{"field": "assignee_org", "problem": f"{assignee_org} is not an active vendor"}])
    now = deps.clock.now()
    assignment = rules.request_assignment(
        contract, assignment_id=deps.ids.new("ASG"), assignee_id=assignee.id, assignee_org=assignee.org,
        assignee_name=assignee.legal_name, assignee_email=assignee.contact_email, reason=reason, requested_by=actor.sub, now=now,
    )
    (assignment,) = deps.store.commit(actor, now, [Change("contract_assignment.requested", assignment)])
    return assignment


def decide_assignment(deps: Deps, actor: Actor, assignment_id: str, *, consent: bool, reason: str = "") -> ContractAssignment:
    """R-9f: purchasing consents in writing (the contract then names the assignee) or refuses."""
    require_role(actor, Role.PURCHASING)
    assignment = deps.store.get(ContractAssignment, assignment_id)
    if assignment is None:
        raise NotFound(f"No assignment request {assignment_id}.")
    contract = deps.store.get(Contract, assignment.contract_id)
    now = deps.clock.now()
    decided, assigned = rules.decide_assignment(assignment, contract, consent=consent, reason=reason, decided_by=actor.sub, now=now)
    changes = [Change(f"contract_assignment.{decided.status.value}", decided, assignment)]
    if assigned is not None:
        changes.append(Change("contract.assigned", assigned, contract))
    (decided, *_) = deps.store.commit(actor, now, changes)
    word = "consents to" if consent else "refuses"
    deps.send_once(f"assignment-{decided.id}:decided", Email(
        to=tuple(sorted({contract.contractor_email, decided.assignee_email})),
        subject=f"Assignment of contract {contract.id}: {decided.status.value}",
        text=f"The Commissioner {word} the assignment of contract {contract.id} from {decided.contractor_org} to {decided.assignee_name}. {reason}".strip(),
    ))
    return decided


def get_assignment(deps: Deps, actor: Actor, assignment_id: str) -> ContractAssignment:
    assignment = deps.store.get(ContractAssignment, assignment_id)
    if assignment is None or not (visible_to(actor, assignment.agency, assignment.contractor_org) or (actor.role is Role.VENDOR and actor.org == assignment.assignee_org)):
        raise NotFound(f"No assignment request {assignment_id} is visible to the caller.")
    return assignment
