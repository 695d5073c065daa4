"""Contract performance before payment: purchase orders by the ordering agencies within the term, with the
Comptroller's approval (R-9a, R-9b, R-9d/e, R-9k), delivery extensions, delivery and inspection with prices
purchasing determines (R-11, R-12), rejected goods (R-9j), open-market purchases charged to the contractor (R-9i,
R-13d) and force-majeure notices (R-14)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from chalicelib.domain import calendar
from chalicelib.domain import invoices as invoice_rules
from chalicelib.domain import orders as rules
from chalicelib.domain.contracts import Contract, require_active
from chalicelib.domain.errors import Forbidden, NotFound
from chalicelib.domain.invoices import Invoice
from chalicelib.domain.orders import Delivery, ForceMajeureNotice, LineInspection, OpenMarketPurchase, PurchaseOrder
from chalicelib.services.ports import (
    Actor,
    Change,
    Deps,
    Email,
    Listing,
    PageRequest,
    Role,
    Send,
    Write,
    require_role,
)

REJECTED_GOODS = "rejected-goods"


# --- visibility -----------------------------------------------------------------------------------------------


def visible_to(actor: Actor, agency: str, contractor_org: str) -> bool:
    return (
        actor.role is Role.PURCHASING
        or (actor.role is Role.AGENCY and actor.org == agency)
        or (actor.role is Role.VENDOR and actor.org == contractor_org)
    )


def get_contract(deps: Deps, actor: Actor, contract_id: str) -> Contract:
    """Purchasing, the contract's ordering agencies (R-9b) and its contractor see a contract; others are told it
    does not exist."""
    contract = deps.store.get(Contract, contract_id)
    if contract is None or not any(visible_to(actor, agency, contract.contractor_org) for agency in contract.ordering_agencies):
        raise NotFound(f"No contract {contract_id} is visible to the caller.")
    return contract


def get_order(deps: Deps, actor: Actor, order_id: str) -> PurchaseOrder:
    order = deps.store.get(PurchaseOrder, order_id)
    if order is None or not visible_to(actor, order.agency, order.contractor_org):
        raise NotFound(f"No purchase order {order_id} is visible to the caller.")
    return order


def get_delivery(deps: Deps, actor: Actor, delivery_id: str) -> Delivery:
    delivery = deps.store.get(Delivery, delivery_id)
    if delivery is None or not visible_to(actor, delivery.agency, delivery.contractor_org):
        raise NotFound(f"No delivery {delivery_id} is visible to the caller.")
    return delivery


def _require_agency_of(actor: Actor, agency: str) -> None:
    require_role(actor, Role.AGENCY)
    if actor.org != agency:
        raise NotFound("No such record is visible to the caller.")


def orders_of(deps: Deps, contract_id: str) -> list[PurchaseOrder]:
    return list(deps.store.iterate(PurchaseOrder, "by_contract", contract_id))


def deliveries_of(deps: Deps, order_id: str) -> list[Delivery]:
    return list(deps.store.iterate(Delivery, "by_order", order_id))


def open_market_of(deps: Deps, contract_id: str) -> list[OpenMarketPurchase]:
    return list(deps.store.iterate(OpenMarketPurchase, "by_contract", contract_id))


def _open_market_quantities(purchases: list[OpenMarketPurchase], order_id: str) -> dict[str, Decimal]:
    totals: dict[str, Decimal] = {}
    for p in purchases:
        if p.order_id == order_id:
            totals[p.line_id] = totals.get(p.line_id, Decimal(0)) + p.quantity
    return totals


# --- orders ---------------------------------------------------------------------------------------------------


def place_order(
    deps: Deps,
    actor: Actor,
    contract_id: str,
    *,
    lines: list[tuple[str, Decimal]],
    deliver_by: dt.date,
    contact_email: str,
) -> PurchaseOrder:
    """An ordering agency of the contract (R-9b) writes an order bearing the contract number, within the term
    (R-9d/e); it waits for the Comptroller (R-9k). An agency not yet accepted is told so, with the rule."""
    require_role(actor, Role.AGENCY)
    contract = deps.load(Contract, contract_id)
    now = deps.clock.now()
    order = rules.new_order(
        order_id=deps.ids.new("PO"),
        contract=contract,
        agency=actor.org,
        existing=orders_of(deps, contract.id),
        lines=lines,
        deliver_by=deliver_by,
        contact_email=contact_email,
        now=now,
    )
    (order,) = deps.store.commit(actor, now, [Change(action="order.placed", after=order)])
    return order


def list_orders(deps: Deps, actor: Actor, contract_id: str, page: PageRequest) -> Listing[PurchaseOrder]:
    """A contract's orders, oldest first, for whoever sees the contract."""
    contract = get_contract(deps, actor, contract_id)
    return deps.store.page(PurchaseOrder, "by_contract", contract.id, after=page.after, limit=page.limit)


