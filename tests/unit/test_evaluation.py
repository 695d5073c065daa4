"""Ranking by lowest evaluated price among eligible bids, per item, group or whole (R-8a, R-8b), with cash
discounts used only to break ties, and each tie-break recorded (R-8f)."""

import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.api.tabulation import TabulationRow
from chalicelib.domain import bids as bid_rules
from chalicelib.domain import evaluation
from chalicelib.domain.bids import Finding
from chalicelib.domain.solicitations import AwardBasis
from tests.unit.test_bids import opened_bid, sealed_bid
from tests.unit.test_solicitations_examples import NOW, OPENING, bid_body, opened_solicitation


def priced(vendor, p1, p2="38.00", p3="80.00", discount=None, received_at=NOW, lines=None, quantities=None):
    body = bid_body()
    for line, price in zip(body["lines"], (p1, p2, p3)):
        line["unit_price"] = price
        line["quantity"] = (quantities or {}).get(line["line_id"], line["quantity"])
    if lines is not None:
        body["lines"] = [line for line in body["lines"] if line["line_id"] in lines]
    if discount:
        body["cash_discount"] = {"percent": discount, "days": 10}
    return opened_bid(body, bid_id=f"BID-{vendor}", vendor=vendor, received_at=received_at)


def names(ranking):
    return [c.vendor_id for c in ranking.candidates]


@pytest.mark.rule("R-8a")
def test_the_lowest_total_ranks_first_for_an_award_of_all():
    sol = opened_solicitation()
    (ranking,) = evaluation.rank(sol, [priced("A", "30.00"), priced("B", "25.00"), priced("C", "27.00")], AwardBasis.ALL)
    assert ranking.scope == "all" and names(ranking) == ["B", "C", "A"]
    assert ranking.candidates[0].amount == Decimal("4060.00")


@pytest.mark.rule("R-8a")
def test_a_bid_excluded_by_a_determination_is_not_ranked():
    sol = opened_solicitation()
    cheapest = bid_rules.determine(priced("B", "20.00"), Finding.NONRESPONSIVE, "No samples", "officer", OPENING)
    (ranking,) = evaluation.rank(sol, [priced("A", "30.00"), cheapest], AwardBasis.ALL)
    assert names(ranking) == ["A"]


@pytest.mark.rule("R-8b")
def test_by_item_each_line_ranks_its_own_lowest_unit_price():
    sol = opened_solicitation(award_basis=AwardBasis.ITEM)
    bids = [priced("A", "30.00", "30.00"), priced("B", "25.00", "39.00"), priced("C", "26.00", lines={"1"})]
    rankings = {r.scope: names(r) for r in evaluation.rank(sol, bids, AwardBasis.ITEM)}
    assert rankings == {"item:1": ["B", "C", "A"], "item:2": ["A", "B"], "item:3": ["A", "B"]}


@pytest.mark.rule("R-8b")
@pytest.mark.rule("R-5f")
def test_by_group_only_bids_covering_the_whole_group_compete():
    sol = opened_solicitation(award_basis=AwardBasis.GROUP)
    bids = [priced("A", "30.00", "30.00"), priced("B", "20.00", lines={"1"}), priced("C", "26.00", "39.00", "70.00")]
    rankings = {r.scope: names(r) for r in evaluation.rank(sol, bids, AwardBasis.GROUP)}
    assert rankings == {"group:paper": ["C", "A"], "group:toner": ["C", "A"]}


@pytest.mark.rule("R-5f")
def test_a_partial_bid_does_not_compete_for_an_award_of_all():
    sol = opened_solicitation()
    (ranking,) = evaluation.rank(sol, [priced("A", "30.00"), priced("B", "1.00", lines={"1"})], AwardBasis.ALL)
    assert names(ranking) == ["A"]


@pytest.mark.rule("R-8b")
@pytest.mark.rule("R-5f")
def test_a_bid_for_part_of_a_lines_quantity_does_not_compete_for_a_group_award():
    # Given B bids every line of the paper group but only 40 of the 100 cases of line 1, at a lower price
    sol = opened_solicitation(award_basis=AwardBasis.GROUP)
    bids = [priced("A", "30.00"), priced("B", "20.00", quantities={"1": "40"})]
    # Then only A, covering the full quantities, competes for the group
    rankings = {r.scope: names(r) for r in evaluation.rank(sol, bids, AwardBasis.GROUP)}
    assert rankings["group:paper"] == ["A"]


