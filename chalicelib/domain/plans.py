"""OPM procurement plans (OPM-1 to OPM-3): eight typed components, submission, approval, schedule versions.

An agency buying health and human services (POS) or personal services (PSA) files one plan per fiscal-year
period with OPM. The eight components modelled here are listed in COMPONENTS; docs/rules.md (OPM-1) says why.
Approval publishes the procurement schedule as version 1; each published amendment adds a version
(plans_amendments.py). Older versions are kept.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
import re
from dataclasses import dataclass
from typing import Any

from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.vendors import email_problem

PERIOD = re.compile(r"^FY (\d{2})-(\d{2})$")
SERVICE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,39}$")

# storage bounds (docs/decisions.md, "Items sized by design"): the plan's eight components together (OPM-1), its
# procurement schedule, which each published version copies (OPM-3, OPM-6), and the versions it publishes
MAX_PLAN_BYTES = 1024 * 1024
MAX_SCHEDULE_BYTES = 240 * 1024
MAX_SCHEDULE_VERSIONS = 100

# Where plan submissions, amendment requests, reminders and escalations go.


class ServiceType(str, enum.Enum):
    POS = "POS"  # purchase of service: health and human services for clients
    PSA = "PSA"  # personal service agreement


class ProcurementMethod(str, enum.Enum):
    COMPETITIVE = "competitive"
    NON_COMPETITIVE = "non_competitive"  # an OPM program waiver from competition


class PlanStatus(str, enum.Enum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"


@dataclass(frozen=True)
class Narrative:
    """A written component of the plan."""

    text: str


@dataclass(frozen=True)
class Contractor:
    name: str
    email: str


@dataclass(frozen=True)
class ScheduledService:
    """One line of the procurement schedule (OPM-3)."""

    service_id: str
    description: str
    service_type: ServiceType
    method: ProcurementMethod
    competitive_procurement_date: dt.date | None = None  # Connecticut date; required when competitive
    current_contractors: tuple[Contractor, ...] = ()


@dataclass(frozen=True)
class WaiverJustification:
    """Why a non-competitive service cannot be competed (one per non-competitive schedule line)."""

    service_id: str
    basis: str


@dataclass(frozen=True)
class PlanContact:
    """The agency's contact for OPM; decisions on the plan and its amendments are emailed here."""

    name: str
    email: str
    title: str = ""
    phone: str = ""


# The eight required components, in the order of the plan document.
COMPONENTS = (
    "agency_overview",
    "needs_assessment",
    "procurement_schedule",
    "competition_strategy",
    "waiver_justifications",
    "evaluation_and_selection",
    "contract_monitoring",
    "contact",
)


@dataclass(frozen=True)
class ScheduleVersion:
    """A published procurement schedule. `source` is "plan" for the approved plan or an amendment id."""

    number: int
    services: tuple[ScheduledService, ...]
    created_at: dt.datetime
    source: str
    published_at: dt.datetime

    def service(self, service_id: str) -> ScheduledService | None:
        return next((s for s in self.services if s.service_id == service_id), None)


@dataclass(frozen=True)
class Plan:
    id: str
    agency: str
    period: str
    created_at: dt.datetime
    agency_overview: Narrative | None = None
    needs_assessment: Narrative | None = None
    procurement_schedule: tuple[ScheduledService, ...] | None = None
    competition_strategy: Narrative | None = None
    waiver_justifications: tuple[WaiverJustification, ...] | None = None
    evaluation_and_selection: Narrative | None = None
    contract_monitoring: Narrative | None = None
    contact: PlanContact | None = None
    status: PlanStatus = PlanStatus.DRAFT
    submitted_at: dt.datetime | None = None
    submissions: int = 0
    decided_at: dt.datetime | None = None
    decided_by: str | None = None
    decision_note: str = ""
    return_reasons: tuple[str, ...] = ()
    schedule_versions: tuple[ScheduleVersion, ...] = ()
    version: int = 0

    @property
    def is_public(self) -> bool:
        return self.status is PlanStatus.APPROVED

    @property
    def public_schedule(self) -> ScheduleVersion | None:
        """The latest published schedule version: what the public sees (OPM-2, OPM-6)."""
        return self.schedule_versions[-1] if self.schedule_versions else None

    def schedule_version(self, number: int) -> ScheduleVersion | None:
        return next((v for v in self.schedule_versions if v.number == number), None)

    def components(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in COMPONENTS}


def check_period(period: str) -> str:
    """`FY 20-22`: three fiscal years (OPM plans cover three), two-digit years."""
    match = PERIOD.match(period.strip())
    if not match or (int(match.group(1)) + 2) % 100 != int(match.group(2)):
        raise ValidationFailed(
            f"Period {period!r} is not a three-fiscal-year period such as 'FY 20-22'.",
            rule="OPM-1",
            details=[{"field": "period", "problem": "must be 'FY YY-YY' spanning three fiscal years, e.g. FY 20-22"}],
        )
    return period.strip()


