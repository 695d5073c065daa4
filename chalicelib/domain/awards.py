"""An award of one scope (item, group or whole: R-8b) offered down its ranking: the notice of award is the
acceptance notice (R-9g, 10 days), performance surety follows within 10 days of its request (R-9h), and
acceptance (with surety) forms the contract (R-9a). Awards after the award period are conditional (R-8c). Clerical or
administrative errors of an award are corrected, with a written reason, until it becomes a contract (R-8g)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain.bids import PRICE_PLACES, QUANTITY_PLACES, BidContent
from chalicelib.domain.contracts import Contract, ContractLine
from chalicelib.domain.errors import Conflict, DeadlinePassed, Forbidden, ValidationFailed
from chalicelib.domain.evaluation import Candidate
from chalicelib.domain.money import parse_amount, to_cents
from chalicelib.domain.solicitations import Solicitation

ACCEPTANCE_WINDOW = dt.timedelta(days=10)  # R-9g
SURETY_WINDOW = dt.timedelta(days=10)  # R-9h
SURETY_FORMS = ("performance_bond", "certified_check", "letter_of_credit")  # R-6b


class CorrectedField(str, enum.Enum):
    """What an award correction may change (R-8g)."""

    BIDDER_NAME = "bidder_name"
    QUANTITY = "quantity"
    UNIT_PRICE = "unit_price"


class AwardStatus(str, enum.Enum):
    PENDING = "pending"  # waiting for the notice to the current candidate
    OFFERED = "offered"  # notice of award sent, waiting for acceptance (R-9g)
    AWAITING_SURETY = "awaiting_surety"  # accepted, surety requested (R-9h)
    ACCEPTED = "accepted"  # accepted and surety furnished where required: the contract follows
    CONTRACTED = "contracted"
    EXHAUSTED = "exhausted"  # no ranked bidder is left


@dataclass(frozen=True)
class Outcome:
    bid_id: str
    bidder_name: str
    outcome: str  # declined | lapsed | surety_lapsed
    at: dt.datetime
    reason: str


@dataclass(frozen=True)
class Surety:
    form: str
    amount: Decimal
    reference: str
    furnished_at: dt.datetime


@dataclass(frozen=True)
class AwardCorrection:
    """R-8g: one corrected value of the award to one bid, with the written reason; applied to that bid's contract."""

    number: int
    bid_id: str
    field: CorrectedField
    line_id: str | None
    before: str
    after: str
    reason: str
    by: str
    at: dt.datetime


@dataclass(frozen=True)
class Award:
    id: str
    solicitation_id: str
    agency: str
    scope: str
    candidates: tuple[Candidate, ...]
    created_at: dt.datetime
    conditional: bool = False  # R-8c: made after the award period; the bidder's acceptance confirms it
    surety_percent: Decimal | None = None
    position: int = 0
    status: AwardStatus = AwardStatus.PENDING
    notes: tuple[str, ...] = ()
    offer_token: str | None = None
    offered_at: dt.datetime | None = None
    accepted_at: dt.datetime | None = None
    surety_token: str | None = None
    surety_requested_at: dt.datetime | None = None
    surety: Surety | None = None
    outcomes: tuple[Outcome, ...] = ()
    contract_id: str | None = None
    corrections: tuple[AwardCorrection, ...] = ()  # R-8g
    version: int = 0

    @property
    def current(self) -> Candidate | None:
        return self.candidates[self.position] if self.position < len(self.candidates) else None

    @property
    def accept_by(self) -> dt.datetime | None:
        return None if self.offered_at is None else self.offered_at + ACCEPTANCE_WINDOW

    @property
    def surety_due(self) -> dt.datetime | None:
        return None if self.surety_requested_at is None else self.surety_requested_at + SURETY_WINDOW

    @property
    def surety_amount(self) -> Decimal | None:
        if self.surety_percent is None or self.current is None:
            return None
        return to_cents(self.current.amount * self.surety_percent / 100)


def is_conditional(sol: Solicitation, now: dt.datetime, acceptance_period_days: int | None = None) -> bool:
    """R-8c: an award after the award period, or after the shorter acceptance period the bid states, binds only once
    the bidder confirms it."""
    if sol.opened_at is None:
        return False
    days = sol.award_period_days if acceptance_period_days is None else min(sol.award_period_days, acceptance_period_days)
    return now > sol.opened_at + dt.timedelta(days=days)


def offer(award: Award, token: str, now: dt.datetime, sol: Solicitation | None = None) -> Award:
    """The notice of award to the current bidder; conditional (R-8c) if the period binding its bid has passed."""
    if award.current is None:
        raise NoBidderLeft(f"Award {award.id} has no ranked bidder left.", rule="R-9g")
    conditional = award.conditional if sol is None else is_conditional(sol, now, award.current.acceptance_period_days)
    return dataclasses.replace(award, status=AwardStatus.OFFERED, offer_token=token, offered_at=now, conditional=conditional)


