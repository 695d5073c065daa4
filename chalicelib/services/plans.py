"""Procurement plans (OPM-1 to OPM-3) and Requests To Amend Procurement Schedule (OPM-4 to OPM-7).

Plans: an agency drafts, submits; OPM approves (the schedule becomes public version 1) or returns with reasons.
Amendments: one `plan-amendment` execution per request times OPM's review (reminder, escalation), waits
for OPM's written decision and then for the agency's publication of the amended schedule.

A command whose commit finds the record changed since it was read (the workflow storing its task token while
OPM decides or the agency publishes) reads again and decides again (`retry_on_conflict`); emails and
workflow answers follow the attempt that was stored.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from typing import Any

from chalicelib import emails
from chalicelib.domain import plans as rules
from chalicelib.domain import plans_amendments as amend
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.plans import Plan, PlanStatus, ScheduleVersion
from chalicelib.domain.plans_amendments import PlanAmendment, PlanAmendmentStatus, ScheduleChange
from chalicelib.services.ports import (
    Actor,
    Change,
    Deps,
    Listing,
    PageRequest,
    Role,
    Send,
    require_role,
    retry_on_conflict,
)

PROCESS = "plan-amendment"
MIN_TIMER_SECONDS = 1


# -- plans -------------------------------------------------------------------------------------------


def create_plan(deps: Deps, actor: Actor, *, period: str, sections: dict[str, Any]) -> Plan:
    """An agency opens its plan for a period; one plan per agency and period."""
    require_role(actor, Role.AGENCY)
    period = rules.check_period(period)
    existing = next(deps.store.iterate(Plan, "by_agency", actor.org, sk_begins_with=f"{period}#", limit=1), None)
    if existing is not None:
        raise Conflict(
            f"Agency {actor.org} already has plan {existing.id} for {period}.", rule="OPM-1", details=[{"plan_id": existing.id}]
        )
    now = deps.clock.now()
    plan = rules.new_plan(plan_id=deps.ids.new("PLAN"), agency=actor.org, period=period, sections=sections, now=now)
    (plan,) = deps.store.commit(actor, now, [Change(action="plan.created", after=plan)])
    return plan


def update_plan(deps: Deps, actor: Actor, plan_id: str, sections: dict[str, Any]) -> Plan:
    def edit() -> Plan:
        plan = _own_plan(deps, actor, plan_id)
        (edited,) = deps.store.commit(
            actor, deps.clock.now(), [Change(action="plan.edited", after=rules.edit(plan, sections), before=plan)]
        )
        return edited

    return retry_on_conflict(edit)


def submit_plan(deps: Deps, actor: Actor, plan_id: str) -> Plan:
    """OPM-1: rejected while a component is missing; OPM reviewers are emailed."""
    now = deps.clock.now()

    def submit() -> Plan:
        plan = _own_plan(deps, actor, plan_id)
        submitted = rules.submit(plan, now)
        (submitted,) = deps.commit(
            actor,
            now,
            [
                Change(action="plan.submitted", after=submitted, before=plan),
                Send(
                    f"plan-{plan.id}-submitted-{submitted.submissions}",
                    emails.render(
                        "plan_submitted",
                        to=(deps.mailboxes.opm_reviewers,),
                        plan_id=plan.id,
                        agency=plan.agency,
                        period=plan.period,
                        submitted_on=now,
                        services=len(submitted.procurement_schedule or ()),
                        link=deps.portal.page("plans", plan.id),
                    ),
                ),
            ],
        )
        return submitted

    plan = retry_on_conflict(submit)
    return plan


def approve_plan(deps: Deps, actor: Actor, plan_id: str, note: str) -> Plan:
    """OPM-1/OPM-2: only OPM approves; the plan and its schedule (version 1) become public."""
    require_role(actor, Role.OPM)
    now = deps.clock.now()

    def approve() -> Plan:
        plan = deps.load(Plan, plan_id)
        approved = rules.approve(plan, now, actor.sub, note)
        (approved,) = deps.commit(
            actor,
            now,
            [
                Change(action="plan.approved", after=approved, before=plan),
                *_agency_email(deps, approved, f"plan-{approved.id}-approved", "plan_approved", note=approved.decision_note),
            ],
        )
        return approved

    return retry_on_conflict(approve)


def return_plan(deps: Deps, actor: Actor, plan_id: str, reasons: list[str]) -> Plan:
    """OPM-1: OPM returns the plan with written reasons; the agency edits and submits again."""
    require_role(actor, Role.OPM)
    now = deps.clock.now()

    def return_it() -> Plan:
        plan = deps.load(Plan, plan_id)
        returned = rules.return_to_agency(plan, now, actor.sub, reasons)
        (returned,) = deps.commit(
            actor,
            now,
            [
                Change(action="plan.returned", after=returned, before=plan),
                *_agency_email(
                    deps,
                    returned,
                    f"plan-{plan.id}-returned-{plan.submissions}",
                    "plan_returned",
                    reasons=list(returned.return_reasons),
                ),
            ],
        )
        return returned

    return retry_on_conflict(return_it)


def get_plan(deps: Deps, actor: Actor | None, plan_id: str) -> Plan:
    """Approved plans are public (OPM-2); drafts, submitted and returned plans only to their agency and OPM."""
    plan = deps.store.get(Plan, plan_id)
    if plan is None or not (plan.is_public or _may_see_unpublished(actor, plan)):
        raise NotFound(f"No plan {plan_id} is visible to the caller.", rule="OPM-2")
    return plan


def list_plans(
    deps: Deps,
    actor: Actor | None,
    page: PageRequest,
    *,
    agency: str | None = None,
    period: str | None = None,
    status: PlanStatus | None = None,
) -> Listing[Plan]:
    """OPM-2: the public list is approved plans by agency and period, past periods included.
    OPM may list any status (its review queue); an agency may list its own plans of any status."""
    status = status or PlanStatus.APPROVED
    if status is not PlanStatus.APPROVED:
        if actor is None or actor.role not in (Role.OPM, Role.AGENCY):
            raise Forbidden(
                f"Only approved plans are public; {status.value} plans are listed to OPM and their agency.",
                rule="OPM-2",
                details=[{"field": "status", "problem": "needs an opm or agency token"}],
            )
        if actor.role is Role.AGENCY:
            if agency not in (None, actor.org):
                raise ValidationFailed(
                    f"An agency lists only its own {status.value} plans.",
                    rule="OPM-2",
                    details=[{"field": "agency", "problem": f"must be {actor.org}"}],
                )
            agency = actor.org
    if period and not agency:  # every agency's plans of one period
        return deps.store.page(Plan, "by_status_period", f"{status.value}#{period}", after=page.after, limit=page.limit)
    prefix = f"{agency}#{period}#" if agency and period else f"{agency}#" if agency else None
    return deps.store.page(Plan, "by_status", status.value, after=page.after, limit=page.limit, sk_begins_with=prefix)


def schedule_versions(deps: Deps, actor: Actor | None, plan_id: str, page: PageRequest) -> Listing[ScheduleVersion]:
    """Every published version stays retrievable (OPM-3, OPM-6), in number order. They live in the plan's record, so
    a page is a slice of it after the version number `after`."""
    after = int(page.after or 0)
    versions = sorted((v for v in get_plan(deps, actor, plan_id).schedule_versions if v.number > after), key=lambda v: v.number)
    shown = versions[: page.limit]
    return Listing(shown, str(shown[-1].number) if len(versions) > page.limit else None)


def schedule_version(deps: Deps, actor: Actor | None, plan_id: str, number: int) -> ScheduleVersion:
    version = get_plan(deps, actor, plan_id).schedule_version(number)
    if version is None:
        raise NotFound(f"Plan {plan_id} has no published schedule version {number}.", rule="OPM-6")
    return version


# -- amendments --------------------------------------------------------------------------------------


def request_amendment(
    deps: Deps,
    actor: Actor,
    plan_id: str,
    *,
    service_id: str,
    change: ScheduleChange,
    reason: str,
    competitive_procurement_date: dt.date | None,
) -> PlanAmendment:
    """OPM-4/OPM-7: file a Request To Amend Procurement Schedule; the review workflow starts and OPM is emailed."""
    plan = _own_plan(deps, actor, plan_id)
    now = deps.clock.now()
    requests = list(deps.store.iterate(PlanAmendment, "by_plan", plan.id))
    amendment = amend.new_amendment(
        amendment_id=deps.ids.new("RAPS"),
        plan=plan,
        open_amendments=requests,
        service_id=service_id,
        change=change,
        reason=reason,
        competitive_procurement_date=competitive_procurement_date,
        now=now,
        by=actor.sub,
    )
    (amendment,) = deps.commit(
        actor,
        now,
        [
            Change(action="plan_amendment.requested", after=amendment),
            Send(
                f"amendment-{amendment.id}-requested",
                emails.render(
                    "amendment_requested",
                    to=(deps.mailboxes.opm_reviewers,),
                    **_amendment_facts(deps, amendment),
                    plan_id=plan.id,
                    period=plan.period,
                    reason=amendment.reason,
                ),
            ),
        ],
    )
    deps.workflows.start(PROCESS, f"amendment-{amendment.id}", {"amendment_id": amendment.id})
    return amendment


def get_amendment(deps: Deps, actor: Actor, amendment_id: str) -> PlanAmendment:
    amendment = deps.store.get(PlanAmendment, amendment_id)
    if amendment is None or not (actor.role is Role.OPM or (actor.role is Role.AGENCY and actor.org == amendment.agency)):
        raise NotFound(f"No request {amendment_id} is visible to the caller.")
    return amendment


def list_amendments(
    deps: Deps, actor: Actor, page: PageRequest, *, plan_id: str | None = None, status: PlanAmendmentStatus | None = None
) -> Listing[PlanAmendment]:
    """By plan (its agency and OPM; a plan has few requests, so a status is a filter there) or, for OPM, by status
    (the review queue), oldest first."""
    if plan_id is not None:
        plan = deps.load(Plan, plan_id)
        if not (actor.role is Role.OPM or (actor.role is Role.AGENCY and actor.org == plan.agency)):
            raise NotFound(f"No plan {plan_id} is visible to the caller.")
        chosen = None if status is None else (lambda a: a.status is status)
        return deps.store.page(PlanAmendment, "by_plan", plan_id, after=page.after, limit=page.limit, where=chosen)
    require_role(actor, Role.OPM)
    queue = (status or PlanAmendmentStatus.UNDER_REVIEW).value
    return deps.store.page(PlanAmendment, "by_status", queue, after=page.after, limit=page.limit)


def decide_amendment(deps: Deps, actor: Actor, amendment_id: str, *, approve: bool, note: str) -> PlanAmendment:
    """OPM-5: OPM's written decision; the waiting workflow is answered. The schedule changes only on publication."""
    require_role(actor, Role.OPM)
    action = "plan_amendment.approved" if approve else "plan_amendment.denied"
    now = deps.clock.now()

    def decide() -> tuple[PlanAmendment, PlanAmendment]:
        amendment = deps.load(PlanAmendment, amendment_id)
        decided = amend.decide(amendment, approve=approve, now=now, by=actor.sub, note=note)
        (decided,) = deps.store.commit(actor, now, [Change(action=action, after=decided, before=amendment)])
        return amendment, decided

    amendment, decided = retry_on_conflict(decide)
    if amendment.decision_token:
        # False when that wait already timed out: the next wait reads the decision from the record.
        deps.workflows.resume(amendment.decision_token, {"approved": approve})
    return decided


