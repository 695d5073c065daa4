"""Domain errors. The class name is the error's `Code` in HTTP answers and its error name in ASL `Catch`."""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A rule said no. `rule` is the ID in RULES.md that applies, when one does."""

    rule: str | None = None

    def __init__(self, message: str, *, rule: str | None = None, details: list[Any] | None = None):
        super().__init__(message)
        self.message = message
        if rule is not None:
            self.rule = rule
        self.details = details or []

    @property
    def code(self) -> str:
        return type(self).__name__


class ValidationFailed(DomainError):
    """The request breaks a rule about its content; `details` lists each failing field."""


def field_problem(field: str, problem: str, rule: str | None = None) -> dict[str, str]:
    """One entry of a refusal's `details`: the field and what is wrong with it, and its rule where the fields of one
    refusal break different rules."""
    return {"field": field, "problem": problem} | ({} if rule is None else {"rule": rule})


class NotFound(DomainError):
    """No such record, or not one the caller may know exists."""


class Unauthenticated(DomainError):
    """No valid bearer token."""


class Forbidden(DomainError):
    """The caller's role or organisation may not do this."""


class Conflict(DomainError):
    """The record's state does not allow this now (already done, wrong status)."""


class RecordChanged(Conflict):
    """A concurrent write changed a record since it was read: reading again and deciding again may succeed.
    Services do so with `retry_on_conflict`; every workflow step retries it by this name (infra/build.py)."""


class AlreadyTaken(Conflict):
    """A unique key (one vendor per organisation, ...) is held by another record: `held_by` names it."""

    def __init__(self, message: str, *, key: str, held_by: str | None, **kwargs):
        super().__init__(message, **kwargs)
        self.key = key
        self.held_by = held_by


class DeadlinePassed(Conflict):
    """Server time is past the rule's deadline."""


class TooLarge(DomainError):
    """The input would exceed a storage limit (400 KB per record, 100 writes per transaction); nothing is stored."""


class TemporarilyUnavailable(DomainError):
    """The database is throttling requests; the same request may be retried after `retry_after` seconds."""

    def __init__(self, message: str, *, retry_after: int = 1, **kwargs):
        super().__init__(message, **kwargs)
        self.retry_after = retry_after
