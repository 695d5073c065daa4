"""Contract performance routes: purchase orders and the Comptroller's approval (R-9a, R-9k), delivery
extensions, deliveries, inspection and price determinations (R-11, R-12), rejected goods (R-9j), open-market
purchases (R-9i) and force-majeure notices (R-14); the contract's term, unordered balances and 90% report
(R-9a, R-9d/e), ordering agencies (R-9b), amendments (R-9c) and assignment (R-9f)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from decimal import Decimal

from chalice import Blueprint
from pydantic import Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, PageQuery, page_of, page_request
from chalicelib.api.types import DecimalOut, Dollars, Email, ExactDollars, LocalTime, Money, Quantity, QuantityOrZero, UnitPrice
from chalicelib.api.views import ApiModel, RequestBody
from chalicelib.domain.contracts import term_closes_at
from chalicelib.domain.orders import DeliveryStatus, ExtensionStatus, LineInspection, OrderStatus, RejectedGoods
from chalicelib.domain.performance_changes import AssignmentStatus, BalanceLine, Decision, LineChange
from chalicelib.services import orders, performance_changes
from chalicelib.services.ports import Role

bp = Blueprint(__name__)
ALL = {Role.AGENCY, Role.VENDOR, Role.PURCHASING}


class QuantityIn(RequestBody):
    line_id: str = Field(min_length=1, max_length=40, description="A line of the contract.")
    quantity: Quantity = Field(description="Quantity, greater than 0.")


class PlaceOrder(RequestBody):
    lines: list[QuantityIn] = Field(
        min_length=1,
        max_length=200,
        description="Quantities ordered per contract line; all orders together stay within +10% of the contract quantity (R-9a).",
    )
    deliver_by: dt.date = Field(description="Delivery date (Connecticut calendar date).")
    contact_email: Email = Field(description="Agency contact for deliveries, invoices and payment reminders.")


class ApproveOrder(RequestBody):
    approval_reference: str = Field(
        min_length=1, max_length=100, description="Reference of the State Comptroller's approval (R-9k)."
    )


class RequestExtension(RequestBody):
    deliver_by: dt.date = Field(description="The later delivery date the contractor asks for (R-11).")
    reason: str = Field(min_length=1, max_length=2000, description="Why the contractor needs it.")


class DecideExtension(RequestBody):
    approve: bool = Field(description="True: the State approves the pending request; False: it refuses it (R-11).")
    reason: str = Field("", max_length=2000, description="Required for a refusal.")


class ReceiveDelivery(RequestBody):
    lines: list[QuantityIn] = Field(min_length=1, max_length=200, description="Quantities received per order line.")
    replaces: str | None = Field(None, max_length=40, description="The delivery whose rejected goods this replaces.")


class InspectLine(RequestBody):
    line_id: str = Field(min_length=1, max_length=40, description="A delivered line.")
    accepted: QuantityOrZero = Field(description="Quantity accepted.")
    rejected: QuantityOrZero = Field(Decimal(0), description="Quantity rejected; accepted + rejected = delivered.")
    proposed_unit_price: UnitPrice | None = Field(
        None,
        description="Substandard goods accepted: the adjusted unit price the agency proposes, below the contract price; purchasing determines it (R-12).",
    )


class InspectDelivery(RequestBody):
    lines: list[InspectLine] = Field(min_length=1, max_length=200, description="The result for every delivered line.")
    reason: str | None = Field(None, max_length=2000, description="Why goods were rejected (required for a rejection).")


class OpenMarketIn(RequestBody):
    line_id: str = Field(min_length=1, max_length=40, description="The order line bought elsewhere.")
    quantity: Quantity = Field(description="Quantity bought on the open market.")
    cost: Money = Field(description="What the State paid, in dollars.")
    reason: str = Field(min_length=1, max_length=2000, description="Late delivery or rejected goods not replaced (R-9i).")


class ForceMajeureIn(RequestBody):
    cause: str = Field(min_length=1, max_length=4000, description="The cause beyond the contractor's control (R-14).")
    probable_duration_days: int = Field(description="Probable duration of the delay, in days.")


class OrderLineOut(ApiModel):
    line_id: str = Field(description="The contract line ordered.")
    quantity: DecimalOut = Field(description="Quantity ordered.")
    unit_price: ExactDollars = Field(description="The contract's unit price, in dollars.")


class ExtensionOut(ApiModel):
    deliver_by: dt.date = Field(description="The later delivery date asked for.")
    reason: str = Field(description="Why the contractor needs it.")
    requested_at: LocalTime = Field(description="When the contractor asked.")
    requested_by: str = Field(description="Token subject of the requester.")
    status: ExtensionStatus = Field(description="requested, approved or refused (R-11).")
    decided_at: LocalTime | None = Field(None, description="When the State decided.")
    decided_by: str | None = Field(None, description="Token subject of the decider.")
    decision_reason: str | None = Field(None, description="The reason of a refusal.")


class OrderOut(ApiModel):
    id: str = Field(description="Purchase order id.")
    contract_id: str = Field(description="The contract number the order bears (R-9k).")
    agency: str = Field(description="The ordering agency.")
    contractor_org: str = Field(description="The contractor's organisation.")
    contact_email: str = Field(description="Agency contact for deliveries, invoices and payment reminders.")
    lines: list[OrderLineOut] = Field(description="Quantities ordered per contract line.")
    deliver_by: dt.date = Field(description="Delivery date asked in the order.")
    effective_deliver_by: dt.date = Field(description="Delivery date after approved extensions (R-11).")
    status: OrderStatus = Field(description="awaiting_comptroller_approval or approved (R-9k).")
    comptroller_approval: str | None = Field(None, description="Reference of the State Comptroller's approval (R-9k).")
    approved_at: LocalTime | None = Field(None, description="When the approval was recorded.")
    extensions: list[ExtensionOut] = Field(description="Requests for a later delivery date (R-11).")
    created_at: LocalTime = Field(description="When the order was placed.")

    @classmethod
    def of(cls, order) -> OrderOut:
        return cls.model_validate({**_fields(order), "effective_deliver_by": order.effective_deliver_by})


class DeliveryLineOut(ApiModel):
    line_id: str = Field(description="The order line delivered.")
    quantity: DecimalOut = Field(description="Quantity delivered.")
    accepted: DecimalOut | None = Field(None, description="Quantity accepted at inspection; null before it.")
    rejected: DecimalOut | None = Field(None, description="Quantity rejected at inspection; null before it.")
    proposed_unit_price: ExactDollars | None = Field(None, description="The agency's proposed adjusted unit price (R-12).")
    adjusted_unit_price: ExactDollars | None = Field(None, description="The unit price purchasing determined, final (R-12).")


class PriceDeterminationOut(ApiModel):
    determined_by: str = Field(description="Token subject of the purchasing officer.")
    determined_at: LocalTime = Field(description="When the prices were determined (R-12).")
    reason: str = Field(description="The basis of the determination.")


class DeliveryOut(ApiModel):
    id: str = Field(description="Delivery id.")
    order_id: str = Field(description="The purchase order delivered.")
    contract_id: str = Field(description="The contract.")
    lines: list[DeliveryLineOut] = Field(description="Quantities per order line.")
    received_at: LocalTime = Field(description="When the agency received the goods.")
    replaces: str | None = Field(None, description="The delivery whose rejected goods this replaces.")
    status: DeliveryStatus = Field(description="received (awaiting inspection) or inspected.")
    inspected_at: LocalTime | None = Field(None, description="When the agency inspected it.")
    rejection_reason: str | None = Field(None, description="Why goods were rejected.")
    rejected_goods: RejectedGoods = Field(description="What became of rejected goods (R-9j).")
    removal_deadline: LocalTime | None = Field(None, description="48 hours after the rejection notice (R-9j).")
    removed_at: LocalTime | None = Field(None, description="When the contractor removed the rejected goods.")
    abandoned_at: LocalTime | None = Field(None, description="When unremoved goods became the State's property (R-9j).")
    price_determination: PriceDeterminationOut | None = Field(
        None, description="Purchasing's determination of adjusted prices (R-12)."
    )
    awaiting_price_determination: bool = Field(
        description="Adjusted prices proposed and not yet determined; those goods are not yet payable."
    )

    @classmethod
    def of(cls, delivery) -> DeliveryOut:
        determination = delivery.price_determination and dataclasses.asdict(delivery.price_determination)
        return cls.model_validate(
            {
                **_fields(delivery),
                "price_determination": determination,
                "awaiting_price_determination": delivery.awaiting_price_determination,
            }
        )


class OpenMarketOut(ApiModel):
    id: str = Field(description="Open-market purchase id.")
    contract_id: str = Field(description="The contract.")
    order_id: str = Field(description="The order line's order.")
    line_id: str = Field(description="The order line bought elsewhere.")
    quantity: DecimalOut = Field(description="Quantity bought on the open market.")
    cost: Dollars = Field(description="What the State paid, in dollars.")
    contract_cost: Dollars = Field(description="What the quantity costs at the contract price, in dollars.")
    excess: Dollars = Field(description="Dollars charged to the contractor: cost above the contract cost (R-9i).")
    set_off: Dollars = Field(description="Dollars already deducted from the contractor's invoices (R-13d).")
    unrecovered: Dollars = Field(description="Dollars of the excess still to recover.")
    reason: str = Field(description="Late delivery or rejected goods not replaced (R-9i).")
    recorded_at: LocalTime = Field(description="When it was recorded.")

    @classmethod
    def of(cls, p) -> OpenMarketOut:
        return cls.model_validate({**_fields(p), "excess": p.excess, "unrecovered": p.unrecovered})


class ForceMajeureOut(ApiModel):
    id: str = Field(description="Notice id.")
    contract_id: str = Field(description="The contract delayed.")
    cause: str = Field(description="The cause beyond the contractor's control (R-14).")
    probable_duration_days: int = Field(description="Probable duration of the delay, in days.")
    noticed_at: LocalTime = Field(description="When the contractor gave notice.")

    @classmethod
    def of(cls, n) -> ForceMajeureOut:
        return cls.model_validate(_fields(n))


def _fields(entity) -> dict:
    return {f.name: getattr(entity, f.name) for f in dataclasses.fields(entity)} | {
        name: [dataclasses.asdict(x) for x in getattr(entity, name)] for name in ("lines", "extensions") if hasattr(entity, name)
    }


def _quantities(lines: list[QuantityIn]) -> list[tuple[str, Decimal]]:
    return [(line.line_id, line.quantity) for line in lines]


@operation(
    bp,
    "POST",
    "/contracts/{contract_id}/orders",
    summary="Place a purchase order",
    tag="performance",
    roles={Role.AGENCY},
    body=PlaceOrder,
    response=OrderOut,
    status=201,
    rules=("R-9a", "R-9k"),
    errors=(404, 409),
)
def place_order(call: Call, contract_id: str):
    """The contract's agency writes an order bearing the contract number; it is sent to the contractor once the Comptroller's approval is recorded."""
    b = call.body
    return OrderOut.of(
        orders.place_order(
            call.deps, call.actor, contract_id, lines=_quantities(b.lines), deliver_by=b.deliver_by, contact_email=b.contact_email
        )
    )


@operation(
    bp,
    "GET",
    "/contracts/{contract_id}/orders",
    summary="List a contract's purchase orders",
    tag="performance",
    roles=ALL,
    query=PageQuery,
    response=Page[OrderOut],
    errors=(404,),
)
def list_orders(call: Call, contract_id: str):
    """The contract's agency, its contractor and purchasing see its orders, oldest first."""
    return page_of(call, orders.list_orders(call.deps, call.actor, contract_id, page_request(call)), OrderOut.of)


