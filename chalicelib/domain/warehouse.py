"""The central warehouse (R-22): its catalogue (stock number, unit of issue, unit price, commodity group A-E), the
published shipping schedule per group, the agency's pre-itemized requisition for one group and one shipping date,
signed by an authorised official and submitted at least ten days before the shipping date (later: accepted with a
warning and flagged, the text says "should"), the shipping memo, and the delivery counted against it, each
discrepancy initialled by the deliverer and the receiver, the invoice following the delivered quantities."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain.calendar import local_date, start_of_local_day
from chalicelib.domain.errors import Conflict, ValidationFailed, field_problem
from chalicelib.domain.money import to_cents

RULE = "R-22"
LEAD_DAYS = 10  # R-22(a): "submitted at least ten days prior to the scheduled shipping date"


class CommodityGroup(str, enum.Enum):
    A = "A"  # refrigerated and frozen products
    B = "B"  # dry stores, food, paints, wrapping paper, electrical fans, anti-freeze, cleaning compounds
    C = "C"  # stationery, office supplies, State business forms, paint brushes
    D = "D"  # flags, clothing and textiles
    E = "E"  # drugs and toiletries


class WarehouseRequisitionStatus(str, enum.Enum):
    SUBMITTED = "submitted"
    SHIPPED = "shipped"  # the shipping memo is written
    DELIVERED = "delivered"  # counted and signed by the receiver; the invoice follows the counts


@dataclass(frozen=True)
class WarehouseItem:
    id: str  # the catalogue stock number
    description: str
    unit_of_issue: str
    unit_price: Decimal
    group: CommodityGroup
    updated_at: dt.datetime
    version: int = 0


@dataclass(frozen=True)
class ShippingDate:
    id: str  # <group>#<date>
    group: CommodityGroup
    date: dt.date
    published_at: dt.datetime
    version: int = 0


def shipping_date_id(group: CommodityGroup, date: dt.date) -> str:
    return f"{group.value}#{date.isoformat()}"


@dataclass(frozen=True)
class RequisitionLine:
    stock_number: str
    description: str
    unit_of_issue: str
    unit_price: Decimal  # the price prevailing at the time of requisition (R-22a)
    quantity: Decimal
    shipped: Decimal | None = None  # on the shipping memo
    delivered: Decimal | None = None  # counted by the receiving agency
    deliverer_initials: str | None = None  # both initial every alteration of the memo's quantity (R-22c)
    receiver_initials: str | None = None

    @property
    def total(self) -> Decimal:
        return self.unit_price * self.quantity


@dataclass(frozen=True)
class WarehouseRequisition:
    id: str
    agency: str
    group: CommodityGroup
    shipping_date: dt.date
    lines: tuple[RequisitionLine, ...]
    signed_by: str  # the authorised official on file (token sub)
    submitted_at: dt.datetime
    submitted_by: str
    late: bool = False  # submitted less than ten days before the shipping date (R-22: accepted, flagged)
    warning: str | None = None
    status: WarehouseRequisitionStatus = WarehouseRequisitionStatus.SUBMITTED
    shipped_at: dt.datetime | None = None
    delivered_at: dt.datetime | None = None
    received_by: str | None = None  # the receiver who dated and signed the shipping memo
    version: int = 0

    @property
    def requested_amount(self) -> Decimal:
        return to_cents(sum((line.total for line in self.lines), Decimal(0)))

    @property
    def invoice_amount(self) -> Decimal | None:
        """R-22(c): the billing invoice is adjusted to the delivered quantities; None until the delivery is counted."""
        if self.status is not WarehouseRequisitionStatus.DELIVERED:
            return None
        return to_cents(sum((line.unit_price * (line.delivered or Decimal(0)) for line in self.lines), Decimal(0)))


def _refuse(message: str, problems: list[dict]) -> None:
    if problems:
        raise ValidationFailed(message, rule=RULE, details=problems)


def catalogue_item(
    *, stock_number: str, description: str, unit_of_issue: str, unit_price: Decimal, group: CommodityGroup, now: dt.datetime
) -> WarehouseItem:
    """R-22(a): the form carries "the catalog stock number, unit of issue, and the unit price prevailing"."""
    fields = {"stock_number": stock_number, "description": description, "unit_of_issue": unit_of_issue}
    problems = [field_problem(name, "must not be blank") for name, value in fields.items() if not value.strip()]
    if unit_price <= 0:
        problems.append(field_problem("unit_price", "must be greater than 0"))
    _refuse("The catalogue item is incomplete; see details.", problems)
    return WarehouseItem(
        id=stock_number.strip(),
        description=description.strip(),
        unit_of_issue=unit_of_issue.strip(),
        unit_price=unit_price,
        group=group,
        updated_at=now,
    )


def submission_deadline(shipping_date: dt.date) -> dt.datetime:
    """The first instant a requisition is late: the start of the ninth day before the shipping date, so that one
    submitted on the tenth day before it, to its last second, is on time."""
    return start_of_local_day(shipping_date - dt.timedelta(days=LEAD_DAYS - 1))


def requisition(
    *,
    requisition_id: str,
    agency: str,
    group: CommodityGroup,
    shipping: ShippingDate | None,
    shipping_date: dt.date,
    lines: list[tuple[str, Decimal]],
    catalogue: dict[str, WarehouseItem],
    signed_by: str,
    signer_on_file: bool,
    now: dt.datetime,
    submitted_by: str,
) -> WarehouseRequisition:
    """One group per requisition (R-22a: "submitted separately for each of the following commodity groups"), each
    line a catalogue item of that group at its prevailing price, signed by an authorised official, for a published
    shipping date not yet passed; less than ten days before it, accepted with a warning and flagged."""
    problems = []
    if shipping is None:
        problems.append(field_problem("shipping_date", f"is not a published shipping date of group {group.value} (R-22)"))
    elif local_date(now) >= shipping_date:
        problems.append(field_problem("shipping_date", "has passed"))
    if not signer_on_file:
        problems.append(field_problem("signed_by", f"is not an authorised official of {agency} on file (R-22)"))
    if not lines:
        problems.append(field_problem("lines", "at least one line is needed"))
    problems += _line_problems(lines, catalogue, group)
    _refuse("The warehouse requisition is refused; see details.", problems)
    late = now >= submission_deadline(shipping_date)
    return WarehouseRequisition(
        id=requisition_id,
        agency=agency,
        group=group,
        shipping_date=shipping_date,
        lines=tuple(_line(catalogue[stock], quantity) for stock, quantity in lines),
        signed_by=signed_by,
        submitted_at=now,
        submitted_by=submitted_by,
        late=late,
        warning=f"submitted less than {LEAD_DAYS} days before the shipping date {shipping_date.isoformat()} (R-22)"
        if late
        else None,
    )


def _line_problems(lines: list[tuple[str, Decimal]], catalogue: dict[str, WarehouseItem], group: CommodityGroup):
    problems, seen = [], set()
    for i, (stock, quantity) in enumerate(lines):
        item = catalogue.get(stock)
        if item is None:
            problems.append(field_problem(f"lines[{i}].stock_number", "is not in the warehouse catalogue"))
        elif item.group is not group:
            problems.append(
                field_problem(f"lines[{i}].stock_number", f"is of group {item.group.value}, not {group.value} (R-22)")
            )
        if stock in seen:
            problems.append(field_problem(f"lines[{i}].stock_number", "appears twice"))
        seen.add(stock)
        if quantity <= 0:
            problems.append(field_problem(f"lines[{i}].quantity", "must be greater than 0"))
    return problems


def _line(item: WarehouseItem, quantity: Decimal) -> RequisitionLine:
    return RequisitionLine(
        stock_number=item.id,
        description=item.description,
        unit_of_issue=item.unit_of_issue,
        unit_price=item.unit_price,
        quantity=quantity,
    )


def _require_status(req: WarehouseRequisition, status: WarehouseRequisitionStatus, what: str) -> None:
    if req.status is not status:
        raise Conflict(
            f"Requisition {req.id} is {req.status.value}; {what} is possible when it is {status.value}.",
            rule=RULE,
            details=[field_problem("status", f"is {req.status.value}, not {status.value}")],
        )


def ship(req: WarehouseRequisition, shipped: dict[str, Decimal], now: dt.datetime) -> WarehouseRequisition:
    """The shipping memo: the quantity shipped of each line (a line left out is shipped as requisitioned)."""
    _require_status(req, WarehouseRequisitionStatus.SUBMITTED, "the shipping memo")
    known = {line.stock_number for line in req.lines}
    problems = [field_problem(f"lines.{stock}", "is not a line of the requisition") for stock in shipped if stock not in known]
    problems += [field_problem(f"lines.{stock}", "must not be negative") for stock, q in shipped.items() if q < 0]
    _refuse("The shipping memo is malformed; see details.", problems)
    lines = tuple(dataclasses.replace(line, shipped=shipped.get(line.stock_number, line.quantity)) for line in req.lines)
    return dataclasses.replace(req, lines=lines, status=WarehouseRequisitionStatus.SHIPPED, shipped_at=now)


@dataclass(frozen=True)
class Count:
    """The receiver's count of one line; a count other than the memo's is initialled by deliverer and receiver."""

    stock_number: str
    delivered: Decimal
    deliverer_initials: str | None = None
    receiver_initials: str | None = None


def deliver(req: WarehouseRequisition, counts: list[Count], received_by: str, now: dt.datetime) -> WarehouseRequisition:
    """R-22(c): the delivery counted and compared with the shipping memo, every line counted; "Every alteration of
    quantity ... must be initialed by both the deliverer and the agency receiver"; the invoice follows the counts."""
    _require_status(req, WarehouseRequisitionStatus.SHIPPED, "the delivery")
    _refuse("The delivery count is refused; see details.", _count_problems(req, counts))
    by_stock = {count.stock_number: count for count in counts}
    lines = tuple(_counted(line, by_stock[line.stock_number]) for line in req.lines)
    return dataclasses.replace(
        req, lines=lines, status=WarehouseRequisitionStatus.DELIVERED, delivered_at=now, received_by=received_by
    )


