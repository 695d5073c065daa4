"""Domain errors. The class name is the error's `Code` in HTTP answers and its error name in ASL `Catch`."""

from __future__ import annotations

from typing import Any, Optional


class DomainError(Exception):
    """A rule said no. `rule` is the ID in RULES.md that applies, when one does."""

    rule: Optional[str] = None

    def __init__(self, message: str, *, rule: Optional[str] = None, details: Optional[list[Any]] = None):
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


class NotFound(DomainError):
    """No such record, or not one the caller may know exists."""


class Unauthenticated(DomainError):
    """No valid bearer token."""


class Forbidden(DomainError):
    """The caller's role or organisation may not do this."""


class Conflict(DomainError):
    """The record's state does not allow this now (already done, wrong status, concurrent change)."""


class DeadlinePassed(Conflict):
    """Server time is past the rule's deadline."""
