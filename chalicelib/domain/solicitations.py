"""Invitations to bid: the purchasing officer's draft, its public notice (R-4), addenda (which may postpone the
opening) and cancellation before opening (R-5o), the evaluation factors every invitation states (R-18a/b), and whether samples are required (R-7)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain.calendar import days_after, require_aware, to_utc
from chalicelib.domain.errors import Conflict, DeadlinePassed, ValidationFailed, field_problem
from chalicelib.domain.vendors import COMMODITY_CODE_PROBLEM, is_commodity_code

# R-18a/b: factors every invitation must state.
REQUIRED_FACTORS = ("price", "past_performance", "financial_responsibility")
DEFAULT_AWARD_PERIOD_DAYS = 30  # R-8c
MAX_GUARANTY_PERCENT = Decimal(10)  # R-6a
MAX_SURETY_PERCENT = Decimal(100)  # R-6b
# The bid form's lines and groups as stored (UTF-8 JSON): 500 lines of 2,000 characters of ordinary text are about
# 1 MB; the limit keeps the worst text (characters stored as 4 to 6 bytes) within one write of the draft (4 MB)
MAX_FORM_BYTES = 2 * 1024 * 1024
MAX_LINES = 500  # the bid form's line items (R-5a); a bid prices each at most once, and so does each alternate
MAX_ADDENDA = 50  # R-5o: amendments of one invitation; each may be 20,000 characters


class SolicitationStatus(str, enum.Enum):
    DRAFT = "draft"
    OPEN = "open"  # published: public notice given, bids accepted until opening_at
    OPENED = "opened"  # bids opened and tabulated (R-5n)
    AWARDED = "awarded"
    CANCELLED = "cancelled"


class AwardBasis(str, enum.Enum):
    ITEM = "item"
    GROUP = "group"
    ALL = "all"


@dataclass(frozen=True)
class LineItem:
    id: str
    description: str
    quantity: Decimal
    unit: str
    no_substitute: bool = False  # R-5i: a brand name means "or equal" unless this is set


@dataclass(frozen=True)
class LineGroup:
    id: str
    line_ids: tuple[str, ...]


@dataclass(frozen=True)
class EvaluationFactor:
    name: str
    weight: Decimal  # relative importance (R-18a/b)


@dataclass(frozen=True)
class Addendum:
    number: int
    text: str
    issued_at: dt.datetime
    opening_at: dt.datetime | None = None  # R-5o: the new, later opening time when the addendum postpones it


@dataclass(frozen=True)
class Solicitation:
    id: str
    title: str
    agency: str
    commodity_codes: tuple[str, ...]
    lines: tuple[LineItem, ...]
    groups: tuple[LineGroup, ...]
    opening_at: dt.datetime
    award_basis: AwardBasis
    evaluation_factors: tuple[EvaluationFactor, ...]
    created_at: dt.datetime
    created_by: str
    all_or_none: bool = False
    alternates_allowed: bool = False
    guaranty_percent: Decimal | None = None  # R-6a: bid guaranty required when set
    surety_percent: Decimal | None = None  # R-6b: performance surety required when set
    award_period_days: int = DEFAULT_AWARD_PERIOD_DAYS
    samples_required: bool = False  # each bid needs a sample whose receipt purchasing records
    payment_days: int | None = None  # R-13a: other payment terms stated by the invitation; None = 45 days
    status: SolicitationStatus = SolicitationStatus.DRAFT
    published_at: dt.datetime | None = None
    addenda: tuple[Addendum, ...] = ()
    cancelled_at: dt.datetime | None = None
    cancel_reason: str | None = None
    opened_at: dt.datetime | None = None
    bid_count: int = 0
    award_token: str | None = None  # the invitation-to-bid execution waiting for the award
    awarded_at: dt.datetime | None = None
    award_ids: tuple[str, ...] = ()
    rejected_all_reason: str | None = None
    sole_source_id: str | None = None  # the sole-source request refused in reasonable doubt that it competes
    version: int = 0

    @property
    def is_public(self) -> bool:
        return self.status is not SolicitationStatus.DRAFT

    @property
    def award_period_ends_at(self) -> dt.datetime | None:
        """R-8c: the first instant after the award period, counted in calendar days from the opening."""
        return None if self.opened_at is None else days_after(self.opened_at, self.award_period_days)

    def line(self, line_id: str) -> LineItem | None:
        return next((line for line in self.lines if line.id == line_id), None)

    def group(self, group_id: str) -> LineGroup | None:
        return next((g for g in self.groups if g.id == group_id), None)


def new_solicitation(
    *,
    solicitation_id: str,
    title: str,
    agency: str,
    commodity_codes: list[str],
    lines: list[LineItem],
    groups: list[LineGroup],
    opening_at: dt.datetime,
    award_basis: AwardBasis,
    evaluation_factors: list[EvaluationFactor],
    now: dt.datetime,
    created_by: str,
    all_or_none: bool = False,
    alternates_allowed: bool = False,
    guaranty_percent: Decimal | None = None,
    surety_percent: Decimal | None = None,
    award_period_days: int = DEFAULT_AWARD_PERIOD_DAYS,
    samples_required: bool = False,
    payment_days: int | None = None,
    sole_source_id: str | None = None,
) -> Solicitation:
    """A draft invitation to bid; every problem is listed at once."""
    problems = []
    if not title.strip():
        problems.append(field_problem("title", "must not be blank"))
    if not agency.strip():
        problems.append(field_problem("agency", "must not be blank"))
    if not commodity_codes:
        problems.append(field_problem("commodity_codes", "at least one commodity code is needed for the public notice (R-4)"))
    for i, code in enumerate(commodity_codes):
        if not is_commodity_code(code):
            problems.append(field_problem(f"commodity_codes[{i}]", COMMODITY_CODE_PROBLEM))
    if not lines:
        problems.append(field_problem("lines", "the bid form needs at least one line item (R-5a)"))
    seen = set()
    for i, line in enumerate(lines):
        if line.id in seen:
            problems.append(field_problem(f"lines[{i}].id", f"duplicate line id {line.id!r}"))
        seen.add(line.id)
        if line.quantity <= 0:
            problems.append(field_problem(f"lines[{i}].quantity", "must be greater than zero"))
        if not line.description.strip():
            problems.append(field_problem(f"lines[{i}].description", "must not be blank"))
    grouped = set()
    for i, group in enumerate(groups):
        if not group.line_ids:
            problems.append(field_problem(f"groups[{i}].line_ids", "a group needs at least one line"))
        for line_id in group.line_ids:
            if line_id not in seen:
                problems.append(field_problem(f"groups[{i}].line_ids", f"unknown line {line_id!r}"))
            if line_id in grouped:
                problems.append(field_problem(f"groups[{i}].line_ids", f"line {line_id!r} is already in another group"))
            grouped.add(line_id)
    stored = form_bytes(lines, groups) if not problems else 0
    if stored > MAX_FORM_BYTES:
        problems.append(
            field_problem("lines", f"the bid form's lines and groups take {stored:,} bytes; at most {MAX_FORM_BYTES:,}")
        )
    if award_basis is AwardBasis.GROUP and not groups:
        problems.append(field_problem("groups", "award by group needs groups of lines (R-8b)"))
    if all_or_none and award_basis is not AwardBasis.ALL:
        problems.append(field_problem("award_basis", "an all-or-none invitation is awarded as a whole: use 'all' (R-5f)"))
    try:
        require_aware(opening_at)
        if opening_at <= now:
            problems.append(field_problem("opening_at", "must be in the future (R-5b)"))
    except ValueError:
        problems.append(field_problem("opening_at", "must carry a UTC offset, e.g. 2026-03-20T14:00:00-04:00 (R-5b)"))
    if guaranty_percent is not None and not (Decimal(0) < guaranty_percent <= MAX_GUARANTY_PERCENT):
        problems.append(
            field_problem("guaranty_percent", "a bid guaranty is more than 0 and at most 10 percent of the bid (R-6a)")
        )
    if surety_percent is not None and not (Decimal(0) < surety_percent <= MAX_SURETY_PERCENT):
        problems.append(
            field_problem("surety_percent", "performance surety is more than 0 and at most 100 percent of the award (R-6b)")
        )
    if award_period_days < 1:
        problems.append(field_problem("award_period_days", "must be at least 1 day (R-8c)"))
    if payment_days is not None and payment_days < 1:
        problems.append(field_problem("payment_days", "must be at least 1 day (R-13a)"))
    problems += factor_problems(evaluation_factors)
    if problems:
        rule = "R-18a/b" if problems and all(p["field"].startswith("evaluation_factors") for p in problems) else "R-4"
        raise ValidationFailed("The invitation to bid is incomplete or malformed; see details.", rule=rule, details=problems)
    return Solicitation(
        id=solicitation_id,
        title=title.strip(),
        agency=agency.strip(),
        commodity_codes=tuple(sorted(set(commodity_codes))),
        lines=tuple(lines),
        groups=tuple(groups),
        opening_at=to_utc(opening_at),
        award_basis=award_basis,
        evaluation_factors=tuple(evaluation_factors),
        created_at=now,
        created_by=created_by,
        all_or_none=all_or_none,
        alternates_allowed=alternates_allowed,
        guaranty_percent=guaranty_percent,
        surety_percent=surety_percent,
        award_period_days=award_period_days,
        samples_required=samples_required,
        payment_days=payment_days,
        sole_source_id=sole_source_id,
    )


def factor_problems(
    factors: list[EvaluationFactor] | tuple[EvaluationFactor, ...], required: dict[str, str] | None = None
) -> list[dict]:
    """R-18a/b: price, past performance and financial responsibility are always stated, with their weights; a request
    for proposals adds the minimum factors of R-16a (`required`: factor name -> the rule that requires it)."""
    problems = []
    names = [f.name.strip().lower() for f in factors]
    for name, rule in (required or dict.fromkeys(REQUIRED_FACTORS, "R-18a/b")).items():
        if name not in names:
            problems.append(field_problem("evaluation_factors", f"must include {name!r} ({rule})"))
    for i, factor in enumerate(factors):
        if factor.weight <= 0:
            problems.append(
                field_problem(f"evaluation_factors[{i}].weight", "relative importance must be greater than zero (R-18a/b)")
            )
    if len(set(names)) != len(names):
        problems.append(field_problem("evaluation_factors", "each factor is stated once (R-18a/b)"))
    return problems


def publish(sol: Solicitation, now: dt.datetime) -> Solicitation:
    """R-4: publication is the public notice; the invitation's factors are checked again (R-18a/b)."""
    if sol.status is not SolicitationStatus.DRAFT:
        raise Conflict(f"Solicitation {sol.id} is {sol.status.value}; only a draft can be published.", rule="R-4")
    if sol.opening_at <= now:
        raise DeadlinePassed(
            f"The opening time {sol.opening_at:%Y-%m-%d %H:%M} UTC has passed; change it before publishing.", rule="R-5b"
        )
    problems = factor_problems(list(sol.evaluation_factors))
    if problems:
        raise ValidationFailed("The invitation does not state the required evaluation factors.", rule="R-18a/b", details=problems)
    return dataclasses.replace(sol, status=SolicitationStatus.OPEN, published_at=now)


