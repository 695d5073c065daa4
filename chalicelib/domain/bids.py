"""Bids: the R-5 checks of a submission with its alternates (R-5g), the canonical form that is hashed and sealed
(R-5b), the corrections the unit price governs (R-5l), the bid guaranty (R-6a), the receipt of samples (R-7), withdrawal
after the bid's own acceptance period (R-8c), and the findings purchasing records after opening (R-19, R-5e, R-18a/b)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from chalicelib.domain.calendar import add_months, days_after, iso_local, last_day_of, local_date
from chalicelib.domain.commitment import Sealed, canonical
from chalicelib.domain.errors import Conflict, DeadlinePassed, NotFound, ValidationFailed
from chalicelib.domain.money import parse_amount, places
from chalicelib.domain.solicitations import Solicitation, SolicitationStatus

PRICE_PLACES = 4  # R-5j/k
QUANTITY_PLACES = 4
ANNUAL_BOND_AMOUNT = Decimal(5000)  # R-6a(1)
ANNUAL_BOND_COVERS_UP_TO = Decimal(50000)
SAMPLE_MISSING = "sample required, none recorded (R-7)"  # an evaluation flag, cleared when a sample is recorded
# Storage bounds (docs/decisions.md, "Items sized by design"): the bid as sent (its canonical JSON, R-5a), sealed whole
# and opened six to a transaction; the samples, determinations and quantity changes (R-8e) one bid holds
MAX_BID_BYTES = 128 * 1024
MAX_SAMPLES = 20
MAX_DETERMINATIONS = 20
MAX_QUANTITY_CHANGES = 50


class GuarantyForm(str, enum.Enum):
    """The forms of a bid guaranty (R-6a)."""

    ANNUAL_BOND = "annual_bond"
    BID_BOND = "bid_bond"
    CERTIFIED_CHECK = "certified_check"


GUARANTY_FORMS = tuple(form.value for form in GuarantyForm)


class BidStatus(str, enum.Enum):
    SEALED = "sealed"
    REPLACED = "replaced"  # R-5h: a later submission of the same bidder took its place
    WITHDRAWN = "withdrawn"
    OPENED = "opened"


class Finding(str, enum.Enum):
    """Purchasing's determinations after opening (R-8a, R-19, R-5e)."""

    NONRESPONSIVE = "nonresponsive"
    NOT_RESPONSIBLE = "not_responsible"
    REJECT_CONDITIONAL = "reject_conditional"
    WAIVE = "waive"
    CORRECT = "correct"
    DENY_CORRECTION = "deny_correction"  # R-19(c): a correction refused, with its written determination too


EXCLUDING = {Finding.NONRESPONSIVE, Finding.NOT_RESPONSIBLE, Finding.REJECT_CONDITIONAL}
FINDING_RULES = {
    Finding.NONRESPONSIVE: "R-8a",
    Finding.NOT_RESPONSIBLE: "R-18a/b",
    Finding.REJECT_CONDITIONAL: "R-5e",
    Finding.WAIVE: "R-19",
    Finding.CORRECT: "R-19",
    Finding.DENY_CORRECTION: "R-19",
}
# R-18a/b: past performance and financial responsibility are always factors of responsibility.
ALWAYS_RESPONSIBILITY_FACTORS = ("past_performance", "financial_responsibility")


@dataclass(frozen=True)
class BidLine:
    line_id: str
    unit_price: Decimal
    quantity: Decimal
    extension: Decimal  # unit price x quantity: the unit price governs (R-5l)
    substitute_article: str | None = None


@dataclass(frozen=True)
class Correction:
    """A change the bidder did not write: recorded with its rule (R-5l) or written determination (R-19)."""

    line_id: str
    field: str
    submitted: str
    corrected: str
    rule: str
    reason: str