@operation(
    bp,
    "GET",
    "/orders/{order_id}",
    summary="Read a purchase order",
    tag="performance",
    roles=ALL,
    response=OrderOut,
    rules=("R-9k",),
    errors=(404,),
)
def read_order(call: Call, order_id: str):
    """The ordering agency, the contractor and purchasing read an order; others are told it does not exist."""
    return OrderOut.of(orders.get_order(call.deps, call.actor, order_id))


@operation(
    bp,
    "GET",
    "/agencies/{agency}/orders",
    summary="List an agency's purchase orders",
    tag="performance",
    roles={Role.AGENCY, Role.PURCHASING},
    query=PageQuery,
    response=Page[OrderOut],
    errors=(403,),
)
def list_agency_orders(call: Call, agency: str):
    """Every order the agency placed, on any contract, oldest first: the agency itself and purchasing."""
    return page_of(call, orders.agency_orders(call.deps, call.actor, agency, page_request(call)), OrderOut.of)


@operation(
    bp,
    "POST",
    "/orders/{order_id}/comptroller-approval",
    summary="Record the Comptroller's approval of an order",
    tag="performance",
    roles={Role.PURCHASING},
    body=ApproveOrder,
    response=OrderOut,
    rules=("R-9k",),
    errors=(404, 409),
)
def approve_order(call: Call, order_id: str):
    """The Bureau of Purchases records the State Comptroller's approval; the written order is then emailed to the contractor."""
    return OrderOut.of(orders.approve_order(call.deps, call.actor, order_id, call.body.approval_reference))


