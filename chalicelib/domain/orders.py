"""Contract performance before payment: purchase orders (R-9a, R-9k), deliveries and inspection (R-11, R-12),
rejected goods (R-9j), open-market purchases at the contractor's expense (R-9i) and force-majeure notices (R-14).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain import calendar
from chalicelib.domain.contracts import Contract, ContractStatus
from chalicelib.domain.errors import Conflict, DeadlinePassed, ValidationFailed
from chalicelib.domain.money import to_cents

QUANTITY_TOLERANCE = Decimal("0.10")  # R-9a: up to ten percent more or less than the contract quantity
REMOVAL_WINDOW = dt.timedelta(hours=48)  # R-9j
ZERO = Decimal(0)


class OrderStatus(str, enum.Enum):
    AWAITING_APPROVAL = "awaiting_comptroller_approval"
    APPROVED = "approved"


@dataclass(frozen=True)
class OrderLine:
    line_id: str
    quantity: Decimal
    unit_price: Decimal


@dataclass(frozen=True)
class DeliveryExtension:
    deliver_by: dt.date
    reason: str
    approved_at: dt.datetime
    approved_by: str


@dataclass(frozen=True)
class PurchaseOrder:
    """A written order against a contract; it bears the contract number and waits for the Comptroller (R-9k)."""

    id: str
    contract_id: str  # the contract number printed on the order
    agency: str
    contractor_org: str
    contractor_email: str
    contact_email: str  # the agency's contact for deliveries and invoices
    lines: tuple[OrderLine, ...]
    deliver_by: dt.date
    created_at: dt.datetime
    status: OrderStatus = OrderStatus.AWAITING_APPROVAL
    comptroller_approval: str | None = None  # the Comptroller's approval reference
    approved_at: dt.datetime | None = None
    extensions: tuple[DeliveryExtension, ...] = ()
    version: int = 0

    @property
    def effective_deliver_by(self) -> dt.date:
        return self.extensions[-1].deliver_by if self.extensions else self.deliver_by

    def line(self, line_id: str) -> OrderLine | None:
        return next((line for line in self.lines if line.line_id == line_id), None)


def require_active(contract: Contract, rule: str) -> None:
    if contract.status is not ContractStatus.ACTIVE:
        raise Conflict(f"Contract {contract.id} is {contract.status.value}; nothing may be ordered, delivered or invoiced against it.", rule=rule, details=[{"contract_id": contract.id, "status": contract.status.value}])


def _positive_quantities(lines: list[tuple[str, Decimal]], rule: str, known: set[str]) -> None:
    problems = []
    seen = set()
    for i, (line_id, quantity) in enumerate(lines):
        if line_id not in known:
            problems.append({"field": f"lines[{i}].line_id", "problem": f"{line_id} is not a line of the contract or order"})
        if line_id in seen:
            problems.append({"field": f"lines[{i}].line_id", "problem": f"{line_id} is listed twice"})
        seen.add(line_id)
        if quantity <= 0:
            problems.append({"field": f"lines[{i}].quantity", "problem": "must be greater than 0"})
    if not lines:
        problems.append({"field": "lines", "problem": "at least one line is needed"})
    if problems:
        raise ValidationFailed("The quantities are invalid.", rule=rule, details=problems)


def ordered_quantities(orders: list[PurchaseOrder]) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for order in orders:
        for line in order.lines:
            totals[line.line_id] = totals.get(line.line_id, ZERO) + line.quantity
    return totals


def quantity_limits(contract: Contract) -> dict[str, tuple[Decimal, Decimal]]:
    """R-9a: per contract line, the least and most the State may order in all (±10%)."""
    return {
        line.line_id: (line.quantity * (1 - QUANTITY_TOLERANCE), line.quantity * (1 + QUANTITY_TOLERANCE))
        for line in contract.lines
    }


def new_order(
    *, order_id: str, contract: Contract, existing: list[PurchaseOrder], lines: list[tuple[str, Decimal]],
    deliver_by: dt.date, contact_email: str, now: dt.datetime,
) -> PurchaseOrder:
    """R-9a/R-9k: a written order on an active contract; cumulative quantities stay within +10% of the contract."""
    require_active(contract, "R-9k")
    _positive_quantities(lines, "R-9a", {line.line_id for line in contract.lines})
    if deliver_by < calendar.local_date(now):
        raise ValidationFailed("The delivery date is in the past.", rule="R-11", details=[{"field": "deliver_by", "problem": "must be today or later"}])
    already = ordered_quantities(existing)
    limits = quantity_limits(contract)
    problems = []
    for i, (line_id, quantity) in enumerate(lines):
        most = limits[line_id][1]
        total = already.get(line_id, ZERO) + quantity
        if total > most:
            problems.append({
                "field": f"lines[{i}].quantity",
                "problem": f"brings line {line_id} to {total}, more than {most} (contract quantity {contract.line(line_id).quantity} + 10%)",
            })
    if problems:
        raise ValidationFailed("The order exceeds the contract quantity by more than ten percent.", rule="R-9a", details=problems)
    return PurchaseOrder(
        id=order_id, contract_id=contract.id, agency=contract.agency, contractor_org=contract.contractor_org,
        contractor_email=contract.contractor_email, contact_email=contact_email,
        lines=tuple(OrderLine(line_id, quantity, contract.line(line_id).unit_price) for line_id, quantity in lines),
        deliver_by=deliver_by, created_at=now,
    )


def approve(order: PurchaseOrder, reference: str, now: dt.datetime) -> PurchaseOrder:
    """R-9k: the Comptroller's approval, recorded with its reference; the order may then be sent."""
    if order.status is OrderStatus.APPROVED:
        raise Conflict(f"Order {order.id} was approved on {calendar.iso_local(order.approved_at)}.", rule="R-9k")
    if not reference.strip():
        raise ValidationFailed("The Comptroller's approval reference is required.", rule="R-9k", details=[{"field": "approval_reference", "problem": "must not be blank"}])
    return dataclasses.replace(order, status=OrderStatus.APPROVED, comptroller_approval=reference.strip(), approved_at=now)