def agency_orders(deps: Deps, actor: Actor, agency: str, page: PageRequest) -> Listing[PurchaseOrder]:
    """An agency's orders on every contract, oldest first; the agency itself and purchasing see them."""
    if not (actor.role is Role.PURCHASING or (actor.role is Role.AGENCY and actor.org == agency)):
        raise Forbidden(f"Only agency {agency} and purchasing see the orders of agency {agency}.")
    return deps.store.page(PurchaseOrder, "by_agency", agency, after=page.after, limit=page.limit)


def approve_order(deps: Deps, actor: Actor, order_id: str, reference: str) -> PurchaseOrder:
    """The Bureau of Purchases records the State Comptroller's approval; the written order then goes to the
    contractor (R-9k)."""
    require_role(actor, Role.PURCHASING)
    order = get_order(deps, actor, order_id)
    now = deps.clock.now()
    approved = rules.approve(order, reference, now)
    lines = "\n".join(f"  line {line.line_id}: {line.quantity} at {line.unit_price}" for line in approved.lines)
    (approved,) = deps.commit(
        actor,
        now,
        [
            Change(action="order.comptroller_approved", after=approved, before=order),
            Send(
                f"order-{approved.id}:issued",
                Email(
                    to=(approved.contractor_email,),
                    subject=f"Purchase order {approved.id} under contract {approved.contract_id}",
                    text=(
                        f"Purchase order {approved.id}\nContract number: {approved.contract_id}\n"
                        f"Comptroller approval: {approved.comptroller_approval}\nDeliver by: {approved.deliver_by.isoformat()}\n{lines}\n"
                        f"Ordering agency contact: {approved.contact_email}."
                    ),
                ),
            ),
        ],
    )
    return approved


def request_delivery_extension(deps: Deps, actor: Actor, order_id: str, *, deliver_by: dt.date, reason: str) -> PurchaseOrder:
    """R-11: the contractor asks for a later delivery date of one order; the ordering agency is told."""
    order = get_order(deps, actor, order_id)
    require_role(actor, Role.VENDOR)
    now = deps.clock.now()
    requested = rules.request_extension(order, deliver_by, reason, actor.sub, now)
    (requested,) = deps.commit(
        actor,
        now,
        [
            Change(action="order.delivery_extension_requested", after=requested, before=order),
            Send(
                f"order-{order.id}:extension-{len(requested.extensions)}:requested",
                Email(
                    to=(order.contact_email,),
                    subject=f"Delivery extension requested for purchase order {order.id}",
                    text=f"The contractor asks to deliver purchase order {order.id} (contract {order.contract_id}) by {deliver_by.isoformat()} instead of {order.effective_deliver_by.isoformat()}.\nReason: {reason}\nThe State approves or refuses it (R-11).",
                ),
            ),
        ],
    )
    return requested


def decide_delivery_extension(deps: Deps, actor: Actor, order_id: str, *, approve: bool, reason: str = "") -> PurchaseOrder:
    """R-11: the State (the ordering agency or purchasing) approves or refuses the request; the contractor is told."""
    order = get_order(deps, actor, order_id)
    require_role(actor, Role.AGENCY, Role.PURCHASING)
    now = deps.clock.now()
    decided = rules.decide_extension(order, approve=approve, reason=reason, actor=actor.sub, now=now)
    extension = decided.extensions[-1]
    (decided,) = deps.commit(
        actor,
        now,
        [
            Change(action=f"order.delivery_extension_{'approved' if approve else 'refused'}", after=decided, before=order),
            Send(
                f"order-{order.id}:extension-{len(decided.extensions)}:{extension.status.value}",
                Email(
                    to=(order.contractor_email,),
                    subject=f"Delivery extension {extension.status.value} for purchase order {order.id}",
                    text=f"Delivery of purchase order {order.id} (contract {order.contract_id}) is due by {decided.effective_deliver_by.isoformat()}.\n{reason}".strip(),
                ),
            ),
        ],
    )
    return decided


