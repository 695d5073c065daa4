"""Emergency purchases (R-20): the agency's record of the emergency condition, of what is limited to the need, of such
competition as was practicable and of the contractor's selection; up to $600 with the prior approval of the agency
head or the Commissioner where practical, above $600 only after the Commissioner approves; an emergency after an
unsuccessful invitation to bid (R-20e); the record of R-20f (contractor, amount and type, items, contract file number).

An approved purchase forms its contract (one line per item), against which the agency orders as under any other; a
purchase awaiting approval has none, so nothing can be ordered under it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain.contracts import Contract, ContractLine
from chalicelib.domain.delegations import Quotation  # one quotation record for R-2e and R-20
from chalicelib.domain.errors import Conflict, ValidationFailed, field_problem
from chalicelib.domain.sole_source import ContractType
from chalicelib.domain.solicitations import Solicitation
from chalicelib.domain.vendors import Vendor

RULE = "R-20"
HEAD_APPROVAL_LIMIT = Decimal(600)  # R-20c: above it the Commissioner approves first


class Threatened(str, enum.Enum):
    """R-20a: what the lack of the supplies or services would seriously threaten."""

    STATE_GOVERNMENT = "state_government"  # (1) the functioning of State government
    PROPERTY = "property"  # (2) the preservation or protection of property
    HEALTH_OR_SAFETY = "health_or_safety"  # (3) the health or safety of any person


class FailureGround(str, enum.Enum):
    """R-20e: why competitive sealed bidding was unsuccessful."""

    UNREASONABLE = "unreasonable"
    NONCOMPETITIVE = "noncompetitive"
    EXCEEDS_FUNDS = "exceeds_funds"  # the low bid exceeds available funds as certified by the fiscal officer


class EmergencyStatus(str, enum.Enum):
    AWAITING_APPROVAL = "awaiting_approval"  # R-20c: blocked until purchasing approves
    APPROVED = "approved"  # its contract formed
    DENIED = "denied"


@dataclass(frozen=True)
class EmergencyItem:
    description: str
    unit: str
    quantity: Decimal
    unit_price: Decimal

    @property
    def extension(self) -> Decimal:
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class HeadApproval:
    """R-20c: the agency head's approval, obtained before the procurement."""

    name: str
    approved_at: dt.datetime


@dataclass(frozen=True)
class FailedSolicitation:
    """R-20e: the invitation to bid whose bids were all rejected, why, and why time does not permit resoliciting."""

    solicitation_id: str
    ground: FailureGround
    no_time_to_resolicit: str


@dataclass(frozen=True)
class Emergency:
    """What the agency states (R-20a, b, d, f)."""

    threat: str  # the emergency condition
    threatened: Threatened
    why_not_normal: str  # why normal procurement methods cannot meet the need
    limited_to_need: str  # R-20b
    quotations: tuple[Quotation, ...]  # R-20d: such competition as is practicable ...
    competition_statement: str | None  # ... or why none was
    selection_basis: str  # R-20f: the basis for the selection of the contractor
    contract_type: ContractType
    items: tuple[EmergencyItem, ...]
    head_approval: HeadApproval | None = None
    approval_impractical: str | None = None  # R-20c "whenever practical": why no prior approval was obtained
    failed_solicitation: FailedSolicitation | None = None


@dataclass(frozen=True)
class EmergencyPurchase:
    id: str
    agency: str
    emergency: Emergency
    contractor_id: str
    contractor_name: str
    recorded_at: dt.datetime
    recorded_by: str
    status: EmergencyStatus
    approved_at: dt.datetime | None = None
    approved_by: str | None = None  # the agency head's name, or purchasing's user
    denied_reason: str | None = None
    contract_id: str | None = None  # the contract file number (R-20f(4))
    version: int = 0

    @property
    def amount(self) -> Decimal:
        return total(self.emergency.items)


def total(items: tuple[EmergencyItem, ...]) -> Decimal:
    return sum((item.extension for item in items), Decimal(0))


def _blank(value: str | None) -> bool:
    return value is None or not value.strip()


def _statement_problems(e: Emergency) -> list[dict]:
    problems = []
    for name in ("threat", "why_not_normal", "limited_to_need", "selection_basis"):
        if _blank(getattr(e, name)):
            problems.append(field_problem(name, "must not be blank (R-20a, R-20b, R-20f)"))
    if not e.quotations and _blank(e.competition_statement):
        problems.append(
            field_problem(
                "competition_statement", "give the quotations obtained or state why no competition was practicable (R-20d)"
            )
        )
    for i, q in enumerate(e.quotations):
        if _blank(q.vendor):
            problems.append(field_problem(f"quotations[{i}].vendor", "must not be blank"))
    if not e.items:
        problems.append(field_problem("items", "list what is procured (R-20f(3))"))
    for i, item in enumerate(e.items):
        if _blank(item.description):
            problems.append(field_problem(f"items[{i}].description", "must not be blank"))
        if item.quantity <= 0:
            problems.append(field_problem(f"items[{i}].quantity", "must be greater than zero"))
        if item.unit_price <= 0:
            problems.append(field_problem(f"items[{i}].unit_price", "must be greater than zero"))
    return problems