def extend(order: PurchaseOrder, deliver_by: dt.date, reason: str, actor: str, now: dt.datetime) -> PurchaseOrder:
    """R-11: a delivery extension applies only to this order and only once the State approves it."""
    if deliver_by <= order.effective_deliver_by:
        raise ValidationFailed("An extension must move the delivery date later.", rule="R-11", details=[{"field": "deliver_by", "problem": f"must be after {order.effective_deliver_by.isoformat()}"}])
    if not reason.strip():
        raise ValidationFailed("An extension must state its reason.", rule="R-11", details=[{"field": "reason", "problem": "must not be blank"}])
    return dataclasses.replace(order, extensions=order.extensions + (DeliveryExtension(deliver_by, reason.strip(), now, actor),))


# --- deliveries, inspection, rejected goods -----------------------------------------------------------------

class DeliveryStatus(str, enum.Enum):
    RECEIVED = "received"  # awaiting inspection
    INSPECTED = "inspected"


class RejectedGoods(str, enum.Enum):
    NONE = "none"
    AWAITING_REMOVAL = "awaiting_removal"
    REMOVED = "removed"
    ABANDONED = "abandoned"  # R-9j: left more than 48 hours after notice; the State's property


@dataclass(frozen=True)
class DeliveryLine:
    line_id: str
    quantity: Decimal
    accepted: Decimal | None = None
    rejected: Decimal | None = None
    adjusted_unit_price: Decimal | None = None  # accepted at an adjusted price


@dataclass(frozen=True)
class Delivery:
    id: str
    order_id: str
    contract_id: str
    agency: str
    contractor_org: str
    contractor_email: str
    lines: tuple[DeliveryLine, ...]
    received_at: dt.datetime
    replaces: str | None = None  # a replacement of rejected goods names the rejected delivery
    status: DeliveryStatus = DeliveryStatus.RECEIVED
    inspected_at: dt.datetime | None = None
    rejection_reason: str | None = None
    rejected_goods: RejectedGoods = RejectedGoods.NONE
    removal_deadline: dt.datetime | None = None
    removed_at: dt.datetime | None = None
    abandoned_at: dt.datetime | None = None
    version: int = 0

    @property
    def rejected_quantity(self) -> Decimal:
        return sum((line.rejected or ZERO for line in self.lines), ZERO)


def outstanding(order: PurchaseOrder, deliveries: list[Delivery], open_market: dict[str, Decimal] | None = None) -> dict[str, Decimal]:
    """Per line: ordered less accepted, less awaiting inspection, less bought on the open market (R-9i)."""
    left = {line.line_id: line.quantity for line in order.lines}
    for delivery in deliveries:
        for line in delivery.lines:
            taken = line.quantity if delivery.status is DeliveryStatus.RECEIVED else (line.accepted or ZERO)
            left[line.line_id] -= taken
    for line_id, quantity in (open_market or {}).items():
        left[line_id] -= quantity
    return left


