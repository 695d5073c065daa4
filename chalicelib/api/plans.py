"""OPM procurement plans and Requests To Amend Procurement Schedule (OPM-1 to OPM-7)."""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Annotated

from chalice import Blueprint
from pydantic import Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, PageQuery, page_of, page_request
from chalicelib.api.types import Email, LocalTime
from chalicelib.api.views import ApiModel, RequestBody
from chalicelib.domain import plans as domain
from chalicelib.domain.errors import NotFound
from chalicelib.domain.plans import PlanStatus, ProcurementMethod, ServiceType
from chalicelib.domain.plans_amendments import PlanAmendmentStatus, ScheduleChange
from chalicelib.services import plans
from chalicelib.services.ports import Role

bp = Blueprint(__name__)
TAG = "procurement plans"


# -- request bodies ----------------------------------------------------------------------------------


class PlanNarrativeIn(RequestBody):
    text: str = Field(min_length=1, max_length=20000, description="The component's text.")


class PlanContractorIn(RequestBody):
    name: str = Field(min_length=1, max_length=200, description="Contractor now providing the service.")
    email: Email = Field(description="Contact address; a rescinded waiver is announced here (OPM-7).")


class ScheduledServiceIn(RequestBody):
    service_id: str = Field(
        min_length=1, max_length=40, description="The agency's identifier of the service, unique in the schedule."
    )
    description: str = Field(min_length=1, max_length=500, description="The service procured.")
    service_type: ServiceType = Field(description="POS (health and human services) or PSA (personal services).")
    method: ProcurementMethod = Field(description="competitive or non_competitive (an OPM waiver).")
    competitive_procurement_date: dt.date | None = Field(
        None, description="Scheduled competitive procurement (Connecticut date); required when competitive."
    )
    current_contractors: list[PlanContractorIn] = Field(
        default_factory=list, max_length=20, description="Current contractor(s) with their contact email."
    )


class WaiverJustificationIn(RequestBody):
    service_id: str = Field(min_length=1, max_length=40, description="A non-competitive service of the schedule.")
    basis: str = Field(min_length=1, max_length=5000, description="Why the service is not competed.")


class PlanContactIn(RequestBody):
    name: str = Field(min_length=1, max_length=200, description="Agency contact for OPM.")
    email: Email = Field(description="Where OPM's decisions on the plan and its amendments are emailed.")
    title: str = Field("", max_length=200, description="Job title.")
    phone: str = Field("", max_length=40, description="Telephone.")


class PlanSections(RequestBody):
    """The eight required components (OPM-1); each may be sent separately while the plan is a draft."""

    agency_overview: PlanNarrativeIn | None = Field(
        None, description="1. Mission, programs and populations the services support."
    )
    needs_assessment: PlanNarrativeIn | None = Field(None, description="2. Why the services are needed (C.G.S. 4-217(a)(1)).")
    procurement_schedule: list[ScheduledServiceIn] | None = Field(
        None, max_length=500, description="3. The procurement schedule (OPM-3)."
    )
    competition_strategy: PlanNarrativeIn | None = Field(
        None, description="4. How requests for proposals are developed and advertised, and competition increased."
    )
    waiver_justifications: list[WaiverJustificationIn] | None = Field(
        None, max_length=500, description="5. A justification per non-competitive service (empty when all are competitive)."
    )
    evaluation_and_selection: PlanNarrativeIn | None = Field(
        None, description="6. How proposals are evaluated and contractors selected (incl. set-asides, C.G.S. 4a-60g)."
    )
    contract_monitoring: PlanNarrativeIn | None = Field(
        None, description="7. How contractor performance is monitored and evaluated."
    )
    contact: PlanContactIn | None = Field(None, description="8. The agency's contact for OPM.")

    def to_domain(self) -> dict:
        """Only the components sent (null clears one)."""
        out = {}
        for name in self.model_fields_set & set(domain.COMPONENTS):
            out[name] = _component(name, getattr(self, name))
        return out


class CreatePlan(PlanSections):
    period: str = Field(min_length=1, max_length=20, description="Fiscal-year period, e.g. 'FY 20-22' (three fiscal years).")


class OpmDecision(RequestBody):
    note: str = Field(min_length=1, max_length=10000, description="OPM's written decision (OPM-1, OPM-5).")


