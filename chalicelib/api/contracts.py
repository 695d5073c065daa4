"""GET /contracts/{id}: the contract formed by an accepted award (R-9a)."""

from __future__ import annotations

from decimal import Decimal

from chalice import Blueprint
from pydantic import BaseModel, Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.views import LocalTime
from chalicelib.services import awards
from chalicelib.services.ports import Role

bp = Blueprint(__name__)


class AwardedContractLine(BaseModel):
    line_id: str = Field(description="Line of the invitation.")
    description: str = Field(description="The article or service.")
    unit: str = Field(description="Unit of measure.")
    quantity: Decimal = Field(description="Contract quantity (orders may vary it by 10%: R-9a).")
    unit_price: Decimal = Field(description="The accepted bid's unit price.")


class AwardedContract(BaseModel):
    id: str = Field(description="Contract number, printed on every order (R-9k).")
    agency: str = Field(description="The purchasing agency.")
    contractor_id: str = Field(description="Vendor id of the contractor.")
    contractor_name: str = Field(description="The contractor's legal name.")
    lines: list[AwardedContractLine] = Field(description="Contract lines.")
    total: Decimal = Field(description="Sum of quantity x unit price.")
    created_at: LocalTime = Field(description="When the acceptance formed the contract.")
    solicitation_id: str | None = Field(None, description="The invitation to bid.")
    award_id: str | None = Field(None, description="The award accepted.")
    cash_discount_percent: Decimal | None = Field(None, description="Prompt-payment discount offered in the bid.")
    cash_discount_days: int | None = Field(None, description="Its days.")
    status: str = Field(description="active, cancelled or completed.")
    amendment_number: int = Field(description="Written amendments so far (R-9c).")


@operation(bp, "GET", "/contracts/{contract_id}", summary="Read a contract", tag="contracts", roles={Role.PURCHASING, Role.AGENCY, Role.VENDOR}, response=AwardedContract, rules=("R-9a",), errors=(404,))
def get(call: Call, contract_id: str):
    """Purchasing, the contract's agency and the contractor."""
    c = awards.get_contract(call.deps, call.actor, contract_id)
    return AwardedContract(
        id=c.id, agency=c.agency, contractor_id=c.contractor_id, contractor_name=c.contractor_name,
        lines=[AwardedContractLine(**line.__dict__) for line in c.lines], total=c.total, created_at=c.created_at,
        solicitation_id=c.solicitation_id, award_id=c.award_id, cash_discount_percent=c.cash_discount_percent,
        cash_discount_days=c.cash_discount_days, status=c.status.value, amendment_number=c.amendment_number,
    )
