"""Direct purchase authority as the domain and the services see it: the written delegation (R-2a, R-2c), the minor
purchase limit of $600 (R-2d), orders with the DPA number and the evidence of competition (R-2e), refused outside the
activity, the limit and the term or once revoked (R-2g), the Comptroller's copy and purchasing's review."""

import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.domain import delegations as rules
from chalicelib.domain.calendar import CT
from chalicelib.domain.delegations import DelegationFactor, DelegationStatus, Quotation, ReviewFinding
from chalicelib.domain.errors import AlreadyTaken, Conflict, DeadlinePassed, Forbidden, NotFound, ValidationFailed
from chalicelib.services import delegations
from chalicelib.services.ports import FIRST_PAGE, Actor, Role

NOW = dt.datetime(2026, 6, 15, 10, 0, tzinfo=CT)
PURCHASING = Actor("officer@das.ct.gov", Role.PURCHASING, "DAS-BOP")
DOT = Actor("buyer@dot.ct.gov", Role.AGENCY, "DOT")
QUOTES = [Quotation("Nutmeg Road Supply LLC", Decimal("3480.00")), Quotation("Charter Oak Materials Inc", Decimal("3725.50"))]


def delegation(**changes):
    fields = {
        "delegation_id": "DEL-1",
        "number": "DPA-1E",
        "agency": "DOT",
        "agency_head": "Commissioner of Transportation",
        "activity": "Highway maintenance supplies",
        "dollar_limit": Decimal("25000.00"),
        "minor_nonrecurring": False,
        "re_delegable": False,
        "starts_on": dt.date(2026, 7, 1),
        "ends_on": dt.date(2026, 12, 31),
        "factors": [DelegationFactor.EXPERTISE, DelegationFactor.ECONOMY],
        "now": NOW,
        "granted_by": "officer",
    }
    return rules.new_delegation(**{**fields, **changes})


def order(under, *, at=dt.datetime(2026, 8, 3, 9, 0, tzinfo=CT), **changes):
    fields = {
        "order_id": "DPO-1",
        "dpa_number": under.number,
        "activity": under.activity,
        "vendor": "Nutmeg Road Supply LLC",
        "description": "Road salt, 40 tons",
        "amount": Decimal("3480.00"),
        "quotations": list(QUOTES),
        "non_competitive_reason": None,
        "now": at,
        "issued_by": "buyer",
    }
    return rules.new_order(under, **{**fields, **changes})


# -- the delegation (R-2a, R-2c, R-2d) ------------------------------------------------------------------------------


@pytest.mark.rule("R-2c")
def test_a_delegation_states_its_number_activity_limit_re_delegation_and_term():
    # Given a written delegation / When granted / Then it holds each of R-2c's terms, active, the number upper-cased
    granted = delegation(number=" dpa-1e ", re_delegable=True)
    assert (granted.number, granted.activity, granted.dollar_limit, granted.re_delegable) == (
        "DPA-1E",
        "Highway maintenance supplies",
        Decimal("25000.00"),
        True,
    )
    assert granted.status is DelegationStatus.ACTIVE


@pytest.mark.rule("R-2c")
def test_the_term_runs_from_the_first_instant_of_the_start_day_to_the_first_instant_after_the_end_day():
    # Given a delegation from 1 July to 31 December 2026 / Then its term is those Connecticut days, both included
    granted = delegation()
    assert granted.in_force_from == dt.datetime(2026, 7, 1, 0, 0, tzinfo=CT)
    assert granted.in_force_until == dt.datetime(2027, 1, 1, 0, 0, tzinfo=CT)


@pytest.mark.rule("R-2d")
def test_a_minor_nonrecurring_delegation_above_600_dollars_is_refused_under_r2d():
    # Given a minor purchase authority with a limit of 600.01 / When granted / Then refused under R-2d, naming the limit
    with pytest.raises(ValidationFailed) as exc:
        delegation(minor_nonrecurring=True, dollar_limit=Decimal("600.01"))
    assert exc.value.rule == "R-2d"
    assert [d["field"] for d in exc.value.details] == ["dollar_limit"]