class ReturnPlan(RequestBody):
    reasons: list[Annotated[str, Field(max_length=2000)]] = Field(
        min_length=1, max_length=50, description="Why the plan goes back to the agency."
    )


class RequestAmendment(RequestBody):
    service_id: str = Field(min_length=1, max_length=40, description="The service on the published schedule.")
    change: ScheduleChange = Field(
        description="to_non_competitive (waiver; at least three months before its competitive procurement, OPM-4) or to_competitive (rescind a waiver; any time, OPM-7)."
    )
    reason: str = Field(min_length=1, max_length=5000, description="Why the agency asks.")
    competitive_procurement_date: dt.date | None = Field(
        None, description="The service's scheduled competitive procurement after the change; required for to_competitive."
    )


class PlanQuery(PageQuery):
    agency: str | None = Field(None, max_length=40, description="Agency code.")
    period: str | None = Field(None, max_length=20, description="Period, e.g. 'FY 20-22'.")
    # Literal, not the enum: query-parameter schemas are inlined in OpenAPI and cannot carry a $ref.
    status: PlanStatus | None = Field(None, description="Default approved (public); other statuses need an opm or agency token.")


class PlanAmendmentQuery(PageQuery):
    status: PlanAmendmentStatus | None = Field(None, description="Default under_review.")


# -- responses ---------------------------------------------------------------------------------------


class ScheduleVersionSummary(ApiModel):
    number: int = Field(description="Schedule version number, from 1 (the approved plan's schedule).")
    source: str = Field(description="'plan' for the approved plan, else the amendment id.")
    published_at: LocalTime = Field(description="When the version was published (OPM-2, OPM-6).")


class ScheduleVersionOut(ScheduleVersionSummary):
    plan_id: str = Field(description="The plan whose schedule this is.")
    services: list[ScheduledServiceIn] = Field(description="The procurement schedule of this version (OPM-3).")


class PlanOut(ApiModel):
    id: str = Field(description="Plan id.")
    agency: str = Field(description="The agency's org code.")
    period: str = Field(description="Fiscal-year period, e.g. 'FY 20-22'.")
    status: PlanStatus = Field(description="draft, submitted (under OPM review), approved (public, OPM-2) or returned.")
    agency_overview: PlanNarrativeIn | None = Field(None, description="1. Agency overview; null until given.")
    needs_assessment: PlanNarrativeIn | None = Field(None, description="2. Needs assessment; null until given.")
    procurement_schedule: list[ScheduledServiceIn] | None = Field(
        None, description="3. The procurement schedule; for an approved plan, the latest published version."
    )
    competition_strategy: PlanNarrativeIn | None = Field(None, description="4. Competition strategy; null until given.")
    waiver_justifications: list[WaiverJustificationIn] | None = Field(
        None, description="5. Justification of each non-competitive service; null until given."
    )
    evaluation_and_selection: PlanNarrativeIn | None = Field(None, description="6. Evaluation and selection; null until given.")
    contract_monitoring: PlanNarrativeIn | None = Field(None, description="7. Contract monitoring; null until given.")
    contact: PlanContactIn | None = Field(None, description="8. The agency contact for OPM; null until given.")
    created_at: LocalTime = Field(description="When the draft was created.")
    submitted_at: LocalTime | None = Field(None, description="When it was last submitted to OPM (OPM-1).")
    decided_at: LocalTime | None = Field(None, description="When OPM approved or returned it.")
    decision_note: str = Field("", description="OPM's written decision; empty until decided.")
    return_reasons: list[str] = Field(default_factory=list, description="OPM's reasons, when returned.")
    schedule_version: int | None = Field(None, description="The public schedule version, once approved.")
    schedule_versions: list[ScheduleVersionSummary] = Field(
        default_factory=list, description="Every published version of the schedule, oldest first (OPM-6)."
    )

    @classmethod
    def of(cls, plan) -> PlanOut:
        data = dataclasses.asdict(plan)
        for hidden in ("decided_by", "submissions", "version"):
            data.pop(hidden)
        versions = data.pop("schedule_versions")
        public = plan.public_schedule
        if public is not None:
            data["procurement_schedule"] = dataclasses.asdict(public)["services"]
            data["schedule_version"] = public.number
        data["schedule_versions"] = [{k: v[k] for k in ("number", "source", "published_at")} for v in versions]
        return cls.model_validate(data)