@dataclass(frozen=True)
class Alternate:
    """R-5g: an offer made in addition to the base bid, with its own description and priced lines."""

    number: int  # 1, 2, ... in the order the bid lists them
    description: str
    lines: tuple[BidLine, ...]
    total: Decimal
    corrections: tuple[Correction, ...] = ()  # R-5l, of the alternate's own lines

    def line(self, line_id: str) -> BidLine | None:
        return next((line for line in self.lines if line.line_id == line_id), None)


@dataclass(frozen=True)
class BidContent:
    """What a sealed bid says, once checked: stored only after opening."""

    lines: tuple[BidLine, ...]
    total: Decimal
    signer_name: str
    signer_title: str
    corrections: tuple[Correction, ...] = ()
    conditions: str | None = None
    alternates: tuple[Alternate, ...] = ()  # R-5g
    cash_discount_percent: Decimal | None = None
    cash_discount_days: int | None = None
    acceptance_period_days: int | None = None
    guaranty_form: str | None = None
    guaranty_amount: Decimal | None = None
    addenda_acknowledged: tuple[int, ...] = ()

    def line(self, line_id: str) -> BidLine | None:
        return next((line for line in self.lines if line.line_id == line_id), None)

    def offer(self, alternate: int | None) -> BidContent | Alternate:
        """The base bid (None) or one of its alternates (R-5g): what a ranking candidate and its award price."""
        if alternate is None:
            return self
        return next(a for a in self.alternates if a.number == alternate)

    def agreed_quantity(self, line_id: str, invited: Decimal) -> Decimal:
        """The quantity the State asks of this bid: the invited one, or the one the bidder accepted (R-8e)."""
        changes = [c for c in self.corrections if c.line_id == line_id and c.field == "quantity" and c.rule == "R-8e"]
        return Decimal(changes[-1].corrected) if changes else invited


@dataclass(frozen=True)
class Determination:
    finding: Finding
    text: str  # the written determination
    by: str
    at: dt.datetime
    rule: str
    field: str | None = None
    factor: str | None = None  # R-18a/b: the factor a not-responsible finding rests on


@dataclass(frozen=True)
class SampleReceipt:
    """A bidder's sample as purchasing received it (R-7); it may be held for comparison with deliveries."""

    received_on: dt.date  # Connecticut date the sample arrived
    description: str  # what arrived, as on the bidder's descriptive memorandum invoice
    recorded_by: str
    recorded_at: dt.datetime


@dataclass(frozen=True)
class Bid:
    id: str
    solicitation_id: str
    vendor_id: str
    vendor_org: str
    bidder_name: str
    bidder_email: str
    received_at: dt.datetime
    commitment: str  # R-5b: HMAC-SHA-256 of the canonical bid under a sealed salt (domain/commitment.py)
    sealed: Sealed | None
    status: BidStatus = BidStatus.SEALED
    replaces: str | None = None
    replaced_by: str | None = None
    withdrawn_at: dt.datetime | None = None
    opened_at: dt.datetime | None = None
    content: BidContent | None = None
    flags: tuple[str, ...] = ()
    determinations: tuple[Determination, ...] = ()
    samples: tuple[SampleReceipt, ...] = ()
    salt: str | None = None  # hex, published at opening so anyone can check the commitment
    document: str | None = None  # the canonical bid as sent, public from the opening (R-5n)
    version: int = 0

    @property
    def opened_content(self) -> BidContent:
        """What the bid says: known only once it is opened, being sealed until then (R-5b)."""
        if self.content is None:
            raise Conflict(f"Bid {self.id} is {self.status.value}: what it says is known only once it is opened.", rule="R-5b")
        return self.content

    @property
    def live(self) -> bool:
        return self.status in (BidStatus.SEALED, BidStatus.OPENED)

    @property
    def eligible(self) -> bool:
        """Responsive and responsible unless a recorded determination excludes it (R-8a)."""
        return self.status is BidStatus.OPENED and not any(d.finding in EXCLUDING for d in self.determinations)

    def receipt_view(self) -> dict:
        """All anyone may see of a sealed bid (R-5b): who, when, and the commitment, which reveals nothing."""
        return {
            "bid_id": self.id,
            "solicitation_id": self.solicitation_id,
            "bidder_name": self.bidder_name,
            "received_at": self.received_at,
            "commitment": self.commitment,
            "status": self.status.value,
        }


