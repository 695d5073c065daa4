"""Ranking (R-8a, R-8b, R-8f): lowest evaluated price among responsive, responsible bids, per item, group or whole,
and the split of an item down its ranking (R-5f, R-8b).

Bids stream in (a solicitation may have 10,000); only the best `keep` candidates of each scope are held."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain.bids import Bid
from chalicelib.domain.money import to_cents
from chalicelib.domain.solicitations import AwardBasis, Solicitation

KEEP = 25  # candidates kept per scope: the award passes down this list (R-9g)


@dataclass(frozen=True)
class Candidate:
    bid_id: str
    vendor_id: str
    vendor_org: str
    bidder_name: str
    bidder_email: str
    evaluated_price: Decimal  # what ranks: unit price per item, total of full quantities per group or whole
    amount: Decimal  # the award amount in dollars, at the quantities offered
    line_ids: tuple[str, ...]
    received_at: dt.datetime
    cash_discount_percent: Decimal | None = None
    cash_discount_days: int | None = None
    acceptance_period_days: int | None = None  # R-8c: a shorter period the bid states
    alternate: int | None = None  # R-5g: the number of the bid's alternate offered; None for the base bid
    quantities: tuple[Decimal, ...] = ()  # offered per line of `line_ids` (R-5f: an item bid may offer part of it)
    unit_prices: tuple[Decimal, ...] = ()  # bid per line of `line_ids`

    @property
    def offered(self) -> dict[str, tuple[Decimal, Decimal]]:
        """(quantity, unit price) the bid offers per line of the scope."""
        return dict(zip(self.line_ids, zip(self.quantities, self.unit_prices)))

    def sort_key(self):
        # R-8f: the discount only breaks a tie of evaluated price; then the earlier receipt.
        return (
            self.evaluated_price,
            -(self.cash_discount_percent or Decimal(0)),
            self.received_at,
            self.bid_id,
            self.alternate or 0,
        )


@dataclass(frozen=True)
class Ranking:
    scope: str  # "all", "item:<line id>" or "group:<group id>"
    candidates: tuple[Candidate, ...]
    notes: tuple[str, ...] = ()


def scopes(sol: Solicitation, basis: AwardBasis) -> list[tuple[str, tuple[str, ...]]]:
    """(scope, line ids) the award is made on (R-8b)."""
    if basis is AwardBasis.ALL:
        return [("all", tuple(line.id for line in sol.lines))]
    if basis is AwardBasis.GROUP:
        return [(f"group:{g.id}", g.line_ids) for g in sol.groups]
    return [(f"item:{line.id}", (line.id,)) for line in sol.lines]


def offers(bid: Bid) -> Iterator[int | None]:
    """R-5g: the offers of an opened bid that compete: its base bid (None), then each alternate by number."""
    if bid.content is None:
        return
    yield None
    for alternate in bid.content.alternates:
        yield alternate.number


def candidate(
    sol: Solicitation, bid: Bid, scope: str, line_ids: tuple[str, ...], alternate: int | None = None
) -> Candidate | None:
    """The bid's offer on a scope, or None when it does not cover it (R-5f: partial bids compete per item only)."""
    content = bid.content
    if content is None:
        return None
    offer = content.offer(alternate)
    offered = [offer.line(lid) for lid in line_ids]
    lines = [line for line in offered if line is not None]
    if len(lines) < len(offered):
        return None
    if scope.startswith("item:"):
        evaluated = lines[0].unit_price
    else:
        if any(line.quantity != content.agreed_quantity(line.line_id, _solicited(sol, line.line_id)) for line in lines):
            return None
        evaluated = sum((line.extension for line in lines), Decimal(0))
    amount = to_cents(sum((line.extension for line in lines), Decimal(0)))
    return Candidate(
        bid.id,
        bid.vendor_id,
        bid.vendor_org,
        bid.bidder_name,
        bid.bidder_email,
        evaluated,
        amount,
        line_ids,
        bid.received_at,
        content.cash_discount_percent,
        content.cash_discount_days,
        content.acceptance_period_days,
        alternate,
        tuple(line.quantity for line in lines),
        tuple(line.unit_price for line in lines),
    )


