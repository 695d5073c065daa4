"""Purchase requisitions (R-3): how a purchase not covered by a direct purchase authority or a term contract starts.

Two forms. The agency's purchase requisition: it states that no DPA or term contract covers the need, and the Bureau
receives it. The pre-itemized requisition: the Bureau issues it with its own items and a return due date, the agency
fills in its quantities and returns it (then it is received like the other). A received requisition feeds an
invitation to bid or a request for proposals (several may feed one), then is filled or cancelled.

The return is due by the end of its due date (`return_due_at`, the first instant after it); the reminder goes out at
the start of the third day before that date.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain.calendar import local_date, require_aware, start_of_local_day
from chalicelib.domain.errors import Conflict, ValidationFailed, field_problem
from chalicelib.domain.vendors import COMMODITY_CODE_PROBLEM, is_commodity_code

RULE = "R-3"
REMINDER_DAYS_BEFORE = 3  # the reminder to the agency: at the start of the third day before the return due date


class RequisitionKind(str, enum.Enum):
    AGENCY = "agency"  # R-3(b): originated in the purchasing agency
    PRE_ITEMIZED = "pre_itemized"  # R-3(c): originated in the Bureau of Purchases


class RequisitionStatus(str, enum.Enum):
    ISSUED = "issued"  # a pre-itemized form with the agency, not returned yet
    RECEIVED = "received"  # with the Bureau of Purchases
    IN_SOLICITATION = "in_solicitation"  # linked to an invitation to bid or a request for proposals
    FILLED = "filled"  # bought: a contract or an order covers it
    CANCELLED = "cancelled"


OPEN_STATUSES = frozenset({RequisitionStatus.ISSUED, RequisitionStatus.RECEIVED, RequisitionStatus.IN_SOLICITATION})


@dataclass(frozen=True)
class RequisitionLine:
    """One need: quantity and estimated unit price are the agency's; a pre-itemized line has no quantity until the
    form is returned, and no estimate."""

    line: int
    description: str
    unit: str
    quantity: Decimal | None = None
    estimated_unit_price: Decimal | None = None


@dataclass(frozen=True)
class Requisition:
    id: str
    kind: RequisitionKind
    agency: str
    description: str
    lines: tuple[RequisitionLine, ...]
    commodity_codes: tuple[str, ...]
    status: RequisitionStatus
    created_at: dt.datetime
    created_by: str
    needed_by: dt.date | None = None
    not_covered_statement: bool = False  # R-3(a): no DPA or term contract covers the need (the agency's statement)
    return_due_on: dt.date | None = None  # pre-itemized: the form's return due date
    returned_at: dt.datetime | None = None
    returned_by: str | None = None
    reminded_at: dt.datetime | None = None
    overdue_noticed_at: dt.datetime | None = None
    solicitation_id: str | None = None  # the invitation to bid it feeds
    rfp_id: str | None = None  # or the request for proposals
    linked_at: dt.datetime | None = None
    filled_at: dt.datetime | None = None
    contract_id: str | None = None  # what filled it: a contract
    order_reference: str | None = None  # or an order
    cancelled_at: dt.datetime | None = None
    cancel_reason: str | None = None
    cancelled_by_bureau: bool = False  # purchasing cancelled it, not the agency
    version: int = 0

    @property
    def feeds(self) -> str | None:
        """The solicitation it feeds, as `solicitation_key` writes it."""
        return solicitation_key(self.solicitation_id, self.rfp_id)

    @property
    def return_due_at(self) -> dt.datetime | None:
        """The first instant after the return due date: the form is late when returned at or after it."""
        return None if self.return_due_on is None else start_of_local_day(self.return_due_on + dt.timedelta(days=1))

    @property
    def reminder_at(self) -> dt.datetime | None:
        """The start of the third day before the return due date."""
        if self.return_due_on is None:
            return None
        return start_of_local_day(self.return_due_on - dt.timedelta(days=REMINDER_DAYS_BEFORE))

    @property
    def returned_late(self) -> bool:
        due = self.return_due_at
        return due is not None and self.returned_at is not None and self.returned_at >= due

    @property
    def estimated_total(self) -> Decimal | None:
        """The sum of quantity times estimated unit price, when every line has both."""
        if any(line.quantity is None or line.estimated_unit_price is None for line in self.lines):
            return None
        return sum((line.quantity * line.estimated_unit_price for line in self.lines), Decimal(0))  # type: ignore[operator]


def solicitation_key(solicitation_id: str | None, rfp_id: str | None) -> str | None:
    """One key for the requisitions feeding an invitation to bid (`itb#<id>`) or a request for proposals (`rfp#<id>`)."""
    if solicitation_id is not None:
        return f"itb#{solicitation_id}"
    return None if rfp_id is None else f"rfp#{rfp_id}"


class NotCovered(ValidationFailed):
    """R-3(a): a purchase requisition is for a need no DPA or term contract covers; the agency must say so."""

    rule = RULE


class RequisitionClosed(Conflict):
    """The requisition's status does not allow this (already returned, filled, cancelled...)."""

    rule = RULE