@operation(
    bp,
    "POST",
    "/orders/{order_id}/delivery-extensions",
    summary="Request a delivery extension",
    tag="performance",
    roles={Role.VENDOR},
    body=RequestExtension,
    response=OrderOut,
    status=201,
    rules=("R-11",),
    errors=(404, 409),
)
def request_delivery_extension(call: Call, order_id: str):
    """The contractor asks for a later delivery date of this order only; it applies once the State approves it."""
    return OrderOut.of(
        orders.request_delivery_extension(
            call.deps, call.actor, order_id, deliver_by=call.body.deliver_by, reason=call.body.reason
        )
    )


@operation(
    bp,
    "POST",
    "/orders/{order_id}/delivery-extensions/decision",
    summary="Approve or refuse a delivery extension",
    tag="performance",
    roles={Role.AGENCY, Role.PURCHASING},
    body=DecideExtension,
    response=OrderOut,
    rules=("R-11",),
    errors=(404, 409),
)
def decide_delivery_extension(call: Call, order_id: str):
    """The State (the ordering agency or purchasing) decides the pending request; the contractor is told."""
    return OrderOut.of(
        orders.decide_delivery_extension(call.deps, call.actor, order_id, approve=call.body.approve, reason=call.body.reason)
    )


@operation(
    bp,
    "POST",
    "/orders/{order_id}/deliveries",
    summary="Record a delivery received",
    tag="performance",
    roles={Role.AGENCY},
    body=ReceiveDelivery,
    response=DeliveryOut,
    status=201,
    rules=("R-11",),
    errors=(404, 409),
)
def receive_delivery(call: Call, order_id: str):
    """Receipt of goods against an approved order, as ordered; a replacement names the rejected delivery."""
    return DeliveryOut.of(
        orders.receive_delivery(call.deps, call.actor, order_id, lines=_quantities(call.body.lines), replaces=call.body.replaces)
    )


