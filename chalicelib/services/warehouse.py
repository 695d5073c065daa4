"""The central warehouse (R-22): purchasing keeps the catalogue and the shipping schedule and writes the shipping
memo; the agency requisitions one group for a shipping date, signed by its authorised official on file, and counts
the delivery, which adjusts the invoice."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from chalicelib.domain import warehouse as rules
from chalicelib.domain.errors import NotFound
from chalicelib.domain.officials import Register
from chalicelib.domain.warehouse import CommodityGroup, Count, ShippingDate, WarehouseItem, WarehouseRequisition
from chalicelib.services.officials import on_file
from chalicelib.services.ports import Actor, Change, Deps, Listing, PageRequest, Role, Unchanged, require_role


def catalogue(deps: Deps, actor: Actor, **fields) -> WarehouseItem:
    """A new stock number, or a new description or price of one catalogued: requisitions after it carry the new price."""
    require_role(actor, Role.PURCHASING)
    now = deps.clock.now()
    item = rules.catalogue_item(now=now, **fields)
    before = deps.store.get(WarehouseItem, item.id)
    (item,) = deps.commit(actor, now, [Change(action="warehouse.item_catalogued", after=item, before=before)])
    return item


def list_items(deps: Deps, actor: Actor, group: CommodityGroup, page: PageRequest) -> Listing[WarehouseItem]:
    """One group's items in stock-number order: one Query of the group index."""
    require_role(actor, Role.AGENCY, Role.PURCHASING)
    return deps.store.page(WarehouseItem, "by_group", group.value, after=page.after, limit=page.limit)


def publish_shipping_date(deps: Deps, actor: Actor, group: CommodityGroup, date: dt.date) -> ShippingDate:
    """R-22(c): "Items are shipped in accordance with a published schedule"; the same date again changes nothing."""
    require_role(actor, Role.PURCHASING)
    existing = deps.store.get(ShippingDate, rules.shipping_date_id(group, date))
    if existing is not None:
        return existing
    now = deps.clock.now()
    shipping = ShippingDate(id=rules.shipping_date_id(group, date), group=group, date=date, published_at=now)
    (shipping,) = deps.commit(actor, now, [Change(action="warehouse.shipping_date_published", after=shipping)])
    return shipping


def list_shipping_dates(deps: Deps, actor: Actor, group: CommodityGroup, page: PageRequest) -> Listing[ShippingDate]:
    require_role(actor, Role.AGENCY, Role.PURCHASING)
    return deps.store.page(ShippingDate, "by_group", group.value, after=page.after, limit=page.limit)


def requisition(
    deps: Deps,
    actor: Actor,
    group: CommodityGroup,
    shipping_date: dt.date,
    lines: list[tuple[str, Decimal]],
    signed_by: str,
) -> WarehouseRequisition:
    """The caller's agency requisitions; the catalogue prices, the shipping date and the signer's file are read and
    kept unchanged until the requisition is written."""
    require_role(actor, Role.AGENCY)
    now = deps.clock.now()
    items = deps.store.get_many(WarehouseItem, sorted({stock for stock, _ in lines}))
    shipping = deps.store.get(ShippingDate, rules.shipping_date_id(group, shipping_date))
    signers = on_file(deps, Register.WAREHOUSE_SIGNERS, actor.org)
    req = rules.requisition(
        requisition_id=deps.ids.new("WR"),
        agency=actor.org,
        group=group,
        shipping=shipping,
        shipping_date=shipping_date,
        lines=lines,
        catalogue={item.id: item for item in items},
        signed_by=signed_by,
        signer_on_file=signers is not None and signers.has(signed_by),
        now=now,
        submitted_by=actor.sub,
    )
    read = [Unchanged(entity) for entity in (*items, shipping, signers) if entity is not None]
    (req,) = deps.commit(actor, now, [Change(action="warehouse.requisition_submitted", after=req), *read])
    return req


def get_requisition(deps: Deps, actor: Actor, requisition_id: str) -> WarehouseRequisition:
    """Purchasing and the requisitioning agency; to others it does not exist."""
    req = deps.store.get(WarehouseRequisition, requisition_id)
    if req is None or (actor.role is not Role.PURCHASING and actor.org != req.agency):
        raise NotFound(f"No warehouse requisition {requisition_id}.")
    return req


def ship(deps: Deps, actor: Actor, requisition_id: str, shipped: dict[str, Decimal]) -> WarehouseRequisition:
    require_role(actor, Role.PURCHASING)
    req = deps.load(WarehouseRequisition, requisition_id)
    now = deps.clock.now()
    (shipped_req,) = deps.commit(
        actor, now, [Change(action="warehouse.shipped", after=rules.ship(req, shipped, now), before=req)]
    )
    return shipped_req


def deliver(deps: Deps, actor: Actor, requisition_id: str, counts: list[Count]) -> WarehouseRequisition:
    """R-22(c): the receiving agency counts, dates and signs (its token); the invoice follows the counts."""
    require_role(actor, Role.AGENCY)
    req = get_requisition(deps, actor, requisition_id)
    now = deps.clock.now()
    delivered = rules.deliver(req, counts, actor.sub, now)
    (delivered,) = deps.commit(actor, now, [Change(action="warehouse.delivered", after=delivered, before=req)])
    return delivered
