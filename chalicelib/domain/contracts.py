"""The contract formed when the State accepts a bid (R-9a) or agrees with a proposer (R-16j), shared by award (R-8, R-9g/h) and performance
(orders, delivery, invoices: R-9 to R-14). Its id is the contract number printed on every order (R-9k).

A contractor's refusal within 10 days of the notice (R-9g) is recorded on the contract, which stands until
purchasing decides; purchasing cancels a contract for missing surety or non-performance (R-9h), after which
nothing more is ordered, delivered or invoiced under it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain import calendar
from chalicelib.domain.errors import Conflict, ValidationFailed


class ContractStatus(str, enum.Enum):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


class CancellationGround(str, enum.Enum):
    """Why purchasing cancels a contract (R-9h), or why the award cancelled it (R-9g)."""

    MISSING_SURETY = "missing_surety"  # R-9h: surety not furnished within 10 days of the request
    NON_PERFORMANCE = "non_performance"  # R-9h
    REFUSED = "refused"  # R-9g: refused within 10 days; purchasing gave the award to the next bidder


@dataclass(frozen=True)
class ContractLine:
    line_id: str
    description: str
    unit: str
    quantity: Decimal
    unit_price: Decimal

    @property
    def extension(self) -> Decimal:
        return self.quantity * self.unit_price


@dataclass(frozen=True)
class Contract:
    id: str
    agency: str  # the purchasing agency's org code (R-1 l)
    contractor_id: str  # vendor id
    contractor_org: str
    contractor_name: str
    contractor_email: str
    lines: tuple[ContractLine, ...]
    created_at: dt.datetime
    solicitation_id: str | None = None
    award_id: str | None = None
    cash_discount_percent: Decimal | None = None  # prompt-payment discount offered in the bid (R-8f, R-13a)
    cash_discount_days: int | None = None
    payment_days: int | None = None  # R-13a: payment terms stated by the invitation; None = 45 days
    status: ContractStatus = ContractStatus.ACTIVE
    amendment_number: int = 0  # R-9c: each written amendment signed by purchasing increments it
    term_start: dt.date | None = None  # R-9d: the contract period (Connecticut dates), set by purchasing
    term_end: dt.date | None = None  # extended only by an amendment the contractor accepted (R-9c, R-9d)
    accepted_agencies: tuple[str, ...] = ()  # R-9b: agencies not named that the contractor accepted
    refused_at: dt.datetime | None = None  # R-9g: the contractor refused within 10 days of the notice
    refusal_reason: str | None = None
    cancelled_at: dt.datetime | None = None  # R-9h
    cancellation_ground: CancellationGround | None = None
    cancellation_reason: str | None = None
    rfp_id: str | None = None  # the request for proposals whose negotiation formed it (R-16j); None for a bid's
    version: int = 0

    @property
    def ordering_agencies(self) -> tuple[str, ...]:
        """R-9b: the agency named in the contract and the agencies the contractor accepted."""
        return (self.agency, *self.accepted_agencies)

    @property
    def total(self) -> Decimal:
        return sum((line.extension for line in self.lines), Decimal(0))

    def line(self, line_id: str) -> ContractLine | None:
        return next((line for line in self.lines if line.line_id == line_id), None)


class ContractCancelled(Conflict):
    """Nothing is ordered, delivered or invoiced under a cancelled contract (R-9h)."""


def require_active(contract: Contract, rule: str) -> None:
    """Nothing is ordered, delivered, invoiced or changed under a contract that is not active: a cancelled one is
    refused under R-9h with its ground, a completed one under `rule`, the rule of what was asked."""
    if contract.status is ContractStatus.CANCELLED:
        why = f" ({contract.cancellation_ground.value}): {contract.cancellation_reason}" if contract.cancellation_ground else ""
        raise ContractCancelled(
            f"Contract {contract.id} was cancelled{why}; nothing is ordered, delivered or invoiced under it.",
            rule="R-9h",
            details=[{"field": "contract_id", "problem": f"contract {contract.id} is cancelled"}],
        )
    if contract.status is not ContractStatus.ACTIVE:
        raise Conflict(
            f"Contract {contract.id} is {contract.status.value}; nothing may be ordered, delivered or invoiced against it.",
            rule=rule,
            details=[{"contract_id": contract.id, "status": contract.status.value}],
        )


def mark_refused(contract: Contract, reason: str, now: dt.datetime) -> Contract:
    """R-9g: the refusal is recorded; the contract stands until purchasing gives the award to the next bidder."""
    return dataclasses.replace(contract, refused_at=now, refusal_reason=reason)


def cancel(contract: Contract, ground: CancellationGround, reason: str, now: dt.datetime) -> Contract:
    """R-9h (or R-9g after a refusal): a recorded decision with its reason; a contract is cancelled once."""
    rule = "R-9g" if ground is CancellationGround.REFUSED else "R-9h"
    if contract.status is not ContractStatus.ACTIVE:
        raise Conflict(f"Contract {contract.id} is {contract.status.value}; only an active contract is cancelled.", rule=rule)
    if not reason.strip():
        raise ValidationFailed(
            "A cancellation states its reason.", rule=rule, details=[{"field": "reason", "problem": "must not be blank"}]
        )
    return dataclasses.replace(
        contract,
        status=ContractStatus.CANCELLED,
        cancelled_at=now,
        cancellation_ground=ground,
        cancellation_reason=reason.strip(),
    )


def contract_lines(contract: Contract) -> list[dict]:
    """The contract's lines as its emails show them."""
    return [
        {
            "line": line.line_id,
            "description": line.description,
            "quantity": line.quantity,
            "unit": line.unit,
            "unit_price": line.unit_price,
            "total": line.extension,
        }
        for line in contract.lines
    ]


def closing_of(term_end: dt.date) -> dt.datetime:
    """R-9d: the first instant after a term ending on `term_end` (start of the day after its last day); the term has
    ended when `now >= closing_of(...)`, and the contract-term timer waits for this instant."""
    return calendar.start_of_local_day(term_end + dt.timedelta(days=1))


def term_closes_at(contract: Contract) -> dt.datetime | None:
    """`closing_of` the contract's term; None while it has none."""
    return None if contract.term_end is None else closing_of(contract.term_end)