def ensure_before_opening(sol: Solicitation, now: dt.datetime, what: str, rule: str = "R-5o") -> None:
    """Server time decides: at or after opening_at nothing about the bids may change (R-5b, R-5c, R-5o)."""
    if sol.status is SolicitationStatus.CANCELLED:
        raise SolicitationCancelled(f"Solicitation {sol.id} was cancelled; {what} is not possible.", rule="R-5o")
    if sol.status is SolicitationStatus.DRAFT:
        raise Conflict(f"Solicitation {sol.id} is a draft; {what} is possible once it is published.", rule=rule)
    if now >= sol.opening_at or sol.status is not SolicitationStatus.OPEN:
        raise BidsClosed(
            f"Bids open at {sol.opening_at:%Y-%m-%dT%H:%M:%SZ}; {what} at or after the opening time is not considered.",
            rule=rule,
            details=[{"field": "opening_at", "problem": f"server time {now:%Y-%m-%dT%H:%M:%SZ} is not before it"}],
        )


def form_bytes(lines: list[LineItem] | tuple[LineItem, ...], groups: list[LineGroup] | tuple[LineGroup, ...]) -> int:
    """The bytes of the bid form as stored: its lines and groups as UTF-8 JSON."""
    form = [dataclasses.asdict(item) for item in (*lines, *groups)]
    return len(json.dumps(form, ensure_ascii=False, default=str).encode())