def rank(sol: Solicitation, bids: Iterable[Bid], basis: AwardBasis, keep: int = KEEP) -> list[Ranking]:
    """One ranking per scope; bids that are not eligible (R-8a, R-18a/b determinations) are left out, and each
    alternate of an eligible bid competes beside its base bid (R-5g)."""
    wanted = scopes(sol, basis)
    best: dict[str, list[Candidate]] = {scope: [] for scope, _ in wanted}
    for bid in bids:
        if not bid.eligible:
            continue
        for alternate in offers(bid):
            for scope, line_ids in wanted:
                found = candidate(sol, bid, scope, line_ids, alternate)
                if found is None:
                    continue
                pool = best[scope]
                pool.append(found)
                if len(pool) > 4 * keep:
                    pool.sort(key=Candidate.sort_key)
                    del pool[2 * keep :]
    rankings = []
    for scope, _ in wanted:
        ordered = sorted(best[scope], key=Candidate.sort_key)[:keep]
        rankings.append(Ranking(scope, tuple(ordered), tuple(tie_notes(ordered))))
    return rankings


def _solicited(sol: Solicitation, line_id: str) -> Decimal:
    """The quantity the solicitation asks of a line a bid offers (an opened bid offers only the solicitation's lines)."""
    line = sol.line(line_id)
    if line is None:
        raise LookupError(f"Solicitation {sol.id} has no line {line_id}")
    return line.quantity


def split(
    ranking: Sequence[Candidate],
    needed: Mapping[str, Decimal],
    held: Mapping[str, Mapping[str, Decimal]],
    excluded: set[str],
    partial: bool,
) -> list[tuple[Candidate, dict[str, Decimal]]]:
    """R-8b: down the ranking, each eligible bid takes what it offered of the quantity still needed (less what it already
    holds); the rest goes to the next ranked bid, and so on. Without `partial` (group, whole) a bid takes every line in
    full or nothing. Bids in `excluded` (refused, lapsed, cancelled) are passed over, and a bid takes one share with
    its best-ranked offer only: its alternates (R-5g) are other offers of the same bid, not more bids (R-5h)."""
    remaining = {line_id: quantity for line_id, quantity in needed.items() if quantity > 0}
    shares: list[tuple[Candidate, dict[str, Decimal]]] = []
    for found in ranking:
        if not remaining:
            break
        if found.bid_id in excluded or any(taken.bid_id == found.bid_id for taken, _ in shares):
            continue
        offered, holding = found.offered, held.get(found.bid_id, {})
        if not partial:
            # a group or whole candidate covers every line in full (`candidate`), at the quantity the State asks of
            # that bid, which an accepted R-8e change may have moved: it takes the whole scope
            if not holding:
                shares.append((found, {lid: offered[lid][0] for lid in remaining}))
                break
            continue
        free = {lid: offered[lid][0] - holding.get(lid, Decimal(0)) if lid in offered else Decimal(0) for lid in remaining}
        take = {lid: min(free[lid], quantity) for lid, quantity in remaining.items() if free[lid] > 0}
        if not take:
            continue
        shares.append((found, take))
        remaining = {lid: quantity - take.get(lid, Decimal(0)) for lid, quantity in remaining.items()}
        remaining = {lid: quantity for lid, quantity in remaining.items() if quantity > 0}
    return shares


def tie_notes(ordered: list[Candidate]) -> list[str]:
    """R-8f: each tie of evaluated price and how it was broken, for the record."""
    notes = []
    for a, b in itertools.pairwise(ordered):
        if a.evaluated_price != b.evaluated_price:
            continue
        da, db = a.cash_discount_percent or Decimal(0), b.cash_discount_percent or Decimal(0)
        if da != db:
            notes.append(
                f"tie at {a.evaluated_price} between {a.bidder_name} and {b.bidder_name} broken by cash discount {da}% over {db}% (R-8f)"
            )
        else:
            notes.append(
                f"tie at {a.evaluated_price} between {a.bidder_name} and {b.bidder_name} with equal discounts; earlier receipt ranks first"
            )
    return notes