def receive(
    *, delivery_id: str, order: PurchaseOrder, deliveries: list[Delivery], lines: list[tuple[str, Decimal]],
    now: dt.datetime, replaces: str | None = None, open_market: dict[str, Decimal] | None = None,
) -> Delivery:
    """R-11/R-9k: goods are received only against an approved order, and only as ordered."""
    if order.status is not OrderStatus.APPROVED:
        raise Conflict(f"Order {order.id} has no Comptroller approval yet; delivery without a formal order is at the contractor's risk.", rule="R-9k")
    _positive_quantities(lines, "R-11", {line.line_id for line in order.lines})
    left = outstanding(order, deliveries, open_market)
    problems = [
        {"field": f"lines[{i}].quantity", "problem": f"{quantity} is more than the {left[line_id]} still to deliver on line {line_id}"}
        for i, (line_id, quantity) in enumerate(lines) if quantity > left[line_id]
    ]
    if problems:
        raise ValidationFailed("Delivery must be made as ordered.", rule="R-11", details=problems)
    if replaces is not None and not any(d.id == replaces and d.rejected_quantity > 0 for d in deliveries):
        raise ValidationFailed("A replacement must name a delivery of this order with rejected goods.", rule="R-9i", details=[{"field": "replaces", "problem": f"{replaces} has no rejected goods"}])
    return Delivery(
        id=delivery_id, order_id=order.id, contract_id=order.contract_id, agency=order.agency,
        contractor_org=order.contractor_org, contractor_email=order.contractor_email,
        lines=tuple(DeliveryLine(line_id, quantity) for line_id, quantity in lines), received_at=now, replaces=replaces,
    )


@dataclass(frozen=True)
class LineInspection:
    line_id: str
    accepted: Decimal
    rejected: Decimal
    adjusted_unit_price: Decimal | None = None


def inspect(delivery: Delivery, order: PurchaseOrder, results: list[LineInspection], reason: str | None, now: dt.datetime) -> Delivery:
    """R-12: each delivered line is accepted, rejected, or accepted at an adjusted price. A rejection starts
    the 48-hour removal window (R-9j)."""
    if delivery.status is DeliveryStatus.INSPECTED:
        raise Conflict(f"Delivery {delivery.id} was inspected on {calendar.iso_local(delivery.inspected_at)}.", rule="R-12")
    by_line = {r.line_id: r for r in results}
    problems = []
    for line in delivery.lines:
        result = by_line.get(line.line_id)
        if result is None:
            problems.append({"field": "lines", "problem": f"line {line.line_id} is not inspected"})
            continue
        if result.accepted < 0 or result.rejected < 0:
            problems.append({"field": f"lines.{line.line_id}", "problem": "quantities must not be negative"})
        elif result.accepted + result.rejected != line.quantity:
            problems.append({"field": f"lines.{line.line_id}", "problem": f"accepted + rejected must equal the {line.quantity} delivered"})
        if result.adjusted_unit_price is not None:
            price = order.line(line.line_id).unit_price
            if not (ZERO <= result.adjusted_unit_price < price):
                problems.append({"field": f"lines.{line.line_id}.adjusted_unit_price", "problem": f"must be below the contract price {price}"})
            if result.accepted == 0:
                problems.append({"field": f"lines.{line.line_id}.adjusted_unit_price", "problem": "applies only to accepted goods"})
    for line_id in by_line.keys() - {line.line_id for line in delivery.lines}:
        problems.append({"field": "lines", "problem": f"line {line_id} was not delivered"})
    rejected = any(r.rejected > 0 for r in results)
    if rejected and not (reason or "").strip():
        problems.append({"field": "reason", "problem": "a rejection must state why"})
    if problems:
        raise ValidationFailed("The inspection result is invalid.", rule="R-12", details=problems)
    lines = tuple(
        dataclasses.replace(line, accepted=by_line[line.line_id].accepted, rejected=by_line[line.line_id].rejected,
                            adjusted_unit_price=by_line[line.line_id].adjusted_unit_price)
        for line in delivery.lines
    )
    return dataclasses.replace(
        delivery, lines=lines, status=DeliveryStatus.INSPECTED, inspected_at=now,
        rejection_reason=reason.strip() if rejected else None,
        rejected_goods=RejectedGoods.AWAITING_REMOVAL if rejected else RejectedGoods.NONE,
        removal_deadline=removal_deadline(now) if rejected else None,
    )


def removal_deadline(notified_at: dt.datetime) -> dt.datetime:
    """R-9j: 48 hours after the rejection notice."""
    return calendar.to_utc(notified_at) + REMOVAL_WINDOW


def record_removal(delivery: Delivery, now: dt.datetime) -> Delivery:
    if delivery.rejected_goods is not RejectedGoods.AWAITING_REMOVAL:
        raise Conflict(f"Delivery {delivery.id} has no rejected goods awaiting removal (they are {delivery.rejected_goods.value}).", rule="R-9j")
    if now > delivery.removal_deadline:
        raise DeadlinePassed(f"The 48 hours to remove rejected goods ended at {calendar.iso_local(delivery.removal_deadline)}; they are abandoned to the State.", rule="R-9j")
    return dataclasses.replace(delivery, rejected_goods=RejectedGoods.REMOVED, removed_at=now)