class PlanSummary(ApiModel):
    id: str = Field(description="Plan id (GET /plans/{plan_id}).")
    agency: str = Field(description="The agency's org code.")
    period: str = Field(description="Fiscal-year period, e.g. 'FY 20-22'.")
    status: PlanStatus = Field(description="Where the plan stands; only approved plans are public (OPM-2).")
    schedule_version: int | None = Field(None, description="The public schedule version, once approved.")
    decided_at: LocalTime | None = Field(None, description="When OPM decided it.")


class PlanAmendmentOut(ApiModel):
    id: str = Field(description="Request To Amend Procurement Schedule id.")
    plan_id: str = Field(description="The approved plan whose schedule it amends.")
    agency: str = Field(description="The requesting agency's org code.")
    service_id: str = Field(description="The service of the published schedule.")
    change: ScheduleChange = Field(description="to_non_competitive (a waiver, OPM-4) or to_competitive (a rescission, OPM-7).")
    reason: str = Field(description="Why the agency asks.")
    status: PlanAmendmentStatus = Field(description="Where the request stands (OPM-5, OPM-6).")
    submitted_at: LocalTime = Field(description="When the agency submitted it.")
    review_due_at: LocalTime = Field(description="End of the 15th Connecticut business day after submission (OPM-5).")
    reminder_at: LocalTime = Field(description="When OPM is reminded: two business days before the due date.")
    competitive_procurement_date: dt.date | None = Field(None, description="For a rescission: the new competitive date.")
    last_allowed_date: dt.date | None = Field(None, description="For a waiver request: the last day it could be filed (OPM-4).")
    reminded_at: LocalTime | None = Field(None, description="When OPM was reminded.")
    escalated_at: LocalTime | None = Field(None, description="When the overdue review was escalated.")
    decided_at: LocalTime | None = Field(None, description="When OPM approved or denied it.")
    decision_note: str = Field("", description="OPM's written decision (OPM-5); empty until decided.")
    publication_due: bool = Field(False, description="True while the agency's publication task is open (OPM-6).")
    published_at: LocalTime | None = Field(None, description="When the agency published the amended schedule (OPM-6).")
    schedule_version: int | None = Field(None, description="The schedule version the publication created.")

    @classmethod
    def of(cls, amendment) -> PlanAmendmentOut:
        data = dataclasses.asdict(amendment)
        for hidden in ("decision_token", "publication_token", "submitted_by", "decided_by", "version"):
            data.pop(hidden)
        data["publication_due"] = amendment.status is PlanAmendmentStatus.APPROVED
        return cls.model_validate(data)


# -- routes ------------------------------------------------------------------------------------------


@operation(
    bp,
    "POST",
    "/plans",
    summary="Open a procurement plan",
    tag=TAG,
    roles={Role.AGENCY},
    body=CreatePlan,
    response=PlanOut,
    status=201,
    rules=("OPM-1",),
    errors=(409,),
)
def create_plan(call: Call):
    """Opens the calling agency's draft plan for a fiscal-year period; components may come now or later."""
    return PlanOut.of(plans.create_plan(call.deps, call.actor, period=call.body.period, sections=call.body.to_domain()))


def _plan_summary(p) -> PlanSummary:
    return PlanSummary(
        id=p.id,
        agency=p.agency,
        period=p.period,
        status=p.status,
        decided_at=p.decided_at,
        schedule_version=p.public_schedule.number if p.public_schedule else None,
    )


@operation(
    bp,
    "GET",
    "/plans",
    summary="List approved procurement plans",
    tag=TAG,
    query=PlanQuery,
    response=Page[PlanSummary],
    rules=("OPM-2",),
    errors=(403,),
    optional_auth=True,
)
def list_plans(call: Call):
    """Public: approved plans by agency and period, past periods included. OPM (any agency) and an agency (its own) may ask for other statuses."""
    q = call.query
    found = plans.list_plans(call.deps, call.viewer, page_request(call), agency=q.agency, period=q.period, status=q.status)
    return page_of(call, found, _plan_summary)


@operation(
    bp,
    "GET",
    "/plans/{plan_id}",
    summary="Read a procurement plan",
    tag=TAG,
    response=PlanOut,
    rules=("OPM-2",),
    errors=(404,),
    optional_auth=True,
)
def get_plan(call: Call, plan_id: str):
    """Public once approved (with the latest published schedule); before that only its agency and OPM see it."""
    return PlanOut.of(plans.get_plan(call.deps, call.viewer, plan_id))


