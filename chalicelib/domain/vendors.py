"""Vendor registration: who may be invited to bid (R-4 emails registered vendors of a commodity), who may bid and
answer an award (a confirmed vendor in good standing, R-4), and the identity that makes one vendor one company
(its FEIN, and its legal name compared without punctuation or corporate suffixes)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import re
import secrets
import unicodedata
from dataclasses import dataclass, field

from chalicelib.domain.errors import Conflict, DomainError, Forbidden, ValidationFailed

# Registrations not confirmed within this period get one reminder email.
CONFIRMATION_REMINDER_AFTER = dt.timedelta(days=7)
# A 6-digit code is guessable only with many tries: each code lives a day and allows a few attempts.
CONFIRMATION_CODE_LIFETIME = dt.timedelta(hours=24)
CONFIRMATION_ATTEMPTS = 5
COMMODITY_CODE = re.compile(r"[0-9]{3,11}")  # NIGP class/item (3-11 digits) or UNSPSC (8 digits); fullmatch
COMMODITY_CODE_PROBLEM = "must be 3 to 11 digits (NIGP or UNSPSC)"
COMMODITY_CLASS_DIGITS = 3  # an NIGP class; its items and details extend it, so every match shares these digits
# A confirmed vendor has a row in the notice index per code, written in one transaction (DynamoDB's 100 items) with the
# vendor, its audit record, the audit journal's item of the commit, and an email or a guard: 95 rows at most.
MAX_COMMODITY_CODES = 95
FEIN = re.compile(r"([0-9]{2})-?([0-9]{7})")  # NN-NNNNNNN or NNNNNNNNN; fullmatch
FEIN_PROBLEM = "must be 9 digits, as NN-NNNNNNN or NNNNNNNNN"
# The prefixes the IRS assigns (IRS, "How EINs are assigned and valid EIN prefixes",
# https://www.irs.gov/businesses/small-businesses-self-employed/how-eins-are-assigned-and-valid-ein-prefixes):
# campuses Andover, Atlanta, Austin, Brookhaven, Cincinnati, Fresno, Kansas City, Memphis, Ogden, Philadelphia,
# the Internet application and the SBA. Never assigned: 00, 07-09, 17-19, 28, 29, 49, 69, 70, 78, 79, 89, 96, 97.
FEIN_PREFIXES = frozenset(
    f"{n:02d}"
    for n in (
        *range(1, 7),
        *range(10, 17),
        *range(20, 28),
        *range(30, 49),
        *range(50, 69),
        *range(71, 78),
        *range(80, 89),
        *range(90, 96),
        98,
        99,
    )
)
# Words that say what kind of company it is, not which: "Acme, Inc." and "ACME LLC" name the same company.
CORPORATE_SUFFIXES = frozenset(
    {
        "llc",
        "inc",
        "incorporated",
        "corp",
        "corporation",
        "co",
        "company",
        "ltd",
        "limited",
        "lp",
        "llp",
        "plc",
        "pc",
    }
)


class VendorStatus(str, enum.Enum):
    PENDING_CONFIRMATION = "pending_confirmation"
    ACTIVE = "active"


SUSPENDED = "suspended"  # the standing of a suspended vendor, whatever its confirmation status


@dataclass(frozen=True)
class Vendor:
    id: str
    org: str
    legal_name: str
    fein: str  # 9 digits, normalised; shown to the vendor itself and purchasing only
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
    suspended_at: dt.datetime | None = None
    suspension_reason: str | None = None
    version: int = 0

    @property
    def confirmed(self) -> bool:
        return self.status is VendorStatus.ACTIVE

    @property
    def suspended(self) -> bool:
        return self.suspended_at is not None

    @property
    def standing(self) -> str:
        """Confirmation status, or "suspended": only an "active" vendor is invited to bid (R-4)."""
        return SUSPENDED if self.suspended else self.status.value

    @property
    def name_key(self) -> str:
        return legal_name_key(self.legal_name)

    @property
    def fein_last4(self) -> str:
        return self.fein[-4:]

    @property
    def reminder_due_at(self) -> dt.datetime:
        return self.registered_at + CONFIRMATION_REMINDER_AFTER

    @property
    def code_expires_at(self) -> dt.datetime:
        return (self.code_issued_at or self.registered_at) + CONFIRMATION_CODE_LIFETIME

    def own_view(self) -> dict:
        """What the vendor itself and purchasing see (the FEIN included): never the confirmation secrets. No one
        else sees a registration."""
        hidden = {"confirmation_code", "confirmation_token", "version"}
        return {k: v for k, v in dataclasses.asdict(self).items() if k not in hidden}


def new_vendor(
    *,
    vendor_id: str,
    org: str,
    legal_name: str,
    fein: str,
    contact_email: str,
    commodity_codes: list[str],
    now: dt.datetime,
    confirmation_code: str,
) -> Vendor:
    problems = []
    if not legal_name.strip():
        problems.append({"field": "legal_name", "problem": "must not be blank"})
    elif not legal_name_key(legal_name):
        problems.append({"field": "legal_name", "problem": "must contain a name besides punctuation and corporate suffixes"})
    fein_problem = _fein_problem(fein)
    if fein_problem:
        problems.append({"field": "fein", "problem": fein_problem})
    contact_problem = email_problem(contact_email)
    if contact_problem:
        problems.append({"field": "contact_email", "problem": contact_problem})
    problems.extend(_commodity_problems(commodity_codes))
    if problems:
        raise ValidationFailed("The vendor registration is incomplete or malformed.", rule="R-4", details=problems)
    return Vendor(
        id=vendor_id,
        org=org,
        legal_name=legal_name.strip(),
        fein=normalise_fein(fein),
        contact_email=normalise_email(contact_email),
        commodity_codes=tuple(sorted(set(commodity_codes))),
        registered_at=now,
        confirmation_code=confirmation_code,
    )


def _commodity_problems(commodity_codes: list[str]) -> list[dict]:
    if not commodity_codes:
        return [{"field": "commodity_codes", "problem": "at least one commodity code is needed to be invited (R-4)"}]
    problems = [
        {"field": f"commodity_codes[{i}]", "problem": COMMODITY_CODE_PROBLEM}
        for i, code in enumerate(commodity_codes)
        if not is_commodity_code(code)
    ]
    if len(set(commodity_codes)) > MAX_COMMODITY_CODES:
        problems.append({"field": "commodity_codes", "problem": f"at most {MAX_COMMODITY_CODES} different codes"})
    return problems


def change_commodity_codes(vendor: Vendor, commodity_codes: list[str]) -> Vendor:
    """The vendor's own choice of the commodities it is invited to bid on (R-4), checked as at registration."""
    problems = _commodity_problems(commodity_codes)
    if problems:
        raise ValidationFailed("The commodity codes are missing or malformed.", rule="R-4", details=problems)
    return dataclasses.replace(vendor, commodity_codes=tuple(sorted(set(commodity_codes))))