@pytest.mark.rule("R-2d")
def test_a_minor_nonrecurring_delegation_of_exactly_600_dollars_is_granted():
    # Given a minor purchase authority of 600.00 / When granted / Then it is
    assert delegation(minor_nonrecurring=True, dollar_limit=Decimal("600.00")).minor_nonrecurring is True


@pytest.mark.rule("R-2a")
def test_a_delegation_without_a_factor_weighed_or_with_its_end_before_its_start_is_refused_naming_both():
    # Given no factor and an end before the start / When granted / Then both are named at once
    with pytest.raises(ValidationFailed) as exc:
        delegation(factors=[], ends_on=dt.date(2026, 6, 30))
    assert {d["field"] for d in exc.value.details} == {"factors", "ends_on"}


@pytest.mark.rule("R-2c")
def test_a_delegation_whose_end_day_is_already_over_is_refused_and_one_ending_today_is_granted():
    # Given now is 15 June 2026 / Then a delegation ending 14 June is refused, one ending 15 June granted
    with pytest.raises(ValidationFailed) as exc:
        delegation(starts_on=dt.date(2026, 6, 1), ends_on=dt.date(2026, 6, 14))
    assert [d["field"] for d in exc.value.details] == ["ends_on"]
    assert delegation(starts_on=dt.date(2026, 6, 1), ends_on=dt.date(2026, 6, 15)).ends_on == dt.date(2026, 6, 15)


@pytest.mark.rule("R-2e")
def test_a_number_not_of_the_dpa_form_is_refused():
    # Given the number "1E" / When granted / Then refused, naming the number
    with pytest.raises(ValidationFailed) as exc:
        delegation(number="1E")
    assert [d["field"] for d in exc.value.details] == ["number"]


@pytest.mark.rule("R-2g")
def test_a_revocation_records_its_reason_and_a_second_revocation_is_refused():
    # Given an active delegation / When revoked with a reason / Then revoked with it; revoking again is a conflict
    revoked = rules.revoke(delegation(), "Orders without quotations.", NOW, "officer")
    assert (revoked.status, revoked.revoke_reason, revoked.revoked_by) == (
        DelegationStatus.REVOKED,
        "Orders without quotations.",
        "officer",
    )
    with pytest.raises(Conflict):
        rules.revoke(revoked, "Again.", NOW, "officer")


@pytest.mark.rule("R-2g")
def test_a_revocation_without_a_reason_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        rules.revoke(delegation(), "  ", NOW, "officer")
    assert exc.value.rule == "R-2g"


@pytest.mark.rule("R-2c")
def test_expiry_changes_nothing_before_the_first_instant_after_the_end_day_nor_a_revoked_delegation():
    # Given the delegation ending 31 December / Then at 23:59:59 that day it does not expire, at 00:00 on 1 January it does
    granted = delegation()
    assert rules.expire(granted, dt.datetime(2026, 12, 31, 23, 59, 59, tzinfo=CT)) is None
    expired = rules.expire(granted, dt.datetime(2027, 1, 1, 0, 0, tzinfo=CT))
    assert expired is not None and expired.status is DelegationStatus.EXPIRED
    # And a revoked delegation is left revoked
    assert rules.expire(rules.revoke(granted, "Withdrawn.", NOW, "officer"), dt.datetime(2027, 1, 2, tzinfo=CT)) is None


# -- orders under it (R-2c, R-2d, R-2e, R-2g) -----------------------------------------------------------------------


@pytest.mark.rule("R-2e")
def test_an_order_with_two_quotations_carries_the_dpa_number():
    # Given quotations from two vendors, the lower ordered from / When issued / Then it carries DPA-1E and them
    issued = order(delegation())
    assert (issued.dpa_number, issued.non_competitive, len(issued.quotations)) == ("DPA-1E", False, 2)


