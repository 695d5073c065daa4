"""A workflow step that failed after its retries: recorded, purchasing told, resumed by a person.

Every Task state of every state machine retries transient errors (infra/build.py `FAULT_POLICY`); what still fails is
caught and parks the execution on a "needs attention" step. Nothing is lost or half-done: the failed step's tasks are
idempotent, so resuming runs the same step again and it skips what it already finished."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import hashlib
from dataclasses import dataclass

from chalicelib.domain.errors import Conflict


class AttentionStatus(str, enum.Enum):
    OPEN = "open"
    RESUMED = "resumed"


@dataclass(frozen=True)
class Attention:
    id: str
    process: str
    execution: str
    state: str  # the state that failed, run again on resume
    error: str
    cause: str
    raised_at: dt.datetime
    token: str | None = None
    status: AttentionStatus = AttentionStatus.OPEN
    occurrences: int = 1  # the same step failing again after a resume
    resumed_at: dt.datetime | None = None
    resumed_by: str | None = None
    version: int = 0


def attention_id(execution: str, state: str) -> str:
    """One record per failed step of an execution, so a retried task finds the record it made."""
    return "NA-" + hashlib.sha256(f"{execution}\n{state}".encode()).hexdigest()[:16]


def raise_again(existing: Attention, error: str, cause: str, token: str, now: dt.datetime) -> Attention:
    """The same step failed again (or its task was retried): the record is reopened with the new token."""
    occurrences = existing.occurrences + (existing.status is AttentionStatus.RESUMED)
    return dataclasses.replace(
        existing,
        error=error,
        cause=cause,
        token=token,
        raised_at=now,
        status=AttentionStatus.OPEN,
        occurrences=occurrences,
        resumed_at=None,
        resumed_by=None,
    )


def resume(attention: Attention, by: str, now: dt.datetime) -> tuple[Attention, str]:
    """The record resumed, and the token of the step that waits on it."""
    token = attention.token
    if attention.status is not AttentionStatus.OPEN or token is None:
        raise Conflict(f"{attention.id} was already resumed by {attention.resumed_by}; nothing waits on it.")
    return dataclasses.replace(attention, status=AttentionStatus.RESUMED, token=None, resumed_at=now, resumed_by=by), token
