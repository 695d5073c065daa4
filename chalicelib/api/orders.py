"""Contract performance routes: purchase orders and the Comptroller's approval (R-9a, R-9k), delivery
extensions, deliveries and inspection (R-11, R-12), rejected goods (R-9j), open-market purchases (R-9i) and
force-majeure notices (R-14); contract amendments (R-9c) and assignment (R-9f)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from chalice import Blueprint
from pydantic import BaseModel, Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.views import LocalTime, RequestBody
from chalicelib.domain.orders import LineInspection
from chalicelib.domain.performance_changes import LineChange
from chalicelib.services import orders, performance_changes
from chalicelib.services.ports import Role

bp = Blueprint(__name__)
ALL = {Role.AGENCY, Role.VENDOR, Role.PURCHASING}



class QuantityIn(RequestBody):
    line_id: str = Field(min_length=1, max_length=40, description="A line of the contract.")
    quantity: Decimal = Field(description="Decimal quantity, greater than 0.")


class PlaceOrder(RequestBody):
    lines: list[QuantityIn] = Field(min_length=1, max_length=200, description="Quantities ordered per contract line; all orders together stay within +10% of the contract quantity (R-9a).")
    deliver_by: dt.date = Field(description="Delivery date (Connecticut calendar date).")
    contact_email: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", description="Agency contact for deliveries, invoices and payment reminders.")


class ApproveOrder(RequestBody):
    approval_reference: str = Field(min_length=1, max_length=100, description="Reference of the State Comptroller's approval (R-9k).")


class ExtendDelivery(RequestBody):
    deliver_by: dt.date = Field(description="The new delivery date approved by the State (R-11).")
    reason: str = Field(min_length=1, max_length=2000, description="Why the extension is granted.")


class ReceiveDelivery(RequestBody):
    lines: list[QuantityIn] = Field(min_length=1, max_length=200, description="Quantities received per order line.")
    replaces: str | None = Field(None, max_length=40, description="The delivery whose rejected goods this replaces.")


class InspectLine(RequestBody):
    line_id: str = Field(min_length=1, max_length=40, description="A delivered line.")
    accepted: Decimal = Field(description="Quantity accepted.")
    rejected: Decimal = Field(Decimal(0), description="Quantity rejected; accepted + rejected = delivered.")
    adjusted_unit_price: Decimal | None = Field(None, decimal_places=4, description="Accepted at this adjusted unit price, below the contract price (R-12).")


class InspectDelivery(RequestBody):
    lines: list[InspectLine] = Field(min_length=1, max_length=200, description="The result for every delivered line.")
    reason: str | None = Field(None, max_length=2000, description="Why goods were rejected (required for a rejection).")


class OpenMarketIn(RequestBody):
    line_id: str = Field(min_length=1, max_length=40, description="The order line bought elsewhere.")
    quantity: Decimal = Field(description="Quantity bought on the open market.")
    cost: Decimal = Field(decimal_places=2, description="What the State paid, in dollars.")
    reason: str = Field(min_length=1, max_length=2000, description="Late delivery or rejected goods not replaced (R-9i).")


class ForceMajeureIn(RequestBody):
    cause: str = Field(min_length=1, max_length=4000, description="The cause beyond the contractor's control (R-14).")
    probable_duration_days: int = Field(description="Probable duration of the delay, in days.")


class OrderLineOut(BaseModel):
    line_id: str
    quantity: Decimal
    unit_price: Decimal


class ExtensionOut(BaseModel):
    deliver_by: dt.date
    reason: str
    approved_at: LocalTime
    approved_by: str


class OrderOut(BaseModel):
    id: str
    contract_id: str = Field(description="The contract number the order bears (R-9k).")
    agency: str
    contractor_org: str
    contact_email: str
    lines: list[OrderLineOut]
    deliver_by: dt.date
    effective_deliver_by: dt.date
    status: str = Field(description="awaiting_comptroller_approval or approved")
    comptroller_approval: str | None = None
    approved_at: LocalTime | None = None
    extensions: list[ExtensionOut]
    created_at: LocalTime

    @classmethod
    def of(cls, order) -> OrderOut:
        return cls.model_validate({**_fields(order), "effective_deliver_by": order.effective_deliver_by})


class OrderList(BaseModel):
    orders: list[OrderOut]


class DeliveryLineOut(BaseModel):
    line_id: str
    quantity: Decimal
    accepted: Decimal | None = None
    rejected: Decimal | None = None
    adjusted_unit_price: Decimal | None = None


class DeliveryOut(BaseModel):
    id: str
    order_id: str
    contract_id: str
    lines: list[DeliveryLineOut]
    received_at: LocalTime
    replaces: str | None = None
    status: str = Field(description="received or inspected")
    inspected_at: LocalTime | None = None
    rejection_reason: str | None = None
    rejected_goods: str = Field(description="none, awaiting_removal, removed or abandoned (R-9j)")
    removal_deadline: LocalTime | None = None
    removed_at: LocalTime | None = None
    abandoned_at: LocalTime | None = None

    @classmethod
    def of(cls, delivery) -> DeliveryOut:
        return cls.model_validate(_fields(delivery))


class OpenMarketOut(BaseModel):
    id: str
    contract_id: str
    order_id: str
    line_id: str
    quantity: Decimal
    cost: Decimal
    contract_cost: Decimal
    excess: Decimal = Field(description="Charged to the contractor (R-9i).")
    set_off: Decimal = Field(description="Already deducted from the contractor's invoices (R-13d).")
    unrecovered: Decimal
    reason: str
    recorded_at: LocalTime

    @classmethod
    def of(cls, p) -> OpenMarketOut:
        return cls.model_validate({**_fields(p), "excess": p.excess, "unrecovered": p.unrecovered})


class OpenMarketList(BaseModel):
    purchases: list[OpenMarketOut]


class ForceMajeureOut(BaseModel):
    id: str
    contract_id: str
    cause: str
    probable_duration_days: int
    noticed_at: LocalTime

    @classmethod
    def of(cls, n) -> ForceMajeureOut:
        return cls.model_validate(_fields(n))


class ForceMajeureList(BaseModel):
    notices: list[ForceMajeureOut]


def _fields(entity) -> dict:
    return {f.name: getattr(entity, f.name) for f in dataclasses.fields(entity)} | {
        name: [dataclasses.asdict(x) for x in getattr(entity, name)] for name in ("lines", "extensions") if hasattr(entity, name)
    }


def _quantities(lines: list[QuantityIn]) -> list[tuple[str, Decimal]]:
    return [(line.line_id, line.quantity) for line in lines]


@operation(bp, "POST", "/contracts/{contract_id}/orders", summary="Place a purchase order", tag="performance", roles={Role.AGENCY}, body=PlaceOrder, response=OrderOut, status=201, rules=("R-9a", "R-9k"), errors=(404, 409))
def place_order(call: Call, contract_id: str):
    """The contract's agency writes an order bearing the contract number; it is sent to the contractor once the Comptroller's approval is recorded."""
    b = call.body
    return OrderOut.of(orders.place_order(call.deps, call.actor, contract_id, lines=_quantities(b.lines), deliver_by=b.deliver_by, contact_email=b.contact_email))


@operation(bp, "GET", "/contracts/{contract_id}/orders", summary="List a contract's purchase orders", tag="performance", roles=ALL, response=OrderList, errors=(404,))
def list_orders(call: Call, contract_id: str):
    """The contract's agency, its contractor and purchasing see its orders."""
    return OrderList(orders=[OrderOut.of(o) for o in orders.list_orders(call.deps, call.actor, contract_id)])


