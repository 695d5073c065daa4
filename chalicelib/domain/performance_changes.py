"""Changes to a contract after award: its term and the statement of unordered balances (R-9d/e), agencies not
named that the contractor accepts (R-9b), written amendments signed for the Commissioner that bind once the
contractor accepts them (R-9c), the report of orders short of 90% at the end of the term (R-9a), and assignment
only with the Commissioner's prior written consent (R-9f). `purchasing` acts for the Commissioner."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain import calendar
from chalicelib.domain.contracts import Contract, ContractLine, ContractStatus, closing_of, require_active
from chalicelib.domain.errors import Conflict, DeadlinePassed, ValidationFailed
from chalicelib.domain.orders import PurchaseOrder, Shortfall, shortfalls


class Decision(str, enum.Enum):
    """The contractor's answer to an amendment (R-9c) or to an agency not named in the contract (R-9b)."""

    AWAITING = "awaiting_acceptance"
    ACCEPTED = "accepted"
    REFUSED = "refused"


def _ruled(accept: bool, reason: str, rule: str) -> Decision:
    if not accept and not reason.strip():
        raise ValidationFailed(
            "A refusal must state its reason.", rule=rule, details=[{"field": "reason", "problem": "must not be blank"}]
        )
    return Decision.ACCEPTED if accept else Decision.REFUSED


# --- term (R-9d/e) --------------------------------------------------------------------------------------------


def set_term(contract: Contract, *, start: dt.date, end: dt.date) -> Contract:
    """R-9d: purchasing records the contract's term once; later it changes only by an accepted amendment (R-9c)."""
    require_active(contract, "R-9d/e")
    if contract.term_start is not None and contract.term_end is not None:
        raise Conflict(
            f"Contract {contract.id} already runs from {contract.term_start.isoformat()} to {contract.term_end.isoformat()}; "
            f"its term changes only by an amendment the contractor accepts.",
            rule="R-9c",
        )
    if end < start:
        raise ValidationFailed(
            "The term must end on or after its start.",
            rule="R-9d/e",
            details=[{"field": "end", "problem": f"must be on or after {start.isoformat()}"}],
        )
    return dataclasses.replace(contract, term_start=start, term_end=end)


def _require_before_term_end(contract: Contract, now: dt.datetime, what: str) -> None:
    end = contract.term_end
    if end is None:
        raise Conflict(f"Contract {contract.id} has no term yet; purchasing records it first.", rule="R-9d/e")
    if now >= closing_of(end):
        raise DeadlinePassed(
            f"{what} before the end of the term, {end.isoformat()}.",
            rule="R-9d/e",
            details=[{"field": "contract_id", "problem": f"term ended {end.isoformat()}"}],
        )


@dataclass(frozen=True)
class BalanceLine:
    line_id: str
    unordered: Decimal


@dataclass(frozen=True)
class UnorderedBalanceStatement:
    """R-9e: purchasing asks before the end of the term; the contractor states each line's unordered balance."""

    id: str
    contract_id: str
    agency: str
    contractor_org: str
    requested_by: str
    requested_at: dt.datetime
    lines: tuple[BalanceLine, ...] = ()
    stated_by: str | None = None
    stated_at: dt.datetime | None = None
    version: int = 0


def request_balance_statement(
    contract: Contract, *, statement_id: str, previous: list[UnorderedBalanceStatement], requested_by: str, now: dt.datetime
) -> UnorderedBalanceStatement:
    require_active(contract, "R-9d/e")
    _require_before_term_end(contract, now, "The statement of unordered balances is requested")
    open_request = next((p for p in previous if p.stated_at is None), None)
    if open_request is not None:
        raise Conflict(
            f"Statement {open_request.id} requested on {calendar.iso_local(open_request.requested_at)} is not stated yet.",
            rule="R-9d/e",
        )
    return UnorderedBalanceStatement(statement_id, contract.id, contract.agency, contract.contractor_org, requested_by, now)