def _refuse(message: str, problems: list[dict[str, str]]) -> None:
    if problems:
        raise ValidationFailed(message, rule=RULE, details=problems)


def _text_problems(field: str, value: str) -> list[dict[str, str]]:
    return [] if value.strip() else [field_problem(field, "must not be blank")]


def _code_problems(commodity_codes: list[str]) -> list[dict[str, str]]:
    if not commodity_codes:
        return [field_problem("commodity_codes", "at least one commodity code says what is to be bought")]
    return [
        field_problem(f"commodity_codes[{i}]", COMMODITY_CODE_PROBLEM)
        for i, c in enumerate(commodity_codes)
        if not is_commodity_code(c)
    ]


def _line_problems(lines: list[RequisitionLine], *, priced: bool) -> list[dict[str, str]]:
    if not lines:
        return [field_problem("lines", "at least one line")]
    problems: list[dict[str, str]] = []
    for i, line in enumerate(lines):
        problems += _text_problems(f"lines[{i}].description", line.description)
        problems += _text_problems(f"lines[{i}].unit", line.unit)
        if priced and (line.quantity is None or line.quantity <= 0):
            problems.append(field_problem(f"lines[{i}].quantity", "must be greater than 0"))
        if priced and line.estimated_unit_price is None:
            problems.append(field_problem(f"lines[{i}].estimated_unit_price", "the agency's estimate is required"))
    return problems


def _numbered(lines: list[RequisitionLine]) -> tuple[RequisitionLine, ...]:
    return tuple(
        dataclasses.replace(line, line=n, description=line.description.strip(), unit=line.unit.strip())
        for n, line in enumerate(lines, 1)
    )


def new_requisition(
    *,
    requisition_id: str,
    agency: str,
    created_by: str,
    description: str,
    lines: list[RequisitionLine],
    needed_by: dt.date,
    commodity_codes: list[str],
    not_covered_statement: bool,
    now: dt.datetime,
) -> Requisition:
    """R-3(a)/(b): the agency's requisition, received by the Bureau: its lines priced by the agency's estimate, the
    date it is needed by (not past), and its statement that no DPA or term contract covers it."""
    require_aware(now)
    if not not_covered_statement:
        raise NotCovered(
            "A purchase requisition is for a need no direct purchase authority or term contract covers: buy under the "
            "DPA or the term contract, or state that none covers it.",
            details=[field_problem("not_covered_statement", "must be true: no DPA or term contract covers the need")],
        )
    problems = _text_problems("description", description) + _line_problems(lines, priced=True) + _code_problems(commodity_codes)
    if needed_by < local_date(now):
        problems.append(field_problem("needed_by", f"must not be before today, {local_date(now).isoformat()}"))
    _refuse("The purchase requisition is incomplete.", problems)
    return Requisition(
        id=requisition_id,
        kind=RequisitionKind.AGENCY,
        agency=agency,
        description=description.strip(),
        lines=_numbered(lines),
        commodity_codes=tuple(sorted(set(commodity_codes))),
        status=RequisitionStatus.RECEIVED,
        created_at=now,
        created_by=created_by,
        needed_by=needed_by,
        not_covered_statement=True,
    )


def issue_pre_itemized(
    *,
    requisition_id: str,
    agency: str,
    created_by: str,
    description: str,
    items: list[RequisitionLine],
    commodity_codes: list[str],
    return_due_on: dt.date,
    now: dt.datetime,
) -> Requisition:
    """R-3(c): the Bureau's form with its items (description and unit), forwarded to the agency to record its
    requirements and return by a due date after today."""
    require_aware(now)
    problems = _text_problems("description", description) + _line_problems(items, priced=False) + _code_problems(commodity_codes)
    if return_due_on <= local_date(now):
        problems.append(field_problem("return_due_on", f"must be after today, {local_date(now).isoformat()}"))
    _refuse("The pre-itemized requisition is incomplete.", problems)
    return Requisition(
        id=requisition_id,
        kind=RequisitionKind.PRE_ITEMIZED,
        agency=agency,
        description=description.strip(),
        lines=tuple(dataclasses.replace(item, quantity=None, estimated_unit_price=None) for item in _numbered(items)),
        commodity_codes=tuple(sorted(set(commodity_codes))),
        status=RequisitionStatus.ISSUED,
        created_at=now,
        created_by=created_by,
        return_due_on=return_due_on,
    )