@operation(
    bp,
    "PATCH",
    "/plans/{plan_id}",
    summary="Edit plan components",
    tag=TAG,
    roles={Role.AGENCY},
    body=PlanSections,
    response=PlanOut,
    rules=("OPM-1",),
    errors=(404, 409),
)
def update_plan(call: Call, plan_id: str):
    """Replaces the components sent, while the plan is a draft or returned."""
    return PlanOut.of(plans.update_plan(call.deps, call.actor, plan_id, call.body.to_domain()))


@operation(
    bp,
    "POST",
    "/plans/{plan_id}/submit",
    summary="Submit a plan to OPM",
    tag=TAG,
    roles={Role.AGENCY},
    response=PlanOut,
    rules=("OPM-1",),
    errors=(404, 409),
)
def submit_plan(call: Call, plan_id: str):
    """Rejected while any of the eight components is missing (each is listed); OPM reviewers are emailed."""
    return PlanOut.of(plans.submit_plan(call.deps, call.actor, plan_id))


@operation(
    bp,
    "POST",
    "/plans/{plan_id}/approve",
    summary="Approve a submitted plan",
    tag=TAG,
    roles={Role.OPM},
    body=OpmDecision,
    response=PlanOut,
    rules=("OPM-1", "OPM-2"),
    errors=(404, 409),
)
def approve_plan(call: Call, plan_id: str):
    """OPM approves in writing; the plan and its schedule (version 1) become public and the agency is emailed."""
    return PlanOut.of(plans.approve_plan(call.deps, call.actor, plan_id, call.body.note))


@operation(
    bp,
    "POST",
    "/plans/{plan_id}/return",
    summary="Return a submitted plan with reasons",
    tag=TAG,
    roles={Role.OPM},
    body=ReturnPlan,
    response=PlanOut,
    rules=("OPM-1",),
    errors=(404, 409),
)
def return_plan(call: Call, plan_id: str):
    """OPM sends the plan back with written reasons; it stays private and the agency is emailed."""
    return PlanOut.of(plans.return_plan(call.deps, call.actor, plan_id, call.body.reasons))


@operation(
    bp,
    "GET",
    "/plans/{plan_id}/schedule/versions",
    summary="List published schedule versions",
    tag=TAG,
    query=PageQuery,
    response=Page[ScheduleVersionSummary],
    rules=("OPM-6",),
    errors=(404,),
    optional_auth=True,
)
def list_versions(call: Call, plan_id: str):
    """Every published version of an approved plan's schedule, oldest first."""
    versions = plans.schedule_versions(call.deps, call.viewer, plan_id, page_request(call))
    return page_of(
        call, versions, lambda v: ScheduleVersionSummary(number=v.number, source=v.source, published_at=v.published_at)
    )


@operation(
    bp,
    "GET",
    "/plans/{plan_id}/schedule/versions/{number}",
    summary="Read a schedule version",
    tag=TAG,
    response=ScheduleVersionOut,
    rules=("OPM-6",),
    errors=(404,),
    optional_auth=True,
)
def get_version(call: Call, plan_id: str, number: str):
    """One published schedule version; older versions stay retrievable after an amendment."""
    if not number.isdigit():
        raise NotFound(f"Schedule versions are numbered 1, 2, ...; {number!r} is not one.", rule="OPM-6")
    version = plans.schedule_version(call.deps, call.viewer, plan_id, int(number))
    return ScheduleVersionOut.model_validate({"plan_id": plan_id, **dataclasses.asdict(version)})


@operation(
    bp,
    "POST",
    "/plans/{plan_id}/amendments",
    summary="Request To Amend Procurement Schedule",
    tag=TAG,
    roles={Role.AGENCY},
    body=RequestAmendment,
    response=PlanAmendmentOut,
    status=201,
    rules=("OPM-4", "OPM-5", "OPM-7"),
    errors=(404, 409),
)
def request_amendment(call: Call, plan_id: str):
    """A waiver (to non-competitive) at least three months before the competitive procurement, or a rescinded waiver at any time. OPM has 15 business days to review."""
    b = call.body
    amendment = plans.request_amendment(
        call.deps,
        call.actor,
        plan_id,
        service_id=b.service_id,
        change=b.change,
        reason=b.reason,
        competitive_procurement_date=b.competitive_procurement_date,
    )
    return PlanAmendmentOut.of(amendment)


