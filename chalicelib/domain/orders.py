"""Contract performance before payment: purchase orders within the term by the ordering agencies (R-9a, R-9b,
R-9d/e, R-9k), deliveries, extensions and inspection (R-11, R-12), rejected goods (R-9j), open-market purchases at
the contractor's expense (R-9i) and force-majeure notices (R-14).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain import calendar
from chalicelib.domain.contracts import Contract, closing_of, require_active
from chalicelib.domain.errors import Conflict, DeadlinePassed, Forbidden, ValidationFailed
from chalicelib.domain.money import to_cents

QUANTITY_TOLERANCE = Decimal("0.10")  # R-9a: up to ten percent more or less than the contract quantity
REMOVAL_WINDOW = dt.timedelta(hours=48)  # R-9j
ZERO = Decimal(0)


class OrderStatus(str, enum.Enum):
    AWAITING_APPROVAL = "awaiting_comptroller_approval"
    APPROVED = "approved"


MAX_EXTENSIONS = 20  # delivery extension requests of one order, each with its reason and decision


@dataclass(frozen=True)
class OrderLine:
    line_id: str
    quantity: Decimal
    unit_price: Decimal


class ExtensionStatus(str, enum.Enum):
    REQUESTED = "requested"
    APPROVED = "approved"
    REFUSED = "refused"


@dataclass(frozen=True)
class DeliveryExtension:
    """R-11: the contractor's request for a later delivery date of one order, and the State's decision."""

    deliver_by: dt.date
    reason: str
    requested_at: dt.datetime
    requested_by: str
    status: ExtensionStatus = ExtensionStatus.REQUESTED
    decided_at: dt.datetime | None = None
    decided_by: str | None = None
    decision_reason: str | None = None


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
        approved = [e for e in self.extensions if e.status is ExtensionStatus.APPROVED]
        return approved[-1].deliver_by if approved else self.deliver_by

    @property
    def pending_extension(self) -> DeliveryExtension | None:
        return next((e for e in self.extensions if e.status is ExtensionStatus.REQUESTED), None)

    def line(self, line_id: str) -> OrderLine | None:
        return next((line for line in self.lines if line.line_id == line_id), None)

    @property
    def unit_prices(self) -> dict[str, Decimal]:
        """The contract price of each line ordered, by line id."""
        return {line.line_id: line.unit_price for line in self.lines}


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


def require_within_term(contract: Contract, now: dt.datetime) -> None:
    """R-9d/e: orders are placed only during the term (as extended by an accepted amendment), from the start of its
    first Connecticut day."""
    start, end = contract.term_start, contract.term_end
    if start is not None and now < calendar.start_of_local_day(start):
        raise Conflict(
            f"The term of contract {contract.id} starts on {start.isoformat()}; no order before it.",
            rule="R-9d/e",
            details=[{"field": "contract_id", "problem": f"term starts {start.isoformat()}"}],
        )
    if end is not None and now >= closing_of(end):
        raise DeadlinePassed(
            f"The term of contract {contract.id} ended on {end.isoformat()}. Orders placed before the end "
            f"are still delivered; a new order needs the term extended by an amendment the contractor accepts (R-9c).",
            rule="R-9d/e",
            details=[{"field": "contract_id", "problem": f"term ended {end.isoformat()}"}],
        )


def require_ordering_agency(contract: Contract, agency: str) -> None:
    """R-9b: an agency not named in the contract orders only once the contractor accepted it."""
    if agency not in contract.ordering_agencies:
        raise Forbidden(
            f"Agency {agency} is not an ordering agency of contract {contract.id}; the contractor must first accept it.",
            rule="R-9b",
            details=[{"field": "agency", "problem": f"{agency} is not accepted by the contractor"}],
        )


def quantity_limits(contract: Contract) -> dict[str, tuple[Decimal, Decimal]]:
    """R-9a: per contract line, the least and most the State may order in all (±10%)."""
    return {
        line.line_id: (line.quantity * (1 - QUANTITY_TOLERANCE), line.quantity * (1 + QUANTITY_TOLERANCE))
        for line in contract.lines
    }


@dataclass(frozen=True)
class Shortfall:
    line_id: str
    contract_quantity: Decimal
    ordered: Decimal
    least: Decimal  # 90% of the contract quantity


def shortfalls(contract: Contract, orders: list[PurchaseOrder]) -> tuple[Shortfall, ...]:
    """R-9a: the lines whose cumulative orders fell short of 90% of the contract quantity."""
    ordered = ordered_quantities(orders)
    limits = quantity_limits(contract)
    return tuple(
        Shortfall(line.line_id, line.quantity, ordered.get(line.line_id, ZERO), limits[line.line_id][0])
        for line in contract.lines
        if ordered.get(line.line_id, ZERO) < limits[line.line_id][0]
    )


def new_order(
    *,
    order_id: str,
    contract: Contract,
    agency: str,
    existing: list[PurchaseOrder],
    lines: list[tuple[str, Decimal]],
    deliver_by: dt.date,
    contact_email: str,
    now: dt.datetime,
) -> PurchaseOrder:
    """R-9a/R-9b/R-9d/R-9k: a written order by an ordering agency on an active contract within its term;
    cumulative quantities of all agencies stay within +10% of the contract."""
    require_active(contract, "R-9k")
    require_ordering_agency(contract, agency)
    require_within_term(contract, now)
    _positive_quantities(lines, "R-9a", {line.line_id for line in contract.lines})
    if deliver_by < calendar.local_date(now):
        raise ValidationFailed(
            "The delivery date is in the past.",
            rule="R-11",
            details=[{"field": "deliver_by", "problem": "must be today or later"}],
        )
    already = ordered_quantities(existing)
    limits = quantity_limits(contract)
    contract_lines = {line.line_id: line for line in contract.lines}
    problems = []
    for i, (line_id, quantity) in enumerate(lines):
        most = limits[line_id][1]
        total = already.get(line_id, ZERO) + quantity
        if total > most:
            problems.append(
                {
                    "field": f"lines[{i}].quantity",
                    "problem": f"brings line {line_id} to {total}, more than {most} (contract quantity {contract_lines[line_id].quantity} + 10%)",
                }
            )
    if problems:
        raise ValidationFailed("The order exceeds the contract quantity by more than ten percent.", rule="R-9a", details=problems)
    return PurchaseOrder(
        id=order_id,
        contract_id=contract.id,
        agency=agency,
        contractor_org=contract.contractor_org,
        contractor_email=contract.contractor_email,
        contact_email=contact_email,
        lines=tuple(OrderLine(line_id, quantity, contract_lines[line_id].unit_price) for line_id, quantity in lines),
        deliver_by=deliver_by,
        created_at=now,
    )


def approve(order: PurchaseOrder, reference: str, now: dt.datetime) -> PurchaseOrder:
    """R-9k: the Comptroller's approval, recorded with its reference; the order may then be sent."""
    if order.status is OrderStatus.APPROVED:
        assert order.approved_at is not None  # approved with its instant
        raise Conflict(f"Order {order.id} was approved on {calendar.iso_local(order.approved_at)}.", rule="R-9k")
    if not reference.strip():
        raise ValidationFailed(
            "The Comptroller's approval reference is required.",
            rule="R-9k",
            details=[{"field": "approval_reference", "problem": "must not be blank"}],
        )
    return dataclasses.replace(order, status=OrderStatus.APPROVED, comptroller_approval=reference.strip(), approved_at=now)


