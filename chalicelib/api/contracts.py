"""GET /contracts/{id}: the contract formed by the notice of award (R-9a); POST /contracts/{id}/cancel: purchasing
cancels it for missing surety or non-performance (R-9h)."""

from __future__ import annotations

from chalice import Blueprint
from pydantic import Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, PageQuery, page_of, page_request
from chalicelib.api.types import DecimalOut, Dollars, ExactDollars, LocalTime
from chalicelib.api.views import ApiModel, RequestBody
from chalicelib.domain.contracts import CancellationGround, ContractStatus
from chalicelib.services import awards
from chalicelib.services.ports import Role

bp = Blueprint(__name__)


class AwardedContractLine(ApiModel):
    line_id: str = Field(description="Line of the invitation.")
    description: str = Field(description="The article or service.")
    unit: str = Field(description="Unit of measure.")
    quantity: DecimalOut = Field(description="Contract quantity (orders may vary it by 10%: R-9a).")
    unit_price: ExactDollars = Field(description="The accepted bid's unit price, in dollars.")


class AwardedContract(ApiModel):
    id: str = Field(description="Contract number, printed on every order (R-9k).")
    agency: str = Field(description="The purchasing agency.")
    contractor_id: str = Field(description="Vendor id of the contractor.")
    contractor_name: str = Field(description="The contractor's legal name.")
    lines: list[AwardedContractLine] = Field(description="Contract lines.")
    total: Dollars = Field(description="Sum of quantity x unit price, in dollars.")
    created_at: LocalTime = Field(
        description="When the notice of award (or the acceptance of a conditional award) formed the contract."
    )
    solicitation_id: str | None = Field(None, description="The invitation to bid.")
    award_id: str | None = Field(None, description="The award accepted.")
    rfp_id: str | None = Field(None, description="The request for proposals whose negotiated agreement formed it (R-16j).")
    cash_discount_percent: DecimalOut | None = Field(None, description="Prompt-payment discount percent offered in the bid.")
    cash_discount_days: int | None = Field(None, description="Days within which payment earns the discount.")
    status: ContractStatus = Field(description="active, cancelled (R-9h) or completed.")
    amendment_number: int = Field(description="Written amendments so far (R-9c).")
    refused_at: LocalTime | None = Field(
        None,
        description="R-9g: the contractor refused within 10 days of the notice; the contract stands until purchasing decides.",
    )
    refusal_reason: str | None = Field(None, description="The contractor's reason.")
    cancelled_at: LocalTime | None = Field(
        None, description="When it was cancelled (R-9h; R-9g when a refused award went to the next bidder)."
    )
    cancellation_ground: CancellationGround | None = Field(
        None, description="missing_surety, non_performance (R-9h) or refused (R-9g)."
    )
    cancellation_reason: str | None = Field(None, description="Purchasing's recorded reason.")

    @classmethod
    def of(cls, c) -> AwardedContract:
        return cls(
            id=c.id,
            agency=c.agency,
            contractor_id=c.contractor_id,
            contractor_name=c.contractor_name,
            lines=[AwardedContractLine(**line.__dict__) for line in c.lines],
            total=c.total,
            created_at=c.created_at,
            solicitation_id=c.solicitation_id,
            award_id=c.award_id,
            rfp_id=c.rfp_id,
            cash_discount_percent=c.cash_discount_percent,
            cash_discount_days=c.cash_discount_days,
            status=c.status,
            amendment_number=c.amendment_number,
            refused_at=c.refused_at,
            refusal_reason=c.refusal_reason,
            cancelled_at=c.cancelled_at,
            cancellation_ground=c.cancellation_ground,
            cancellation_reason=c.cancellation_reason,
        )


class CancelContractIn(RequestBody):
    ground: CancellationGround = Field(
        description="missing_surety (only once the 10 days from the surety request passed without it) or non_performance (R-9h)."
    )
    reason: str = Field(max_length=5000, description="The recorded reason, emailed to the contractor; not blank.")


@operation(
    bp,
    "GET",
    "/contracts/{contract_id}",
    summary="Read a contract",
    tag="contracts",
    roles={Role.PURCHASING, Role.AGENCY, Role.VENDOR},
    response=AwardedContract,
    rules=("R-9a",),
    errors=(404,),
)
def get(call: Call, contract_id: str):
    """Purchasing, the contract's agency and the contractor."""
    return AwardedContract.of(awards.get_contract(call.deps, call.actor, contract_id))


@operation(
    bp,
    "GET",
    "/vendors/{vendor_id}/contracts",
    summary="List a vendor's contracts",
    tag="contracts",
    roles={Role.PURCHASING, Role.VENDOR},
    query=PageQuery,
    response=Page[AwardedContract],
    rules=("R-9a",),
    errors=(404,),
)
def list_vendor_contracts(call: Call, vendor_id: str):
    """The contracts the vendor holds as contractor: the vendor itself and purchasing."""
    return page_of(call, awards.vendor_contracts(call.deps, call.actor, vendor_id, page_request(call)), AwardedContract.of)


@operation(
    bp,
    "POST",
    "/contracts/{contract_id}/cancel",
    summary="Cancel a contract for missing surety or non-performance",
    tag="contracts",
    roles={Role.PURCHASING},
    body=CancelContractIn,
    response=AwardedContract,
    rules=("R-9h", "R-9i"),
    errors=(404, 409),
)
def cancel(call: Call, contract_id: str):
    """The contractor is emailed; no order, delivery or invoice is accepted afterwards. Purchasing may then record
    open-market purchases at the contractor's expense (R-9i) or offer the award to the next bidder (POST /awards/{id}/next)."""
    b = call.body
    return AwardedContract.of(awards.cancel_contract(call.deps, call.actor, contract_id, b.ground, b.reason))