@operation(
    bp,
    "GET",
    "/plans/{plan_id}/amendments",
    summary="List a plan's amendment requests",
    tag=TAG,
    roles={Role.AGENCY, Role.OPM},
    query=PageQuery,
    response=Page[PlanAmendmentOut],
    errors=(404,),
)
def list_plan_amendments(call: Call, plan_id: str):
    """The plan's requests, oldest first (its agency and OPM)."""
    return page_of(call, plans.list_amendments(call.deps, call.actor, page_request(call), plan_id=plan_id), PlanAmendmentOut.of)


@operation(
    bp,
    "GET",
    "/amendments",
    summary="List amendment requests by status",
    tag=TAG,
    roles={Role.OPM},
    query=PlanAmendmentQuery,
    response=Page[PlanAmendmentOut],
)
def list_amendments(call: Call):
    """OPM's queue: requests under review by default, oldest first."""
    found = plans.list_amendments(call.deps, call.actor, page_request(call), status=call.query.status)
    return page_of(call, found, PlanAmendmentOut.of)


@operation(
    bp,
    "GET",
    "/amendments/{amendment_id}",
    summary="Read an amendment request",
    tag=TAG,
    roles={Role.AGENCY, Role.OPM},
    response=PlanAmendmentOut,
    errors=(404,),
)
def get_amendment(call: Call, amendment_id: str):
    """Its agency and OPM see the request, its review dates and its publication task."""
    return PlanAmendmentOut.of(plans.get_amendment(call.deps, call.actor, amendment_id))


@operation(
    bp,
    "POST",
    "/amendments/{amendment_id}/approve",
    summary="Approve an amendment request",
    tag=TAG,
    roles={Role.OPM},
    body=OpmDecision,
    response=PlanAmendmentOut,
    rules=("OPM-5",),
    errors=(404, 409),
)
def approve_amendment(call: Call, amendment_id: str):
    """OPM's written approval; the agency is emailed and must publish the amended schedule (OPM-6)."""
    return PlanAmendmentOut.of(plans.decide_amendment(call.deps, call.actor, amendment_id, approve=True, note=call.body.note))


@operation(
    bp,
    "POST",
    "/amendments/{amendment_id}/deny",
    summary="Deny an amendment request",
    tag=TAG,
    roles={Role.OPM},
    body=OpmDecision,
    response=PlanAmendmentOut,
    rules=("OPM-5",),
    errors=(404, 409),
)
def deny_amendment(call: Call, amendment_id: str):
    """OPM's written denial; the schedule stays unchanged and the agency is emailed."""
    return PlanAmendmentOut.of(plans.decide_amendment(call.deps, call.actor, amendment_id, approve=False, note=call.body.note))


@operation(
    bp,
    "POST",
    "/amendments/{amendment_id}/publish",
    summary="Publish the amended schedule",
    tag=TAG,
    roles={Role.AGENCY},
    response=PlanAmendmentOut,
    rules=("OPM-6", "OPM-7"),
    errors=(404, 409),
)
def publish_amendment(call: Call, amendment_id: str):
    """The agency's publication task: the amended schedule becomes the public version; older versions are kept. A rescinded waiver's contractors are then emailed."""
    _, amendment = plans.publish_amendment(call.deps, call.actor, amendment_id)
    return PlanAmendmentOut.of(amendment)


# -- conversion --------------------------------------------------------------------------------------


def _component(name: str, value):
    if value is None:
        return None
    if name == "procurement_schedule":
        return tuple(
            domain.ScheduledService(
                service_id=s.service_id.strip(),
                description=s.description.strip(),
                service_type=s.service_type,
                method=s.method,
                competitive_procurement_date=s.competitive_procurement_date,
                current_contractors=tuple(
                    domain.Contractor(c.name.strip(), c.email.strip().lower()) for c in s.current_contractors
                ),
            )
            for s in value
        )
    if name == "waiver_justifications":
        return tuple(domain.WaiverJustification(j.service_id.strip(), j.basis.strip()) for j in value)
    if name == "contact":
        return domain.PlanContact(
            name=value.name.strip(), email=value.email.strip().lower(), title=value.title, phone=value.phone
        )
    return domain.Narrative(value.text)