def _count_problems(req: WarehouseRequisition, counts: list[Count]) -> list[dict]:
    memo = {line.stock_number: line.shipped for line in req.lines}
    problems, seen = [], set()
    for i, count in enumerate(counts):
        if count.stock_number not in memo:
            problems.append(field_problem(f"counts[{i}].stock_number", "is not a line of the shipping memo"))
            continue
        if count.stock_number in seen:
            problems.append(field_problem(f"counts[{i}].stock_number", "appears twice"))
        seen.add(count.stock_number)
        if count.delivered < 0:
            problems.append(field_problem(f"counts[{i}].delivered", "must not be negative"))
        if count.delivered != memo[count.stock_number]:
            for who in ("deliverer_initials", "receiver_initials"):
                if not (getattr(count, who) or "").strip():
                    problems.append(field_problem(f"counts[{i}].{who}", "a discrepancy with the memo must be initialled (R-22)"))
    problems += [field_problem("counts", f"{stock} is not counted") for stock in memo if stock not in seen]
    return problems


def _counted(line: RequisitionLine, count: Count) -> RequisitionLine:
    altered = count.delivered != line.shipped
    return dataclasses.replace(
        line,
        delivered=count.delivered,
        deliverer_initials=(count.deliverer_initials or "").strip() or None if altered else None,
        receiver_initials=(count.receiver_initials or "").strip() or None if altered else None,
    )