def section_problems(sections: dict[str, Any]) -> list[dict]:
    """What is malformed in the given components (presence is checked only on submission)."""
    problems: list[dict] = []
    unknown = set(sections) - set(COMPONENTS)
    problems += [{"field": name, "problem": "is not a plan component"} for name in sorted(unknown)]
    for name in (
        "agency_overview",
        "needs_assessment",
        "competition_strategy",
        "evaluation_and_selection",
        "contract_monitoring",
    ):
        value = sections.get(name)
        if value is not None and not value.text.strip():
            problems.append({"field": f"{name}.text", "problem": "must not be blank"})
    contact = sections.get("contact")
    if contact is not None:
        if not contact.name.strip():
            problems.append({"field": "contact.name", "problem": "must not be blank"})
        problems += _email_problems(contact.email, "contact.email")
    schedule = sections.get("procurement_schedule")
    if schedule is not None:
        problems += schedule_problems(schedule)
    justifications = sections.get("waiver_justifications")
    for i, j in enumerate(justifications or ()):
        if not j.basis.strip():
            problems.append({"field": f"waiver_justifications[{i}].basis", "problem": "must not be blank"})
    return problems


def schedule_problems(services: tuple[ScheduledService, ...], field: str = "procurement_schedule") -> list[dict]:
    """OPM-3: every line names its service, POS or PSA, the method, its competitive date and contractors."""
    problems: list[dict] = []
    seen: set[str] = set()
    for i, s in enumerate(services):
        at = f"{field}[{i}]"
        if not SERVICE_ID.match(s.service_id):
            problems.append({"field": f"{at}.service_id", "problem": "must be 1-40 letters, digits, '.', '_' or '-'"})
        elif s.service_id in seen:
            problems.append({"field": f"{at}.service_id", "problem": f"{s.service_id} appears more than once"})
        seen.add(s.service_id)
        if not s.description.strip():
            problems.append({"field": f"{at}.description", "problem": "must not be blank"})
        if s.method is ProcurementMethod.COMPETITIVE and s.competitive_procurement_date is None:
            problems.append(
                {
                    "field": f"{at}.competitive_procurement_date",
                    "problem": "a competitive service needs its scheduled competitive procurement date",
                }
            )
        for k, c in enumerate(s.current_contractors):
            if not c.name.strip():
                problems.append({"field": f"{at}.current_contractors[{k}].name", "problem": "must not be blank"})
            problems += _email_problems(c.email, f"{at}.current_contractors[{k}].email")
    return problems


def _email_problems(address: str, field: str) -> list[dict]:
    problem = email_problem(address)
    return [{"field": field, "problem": problem}] if problem else []


def missing_components(plan: Plan) -> list[dict]:
    """OPM-1: each of the eight components that is absent or incomplete."""
    missing = [{"field": name, "problem": "is missing"} for name, value in plan.components().items() if value is None]
    if plan.procurement_schedule is not None and not plan.procurement_schedule:
        missing.append({"field": "procurement_schedule", "problem": "lists no service"})
    justified = {j.service_id for j in plan.waiver_justifications or ()}
    scheduled = {s.service_id for s in plan.procurement_schedule or ()}
    if plan.waiver_justifications is not None:
        for s in plan.procurement_schedule or ():
            if s.method is ProcurementMethod.NON_COMPETITIVE and s.service_id not in justified:
                missing.append(
                    {"field": "waiver_justifications", "problem": f"non-competitive service {s.service_id} has no justification"}
                )
        for service_id in sorted(justified - scheduled):
            missing.append(
                {"field": "waiver_justifications", "problem": f"service {service_id} is not in the procurement schedule"}
            )
    return missing


def new_plan(*, plan_id: str, agency: str, period: str, sections: dict[str, Any], now: dt.datetime) -> Plan:
    period = check_period(period)
    return _checked(Plan(id=plan_id, agency=agency, period=period, created_at=now, **_known(sections)), sections)


def edit(plan: Plan, sections: dict[str, Any]) -> Plan:
    """Drafts and returned plans may change; a submitted plan is with OPM and an approved one changes only by amendment."""
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.RETURNED):
        how = (
            "by a Request To Amend Procurement Schedule (OPM-4)" if plan.status is PlanStatus.APPROVED else "after OPM returns it"
        )
        raise Conflict(f"Plan {plan.id} is {plan.status.value}; it can change only {how}.", rule="OPM-1")
    return _checked(dataclasses.replace(plan, **_known(sections)), sections)