def publish_amendment(deps: Deps, actor: Actor, amendment_id: str) -> tuple[Plan, PlanAmendment]:
    """OPM-6: the agency publishes the approved amendment; it becomes the public schedule version."""
    now = deps.clock.now()

    def publish() -> tuple[PlanAmendment, Plan, PlanAmendment]:
        amendment = deps.load(PlanAmendment, amendment_id)
        plan = _own_plan(deps, actor, amendment.plan_id)
        published_plan, published = amend.publish(plan, amendment, now)
        published_plan, published = deps.store.commit(
            actor,
            now,
            [
                Change(action="plan.schedule_published", after=published_plan, before=plan),
                Change(action="plan_amendment.published", after=published, before=amendment),
            ],
        )
        return amendment, published_plan, published

    amendment, published_plan, published = retry_on_conflict(publish)
    if amendment.publication_token:
        deps.workflows.resume(amendment.publication_token, {"published": True})
    return published_plan, published


# -- workflow tasks ----------------------------------------------------------------------------------


def review_timers(deps: Deps, amendment_id: str) -> dict:
    """Seconds from now to the reminder instant, for the first wait's timeout (the domain computed the instant)."""
    amendment = deps.load(PlanAmendment, amendment_id)
    return {"until_reminder": _seconds(amendment.reminder_at - deps.clock.now())}