def _ensure_awardee(award: Award, vendor_id: str) -> Candidate:
    current = award.current
    if current is None or current.vendor_id != vendor_id:
        raise Forbidden(f"Award {award.id} is not offered to the caller.", rule="R-9g")
    return current


def accept(award: Award, vendor_id: str, now: dt.datetime) -> Award:
    """R-9g: within 10 days of the notice; the acceptance also confirms a conditional award (R-8c)."""
    _ensure_awardee(award, vendor_id)
    if award.status is not AwardStatus.OFFERED:
        raise Conflict(f"Award {award.id} is {award.status.value}; there is no offer to accept.", rule="R-9g")
    if now >= award.accept_by:
        raise DeadlinePassed(f"The 10 days to accept award {award.id} ended {award.accept_by:%Y-%m-%dT%H:%M:%SZ}.", rule="R-9g")
    status = AwardStatus.AWAITING_SURETY if award.surety_percent else AwardStatus.ACCEPTED
    return dataclasses.replace(award, status=status, accepted_at=now, offer_token=None)


def decline(award: Award, vendor_id: str, now: dt.datetime) -> Award:
    _ensure_awardee(award, vendor_id)
    if award.status is not AwardStatus.OFFERED:
        raise Conflict(f"Award {award.id} is {award.status.value}; there is no offer to decline.", rule="R-9g")
    if now >= award.accept_by:
        raise DeadlinePassed(f"The offer of award {award.id} already lapsed.", rule="R-9g")
    return award  # the workflow records the refusal when it moves the award on


def request_surety(award: Award, token: str, now: dt.datetime) -> Award:
    """After acceptance; surety the bidder furnished before the request arrived is already on the award."""
    if award.status is not AwardStatus.AWAITING_SURETY:
        raise Conflict(f"Award {award.id} is {award.status.value}; surety is requested after acceptance.", rule="R-9h")
    return dataclasses.replace(award, surety_token=token, surety_requested_at=award.surety_requested_at or now)


def furnish_surety(award: Award, vendor_id: str, form: str, amount: str, reference: str, now: dt.datetime) -> Award:
    """R-6b, R-9h: the required percentage of the award, in an accepted form, within 10 days of the request."""
    _ensure_awardee(award, vendor_id)
    if award.status is not AwardStatus.AWAITING_SURETY:
        raise Conflict(f"Award {award.id} is {award.status.value}; no surety is requested.", rule="R-9h")
    if award.surety_requested_at is not None and now >= award.surety_due:
        raise DeadlinePassed(f"Surety for award {award.id} was due {award.surety_due:%Y-%m-%dT%H:%M:%SZ}.", rule="R-9h")
    problems = []
    if form not in SURETY_FORMS:
        problems.append({"field": "form", "problem": f"must be one of {', '.join(SURETY_FORMS)}", "rule": "R-6b"})
    if not reference.strip():
        problems.append({"field": "reference", "problem": "give the bond, check or letter number", "rule": "R-6b"})
    try:
        value = parse_amount(amount, max_places=2)
        if value < award.surety_amount:
            problems.append({"field": "amount", "problem": f"must be at least ${award.surety_amount} ({award.surety_percent}% of the award)", "rule": "R-6b"})
    except ValueError as exc:
        value = None
        problems.append({"field": "amount", "problem": str(exc), "rule": "R-6b"})
    if problems:
        raise ValidationFailed("The performance surety is not acceptable; see details.", rule="R-9h", details=problems)
    return dataclasses.replace(award, status=AwardStatus.ACCEPTED, surety=Surety(form, value, reference.strip(), now), surety_token=None)


def move_on(award: Award, outcome: str, reason: str, now: dt.datetime) -> Award:
    """R-9g/R-9h: the current bidder loses the award; the next ranked bidder is offered it, if any is left."""
    current = award.current
    if current is None:
        return dataclasses.replace(award, status=AwardStatus.EXHAUSTED)
    record = Outcome(current.bid_id, current.bidder_name, outcome, now, reason)
    position = award.position + 1
    status = AwardStatus.PENDING if position < len(award.candidates) else AwardStatus.EXHAUSTED
    return dataclasses.replace(
        award, position=position, status=status, outcomes=award.outcomes + (record,), offer_token=None,
        offered_at=None, accepted_at=None, surety_token=None, surety_requested_at=None, surety=None,
    )


def awarded_lines(award: Award, content: BidContent) -> dict[str, tuple[Decimal, Decimal]]:
    """(quantity, unit price) per line of the current bid's scope: as bid, then as corrected (R-8g)."""
    current = award.current
    lines = {lid: (content.line(lid).quantity, content.line(lid).unit_price) for lid in current.line_ids}
    for fix in award.corrections:
        if fix.bid_id == current.bid_id and fix.line_id in lines:
            quantity, price = lines[fix.line_id]
            value = Decimal(fix.after)
            lines[fix.line_id] = (value, price) if fix.field is CorrectedField.QUANTITY else (quantity, value)
    return lines