def stored_bytes(value: Any) -> int:
    """The bytes of a component as stored (JSON, UTF-8)."""
    return len(json.dumps(_plain(value), default=str, ensure_ascii=False).encode())


def _plain(value: Any) -> Any:
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.asdict(value)
    return [_plain(v) for v in value] if isinstance(value, tuple) else value


def size_problems(plan: Plan) -> list[dict]:
    """The plan as stored: its schedule at most MAX_SCHEDULE_BYTES (each published version copies it), and its
    components together at most MAX_PLAN_BYTES; past either, the largest component is named."""
    sizes = {name: stored_bytes(value) for name, value in plan.components().items()}
    problems = []
    if sizes["procurement_schedule"] > MAX_SCHEDULE_BYTES:
        stored = f"takes {sizes['procurement_schedule']:,} bytes as stored; a schedule takes at most {MAX_SCHEDULE_BYTES:,}"
        problems.append({"field": "procurement_schedule", "problem": stored, "rule": "OPM-3"})
    if sum(sizes.values()) > MAX_PLAN_BYTES:
        largest = max(sizes, key=lambda name: sizes[name])
        stored = f"the components take {sum(sizes.values()):,} bytes as stored, at most {MAX_PLAN_BYTES:,}; this one {sizes[largest]:,}"
        problems.append({"field": largest, "problem": stored, "rule": "OPM-1"})
    return problems


def submit(plan: Plan, now: dt.datetime) -> Plan:
    if plan.status not in (PlanStatus.DRAFT, PlanStatus.RETURNED):
        raise Conflict(f"Plan {plan.id} is already {plan.status.value}.", rule="OPM-1")
    missing = missing_components(plan)
    if missing:
        names = ", ".join(dict.fromkeys(m["field"] for m in missing))
        raise ValidationFailed(f"The plan cannot be submitted: incomplete components: {names}.", rule="OPM-1", details=missing)
    return dataclasses.replace(plan, status=PlanStatus.SUBMITTED, submitted_at=now, submissions=plan.submissions + 1)


def approve(plan: Plan, now: dt.datetime, by: str, note: str) -> Plan:
    """OPM approves in writing; the approved schedule becomes public version 1 (OPM-2)."""
    _require_submitted(plan)
    _require_text(note, "note")
    first = ScheduleVersion(number=1, services=plan.procurement_schedule or (), created_at=now, source="plan", published_at=now)
    return dataclasses.replace(
        plan,
        status=PlanStatus.APPROVED,
        decided_at=now,
        decided_by=by,
        decision_note=note.strip(),
        return_reasons=(),
        schedule_versions=(first,),
    )


def return_to_agency(plan: Plan, now: dt.datetime, by: str, reasons: list[str]) -> Plan:
    _require_submitted(plan)
    reasons = [r.strip() for r in reasons if r.strip()]
    if not reasons:
        raise ValidationFailed(
            "A returned plan needs at least one written reason.",
            rule="OPM-1",
            details=[{"field": "reasons", "problem": "must list at least one reason"}],
        )
    return dataclasses.replace(plan, status=PlanStatus.RETURNED, decided_at=now, decided_by=by, return_reasons=tuple(reasons))


def add_schedule_version(plan: Plan, services: tuple[ScheduledService, ...], now: dt.datetime, source: str) -> Plan:
    """Publish a new schedule version; earlier versions stay retrievable (OPM-3, OPM-6)."""
    number = len(plan.schedule_versions) + 1
    added = ScheduleVersion(number=number, services=services, created_at=now, source=source, published_at=now)
    return dataclasses.replace(plan, schedule_versions=plan.schedule_versions + (added,))


def _known(sections: dict[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in sections.items() if name in COMPONENTS}


def _checked(plan: Plan, sections: dict[str, Any]) -> Plan:
    """The plan with the given components, each well formed and all within the bounds of its storage."""
    problems = section_problems(sections) + size_problems(plan)
    if problems:
        rule = "OPM-3" if all(p["field"].startswith("procurement_schedule") for p in problems) else "OPM-1"
        raise ValidationFailed("Some plan components are malformed; see details.", rule=rule, details=problems)
    return plan


def _require_submitted(plan: Plan) -> None:
    if plan.status is not PlanStatus.SUBMITTED:
        raise Conflict(f"Plan {plan.id} is {plan.status.value}; OPM decides only on a submitted plan.", rule="OPM-1")


def _require_text(text: str, field: str) -> None:
    if not text.strip():
        raise ValidationFailed(
            "OPM decides in writing: the decision needs its text.",
            rule="OPM-1",
            details=[{"field": field, "problem": "must not be blank"}],
        )
