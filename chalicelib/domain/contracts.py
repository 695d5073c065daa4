"""The contract formed when the State accepts a bid (R-9a), shared by award (R-8, R-9g/h) and performance
(orders, delivery, invoices: R-9 to R-14). Its id is the contract number printed on every order (R-9k)."""

from __future__ import annotations

import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Optional


class ContractStatus(str, enum.Enum):
    ACTIVE = "active"
    CANCELLED = "cancelled"
    COMPLETED = "completed"


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
    solicitation_id: Optional[str] = None
    award_id: Optional[str] = None
    cash_discount_percent: Optional[Decimal] = None  # prompt-payment discount offered in the bid (R-8f, R-13a)
    cash_discount_days: Optional[int] = None
    payment_days: Optional[int] = None  # R-13a: payment terms stated by the invitation; None = 45 days
    status: ContractStatus = ContractStatus.ACTIVE
    amendment_number: int = 0  # R-9c: each written amendment signed by purchasing increments it
    term_start: Optional[dt.date] = None  # R-9d: the contract period (Connecticut dates), set by purchasing
    term_end: Optional[dt.date] = None  # extended only by an amendment the contractor accepted (R-9c, R-9d)
    accepted_agencies: tuple[str, ...] = ()  # R-9b: agencies not named that the contractor accepted
    version: int = 0

    @property
    def ordering_agencies(self) -> tuple[str, ...]:
        """R-9b: the agency named in the contract and the agencies the contractor accepted."""
        return (self.agency, *self.accepted_agencies)

    @property
    def total(self) -> Decimal:
        return sum((line.extension for line in self.lines), Decimal("0"))

    def line(self, line_id: str) -> Optional[ContractLine]:
        return next((line for line in self.lines if line.line_id == line_id), None)