def request_extension(order: PurchaseOrder, deliver_by: dt.date, reason: str, actor: str, now: dt.datetime) -> PurchaseOrder:
    """R-11: the contractor asks for a later delivery date of this order; it applies only once the State approves."""
    pending = order.pending_extension
    if pending is not None:
        raise Conflict(
            f"The extension to {pending.deliver_by.isoformat()} requested for order {order.id} awaits the State's decision.",
            rule="R-11",
        )
    problems = []
    if len(order.extensions) >= MAX_EXTENSIONS:
        problems.append({"field": "deliver_by", "problem": f"an order has at most {MAX_EXTENSIONS} extension requests"})
    if deliver_by <= order.effective_deliver_by:
        problems.append({"field": "deliver_by", "problem": f"must be after {order.effective_deliver_by.isoformat()}"})
    if not reason.strip():
        problems.append({"field": "reason", "problem": "must not be blank"})
    if problems:
        raise ValidationFailed(
            "An extension request must move the delivery date later and state its reason.", rule="R-11", details=problems
        )
    return dataclasses.replace(order, extensions=order.extensions + (DeliveryExtension(deliver_by, reason.strip(), now, actor),))


def decide_extension(order: PurchaseOrder, *, approve: bool, reason: str, actor: str, now: dt.datetime) -> PurchaseOrder:
    """R-11: the State approves or refuses the pending request; a refusal states why."""
    pending = order.pending_extension
    if pending is None:
        raise Conflict(f"Order {order.id} has no delivery extension request awaiting a decision.", rule="R-11")
    if not approve and not reason.strip():
        raise ValidationFailed(
            "A refusal must state its reason.", rule="R-11", details=[{"field": "reason", "problem": "must not be blank"}]
        )
    decided = dataclasses.replace(
        pending,
        status=ExtensionStatus.APPROVED if approve else ExtensionStatus.REFUSED,
        decided_at=now,
        decided_by=actor,
        decision_reason=reason.strip() or None,
    )
    return dataclasses.replace(order, extensions=tuple(decided if e is pending else e for e in order.extensions))


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
    proposed_unit_price: Decimal | None = None  # the agency proposes accepting substandard goods at this price
    adjusted_unit_price: Decimal | None = None  # the price purchasing determined (final and binding)