def _fault(field: str, problem: str) -> dict:
    return {"field": field, "problem": problem, "rule": "R-8g"}


def correct(award: Award, sol: Solicitation, content: BidContent | None, field: CorrectedField, value: str, reason: str,
            by: str, now: dt.datetime, line_id: str | None = None) -> Award:
    """R-8g: correct the awarded bidder's name, or a line's quantity or unit price, of the award to its current bidder.
    A contract already formed is changed only by a written amendment (R-9c)."""
    if award.status is AwardStatus.CONTRACTED:
        raise Conflict(f"Award {award.id} became contract {award.contract_id}; amend the contract in writing instead (R-9c).", rule="R-8g")
    current = award.current
    if award.status is AwardStatus.EXHAUSTED or current is None or content is None:
        raise Conflict(f"Award {award.id} is {award.status.value}; no bidder holds it to correct.", rule="R-8g")
    problems = []
    if not reason.strip():
        problems.append(_fault("reason", "state the clerical or administrative error corrected"))
    value, before = value.strip(), None
    if field is CorrectedField.BIDDER_NAME:
        before = current.bidder_name
        if line_id is not None:
            problems.append(_fault("line_id", "a bidder's name is corrected without a line"))
        if not value:
            problems.append(_fault("value", "the corrected name must not be blank"))
    else:
        lines = awarded_lines(award, content)
        if line_id in lines:
            before = str(lines[line_id][0] if field is CorrectedField.QUANTITY else lines[line_id][1])
        else:
            problems.append(_fault("line_id", f"give a line of the award: {', '.join(current.line_ids)}"))
        places = QUANTITY_PLACES if field is CorrectedField.QUANTITY else PRICE_PLACES
        try:
            parsed = parse_amount(value, max_places=places)
            value = str(parsed)
        except ValueError as exc:
            problems.append(_fault("value", f"{exc}; give a decimal with at most {places} places"))
        else:
            if field is CorrectedField.QUANTITY and before is not None and not (0 < parsed <= sol.line(line_id).quantity):
                problems.append(_fault("value", f"a quantity above 0 and at most the {sol.line(line_id).quantity} invited"))
    if before is not None and not problems and (value == before or (field is not CorrectedField.BIDDER_NAME and Decimal(value) == Decimal(before))):
        problems.append(_fault("value", f"is already {before!r}: nothing to correct"))
    if problems:
        raise ValidationFailed("The award correction is incomplete or malformed; see details.", rule="R-8g", details=problems)
    fix = AwardCorrection(len(award.corrections) + 1, current.bid_id, field, line_id, before, value, reason.strip(), by, now)
    corrected = dataclasses.replace(award, corrections=award.corrections + (fix,))
    if field is CorrectedField.BIDDER_NAME:
        candidate = dataclasses.replace(current, bidder_name=value)
    else:
        total = sum((q * p for q, p in awarded_lines(corrected, content).values()), Decimal(0))
        candidate = dataclasses.replace(current, amount=to_cents(total))
    candidates = corrected.candidates[:award.position] + (candidate,) + corrected.candidates[award.position + 1:]
    return dataclasses.replace(corrected, candidates=candidates)


def contract_for(award: Award, sol: Solicitation, content: BidContent, contract_id: str, now: dt.datetime) -> Contract:
    """R-9a: the accepted bid's lines of the awarded scope, at the bid's unit prices, as corrected (R-8g)."""
    current = award.current
    lines = []
    for line_id, (quantity, price) in awarded_lines(award, content).items():
        item = sol.line(line_id)
        lines.append(ContractLine(line_id, item.description, item.unit, quantity, price))
    return Contract(
        id=contract_id, agency=sol.agency, contractor_id=current.vendor_id, contractor_org=current.vendor_org,
        contractor_name=current.bidder_name, contractor_email=current.bidder_email, lines=tuple(lines), created_at=now,
        solicitation_id=sol.id, award_id=award.id, cash_discount_percent=content.cash_discount_percent,
        cash_discount_days=content.cash_discount_days, payment_days=sol.payment_days,
    )


def contracted(award: Award, contract_id: str) -> Award:
    if award.status is not AwardStatus.ACCEPTED:
        raise Conflict(f"Award {award.id} is {award.status.value}; a contract needs acceptance (and surety).", rule="R-9a")
    return dataclasses.replace(award, status=AwardStatus.CONTRACTED, contract_id=contract_id)


class AwardDeclined(Conflict):
    """The bidder refused the award (R-9g); the award-acceptance workflow catches this by name."""


class NoBidderLeft(Conflict):
    """Every ranked bidder refused or lapsed (R-9g)."""
