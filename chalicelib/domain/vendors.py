"""Vendor registration: who may be invited to bid (R-4 emails registered vendors of a commodity)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
import secrets
from dataclasses import dataclass, field

from chalicelib.domain.errors import Conflict, DomainError, ValidationFailed

# Registrations not confirmed within this period get one reminder email.
CONFIRMATION_REMINDER_AFTER = dt.timedelta(days=7)
# A 6-digit code is guessable only with many tries: each code lives a day and allows a few attempts.
CONFIRMATION_CODE_LIFETIME = dt.timedelta(hours=24)
CONFIRMATION_ATTEMPTS = 5
COMMODITY_CODE = re.compile(r"[0-9]{3,11}")  # NIGP class/item (3-11 digits) or UNSPSC (8 digits); fullmatch
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")


class VendorStatus(str, enum.Enum):
    PENDING_CONFIRMATION = "pending_confirmation"
    ACTIVE = "active"


@dataclass(frozen=True)
class Vendor:
    id: str
    org: str
    legal_name: str
    contact_email: str
    commodity_codes: tuple[str, ...]
    registered_at: dt.datetime
    confirmation_code: str
    status: VendorStatus = VendorStatus.PENDING_CONFIRMATION
    confirmed_at: dt.datetime | None = None
    reminder_sent_at: dt.datetime | None = None
    confirmation_token: str | None = field(default=None, repr=False)
    code_issued_at: dt.datetime | None = None  # None: issued at registration
    failed_attempts: int = 0  # wrong codes given since the current code was issued
    version: int = 0

    @property
    def reminder_due_at(self) -> dt.datetime:
        return self.registered_at + CONFIRMATION_REMINDER_AFTER

    @property
    def code_expires_at(self) -> dt.datetime:
        return (self.code_issued_at or self.registered_at) + CONFIRMATION_CODE_LIFETIME

    def public_view(self) -> dict:
        """What the vendor itself and purchasing see: never the confirmation secrets."""
        hidden = {"confirmation_code", "confirmation_token", "version"}
        return {k: v for k, v in dataclasses.asdict(self).items() if k not in hidden}


def new_vendor(
    *, vendor_id: str, org: str, legal_name: str, contact_email: str, commodity_codes: list[str],
    now: dt.datetime, confirmation_code: str,
) -> Vendor:
    problems = []
    if not legal_name.strip():
        problems.append({"field": "legal_name", "problem": "must not be blank"})
    if not EMAIL.fullmatch(contact_email.strip()):
        problems.append({"field": "contact_email", "problem": "is not an email address"})
    if not commodity_codes:
        problems.append({"field": "commodity_codes", "problem": "at least one commodity code is needed to be invited (R-4)"})
    for i, code in enumerate(commodity_codes):
        if not COMMODITY_CODE.fullmatch(code):
            problems.append({"field": f"commodity_codes[{i}]", "problem": "must be 3 to 11 digits (NIGP or UNSPSC)"})
    if problems:
        raise ValidationFailed("The vendor registration is incomplete or malformed.", rule="R-4", details=problems)
    return Vendor(
        id=vendor_id, org=org, legal_name=legal_name.strip(), contact_email=contact_email.strip().lower(),
        commodity_codes=tuple(sorted(set(commodity_codes))), registered_at=now, confirmation_code=confirmation_code,
    )


@dataclass(frozen=True)
class Attempt:
    """The outcome of one confirmation attempt: the vendor as it is to be stored (every attempt is recorded), and
    the refusal to answer with, if any."""

    vendor: Vendor
    refusal: Exception | None = None


def attempt_confirmation(vendor: Vendor, code: str, now: dt.datetime) -> Attempt:
    """R-4: the contact email is confirmed by the code emailed to it, within a day and five attempts per code."""
    if vendor.status is VendorStatus.ACTIVE:
        raise AlreadyConfirmed(f"Vendor {vendor.id} confirmed its contact email on {vendor.confirmed_at:%Y-%m-%d}.")
    if vendor.failed_attempts >= CONFIRMATION_ATTEMPTS:
        return Attempt(vendor, CodeLocked(
            f"The confirmation code was entered wrongly {CONFIRMATION_ATTEMPTS} times; ask for a new code.", rule="R-4"))
    if now >= vendor.code_expires_at:
        return Attempt(vendor, CodeExpired("The confirmation code expired 24 hours after it was sent; ask for a new code.", rule="R-4"))
    if not secrets.compare_digest(code.strip(), vendor.confirmation_code):
        failed = dataclasses.replace(vendor, failed_attempts=vendor.failed_attempts + 1)
        left = CONFIRMATION_ATTEMPTS - failed.failed_attempts
        return Attempt(failed, ValidationFailed(
            f"The confirmation code does not match the one emailed to the contact address; {left} attempt(s) left.", rule="R-4",
            details=[{"field": "code", "problem": "does not match"}]))
    return Attempt(dataclasses.replace(vendor, status=VendorStatus.ACTIVE, confirmed_at=now, confirmation_token=None, failed_attempts=0))


def reissue_code(vendor: Vendor, code: str, now: dt.datetime) -> Vendor:
    """A new code replaces the old one (which no longer works), with a fresh day and five attempts."""
    if vendor.status is VendorStatus.ACTIVE:
        raise AlreadyConfirmed(f"Vendor {vendor.id} confirmed its contact email on {vendor.confirmed_at:%Y-%m-%d}.")
    return dataclasses.replace(vendor, confirmation_code=code, code_issued_at=now, failed_attempts=0)


def mark_reminded(vendor: Vendor, now: dt.datetime) -> Vendor:
    if vendor.status is VendorStatus.ACTIVE:
        raise AlreadyConfirmed(f"Vendor {vendor.id} is already confirmed; no reminder is due.")
    return dataclasses.replace(vendor, reminder_sent_at=now)


class CodeExpired(DomainError):
    """The confirmation code is older than a day."""


class CodeLocked(DomainError):
    """Too many wrong codes: only a new code confirms now."""


class AlreadyConfirmed(Conflict):
    """The vendor has confirmed; the onboarding workflow catches this by name and ends quietly."""