@operation(
    bp,
    "GET",
    "/deliveries/{delivery_id}",
    summary="Read a delivery",
    tag="performance",
    roles=ALL,
    response=DeliveryOut,
    errors=(404,),
)
def get_delivery(call: Call, delivery_id: str):
    """A delivery with its inspection result and the state of rejected goods."""
    return DeliveryOut.of(orders.get_delivery(call.deps, call.actor, delivery_id))


@operation(
    bp,
    "POST",
    "/deliveries/{delivery_id}/inspection",
    summary="Record the inspection of a delivery",
    tag="performance",
    roles={Role.AGENCY},
    body=InspectDelivery,
    response=DeliveryOut,
    rules=("R-12", "R-9j"),
    errors=(404, 409),
)
def inspect_delivery(call: Call, delivery_id: str):
    """Accepts, rejects or accepts at an adjusted price each line; a rejection emails the contractor and gives it 48 hours to remove the goods."""
    results = [LineInspection(r.line_id, r.accepted, r.rejected, r.proposed_unit_price) for r in call.body.lines]
    return DeliveryOut.of(orders.inspect_delivery(call.deps, call.actor, delivery_id, results=results, reason=call.body.reason))


class DeterminedPriceIn(RequestBody):
    line_id: str = Field(min_length=1, max_length=40, description="A line the agency proposed an adjusted price for.")
    adjusted_unit_price: UnitPrice = Field(description="The adjusted unit price in dollars, at most the contract price (R-12).")


class DeterminePrices(RequestBody):
    lines: list[DeterminedPriceIn] = Field(min_length=1, max_length=200, description="Every line with a proposed price.")
    reason: str = Field(min_length=1, max_length=4000, description="The basis of the determination.")


@operation(
    bp,
    "POST",
    "/deliveries/{delivery_id}/price-determination",
    summary="Determine the adjusted prices of substandard goods",
    tag="performance",
    roles={Role.PURCHASING},
    body=DeterminePrices,
    response=DeliveryOut,
    rules=("R-12",),
    errors=(404, 409),
)
def determine_prices(call: Call, delivery_id: str):
    """Purchasing's determination for the Commissioner, final and binding; the goods are then payable at these prices."""
    prices = {line.line_id: line.adjusted_unit_price for line in call.body.lines}
    return DeliveryOut.of(orders.determine_prices(call.deps, call.actor, delivery_id, prices=prices, reason=call.body.reason))


@operation(
    bp,
    "POST",
    "/deliveries/{delivery_id}/removal",
    summary="Record removal of rejected goods",
    tag="performance",
    roles={Role.AGENCY},
    response=DeliveryOut,
    rules=("R-9j",),
    errors=(404, 409),
)
def record_removal(call: Call, delivery_id: str):
    """The contractor took the rejected goods away within 48 hours of the notice."""
    return DeliveryOut.of(orders.record_removal(call.deps, call.actor, delivery_id))


@operation(
    bp,
    "POST",
    "/orders/{order_id}/open-market-purchases",
    summary="Record an open-market purchase",
    tag="performance",
    roles={Role.AGENCY},
    body=OpenMarketIn,
    response=OpenMarketOut,
    status=201,
    rules=("R-9i", "R-13d"),
    errors=(404, 409),
)
def open_market_purchase(call: Call, order_id: str):
    """Goods bought elsewhere for a late delivery or unreplaced rejected goods; the excess cost is charged to the contractor and deducted from its open invoices."""
    b = call.body
    return OpenMarketOut.of(
        orders.record_open_market_purchase(
            call.deps, call.actor, order_id, line_id=b.line_id, quantity=b.quantity, cost=b.cost, reason=b.reason
        )
    )


@operation(
    bp,
    "GET",
    "/contracts/{contract_id}/open-market-purchases",
    summary="List open-market purchases of a contract",
    tag="performance",
    roles=ALL,
    query=PageQuery,
    response=Page[OpenMarketOut],
    rules=("R-9i",),
    errors=(404,),
)
def list_open_market_purchases(call: Call, contract_id: str):
    """Charges against the contractor and how much of each was set off, oldest first."""
    found = orders.list_open_market_purchases(call.deps, call.actor, contract_id, page_request(call))
    return page_of(call, found, OpenMarketOut.of)