@pytest.mark.rule("R-8b")
@pytest.mark.rule("R-5f")
def test_a_bid_for_part_of_a_lines_quantity_does_not_compete_for_a_whole_award():
    sol = opened_solicitation()
    (ranking,) = evaluation.rank(sol, [priced("A", "30.00"), priced("B", "20.00", quantities={"3": "9"})], AwardBasis.ALL)
    assert names(ranking) == ["A"]


@pytest.mark.rule("R-8b")
@pytest.mark.rule("R-5f")
def test_a_bid_for_part_of_a_lines_quantity_competes_for_that_item_at_its_unit_price():
    sol = opened_solicitation(award_basis=AwardBasis.ITEM)
    rankings = {
        r.scope: r
        for r in evaluation.rank(sol, [priced("A", "30.00"), priced("B", "20.00", quantities={"1": "40"})], AwardBasis.ITEM)
    }
    assert names(rankings["item:1"]) == ["B", "A"] and rankings["item:1"].candidates[0].offered["1"] == (
        Decimal(40),
        Decimal("20.00"),
    )


@pytest.mark.rule("R-8b")
def test_the_split_passes_over_excluded_bids_and_what_bids_already_hold():
    # Given line 1 ranked A (40), B (100), C (100); A is out and B already holds 90 of its 100
    sol = opened_solicitation(award_basis=AwardBasis.ITEM)
    bids = [priced("A", "20.00", quantities={"1": "40"}), priced("B", "21.00"), priced("C", "22.00")]
    ranking = next(r for r in evaluation.rank(sol, bids, AwardBasis.ITEM) if r.scope == "item:1")
    shares = evaluation.split(ranking.candidates, {"1": Decimal(50)}, {"BID-B": {"1": Decimal(90)}}, {"BID-A"}, partial=True)
    # Then 50 cases go 10 to B and 40 to C
    assert [(c.vendor_id, take) for c, take in shares] == [("B", {"1": Decimal(10)}), ("C", {"1": Decimal(40)})]


@pytest.mark.rule("R-8b")
def test_a_whole_award_goes_to_one_bid_taking_every_line_in_full():
    sol = opened_solicitation()
    (ranking,) = evaluation.rank(sol, [priced("A", "30.00"), priced("B", "25.00")], AwardBasis.ALL)
    needed = {line.id: line.quantity for line in sol.lines}
    assert [(c.vendor_id, take) for c, take in evaluation.split(ranking.candidates, needed, {}, set(), partial=False)] == [
        ("B", needed)
    ]


@pytest.mark.rule("R-8f")
def test_a_cash_discount_does_not_lower_the_evaluated_price():
    sol = opened_solicitation()
    (ranking,) = evaluation.rank(sol, [priced("A", "25.01", discount="5"), priced("B", "25.00")], AwardBasis.ALL)
    assert names(ranking) == ["B", "A"] and ranking.notes == ()


@pytest.mark.rule("R-8f")
def test_a_tie_is_broken_by_the_larger_cash_discount_and_recorded():
    sol = opened_solicitation()
    (ranking,) = evaluation.rank(sol, [priced("A", "25.00", discount="1"), priced("B", "25.00", discount="2")], AwardBasis.ALL)
    assert names(ranking) == ["B", "A"]
    assert "broken by cash discount 2% over 1% (R-8f)" in ranking.notes[0]


@pytest.mark.rule("R-8f")
def test_a_tie_with_equal_discounts_goes_to_the_earlier_bid_and_is_recorded():
    sol = opened_solicitation()
    later = priced("A", "25.00", received_at=NOW + dt.timedelta(hours=1))
    (ranking,) = evaluation.rank(sol, [later, priced("B", "25.00")], AwardBasis.ALL)
    assert names(ranking) == ["B", "A"] and "earlier receipt" in ranking.notes[0]