@pytest.mark.rule("R-2e")
def test_an_order_without_quotations_and_without_a_non_competitive_note_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        order(delegation(), quotations=[])
    assert exc.value.rule == "R-2e"
    assert [d["field"] for d in exc.value.details] == ["quotations"]


@pytest.mark.rule("R-2e")
def test_a_non_competitive_order_with_its_reason_is_accepted_and_one_without_a_reason_is_refused():
    # Given the note non-competitive with why / Then accepted; with a blank reason / Then refused naming the reason
    issued = order(delegation(), quotations=[], non_competitive_reason="The manufacturer's only dealer.")
    assert issued.non_competitive and issued.non_competitive_reason == "The manufacturer's only dealer."
    with pytest.raises(ValidationFailed) as exc:
        order(delegation(), quotations=[], non_competitive_reason=" ")
    assert [d["field"] for d in exc.value.details] == ["non_competitive.reason"]


@pytest.mark.rule("R-2e")
def test_an_order_both_quoted_and_non_competitive_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        order(delegation(), non_competitive_reason="Only one dealer.")
    assert [d["field"] for d in exc.value.details] == ["non_competitive"]


@pytest.mark.rule("R-2e")
def test_one_quotation_or_a_vendor_not_among_those_quoted_is_not_evidence_of_competition():
    # Given one quotation, from another vendor than the one ordered from / Then both are named
    with pytest.raises(ValidationFailed) as exc:
        order(delegation(), quotations=[QUOTES[1]])
    assert [d["field"] for d in exc.value.details] == ["quotations", "vendor"]


@pytest.mark.rule("R-2e")
def test_an_order_carrying_another_dpa_number_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        order(delegation(), dpa_number="DPA-2A")
    assert [d["field"] for d in exc.value.details] == ["dpa_number"]


@pytest.mark.rule("R-2c")
def test_an_order_for_another_activity_is_refused_under_r2c():
    with pytest.raises(ValidationFailed) as exc:
        order(delegation(), activity="Office furniture")
    assert exc.value.rule == "R-2c"
    assert [d["field"] for d in exc.value.details] == ["activity"]


@pytest.mark.rule("R-2e")
def test_an_order_at_the_limit_is_accepted_and_one_cent_above_it_refused():
    granted = delegation(dollar_limit=Decimal("5000.00"))
    assert order(granted, amount=Decimal("5000.00")).amount == Decimal("5000.00")
    with pytest.raises(ValidationFailed) as exc:
        order(granted, amount=Decimal("5000.01"))
    assert exc.value.rule == "R-2e"
    assert [d["field"] for d in exc.value.details] == ["amount"]


@pytest.mark.rule("R-2d")
def test_an_order_above_600_dollars_under_a_minor_purchase_delegation_is_refused_under_r2d():
    # Given a minor purchase authority of 600 / Then an order of 600.00 is accepted, one of 600.01 refused under R-2d
    minor = delegation(minor_nonrecurring=True, dollar_limit=Decimal(600))
    assert order(minor, amount=Decimal("600.00")).amount == Decimal("600.00")
    with pytest.raises(ValidationFailed) as exc:
        order(minor, amount=Decimal("600.01"))
    assert exc.value.rule == "R-2d"


@pytest.mark.rule("R-2c")
def test_an_order_is_accepted_from_the_first_second_of_the_start_day_and_refused_in_the_last_second_before_it():
    granted = delegation()
    with pytest.raises(Conflict) as exc:
        order(granted, at=dt.datetime(2026, 6, 30, 23, 59, 59, tzinfo=CT))
    assert exc.value.rule == "R-2c"
    assert order(granted, at=dt.datetime(2026, 7, 1, 0, 0, tzinfo=CT)).issued_at == dt.datetime(2026, 7, 1, tzinfo=CT)