@dataclass(frozen=True)
class BidAttempt:
    """A refused write at or after the opening (R-5b, R-5c): recorded, never considered."""

    id: str
    solicitation_id: str
    vendor_id: str
    action: str  # submit | withdraw
    at: dt.datetime
    reason: str
    rule: str
    version: int = 0


# ---------------------------------------------------------------------------------------------------------------
def _p(field: str, problem: str, rule: str) -> dict:
    return {"field": field, "problem": problem, "rule": rule}


def _amount(value: Any, field: str, rule: str, problems: list, places: int) -> Decimal | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append(_p(field, "is required", "R-5d"))
        return None
    try:
        return parse_amount(value, max_places=places)
    except ValueError as exc:
        problems.append(_p(field, f"{exc}; give a non-negative decimal with at most {places} places", rule))
        return None


def check_bid(sol: Solicitation, submitted: dict, received_at: dt.datetime) -> BidContent:
    """Every R-5 and R-6a check of a submission; all failing fields at once, each with its rule.

    `submitted` is the body as sent (decimals as strings). Raises ValidationFailed; returns the content with
    extensions recomputed from unit prices (R-5l) and each differing submitted extension recorded."""
    problems: list[dict] = []
    size = len(canonical(submitted))
    if size > MAX_BID_BYTES:
        problems.append(
            _p(
                "lines",
                f"the bid as sent takes {size:,} bytes; a bid form's lines and alternates take at most {MAX_BID_BYTES:,}",
                "R-5a",
            )
        )
    signer = submitted.get("signer") or {}
    for part in ("name", "title"):
        if not str(signer.get(part) or "").strip():
            problems.append(
                _p(f"signer.{part}", "the bid is signed by an authorised person: give the signer's name and title", "R-5c")
            )
    if submitted.get("signed") is not True:
        problems.append(_p("signed", "the signer must attest the bid is signed (true)", "R-5c"))
    if submitted.get("non_collusion") is not True:
        problems.append(_p("non_collusion", "the non-collusion declaration is required (true)", "R-5m"))

    lines, corrections = _check_lines(sol, submitted.get("lines") or [], "lines", problems)
    alternates = _check_alternates(sol, submitted.get("alternates") or [], problems)

    discount = submitted.get("cash_discount")
    discount_percent = discount_days = None
    if discount:
        discount_percent = _amount(discount.get("percent"), "cash_discount.percent", "R-8f", problems, 4)
        if discount_percent is not None and discount_percent >= 100:
            problems.append(_p("cash_discount.percent", "must be below 100", "R-8f"))
        discount_days = discount.get("days")
        if not isinstance(discount_days, int) or discount_days < 0:
            problems.append(_p("cash_discount.days", "is the number of days (a whole number) the discount is offered", "R-8f"))
    acceptance = submitted.get("acceptance_period_days")
    if acceptance is not None and (not isinstance(acceptance, int) or acceptance < 1):
        problems.append(_p("acceptance_period_days", "must be a whole number of days, at least 1", "R-8c"))

    total = _total(lines)
    guaranty = submitted.get("guaranty")
    # R-6a: the guaranty stands behind every offer of the bid, so it covers the largest of them.
    problems += guaranty_problems(sol, guaranty, max([total, *(a.total for a in alternates)]), received_at)
    guaranty_amount = None
    if guaranty and guaranty.get("amount") is not None:
        try:
            guaranty_amount = parse_amount(guaranty["amount"], max_places=2)
        except ValueError as exc:
            if sol.guaranty_percent is None:  # otherwise guaranty_problems reported it
                problems.append(_p("guaranty.amount", str(exc), "R-6a"))
    acknowledged = tuple(sorted({int(n) for n in submitted.get("addenda_acknowledged") or []}))
    unknown = [n for n in acknowledged if n < 1 or n > len(sol.addenda)]
    if unknown:
        problems.append(_p("addenda_acknowledged", f"no addendum numbered {unknown}", "R-5o"))
    if problems:
        rules = sorted({p["rule"] for p in problems})
        raise ValidationFailed(
            f"The bid is not acceptable ({', '.join(rules)}); see details for each failing field.",
            rule=problems[0]["rule"],
            details=problems,
        )
    return BidContent(
        lines=lines,
        total=total,
        signer_name=signer["name"].strip(),
        signer_title=signer["title"].strip(),
        corrections=corrections,
        conditions=(submitted.get("conditions") or "").strip() or None,
        alternates=alternates,
        cash_discount_percent=discount_percent,
        cash_discount_days=discount_days,
        acceptance_period_days=acceptance,
        guaranty_form=guaranty.get("form") if guaranty else None,
        guaranty_amount=guaranty_amount,
        addenda_acknowledged=acknowledged,
    )