def abandon(delivery: Delivery, now: dt.datetime) -> Delivery | None:
    """R-9j: rejected goods still there when the 48 hours end become the State's; None if nothing changes."""
    if delivery.rejected_goods is not RejectedGoods.AWAITING_REMOVAL or now < delivery.removal_deadline:
        return None
    return dataclasses.replace(delivery, rejected_goods=RejectedGoods.ABANDONED, abandoned_at=now)


def accepted_value(deliveries: list[Delivery], order: PurchaseOrder) -> Decimal:
    """What the State owes for accepted goods: contract price, or the adjusted price (R-12, R-13e)."""
    total = ZERO
    for delivery in deliveries:
        for line in delivery.lines:
            if line.accepted:
                price = line.adjusted_unit_price if line.adjusted_unit_price is not None else order.line(line.line_id).unit_price
                total += line.accepted * price
    return to_cents(total)


def goods_received_on(deliveries: list[Delivery]) -> dt.date | None:
    """R-13a: the goods count as received on the latest receipt of goods that were accepted."""
    days = [calendar.local_date(d.received_at) for d in deliveries if d.status is DeliveryStatus.INSPECTED and any(line.accepted for line in d.lines)]
    return max(days) if days else None


# --- open-market purchases (R-9i) and force majeure (R-14) --------------------------------------------------

@dataclass(frozen=True)
class OpenMarketPurchase:
    """Goods bought elsewhere because the contractor was late or did not replace rejected goods; the excess
    over the contract price is charged to the contractor and set off against what the State owes (R-13d)."""

    id: str
    contract_id: str
    order_id: str
    agency: str
    contractor_org: str
    line_id: str
    quantity: Decimal
    cost: Decimal
    contract_cost: Decimal
    reason: str
    recorded_at: dt.datetime
    set_off: Decimal = ZERO  # already deducted from invoices
    version: int = 0

    @property
    def excess(self) -> Decimal:
        return max(self.cost - self.contract_cost, ZERO)

    @property
    def unrecovered(self) -> Decimal:
        return self.excess - self.set_off


def open_market_purchase(
    *, purchase_id: str, order: PurchaseOrder, deliveries: list[Delivery], previous: dict[str, Decimal], line_id: str,
    quantity: Decimal, cost: Decimal, reason: str, now: dt.datetime,
) -> OpenMarketPurchase:
    """R-9i: allowed for quantities still owed when the delivery date has passed or goods of the line were rejected."""
    line = order.line(line_id)
    problems = []
    if line is None:
        raise ValidationFailed("No such line on the order.", rule="R-9i", details=[{"field": "line_id", "problem": f"{line_id} is not on order {order.id}"}])
    if quantity <= 0:
        problems.append({"field": "quantity", "problem": "must be greater than 0"})
    if cost < 0:
        problems.append({"field": "cost", "problem": "must not be negative"})
    if not reason.strip():
        problems.append({"field": "reason", "problem": "must not be blank"})
    left = outstanding(order, deliveries, previous)[line_id]
    if quantity > left:
        problems.append({"field": "quantity", "problem": f"only {left} of line {line_id} is still owed"})
    if problems:
        raise ValidationFailed("The open-market purchase is invalid.", rule="R-9i", details=problems)
    late = now > calendar.end_of_local_day(order.effective_deliver_by)
    rejected = any((dl.rejected or ZERO) > 0 for d in deliveries for dl in d.lines if dl.line_id == line_id)
    if not (late or rejected):
        raise Conflict(
            f"Line {line_id} is neither late (delivery is due by {order.effective_deliver_by.isoformat()}) nor rejected; the open market is not yet open.",
            rule="R-9i",
        )
    return OpenMarketPurchase(
        id=purchase_id, contract_id=order.contract_id, order_id=order.id, agency=order.agency,
        contractor_org=order.contractor_org, line_id=line_id, quantity=quantity, cost=cost,
        contract_cost=to_cents(quantity * line.unit_price), reason=reason.strip(), recorded_at=now,
    )


@dataclass(frozen=True)
class ForceMajeureNotice:
    """R-14: the contractor's immediate written notice of a delay beyond its control."""

    id: str
    contract_id: str
    agency: str
    contractor_org: str
    cause: str
    probable_duration_days: int
    noticed_at: dt.datetime
    version: int = 0


def force_majeure(*, notice_id: str, contract: Contract, cause: str, probable_duration_days: int, now: dt.datetime) -> ForceMajeureNotice:
    problems = []
    if not cause.strip():
        problems.append({"field": "cause", "problem": "must explain the cause of the delay"})
    if probable_duration_days <= 0:
        problems.append({"field": "probable_duration_days", "problem": "must be greater than 0"})
    if problems:
        raise ValidationFailed("A force-majeure notice must give the cause and probable duration.", rule="R-14", details=problems)
    return ForceMajeureNotice(notice_id, contract.id, contract.agency, contract.contractor_org, cause.strip(), probable_duration_days, now)