def return_form(
    requisition: Requisition, entries: list[tuple[int, Decimal]], needed_by: dt.date | None, by: str, now: dt.datetime
) -> Requisition:
    """R-3(c): the agency records its requirements, a quantity (0 for none) for every item by its line number and at
    least one above 0, and returns the form. A form returned after its due date is received all the same, marked late."""
    if requisition.kind is not RequisitionKind.PRE_ITEMIZED or requisition.status is not RequisitionStatus.ISSUED:
        raise RequisitionClosed(
            f"Requisition {requisition.id} is {requisition.status.value}: only an issued pre-itemized form is returned.",
            details=[field_problem("status", requisition.status.value)],
        )
    quantities = dict(entries)
    numbers = {line.line for line in requisition.lines}
    problems = [
        field_problem(f"quantities[{i}].line", "the item is given twice")
        for i, (n, _) in enumerate(entries)
        if [e[0] for e in entries[:i]].count(n)
    ]
    problems += [field_problem("quantities", f"item {n} is not on the form") for n in sorted(set(quantities) - numbers)]
    problems += [
        field_problem("quantities", f"item {n} needs a quantity (0 for none)") for n in sorted(numbers - set(quantities))
    ]
    if not problems and not any(q > 0 for q in quantities.values()):
        problems.append(field_problem("quantities", "at least one item needs a quantity above 0"))
    if needed_by is not None and needed_by < local_date(now):
        problems.append(field_problem("needed_by", f"must not be before today, {local_date(now).isoformat()}"))
    _refuse("The returned form is incomplete.", problems)
    lines = tuple(dataclasses.replace(line, quantity=quantities[line.line]) for line in requisition.lines)
    return dataclasses.replace(
        requisition, lines=lines, needed_by=needed_by, status=RequisitionStatus.RECEIVED, returned_at=now, returned_by=by
    )


def link_to_solicitation(
    requisition: Requisition, *, solicitation_id: str | None, rfp_id: str | None, now: dt.datetime
) -> Requisition:
    """A received requisition starts an invitation to bid or a request for proposals: exactly one of them."""
    if (solicitation_id is None) == (rfp_id is None):
        raise ValidationFailed(
            "Name the invitation to bid or the request for proposals the requisition feeds, one of them.",
            rule=RULE,
            details=[field_problem("solicitation_id", "give exactly one of solicitation_id and rfp_id")],
        )
    _require_status(requisition, RequisitionStatus.RECEIVED, "linked to a solicitation")
    return dataclasses.replace(
        requisition, status=RequisitionStatus.IN_SOLICITATION, solicitation_id=solicitation_id, rfp_id=rfp_id, linked_at=now
    )


def fill(requisition: Requisition, *, contract_id: str | None, order_reference: str | None, now: dt.datetime) -> Requisition:
    """The solicitation's contract, or an order, covers the requisition: exactly one of them."""
    if (contract_id is None) == (order_reference is None or not order_reference.strip()):
        raise ValidationFailed(
            "Name the contract or the order that fills the requisition, one of them.",
            rule=RULE,
            details=[field_problem("contract_id", "give exactly one of contract_id and order_reference")],
        )
    _require_status(requisition, RequisitionStatus.IN_SOLICITATION, "filled")
    return dataclasses.replace(
        requisition,
        status=RequisitionStatus.FILLED,
        contract_id=contract_id,
        order_reference=None if order_reference is None else order_reference.strip(),
        filled_at=now,
    )


def cancel(requisition: Requisition, reason: str, now: dt.datetime, *, by_bureau: bool) -> Requisition:
    if not reason.strip():
        raise ValidationFailed(
            "Say why the requisition is cancelled.", rule=RULE, details=[field_problem("reason", "must not be blank")]
        )
    if requisition.status not in OPEN_STATUSES:
        raise RequisitionClosed(
            f"Requisition {requisition.id} is {requisition.status.value}; it can no longer be cancelled.",
            details=[field_problem("status", requisition.status.value)],
        )
    return dataclasses.replace(
        requisition,
        status=RequisitionStatus.CANCELLED,
        cancelled_at=now,
        cancel_reason=reason.strip(),
        cancelled_by_bureau=by_bureau,
    )


def _require_status(requisition: Requisition, status: RequisitionStatus, what: str) -> None:
    if requisition.status is not status:
        raise RequisitionClosed(
            f"Requisition {requisition.id} is {requisition.status.value}; only a {status.value} requisition is {what}.",
            details=[field_problem("status", requisition.status.value)],
        )


def mark_reminded(requisition: Requisition, now: dt.datetime) -> Requisition | None:
    """The reminder at the start of the third day before the due date, to an agency that has not returned the form;
    None when none is due (returned, cancelled, or issued too late for a reminder). A reminder already recorded
    returns the requisition unchanged (a retried task)."""
    if requisition.reminded_at is not None:
        return requisition
    reminder_at = requisition.reminder_at
    if requisition.status is not RequisitionStatus.ISSUED or reminder_at is None or requisition.created_at >= reminder_at:
        return None
    return dataclasses.replace(requisition, reminded_at=now)


def mark_overdue(requisition: Requisition, now: dt.datetime) -> Requisition | None:
    """At the first instant after the due date, a form still not returned is overdue; None when it was returned or
    cancelled. An overdue notice already recorded returns the requisition unchanged (a retried task)."""
    if requisition.overdue_noticed_at is not None:
        return requisition
    due = requisition.return_due_at
    if requisition.status is not RequisitionStatus.ISSUED or due is None or now < due:
        return None
    return dataclasses.replace(requisition, overdue_noticed_at=now)
