"""Samples (R-7): an invitation may require them, purchasing records their receipt, and a bid without one is flagged
for purchasing's determination. Award corrections (R-8g): a clerical error of an award is corrected with a written
reason until it becomes a contract (a pending notice, or a conditional award not yet accepted), and the contract follows
the correction."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.domain import awards
from chalicelib.domain import bids as rules
from chalicelib.domain.awards import CorrectedField, ShareStatus
from chalicelib.domain.bids import SAMPLE_MISSING, BidStatus, Finding
from chalicelib.domain.errors import Conflict, ValidationFailed
from chalicelib.domain.solicitations import SolicitationStatus
from tests.unit.test_awards import AT, award, noticed
from tests.unit.test_bids import sealed_bid
from tests.unit.test_evaluation import priced
from tests.unit.test_solicitations_examples import NOW, OPENING, bid_body, draft, open_solicitation, opened_solicitation

RECEIVED = dt.date(2026, 3, 10)


def sampled(bid, sol, received_on=RECEIVED, description="Two reams, letter, 20 lb", at=OPENING):
    return rules.record_sample(bid, sol, received_on, description, "officer", at)


def open_with_samples(bid, sol):
    return rules.opened(bid, rules.check_bid(sol, bid_body(), NOW), sol, OPENING)


# -- R-7 samples ---------------------------------------------------------------------------------------------------
@pytest.mark.rule("R-7")
def test_an_invitation_requires_samples_only_when_it_says_so():
    assert draft().samples_required is False
    assert draft(samples_required=True).samples_required is True


@pytest.mark.rule("R-7")
def test_a_bid_without_a_recorded_sample_is_flagged_at_opening_where_samples_are_required():
    required = open_solicitation(samples_required=True)
    assert SAMPLE_MISSING in open_with_samples(sealed_bid(), required).flags
    assert SAMPLE_MISSING not in open_with_samples(sealed_bid(), open_solicitation()).flags


@pytest.mark.rule("R-7")
def test_a_sample_received_with_the_sealed_bid_prevents_the_flag_and_does_not_open_the_bid():
    sol = open_solicitation(samples_required=True)
    with_sample = sampled(sealed_bid(), sol, at=NOW, received_on=dt.date(2026, 3, 2))
    assert with_sample.status is BidStatus.SEALED and with_sample.content is None
    assert SAMPLE_MISSING not in open_with_samples(with_sample, sol).flags


@pytest.mark.rule("R-7")
def test_a_sample_recorded_after_the_opening_clears_the_flag_and_keeps_the_others():
    sol = opened_solicitation(samples_required=True)
    bid = rules.opened(sealed_bid(), rules.check_bid(sol, bid_body(conditions="FOB origin"), NOW), sol, OPENING)
    recorded = sampled(bid, sol)
    assert SAMPLE_MISSING in bid.flags and SAMPLE_MISSING not in recorded.flags
    assert any("R-5e" in flag for flag in recorded.flags)
    (sample,) = recorded.samples
    assert (sample.received_on, sample.description, sample.recorded_by) == (RECEIVED, "Two reams, letter, 20 lb", "officer")


@pytest.mark.rule("R-7")
def test_a_missing_sample_flags_the_bid_but_only_a_determination_excludes_it():
    """4a-52-7(b) says such a bid 'may not be considered': purchasing decides, as with conditional bids."""
    sol = opened_solicitation(samples_required=True)
    flagged = open_with_samples(sealed_bid(), sol)
    assert flagged.eligible
    excluded = rules.determine(flagged, Finding.NONRESPONSIVE, "No sample submitted as instructed (R-7)", "officer", OPENING)
    assert not excluded.eligible


@pytest.mark.rule("R-7")
def test_a_sample_receipt_needs_a_description_and_a_possible_date():
    sol = opened_solicitation(samples_required=True)
    bid = open_with_samples(sealed_bid(), sol)
    with pytest.raises(ValidationFailed) as exc:
        sampled(bid, sol, received_on=dt.date(2026, 3, 17), description="  ")
    assert exc.value.rule == "R-7"
    assert {(d["field"], d["rule"]) for d in exc.value.details} == {("description", "R-7"), ("received_on", "R-7")}
    with pytest.raises(ValidationFailed) as early:
        sampled(bid, sol, received_on=dt.date(2026, 3, 1))
    assert early.value.details[0]["field"] == "received_on"


@pytest.mark.rule("R-7")
def test_no_sample_is_recorded_for_a_withdrawn_bid_or_after_the_award():
    sol = open_solicitation(samples_required=True)
    with pytest.raises(Conflict) as withdrawn:
        sampled(rules.withdraw(sealed_bid(), NOW), sol, at=NOW, received_on=dt.date(2026, 3, 2))
    awarded = dataclasses.replace(opened_solicitation(samples_required=True), status=SolicitationStatus.AWARDED)
    with pytest.raises(Conflict) as late:
        sampled(open_with_samples(sealed_bid(), awarded), awarded)
    assert withdrawn.value.rule == late.value.rule == "R-7"


# -- R-8g award corrections ----------------------------------------------------------------------------------------
CONTENT_B = priced("B", "25.00").content  # the first-ranked bid of tests.unit.test_awards.award(): total 4,060.00


def correct(award, field, value, reason="Keyed from the wrong bid sheet", line_id=None):
    return awards.correct(award, opened_solicitation(), field, value, reason, "officer", AT, line_id=line_id)


def contract_of(a):
    formed = awards.notice(a, 1, AT, "CT-1")
    return awards.contract_for(formed, formed.share(1), opened_solicitation(), CONTENT_B, "CT-1", AT)


@pytest.mark.rule("R-8g")
def test_a_misspelt_bidder_name_is_corrected_with_its_reason_and_the_contract_follows():
    fixed = correct(award(), CorrectedField.BIDDER_NAME, "Bidder B Incorporated")
    (fix,) = fixed.corrections
    assert (fix.number, fix.bid_id, fix.before, fix.after, fix.reason) == (
        1,
        "BID-B",
        "Bidder B",
        "Bidder B Incorporated",
        "Keyed from the wrong bid sheet",
    )
    assert fixed.share(1).candidate.bidder_name == "Bidder B Incorporated" and fixed.share(1).status is ShareStatus.PENDING
    assert contract_of(fixed).contractor_name == "Bidder B Incorporated"


@pytest.mark.rule("R-8g")
def test_a_corrected_unit_price_or_quantity_changes_the_award_amount_and_the_contract_line():
    fixed = correct(award(), CorrectedField.UNIT_PRICE, "24.90", line_id="1")
    fixed = correct(fixed, CorrectedField.QUANTITY, "90", line_id="1")
    assert [(c.field, c.before, c.after) for c in fixed.corrections] == [
        (CorrectedField.UNIT_PRICE, "25.00", "24.90"),
        (CorrectedField.QUANTITY, "100", "90"),
    ]
    assert awards.share_amount(fixed, fixed.share(1)) == Decimal("3801.00")  # 90 x 24.90 + 760 + 800
    contract = contract_of(fixed)
    assert (contract.lines[0].quantity, contract.lines[0].unit_price) == (Decimal(90), Decimal("24.90"))
    assert contract.total == Decimal("3801.00")


@pytest.mark.rule("R-8g")
def test_a_conditional_award_not_yet_accepted_is_corrected():
    late = OPENING + dt.timedelta(days=40)
    conditional = awards.notice(award(at=late), 1, late, None)
    assert correct(conditional, CorrectedField.UNIT_PRICE, "24.90", line_id="1").corrections[0].share == 1


@pytest.mark.rule("R-8g")
def test_a_correction_of_one_bidders_award_does_not_follow_the_award_to_the_next_bidder():
    fixed = awards.notice(correct(award(), CorrectedField.UNIT_PRICE, "24.90", line_id="1"), 1, AT, "CT-1")
    refused, _ = awards.refuse(fixed, "B", "no", AT)
    moved, _, (new,) = awards.pass_on(refused, opened_solicitation(), AT)
    assert awards.awarded_lines(moved, new)["1"] == (Decimal(100), Decimal("30.00"))


@pytest.mark.rule("R-8g")
@pytest.mark.parametrize(
    ("field", "value", "line_id", "reason", "failing"),
    [
        (CorrectedField.UNIT_PRICE, "24.90", "1", " ", {"reason"}),
        (CorrectedField.UNIT_PRICE, "-1", "1", "typo", {"value"}),
        (CorrectedField.UNIT_PRICE, "1.23456", "1", "typo", {"value"}),
        (CorrectedField.QUANTITY, "101", "1", "typo", {"value"}),
        (CorrectedField.QUANTITY, "0", "1", "typo", {"value"}),
        (CorrectedField.QUANTITY, "50", "9", "typo", {"line_id"}),
        (CorrectedField.UNIT_PRICE, "25.0", "1", "typo", {"value"}),
        (CorrectedField.BIDDER_NAME, " ", None, "typo", {"value"}),
        (CorrectedField.BIDDER_NAME, "Bidder B", None, "typo", {"value"}),
        (CorrectedField.BIDDER_NAME, "B Inc", "1", "typo", {"line_id"}),
    ],
    ids=[
        "blank reason",
        "negative price",
        "five places",
        "above the invited quantity",
        "zero quantity",
        "unknown line",
        "unchanged price",
        "blank name",
        "unchanged name",
        "name with a line",
    ],
)
def test_a_malformed_correction_is_refused_naming_the_rule_and_field(field, value, line_id, reason, failing):
    with pytest.raises(ValidationFailed) as exc:
        correct(award(), field, value, reason=reason, line_id=line_id)
    assert exc.value.rule == "R-8g" and {d["field"] for d in exc.value.details} == failing


@pytest.mark.rule("R-8g")
def test_an_award_whose_notice_formed_the_contract_is_amended_as_a_contract_instead():
    with pytest.raises(Conflict) as exc:
        correct(noticed(), CorrectedField.BIDDER_NAME, "Bidder B Inc")
    assert exc.value.rule == "R-8g" and "R-9c" in exc.value.message


@pytest.mark.rule("R-8g")
def test_an_award_refused_by_its_only_bidder_has_nothing_to_correct():
    refused, _ = awards.refuse(noticed(), "B", "no", AT)
    refused = awards.cancelled(refused, "CT-1", "refused", AT)
    with pytest.raises(Conflict) as exc:
        correct(refused, CorrectedField.BIDDER_NAME, "X")
    assert exc.value.rule == "R-8g"