@dataclass(frozen=True)
class PriceDetermination:
    """R-12: purchasing's determination, for the Commissioner, of the adjusted prices the agency proposed."""

    determined_by: str
    determined_at: dt.datetime
    reason: str


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
    price_determination: PriceDetermination | None = None
    version: int = 0

    @property
    def rejected_quantity(self) -> Decimal:
        return sum((line.rejected or ZERO for line in self.lines), ZERO)

    @property
    def removal_due(self) -> dt.datetime | None:
        """R-9j: the end of the 48 hours while rejected goods await removal; None when none await it."""
        return self.removal_deadline if self.rejected_goods is RejectedGoods.AWAITING_REMOVAL else None

    @property
    def awaiting_price_determination(self) -> bool:
        return self.price_determination is None and any(line.proposed_unit_price is not None for line in self.lines)


def outstanding(
    order: PurchaseOrder, deliveries: list[Delivery], open_market: dict[str, Decimal] | None = None
) -> dict[str, Decimal]:
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
    *,
    delivery_id: str,
    order: PurchaseOrder,
    deliveries: list[Delivery],
    lines: list[tuple[str, Decimal]],
    now: dt.datetime,
    replaces: str | None = None,
    open_market: dict[str, Decimal] | None = None,
) -> Delivery:
    """R-11/R-9k: goods are received only against an approved order, and only as ordered."""
    if order.status is not OrderStatus.APPROVED:
        raise Conflict(
            f"Order {order.id} has no Comptroller approval yet; delivery without a formal order is at the contractor's risk.",
            rule="R-9k",
        )
    _positive_quantities(lines, "R-11", {line.line_id for line in order.lines})
    left = outstanding(order, deliveries, open_market)
    problems = [
        {
            "field": f"lines[{i}].quantity",
            "problem": f"{quantity} is more than the {left[line_id]} still to deliver on line {line_id}",
        }
        for i, (line_id, quantity) in enumerate(lines)
        if quantity > left[line_id]
    ]
    if problems:
        raise ValidationFailed("Delivery must be made as ordered.", rule="R-11", details=problems)
    if replaces is not None and not any(d.id == replaces and d.rejected_quantity > 0 for d in deliveries):
        raise ValidationFailed(
            "A replacement must name a delivery of this order with rejected goods.",
            rule="R-9i",
            details=[{"field": "replaces", "problem": f"{replaces} has no rejected goods"}],
        )
    return Delivery(
        id=delivery_id,
        order_id=order.id,
        contract_id=order.contract_id,
        agency=order.agency,
        contractor_org=order.contractor_org,
        contractor_email=order.contractor_email,
        lines=tuple(DeliveryLine(line_id, quantity) for line_id, quantity in lines),
        received_at=now,
        replaces=replaces,
    )