@operation(bp, "POST", "/orders/{order_id}/comptroller-approval", summary="Record the Comptroller's approval of an order", tag="performance", roles={Role.PURCHASING}, body=ApproveOrder, response=OrderOut, rules=("R-9k",), errors=(404, 409))
def approve_order(call: Call, order_id: str):
    """The Bureau of Purchases records the State Comptroller's approval; the written order is then emailed to the contractor."""
    return OrderOut.of(orders.approve_order(call.deps, call.actor, order_id, call.body.approval_reference))


@operation(bp, "POST", "/orders/{order_id}/delivery-extensions", summary="Approve a delivery extension", tag="performance", roles={Role.AGENCY}, body=ExtendDelivery, response=OrderOut, rules=("R-11",), errors=(404,))
def extend_delivery(call: Call, order_id: str):
    """The State approves a later delivery date for this order only."""
    return OrderOut.of(orders.extend_delivery(call.deps, call.actor, order_id, deliver_by=call.body.deliver_by, reason=call.body.reason))


@operation(bp, "POST", "/orders/{order_id}/deliveries", summary="Record a delivery received", tag="performance", roles={Role.AGENCY}, body=ReceiveDelivery, response=DeliveryOut, status=201, rules=("R-11",), errors=(404, 409))
def receive_delivery(call: Call, order_id: str):
    """Receipt of goods against an approved order, as ordered; a replacement names the rejected delivery."""
    return DeliveryOut.of(orders.receive_delivery(call.deps, call.actor, order_id, lines=_quantities(call.body.lines), replaces=call.body.replaces))


