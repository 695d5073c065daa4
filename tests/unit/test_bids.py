"""The R-5 and R-6a checks of a bid, the canonical hash, the unit price governing (R-5l) and the written
determinations after opening (R-19, R-5e)."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.domain import bids as rules
from chalicelib.domain import commitment
from chalicelib.domain.bids import Bid, BidStatus, Finding
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.solicitations import Addendum, AwardBasis
from tests.unit.test_solicitations_examples import NOW, OPENING, bid_body, open_solicitation, opened_solicitation


def failures(sol, body, at=NOW):
    with pytest.raises(ValidationFailed) as exc:
        rules.check_bid(sol, body, at)
    return {(d["field"], d["rule"]) for d in exc.value.details}


@pytest.mark.rule("R-5c")
def test_an_unsigned_bid_is_rejected_naming_each_missing_part_of_the_signature():
    found = failures(open_solicitation(), bid_body(signed=False, signer={"name": "Pat Doe"}))
    assert found == {("signed", "R-5c"), ("signer.title", "R-5c")}


@pytest.mark.rule("R-5m")
def test_a_bid_without_the_non_collusion_declaration_is_rejected():
    assert failures(open_solicitation(), bid_body(non_collusion=False)) == {("non_collusion", "R-5m")}


@pytest.mark.rule("R-5d")
def test_missing_required_fields_are_each_listed():
    body = bid_body(lines=[{"line_id": "1"}, {"unit_price": "1", "quantity": "1"}])
    found = failures(open_solicitation(), body)
    assert {("lines[0].unit_price", "R-5d"), ("lines[0].quantity", "R-5d"), ("lines[1].line_id", "R-5d")} <= found


@pytest.mark.rule("R-5d")
def test_a_bid_pricing_no_line_is_rejected():
    assert failures(open_solicitation(), bid_body(lines=[])) == {("lines", "R-5d")}


@pytest.mark.rule("R-5a")
def test_a_line_not_on_the_bid_form_is_rejected():
    body = bid_body(lines=[{"line_id": "99", "unit_price": "1", "quantity": "1"}])
    assert ("lines[0].line_id", "R-5a") in failures(open_solicitation(), body)


@pytest.mark.rule("R-5e")
def test_a_conditional_bid_is_accepted_and_flagged_at_opening():
    sol = open_solicitation()
    content = rules.check_bid(sol, bid_body(conditions="Prices valid only if ordered by April"), NOW)
    opened = rules.opened(sealed_bid(), content, sol, OPENING)
    assert content.conditions and any("R-5e" in flag for flag in opened.flags)


@pytest.mark.rule("R-5f")
def test_a_partial_bid_is_accepted_unless_the_invitation_is_all_or_none():
    partial = bid_body(lines=[{"line_id": "1", "unit_price": "25", "quantity": "50"}])
    assert rules.check_bid(open_solicitation(), partial, NOW).total == Decimal(1250)
    found = failures(open_solicitation(all_or_none=True, award_basis=AwardBasis.ALL), partial)
    assert ("lines", "R-5f") in found and ("lines[0].quantity", "R-5f") in found


@pytest.mark.rule("R-5f")
def test_a_quantity_above_the_invited_one_is_rejected():
    body = bid_body(lines=[{"line_id": "1", "unit_price": "25", "quantity": "101"}])
    assert ("lines[0].quantity", "R-5f") in failures(open_solicitation(), body)


ALTERNATE = {
    "description": "Recycled paper, 30% post-consumer",
    "lines": [{"line_id": "1", "unit_price": "24.00", "quantity": "100"}],
}


@pytest.mark.rule("R-5g")
def test_an_alternate_bid_is_rejected_unless_the_invitation_calls_for_alternates():
    # Given an invitation that does not call for alternates
    # When a bid offers one, Then it is refused naming the field and rule
    assert failures(open_solicitation(), bid_body(alternates=[ALTERNATE])) == {("alternates", "R-5g")}


@pytest.mark.rule("R-5g")
def test_an_alternate_carries_its_own_description_and_priced_lines():
    # Given an invitation that calls for alternates, When a bid offers one beside its base bid
    content = rules.check_bid(open_solicitation(alternates_allowed=True), bid_body(alternates=[ALTERNATE]), NOW)
    # Then the alternate is numbered, described and priced on its own, and the base bid is unchanged
    (alternate,) = content.alternates
    assert (alternate.number, alternate.description, alternate.total) == (
        1,
        "Recycled paper, 30% post-consumer",
        Decimal("2400.00"),
    )
    assert content.total == Decimal("4070.00")


@pytest.mark.rule("R-5g")
def test_an_alternate_is_checked_like_a_bid_naming_each_failing_field():
    bad = {"description": " ", "lines": [{"line_id": "99", "unit_price": "-1", "quantity": "1"}]}
    found = failures(open_solicitation(alternates_allowed=True), bid_body(alternates=[bad]))
    assert found == {
        ("alternates[0].description", "R-5g"),
        ("alternates[0].lines[0].line_id", "R-5a"),
        ("alternates[0].lines[0].unit_price", "R-5j/k"),
    }


@pytest.mark.rule("R-5g")
def test_an_opened_bid_with_an_alternate_is_flagged():
    sol = open_solicitation(alternates_allowed=True)
    opened = rules.opened(sealed_bid(), rules.check_bid(sol, bid_body(alternates=[ALTERNATE]), NOW), sol, OPENING)
    assert any("R-5g" in flag for flag in opened.flags)


@pytest.mark.rule("R-5h")
def test_one_line_is_priced_once_in_a_bid():
    body = bid_body(
        lines=[{"line_id": "1", "unit_price": "1", "quantity": "1"}, {"line_id": "1", "unit_price": "2", "quantity": "1"}]
    )
    assert ("lines[1].line_id", "R-5h") in failures(open_solicitation(), body)


@pytest.mark.rule("R-5i")
def test_a_substitute_on_a_no_substitute_line_is_rejected():
    body = bid_body()
    body["lines"][1]["substitute_article"] = "Other Brand legal paper"
    assert failures(open_solicitation(), body) == {("lines[1].substitute_article", "R-5i")}


@pytest.mark.rule("R-5i")
def test_an_offered_substitute_must_name_the_article():
    body = bid_body()
    body["lines"][2]["substitute_article"] = "  "
    assert failures(open_solicitation(), body) == {("lines[2].substitute_article", "R-5i")}
    body["lines"][2]["substitute_article"] = "Compatible toner XYZ-410"
    assert rules.check_bid(open_solicitation(), body, NOW).lines[2].substitute_article == "Compatible toner XYZ-410"


@pytest.mark.rule("R-5j/k")
@pytest.mark.parametrize("price", ["-1.00", "abc", "1.23456", "NaN"])
def test_a_price_that_is_negative_not_numeric_or_over_four_places_is_rejected(price):
    body = bid_body()
    body["lines"][0]["unit_price"] = price
    assert failures(open_solicitation(), body) == {("lines[0].unit_price", "R-5j/k")}


@pytest.mark.rule("R-5j/k")
def test_four_decimal_places_are_accepted():
    body = bid_body()
    body["lines"][0]["unit_price"] = "25.1234"
    assert rules.check_bid(open_solicitation(), body, NOW).lines[0].extension == Decimal("2512.3400")


@pytest.mark.rule("R-5l")
def test_the_unit_price_governs_and_a_differing_extension_is_corrected_and_recorded():
    body = bid_body()
    body["lines"][0]["extension"] = "2501.00"
    content = rules.check_bid(open_solicitation(), body, NOW)
    assert content.lines[0].extension == Decimal("2510.00")
    (fix,) = content.corrections
    assert (fix.line_id, fix.submitted, fix.corrected, fix.rule) == ("1", "2501.00", "2510.00", "R-5l")


@pytest.mark.rule("R-5l")
def test_an_agreeing_extension_is_not_a_correction():
    body = bid_body()
    body["lines"][0]["extension"] = "2510"
    assert rules.check_bid(open_solicitation(), body, NOW).corrections == ()


@pytest.mark.rule("R-6a")
def test_a_bid_without_the_required_guaranty_is_rejected():
    assert failures(open_solicitation(guaranty_percent=Decimal(5)), bid_body()) == {("guaranty", "R-6a")}


@pytest.mark.rule("R-6a")
def test_an_individual_bond_covers_the_invitations_percentage_of_the_bid():
    sol = open_solicitation(guaranty_percent=Decimal(5))  # bid total 4,070.00: 5% is 203.50
    low = {"form": "bid_bond", "amount": "203.49", "reference": "BB-1"}
    assert failures(sol, bid_body(guaranty=low)) == {("guaranty.amount", "R-6a")}
    assert rules.check_bid(sol, bid_body(guaranty={**low, "amount": "203.50"}), NOW).guaranty_form == "bid_bond"


@pytest.mark.rule("R-6a")
def test_an_annual_bond_of_five_thousand_dollars_covers_a_bid_within_its_year():
    sol = open_solicitation(guaranty_percent=Decimal(10))
    bond = {"form": "annual_bond", "amount": "5000.00", "reference": "AB-7", "valid_from": "2025-06-01"}
    assert rules.check_bid(sol, bid_body(guaranty=bond), NOW).guaranty_form == "annual_bond"


@pytest.mark.rule("R-6a")
def test_an_annual_bond_does_not_cover_a_bid_after_its_year():
    sol = open_solicitation(guaranty_percent=Decimal(10))
    bond = {"form": "annual_bond", "amount": "5000", "reference": "AB-7", "valid_from": "2025-03-02"}
    assert failures(sol, bid_body(guaranty=bond)) == {("guaranty.valid_from", "R-6a")}


@pytest.mark.rule("R-6a")
def test_an_annual_bond_does_not_cover_a_bid_over_fifty_thousand_dollars():
    sol = open_solicitation(guaranty_percent=Decimal(10))
    body = bid_body()
    body["lines"][0]["unit_price"] = "500.01"  # 50,001 on line 1 alone
    bond = {"form": "annual_bond", "amount": "5000", "reference": "AB-7", "valid_from": "2026-01-01"}
    assert failures(sol, {**body, "guaranty": bond}) == {("guaranty.form", "R-6a")}


@pytest.mark.rule("R-6a")
def test_an_annual_bond_below_five_thousand_dollars_is_rejected():
    sol = open_solicitation(guaranty_percent=Decimal(10))
    bond = {"form": "annual_bond", "amount": "4999.99", "reference": "AB-7", "valid_from": "2026-01-01"}
    assert failures(sol, bid_body(guaranty=bond)) == {("guaranty.amount", "R-6a")}


@pytest.mark.rule("R-5b")
def test_the_canonical_bid_is_the_sorted_compact_utf8_json_the_commitment_covers():
    body = {"signed": True, "lines": [{"unit_price": "1", "line_id": "1"}]}
    assert commitment.canonical(body) == b'{"lines":[{"line_id":"1","unit_price":"1"}],"signed":true}'


@pytest.mark.rule("R-5o")
def test_a_bid_not_acknowledging_an_addendum_is_flagged_at_opening():
    sol = dataclasses.replace(open_solicitation(), addenda=(Addendum(1, "24 lb paper", NOW),))
    opened = rules.opened(sealed_bid(), rules.check_bid(sol, bid_body(), NOW), sol, OPENING)
    assert any("addenda not acknowledged: 1" in flag for flag in opened.flags)
    acknowledged = rules.opened(sealed_bid(), rules.check_bid(sol, bid_body(addenda_acknowledged=[1]), NOW), sol, OPENING)
    assert not any("addenda" in flag for flag in acknowledged.flags)


@pytest.mark.rule("R-5c")
def test_only_a_sealed_bid_is_withdrawn():
    withdrawn = rules.withdraw(sealed_bid(), NOW)
    assert withdrawn.status is BidStatus.WITHDRAWN
    with pytest.raises(Conflict):
        rules.withdraw(withdrawn, NOW)


@pytest.mark.rule("R-5b")
def test_an_opened_bid_drops_its_ciphertext_and_keeps_its_content():
    sol = open_solicitation()
    opened = rules.opened(sealed_bid(), rules.check_bid(sol, bid_body(), NOW), sol, OPENING)
    assert opened.sealed is None and opened.content.total == Decimal("4070.00") and opened.status is BidStatus.OPENED


@pytest.mark.rule("R-19")
def test_a_correction_of_an_evident_mistake_changes_the_price_with_its_written_determination():
    bid = opened_bid()
    fixed = rules.determine(
        bid, Finding.CORRECT, "Transposed digits: 52.10 is 25.10", "officer", OPENING, line_id="1", unit_price="25.01"
    )
    assert fixed.content.line("1").extension == Decimal("2501.00")
    assert fixed.content.corrections[-1].rule == "R-19" and fixed.determinations[-1].text.startswith("Transposed")
    assert fixed.eligible


@pytest.mark.rule("R-19")
def test_a_determination_is_written():
    with pytest.raises(ValidationFailed):
        rules.determine(opened_bid(), Finding.WAIVE, " ", "officer", OPENING)


@pytest.mark.rule("R-19")
def test_a_waived_irregularity_keeps_the_bid_eligible():
    assert rules.determine(opened_bid(), Finding.WAIVE, "Missing page number: minor", "officer", OPENING).eligible


@pytest.mark.rule("R-5e")
def test_a_conditional_bid_may_be_rejected_with_a_reason():
    sol = opened_solicitation()
    bid = rules.opened(sealed_bid(), rules.check_bid(sol, bid_body(conditions="FOB origin only"), NOW), sol, OPENING)
    rejected = rules.determine(bid, Finding.REJECT_CONDITIONAL, "Changes the delivery terms", "officer", OPENING)
    assert not rejected.eligible and rejected.determinations[-1].rule == "R-5e"


@pytest.mark.rule("R-5e")
def test_a_bid_without_conditions_is_not_rejected_as_conditional():
    with pytest.raises(ValidationFailed):
        rules.determine(opened_bid(), Finding.REJECT_CONDITIONAL, "conditional", "officer", OPENING)


@pytest.mark.rule("R-8a")
@pytest.mark.rule("R-18a/b")
def test_a_bidder_found_not_responsible_on_past_performance_is_not_eligible():
    found = rules.determine(
        opened_bid(), Finding.NOT_RESPONSIBLE, "Defaulted on contract 21PSX0042", "officer", OPENING, factor="past_performance"
    )
    assert not found.eligible and found.determinations[-1].factor == "past_performance"


def sealed_bid(bid_id="BID-1", vendor="V-1", received_at=NOW) -> Bid:
    return Bid(
        id=bid_id,
        solicitation_id="ITB-1",
        vendor_id=vendor,
        vendor_org=vendor.lower(),
        bidder_name=f"Bidder {vendor}",
        bidder_email=f"{vendor.lower()}@example.com",
        received_at=received_at,
        commitment="0" * 64,
        sealed=rules.Sealed("c", "k", "n"),
    )


def opened_bid(body=None, **kw) -> Bid:
    sol = opened_solicitation()
    return rules.opened(sealed_bid(**kw), rules.check_bid(sol, body or bid_body(), NOW), sol, OPENING)


@pytest.mark.rule("R-6a")
def test_a_malformed_guaranty_is_refused_even_where_none_is_required():
    body = bid_body(guaranty={"form": "bid_bond", "amount": "lots", "reference": "B"})
    assert failures(open_solicitation(), body) == {("guaranty.amount", "R-6a")}


@pytest.mark.rule("R-6a")
def test_a_missing_guaranty_is_listed_with_the_other_failures():
    found = failures(open_solicitation(guaranty_percent=Decimal(5)), bid_body(signed=False))
    assert found == {("signed", "R-5c"), ("guaranty", "R-6a")}


# -- R-6a the annual bond's $50,000 boundary ---------------------------------------------------------------------
def bid_totalling(total: str) -> dict:
    """One line of 100 cases priced so the bid totals exactly `total`."""
    return bid_body(lines=[{"line_id": "1", "unit_price": str(Decimal(total) / 100), "quantity": "100"}])


ANNUAL_BOND = {"form": "annual_bond", "amount": "5000.00", "reference": "AB-7", "valid_from": "2026-01-01"}


@pytest.mark.rule("R-6a")
def test_an_annual_bond_covers_a_bid_of_exactly_fifty_thousand_dollars():
    # Given an invitation requiring a guaranty, When a bid of exactly $50,000.00 gives an annual bond
    content = rules.check_bid(
        open_solicitation(guaranty_percent=Decimal(10)), {**bid_totalling("50000.00"), "guaranty": ANNUAL_BOND}, NOW
    )
    # Then the bond covers it
    assert content.total == Decimal("50000.00") and content.guaranty_form == "annual_bond"


@pytest.mark.rule("R-6a")
def test_an_annual_bond_does_not_cover_a_bid_of_fifty_thousand_dollars_and_one_cent():
    body = {**bid_totalling("50000.01"), "guaranty": ANNUAL_BOND}
    assert failures(open_solicitation(guaranty_percent=Decimal(10)), body) == {("guaranty.form", "R-6a")}


# -- R-8c withdrawal after the opening ---------------------------------------------------------------------------
LOCAL = dt.timezone(dt.timedelta(hours=-4))  # EDT: 16 March to April 2026


def opened_with(acceptance_period_days=None):
    sol = opened_solicitation()
    body = bid_body() if acceptance_period_days is None else bid_body(acceptance_period_days=acceptance_period_days)
    return sol, rules.opened(sealed_bid(), rules.check_bid(sol, body, NOW), sol, OPENING)


@pytest.mark.rule("R-8c")
def test_a_bid_stating_a_shorter_acceptance_period_is_not_withdrawn_on_its_last_day():
    # Given a bid opened on 16 March (local) stating 10 days: its period ends at the end of 26 March
    sol, bid = opened_with(10)
    # When its bidder withdraws at 23:59:59 local on 26 March, Then it is refused with the rule
    with pytest.raises(rules.BidBinding) as refused:
        rules.ensure_withdrawable_after_opening(sol, bid, dt.datetime(2026, 3, 26, 23, 59, 59, tzinfo=LOCAL))
    assert refused.value.rule == "R-8c" and "2026-03-26" in refused.value.message


@pytest.mark.rule("R-8c")
def test_a_bid_stating_a_shorter_acceptance_period_may_be_withdrawn_once_it_has_ended():
    sol, bid = opened_with(10)
    rules.ensure_withdrawable_after_opening(sol, bid, dt.datetime(2026, 3, 27, 0, 0, 0, tzinfo=LOCAL))
    assert rules.withdraw(bid, OPENING).status is BidStatus.WITHDRAWN


@pytest.mark.rule("R-8c")
def test_a_bid_stating_no_period_binds_for_the_thirty_day_award_period():
    # Given a bid stating no acceptance period, opened on 16 March: the award period ends at the end of 15 April
    sol, bid = opened_with()
    with pytest.raises(rules.BidBinding):
        rules.ensure_withdrawable_after_opening(sol, bid, dt.datetime(2026, 4, 15, 23, 59, 59, tzinfo=LOCAL))
    rules.ensure_withdrawable_after_opening(sol, bid, dt.datetime(2026, 4, 16, 0, 0, 0, tzinfo=LOCAL))


@pytest.mark.rule("R-8c")
def test_a_stated_period_longer_than_the_award_period_does_not_extend_the_binding():
    sol, bid = opened_with(90)
    assert rules.binding_ends_at(sol, bid) == dt.datetime(2026, 4, 16, 0, 0, 0, tzinfo=LOCAL)


# -- R-18a/b responsibility factors ------------------------------------------------------------------------------
@pytest.mark.rule("R-18a/b")
def test_a_bidder_found_not_responsible_on_financial_responsibility_is_excluded():
    found = rules.determine(
        opened_bid(), Finding.NOT_RESPONSIBLE, "Two liens filed in 2025", "officer", OPENING, factor="financial_responsibility"
    )
    assert not found.eligible and found.determinations[-1].rule == "R-18a/b"


@pytest.mark.rule("R-18a/b")
def test_a_not_responsible_finding_must_name_a_factor():
    for factor in (None, "price", "friendliness"):
        with pytest.raises(ValidationFailed) as refused:
            rules.determine(opened_bid(), Finding.NOT_RESPONSIBLE, "No", "officer", OPENING, factor=factor)
        assert refused.value.rule == "R-18a/b" and refused.value.details[0]["field"] == "factor"


@pytest.mark.rule("R-18a/b")
def test_another_factor_counts_only_when_the_invitation_states_it():
    found = rules.determine(
        opened_bid(),
        Finding.NOT_RESPONSIBLE,
        "No service depot in CT",
        "officer",
        OPENING,
        factor="service_facilities",
        stated_factors=("price", "service_facilities"),
    )
    assert not found.eligible and found.determinations[-1].factor == "service_facilities"


# -- R-19 corrections granted and denied -------------------------------------------------------------------------
@pytest.mark.rule("R-19")
def test_a_price_correction_not_evident_on_the_face_of_the_bid_is_refused():
    with pytest.raises(ValidationFailed) as refused:
        rules.determine(
            opened_bid(), Finding.CORRECT, "Bidder says it meant 20.00", "officer", OPENING, line_id="1", unit_price="20.00"
        )
    assert refused.value.rule == "R-19" and refused.value.details[0]["field"] == "unit_price"


@pytest.mark.rule("R-19")
def test_a_price_the_bidders_own_extension_shows_is_evident_and_corrected():
    # Given a bid whose line 1 reads 52.10 x 100 with the extension 2510.00 written beside it
    body = bid_body()
    body["lines"][0].update(unit_price="52.10", extension="2510.00")
    bid = opened_bid(body)
    # When purchasing corrects the unit price to 25.10, Then it stands: the extension shows the intended price
    fixed = rules.determine(bid, Finding.CORRECT, "Extension shows 25.10", "officer", OPENING, line_id="1", unit_price="25.10")
    assert fixed.content.line("1").unit_price == Decimal("25.10") and fixed.content.total == Decimal("4070.00")


@pytest.mark.rule("R-19")
def test_a_denied_correction_is_written_and_leaves_the_bid_as_bid():
    bid = opened_bid()
    denied = rules.determine(
        bid,
        Finding.DENY_CORRECTION,
        "The intended price is not evident on the face of the bid",
        "officer",
        OPENING,
        line_id="1",
        unit_price="20.00",
    )
    (entry,) = denied.determinations
    assert (entry.finding, entry.rule, entry.field) == (Finding.DENY_CORRECTION, "R-19", "unit_price")
    assert denied.content == bid.content and denied.eligible