# --- delivery and inspection ----------------------------------------------------------------------------------


def receive_delivery(
    deps: Deps,
    actor: Actor,
    order_id: str,
    *,
    lines: list[tuple[str, Decimal]],
    replaces: str | None = None,
) -> Delivery:
    order = get_order(deps, actor, order_id)
    _require_agency_of(actor, order.agency)
    contract = deps.store.get(Contract, order.contract_id)
    require_active(contract, "R-11")
    now = deps.clock.now()
    delivery = rules.receive(
        delivery_id=deps.ids.new("DL"),
        order=order,
        deliveries=deliveries_of(deps, order.id),
        lines=lines,
        now=now,
        replaces=replaces,
        open_market=_open_market_quantities(open_market_of(deps, order.contract_id), order.id),
    )
    (delivery,) = deps.store.commit(actor, now, [Change(action="delivery.received", after=delivery)])
    return delivery


def inspect_delivery(
    deps: Deps,
    actor: Actor,
    delivery_id: str,
    *,
    results: list[LineInspection],
    reason: str | None = None,
) -> Delivery:
    """R-12: accept, reject or accept at an adjusted price. A rejection emails the contractor and starts the
    48-hour removal timer (R-9j)."""
    delivery = get_delivery(deps, actor, delivery_id)
    _require_agency_of(actor, delivery.agency)
    order = deps.store.get(PurchaseOrder, delivery.order_id)
    now = deps.clock.now()
    inspected = rules.inspect(delivery, order, results, reason, now)
    emails: list[Write] = []
    if inspected.removal_deadline is not None:
        rejected = "\n".join(f"  line {line.line_id}: {line.rejected}" for line in inspected.lines if line.rejected)
        emails.append(
            Send(
                f"delivery-{inspected.id}:rejected",
                Email(
                    to=(inspected.contractor_email,),
                    subject=f"Goods rejected: delivery {inspected.id} of purchase order {inspected.order_id}",
                    text=(
                        f"The State rejected goods of delivery {inspected.id} (contract {inspected.contract_id}):\n{rejected}\n"
                        f"Reason: {inspected.rejection_reason}\n"
                        f"Remove them by {calendar.iso_local(inspected.removal_deadline)} (48 hours); goods left later are "
                        f"abandoned to the State (R-9j). Replace them as ordered, or the State may buy them on the open market "
                        f"at your expense (R-9i)."
                    ),
                ),
            )
        )
    if inspected.awaiting_price_determination:
        proposed = "\n".join(
            f"  line {line.line_id}: {line.accepted} at {line.proposed_unit_price}"
            for line in inspected.lines
            if line.proposed_unit_price is not None
        )
        emails.append(
            Send(
                f"delivery-{inspected.id}:price-proposed",
                Email(
                    to=(deps.mailboxes.purchasing,),
                    subject=f"Adjusted price to determine: delivery {inspected.id} of purchase order {inspected.order_id}",
                    text=f"Agency {inspected.agency} accepted substandard goods and proposes these prices (contract {inspected.contract_id}):\n{proposed}\nPurchasing determines the price (R-12).",
                ),
            )
        )
    (inspected,) = deps.commit(actor, now, [Change(action="delivery.inspected", after=inspected, before=delivery), *emails])
    if inspected.removal_deadline is not None:
        deps.workflows.start(
            REJECTED_GOODS,
            f"rejected-{inspected.id}",
            {
                "delivery_id": inspected.id,
                "removal_deadline": calendar.iso_utc(inspected.removal_deadline),
            },
        )
    return inspected