def await_decision(deps: Deps, execution: str, amendment_id: str, task_token: str) -> None:
    """Keep the token for OPM's decision; answer at once if OPM already decided."""

    def keep_token() -> None:
        amendment = deps.load(PlanAmendment, amendment_id)
        if amendment.decided:
            deps.workflows.resume(task_token, {"approved": amendment.approved})
            return
        waiting = dataclasses.replace(amendment, decision_token=task_token)
        deps.store.commit(
            Actor.system(execution),
            deps.clock.now(),
            [Change(action="plan_amendment.awaiting_decision", after=waiting, before=amendment)],
        )

    retry_on_conflict(keep_token)


def remind_opm(deps: Deps, execution: str, amendment_id: str) -> dict:
    """OPM-5: two business days before the review is due, if OPM has not decided."""
    amendment = deps.load(PlanAmendment, amendment_id)
    now = deps.clock.now()
    timers = {"until_due": _seconds(amendment.review_due_at - now)}
    reminded = amend.mark_reminded(amendment, now)
    if reminded is None:
        return {**timers, "reminded": False}
    if reminded is not amendment:  # else a retried task: written with its email before
        deps.commit(
            Actor.system(execution),
            now,
            [
                Change(action="plan_amendment.reminder_sent", after=reminded, before=amendment),
                Send(
                    f"{execution}:reminder",
                    emails.render("amendment_reminder", to=(deps.mailboxes.opm_reviewers,), **_amendment_facts(deps, amendment)),
                ),
            ],
        )
    return {**timers, "reminded": True}