def _total(lines) -> Decimal:
    return sum((line.extension for line in lines), Decimal(0))


def _check_lines(
    sol: Solicitation, raw_lines: list, where: str, problems: list
) -> tuple[tuple[BidLine, ...], tuple[Correction, ...]]:
    """The priced lines of the base bid or of an alternate (R-5a, R-5d, R-5f, R-5h, R-5i, R-5j/k, R-5l)."""
    if not raw_lines:
        problems.append(_p(where, "at least one line of the bid form must be priced", "R-5d"))
    lines: list[BidLine] = []
    corrections: list[Correction] = []
    seen: set[str] = set()
    for i, raw in enumerate(raw_lines):
        at = f"{where}[{i}]"
        line_id = str(raw.get("line_id") or "")
        item = sol.line(line_id)
        if not line_id:
            problems.append(_p(f"{at}.line_id", "is required", "R-5d"))
        elif item is None:
            problems.append(_p(f"{at}.line_id", f"{line_id!r} is not a line of the bid form", "R-5a"))
        elif line_id in seen:
            problems.append(_p(f"{at}.line_id", f"line {line_id!r} is bid twice; one price per item", "R-5h"))
        seen.add(line_id)
        price = _amount(raw.get("unit_price"), f"{at}.unit_price", "R-5j/k", problems, PRICE_PLACES)
        quantity = _amount(raw.get("quantity"), f"{at}.quantity", "R-5d", problems, QUANTITY_PLACES)
        if quantity is not None and quantity == 0:
            problems.append(_p(f"{at}.quantity", "must be greater than zero; leave the line out to not bid it", "R-5f"))
        if item is not None and quantity is not None and quantity > item.quantity:
            problems.append(_p(f"{at}.quantity", f"more than the {item.quantity} {item.unit} invited", "R-5f"))
        if item is not None and quantity is not None and sol.all_or_none and quantity != item.quantity:
            problems.append(_p(f"{at}.quantity", f"this invitation is all-or-none: bid all {item.quantity} {item.unit}", "R-5f"))
        substitute = raw.get("substitute_article")
        if substitute is not None:
            if item is not None and item.no_substitute:
                problems.append(
                    _p(f"{at}.substitute_article", "this line says 'no substitute'; only the named article is accepted", "R-5i")
                )
            elif not str(substitute).strip():
                problems.append(
                    _p(f"{at}.substitute_article", "an offered substitute must name the exact article (brand, model)", "R-5i")
                )
        if price is None or quantity is None or item is None:
            continue
        extension = price * quantity
        submitted_ext = raw.get("extension")
        if submitted_ext is not None:
            try:
                given = parse_amount(submitted_ext, max_places=PRICE_PLACES + QUANTITY_PLACES)
            except ValueError:
                given = None
            if given != extension:
                corrections.append(
                    Correction(
                        line_id,
                        "extension",
                        str(submitted_ext),
                        str(extension),
                        "R-5l",
                        "the unit price governs: extension recomputed as unit price x quantity",
                    )
                )
        lines.append(BidLine(line_id, price, quantity, extension, str(substitute).strip() if substitute else None))
    if sol.all_or_none and raw_lines:
        missing = [line.id for line in sol.lines if line.id not in seen]
        if missing:
            problems.append(_p(where, f"this invitation is all-or-none: lines {', '.join(missing)} are not bid", "R-5f"))
    return tuple(lines), tuple(corrections)


