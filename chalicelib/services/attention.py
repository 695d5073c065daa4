"""Workflow steps that need a person: recorded and emailed to purchasing; resumed by purchasing (domain/attention.py)."""

from __future__ import annotations

from chalicelib import emails
from chalicelib.domain import attention as rules
from chalicelib.domain.attention import Attention, AttentionStatus
from chalicelib.services.ports import (
    Actor,
    Change,
    Deps,
    Listing,
    PageRequest,
    Role,
    Send,
    require_role,
)

OUTBOX = "outbox"  # an email that kept failing (services/outbox.py): its "execution" is the message key
CAUSE_LIMIT = 2000  # characters of the error's cause kept and mailed


def raise_attention(deps: Deps, process: str, execution: str, state: str, error: str, cause: str, task_token: str) -> Attention:
    """Record the failed step with the token that resumes it, and tell purchasing once per occurrence."""
    now = deps.clock.now()
    cause = (cause or "")[:CAUSE_LIMIT]
    record_id = rules.attention_id(execution, state)
    existing = deps.store.get(Attention, record_id)
    record = (
        Attention(
            id=record_id,
            process=process,
            execution=execution,
            state=state,
            error=error,
            cause=cause,
            raised_at=now,
            token=task_token,
        )
        if existing is None
        else rules.raise_again(existing, error, cause, task_token, now)
    )
    (record,) = deps.commit(
        Actor.system(execution),
        now,
        [
            Change(action="attention.raised", after=record, before=existing),
            Send(
                f"attention:{record.id}:{record.occurrences}",
                emails.render(
                    "attention_needed",
                    to=(deps.mailboxes.purchasing,),
                    state=state,
                    process=process,
                    execution=execution,
                    error=error,
                    cause=cause,
                    reference=record.id,
                    occurrences=record.occurrences,
                    link=deps.portal.page("attention", record.id),
                ),
            ),
        ],
    )
    return record


def open_attention(deps: Deps, actor: Actor, page: PageRequest) -> Listing[Attention]:
    require_role(actor, Role.PURCHASING)
    return deps.store.page(Attention, "by_status", AttentionStatus.OPEN.value, after=page.after, limit=page.limit)


def resume(deps: Deps, actor: Actor, attention_id: str) -> Attention:
    """Run the failed step again: its execution continues from there."""
    require_role(actor, Role.PURCHASING)
    record = deps.load(Attention, attention_id)
    now = deps.clock.now()
    resumed, token = rules.resume(record, actor.sub, now)
    (resumed,) = deps.store.commit(actor, now, [Change(action="attention.resumed", after=resumed, before=record)])
    if record.process == OUTBOX:
        from chalicelib.services import outbox

        outbox.retry_now(deps, record.execution)
    else:
        deps.workflows.resume(token, {"resumed_by": actor.sub})
    return resumed