def state_balances(
    statement: UnorderedBalanceStatement, contract: Contract, *, lines: list[BalanceLine], stated_by: str, now: dt.datetime
) -> UnorderedBalanceStatement:
    """R-9e: the contractor furnishes the statement before the termination of the contract, one figure per line."""
    if statement.stated_at is not None:
        raise Conflict(f"Statement {statement.id} was stated on {calendar.iso_local(statement.stated_at)}.", rule="R-9d/e")
    _require_before_term_end(contract, now, "The statement of unordered balances is furnished")
    problems = []
    given = [line.line_id for line in lines]
    for i, line in enumerate(lines):
        if contract.line(line.line_id) is None or given.count(line.line_id) > 1:
            problems.append(
                {"field": f"lines[{i}].line_id", "problem": f"{line.line_id} is not a contract line, or is listed twice"}
            )
        if line.unordered < 0:
            problems.append({"field": f"lines[{i}].unordered", "problem": "must not be negative"})
    problems += [{"field": "lines", "problem": f"line {c.line_id} is missing"} for c in contract.lines if c.line_id not in given]
    if problems:
        raise ValidationFailed(
            "The statement gives each contract line's unordered balance once.", rule="R-9d/e", details=problems
        )
    return dataclasses.replace(statement, lines=tuple(lines), stated_by=stated_by, stated_at=now)


@dataclass(frozen=True)
class TermShortfallReport:
    """R-9a: at the end of the term, the lines whose orders fell short of 90% of the contract quantity.
    Its id names the contract and the term end, so a retried timer records it once."""

    id: str
    contract_id: str
    agency: str
    contractor_org: str
    term_end: dt.date
    lines: tuple[Shortfall, ...]
    reported_at: dt.datetime
    version: int = 0


def term_report_id(contract_id: str, term_end: dt.date) -> str:
    return f"{contract_id}-term-{term_end.isoformat()}"


def term_shortfall(
    contract: Contract, term_end: dt.date, orders: list[PurchaseOrder], now: dt.datetime
) -> TermShortfallReport | None:
    """R-9a: the report due when the term ending on `term_end` is over; None when the term was extended
    meanwhile (its own timer reports), the contract is no longer active, or every line reached 90%."""
    if contract.term_end != term_end or contract.status is not ContractStatus.ACTIVE or now < closing_of(term_end):
        return None
    short = shortfalls(contract, orders)
    if not short:
        return None
    return TermShortfallReport(
        term_report_id(contract.id, term_end), contract.id, contract.agency, contract.contractor_org, term_end, short, now
    )


# --- ordering agencies (R-9b) ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class OrderingAgencyRequest:
    """R-9b: an agency not named in the contract asks to order against it; the contractor accepts or refuses."""

    id: str
    contract_id: str
    agency: str  # the agency named in the contract
    contractor_org: str
    ordering_agency: str
    requested_by: str
    requested_at: dt.datetime
    status: Decision = Decision.AWAITING
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    decision_reason: str | None = None
    version: int = 0


def request_ordering_agency(
    contract: Contract,
    *,
    request_id: str,
    ordering_agency: str,
    previous: list[OrderingAgencyRequest],
    requested_by: str,
    now: dt.datetime,
) -> OrderingAgencyRequest:
    require_active(contract, "R-9b")
    if ordering_agency in contract.ordering_agencies:
        raise Conflict(f"Agency {ordering_agency} already orders against contract {contract.id}.", rule="R-9b")
    if any(p.ordering_agency == ordering_agency and p.status is Decision.AWAITING for p in previous):
        raise Conflict(f"The request for agency {ordering_agency} awaits the contractor's answer.", rule="R-9b")
    return OrderingAgencyRequest(
        request_id, contract.id, contract.agency, contract.contractor_org, ordering_agency, requested_by, now
    )


def decide_ordering_agency(
    request: OrderingAgencyRequest, contract: Contract, *, accept: bool, reason: str, decided_by: str, now: dt.datetime
) -> tuple[OrderingAgencyRequest, Contract | None]:
    """R-9b: with the contractor's acceptance the agency becomes an ordering agency of the contract."""
    if request.status is not Decision.AWAITING:
        raise Conflict(f"Request {request.id} was already {request.status.value}.", rule="R-9b")
    decided = dataclasses.replace(
        request,
        status=_ruled(accept, reason, "R-9b"),
        decided_by=decided_by,
        decided_at=now,
        decision_reason=reason.strip() or None,
    )
    if not accept:
        return decided, None
    require_active(contract, "R-9b")
    return decided, dataclasses.replace(contract, accepted_agencies=contract.accepted_agencies + (request.ordering_agency,))


@dataclass(frozen=True)
class LineChange:
    line_id: str
    quantity: Decimal | None = None
    unit_price: Decimal | None = None


