"""Contract performance before payment: purchase orders by the ordering agencies within the term, with the
Comptroller's approval (R-9a, R-9b, R-9d/e, R-9k), delivery extensions, delivery and inspection with prices
purchasing determines (R-11, R-12), rejected goods (R-9j), open-market purchases charged to the contractor (R-9i,
R-13d) and force-majeure notices (R-14)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from chalicelib import emails
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
    described = _contract_lines(deps, approved.contract_id)
    lines = [
        {
            **described[line.line_id],
            "quantity": line.quantity,
            "unit_price": line.unit_price,
            "total": line.quantity * line.unit_price,
        }
        for line in approved.lines
    ]
    (approved,) = deps.commit(
        actor,
        now,
        [
            Change(action="order.comptroller_approved", after=approved, before=order),
            Send(
                f"order-{approved.id}:issued",
                emails.render(
                    "purchase_order",
                    to=(approved.contractor_email,),
                    order_id=approved.id,
                    contract_id=approved.contract_id,
                    agency=approved.agency,
                    approval=approved.comptroller_approval,
                    deliver_by=approved.deliver_by,
                    lines=lines,
                    total=sum((line["total"] for line in lines), Decimal(0)),
                    contact=approved.contact_email,
                    link=deps.portal.page("orders", approved.id),
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
                emails.render(
                    "delivery_extension_requested",
                    to=(order.contact_email,),
                    order_id=order.id,
                    contract_id=order.contract_id,
                    contractor=order.contractor_org,
                    deliver_by=deliver_by,
                    due=order.effective_deliver_by,
                    reason=reason,
                    link=deps.portal.page("orders", order.id),
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
                emails.render(
                    "delivery_extension_decided",
                    to=(order.contractor_email,),
                    order_id=order.id,
                    contract_id=order.contract_id,
                    approved=approve,
                    requested=extension.deliver_by,
                    due=decided.effective_deliver_by,
                    reason=reason.strip(),
                    link=deps.portal.page("orders", order.id),
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
    contract = deps.load(Contract, order.contract_id)
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
    order = deps.load(PurchaseOrder, delivery.order_id)
    now = deps.clock.now()
    inspected = rules.inspect(delivery, order, results, reason, now)
    mails: list[Write] = []
    described = _contract_lines(deps, inspected.contract_id)
    if inspected.removal_deadline is not None:
        mails.append(
            Send(
                f"delivery-{inspected.id}:rejected",
                emails.render(
                    "goods_rejected",
                    to=(inspected.contractor_email,),
                    delivery_id=inspected.id,
                    order_id=inspected.order_id,
                    contract_id=inspected.contract_id,
                    lines=[{**described[line.line_id], "quantity": line.rejected} for line in inspected.lines if line.rejected],
                    reason=inspected.rejection_reason,
                    remove_by=inspected.removal_deadline,
                    link=deps.portal.page("deliveries", inspected.id),
                ),
            )
        )
    if inspected.awaiting_price_determination:
        mails.append(
            Send(
                f"delivery-{inspected.id}:price-proposed",
                emails.render(
                    "adjusted_price_proposed",
                    to=(deps.mailboxes.purchasing,),
                    delivery_id=inspected.id,
                    order_id=inspected.order_id,
                    contract_id=inspected.contract_id,
                    agency=inspected.agency,
                    lines=_priced(described, inspected.lines, "proposed_unit_price"),
                    link=deps.portal.page("deliveries", inspected.id),
                ),
            )
        )
    (inspected,) = deps.commit(actor, now, [Change(action="delivery.inspected", after=inspected, before=delivery), *mails])
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
    (determined,) = deps.commit(
        actor,
        now,
        [
            Change(action="delivery.prices_determined", after=determined, before=delivery),
            Send(
                f"delivery-{determined.id}:prices-determined",
                emails.render(
                    "adjusted_prices_determined",
                    to=(determined.contractor_email, order.contact_email),
                    delivery_id=determined.id,
                    order_id=determined.order_id,
                    contract_id=determined.contract_id,
                    lines=_priced(_contract_lines(deps, determined.contract_id), determined.lines, "adjusted_unit_price"),
                    reason=reason,
                    link=deps.portal.page("deliveries", determined.id),
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
                emails.render(
                    "rejected_goods_abandoned",
                    to=(delivery.contractor_email,),
                    delivery_id=delivery.id,
                    order_id=delivery.order_id,
                    contract_id=delivery.contract_id,
                    remove_by=delivery.removal_deadline,
                    link=deps.portal.page("deliveries", delivery.id),
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
    mails: list[Write] = []
    if purchase.excess > 0:
        mails.append(
            Send(
                f"open-market-{purchase.id}:charged",
                emails.render(
                    "open_market_charged",
                    to=(order.contractor_email,),
                    purchase_id=purchase.id,
                    order_id=purchase.order_id,
                    contract_id=purchase.contract_id,
                    line={**_contract_lines(deps, purchase.contract_id)[purchase.line_id], "quantity": purchase.quantity},
                    cost=purchase.cost,
                    contract_cost=purchase.contract_cost,
                    excess=purchase.excess,
                    set_off=purchase.set_off,
                    reason=purchase.reason,
                    link=deps.portal.page("contracts", purchase.contract_id),
                ),
            )
        )
    stored = deps.commit(actor, now, recorded + [c for c in set_offs if c.after.id != purchase.id] + mails)
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


def _contract_lines(deps: Deps, contract_id: str) -> dict[str, dict]:
    """What an order's line ids stand for: the description and unit of each line of its contract."""
    contract = deps.load(Contract, contract_id)
    return {line.line_id: {"line": line.line_id, "description": line.description, "unit": line.unit} for line in contract.lines}


def _priced(described: dict[str, dict], lines, price: str) -> list[dict]:
    """Accepted substandard goods at the price `price` names (proposed or determined, R-12)."""
    priced = [(line, getattr(line, price)) for line in lines]
    return [
        {**described[line.line_id], "quantity": line.accepted, "unit_price": unit, "total": line.accepted * unit}
        for line, unit in priced
        if unit is not None
    ]
