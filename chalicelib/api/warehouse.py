"""The central warehouse (R-22): the catalogue and the shipping schedule (purchasing; read by agencies), the
warehouse signers on file, requisitions one commodity group at a time, the shipping memo, and the delivery count
whose discrepancies, initialled by deliverer and receiver, adjust the invoice."""

from __future__ import annotations

import datetime as dt

from chalice import Blueprint
from pydantic import Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, PageQuery, page_of, page_request
from chalicelib.api.surplus import OfficialIn, OfficialsOut
from chalicelib.api.types import DecimalOut, Dollars, ExactDollars, LocalTime, QuantityOrZero, UnitPrice
from chalicelib.api.types import Quantity as QuantityIn
from chalicelib.api.views import ApiModel, RequestBody
from chalicelib.domain.officials import Register
from chalicelib.domain.warehouse import (
    CommodityGroup,
    Count,
    ShippingDate,
    WarehouseItem,
    WarehouseRequisition,
    WarehouseRequisitionStatus,
)
from chalicelib.services import officials, warehouse
from chalicelib.services.ports import Role

bp = Blueprint(__name__)
TAG = "central warehouse"
RULES = ("R-22",)
READERS = {Role.AGENCY, Role.PURCHASING}


class ItemIn(RequestBody):
    stock_number: str = Field(min_length=1, max_length=40, description="The catalogue stock number.")
    description: str = Field(min_length=1, max_length=500, description="What the item is.")
    unit_of_issue: str = Field(min_length=1, max_length=40, description="The unit it is issued in (case, dozen, each).")
    unit_price: UnitPrice = Field(description="The prevailing unit price; requisitions from now on carry it.")
    group: CommodityGroup = Field(description="Commodity group A-E (R-22a).")


class ItemOut(ApiModel):
    stock_number: str = Field(description="The catalogue stock number.")
    description: str = Field(description="What the item is.")
    unit_of_issue: str = Field(description="The unit of issue.")
    unit_price: ExactDollars = Field(description="The prevailing unit price.")
    group: CommodityGroup = Field(description="Commodity group A-E.")
    updated_at: LocalTime = Field(description="When the entry was last written.")

    @classmethod
    def of(cls, item: WarehouseItem) -> ItemOut:
        return cls.model_validate({**item.__dict__, "stock_number": item.id})


class GroupQuery(PageQuery):
    group: CommodityGroup = Field(description="Commodity group A-E.")


class ShippingDateIn(RequestBody):
    group: CommodityGroup = Field(description="Commodity group A-E.")
    date: dt.date = Field(description="The scheduled shipping date (Connecticut calendar date).")


class ShippingDateOut(ApiModel):
    group: CommodityGroup = Field(description="Commodity group A-E.")
    date: dt.date = Field(description="The scheduled shipping date.")
    published_at: LocalTime = Field(description="When it was published.")

    @classmethod
    def of(cls, shipping: ShippingDate) -> ShippingDateOut:
        return cls(group=shipping.group, date=shipping.date, published_at=shipping.published_at)


class LineIn(RequestBody):
    stock_number: str = Field(min_length=1, max_length=40, description="A catalogue stock number of the group.")
    quantity: QuantityIn = Field(description="The quantity required, in the unit of issue.")


class WarehouseRequisitionIn(RequestBody):
    group: CommodityGroup = Field(description="One commodity group per requisition (R-22a).")
    shipping_date: dt.date = Field(description="A published shipping date of the group, not yet passed.")
    signed_by: str = Field(
        min_length=1, max_length=200, description="The authorised official on file who signed the transmittal (token subject)."
    )
    lines: list[LineIn] = Field(min_length=1, max_length=200, description="The items and quantities required.")


class ShippedLineIn(RequestBody):
    stock_number: str = Field(min_length=1, max_length=40, description="A line of the requisition.")
    quantity: QuantityOrZero = Field(description="The quantity shipped.")


class ShippingMemoIn(RequestBody):
    lines: list[ShippedLineIn] = Field(
        [], max_length=200, description="Quantities shipped where they differ from the requisition; others ship as requested."
    )