def _check_alternates(sol: Solicitation, raw_alternates: list, problems: list) -> tuple[Alternate, ...]:
    """R-5g: alternates only where the invitation calls for them; each is described and priced like a bid."""
    if raw_alternates and not sol.alternates_allowed:
        problems.append(_p("alternates", "this invitation does not call for alternate bids", "R-5g"))
        return ()
    alternates = []
    for i, raw in enumerate(raw_alternates):
        description = str(raw.get("description") or "").strip()
        if not description:
            problems.append(_p(f"alternates[{i}].description", "say what the alternate offers instead of the base bid", "R-5g"))
        lines, corrections = _check_lines(sol, raw.get("lines") or [], f"alternates[{i}].lines", problems)
        alternates.append(Alternate(i + 1, description, lines, _total(lines), corrections))
    return tuple(alternates)


def guaranty_problems(sol: Solicitation, guaranty: dict | None, total: Decimal, received_at: dt.datetime) -> list[dict]:
    """R-6a: an annual $5,000 bond covers each bid up to $50,000 received within its year; otherwise an individual
    bond or certified check of the invitation's percentage of the bid total."""
    if sol.guaranty_percent is None:
        return []
    if not guaranty:
        return [_p("guaranty", f"this invitation requires a bid guaranty of {sol.guaranty_percent}% of the bid", "R-6a")]
    problems = []
    form = guaranty.get("form")
    if form not in GUARANTY_FORMS:
        return [_p("guaranty.form", f"must be one of {', '.join(GUARANTY_FORMS)}", "R-6a")]
    if not str(guaranty.get("reference") or "").strip():
        problems.append(_p("guaranty.reference", "give the bond number or check number", "R-6a"))
    try:
        amount = parse_amount(guaranty.get("amount", ""), max_places=2)
    except ValueError as exc:
        return problems + [_p("guaranty.amount", str(exc), "R-6a")]
    if form == "annual_bond":
        if amount < ANNUAL_BOND_AMOUNT:
            problems.append(_p("guaranty.amount", "an annual bid bond is $5,000", "R-6a"))
        if total > ANNUAL_BOND_COVERS_UP_TO:
            problems.append(
                _p(
                    "guaranty.form",
                    f"an annual bid bond covers bids up to $50,000; this bid totals ${total}: give an individual bond or certified check",
                    "R-6a",
                )
            )
        try:
            valid_from = dt.date.fromisoformat(str(guaranty.get("valid_from")))
        except ValueError:
            problems.append(_p("guaranty.valid_from", "the annual bond's start date (YYYY-MM-DD) is required", "R-6a"))
        else:
            day = local_date(received_at)
            if not (valid_from <= day < add_months(valid_from, 12)):
                problems.append(
                    _p("guaranty.valid_from", f"the annual bond of {valid_from} does not cover a bid received on {day}", "R-6a")
                )
    else:
        required = total * sol.guaranty_percent / 100
        if amount < required:
            problems.append(
                _p("guaranty.amount", f"must be at least {sol.guaranty_percent}% of the bid total (${required:.2f})", "R-6a")
            )
    return problems


def ensure_owner(bid: Bid, vendor_id: str) -> None:
    if bid.vendor_id != vendor_id:
        raise NotFound(f"No bid {bid.id} of the caller.")