@dataclass(frozen=True)
class VendorCommodity:
    """One row of the notice index (R-4): a code of a vendor invited to bid and where its notices go. A vendor's rows
    are its slots `<vendor id>#<n>`, one per code while it is active; a slot without a code is in no index (a vendor
    suspended, or holding fewer codes than before), so a notice reads only the rows of the vendors it invites."""

    id: str
    vendor_id: str
    code: str | None
    contact_email: str
    version: int = 0

    @property
    def commodity_class(self) -> str | None:
        return None if self.code is None else self.code[:COMMODITY_CLASS_DIGITS]


def commodity_rows(vendor: Vendor | None, slots: int) -> list[VendorCommodity]:
    """The vendor's first `slots` rows of the notice index as they should be: its codes while it is invited to bid
    (confirmed, not suspended), else none."""
    if vendor is None:
        return []
    codes = vendor.commodity_codes if vendor.standing == VendorStatus.ACTIVE.value else ()
    return [
        VendorCommodity(f"{vendor.id}#{n}", vendor.id, codes[n] if n < len(codes) else None, vendor.contact_email)
        for n in range(slots)
    ]


def notice_ranges(solicitation_codes: tuple[str, ...]) -> list[tuple[str, str]]:
    """The notice index's key ranges, as (class, sort-key prefix), holding exactly the rows whose code matches one of
    the codes (NIGP codes nest both ways: a vendor of class 615 is invited to item 61500 and back, as
    solicitations.commodity_matches reads it). A code matches its own extensions (prefix `<code>`) and each of its
    shorter forms exactly (prefix `<form>#`); a code extending another of the list adds nothing. The ranges never
    overlap, so each row is read once."""
    codes = sorted(set(solicitation_codes))
    broadest = [c for c in codes if not any(c != o and c.startswith(o) for o in codes)]
    shorter = {c[:n] for c in broadest for n in range(COMMODITY_CLASS_DIGITS, len(c))}
    prefixes = sorted({*broadest, *(f"{form}#" for form in shorter)})
    return [(prefix[:COMMODITY_CLASS_DIGITS], prefix) for prefix in prefixes]


def is_commodity_code(code: str) -> bool:
    """The one commodity-code check (R-4): a vendor registers, and an invitation is noticed, under the same codes."""
    return COMMODITY_CODE.fullmatch(code) is not None