class CountIn(RequestBody):
    stock_number: str = Field(min_length=1, max_length=40, description="A line of the shipping memo.")
    delivered: QuantityOrZero = Field(description="The quantity counted on delivery.")
    deliverer_initials: str | None = Field(None, max_length=10, description="Required when the count differs from the memo.")
    receiver_initials: str | None = Field(None, max_length=10, description="Required when the count differs from the memo.")


class DeliveryIn(RequestBody):
    counts: list[CountIn] = Field(min_length=1, max_length=200, description="R-22(c): a count of every line of the memo.")


class LineOut(ApiModel):
    stock_number: str = Field(description="Catalogue stock number.")
    description: str = Field(description="What the item is.")
    unit_of_issue: str = Field(description="Unit of issue.")
    unit_price: ExactDollars = Field(description="The unit price prevailing at the requisition.")
    quantity: DecimalOut = Field(description="Quantity required.")
    shipped: DecimalOut | None = Field(None, description="Quantity on the shipping memo.")
    delivered: DecimalOut | None = Field(None, description="Quantity counted on delivery.")
    deliverer_initials: str | None = Field(None, description="The deliverer's initials of a discrepancy.")
    receiver_initials: str | None = Field(None, description="The receiver's initials of a discrepancy.")


class WarehouseRequisitionOut(ApiModel):
    id: str = Field(description="Warehouse requisition id.")
    agency: str = Field(description="The requisitioning agency.")
    group: CommodityGroup = Field(description="Its commodity group.")
    shipping_date: dt.date = Field(description="The scheduled shipping date.")
    signed_by: str = Field(description="The authorised official who signed.")
    submitted_at: LocalTime = Field(description="When it was submitted.")
    late: bool = Field(description="R-22: submitted less than ten days before the shipping date (accepted, flagged).")
    warning: str | None = Field(None, description="The warning given when late.")
    status: WarehouseRequisitionStatus = Field(description="submitted, shipped (shipping memo written) or delivered (counted).")
    lines: list[LineOut] = Field(description="The lines.")
    requested_amount: Dollars = Field(description="Quantities required x unit prices.")
    invoice_amount: Dollars | None = Field(None, description="R-22(c): delivered quantities x unit prices, once counted.")
    received_by: str | None = Field(None, description="The receiver who dated and signed the memo.")
    delivered_at: LocalTime | None = Field(None, description="When the delivery was counted.")

    @classmethod
    def of(cls, req: WarehouseRequisition) -> WarehouseRequisitionOut:
        data = {k: getattr(req, k) for k in cls.model_fields if hasattr(req, k)}
        data["lines"] = [line.__dict__ for line in req.lines]
        return cls.model_validate(data)


@operation(
    bp,
    "POST",
    "/warehouse/officials",
    summary="Place a warehouse signing official on file",
    tag=TAG,
    roles={Role.PURCHASING},
    body=OfficialIn,
    response=OfficialsOut,
    status=201,
    rules=RULES,
)
def file_official(call: Call):
    """R-22(a): the business manager or other authorised official who signs the agency's requisitions."""
    b = call.body
    return OfficialsOut.of(officials.place_on_file(call.deps, call.actor, Register.WAREHOUSE_SIGNERS, b.agency, b.sub, b.name))


@operation(
    bp,
    "POST",
    "/warehouse/items",
    summary="Catalogue a warehouse item",
    tag=TAG,
    roles={Role.PURCHASING},
    body=ItemIn,
    response=ItemOut,
    status=201,
    rules=RULES,
)
def catalogue(call: Call):
    """A new stock number, or a new entry for one catalogued (its price prevails from now on)."""
    b = call.body
    item = warehouse.catalogue(
        call.deps,
        call.actor,
        stock_number=b.stock_number,
        description=b.description,
        unit_of_issue=b.unit_of_issue,
        unit_price=b.unit_price,
        group=b.group,
    )
    return ItemOut.of(item)


@operation(
    bp,
    "GET",
    "/warehouse/items",
    summary="List the warehouse catalogue",
    tag=TAG,
    roles=READERS,
    query=GroupQuery,
    response=Page[ItemOut],
    rules=RULES,
)
def list_items(call: Call):
    """One commodity group's items in stock-number order."""
    return page_of(call, warehouse.list_items(call.deps, call.actor, call.query.group, page_request(call)), ItemOut.of)