def withdraw(bid: Bid, now: dt.datetime) -> Bid:
    """R-5c: a sealed bid before the opening; an opened one once it no longer binds (R-8c, checked by the caller)."""
    if not bid.live:
        raise Conflict(f"Bid {bid.id} is {bid.status.value}; only a live bid can be withdrawn.", rule="R-5c")
    return dataclasses.replace(bid, status=BidStatus.WITHDRAWN, withdrawn_at=now)


def binding_ends_at(sol: Solicitation, bid: Bid) -> dt.datetime:
    """R-8c: an opened bid binds for the award period counted from the opening, or for the shorter acceptance period
    the bid states: the first instant after that many Connecticut calendar days."""
    days = sol.award_period_days
    stated = bid.content.acceptance_period_days if bid.content else None
    if stated is not None:
        days = min(days, stated)
    return days_after(sol.opened_at or sol.opening_at, days)


def ensure_withdrawable_after_opening(sol: Solicitation, bid: Bid, now: dt.datetime) -> None:
    """R-8c: no withdrawal after opening while the bid binds; afterwards (and before any award) it may be withdrawn."""
    ends = binding_ends_at(sol, bid)
    if bid.status is not BidStatus.OPENED or now < ends:
        raise BidBinding(
            f"Bid {bid.id} binds until the end of {last_day_of(ends)} (R-8c): it cannot be withdrawn after the opening before then.",
            rule="R-8c",
            details=[{"field": "acceptance_period_days", "problem": f"the bid may be withdrawn from {iso_local(ends)}"}],
        )


def opened(bid: Bid, content: BidContent, sol: Solicitation, now: dt.datetime) -> Bid:
    """The opened bid, public from now on (R-5n), with its evaluation flags (R-5e, R-5o, R-5l)."""
    flags = []
    if content.conditions:
        flags.append("conditional: the bid states conditions and may be rejected (R-5e)")
    missing = [a.number for a in sol.addenda if a.number not in content.addenda_acknowledged]
    if missing:
        flags.append(f"addenda not acknowledged: {', '.join(map(str, missing))} (R-5o)")
    if content.corrections:
        flags.append(f"{len(content.corrections)} extension(s) corrected; the unit price governs (R-5l)")
    if content.alternates:
        flags.append(f"{len(content.alternates)} alternate(s) offered beside the base bid (R-5g)")
    if sol.samples_required and not bid.samples:
        flags.append(SAMPLE_MISSING)
    return dataclasses.replace(bid, status=BidStatus.OPENED, opened_at=now, content=content, flags=tuple(flags), sealed=None)


def determine(
    bid: Bid,
    finding: Finding,
    text: str,
    by: str,
    now: dt.datetime,
    *,
    field: str | None = None,
    line_id: str | None = None,
    unit_price: str | None = None,
    factor: str | None = None,
    stated_factors: tuple[str, ...] = (),
) -> Bid:
    """Record a written determination (R-19): a granted correction of a mistake evident on the face of the bid changes
    its unit price and total; a denied one changes nothing but is written too. A not-responsible finding names the
    factor it rests on (R-18a/b): past performance, financial responsibility or another factor the invitation states."""
    if bid.status is not BidStatus.OPENED:
        raise Conflict(f"Bid {bid.id} is {bid.status.value}; determinations are made on opened bids.", rule="R-19")
    if not text.strip():
        raise ValidationFailed(
            "Each determination is written.", rule="R-19", details=[{"field": "text", "problem": "must not be blank"}]
        )
    if len(bid.determinations) >= MAX_DETERMINATIONS:
        raise ValidationFailed(
            f"A bid holds at most {MAX_DETERMINATIONS} determinations.",
            rule="R-19",
            details=[_p("finding", f"bid {bid.id} has {len(bid.determinations)} already", "R-19")],
        )
    if finding is Finding.REJECT_CONDITIONAL and not (bid.content and bid.content.conditions):
        raise ValidationFailed(
            "Only a bid stating conditions is rejected as conditional.",
            rule="R-5e",
            details=[{"field": "finding", "problem": "the bid states no conditions"}],
        )
    if finding is Finding.NOT_RESPONSIBLE:
        _check_factor(factor, stated_factors)
    elif factor is not None:
        raise ValidationFailed(
            "Only a not-responsible finding names a responsibility factor.",
            rule="R-18a/b",
            details=[{"field": "factor", "problem": "give it with finding not_responsible only"}],
        )
    content = bid.content
    if finding in (Finding.CORRECT, Finding.DENY_CORRECTION) and (line_id is not None or unit_price is not None):
        priced, current, price = _price_correction(content, line_id, unit_price)
        if finding is Finding.CORRECT:
            content = _corrected_price(priced, current, price, text.strip())
    entry = Determination(
        finding, text.strip(), by, now, FINDING_RULES[finding], field or ("unit_price" if line_id else None), factor
    )
    return dataclasses.replace(bid, content=content, determinations=bid.determinations + (entry,))