@dataclass(frozen=True)
class LineTerms:
    """A contract line's quantity and unit price: what an amendment changes (R-9c). Its description and unit stay the
    contract's, which no amendment changes."""

    line_id: str
    quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class ContractAmendment:
    """One written amendment: the terms of the lines it changes and the term end, before and after, numbered in order
    (R-9c). Every amendment changes the contractor's obligations, so it binds only once the contractor accepts it.
    It keeps only the lines it changes (at most a request's 200), not the contract's: the contract's lines before and
    after it are rebuilt from the contract (`amendment_lines`), so its creation fits one transaction with the
    contract's."""

    id: str
    contract_id: str
    number: int
    agency: str
    contractor_org: str
    reason: str
    lines_before: tuple[LineTerms, ...]  # the lines it changes, as they were
    lines_after: tuple[LineTerms, ...]  # ... and as it makes them
    signed_by: str
    signed_at: dt.datetime
    term_end_before: dt.date | None = None
    term_end_after: dt.date | None = None  # R-9d: an extension of the term
    status: Decision = Decision.AWAITING
    decided_by: str | None = None
    decided_at: dt.datetime | None = None
    decision_reason: str | None = None
    version: int = 0


def _amended(line: ContractLine, change: LineChange | None) -> ContractLine:
    """The line with the quantity and unit price the amendment changes; the others as they were."""
    if change is None:
        return line
    return dataclasses.replace(
        line,
        quantity=line.quantity if change.quantity is None else change.quantity,
        unit_price=line.unit_price if change.unit_price is None else change.unit_price,
    )


def amend(
    contract: Contract,
    *,
    amendment_id: str,
    changes: list[LineChange],
    term_end: dt.date | None = None,
    outstanding: list[ContractAmendment],
    reason: str,
    signed_by: str,
    now: dt.datetime,
) -> tuple[Contract, ContractAmendment]:
    """R-9c: quantities, prices or the term end (R-9d) change only by a numbered written amendment, which takes
    effect when the contractor accepts it; the contract only takes the amendment's number now. One amendment
    awaits acceptance at a time, so each is judged against the contract it was written for."""
    require_active(contract, "R-9c")
    awaiting = next((a for a in outstanding if a.status is Decision.AWAITING), None)
    if awaiting is not None:
        raise Conflict(
            f"Amendment {awaiting.number} of contract {contract.id} awaits the contractor's acceptance.",
            rule="R-9c",
            details=[{"amendment_id": awaiting.id}],
        )
    problems = []
    if not reason.strip():
        problems.append({"field": "reason", "problem": "must not be blank"})
    if not changes and term_end is None:
        problems.append({"field": "lines", "problem": "change at least one line or the term end"})
    if term_end is not None and contract.term_end is None:
        problems.append({"field": "term_end", "problem": "the contract has no term yet; purchasing records it first"})
    elif term_end is not None and contract.term_end is not None and term_end <= contract.term_end:
        problems.append({"field": "term_end", "problem": f"an extension must end after {contract.term_end.isoformat()}"})
    by_id: dict[str, LineChange] = {}
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
    changed = [(line, _amended(line, by_id[line.line_id])) for line in contract.lines if line.line_id in by_id]
    number = contract.amendment_number + 1
    record = ContractAmendment(
        id=amendment_id,
        contract_id=contract.id,
        number=number,
        agency=contract.agency,
        contractor_org=contract.contractor_org,
        reason=reason.strip(),
        lines_before=tuple(_terms(before) for before, _ in changed),
        lines_after=tuple(_terms(after) for _, after in changed),
        signed_by=signed_by,
        signed_at=now,
        term_end_before=contract.term_end,
        term_end_after=term_end or contract.term_end,
    )
    return dataclasses.replace(contract, amendment_number=number), record


def decide_amendment(
    amendment: ContractAmendment, contract: Contract, *, accept: bool, reason: str, decided_by: str, now: dt.datetime
) -> tuple[ContractAmendment, Contract | None]:
    """R-9c: the contractor's acceptance makes the amendment binding: the contract takes its lines and term end."""
    if amendment.status is not Decision.AWAITING:
        raise Conflict(f"Amendment {amendment.number} was already {amendment.status.value}.", rule="R-9c")
    decided = dataclasses.replace(
        amendment,
        status=_ruled(accept, reason, "R-9c"),
        decided_by=decided_by,
        decided_at=now,
        decision_reason=reason.strip() or None,
    )
    if not accept:
        return decided, None
    require_active(contract, "R-9c")
    current = {line.line_id: _terms(line) for line in contract.lines}
    if any(current.get(t.line_id) != t for t in amendment.lines_before) or contract.term_end != amendment.term_end_before:
        raise Conflict(f"Contract {contract.id} changed since amendment {amendment.number} was written.", rule="R-9c")
    lines = _with_terms(contract.lines, amendment.lines_after)
    return decided, dataclasses.replace(contract, lines=lines, term_end=amendment.term_end_after)