def determine_prices(deps: Deps, actor: Actor, delivery_id: str, *, prices: dict[str, Decimal], reason: str) -> Delivery:
    """R-12: purchasing determines, for the Commissioner, the adjusted prices the agency proposed; final and
    binding. The goods become payable at those prices; the contractor and the agency are told."""
    require_role(actor, Role.PURCHASING)
    delivery = get_delivery(deps, actor, delivery_id)
    order = deps.load(PurchaseOrder, delivery.order_id)
    now = deps.clock.now()
    determined = rules.determine_prices(delivery, order, prices, reason, actor.sub, now)
    lines = "\n".join(
        f"  line {line.line_id}: {line.accepted} at {line.adjusted_unit_price}"
        for line in determined.lines
        if line.adjusted_unit_price is not None
    )
    (determined,) = deps.commit(
        actor,
        now,
        [
            Change(action="delivery.prices_determined", after=determined, before=delivery),
            Send(
                f"delivery-{determined.id}:prices-determined",
                Email(
                    to=(determined.contractor_email, order.contact_email),
                    subject=f"Adjusted prices determined: delivery {determined.id} of purchase order {determined.order_id}",
                    text=f"Purchasing, for the Commissioner, determined the prices of substandard goods accepted (final and binding, R-12):\n{lines}\nReason: {reason}",
                ),
            ),
        ],
    )
    return determined


def record_removal(deps: Deps, actor: Actor, delivery_id: str) -> Delivery:
    """The agency records that the contractor removed the rejected goods within 48 hours (R-9j)."""
    delivery = get_delivery(deps, actor, delivery_id)
    _require_agency_of(actor, delivery.agency)
    now = deps.clock.now()
    removed = rules.record_removal(delivery, now)
    (removed,) = deps.store.commit(actor, now, [Change(action="delivery.rejected_goods_removed", after=removed, before=delivery)])
    return removed


def abandon_rejected_goods(deps: Deps, execution: str, delivery_id: str) -> dict:
    """Workflow task at the 48-hour mark: goods not removed are abandoned to the State (R-9j). Idempotent."""
    delivery = deps.store.get(Delivery, delivery_id)
    if delivery is None:
        raise NotFound(f"No delivery {delivery_id}.")
    now = deps.clock.now()
    abandoned = rules.abandon(delivery, now)
    if abandoned is None:
        return {"delivery_id": delivery_id, "rejected_goods": delivery.rejected_goods.value}
    deps.commit(
        Actor.system(execution),
        now,
        [
            Change(action="delivery.rejected_goods_abandoned", after=abandoned, before=delivery),
            Send(
                f"{execution}:abandoned",
                Email(
                    to=(delivery.contractor_email,),
                    subject=f"Rejected goods abandoned: delivery {delivery.id}",
                    text=(
                        f"The rejected goods of delivery {delivery.id} (contract {delivery.contract_id}) were not removed by "
                        f"{calendar.iso_local(delivery.removal_deadline)}. They are abandoned to the State, which may dispose of "
                        f"them as its own property (R-9j)."
                    ),
                ),
            ),
        ],
    )
    return {"delivery_id": delivery_id, "rejected_goods": abandoned.rejected_goods.value}


# --- open market (R-9i) with set-off (R-13d) ----------------------------------------------------------------


def open_invoices_of(deps: Deps, agency: str, contract_id: str) -> list[Invoice]:
    """Unpaid invoices of a contract, read from the agency's payment index (Query, never Scan)."""
    found = []
    for bucket in ("upcoming", "overdue"):
        found += [
            i for i in deps.store.iterate(Invoice, "by_agency_status", f"{agency}#{bucket}") if i.contract_id == contract_id
        ]
    return found