@dataclass(frozen=True)
class LineInspection:
    line_id: str
    accepted: Decimal
    rejected: Decimal
    proposed_unit_price: Decimal | None = None


def inspect(
    delivery: Delivery, order: PurchaseOrder, results: list[LineInspection], reason: str | None, now: dt.datetime
) -> Delivery:
    """R-12: each delivered line is accepted, rejected, or accepted at an adjusted price the agency proposes and
    purchasing determines. A rejection starts the 48-hour removal window (R-9j)."""
    if delivery.status is DeliveryStatus.INSPECTED:
        assert delivery.inspected_at is not None  # inspected with its instant
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
            problems.append(
                {"field": f"lines.{line.line_id}", "problem": f"accepted + rejected must equal the {line.quantity} delivered"}
            )
        if result.proposed_unit_price is not None:
            price = order.unit_prices[line.line_id]
            if not (ZERO <= result.proposed_unit_price < price):
                problems.append(
                    {"field": f"lines.{line.line_id}.proposed_unit_price", "problem": f"must be below the contract price {price}"}
                )
            if result.accepted == 0:
                problems.append(
                    {"field": f"lines.{line.line_id}.proposed_unit_price", "problem": "applies only to accepted goods"}
                )
    for line_id in by_line.keys() - {line.line_id for line in delivery.lines}:
        problems.append({"field": "lines", "problem": f"line {line_id} was not delivered"})
    rejected = any(r.rejected > 0 for r in results)
    stated = (reason or "").strip()
    if rejected and not stated:
        problems.append({"field": "reason", "problem": "a rejection must state why"})
    if problems:
        raise ValidationFailed("The inspection result is invalid.", rule="R-12", details=problems)
    lines = tuple(
        dataclasses.replace(
            line,
            accepted=by_line[line.line_id].accepted,
            rejected=by_line[line.line_id].rejected,
            proposed_unit_price=by_line[line.line_id].proposed_unit_price,
        )
        for line in delivery.lines
    )
    return dataclasses.replace(
        delivery,
        lines=lines,
        status=DeliveryStatus.INSPECTED,
        inspected_at=now,
        rejection_reason=stated if rejected else None,
        rejected_goods=RejectedGoods.AWAITING_REMOVAL if rejected else RejectedGoods.NONE,
        removal_deadline=removal_deadline(now) if rejected else None,
    )


def determine_prices(
    delivery: Delivery, order: PurchaseOrder, prices: dict[str, Decimal], reason: str, actor: str, now: dt.datetime
) -> Delivery:
    """R-12: purchasing determines the adjusted price of every line the agency proposed one for; the
    determination is final and binding, so it is made once."""
    if delivery.price_determination is not None:
        raise Conflict(
            f"The prices of delivery {delivery.id} were determined on {calendar.iso_local(delivery.price_determination.determined_at)}; the determination is final.",
            rule="R-12",
        )
    proposed = {line.line_id for line in delivery.lines if line.proposed_unit_price is not None}
    if not proposed:
        raise Conflict(f"The agency proposed no adjusted price for delivery {delivery.id}.", rule="R-12")
    problems = [
        {"field": "lines", "problem": f"line {line_id} has no proposed adjusted price"}
        for line_id in sorted(prices.keys() - proposed)
    ]
    problems += [
        {"field": "lines", "problem": f"line {line_id} needs a determined price"} for line_id in sorted(proposed - prices.keys())
    ]
    for line_id, price in prices.items():
        if line_id in proposed and not (ZERO <= price <= order.unit_prices[line_id]):
            problems.append(
                {
                    "field": f"lines.{line_id}.adjusted_unit_price",
                    "problem": f"must be between 0 and the contract price {order.unit_prices[line_id]}",
                }
            )
    if not reason.strip():
        problems.append({"field": "reason", "problem": "must not be blank"})
    if problems:
        raise ValidationFailed("The price determination is invalid.", rule="R-12", details=problems)
    lines = tuple(
        dataclasses.replace(line, adjusted_unit_price=prices[line.line_id]) if line.line_id in proposed else line
        for line in delivery.lines
    )
    return dataclasses.replace(delivery, lines=lines, price_determination=PriceDetermination(actor, now, reason.strip()))