@operation(
    bp,
    "POST",
    "/contracts/{contract_id}/force-majeure-notices",
    summary="Give notice of a delay beyond the contractor's control",
    tag="performance",
    roles={Role.VENDOR},
    body=ForceMajeureIn,
    response=ForceMajeureOut,
    status=201,
    rules=("R-14",),
    errors=(404,),
)
def give_force_majeure_notice(call: Call, contract_id: str):
    """The contractor's immediate written notice of the cause and probable duration of a delay."""
    b = call.body
    return ForceMajeureOut.of(
        orders.give_force_majeure_notice(
            call.deps, call.actor, contract_id, cause=b.cause, probable_duration_days=b.probable_duration_days
        )
    )


@operation(
    bp,
    "GET",
    "/contracts/{contract_id}/force-majeure-notices",
    summary="List force-majeure notices of a contract",
    tag="performance",
    roles=ALL,
    query=PageQuery,
    response=Page[ForceMajeureOut],
    rules=("R-14",),
    errors=(404,),
)
def list_force_majeure_notices(call: Call, contract_id: str):
    """Notices recorded against the contract, oldest first."""
    found = orders.list_force_majeure_notices(call.deps, call.actor, contract_id, page_request(call))
    return page_of(call, found, ForceMajeureOut.of)


# --- amendments (R-9c) and assignment (R-9f) ----------------------------------------------------------------


class LineChangeIn(RequestBody):
    line_id: str = Field(min_length=1, max_length=40, description="The contract line amended.")
    quantity: Quantity | None = Field(None, description="New contract quantity (the ±10% of R-9a applies to it).")
    unit_price: UnitPrice | None = Field(None, description="New unit price, in dollars.")


class AmendContract(RequestBody):
    lines: list[LineChangeIn] = Field([], max_length=200, description="The lines changed.")
    term_end: dt.date | None = Field(None, description="A later last day of the term: an extension (R-9d).")
    reason: str = Field(min_length=1, max_length=4000, description="Why the contract is amended.")


class DecideAmendment(RequestBody):
    accept: bool = Field(description="True: the contractor accepts and the amendment takes effect; False: it refuses (R-9c).")
    reason: str = Field("", max_length=4000, description="Required for a refusal.")


class ContractLineOut(ApiModel):
    line_id: str = Field(description="Line of the contract.")
    description: str = Field(description="The article or service.")
    unit: str = Field(description="Unit of measure.")
    quantity: DecimalOut = Field(description="Contract quantity.")
    unit_price: ExactDollars = Field(description="Unit price, in dollars.")


class ContractAmendmentOut(ApiModel):
    id: str = Field(description="Amendment id.")
    contract_id: str = Field(description="The contract amended.")
    number: int = Field(description="Amendment number; the contract's amendment_number after it (R-9c).")
    reason: str = Field(description="Why the contract is amended.")
    lines_before: list[ContractLineOut] = Field(description="The contract lines before the amendment.")
    lines_after: list[ContractLineOut] = Field(description="The contract lines once it takes effect.")
    term_end_before: dt.date | None = Field(None, description="The term's last day before it.")
    term_end_after: dt.date | None = Field(None, description="The term's last day after it (an extension, R-9d).")
    signed_by: str = Field(description="Token subject of the purchasing officer who signed it (R-9c).")
    signed_at: LocalTime = Field(description="When it was signed.")
    status: Decision = Field(description="awaiting_acceptance, accepted (in effect) or refused (R-9c).")
    decided_at: LocalTime | None = Field(None, description="When the contractor answered.")
    decision_reason: str | None = Field(None, description="The reason of a refusal.")

    @classmethod
    def of(cls, a, lines: tuple[tuple, tuple]) -> ContractAmendmentOut:
        """`lines`: the contract's lines before and after it (services.performance_changes.amendment_lines)."""
        before, after = lines
        return cls.model_validate(
            dataclasses.asdict(a)
            | {"lines_before": [dataclasses.asdict(x) for x in before], "lines_after": [dataclasses.asdict(x) for x in after]}
        )


def _amendments_out(call: Call, contract_id: str, amendments: list) -> list[ContractAmendmentOut]:
    lines = performance_changes.amendment_lines(call.deps, contract_id, amendments)
    return [ContractAmendmentOut.of(a, lines[a.id]) for a in amendments]


class RequestAssignment(RequestBody):
    assignee_org: str = Field(
        min_length=1, max_length=80, description="The registered vendor organisation to take over the contract."
    )
    reason: str = Field(min_length=1, max_length=4000, description="Why the contractor wants to assign the contract.")


class DecideAssignment(RequestBody):
    consent: bool = Field(description="True: the Commissioner's written consent; False: refusal.")
    reason: str = Field("", max_length=4000, description="Required for a refusal.")