@operation(
    bp,
    "POST",
    "/warehouse/shipping-dates",
    summary="Publish a warehouse shipping date",
    tag=TAG,
    roles={Role.PURCHASING},
    body=ShippingDateIn,
    response=ShippingDateOut,
    status=201,
    rules=RULES,
)
def publish_shipping_date(call: Call):
    """R-22(c): the published schedule of a group; the same date again answers the published one."""
    b = call.body
    return ShippingDateOut.of(warehouse.publish_shipping_date(call.deps, call.actor, b.group, b.date))


@operation(
    bp,
    "GET",
    "/warehouse/shipping-dates",
    summary="List a group's shipping dates",
    tag=TAG,
    roles=READERS,
    query=GroupQuery,
    response=Page[ShippingDateOut],
    rules=RULES,
)
def list_shipping_dates(call: Call):
    """The published schedule of one group, in date order."""
    found = warehouse.list_shipping_dates(call.deps, call.actor, call.query.group, page_request(call))
    return page_of(call, found, ShippingDateOut.of)


@operation(
    bp,
    "POST",
    "/warehouse/requisitions",
    summary="Submit a warehouse requisition",
    tag=TAG,
    roles={Role.AGENCY},
    body=WarehouseRequisitionIn,
    response=WarehouseRequisitionOut,
    status=201,
    rules=RULES,
)
def submit(call: Call):
    """One group, items of that group only, signed by an official of the agency on file, for a published shipping date
    of the group (400 naming the field otherwise). Less than ten days before the shipping date: accepted, `late` and a
    `warning` (R-22 says "should")."""
    b = call.body
    lines = [(line.stock_number, line.quantity) for line in b.lines]
    return WarehouseRequisitionOut.of(warehouse.requisition(call.deps, call.actor, b.group, b.shipping_date, lines, b.signed_by))


@operation(
    bp,
    "GET",
    "/warehouse/requisitions/{warehouse_requisition_id}",
    summary="Read a warehouse requisition",
    tag=TAG,
    roles=READERS,
    response=WarehouseRequisitionOut,
    rules=RULES,
    errors=(404,),
)
def get(call: Call, warehouse_requisition_id: str):
    """Purchasing and the requisitioning agency."""
    return WarehouseRequisitionOut.of(warehouse.get_requisition(call.deps, call.actor, warehouse_requisition_id))


@operation(
    bp,
    "POST",
    "/warehouse/requisitions/{warehouse_requisition_id}/shipping-memo",
    summary="Write the shipping memo of a warehouse requisition",
    tag=TAG,
    roles={Role.PURCHASING},
    body=ShippingMemoIn,
    response=WarehouseRequisitionOut,
    rules=RULES,
    errors=(404, 409),
)
def shipping_memo(call: Call, warehouse_requisition_id: str):
    """The quantities shipped; a submitted requisition only (409 otherwise)."""
    shipped = {line.stock_number: line.quantity for line in call.body.lines}
    return WarehouseRequisitionOut.of(warehouse.ship(call.deps, call.actor, warehouse_requisition_id, shipped))


@operation(
    bp,
    "POST",
    "/warehouse/requisitions/{warehouse_requisition_id}/delivery",
    summary="Record the count of a warehouse delivery",
    tag=TAG,
    roles={Role.AGENCY},
    body=DeliveryIn,
    response=WarehouseRequisitionOut,
    rules=RULES,
    errors=(404, 409),
)
def delivery(call: Call, warehouse_requisition_id: str):
    """R-22(c): every line of the memo counted; a count other than the memo's initialled by the deliverer and the
    receiver (400 naming the missing initials); the invoice amount becomes the delivered quantities x unit prices."""
    counts = [Count(c.stock_number, c.delivered, c.deliverer_initials, c.receiver_initials) for c in call.body.counts]
    return WarehouseRequisitionOut.of(warehouse.deliver(call.deps, call.actor, warehouse_requisition_id, counts))