def removal_deadline(notified_at: dt.datetime) -> dt.datetime:
    """R-9j: 48 hours after the rejection notice."""
    return calendar.to_utc(notified_at) + REMOVAL_WINDOW


def record_removal(delivery: Delivery, now: dt.datetime) -> Delivery:
    due = delivery.removal_due
    if due is None:
        raise Conflict(
            f"Delivery {delivery.id} has no rejected goods awaiting removal (they are {delivery.rejected_goods.value}).",
            rule="R-9j",
        )
    if now >= due:  # the 48 hours end at `due`: from that instant the goods are abandoned (`abandon`), never removed
        raise DeadlinePassed(
            f"The 48 hours to remove rejected goods ended at {calendar.iso_local(due)}; they are abandoned to the State.",
            rule="R-9j",
        )
    return dataclasses.replace(delivery, rejected_goods=RejectedGoods.REMOVED, removed_at=now)


def abandon(delivery: Delivery, now: dt.datetime) -> Delivery | None:
    """R-9j: rejected goods still there when the 48 hours end become the State's; None if nothing changes."""
    due = delivery.removal_due
    if due is None or now < due:
        return None
    return dataclasses.replace(delivery, rejected_goods=RejectedGoods.ABANDONED, abandoned_at=now)


def accepted_value(deliveries: list[Delivery], order: PurchaseOrder) -> Decimal:
    """What the State owes for accepted goods: contract price, or the adjusted price purchasing determined (R-12,
    R-13e). Goods whose adjusted price is still to be determined are not yet payable."""
    total = ZERO
    for delivery in deliveries:
        for line in delivery.lines:
            if line.accepted and not (delivery.awaiting_price_determination and line.proposed_unit_price is not None):
                price = line.adjusted_unit_price if line.adjusted_unit_price is not None else order.unit_prices[line.line_id]
                total += line.accepted * price
    return to_cents(total)


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
    *,
    purchase_id: str,
    order: PurchaseOrder,
    deliveries: list[Delivery],
    previous: dict[str, Decimal],
    line_id: str,
    quantity: Decimal,
    cost: Decimal,
    reason: str,
    now: dt.datetime,
) -> OpenMarketPurchase:
    """R-9i: allowed for quantities still owed when the delivery date has passed or goods of the line were rejected."""
    line = order.line(line_id)
    problems = []
    if line is None:
        raise ValidationFailed(
            "No such line on the order.",
            rule="R-9i",
            details=[{"field": "line_id", "problem": f"{line_id} is not on order {order.id}"}],
        )
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
        id=purchase_id,
        contract_id=order.contract_id,
        order_id=order.id,
        agency=order.agency,
        contractor_org=order.contractor_org,
        line_id=line_id,
        quantity=quantity,
        cost=cost,
        contract_cost=to_cents(quantity * line.unit_price),
        reason=reason.strip(),
        recorded_at=now,
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


def force_majeure(
    *, notice_id: str, contract: Contract, cause: str, probable_duration_days: int, now: dt.datetime
) -> ForceMajeureNotice:
    problems = []
    if not cause.strip():
        problems.append({"field": "cause", "problem": "must explain the cause of the delay"})
    if probable_duration_days <= 0:
        problems.append({"field": "probable_duration_days", "problem": "must be greater than 0"})
    if problems:
        raise ValidationFailed("A force-majeure notice must give the cause and probable duration.", rule="R-14", details=problems)
    return ForceMajeureNotice(
        notice_id, contract.id, contract.agency, contract.contractor_org, cause.strip(), probable_duration_days, now
    )