class AssignmentOut(ApiModel):
    id: str = Field(description="Assignment request id.")
    contract_id: str = Field(description="The contract to assign.")
    contractor_org: str = Field(description="The assignor.")
    assignee_org: str = Field(description="The vendor organisation to take over the contract.")
    assignee_name: str = Field(description="The assignee's legal name.")
    reason: str = Field(description="Why the contractor wants to assign it.")
    requested_at: LocalTime = Field(description="When the contractor asked.")
    status: AssignmentStatus = Field(description="requested, consented or refused (R-9f).")
    decided_at: LocalTime | None = Field(None, description="When purchasing decided.")
    decision_reason: str | None = Field(None, description="The reason of a refusal.")

    @classmethod
    def of(cls, a) -> AssignmentOut:
        return cls.model_validate(dataclasses.asdict(a))


@operation(
    bp,
    "POST",
    "/contracts/{contract_id}/amendments",
    summary="Amend a contract",
    tag="performance",
    roles={Role.PURCHASING},
    body=AmendContract,
    response=ContractAmendmentOut,
    status=201,
    rules=("R-9c",),
    errors=(404, 409),
)
def amend_contract(call: Call, contract_id: str):
    """A written amendment signed for the Commissioner: new quantities, prices or term end, numbered and kept with the previous ones; it takes effect when the contractor accepts it."""
    changes = [LineChange(line.line_id, line.quantity, line.unit_price) for line in call.body.lines]
    amendment = performance_changes.amend_contract(
        call.deps, call.actor, contract_id, changes=changes, term_end=call.body.term_end, reason=call.body.reason
    )
    return _amendments_out(call, contract_id, [amendment])[0]


@operation(
    bp,
    "POST",
    "/contracts/{contract_id}/amendments/{amendment_id}/decision",
    summary="Accept or refuse a contract amendment",
    tag="performance",
    roles={Role.VENDOR},
    body=DecideAmendment,
    response=ContractAmendmentOut,
    rules=("R-9c", "R-9d/e"),
    errors=(404, 409),
)
def decide_contract_amendment(call: Call, contract_id: str, amendment_id: str):
    """The contractor's acceptance puts the amendment in effect (new lines, extended term); a refusal leaves the contract unchanged."""
    decided = performance_changes.decide_amendment(
        call.deps, call.actor, contract_id, amendment_id, accept=call.body.accept, reason=call.body.reason
    )
    return _amendments_out(call, contract_id, [decided])[0]


@operation(
    bp,
    "GET",
    "/contracts/{contract_id}/amendments",
    summary="List a contract's amendments",
    tag="performance",
    roles=ALL,
    query=PageQuery,
    response=Page[ContractAmendmentOut],
    rules=("R-9c",),
    errors=(404,),
)
def list_contract_amendments(call: Call, contract_id: str):
    """Every amendment in number order, each with the lines before and after."""
    found = performance_changes.list_amendments(call.deps, call.actor, contract_id, page_request(call))
    shown = dict(zip((a.id for a in found.items), _amendments_out(call, contract_id, list(found.items))))
    return page_of(call, found, lambda a: shown[a.id])


@operation(
    bp,
    "POST",
    "/contracts/{contract_id}/assignments",
    summary="Request consent to assign a contract",
    tag="performance",
    roles={Role.VENDOR},
    body=RequestAssignment,
    response=AssignmentOut,
    status=201,
    rules=("R-9f",),
    errors=(404, 409),
)
def request_contract_assignment(call: Call, contract_id: str):
    """The contractor asks the Commissioner's consent to assign the contract to another registered vendor."""
    return AssignmentOut.of(
        performance_changes.request_assignment(
            call.deps, call.actor, contract_id, assignee_org=call.body.assignee_org, reason=call.body.reason
        )
    )


@operation(
    bp,
    "GET",
    "/assignments/{assignment_id}",
    summary="Read an assignment request",
    tag="performance",
    roles=ALL,
    response=AssignmentOut,
    rules=("R-9f",),
    errors=(404,),
)
def read_contract_assignment(call: Call, assignment_id: str):
    """The contract's agency, its contractor, the assignee and purchasing read the request and its decision."""
    return AssignmentOut.of(performance_changes.get_assignment(call.deps, call.actor, assignment_id))


@operation(
    bp,
    "POST",
    "/assignments/{assignment_id}/decision",
    summary="Consent to or refuse an assignment",
    tag="performance",
    roles={Role.PURCHASING},
    body=DecideAssignment,
    response=AssignmentOut,
    rules=("R-9f",),
    errors=(404, 409),
)
def decide_contract_assignment(call: Call, assignment_id: str):
    """With consent the contract names the assignee from now on; a refusal leaves it unchanged."""
    return AssignmentOut.of(
        performance_changes.decide_assignment(
            call.deps, call.actor, assignment_id, consent=call.body.consent, reason=call.body.reason
        )
    )


