"""The storage bounds of one award (issue #14, docs/decisions.md "Items sized by design"): the shares it is passed on
to (R-9g) and its corrections (R-8g)."""

import dataclasses
import datetime as dt

import pytest

from chalicelib.domain import awards as rules
from chalicelib.domain.awards import CorrectedField
from chalicelib.domain.errors import ValidationFailed
from tests.unit.test_awards import AT, award, refused
from tests.unit.test_solicitations_examples import opened_solicitation


@pytest.mark.rule("R-8g")
def test_the_fifty_first_correction_of_an_award_is_refused_naming_the_field_and_rule():
    # Given an award corrected as often as the bound allows
    corrected = award()
    for n in range(rules.MAX_CORRECTIONS):
        name = f"Bidder B {n}"
        corrected = rules.correct(corrected, opened_solicitation(), CorrectedField.BIDDER_NAME, name, "Misspelt", "o", AT)
    # When it is corrected once more, Then the 400 names the field and R-8g
    with pytest.raises(ValidationFailed) as refused_once_more:
        rules.correct(corrected, opened_solicitation(), CorrectedField.BIDDER_NAME, "Bidder B", "Misspelt", "o", AT)
    assert refused_once_more.value.rule == "R-8g"
    assert [(d["field"], d["rule"]) for d in refused_once_more.value.details] == [("field", "R-8g")]


@pytest.mark.rule("R-9g")
def test_an_award_holding_its_most_shares_is_passed_on_no_further():
    # Given a refused award that already holds the most shares an award holds
    full = refused()
    full = dataclasses.replace(full, shares=full.shares * rules.MAX_SHARES)
    # When purchasing passes it on, Then it is refused naming the shares and R-9g, and no share is added
    with pytest.raises(rules.NoBidderLeft) as exc:
        rules.pass_on(full, opened_solicitation(), AT + dt.timedelta(days=4))
    assert exc.value.rule == "R-9g" and [(d["field"], d["rule"]) for d in exc.value.details] == [("shares", "R-9g")]