@operation(bp, "GET", "/deliveries/{delivery_id}", summary="Read a delivery", tag="performance", roles=ALL, response=DeliveryOut, errors=(404,))
def get_delivery(call: Call, delivery_id: str):
    """A delivery with its inspection result and the state of rejected goods."""
    return DeliveryOut.of(orders.get_delivery(call.deps, call.actor, delivery_id))


@operation(bp, "POST", "/deliveries/{delivery_id}/inspection", summary="Record the inspection of a delivery", tag="performance", roles={Role.AGENCY}, body=InspectDelivery, response=DeliveryOut, rules=("R-12", "R-9j"), errors=(404, 409))
def inspect_delivery(call: Call, delivery_id: str):
    """Accepts, rejects or accepts at an adjusted price each line; a rejection emails the contractor and gives it 48 hours to remove the goods."""
    results = [LineInspection(r.line_id, r.accepted, r.rejected, r.adjusted_unit_price) for r in call.body.lines]
    return DeliveryOut.of(orders.inspect_delivery(call.deps, call.actor, delivery_id, results=results, reason=call.body.reason))


@operation(bp, "POST", "/deliveries/{delivery_id}/removal", summary="Record removal of rejected goods", tag="performance", roles={Role.AGENCY}, response=DeliveryOut, rules=("R-9j",), errors=(404, 409))
def record_removal(call: Call, delivery_id: str):
    """The contractor took the rejected goods away within 48 hours of the notice."""
    return DeliveryOut.of(orders.record_removal(call.deps, call.actor, delivery_id))


@operation(bp, "POST", "/orders/{order_id}/open-market-purchases", summary="Record an open-market purchase", tag="performance", roles={Role.AGENCY}, body=OpenMarketIn, response=OpenMarketOut, status=201, rules=("R-9i", "R-13d"), errors=(404, 409))
def open_market_purchase(call: Call, order_id: str):
    """Goods bought elsewhere for a late delivery or unreplaced rejected goods; the excess cost is charged to the contractor and deducted from its open invoices."""
    b = call.body
    return OpenMarketOut.of(orders.record_open_market_purchase(call.deps, call.actor, order_id, line_id=b.line_id, quantity=b.quantity, cost=b.cost, reason=b.reason))


@operation(bp, "GET", "/contracts/{contract_id}/open-market-purchases", summary="List open-market purchases of a contract", tag="performance", roles=ALL, response=OpenMarketList, rules=("R-9i",), errors=(404,))
def list_open_market_purchases(call: Call, contract_id: str):
    """Charges against the contractor and how much of each was set off."""
    return OpenMarketList(purchases=[OpenMarketOut.of(p) for p in orders.list_open_market_purchases(call.deps, call.actor, contract_id)])


@operation(bp, "POST", "/contracts/{contract_id}/force-majeure-notices", summary="Give notice of a delay beyond the contractor's control", tag="performance", roles={Role.VENDOR}, body=ForceMajeureIn, response=ForceMajeureOut, status=201, rules=("R-14",), errors=(404,))
def give_force_majeure_notice(call: Call, contract_id: str):
    """The contractor's immediate written notice of the cause and probable duration of a delay."""
    b = call.body
    return ForceMajeureOut.of(orders.give_force_majeure_notice(call.deps, call.actor, contract_id, cause=b.cause, probable_duration_days=b.probable_duration_days))


@operation(bp, "GET", "/contracts/{contract_id}/force-majeure-notices", summary="List force-majeure notices of a contract", tag="performance", roles=ALL, response=ForceMajeureList, rules=("R-14",), errors=(404,))
def list_force_majeure_notices(call: Call, contract_id: str):
    """Notices recorded against the contract."""
    return ForceMajeureList(notices=[ForceMajeureOut.of(n) for n in orders.list_force_majeure_notices(call.deps, call.actor, contract_id)])


# --- amendments (R-9c) and assignment (R-9f) ----------------------------------------------------------------