# --- term, unordered balances, 90% report (R-9a, R-9d/e) and ordering agencies (R-9b) -------------------------


class SetTerm(RequestBody):
    start: dt.date = Field(description="First day of the term (Connecticut date).")
    end: dt.date = Field(description="Last day of the term; orders are placed up to its end (R-9d).")


class ContractTermOut(ApiModel):
    contract_id: str = Field(description="The contract.")
    term_start: dt.date | None = Field(None, description="First day of the term; null until set.")
    term_end: dt.date | None = Field(None, description="Last day of the term (R-9d); null until set.")
    ordering_ends_at: LocalTime | None = Field(None, description="First instant after the term: no order from then on (R-9d).")
    ordering_agencies: list[str] = Field(description="The agency named in the contract and those the contractor accepted (R-9b).")
    amendment_number: int = Field(description="Written amendments so far (R-9c).")

    @classmethod
    def of(cls, c) -> ContractTermOut:
        return cls(
            contract_id=c.id,
            term_start=c.term_start,
            term_end=c.term_end,
            ordering_ends_at=term_closes_at(c),
            ordering_agencies=list(c.ordering_agencies),
            amendment_number=c.amendment_number,
        )


class BalanceLineIn(RequestBody):
    line_id: str = Field(min_length=1, max_length=40, description="A contract line.")
    unordered: QuantityOrZero = Field(description="The unordered balance of the line, 0 or more.")


class StateBalances(RequestBody):
    lines: list[BalanceLineIn] = Field(min_length=1, max_length=200, description="Every contract line, once.")


class BalanceLineOut(ApiModel):
    line_id: str = Field(description="A contract line.")
    unordered: DecimalOut = Field(description="Its unordered balance as stated.")


class BalanceStatementOut(ApiModel):
    id: str = Field(description="Statement request id.")
    contract_id: str = Field(description="The contract.")
    requested_by: str = Field(description="Token subject of the purchasing officer who asked (R-9e).")
    requested_at: LocalTime = Field(description="When it was asked for.")
    lines: list[BalanceLineOut] = Field(description="The balances stated; empty until stated.")
    stated_by: str | None = Field(None, description="Token subject of the contractor who stated them.")
    stated_at: LocalTime | None = Field(None, description="When they were stated.")

    @classmethod
    def of(cls, b) -> BalanceStatementOut:
        return cls.model_validate(dataclasses.asdict(b))


class ShortfallOut(ApiModel):
    line_id: str = Field(description="A contract line ordered short.")
    contract_quantity: DecimalOut = Field(description="The contract quantity.")
    ordered: DecimalOut = Field(description="Quantity ordered in the term.")
    least: DecimalOut = Field(description="90% of the contract quantity (R-9a).")


class TermReportOut(ApiModel):
    id: str = Field(description="Report id.")
    contract_id: str = Field(description="The contract.")
    term_end: dt.date = Field(description="The last day of the term reported on.")
    lines: list[ShortfallOut] = Field(description="Lines ordered below 90% of their contract quantity (R-9a).")
    reported_at: LocalTime = Field(description="When it was reported.")


class RequestOrderingAgency(RequestBody):
    agency: str | None = Field(
        None,
        min_length=1,
        max_length=80,
        description="The agency that will order; an agency asks for itself, purchasing names it.",
    )


class DecideOrderingAgency(RequestBody):
    accept: bool = Field(description="True: the contractor accepts the agency as an ordering agency (R-9b).")
    reason: str = Field("", max_length=4000, description="Required for a refusal.")


class OrderingAgencyOut(ApiModel):
    id: str = Field(description="Request id.")
    contract_id: str = Field(description="The contract.")
    ordering_agency: str = Field(description="The agency not named in the contract that will order (R-9b).")
    requested_by: str = Field(description="Token subject of the requester.")
    requested_at: LocalTime = Field(description="When it was asked.")
    status: Decision = Field(description="awaiting_acceptance, accepted or refused (R-9b).")
    decided_at: LocalTime | None = Field(None, description="When the contractor answered.")
    decision_reason: str | None = Field(None, description="The reason of a refusal.")

    @classmethod
    def of(cls, r) -> OrderingAgencyOut:
        return cls.model_validate(dataclasses.asdict(r))


@operation(
    bp,
    "POST",
    "/contracts/{contract_id}/term",
    summary="Record a contract's term",
    tag="performance",
    roles={Role.PURCHASING},
    body=SetTerm,
    response=ContractTermOut,
    rules=("R-9d/e", "R-9a"),
    errors=(404, 409),
)
def set_term(call: Call, contract_id: str):
    """Purchasing records the term of a contract that has none; at its end orders below 90% are reported. Later changes are amendments."""
    return ContractTermOut.of(
        performance_changes.set_term(call.deps, call.actor, contract_id, start=call.body.start, end=call.body.end)
    )


