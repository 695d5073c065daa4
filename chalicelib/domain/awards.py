"""An award of one scope (item, group or whole: R-8b), split down its ranking into shares, one per awarded bidder.

The notice of award is the State's acceptance: a firm share's notice forms its contract at once (R-9a, R-9g). Only a
conditional share (made after the award period or the bid's shorter acceptance period, R-8c) waits for the bidder's
acceptance. Within 10 days of the notice the bidder may refuse; silence is not refusal, and a refusal after the 10
days is not considered (R-9g). After a refusal, a lapse or a cancellation (R-9h) purchasing may pass the share on to
the next ranked eligible bidder. Clerical errors of a share are corrected until it becomes a contract (R-8g)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain import calendar
from chalicelib.domain.bids import PRICE_PLACES, QUANTITY_PLACES, BidContent
from chalicelib.domain.contracts import Contract, ContractLine
from chalicelib.domain.errors import Conflict, DeadlinePassed, Forbidden, ValidationFailed
from chalicelib.domain.evaluation import Candidate, Ranking, split
from chalicelib.domain.money import parse_amount, to_cents
from chalicelib.domain.solicitations import Solicitation

RESPONSE_DAYS = 10  # R-9g: refusal (or, for a conditional award, acceptance) within 10 days of the notice
SURETY_DAYS = 10  # R-9h: surety within 10 days of its request
NO_ADVERSE_FINDING = "no adverse finding of responsibility (R-18)"
# storage bounds (docs/decisions.md, "Items sized by design"): the shares an award is passed on to (R-9g), its
# corrections (R-8g) and the bids an award request gives a note of its findings (R-18a/b); its ranking is at most
# evaluation.KEEP candidates
MAX_SHARES = 100
MAX_CORRECTIONS = 50
MAX_RESPONSIBILITY_NOTES = 50


class CorrectedField(str, enum.Enum):
    """What an award correction may change (R-8g)."""

    BIDDER_NAME = "bidder_name"
    QUANTITY = "quantity"
    UNIT_PRICE = "unit_price"


class SuretyForm(str, enum.Enum):
    """The forms of performance surety (R-6b)."""

    PERFORMANCE_BOND = "performance_bond"
    CERTIFIED_CHECK = "certified_check"
    LETTER_OF_CREDIT = "letter_of_credit"


SURETY_FORMS = tuple(form.value for form in SuretyForm)  # R-6b


class OutcomeKind(str, enum.Enum):
    """What happened to a share that no longer holds (an award's outcomes)."""

    REFUSED = "refused"  # R-9g
    LAPSED = "lapsed"  # R-8c
    SURETY_LAPSED = "surety_lapsed"  # R-9h
    CANCELLED = "cancelled"  # R-9h
    PASSED_ON = "passed_on"  # to the next ranked bidder


class ShareStatus(str, enum.Enum):
    PENDING = "pending"  # the notice of award is still to be sent
    CONDITIONAL = "conditional"  # notice of a conditional award sent: waits for the bidder's acceptance (R-8c)
    CONTRACTED = "contracted"  # the notice (or the acceptance of a conditional award) formed the contract (R-9a)
    REFUSED = "refused"  # refused within 10 days of the notice (R-9g): purchasing decides
    LAPSED = "lapsed"  # a conditional award not accepted within 10 days: purchasing decides
    CANCELLED = "cancelled"  # its contract was cancelled by purchasing (R-9h)
    PASSED_ON = "passed_on"  # purchasing gave its quantity to the next ranked bidder


HOLDING = (ShareStatus.PENDING, ShareStatus.CONDITIONAL, ShareStatus.CONTRACTED)
FOR_PURCHASING = (ShareStatus.REFUSED, ShareStatus.LAPSED, ShareStatus.CANCELLED)  # `next` may pass these on


@dataclass(frozen=True)
class Outcome:
    bid_id: str
    bidder_name: str
    outcome: str  # refused | lapsed | surety_lapsed | cancelled | passed_on
    at: dt.datetime
    reason: str
    share: int = 0


@dataclass(frozen=True)
class Surety:
    form: str
    amount: Decimal
    reference: str
    furnished_at: dt.datetime


@dataclass(frozen=True)
class AwardedLine:
    line_id: str
    quantity: Decimal


@dataclass(frozen=True)
class AwardCorrection:
    """R-8g: one corrected value of one share, with the written reason; applied to that share's contract."""

    number: int
    bid_id: str
    field: CorrectedField
    line_id: str | None
    before: str
    after: str
    reason: str
    by: str
    at: dt.datetime
    share: int = 1


@dataclass(frozen=True)
class Share:
    """One bidder's part of the award: the quantity it takes, its notice, and its contract or refusal."""

    number: int
    candidate: Candidate
    lines: tuple[AwardedLine, ...]
    conditional: bool  # R-8c, decided when the share is awarded
    created_at: dt.datetime
    responsibility: str = NO_ADVERSE_FINDING  # the responsibility findings considered
    status: ShareStatus = ShareStatus.PENDING
    noticed_at: dt.datetime | None = None
    accepted_at: dt.datetime | None = None
    acceptance_token: str | None = None
    contract_id: str | None = None
    surety_requested_at: dt.datetime | None = None
    surety_token: str | None = None
    surety: Surety | None = None
    refused_at: dt.datetime | None = None
    refusal_reason: str | None = None

    @property
    def respond_by(self) -> dt.datetime | None:
        """First instant after the 10 days from the notice: refusal, or acceptance of a conditional award (R-9g)."""
        return None if self.noticed_at is None else calendar.days_after(self.noticed_at, RESPONSE_DAYS)

    @property
    def surety_due(self) -> dt.datetime | None:
        return None if self.surety_requested_at is None else calendar.days_after(self.surety_requested_at, SURETY_DAYS)

    @property
    def surety_outstanding_until(self) -> dt.datetime | None:
        """`surety_due` while the surety requested is not furnished; None when none is missing."""
        return self.surety_due if self.surety is None else None

    @property
    def surety_missing(self) -> bool:
        return self.surety_outstanding_until is not None


@dataclass(frozen=True)
class Award:
    id: str
    solicitation_id: str
    agency: str
    scope: str
    candidates: tuple[Candidate, ...]
    created_at: dt.datetime
    surety_percent: Decimal | None = None
    notes: tuple[str, ...] = ()
    responsibility: tuple[tuple[str, str], ...] = ()  # (bid id, note) given with the award request
    shares: tuple[Share, ...] = ()
    outcomes: tuple[Outcome, ...] = ()
    corrections: tuple[AwardCorrection, ...] = ()  # R-8g
    version: int = 0

    def share(self, number: int) -> Share:
        return next(s for s in self.shares if s.number == number)

    @property
    def status(self) -> str:
        """The share that most needs attention: pending, conditional, refused, lapsed, cancelled, then contracted."""
        present = {s.status for s in self.shares}
        order = (ShareStatus.PENDING, ShareStatus.CONDITIONAL, *FOR_PURCHASING, ShareStatus.CONTRACTED)
        return next((status.value for status in order if status in present), ShareStatus.PASSED_ON.value)

    @property
    def contract_id(self) -> str | None:
        """The contract of the first share holding one (the only one unless the item was split)."""
        return next((s.contract_id for s in self.shares if s.status is ShareStatus.CONTRACTED), None)

    @property
    def conditional(self) -> bool:
        return any(s.conditional for s in self.shares if s.status in HOLDING)


def with_share(award: Award, share: Share) -> Award:
    return dataclasses.replace(award, shares=tuple(share if s.number == share.number else s for s in award.shares))


def _outcome(share: Share, outcome: str, now: dt.datetime, reason: str) -> Outcome:
    return Outcome(share.candidate.bid_id, share.candidate.bidder_name, outcome, now, reason, share.number)


# -- award and its split ---------------------------------------------------------------------------------------
def is_conditional(sol: Solicitation, now: dt.datetime, acceptance_period_days: int | None = None) -> bool:
    """R-8c: an award at or after the end of the award period, or of the shorter acceptance period the bid states,
    binds only once the bidder accepts it."""
    if sol.opened_at is None:
        return False
    days = sol.award_period_days if acceptance_period_days is None else min(sol.award_period_days, acceptance_period_days)
    return now >= calendar.days_after(sol.opened_at, days)


def _shares_for(award: Award, sol: Solicitation, needed: Mapping[str, Decimal], now: dt.datetime) -> tuple[Share, ...]:
    """R-8b: the quantity needed, split down the ranking past the bids already holding, refusing or out."""
    held: dict[str, dict[str, Decimal]] = {}
    for s in award.shares:
        if s.status in HOLDING:
            holding = held.setdefault(s.candidate.bid_id, {})
            for line in s.lines:
                holding[line.line_id] = holding.get(line.line_id, Decimal(0)) + line.quantity
    out = {s.candidate.bid_id for s in award.shares if s.status not in HOLDING}
    notes = dict(award.responsibility)
    number = max((s.number for s in award.shares), default=0)
    shares = []
    for found, take in split(award.candidates, needed, held, out, partial=award.scope.startswith("item:")):
        number += 1
        shares.append(
            Share(
                number,
                found,
                tuple(AwardedLine(lid, q) for lid, q in take.items()),
                is_conditional(sol, now, found.acceptance_period_days),
                now,
                notes.get(found.bid_id, NO_ADVERSE_FINDING),
            )
        )
    return tuple(shares)


def new_award(
    award_id: str, sol: Solicitation, ranking: Ranking, now: dt.datetime, responsibility: Mapping[str, str] | None = None
) -> Award:
    """R-8a/b: the scope's full quantities go to the lowest eligible bid; by item, a bid offering part of a line takes
    what it offered and the rest goes to the next ranked bid (R-5f)."""
    given = responsibility or {}
    notes = tuple((c.bid_id, given[c.bid_id]) for c in ranking.candidates if c.bid_id in given)
    award = Award(
        id=award_id,
        solicitation_id=sol.id,
        agency=sol.agency,
        scope=ranking.scope,
        candidates=ranking.candidates,
        created_at=now,
        surety_percent=sol.surety_percent,
        notes=ranking.notes,
        responsibility=notes,
    )
    invited = {line.id: line.quantity for line in sol.lines}
    needed = {lid: invited[lid] for lid in ranking.candidates[0].line_ids}
    return dataclasses.replace(award, shares=_shares_for(award, sol, needed, now))


def pass_on(award: Award, sol: Solicitation, now: dt.datetime) -> tuple[Award, tuple[Share, ...], tuple[Share, ...]]:
    """R-9g/R-9h: purchasing gives the quantity of refused, lapsed or cancelled shares to the next ranked eligible
    bidders with quantity left. Returns the award, the shares passed on and the new shares."""
    passed = tuple(s for s in award.shares if s.status in FOR_PURCHASING)
    if not passed:
        raise Conflict(f"Award {award.id} has no refused, lapsed or cancelled share to pass on.", rule="R-9g")
    needed: dict[str, Decimal] = {}
    for s in passed:
        for line in s.lines:
            needed[line.line_id] = needed.get(line.line_id, Decimal(0)) + line.quantity
    new = _shares_for(award, sol, needed, now)
    if not new:
        raise NoBidderLeft(f"No ranked eligible bidder of award {award.id} has quantity left to take.", rule="R-9g")
    if len(award.shares) + len(new) > MAX_SHARES:
        raise NoBidderLeft(
            f"Award {award.id} holds {len(award.shares)} shares; it is passed on to at most {MAX_SHARES} in all.",
            rule="R-9g",
            details=[{"field": "shares", "problem": f"{len(award.shares)} + {len(new)} > {MAX_SHARES}", "rule": "R-9g"}],
        )
    done = tuple(dataclasses.replace(s, status=ShareStatus.PASSED_ON, acceptance_token=None, surety_token=None) for s in passed)
    records = tuple(
        _outcome(s, "passed_on", now, f"awarded to the next ranked bidder, {new[0].candidate.bidder_name}") for s in passed
    )
    moved = award
    for s in done:
        moved = with_share(moved, s)
    return dataclasses.replace(moved, shares=moved.shares + new, outcomes=award.outcomes + records), done, new


# -- amounts, lines and the contract -------------------------------------------------------------------------------
def awarded_lines(award: Award, share: Share) -> dict[str, tuple[Decimal, Decimal]]:
    """(quantity, unit price) per line of the share: as awarded at the bid's prices, then as corrected (R-8g)."""
    offered = share.candidate.offered
    lines = {line.line_id: (line.quantity, offered[line.line_id][1]) for line in share.lines}
    for fix in award.corrections:
        if fix.share == share.number and fix.line_id in lines:
            quantity, price = lines[fix.line_id]
            value = Decimal(fix.after)
            lines[fix.line_id] = (value, price) if fix.field is CorrectedField.QUANTITY else (quantity, value)
    return lines


def share_amount(award: Award, share: Share) -> Decimal:
    return to_cents(sum((q * p for q, p in awarded_lines(award, share).values()), Decimal(0)))


def surety_amount(award: Award, share: Share) -> Decimal | None:
    if award.surety_percent is None:
        return None
    return to_cents(share_amount(award, share) * award.surety_percent / 100)


def contract_for(
    award: Award, share: Share, sol: Solicitation, content: BidContent, contract_id: str, now: dt.datetime
) -> Contract:
    """R-9a: the share's lines at the awarded quantities and the bid's unit prices, as corrected (R-8g)."""
    c = share.candidate
    invited = {line.id: line for line in sol.lines}
    lines = tuple(
        ContractLine(lid, invited[lid].description, invited[lid].unit, quantity, price)
        for lid, (quantity, price) in awarded_lines(award, share).items()
    )
    return Contract(
        id=contract_id,
        agency=sol.agency,
        contractor_id=c.vendor_id,
        contractor_org=c.vendor_org,
        contractor_name=c.bidder_name,
        contractor_email=c.bidder_email,
        lines=lines,
        created_at=now,
        solicitation_id=sol.id,
        award_id=award.id,
        cash_discount_percent=content.cash_discount_percent,
        cash_discount_days=content.cash_discount_days,
        payment_days=sol.payment_days,
    )


# -- notice, acceptance, refusal ----------------------------------------------------------------------------------
def _formed(award: Award, share: Share, contract_id: str, now: dt.datetime, **changes) -> Share:
    """The contract exists from now; surety, where required, is requested with it (R-9h)."""
    return dataclasses.replace(
        share,
        status=ShareStatus.CONTRACTED,
        contract_id=contract_id,
        surety_requested_at=now if award.surety_percent else None,
        **changes,
    )


def notice(award: Award, number: int, now: dt.datetime, contract_id: str | None) -> Award:
    """R-9g: the notice of award is the State's acceptance: a firm share's contract is formed now (R-9a); a
    conditional share waits for the bidder (R-8c)."""
    share = award.share(number)
    if share.status is not ShareStatus.PENDING:
        raise Conflict(f"Share {number} of award {award.id} was already noticed.", rule="R-9g")
    if share.conditional:
        return with_share(award, dataclasses.replace(share, status=ShareStatus.CONDITIONAL, noticed_at=now))
    assert contract_id is not None  # the caller names the contract a firm share forms
    return with_share(award, _formed(award, share, contract_id, now, noticed_at=now))


def _share_of(award: Award, vendor_id: str, statuses: tuple[ShareStatus, ...], rule: str, what: str) -> Share:
    mine = [s for s in award.shares if s.candidate.vendor_id == vendor_id]
    if not mine:
        raise Forbidden(f"Award {award.id} is not made to the caller.", rule=rule)
    found = [s for s in mine if s.status in statuses]
    if not found:
        raise Conflict(f"Your share of award {award.id} is {mine[-1].status.value}; there is nothing to {what}.", rule=rule)
    return found[-1]


def accept(award: Award, vendor_id: str, now: dt.datetime, contract_id: str) -> Award:
    """R-8c: the bidder's acceptance, within 10 days of the notice, confirms a conditional award and forms the contract.
    A firm award needs none: its notice formed the contract (R-9a)."""
    mine = [s for s in award.shares if s.candidate.vendor_id == vendor_id]
    if (
        mine
        and not any(s.status is ShareStatus.CONDITIONAL for s in mine)
        and any(s.status is ShareStatus.CONTRACTED for s in mine)
    ):
        raise Conflict(f"The notice of award {award.id} already formed your contract; there is nothing to accept.", rule="R-9a")
    share = _share_of(award, vendor_id, (ShareStatus.CONDITIONAL,), "R-8c", "accept")
    respond_by = share.respond_by
    if respond_by is not None and now >= respond_by:
        raise DeadlinePassed(
            f"The 10 days to accept conditional award {award.id} ended {calendar.last_day_of(respond_by)}.", rule="R-8c"
        )
    return with_share(award, _formed(award, share, contract_id, now, accepted_at=now, acceptance_token=None))


def refuse(award: Award, vendor_id: str, reason: str, now: dt.datetime) -> tuple[Award, Share]:
    """R-9g: a refusal within 10 days of the notice is recorded and purchasing decides; after the 10 days it is not
    considered: the contract stands and the default remedies apply (R-9i)."""
    share = _share_of(award, vendor_id, (ShareStatus.CONTRACTED, ShareStatus.CONDITIONAL), "R-9g", "refuse")
    respond_by = share.respond_by
    if respond_by is not None and now >= respond_by:
        raise DeadlinePassed(
            f"The 10 days to refuse award {award.id} ended with {calendar.last_day_of(respond_by)}: the refusal is not "
            f"considered and contract {share.contract_id} stands (R-9i).",
            rule="R-9g",
            details=[{"field": "award_id", "problem": f"refusals were open until the end of {calendar.last_day_of(respond_by)}"}],
        )
    reason = reason.strip() or "refused by the bidder"
    refused = dataclasses.replace(
        share, status=ShareStatus.REFUSED, refused_at=now, refusal_reason=reason, acceptance_token=None, surety_token=None
    )
    moved = with_share(award, refused)
    return dataclasses.replace(moved, outcomes=award.outcomes + (_outcome(share, "refused", now, reason),)), refused


def lapse(award: Award, number: int, now: dt.datetime) -> Award:
    """A conditional share not accepted within 10 days: nothing else moves; purchasing decides. Idempotent."""
    share = award.share(number)
    if share.status is not ShareStatus.CONDITIONAL:
        return award
    lapsed = with_share(award, dataclasses.replace(share, status=ShareStatus.LAPSED, acceptance_token=None))
    reason = "conditional award not accepted within 10 days of the notice (R-8c)"
    return dataclasses.replace(lapsed, outcomes=award.outcomes + (_outcome(share, "lapsed", now, reason),))


def await_acceptance(award: Award, number: int, token: str) -> Award:
    share = award.share(number)
    return (
        with_share(award, dataclasses.replace(share, acceptance_token=token))
        if share.status is ShareStatus.CONDITIONAL
        else award
    )


# -- surety and cancellation --------------------------------------------------------------------------------------
def await_surety(award: Award, number: int, token: str) -> Award:
    share = award.share(number)
    return with_share(award, dataclasses.replace(share, surety_token=token)) if share.status is ShareStatus.CONTRACTED else award


def furnish_surety(award: Award, vendor_id: str, form: str, amount: str, reference: str, now: dt.datetime) -> Award:
    """R-6b, R-9h: the required percentage of the share, in an accepted form, within 10 days of the request."""
    share = _share_of(award, vendor_id, (ShareStatus.CONTRACTED,), "R-9h", "furnish surety for")
    due = share.surety_outstanding_until
    required = surety_amount(award, share)
    if due is None or required is None:
        raise Conflict(f"No surety is requested for your share of award {award.id}.", rule="R-9h")
    if now >= due:
        raise DeadlinePassed(f"Surety for award {award.id} was due by the end of {calendar.last_day_of(due)}.", rule="R-9h")
    problems = []
    if form not in SURETY_FORMS:
        problems.append({"field": "form", "problem": f"must be one of {', '.join(SURETY_FORMS)}", "rule": "R-6b"})
    if not reference.strip():
        problems.append({"field": "reference", "problem": "give the bond, check or letter number", "rule": "R-6b"})
    try:
        value = parse_amount(amount, max_places=2)
        if value < required:
            problems.append(
                {
                    "field": "amount",
                    "problem": f"must be at least ${required} ({award.surety_percent}% of the award)",
                    "rule": "R-6b",
                }
            )
    except ValueError as exc:
        value = None
        problems.append({"field": "amount", "problem": str(exc), "rule": "R-6b"})
    if problems:
        raise ValidationFailed("The performance surety is not acceptable; see details.", rule="R-9h", details=problems)
    assert value is not None  # an amount not parsed is a problem raised above
    return with_share(award, dataclasses.replace(share, surety=Surety(form, value, reference.strip(), now), surety_token=None))


def surety_lapsed(award: Award, number: int, now: dt.datetime) -> Award:
    """R-9h: the 10 days passed without surety; recorded once for purchasing, who may cancel. Nothing else moves."""
    share = award.share(number)
    recorded = any(o.share == number and o.outcome == "surety_lapsed" for o in award.outcomes)
    due = share.surety_outstanding_until
    if share.status is not ShareStatus.CONTRACTED or due is None or recorded:
        return award
    reason = f"performance surety not furnished by the end of {calendar.last_day_of(due)} (R-9h)"
    return dataclasses.replace(
        with_share(award, dataclasses.replace(share, surety_token=None)),
        outcomes=award.outcomes + (_outcome(share, "surety_lapsed", now, reason),),
    )


def share_of_contract(award: Award, contract_id: str) -> Share:
    return next(s for s in award.shares if s.contract_id == contract_id)


def ensure_surety_missing(award: Award, contract_id: str, now: dt.datetime) -> None:
    """R-9h: cancellation for missing surety only once the 10 days from the request passed without it."""
    share = share_of_contract(award, contract_id)
    due = share.surety_outstanding_until
    if due is None:
        raise Conflict(f"Contract {contract_id} has no surety outstanding; cancel it for non-performance instead.", rule="R-9h")
    if now < due:
        raise Conflict(
            f"Surety for contract {contract_id} is due until the end of {calendar.last_day_of(due)}.",
            rule="R-9h",
            details=[{"field": "ground", "problem": "surety is not yet overdue"}],
        )


def cancelled(award: Award, contract_id: str, reason: str, now: dt.datetime) -> Award:
    """R-9h: the share whose contract purchasing cancelled; purchasing may then pass it on."""
    share = share_of_contract(award, contract_id)
    done = dataclasses.replace(share, status=ShareStatus.CANCELLED, acceptance_token=None, surety_token=None)
    return dataclasses.replace(with_share(award, done), outcomes=award.outcomes + (_outcome(share, "cancelled", now, reason),))


# -- R-8g corrections ---------------------------------------------------------------------------------------------
def _fault(field: str, problem: str) -> dict:
    return {"field": field, "problem": problem, "rule": "R-8g"}


def correct(
    award: Award,
    sol: Solicitation,
    field: CorrectedField,
    value: str,
    reason: str,
    by: str,
    now: dt.datetime,
    line_id: str | None = None,
) -> Award:
    """R-8g: correct the bidder's name, or a line's quantity or unit price, of a share not yet a contract (pending,
    or a conditional award not yet accepted). A contract already formed is changed only by a written amendment (R-9c)."""
    share = next((s for s in award.shares if s.status in (ShareStatus.PENDING, ShareStatus.CONDITIONAL)), None)
    if share is None:
        formed = award.contract_id
        if formed:
            raise Conflict(
                f"Award {award.id} became contract {formed}; amend the contract in writing instead (R-9c).", rule="R-8g"
            )
        raise Conflict(f"Award {award.id} is {award.status}; no share awaits a contract to correct.", rule="R-8g")
    problems = []
    if not reason.strip():
        problems.append(_fault("reason", "state the clerical or administrative error corrected"))
    if len(award.corrections) >= MAX_CORRECTIONS:
        problems.append(_fault("field", f"an award takes at most {MAX_CORRECTIONS} corrections"))
    value, before = value.strip(), None
    if field is CorrectedField.BIDDER_NAME:
        before = share.candidate.bidder_name
        if line_id is not None:
            problems.append(_fault("line_id", "a bidder's name is corrected without a line"))
        if not value:
            problems.append(_fault("value", "the corrected name must not be blank"))
    else:
        lines = awarded_lines(award, share)
        awarded = lines.get(line_id) if line_id is not None else None
        invited = sol.line(line_id) if line_id is not None else None
        if awarded is not None:
            before = str(awarded[0] if field is CorrectedField.QUANTITY else awarded[1])
        else:
            problems.append(_fault("line_id", f"give a line of the award: {', '.join(lines)}"))
        places = QUANTITY_PLACES if field is CorrectedField.QUANTITY else PRICE_PLACES
        try:
            parsed = parse_amount(value, max_places=places)
            value = str(parsed)
        except ValueError as exc:
            problems.append(_fault("value", f"{exc}; give a decimal with at most {places} places"))
        else:
            if (
                field is CorrectedField.QUANTITY
                and awarded is not None
                and invited is not None
                and not (0 < parsed <= invited.quantity)
            ):
                problems.append(_fault("value", f"a quantity above 0 and at most the {invited.quantity} invited"))
    if (
        before is not None
        and not problems
        and (value == before or (field is not CorrectedField.BIDDER_NAME and Decimal(value) == Decimal(before)))
    ):
        problems.append(_fault("value", f"is already {before!r}: nothing to correct"))
    if problems:
        raise ValidationFailed("The award correction is incomplete or malformed; see details.", rule="R-8g", details=problems)
    assert before is not None  # a value not found to correct is a problem raised above
    fix = AwardCorrection(
        len(award.corrections) + 1, share.candidate.bid_id, field, line_id, before, value, reason.strip(), by, now, share.number
    )
    corrected = dataclasses.replace(award, corrections=award.corrections + (fix,))
    if field is CorrectedField.BIDDER_NAME:
        corrected = with_share(
            corrected, dataclasses.replace(share, candidate=dataclasses.replace(share.candidate, bidder_name=value))
        )
    return corrected


class NoBidderLeft(Conflict):
    """No ranked eligible bidder has quantity left to take (R-9g)."""