class LineChangeIn(RequestBody):
    line_id: str = Field(min_length=1, max_length=40, description="The contract line amended.")
    quantity: Decimal | None = Field(None, description="New contract quantity (the ±10% of R-9a applies to it).")
    unit_price: Decimal | None = Field(None, decimal_places=4, description="New unit price.")


class AmendContract(RequestBody):
    lines: list[LineChangeIn] = Field(min_length=1, max_length=200, description="The lines changed.")
    reason: str = Field(min_length=1, max_length=4000, description="Why the contract is amended.")


class ContractLineOut(BaseModel):
    line_id: str
    description: str
    unit: str
    quantity: Decimal
    unit_price: Decimal


class ContractAmendmentOut(BaseModel):
    id: str
    contract_id: str
    number: int = Field(description="Amendment number; the contract's amendment_number after it (R-9c).")
    reason: str
    lines_before: list[ContractLineOut]
    lines_after: list[ContractLineOut]
    signed_by: str
    signed_at: LocalTime

    @classmethod
    def of(cls, a) -> ContractAmendmentOut:
        return cls.model_validate(dataclasses.asdict(a))


class ContractAmendmentList(BaseModel):
    amendments: list[ContractAmendmentOut]


class RequestAssignment(RequestBody):
    assignee_org: str = Field(min_length=1, max_length=80, description="The registered vendor organisation to take over the contract.")
    reason: str = Field(min_length=1, max_length=4000, description="Why the contractor wants to assign the contract.")


class DecideAssignment(RequestBody):
    consent: bool = Field(description="True: the Commissioner's written consent; False: refusal.")
    reason: str = Field("", max_length=4000, description="Required for a refusal.")


class AssignmentOut(BaseModel):
    id: str
    contract_id: str
    contractor_org: str = Field(description="The assignor.")
    assignee_org: str
    assignee_name: str
    reason: str
    requested_at: LocalTime
    status: str = Field(description="requested, consented or refused")
    decided_at: LocalTime | None = None
    decision_reason: str | None = None

    @classmethod
    def of(cls, a) -> AssignmentOut:
        return cls.model_validate(dataclasses.asdict(a))


@operation(bp, "POST", "/contracts/{contract_id}/amendments", summary="Amend a contract", tag="performance", roles={Role.PURCHASING}, body=AmendContract, response=ContractAmendmentOut, status=201, rules=("R-9c",), errors=(404, 409))
def amend_contract(call: Call, contract_id: str):
    """A written amendment signed for the Commissioner: new quantities or prices, numbered and kept with the previous lines."""
    changes = [LineChange(line.line_id, line.quantity, line.unit_price) for line in call.body.lines]
    return ContractAmendmentOut.of(performance_changes.amend_contract(call.deps, call.actor, contract_id, changes=changes, reason=call.body.reason))


@operation(bp, "GET", "/contracts/{contract_id}/amendments", summary="List a contract's amendments", tag="performance", roles=ALL, response=ContractAmendmentList, rules=("R-9c",), errors=(404,))
def list_contract_amendments(call: Call, contract_id: str):
    """Every amendment in order, each with the lines before and after."""
    return ContractAmendmentList(amendments=[ContractAmendmentOut.of(a) for a in performance_changes.list_amendments(call.deps, call.actor, contract_id)])


@operation(bp, "POST", "/contracts/{contract_id}/assignments", summary="Request consent to assign a contract", tag="performance", roles={Role.VENDOR}, body=RequestAssignment, response=AssignmentOut, status=201, rules=("R-9f",), errors=(404, 409))
def request_contract_assignment(call: Call, contract_id: str):
    """The contractor asks the Commissioner's consent to assign the contract to another registered vendor."""
    return AssignmentOut.of(performance_changes.request_assignment(call.deps, call.actor, contract_id, assignee_org=call.body.assignee_org, reason=call.body.reason))


@operation(bp, "POST", "/assignments/{assignment_id}/decision", summary="Consent to or refuse an assignment", tag="performance", roles={Role.PURCHASING}, body=DecideAssignment, response=AssignmentOut, rules=("R-9f",), errors=(404, 409))
def decide_contract_assignment(call: Call, assignment_id: str):
    """With consent the contract names the assignee from now on; a refusal leaves it unchanged."""
    return AssignmentOut.of(performance_changes.decide_assignment(call.deps, call.actor, assignment_id, consent=call.body.consent, reason=call.body.reason))