@pytest.mark.rule("R-2c")
@pytest.mark.rule("R-2e")
def test_an_order_is_accepted_in_the_last_second_of_the_end_day_and_refused_from_the_first_second_after():
    granted = delegation()
    assert order(granted, at=dt.datetime(2026, 12, 31, 23, 59, 59, tzinfo=CT)).dpa_number == "DPA-1E"
    with pytest.raises(DeadlinePassed) as exc:
        order(granted, at=dt.datetime(2027, 1, 1, 0, 0, tzinfo=CT))
    assert exc.value.rule == "R-2c"


@pytest.mark.rule("R-2g")
def test_an_order_under_a_revoked_delegation_is_refused_under_r2g():
    revoked = rules.revoke(delegation(), "Orders without quotations.", NOW, "officer")
    with pytest.raises(Conflict) as exc:
        order(revoked)
    assert exc.value.rule == "R-2g"


@pytest.mark.rule("R-2e")
def test_a_review_finding_is_recorded_once_and_non_conformance_needs_a_note():
    issued = order(delegation())
    with pytest.raises(ValidationFailed):
        rules.review(issued, ReviewFinding.NON_CONFORMING, "", NOW, "officer")
    reviewed = rules.review(issued, ReviewFinding.CONFORMS, "", NOW, "officer")
    assert reviewed.reviewed and reviewed.finding is ReviewFinding.CONFORMS
    with pytest.raises(Conflict):
        rules.review(reviewed, ReviewFinding.CONFORMS, "", NOW, "officer")


# -- services with fakes ---------------------------------------------------------------------------------------------


def grant(deps, actor=PURCHASING, **changes):
    fields = {
        "number": "DPA-1E",
        "agency": "DOT",
        "agency_head": "Commissioner of Transportation",
        "activity": "Highway maintenance supplies",
        "dollar_limit": Decimal("25000.00"),
        "minor_nonrecurring": False,
        "re_delegable": False,
        "starts_on": dt.date(2026, 6, 1),
        "ends_on": dt.date(2026, 6, 30),
        "factors": [DelegationFactor.EXPERTISE],
    }
    return delegations.grant(deps, actor, **{**fields, **changes})


def issue(deps, actor=DOT, number="DPA-1E", **changes):
    fields = {
        "dpa_number": number,
        "activity": "Highway maintenance supplies",
        "vendor": "Nutmeg Road Supply LLC",
        "description": "Road salt, 40 tons",
        "amount": Decimal("3480.00"),
        "quotations": list(QUOTES),
        "non_competitive_reason": None,
    }
    return delegations.issue_order(deps, actor, number, **{**fields, **changes})


@pytest.fixture
def at_noon(deps):
    deps.clock.set(NOW)
    return deps


@pytest.mark.rule("R-2a")
def test_only_purchasing_grants_a_delegation(at_noon):
    with pytest.raises(Forbidden):
        grant(at_noon, actor=DOT)


@pytest.mark.rule("R-2a")
@pytest.mark.rule("R-2c")
def test_a_granted_delegation_is_audited_emailed_to_the_agency_and_its_term_timer_waits_for_the_day_after_its_end(at_noon):
    # Given purchasing grants DPA-1E to DOT until 30 June 2026
    granted = grant(at_noon)
    # Then the agency is emailed, and the timer waits until 00:00 on 1 July (04:00Z)
    assert [m.to for m in at_noon.notifier.sent] == [("procurement.dot@example.gov",)]
    assert at_noon.workflows.started == [
        ("delegation-term", f"delegation-term-{granted.id}", {"delegation_id": granted.id, "ends_at": "2026-07-01T04:00:00Z"})
    ]
    assert [e.action for e in at_noon.store.audit_trail(f"delegation:{granted.id}")] == ["delegation.granted"]


@pytest.mark.rule("R-2c")
def test_a_second_delegation_with_the_same_number_is_refused(at_noon):
    grant(at_noon)
    with pytest.raises(AlreadyTaken):
        grant(at_noon, number="dpa-1e", agency="DSS")