def _terms(line: ContractLine) -> LineTerms:
    return LineTerms(line.line_id, line.quantity, line.unit_price)


def _with_terms(lines: tuple[ContractLine, ...], terms: tuple[LineTerms, ...]) -> tuple[ContractLine, ...]:
    """The lines with the quantities and unit prices of `terms`; the others as they are."""
    by_id = {t.line_id: t for t in terms}
    return tuple(
        line
        if (t := by_id.get(line.line_id)) is None
        else dataclasses.replace(line, quantity=t.quantity, unit_price=t.unit_price)
        for line in lines
    )


def amendment_lines(
    contract: Contract, amendments: list[ContractAmendment]
) -> dict[str, tuple[tuple[ContractLine, ...], tuple[ContractLine, ...]]]:
    """Each amendment's contract lines before and after it, by id, rebuilt from the contract as it is: only accepted
    amendments change its lines (each against the lines it was written for, `decide_amendment`), so walking back from
    the newest, each accepted one is undone (its lines as they were)."""
    lines = contract.lines
    found = {}
    for amendment in sorted(amendments, key=lambda a: a.number, reverse=True):
        if amendment.status is Decision.ACCEPTED:
            after, lines = lines, _with_terms(lines, amendment.lines_before)
            found[amendment.id] = (lines, after)
        else:
            found[amendment.id] = (lines, _with_terms(lines, amendment.lines_after))
    return found


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
    contract: Contract,
    *,
    assignment_id: str,
    assignee_id: str,
    assignee_org: str,
    assignee_name: str,
    assignee_email: str,
    reason: str,
    requested_by: str,
    now: dt.datetime,
) -> ContractAssignment:
    require_active(contract, "R-9f")
    if assignee_org == contract.contractor_org:
        raise ValidationFailed(
            "A contract cannot be assigned to its own contractor.",
            rule="R-9f",
            details=[{"field": "assignee_org", "problem": "is the current contractor"}],
        )
    if not reason.strip():
        raise ValidationFailed(
            "An assignment request must state its reason.",
            rule="R-9f",
            details=[{"field": "reason", "problem": "must not be blank"}],
        )
    return ContractAssignment(
        id=assignment_id,
        contract_id=contract.id,
        agency=contract.agency,
        contractor_org=contract.contractor_org,
        assignee_id=assignee_id,
        assignee_org=assignee_org,
        assignee_name=assignee_name,
        assignee_email=assignee_email,
        reason=reason.strip(),
        requested_at=now,
        requested_by=requested_by,
    )


def decide_assignment(
    assignment: ContractAssignment,
    contract: Contract,
    *,
    consent: bool,
    reason: str,
    decided_by: str,
    now: dt.datetime,
) -> tuple[ContractAssignment, Contract | None]:
    """R-9f: the Commissioner's written consent moves the contract to the assignee; a refusal changes nothing."""
    if assignment.status is not AssignmentStatus.REQUESTED:
        raise Conflict(f"Assignment {assignment.id} was already {assignment.status.value}.", rule="R-9f")
    if contract.contractor_org != assignment.contractor_org:
        raise Conflict(f"Contract {contract.id} is no longer held by {assignment.contractor_org}.", rule="R-9f")
    if not consent and not reason.strip():
        raise ValidationFailed(
            "A refusal must state its reason.", rule="R-9f", details=[{"field": "reason", "problem": "must not be blank"}]
        )
    decided = dataclasses.replace(
        assignment,
        status=AssignmentStatus.CONSENTED if consent else AssignmentStatus.REFUSED,
        decided_by=decided_by,
        decided_at=now,
        decision_reason=reason.strip() or None,
    )
    if not consent:
        return decided, None
    require_active(contract, "R-9f")
    assigned = dataclasses.replace(
        contract,
        contractor_id=assignment.assignee_id,
        contractor_org=assignment.assignee_org,
        contractor_name=assignment.assignee_name,
        contractor_email=assignment.assignee_email,
    )
    return decided, assigned