@pytest.mark.rule("R-8a")
def test_only_the_best_candidates_are_kept_whatever_the_number_of_bids():
    sol = opened_solicitation()
    bids = (priced(f"V{i:03d}", f"{30 + i % 97}.00") for i in range(300))
    (ranking,) = evaluation.rank(sol, bids, AwardBasis.ALL, keep=5)
    assert len(ranking.candidates) == 5
    assert [c.evaluated_price for c in ranking.candidates] == sorted(c.evaluated_price for c in ranking.candidates)
    assert ranking.candidates[0].evaluated_price == Decimal("4560.00")


@pytest.mark.rule("R-5n")
def test_the_tabulation_row_shows_prices_corrections_and_flags():
    body = bid_body(conditions="FOB origin")
    body["lines"][0]["extension"] = "1.00"
    row = TabulationRow.of(opened_bid(body)).model_dump(mode="json")
    assert row["total"] == "4070.00" and row["lines"][0]["extension"] == "2510.00"
    assert row["corrections"][0]["rule"] == "R-5l" and any("R-5e" in f for f in row["flags"])


@pytest.mark.rule("R-5g")
def test_an_alternate_competes_as_an_offer_of_its_bidder_and_can_rank_first():
    # Given an invitation calling for alternates, and a bid whose alternate is cheaper than every base bid
    sol = opened_solicitation(alternates_allowed=True)
    body = bid_body(
        alternates=[{"description": "Recycled paper", "lines": [dict(line, unit_price="20.00") for line in bid_body()["lines"]]}]
    )
    body["lines"][0]["unit_price"] = "30.00"
    with_alternate = bid_rules.opened(sealed_bid("BID-A", "A"), bid_rules.check_bid(sol, body, NOW), sol, OPENING)
    # When the bids are ranked for an award of all
    (ranking,) = evaluation.rank(sol, [with_alternate, priced("B", "25.00")], AwardBasis.ALL)
    # Then the alternate ranks first, its base bid after the other bidder's, each priced on its own lines
    assert [(c.vendor_id, c.alternate) for c in ranking.candidates] == [("A", 1), ("B", None), ("A", None)]
    assert ranking.candidates[0].amount == Decimal("2600.00")


@pytest.mark.rule("R-8e")
def test_an_accepted_quantity_change_is_ranked_and_priced_at_the_new_quantity():
    # Given bid A accepted 120 cases of line 1 instead of the 100 invited
    sol = opened_solicitation()
    changed = bid_rules.with_quantity(priced("A", "25.00"), "1", Decimal(120), "DOT needs 20 more cases")
    # When ranked for an award of all, Then it still covers the scope, at the new quantity
    (ranking,) = evaluation.rank(sol, [changed], AwardBasis.ALL)
    assert ranking.candidates[0].amount == Decimal("4560.00")


@pytest.mark.rule("R-5g")
@pytest.mark.rule("R-8b")
def test_a_bid_splitting_an_item_takes_one_share_with_its_best_offer_not_one_per_alternate():
    # Given one bid whose alternate and base both offer part of the line, ranked first and second
    from chalicelib.domain.evaluation import Candidate, split

    D, NOW = Decimal, dt.datetime(2026, 3, 2, 14, 0, tzinfo=dt.UTC)

    def offer(alternate, price, quantity):
        return Candidate(
            "BID-1",
            "V-1",
            "acme",
            "Acme",
            "a@x",
            D(price),
            D(price) * D(quantity),
            ("1",),
            NOW,
            alternate=alternate,
            quantities=(D(quantity),),
            unit_prices=(D(price),),
        )

    other = Candidate(
        "BID-2", "V-2", "bolt", "Bolt", "b@x", D("12"), D("1200"), ("1",), NOW, quantities=(D("100"),), unit_prices=(D("12"),)
    )
    shares = split([offer(1, "9", "40"), offer(None, "10", "40"), other], {"1": D("100")}, {}, set(), partial=True)
    # Then the bid holds one share (its alternate's 40) and the next bidder takes the remaining 60
    assert [(c.bid_id, c.alternate, take["1"]) for c, take in shares] == [("BID-1", 1, D("40")), ("BID-2", None, D("60"))]