def set_off_changes(purchases: list[OpenMarketPurchase], invoices: list[Invoice], now: dt.datetime) -> list[Change]:
    """R-13d: deduct every unrecovered charge from open invoices, earliest due first."""
    changes: list[Change] = []
    current = {i.id: (i, i) for i in invoices}  # id -> (as read, updated)
    for purchase in purchases:
        if purchase.unrecovered <= 0:
            continue
        updated_purchase = purchase
        for invoice, amount in invoice_rules.allocate_set_off(purchase.unrecovered, [u for _, u in current.values()]):
            before, _ = current[invoice.id]
            current[invoice.id] = (before, invoice_rules.set_off(invoice, purchase.id, amount, now))
            updated_purchase = dataclasses.replace(updated_purchase, set_off=updated_purchase.set_off + amount)
        if updated_purchase is not purchase:
            changes.append(Change(action="open_market_purchase.set_off", after=updated_purchase, before=purchase))
    for before, after in current.values():
        if after is not before:
            changes.append(Change(action="invoice.set_off", after=after, before=before))
    return changes


def record_open_market_purchase(
    deps: Deps,
    actor: Actor,
    order_id: str,
    *,
    line_id: str,
    quantity: Decimal,
    cost: Decimal,
    reason: str,
) -> OpenMarketPurchase:
    """R-9i: goods bought elsewhere for a late or rejected delivery; the excess cost is charged to the
    contractor and deducted from open invoices (R-13d)."""
    order = get_order(deps, actor, order_id)
    _require_agency_of(actor, order.agency)
    now = deps.clock.now()
    previous = open_market_of(deps, order.contract_id)
    purchase = rules.open_market_purchase(
        purchase_id=deps.ids.new("OM"),
        order=order,
        deliveries=deliveries_of(deps, order.id),
        previous=_open_market_quantities(previous, order.id),
        line_id=line_id,
        quantity=quantity,
        cost=cost,
        reason=reason,
        now=now,
    )
    recorded = [Change(action="open_market_purchase.recorded", after=purchase)]
    set_offs = set_off_changes([purchase], open_invoices_of(deps, order.agency, order.contract_id), now)
    # the purchase's own set-off update replaces its creation record
    for change in set_offs:
        if change.after.id == purchase.id:
            recorded = [Change(action="open_market_purchase.recorded", after=change.after)]
    purchase = recorded[0].after
    emails: list[Write] = []
    if purchase.excess > 0:
        emails.append(
            Send(
                f"open-market-{purchase.id}:charged",
                Email(
                    to=(order.contractor_email,),
                    subject=f"Excess cost charged: open-market purchase {purchase.id} under contract {purchase.contract_id}",
                    text=(
                        f"The State bought {purchase.quantity} of line {purchase.line_id} on the open market for {purchase.cost} "
                        f"(contract price {purchase.contract_cost}) because of: {purchase.reason}.\n"
                        f"The excess cost {purchase.excess} is charged to you (R-9i); {purchase.set_off} was deducted from your "
                        f"open invoices and the rest from the next amounts due (R-13d)."
                    ),
                ),
            )
        )
    stored = deps.commit(actor, now, recorded + [c for c in set_offs if c.after.id != purchase.id] + emails)
    return stored[0]


def list_open_market_purchases(deps: Deps, actor: Actor, contract_id: str, page: PageRequest) -> Listing[OpenMarketPurchase]:
    contract = get_contract(deps, actor, contract_id)
    return deps.store.page(OpenMarketPurchase, "by_contract", contract.id, after=page.after, limit=page.limit)


# --- force majeure (R-14) -----------------------------------------------------------------------------------


def give_force_majeure_notice(
    deps: Deps, actor: Actor, contract_id: str, *, cause: str, probable_duration_days: int
) -> ForceMajeureNotice:
    """R-14: the contractor's written notice of a delay beyond its control, recorded against the contract."""
    contract = get_contract(deps, actor, contract_id)
    require_role(actor, Role.VENDOR)
    now = deps.clock.now()
    notice = rules.force_majeure(
        notice_id=deps.ids.new("FM"), contract=contract, cause=cause, probable_duration_days=probable_duration_days, now=now
    )
    (notice,) = deps.store.commit(actor, now, [Change(action="contract.force_majeure_noticed", after=notice)])
    return notice


def list_force_majeure_notices(deps: Deps, actor: Actor, contract_id: str, page: PageRequest) -> Listing[ForceMajeureNotice]:
    contract = get_contract(deps, actor, contract_id)
    return deps.store.page(ForceMajeureNotice, "by_contract", contract.id, after=page.after, limit=page.limit)