def escalate_review(deps: Deps, execution: str, amendment_id: str) -> dict:
    """OPM-5: the 15 business days passed without a decision."""
    amendment = deps.load(PlanAmendment, amendment_id)
    now = deps.clock.now()
    escalated = amend.mark_escalated(amendment, now)
    if escalated is None:
        return {"escalated": False}
    if escalated is not amendment:  # else a retried task: written with its email before
        deps.commit(
            Actor.system(execution),
            now,
            [
                Change(action="plan_amendment.review_overdue", after=escalated, before=amendment),
                Send(
                    f"{execution}:escalation",
                    emails.render("amendment_overdue", to=(deps.mailboxes.opm_reviewers,), **_amendment_facts(deps, amendment)),
                ),
            ],
        )
    return {"escalated": True}


def notify_decision(deps: Deps, execution: str, amendment_id: str) -> dict:
    """Email the agency OPM's written decision; an approval opens its publication task (OPM-6)."""
    amendment = deps.load(PlanAmendment, amendment_id)
    plan = deps.load(Plan, amendment.plan_id)
    decision = _agency_email(
        deps,
        plan,
        f"{execution}:decision",
        "amendment_decided",
        **_amendment_facts(deps, amendment),
        approved=amendment.approved,
        decided_on=amendment.decided_at,
        note=amendment.decision_note,
    )
    deps.commit(Actor.system(execution), deps.clock.now(), decision)
    return {"approved": amendment.approved}