def add_addendum(sol: Solicitation, text: str, now: dt.datetime, opening_at: dt.datetime | None = None) -> Solicitation:
    """R-5o: an amendment of the invitation, before opening only; it may postpone the opening to a later time."""
    ensure_before_opening(sol, now, "an addendum")
    problems = []
    if len(sol.addenda) >= MAX_ADDENDA:
        problems.append(
            field_problem("addenda", f"an invitation has at most {MAX_ADDENDA} addenda; issue a new invitation instead")
        )
    if not text.strip():
        problems.append(field_problem("text", "must not be blank"))
    if opening_at is not None:
        try:
            require_aware(opening_at)
        except ValueError:
            problems.append(field_problem("opening_at", "must carry a UTC offset, e.g. 2026-03-20T14:00:00-04:00"))
        else:
            if opening_at <= now or opening_at <= sol.opening_at:
                problems.append(
                    field_problem(
                        "opening_at",
                        f"an addendum postpones the opening: give a time after {sol.opening_at:%Y-%m-%dT%H:%M:%SZ} and after now",
                    )
                )
    if problems:
        raise ValidationFailed("The addendum is incomplete or malformed; see details.", rule="R-5o", details=problems)
    new_opening = to_utc(opening_at) if opening_at is not None else None
    addendum = Addendum(number=len(sol.addenda) + 1, text=text.strip(), issued_at=now, opening_at=new_opening)
    return dataclasses.replace(sol, addenda=sol.addenda + (addendum,), opening_at=new_opening or sol.opening_at)


