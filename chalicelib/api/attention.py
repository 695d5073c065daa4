"""GET /attention and POST /attention/{id}/resume: workflow steps that failed after their retries (purchasing)."""

from __future__ import annotations

from chalice import Blueprint
from pydantic import Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, PageQuery, page_of, page_request
from chalicelib.api.types import LocalTime
from chalicelib.api.views import ApiModel
from chalicelib.domain.attention import AttentionStatus
from chalicelib.services import attention
from chalicelib.services.ports import Role

bp = Blueprint(__name__)


class AttentionOut(ApiModel):
    id: str = Field(description="Reference of the failed step, as in the email to purchasing.")
    process: str = Field(description="State machine, e.g. invitation-to-bid.")
    execution: str = Field(description="Execution name (deterministic: the record it runs for).")
    state: str = Field(description="The step that failed; resuming runs it again.")
    error: str = Field(description="Error name after the automatic retries, e.g. Throttled.")
    cause: str = Field(description="The error's message.")
    raised_at: LocalTime = Field(description="When the step failed after its automatic retries.")
    status: AttentionStatus = Field(description="open: the execution waits; resumed: it went on.")
    occurrences: int = Field(description="How many times this step needed attention.")
    resumed_at: LocalTime | None = Field(None, description="When purchasing resumed the step.")
    resumed_by: str | None = Field(None, description="Token subject of the purchasing officer who resumed it.")


def _out(record) -> AttentionOut:
    return AttentionOut.model_validate(record, from_attributes=True)


@operation(
    bp,
    "GET",
    "/attention",
    summary="List workflow steps that need attention",
    tag="operations",
    roles={Role.PURCHASING},
    query=PageQuery,
    response=Page[AttentionOut],
)
def list_attention(call: Call):
    """Open items, oldest first: each is an execution parked on a step that failed after its automatic retries."""
    return page_of(call, attention.open_attention(call.deps, call.actor, page_request(call)), _out)


@operation(
    bp,
    "POST",
    "/attention/{attention_id}/resume",
    summary="Resume a workflow step",
    tag="operations",
    roles={Role.PURCHASING},
    response=AttentionOut,
    errors=(404, 409),
)
def resume_attention(call: Call, attention_id: str):
    """Runs the failed step again; its tasks skip what they already finished, so nothing is done twice."""
    return _out(attention.resume(call.deps, call.actor, attention_id))