def _approval_problems(e: Emergency, now: dt.datetime) -> list[dict]:
    problems = []
    if e.head_approval is not None:
        if _blank(e.head_approval.name):
            problems.append(field_problem("head_approval.name", "must not be blank"))
        if e.head_approval.approved_at.tzinfo is None or e.head_approval.approved_at > now:
            problems.append(field_problem("head_approval.approved_at", "the approval is obtained before the procurement (R-20c)"))
    if e.approval_impractical is not None and _blank(e.approval_impractical):
        problems.append(field_problem("approval_impractical", "must not be blank"))
    return problems


def _failed_solicitation_problems(
    failed: FailedSolicitation | None, solicitation: Solicitation | None, agency: str
) -> list[dict]:
    """R-20e: "after an unsuccessful attempt to use competitive sealed bidding": an invitation of the agency whose
    bids were opened and all rejected, and time does not permit resoliciting."""
    if failed is None:
        return []
    problems = []
    if solicitation is None or solicitation.rejected_all_reason is None or solicitation.agency != agency:
        problems.append(
            field_problem(
                "failed_solicitation.solicitation_id", "must be an invitation to bid of the agency whose bids were all rejected"
            )
        )
    if _blank(failed.no_time_to_resolicit):
        problems.append(
            field_problem("failed_solicitation.no_time_to_resolicit", "state why time does not permit resoliciting (R-20e)")
        )
    return problems


def needs_commissioner(emergency: Emergency) -> bool:
    """R-20c: "Prior to all such emergency procurements of more than $600, the Commissioner shall approve"; up to $600
    the head's prior approval, or the statement that none was practical, lets the agency proceed."""
    if total(emergency.items) > HEAD_APPROVAL_LIMIT:
        return True
    return emergency.head_approval is None and emergency.approval_impractical is None


def record(
    *,
    purchase_id: str,
    agency: str,
    emergency: Emergency,
    contractor: Vendor,
    failed: Solicitation | None,
    now: dt.datetime,
    recorded_by: str,
) -> EmergencyPurchase:
    """The written record and determination (R-20f), awaiting the Commissioner's approval where R-20c requires it,
    else approved by the agency head (or without prior approval, stated as impractical). Every problem at once."""
    problems = _statement_problems(emergency) + _approval_problems(emergency, now)
    problems += _failed_solicitation_problems(emergency.failed_solicitation, failed, agency)
    if not contractor.confirmed or contractor.suspended:
        problems.append(field_problem("contractor_id", f"vendor {contractor.id} is not an active registered vendor"))
    if problems:
        raise ValidationFailed("The emergency purchase record is incomplete; see details.", rule=RULE, details=problems)
    waiting = needs_commissioner(emergency)
    head = emergency.head_approval
    return EmergencyPurchase(
        id=purchase_id,
        agency=agency,
        emergency=emergency,
        contractor_id=contractor.id,
        contractor_name=contractor.legal_name,
        recorded_at=now,
        recorded_by=recorded_by,
        status=EmergencyStatus.AWAITING_APPROVAL if waiting else EmergencyStatus.APPROVED,
        approved_at=None if waiting else (head.approved_at if head else now),
        approved_by=None if waiting else (head.name.strip() if head else recorded_by),
    )


def _require_awaiting(purchase: EmergencyPurchase) -> None:
    if purchase.status is not EmergencyStatus.AWAITING_APPROVAL:
        raise Conflict(
            f"Emergency purchase {purchase.id} is {purchase.status.value}; only one awaiting approval is decided.",
            rule=RULE,
            details=[field_problem("status", f"is {purchase.status.value}")],
        )


def approve(purchase: EmergencyPurchase, now: dt.datetime, by: str) -> EmergencyPurchase:
    """R-20c: the Commissioner's approval; the contract may be formed now."""
    _require_awaiting(purchase)
    return dataclasses.replace(purchase, status=EmergencyStatus.APPROVED, approved_at=now, approved_by=by)


def deny(purchase: EmergencyPurchase, reason: str) -> EmergencyPurchase:
    _require_awaiting(purchase)
    if _blank(reason):
        raise ValidationFailed("A denial states its reason.", rule=RULE, details=[field_problem("reason", "must not be blank")])
    return dataclasses.replace(purchase, status=EmergencyStatus.DENIED, denied_reason=reason.strip())


def contract_for(
    purchase: EmergencyPurchase, contractor: Vendor, contract_id: str, now: dt.datetime
) -> tuple[EmergencyPurchase, Contract]:
    """The approved purchase's contract, one line per item at its price, for the agency; the record gets its contract
    file number (R-20f(4))."""
    if purchase.status is not EmergencyStatus.APPROVED:
        raise Conflict(f"Emergency purchase {purchase.id} is not approved; nothing is ordered under it.", rule=RULE)
    formed = Contract(
        id=contract_id,
        agency=purchase.agency,
        contractor_id=contractor.id,
        contractor_org=contractor.org,
        contractor_name=contractor.legal_name,
        contractor_email=contractor.contact_email,
        lines=tuple(
            ContractLine(str(n), item.description, item.unit, item.quantity, item.unit_price)
            for n, item in enumerate(purchase.emergency.items, start=1)
        ),
        created_at=now,
    )
    return dataclasses.replace(purchase, contract_id=contract_id), formed