@pytest.mark.rule("R-2e")
def test_an_order_is_copied_to_the_comptroller_and_queued_for_purchasings_review(at_noon):
    # Given DPA-1E / When DOT issues an order under it
    grant(at_noon)
    issued = issue(at_noon)
    # Then the Comptroller has a copy, and the order waits in purchasing's review queue
    (copy,) = [m for m in at_noon.notifier.sent if m.to == ("comptroller@example.gov",)]
    assert "DPA-1E" in copy.subject and "Charter Oak Materials Inc" in copy.text
    queue = delegations.orders_to_review(at_noon, PURCHASING, False, FIRST_PAGE)
    assert [o.id for o in queue.items] == [issued.id]
    # When purchasing finds it conforms / Then it leaves the queue for the reviewed list
    delegations.review_order(at_noon, PURCHASING, "DPA-1E", issued.id, ReviewFinding.CONFORMS, "")
    assert delegations.orders_to_review(at_noon, PURCHASING, False, FIRST_PAGE).items == []
    assert [o.id for o in delegations.orders_to_review(at_noon, PURCHASING, True, FIRST_PAGE).items] == [issued.id]


@pytest.mark.rule("R-2e")
def test_another_agency_may_not_order_under_a_delegation_nor_see_it(at_noon):
    grant(at_noon)
    dss = Actor("buyer@dss.ct.gov", Role.AGENCY, "DSS")
    with pytest.raises(NotFound):
        issue(at_noon, actor=dss)
    with pytest.raises(NotFound):
        delegations.get_delegation(at_noon, dss, "DPA-1E")
    assert delegations.list_delegations(at_noon, dss, DelegationStatus.ACTIVE, "DOT", FIRST_PAGE).items == []


@pytest.mark.rule("R-2g")
def test_after_revocation_the_agency_is_emailed_and_an_order_is_refused_storing_nothing(at_noon):
    # Given DPA-1E revoked after non-conformance
    grant(at_noon)
    delegations.revoke(at_noon, PURCHASING, "DPA-1E", "Three orders without quotations.")
    assert "Three orders without quotations." in at_noon.notifier.sent[-1].text
    # When DOT issues an order / Then refused under R-2g, and the queue stays empty
    with pytest.raises(Conflict) as exc:
        issue(at_noon)
    assert exc.value.rule == "R-2g"
    assert delegations.orders_to_review(at_noon, PURCHASING, False, FIRST_PAGE).items == []


@pytest.mark.rule("R-2c")
def test_the_term_task_expires_the_delegation_once_and_emails_the_agency_once(at_noon):
    # Given DPA-1E ending 30 June / When the task runs at 00:00 on 1 July, twice
    granted = grant(at_noon)
    at_noon.clock.set(dt.datetime(2026, 7, 1, 0, 0, tzinfo=CT))
    assert delegations.expire_at_term_end(at_noon, "exec", granted.id) == {"delegation_id": granted.id, "status": "expired"}
    assert delegations.expire_at_term_end(at_noon, "exec", granted.id)["status"] == "expired"
    # Then it is expired, and the agency had one expiry email
    assert delegations.get_delegation(at_noon, DOT, "DPA-1E").status is DelegationStatus.EXPIRED
    assert len([m for m in at_noon.notifier.sent if m.subject.endswith("expired: issue no further orders under it")]) == 1


@pytest.mark.rule("R-2g")
def test_the_term_task_leaves_a_revoked_delegation_revoked(at_noon):
    granted = grant(at_noon)
    delegations.revoke(at_noon, PURCHASING, "DPA-1E", "Withdrawn.")
    at_noon.clock.set(dt.datetime(2026, 7, 1, 0, 0, tzinfo=CT))
    assert delegations.expire_at_term_end(at_noon, "exec", granted.id)["status"] == "revoked"