def _check_factor(factor: str | None, stated_factors: tuple[str, ...]) -> None:
    allowed = sorted(set(ALWAYS_RESPONSIBILITY_FACTORS) | (set(stated_factors) - {"price"}))
    if factor not in allowed:
        raise ValidationFailed(
            "A bidder found not responsible is found so on a factor: past performance and financial responsibility are "
            "always factors, others only when the invitation states them (R-18a/b).",
            rule="R-18a/b",
            details=[{"field": "factor", "problem": f"must be one of {', '.join(allowed)}"}],
        )


def _price_correction(
    content: BidContent | None, line_id: str | None, unit_price: str | None
) -> tuple[BidContent, BidLine, Decimal]:
    """R-19(b): the bid, its line and the corrected unit price asked, once both are well formed."""
    current = content.line(line_id) if content and line_id else None
    if content is None or current is None:
        raise ValidationFailed(
            "The correction names a line the bid does not price.",
            rule="R-19",
            details=[{"field": "line_id", "problem": f"{line_id!r} is not in the bid"}],
        )
    try:
        price = parse_amount(unit_price or "", max_places=PRICE_PLACES)
    except ValueError as exc:
        raise ValidationFailed(
            "The corrected unit price is not a price.", rule="R-5j/k", details=[{"field": "unit_price", "problem": str(exc)}]
        ) from None
    return content, current, price


def _corrected_price(content: BidContent, current: BidLine, price: Decimal, text: str) -> BidContent:
    if not evident_on_face(content, current, price):
        raise ValidationFailed(
            "A price is corrected only to the intended price clearly evident on the face of the bid (R-19(b)); record "
            "the denial as a determination deny_correction instead.",
            rule="R-19",
            details=[
                {
                    "field": "unit_price",
                    "problem": f"{price} is neither a transposition of the bid's {current.unit_price} "
                    f"nor the price its own extension shows",
                }
            ],
        )
    new_line = dataclasses.replace(current, unit_price=price, extension=price * current.quantity)
    new_lines = tuple(new_line if line.line_id == current.line_id else line for line in content.lines)
    fix = Correction(current.line_id, "unit_price", str(current.unit_price), str(price), "R-19", text)
    return dataclasses.replace(content, lines=new_lines, total=_total(new_lines), corrections=content.corrections + (fix,))