def cancel(sol: Solicitation, reason: str, now: dt.datetime) -> Solicitation:
    """R-5o: cancellation before opening, with a reason."""
    ensure_before_opening(sol, now, "cancellation")
    if not reason.strip():
        raise ValidationFailed(
            "A cancellation states its reason.", rule="R-5o", details=[field_problem("reason", "must not be blank")]
        )
    return dataclasses.replace(sol, status=SolicitationStatus.CANCELLED, cancelled_at=now, cancel_reason=reason.strip())


def mark_opened(sol: Solicitation, now: dt.datetime, bid_count: int) -> Solicitation:
    if sol.status is SolicitationStatus.CANCELLED:
        raise SolicitationCancelled(f"Solicitation {sol.id} was cancelled before its opening.", rule="R-5o")
    if now < sol.opening_at:
        raise OpeningNotDue(f"Solicitation {sol.id} opens at {sol.opening_at:%Y-%m-%dT%H:%M:%SZ}, not before.", rule="R-5b")
    return dataclasses.replace(sol, status=SolicitationStatus.OPENED, opened_at=sol.opened_at or now, bid_count=bid_count)


def commodity_matches(solicitation_codes: tuple[str, ...], vendor_codes: tuple[str, ...]) -> bool:
    """NIGP codes nest (class 615 contains item 61500): a vendor of a class is invited to its items and back."""
    return any(s.startswith(v) or v.startswith(s) for s in solicitation_codes for v in vendor_codes)


class BidsClosed(DeadlinePassed):
    """Server time is at or after the opening (R-5b, R-5c)."""


class OpeningNotDue(Conflict):
    """The opening task ran before opening_at by server time (a timer fired early): the workflow retries it."""


class SolicitationCancelled(Conflict):
    """The invitation was cancelled (R-5o); the invitation-to-bid workflow catches this by name."""
