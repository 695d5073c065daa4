"""Changes to a contract after award: written amendments signed for the Commissioner (R-9c) and assignment
only with the Commissioner's prior written consent (R-9f). `purchasing` acts for the Commissioner."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain.contracts import Contract, ContractLine
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.orders import require_active


@dataclass(frozen=True)
class LineChange:
    line_id: str
    quantity: Decimal | None = None
    unit_price: Decimal | None = None


@dataclass(frozen=True)
class ContractAmendment:
    """One written amendment: the contract's lines before and after, numbered in order (R-9c)."""

    id: str
    contract_id: str
    number: int
    agency: str
    contractor_org: str
    reason: str
    lines_before: tuple[ContractLine, ...]
    lines_after: tuple[ContractLine, ...]
    signed_by: str
    signed_at: dt.datetime
    version: int = 0


def amend(contract: Contract, *, amendment_id: str, changes: list[LineChange], reason: str, signed_by: str, now: dt.datetime) -> tuple[Contract, ContractAmendment]:
    """R-9c: quantities or prices change only by a numbered written amendment; the contract keeps its number."""
    require_active(contract, "R-9c")
    problems = []
    if not reason.strip():
        problems.append({"field": "reason", "problem": "must not be blank"})
    if not changes:
        problems.append({"field": "lines", "problem": "at least one line change is needed"})
    by_id = {}
    for i, change in enumerate(changes):
        if contract.line(change.line_id) is None:
            problems.append({"field": f"lines[{i}].line_id", "problem": f"{change.line_id} is not a line of the contract"})
        if change.line_id in by_id:
            problems.append({"field": f"lines[{i}].line_id", "problem": "listed twice"})
        if change.quantity is None and change.unit_price is None:
            problems.append({"field": f"lines[{i}]", "problem": "change the quantity, the unit price or both"})
        if change.quantity is not None and change.quantity <= 0:
            problems.append({"field": f"lines[{i}].quantity", "problem": "must be greater than 0"})
        if change.unit_price is not None and change.unit_price < 0:
            problems.append({"field": f"lines[{i}].unit_price", "problem": "must not be negative"})
        by_id[change.line_id] = change
    if problems:
        raise ValidationFailed("The amendment is invalid.", rule="R-9c", details=problems)
    lines = tuple(
        dataclasses.replace(
            line,
            quantity=by_id[line.line_id].quantity if line.line_id in by_id and by_id[line.line_id].quantity is not None else line.quantity,
            unit_price=by_id[line.line_id].unit_price if line.line_id in by_id and by_id[line.line_id].unit_price is not None else line.unit_price,
        )
        for line in contract.lines
    )
    number = contract.amendment_number + 1
    amended = dataclasses.replace(contract, lines=lines, amendment_number=number)
    record = ContractAmendment(
        id=amendment_id, contract_id=contract.id, number=number, agency=contract.agency,
        contractor_org=contract.contractor_org, reason=reason.strip(), lines_before=contract.lines, lines_after=lines,
        signed_by=signed_by, signed_at=now,
    )
    return amended, record


class AssignmentStatus(str, enum.Enum):
    REQUESTED = "requested"
    CONSENTED = "consented"
    REFUSED = "refused"


@dataclass(frozen=True)
class ContractAssignment:
    """The contractor's request to assign the contract; it takes effect only with purchasing's consent (R-9f)."""

    id: str
    contract_id: str
    agency: str
    contractor_org: str  # the assignor
    assignee_id: str
    assignee_org: str
    assignee_name: str
    assignee_email: str
    reason: str
    requested_at: dt.datetime
    requested_by: str
    status: AssignmentStatus = AssignmentStatus.REQUESTED
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    decision_reason: str | None = None
    version: int = 0


def request_assignment(
    contract: Contract, *, assignment_id: str, assignee_id: str, assignee_org: str, assignee_name: str,
    assignee_email: str, reason: str, requested_by: str, now: dt.datetime,
) -> ContractAssignment:
    require_active(contract, "R-9f")
    if assignee_org == contract.contractor_org:
        raise ValidationFailed("A contract cannot be assigned to its own contractor.", rule="R-9f", details=[{"field": "assignee_org", "problem": "is the current contractor"}])
    if not reason.strip():
        raise ValidationFailed("An assignment request must state its reason.", rule="R-9f", details=[{"field": "reason", "problem": "must not be blank"}])
    return ContractAssignment(
        id=assignment_id, contract_id=contract.id, agency=contract.agency, contractor_org=contract.contractor_org,
        assignee_id=assignee_id, assignee_org=assignee_org, assignee_name=assignee_name, assignee_email=assignee_email,
        reason=reason.strip(), requested_at=now, requested_by=requested_by,
    )


def decide_assignment(
    assignment: ContractAssignment, contract: Contract, *, consent: bool, reason: str, decided_by: str, now: dt.datetime,
) -> tuple[ContractAssignment, Contract | None]:
    """R-9f: the Commissioner's written consent moves the contract to the assignee; a refusal changes nothing."""
    if assignment.status is not AssignmentStatus.REQUESTED:
        raise Conflict(f"Assignment {assignment.id} was already {assignment.status.value}.", rule="R-9f")
    if contract.contractor_org != assignment.contractor_org:
        raise Conflict(f"Contract {contract.id} is no longer held by {assignment.contractor_org}.", rule="R-9f")
    if not consent and not reason.strip():
        raise ValidationFailed("A refusal must state its reason.", rule="R-9f", details=[{"field": "reason", "problem": "must not be blank"}])
    decided = dataclasses.replace(
        assignment, status=AssignmentStatus.CONSENTED if consent else AssignmentStatus.REFUSED, decided_by=decided_by,
        decided_at=now, decision_reason=reason.strip() or None,
    )
    if not consent:
        return decided, None
    require_active(contract, "R-9f")
    assigned = dataclasses.replace(
        contract, contractor_id=assignment.assignee_id, contractor_org=assignment.assignee_org,
        contractor_name=assignment.assignee_name, contractor_email=assignment.assignee_email,
    )
    return decided, assigned