def evident_on_face(content: BidContent, line: BidLine, price: Decimal) -> bool:
    """R-19(b): the bid itself shows the intended price: the extension the bidder wrote equals it times the quantity
    (an error in the unit price, not the extension), or it is the bid price with two adjacent digits transposed."""
    written = [
        c.submitted for c in content.corrections if c.line_id == line.line_id and c.field == "extension" and c.rule == "R-5l"
    ]
    if any(_decimal(value) == price * line.quantity for value in written):
        return True
    shown = max(places(line.unit_price), places(price))
    bid_digits, new_digits = (f"{value:.{shown}f}".replace(".", "") for value in (line.unit_price, price))
    width = max(len(bid_digits), len(new_digits))
    bid_digits, new_digits = bid_digits.zfill(width), new_digits.zfill(width)
    differ = [i for i in range(width) if bid_digits[i] != new_digits[i]]
    return (
        len(differ) == 2
        and differ[1] == differ[0] + 1
        and bid_digits[differ[0]] == new_digits[differ[1]]
        and bid_digits[differ[1]] == new_digits[differ[0]]
    )


def _decimal(value: str) -> Decimal | None:
    try:
        return parse_amount(value, max_places=PRICE_PLACES + QUANTITY_PLACES)
    except ValueError:
        return None


def with_quantity(bid: Bid, line_id: str, quantity: Decimal, reason: str) -> Bid:
    """R-8e: the changed quantity the bidder accepted, in the base bid and in each alternate pricing that line; the
    extensions and totals follow at the bid's unit prices, and the change is recorded with the bid's corrections."""
    content = bid.opened_content

    def changed(lines: tuple[BidLine, ...]) -> tuple[BidLine, ...]:
        return tuple(
            dataclasses.replace(x, quantity=quantity, extension=x.unit_price * quantity) if x.line_id == line_id else x
            for x in lines
        )

    current = content.line(line_id)
    if current is None:
        raise Conflict(f"Bid {bid.id} prices no line {line_id}; its quantity cannot change.", rule="R-8e")
    before = current.quantity
    alternates = tuple(dataclasses.replace(a, lines=changed(a.lines), total=_total(changed(a.lines))) for a in content.alternates)
    fix = Correction(line_id, "quantity", str(before), str(quantity), "R-8e", reason)
    new_content = dataclasses.replace(
        content,
        lines=changed(content.lines),
        total=_total(changed(content.lines)),
        alternates=alternates,
        corrections=content.corrections + (fix,),
    )
    return dataclasses.replace(bid, content=new_content)


def record_sample(bid: Bid, sol: Solicitation, received_on: dt.date, description: str, by: str, now: dt.datetime) -> Bid:
    """R-7: the receipt of a bidder's sample, with the bid or requested after the opening, until the award; it clears
    the missing-sample flag. A sample never excludes or admits a bid by itself: purchasing's determination does."""
    if sol.status not in (SolicitationStatus.OPEN, SolicitationStatus.OPENED):
        raise Conflict(f"Solicitation {sol.id} is {sol.status.value}; samples are recorded until the award.", rule="R-7")
    if not bid.live:
        raise Conflict(f"Bid {bid.id} is {bid.status.value}; samples are recorded for a live bid.", rule="R-7")
    problems = []
    if not description.strip():
        problems.append(_p("description", "say what arrived (the descriptive memorandum invoice)", "R-7"))
    if len(bid.samples) >= MAX_SAMPLES:
        problems.append(_p("description", f"a bid holds at most {MAX_SAMPLES} sample receipts", "R-7"))
    today = local_date(now)
    if received_on > today:
        problems.append(_p("received_on", f"a sample cannot be received after today ({today})", "R-7"))
    if sol.published_at is not None and received_on < local_date(sol.published_at):
        problems.append(_p("received_on", f"before the invitation was published ({local_date(sol.published_at)})", "R-7"))
    if problems:
        raise ValidationFailed("The sample receipt is incomplete or impossible; see details.", rule="R-7", details=problems)
    sample = SampleReceipt(received_on, description.strip(), by, now)
    return dataclasses.replace(bid, samples=bid.samples + (sample,), flags=tuple(f for f in bid.flags if f != SAMPLE_MISSING))


class BidAfterOpening(DeadlinePassed):
    """A bid, replacement or withdrawal at or after the opening time (R-5b, R-5c)."""


class BidBinding(Conflict):
    """An opened bid may not be withdrawn while it binds (R-8c)."""