def await_publication(deps: Deps, execution: str, amendment_id: str, task_token: str) -> None:
    """The agency's publication task: keep the token for the publish call; answer at once if already published."""

    def keep_token() -> None:
        amendment = deps.load(PlanAmendment, amendment_id)
        if amendment.status is PlanAmendmentStatus.PUBLISHED:
            deps.workflows.resume(task_token, {"published": True})
            return
        waiting = dataclasses.replace(amendment, publication_token=task_token)
        deps.store.commit(
            Actor.system(execution),
            deps.clock.now(),
            [Change(action="plan_amendment.awaiting_publication", after=waiting, before=amendment)],
        )

    retry_on_conflict(keep_token)


def notify_contractors(deps: Deps, execution: str, amendment_id: str) -> dict:
    """OPM-7: after a rescinded waiver is published, the service's current contractors get a courtesy email."""
    amendment = deps.load(PlanAmendment, amendment_id)
    if amendment.change is not ScheduleChange.TO_COMPETITIVE or amendment.status is not PlanAmendmentStatus.PUBLISHED:
        return {"notified": 0}
    assert amendment.schedule_version is not None  # published as a version
    plan = deps.load(Plan, amendment.plan_id)
    replaced = amendment.schedule_version - 1
    previous = plan.schedule_version(replaced)
    before = previous.service(amendment.service_id) if previous is not None else None
    if before is None:
        raise NotFound(f"Schedule version {replaced} of plan {plan.id} lists no service {amendment.service_id}.")
    deps.commit(
        Actor.system(execution),
        deps.clock.now(),
        [
            Send(
                f"{execution}:courtesy:{contractor.email}",
                emails.render(
                    "competitive_procurement_courtesy",
                    to=(contractor.email,),
                    contractor=contractor.name,
                    agency=plan.agency,
                    period=plan.period,
                    version=amendment.schedule_version,
                    service_id=amendment.service_id,
                    service=before.description,
                    procurement_date=amendment.competitive_procurement_date,
                    link=deps.portal.page("plans", plan.id, "schedule", "versions", str(amendment.schedule_version)),
                ),
            )
            for contractor in before.current_contractors
        ],
    )
    return {"notified": len(before.current_contractors)}


# -- helpers -----------------------------------------------------------------------------------------


def _may_see_unpublished(actor: Actor | None, plan: Plan) -> bool:
    return actor is not None and (actor.role is Role.OPM or (actor.role is Role.AGENCY and actor.org == plan.agency))


def _own_plan(deps: Deps, actor: Actor, plan_id: str) -> Plan:
    require_role(actor, Role.AGENCY)
    plan = deps.store.get(Plan, plan_id)
    if plan is None or plan.agency != actor.org:
        raise NotFound(f"Agency {actor.org} has no plan {plan_id}.")
    return plan


def _agency_email(deps: Deps, plan: Plan, key: str, template: str, **facts) -> list[Send]:
    """The email to the agency's plan contact, if it named one, about `plan` (its page is the link unless given)."""
    if plan.contact is None:
        return []
    facts = {
        "plan_id": plan.id,
        "agency": plan.agency,
        "period": plan.period,
        "link": deps.portal.page("plans", plan.id),
        **facts,
    }
    return [Send(key, emails.render(template, to=(plan.contact.email,), **facts))]


def _amendment_facts(deps: Deps, amendment: PlanAmendment) -> dict:
    """A Request To Amend Procurement Schedule as its emails name it (OPM-4, OPM-5, OPM-7)."""
    return {
        "amendment_id": amendment.id,
        "agency": amendment.agency,
        "service_id": amendment.service_id,
        "to_competitive": amendment.change is ScheduleChange.TO_COMPETITIVE,
        "review_due": amendment.review_due_at,
        "link": deps.portal.page("amendments", amendment.id),
    }


def _seconds(delta: dt.timedelta) -> int:
    return max(MIN_TIMER_SECONDS, int(delta.total_seconds()))
