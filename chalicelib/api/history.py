"""GET /history/{kind}/{record_id}: the public history of a published invitation, request for proposals or approved
plan (services/history.py): each change with who made it (role and organisation), when, and the public fields it
changed."""

from __future__ import annotations

from enum import StrEnum
from typing import Any

from chalice import Blueprint
from pydantic import Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.plans import PlanOut
from chalicelib.api.rfps import RfpOut
from chalicelib.api.solicitations import SolicitationOut
from chalicelib.api.types import LocalTime
from chalicelib.api.views import ApiModel
from chalicelib.services import history

bp = Blueprint(__name__)


class HistoryKind(StrEnum):
    SOLICITATION = "solicitation"
    RFP = "rfp"
    PLAN = "plan"


PUBLIC_MODELS: dict[str, type[ApiModel]] = {"solicitation": SolicitationOut, "rfp": RfpOut, "plan": PlanOut}


class FieldChangeOut(ApiModel):
    field: str = Field(description="A field the public route of the record shows.")
    before: Any = Field(None, description="Its value before the change (null when it was not public before).")
    after: Any = Field(None, description="Its value after the change, as stored.")


class HistoryEntryOut(ApiModel):
    at: LocalTime = Field(description="When the change was committed.")
    action: str = Field(description="What was done, e.g. solicitation.published or rfp.addendum_issued.")
    by_role: str = Field(description="The role of whoever made it: purchasing, agency, opm, or system (a timer).")
    by_org: str = Field(description="Their organisation: an agency code, DAS-BOP, OPM, or system.")
    changes: list[FieldChangeOut] = Field(description="The public fields the change set, with their values.")


class HistoryOut(ApiModel):
    kind: HistoryKind = Field(description="The kind of record.")
    id: str = Field(description="The record's id.")
    entries: list[HistoryEntryOut] = Field(description="Every change since the record became public, oldest first.")


@operation(
    bp,
    "GET",
    "/history/{kind}/{record_id}",
    summary="Read the public history of a public record",
    tag="transparency",
    response=HistoryOut,
    rules=("R-4", "R-16m-o", "OPM-2"),
    errors=(404,),
    optional_auth=True,
)
def read_history(call: Call, kind: str, record_id: str):
    """Public: who (role and organisation) changed what and when, from the publication on; drafts are 404."""
    model = PUBLIC_MODELS.get(kind)
    entries = history.public_history(call.deps, kind, record_id, model.model_fields if model else ())
    return HistoryOut(
        kind=HistoryKind(kind),
        id=record_id,
        entries=[
            HistoryEntryOut(
                at=e.at,
                action=e.action,
                by_role=e.role,
                by_org=e.org,
                changes=[FieldChangeOut(field=f, before=b, after=a) for f, b, a in e.changes],
            )
            for e in entries
        ],
    )