def normalise_email(address: str) -> str:
    """The one email check of the API and the domain: a deliverable-looking address (syntax only, no DNS look-up),
    case-folded as mailboxes are compared. ValueError names what is wrong. The validator is imported on the first
    check, not at import: its tables are a large share of a cold start."""
    from email_validator import EmailNotValidError, validate_email

    try:
        return validate_email(address.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as exc:
        raise ValueError(f"is not an email address: {exc}") from None


def email_problem(address: str) -> str | None:
    """What is wrong with an address, for a domain's list of problems; None when it is one."""
    try:
        normalise_email(address)
    except ValueError as exc:
        return str(exc)
    return None


def normalise_fein(fein: str) -> str:
    """The 9 digits of a FEIN given as NN-NNNNNNN or NNNNNNNNN; ValueError otherwise."""
    match = FEIN.fullmatch(fein.strip())
    if match is None:
        raise ValueError(FEIN_PROBLEM)
    return "".join(match.groups())


def _fein_problem(fein: str) -> str | None:
    match = FEIN.fullmatch(fein.strip())
    if match is None:
        return FEIN_PROBLEM
    if match.group(1) not in FEIN_PREFIXES:
        return f"prefix {match.group(1)} is never assigned by the IRS"
    return None


def legal_name_key(legal_name: str) -> str:
    """The legal name as compared for duplicates: case-folded, without punctuation, without trailing corporate
    suffixes ("Acme Office Supply, L.L.C." and "ACME OFFICE SUPPLY" give "acme office supply")."""
    text = unicodedata.normalize("NFKC", legal_name).casefold()
    text = re.sub(r"[.'\u2019]", "", text)  # L.L.C. -> llc, O'Brien -> obrien
    words = re.sub(r"[\W_]+", " ", text).split()
    while words and words[-1] in CORPORATE_SUFFIXES:
        words.pop()
    return " ".join(words)


def ensure_may_act(vendor: Vendor) -> Vendor:
    """R-4: only a vendor whose registration is confirmed, and not suspended by purchasing, may bid or answer an
    award (accept, refuse, furnish surety)."""
    if vendor.suspended:
        raise Forbidden(
            f"Vendor {vendor.id} is suspended by the Bureau of Purchases since {vendor.suspended_at:%Y-%m-%d} "
            f"({vendor.suspension_reason}); it may not bid or answer an award until reinstated (R-4).",
            rule="R-4",
        )
    if not vendor.confirmed:
        raise Forbidden(
            f"Vendor {vendor.id} has not confirmed its contact email; only a confirmed vendor may bid or answer an award "
            f"(R-4). Confirm with POST /vendors/{vendor.id}/confirm and the emailed code, or ask for a new code with "
            f"POST /vendors/{vendor.id}/confirmation-code.",
            rule="R-4",
        )
    return vendor


def suspend(vendor: Vendor, reason: str, now: dt.datetime) -> Vendor:
    """Purchasing suspends a vendor (a duplicate or impostor registration, for instance), stating why."""
    if not reason.strip():
        raise ValidationFailed(
            "A suspension states its reason.", rule="R-4", details=[{"field": "reason", "problem": "must not be blank"}]
        )
    if vendor.suspended:
        raise Conflict(f"Vendor {vendor.id} is already suspended since {vendor.suspended_at:%Y-%m-%d}.", rule="R-4")
    return dataclasses.replace(vendor, suspended_at=now, suspension_reason=reason.strip())


def reinstate(vendor: Vendor) -> Vendor:
    if not vendor.suspended:
        raise Conflict(f"Vendor {vendor.id} is not suspended.", rule="R-4")
    return dataclasses.replace(vendor, suspended_at=None, suspension_reason=None)


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
        return Attempt(
            vendor,
            CodeLocked(
                f"The confirmation code was entered wrongly {CONFIRMATION_ATTEMPTS} times; ask for a new code.", rule="R-4"
            ),
        )
    if now >= vendor.code_expires_at:
        return Attempt(
            vendor, CodeExpired("The confirmation code expired 24 hours after it was sent; ask for a new code.", rule="R-4")
        )
    if not secrets.compare_digest(code.strip(), vendor.confirmation_code):
        failed = dataclasses.replace(vendor, failed_attempts=vendor.failed_attempts + 1)
        left = CONFIRMATION_ATTEMPTS - failed.failed_attempts
        return Attempt(
            failed,
            ValidationFailed(
                f"The confirmation code does not match the one emailed to the contact address; {left} attempt(s) left.",
                rule="R-4",
                details=[{"field": "code", "problem": "does not match"}],
            ),
        )
    return Attempt(
        dataclasses.replace(vendor, status=VendorStatus.ACTIVE, confirmed_at=now, confirmation_token=None, failed_attempts=0)
    )


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