@operation(
    bp,
    "GET",
    "/contracts/{contract_id}/term",
    summary="Read a contract's term and ordering agencies",
    tag="performance",
    roles=ALL,
    response=ContractTermOut,
    rules=("R-9b", "R-9d/e"),
    errors=(404,),
)
def get_term(call: Call, contract_id: str):
    """The term in effect (as extended by accepted amendments) and who may order."""
    return ContractTermOut.of(orders.get_contract(call.deps, call.actor, contract_id))


@operation(
    bp,
    "POST",
    "/contracts/{contract_id}/unordered-balance-statements",
    summary="Request the statement of unordered balances",
    tag="performance",
    roles={Role.PURCHASING},
    response=BalanceStatementOut,
    status=201,
    rules=("R-9d/e",),
    errors=(404, 409),
)
def request_balance_statement(call: Call, contract_id: str):
    """Before the end of the term, purchasing asks the contractor for its unordered balances."""
    return BalanceStatementOut.of(performance_changes.request_balance_statement(call.deps, call.actor, contract_id))


@operation(
    bp,
    "GET",
    "/contracts/{contract_id}/unordered-balance-statements",
    summary="List statements of unordered balances",
    tag="performance",
    roles=ALL,
    query=PageQuery,
    response=Page[BalanceStatementOut],
    rules=("R-9d/e",),
    errors=(404,),
)
def list_balance_statements(call: Call, contract_id: str):
    """Requests and the contractor's statements, oldest first."""
    found = performance_changes.list_balance_statements(call.deps, call.actor, contract_id, page_request(call))
    return page_of(call, found, BalanceStatementOut.of)


@operation(
    bp,
    "POST",
    "/unordered-balance-statements/{statement_id}/statement",
    summary="State the unordered balances",
    tag="performance",
    roles={Role.VENDOR},
    body=StateBalances,
    response=BalanceStatementOut,
    rules=("R-9d/e",),
    errors=(404, 409),
)
def state_balances(call: Call, statement_id: str):
    """The contractor states each line's unordered balance, before the end of the term."""
    lines = [BalanceLine(line.line_id, line.unordered) for line in call.body.lines]
    return BalanceStatementOut.of(performance_changes.state_balances(call.deps, call.actor, statement_id, lines=lines))


@operation(
    bp,
    "GET",
    "/contracts/{contract_id}/term-reports",
    summary="List end-of-term reports of orders below 90%",
    tag="performance",
    roles=ALL,
    query=PageQuery,
    response=Page[TermReportOut],
    rules=("R-9a",),
    errors=(404,),
)
def list_term_reports(call: Call, contract_id: str):
    """Recorded when a term ended with a line ordered below 90% of its contract quantity, by term end."""
    found = performance_changes.list_term_reports(call.deps, call.actor, contract_id, page_request(call))
    return page_of(call, found, lambda r: TermReportOut.model_validate(dataclasses.asdict(r)))


@operation(
    bp,
    "POST",
    "/contracts/{contract_id}/ordering-agencies",
    summary="Ask to add an ordering agency",
    tag="performance",
    roles={Role.AGENCY, Role.PURCHASING},
    body=RequestOrderingAgency,
    response=OrderingAgencyOut,
    status=201,
    rules=("R-9b",),
    errors=(404, 409),
)
def request_ordering_agency(call: Call, contract_id: str):
    """An agency not named in the contract asks to order against it; it may once the contractor accepts."""
    return OrderingAgencyOut.of(
        performance_changes.request_ordering_agency(call.deps, call.actor, contract_id, agency=call.body.agency)
    )


@operation(
    bp,
    "GET",
    "/contracts/{contract_id}/ordering-agencies",
    summary="List requests to add ordering agencies",
    tag="performance",
    roles=ALL,
    query=PageQuery,
    response=Page[OrderingAgencyOut],
    rules=("R-9b",),
    errors=(404,),
)
def list_ordering_agency_requests(call: Call, contract_id: str):
    """Each request with the contractor's answer, oldest first."""
    found = performance_changes.list_ordering_agency_requests(call.deps, call.actor, contract_id, page_request(call))
    return page_of(call, found, OrderingAgencyOut.of)


@operation(
    bp,
    "POST",
    "/ordering-agency-requests/{request_id}/decision",
    summary="Accept or refuse an ordering agency",
    tag="performance",
    roles={Role.VENDOR},
    body=DecideOrderingAgency,
    response=OrderingAgencyOut,
    rules=("R-9b",),
    errors=(404, 409),
)
def decide_ordering_agency(call: Call, request_id: str):
    """The contractor's acceptance lets the agency order against the contract."""
    return OrderingAgencyOut.of(
        performance_changes.decide_ordering_agency(
            call.deps, call.actor, request_id, accept=call.body.accept, reason=call.body.reason
        )
    )
