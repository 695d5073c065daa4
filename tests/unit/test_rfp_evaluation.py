"""The evaluation of opened proposals with fakes: scores only on the stated factors, each with a reason (R-16a,
R-18a/b); no content before a declaration of no conflict (R-16c); sheets hidden from the other evaluators until all are
in; the consensus after every sheet, the ranking, the classification with the unacceptable proposer told (R-18c);
the shortlist of at least three in ranking order (R-16g)."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.domain import rfp_evaluation as rules
from chalicelib.domain.errors import Conflict, Forbidden, ValidationFailed
from chalicelib.domain.rfp_evaluation import Classification, Consensus, FactorScore
from chalicelib.domain.rfps import RfpStatus
from chalicelib.services import rfp_evaluation as evaluation
from chalicelib.services import rfps
from chalicelib.services.ports import FIRST_PAGE, Actor, PageRequest, Role
from tests.unit.test_proposals import ACME, open_with_two, submit
from tests.unit.test_rfps import FACTORS
from tests.unit.test_rfps_services import PURCHASING, delivered, draft, vendor

ORGS = ("acme", "bolt", "cedar", "delta", "elm")
ANA = Actor("ana@dss.ct.gov", Role.AGENCY, "DSS")  # an agency official on the panel
BEN = Actor("ben@das.ct.gov", Role.PURCHASING, "DAS-BOP")  # a purchasing official on the panel
CAL = Actor("cal@dss.ct.gov", Role.AGENCY, "DSS")


def sheet(score="7", **changes) -> list[FactorScore]:
    """One score per stated factor; `changes` replace a factor's score (a Decimal or None to leave it out)."""
    scores = [FactorScore(f.name, Decimal(score), f"Reason for {f.name}.") for f in FACTORS]
    return [dataclasses.replace(s, score=Decimal(changes[s.factor])) if s.factor in changes else s for s in scores]


@pytest.fixture
def sealer():
    from tests.unit.test_proposals import CountingSealer

    return CountingSealer()


@pytest.fixture
def opened(deps, sealer):
    """Five proposers' opened proposals (one minute apart), returned by org."""
    for org in ORGS:
        vendor(deps, org, ("20800",))
    rfp = rfps.publish(deps, PURCHASING, draft(deps).id)
    received = {}
    for org in ORGS:
        received[org] = submit(deps, sealer, rfp, Actor(f"user@{org}", Role.VENDOR, org))
        deps.clock.advance(minutes=1)
    open_with_two(deps, sealer, rfp)
    return rfp, received


def panel(deps, rfp, *members):
    for member in members:
        evaluation.name_evaluator(deps, PURCHASING, rfp.id, member.sub, member.sub.split("@")[0].title(), member.sub)


def clear(deps, rfp, *members):
    panel(deps, rfp, *members)
    for member in members:
        evaluation.declare(deps, member, rfp.id, False, "I have no interest in any proposer.")


def score_all(deps, rfp, received, *members, score="7"):
    for member in members:
        for proposal in received.values():
            evaluation.submit_scores(deps, member, rfp.id, proposal.id, sheet(score))


def consensus(deps, rfp, proposal, score="7", **changes):
    return evaluation.record_consensus(deps, PURCHASING, rfp.id, proposal.id, sheet(score, **changes), "Agreed.")


def record(vendor_id, total, minute, classification=Classification.ACCEPTABLE) -> Consensus:
    """A consensus record for the pure ranking and shortlist checks."""
    return Consensus(
        id=rules.consensus_id("RFP-1", vendor_id),
        rfp_id="RFP-1",
        proposal_id=f"P-{vendor_id}",
        vendor_id=vendor_id,
        proposer_name=vendor_id,
        scores=(),
        rationale="Agreed.",
        total=Decimal(total),
        recorded_by="officer",
        recorded_at=dt.datetime(2026, 5, 1, tzinfo=dt.UTC),
        received_at=dt.datetime(2026, 4, 1, 10, minute, tzinfo=dt.UTC),
        classification=classification,
        classification_reason="Because.",
    )


def shortlist(records, chosen, determination=None):
    return rules.check_shortlist(records, {c.proposal_id: c.vendor_id for c in records}, chosen, "vendor_ids", determination)


# -- scores on the stated factors only (domain) -------------------------------------------------------------------


@pytest.mark.rule("R-18a/b")
def test_a_score_for_a_factor_the_request_does_not_state_is_refused_naming_it():
    # Given a sheet scoring every stated factor and also "brand_reputation"
    scores = [*sheet(), FactorScore("brand_reputation", Decimal(9), "Well known.")]
    # When it is checked / Then it is refused under R-18a/b, naming the factor and its field
    with pytest.raises(ValidationFailed) as refused:
        rules.check_scores(FACTORS, scores)
    assert refused.value.rule == "R-18a/b"
    assert refused.value.details == [
        {
            "field": "scores[6].factor",
            "problem": f"'brand_reputation' is not a factor of the request: one of {[f.name for f in FACTORS]}",
            "rule": "R-18a/b",
        }
    ]


@pytest.mark.rule("R-16a")
def test_a_sheet_missing_a_stated_factor_is_refused():
    # Given a sheet without a score for past performance / When checked / Then refused naming the missing factor
    scores = [s for s in sheet() if s.factor != "past_performance"]
    with pytest.raises(ValidationFailed) as refused:
        rules.check_scores(FACTORS, scores)
    assert refused.value.rule == "R-16a"
    assert [d["problem"] for d in refused.value.details] == ["no score for the stated factor 'past_performance'"]


@pytest.mark.rule("R-16a")
def test_a_score_outside_zero_to_ten_or_without_a_reason_is_refused():
    # Given a score of 10.5 and a blank reason / When checked / Then both are refused, each naming its field
    scores = sheet(price="10.5")
    scores[0] = dataclasses.replace(scores[0], reason="  ")
    with pytest.raises(ValidationFailed) as refused:
        rules.check_scores(FACTORS, scores)
    assert [d["field"] for d in refused.value.details] == ["scores[0].reason", "scores[4].score"]
    # And the bounds themselves are scores
    assert rules.check_scores(FACTORS, sheet(price="10", ability="0"))[4].score == Decimal(10)


@pytest.mark.rule("R-16a")
def test_the_consensus_total_is_weighted_by_the_factors_relative_importance():
    # Given price weighs 30 of 100 and is scored 10, every other factor 5 / Then the total is 0.3 * 10 + 0.7 * 5
    assert rules.weighted_total(FACTORS, sheet("5", price="10")) == Decimal("6.5000")


# -- the ranking and the shortlist (domain) ----------------------------------------------------------------------


@pytest.mark.rule("R-16g")
def test_the_ranking_puts_the_higher_total_first_and_the_earlier_receipt_first_on_equal_totals():
    # Given b and c with equal totals, c received earlier, and a higher
    ranked = rules.ranking([record("b", "7", minute=5), record("a", "8", minute=9), record("c", "7", minute=1)])
    # Then a, then c (the earlier receipt), then b
    assert [c.vendor_id for c in ranked] == ["a", "c", "b"]


FIVE = [record("v1", "9", 1), record("v2", "8", 2), record("v3", "7", 3), record("v4", "6", 4), record("v5", "5", 5)]


@pytest.mark.rule("R-16g")
def test_a_shortlist_of_the_top_three_of_five_in_ranking_order_is_accepted():
    assert shortlist(FIVE, ["v1", "v2", "v3"]) == ("v1", "v2", "v3")


@pytest.mark.rule("R-16g")
def test_a_reordered_or_skipping_shortlist_is_refused():
    # When the list swaps the first two, or skips the third ranked / Then refused under R-16g with the expected order
    for chosen in (["v2", "v1", "v3"], ["v1", "v2", "v4"]):
        with pytest.raises(ValidationFailed) as refused:
            shortlist(FIVE, chosen)
        assert refused.value.rule == "R-16g" and "['v1', 'v2', 'v3']" in refused.value.details[0]["problem"]


@pytest.mark.rule("R-16g")
@pytest.mark.rule("R-18c")
def test_fewer_than_three_qualify_then_all_of_them_are_the_shortlist_and_no_unacceptable_one_is_listed():
    # Given five proposers of which only two are acceptable or potentially acceptable
    records = [
        record("v1", "9", 1, Classification.UNACCEPTABLE),
        record("v2", "8", 2, Classification.POTENTIALLY_ACCEPTABLE),
        record("v3", "7", 3),
        record("v4", "6", 4, Classification.UNACCEPTABLE),
        record("v5", "5", 5, Classification.UNACCEPTABLE),
    ]
    # Then the two are the shortlist, with no determination; the unacceptable best ranked is refused
    assert shortlist(records, ["v2", "v3"]) == ("v2", "v3")
    with pytest.raises(ValidationFailed) as refused:
        shortlist(records, ["v1", "v2", "v3"])
    assert refused.value.details[0]["field"] == "vendor_ids[0]"


@pytest.mark.rule("R-16g")
def test_two_of_four_qualifying_need_a_written_determination():
    four = FIVE[:4]
    # When two of four qualifying proposers are listed without a determination / Then refused naming the field
    with pytest.raises(ValidationFailed) as refused:
        shortlist(four, ["v1", "v2"])
    assert refused.value.details[0]["field"] == "determination" and refused.value.rule == "R-16g"
    # And with a written determination it is accepted
    assert shortlist(four, ["v1", "v2"], "Only two can meet the go-live date.") == ("v1", "v2")


@pytest.mark.rule("R-16g")
def test_the_shortlist_waits_for_every_classification():
    records = [*FIVE[:3], dataclasses.replace(FIVE[3], classification=None)]
    with pytest.raises(Conflict) as refused:
        shortlist(records, ["v1", "v2", "v3"])
    assert refused.value.rule == "R-16g" and "P-v4" in refused.value.message


# -- the panel and the declarations (services) ---------------------------------------------------------------------


@pytest.mark.rule("R-16c")
def test_an_evaluator_sees_no_proposal_content_before_declaring_no_conflict(deps, opened):
    rfp, received = opened
    # Given Ana named to the panel, with no declaration yet
    panel(deps, rfp, ANA)
    # When she lists or reads the proposals, or scores / Then 403, R-16c
    for attempt in (
        lambda: evaluation.opened_proposals(deps, ANA, rfp.id, FIRST_PAGE),
        lambda: evaluation.opened_proposal(deps, ANA, rfp.id, received["acme"].id),
        lambda: evaluation.submit_scores(deps, ANA, rfp.id, received["acme"].id, sheet()),
    ):
        with pytest.raises(Forbidden) as refused:
            attempt()
        assert refused.value.rule == "R-16c"
    # When she declares no conflict / Then she reads the five opened proposals, with their prices
    evaluation.declare(deps, ANA, rfp.id, False, "I have no interest in any proposer.")
    page = evaluation.opened_proposals(deps, ANA, rfp.id, FIRST_PAGE)
    prices = {p.content.price for p in page.items if p.content is not None}
    assert len(page.items) == 5 and prices == {"1250000.00"}


@pytest.mark.rule("R-16c")
def test_an_official_not_on_the_panel_sees_nothing(deps, opened):
    rfp, received = opened
    with pytest.raises(Forbidden):
        evaluation.opened_proposal(deps, CAL, rfp.id, received["acme"].id)


@pytest.mark.rule("R-16c")
def test_a_declared_conflict_recuses_the_evaluator_and_emails_purchasing(deps, opened):
    rfp, received = opened
    # Given Ben, a purchasing official, on the panel / When he declares a conflict
    panel(deps, rfp, BEN)
    recused = evaluation.declare(deps, BEN, rfp.id, True, "My spouse works for Bolt.")
    assert recused.recused
    # Then he sees no content and scores nothing, although purchasing
    with pytest.raises(Forbidden):
        evaluation.opened_proposals(deps, BEN, rfp.id, FIRST_PAGE)
    with pytest.raises(Forbidden):
        evaluation.submit_scores(deps, BEN, rfp.id, received["acme"].id, sheet())
    # And purchasing's mailbox is told, with his statement
    (alert,) = [m for m in delivered(deps) if "conflict of interest" in m.subject]
    assert alert.to == (deps.mailboxes.purchasing,) and "My spouse works for Bolt." in alert.text
    # And a second declaration is refused
    with pytest.raises(Conflict):
        evaluation.declare(deps, BEN, rfp.id, False, "Changed my mind.")


@pytest.mark.rule("R-16a")
def test_evaluators_are_named_only_while_the_proposals_are_evaluated(deps, sealer):
    vendor(deps, "acme", ("20800",))
    rfp = rfps.publish(deps, PURCHASING, draft(deps).id)
    with pytest.raises(Conflict) as refused:
        panel(deps, rfp, ANA)
    assert refused.value.details[0]["field"] == "status"


@pytest.mark.rule("R-16c")
@pytest.mark.rule("R-17b")
def test_a_vendor_is_refused_every_evaluation_service(deps, opened):
    rfp, received = opened
    proposal = received["bolt"].id
    for attempt in (
        lambda: evaluation.panel(deps, ACME, rfp.id, FIRST_PAGE),
        lambda: evaluation.declare(deps, ACME, rfp.id, False, "None."),
        lambda: evaluation.opened_proposals(deps, ACME, rfp.id, FIRST_PAGE),
        lambda: evaluation.opened_proposal(deps, ACME, rfp.id, proposal),
        lambda: evaluation.submit_scores(deps, ACME, rfp.id, proposal, sheet()),
        lambda: evaluation.score_sheets(deps, ACME, rfp.id, FIRST_PAGE),
        lambda: evaluation.record_consensus(deps, ACME, rfp.id, proposal, sheet(), "x"),
        lambda: evaluation.ranking(deps, ACME, rfp.id),
        lambda: evaluation.classify(deps, ACME, rfp.id, proposal, Classification.UNACCEPTABLE, "x"),
        lambda: evaluation.select_shortlist(deps, ACME, rfp.id, vendor_ids=["V-acme"]),
    ):
        with pytest.raises(Forbidden):
            attempt()


# -- score sheets and the consensus (services) -------------------------------------------------------------------


@pytest.mark.rule("R-16a")
def test_an_evaluator_sees_only_its_own_sheets_until_every_evaluator_scored_every_proposal(deps, opened):
    rfp, received = opened
    # Given Ana and Ben cleared, Cal recused, and Ana has scored every proposal
    clear(deps, rfp, ANA, BEN)
    panel(deps, rfp, CAL)
    evaluation.declare(deps, CAL, rfp.id, True, "I consulted for Elm.")
    score_all(deps, rfp, received, ANA)
    # Then Ana sees her five sheets only, and purchasing sees them too
    assert {s.evaluator for s in evaluation.score_sheets(deps, ANA, rfp.id, FIRST_PAGE).items} == {ANA.sub}
    assert len(evaluation.score_sheets(deps, PURCHASING, rfp.id, FIRST_PAGE).items) == 5
    # When Ben scores all but the last proposal / Then Ana still sees only hers
    for proposal in list(received.values())[:-1]:
        evaluation.submit_scores(deps, BEN, rfp.id, proposal.id, sheet("6"))
    assert {s.evaluator for s in evaluation.score_sheets(deps, ANA, rfp.id, FIRST_PAGE).items} == {ANA.sub}
    # When Ben scores the last (the recused Cal is not waited for) / Then each sees all ten sheets, page by page
    evaluation.submit_scores(deps, BEN, rfp.id, received["elm"].id, sheet("6"))
    first = evaluation.score_sheets(deps, ANA, rfp.id, PageRequest(limit=6))
    assert first.next is not None
    rest = evaluation.score_sheets(deps, ANA, rfp.id, PageRequest(limit=6, after=first.next))
    assert len(first.items) == 6 and len(rest.items) == 4 and rest.next is None
    assert {s.evaluator for s in first.items + rest.items} == {ANA.sub, BEN.sub}


@pytest.mark.rule("R-16a")
def test_the_consensus_is_refused_until_every_non_recused_evaluator_scored_the_proposal(deps, opened):
    rfp, received = opened
    acme = received["acme"]
    # Given Ana and Ben cleared, and only Ana has scored acme
    clear(deps, rfp, ANA, BEN)
    evaluation.submit_scores(deps, ANA, rfp.id, acme.id, sheet())
    # When purchasing records the consensus / Then 409 naming Ben
    with pytest.raises(Conflict) as refused:
        consensus(deps, rfp, acme)
    assert refused.value.rule == "R-16a" and BEN.sub in refused.value.message
    # When Ben scores it / Then the consensus is recorded, weighted, the sheets beside it
    evaluation.submit_scores(deps, BEN, rfp.id, acme.id, sheet("9"))
    recorded = consensus(deps, rfp, acme, "5", price="10")
    assert recorded.total == Decimal("6.5000") and recorded.vendor_id == "V-acme"
    assert len(evaluation.score_sheets(deps, PURCHASING, rfp.id, FIRST_PAGE).items) == 2
    # And a second consensus of the same proposal is refused
    with pytest.raises(Conflict):
        consensus(deps, rfp, acme)


@pytest.mark.rule("R-16a")
def test_a_later_sheet_replaces_the_earlier_until_the_consensus_is_recorded(deps, opened):
    rfp, received = opened
    acme = received["acme"]
    clear(deps, rfp, ANA)
    evaluation.submit_scores(deps, ANA, rfp.id, acme.id, sheet("4"))
    # When Ana submits again / Then her one sheet holds the later scores
    evaluation.submit_scores(deps, ANA, rfp.id, acme.id, sheet("8"))
    (only,) = evaluation.score_sheets(deps, ANA, rfp.id, FIRST_PAGE).items
    assert only.scores[0].score == Decimal(8) and only.version == 2
    # When the consensus is recorded / Then her sheet no longer changes
    consensus(deps, rfp, acme)
    with pytest.raises(Conflict):
        evaluation.submit_scores(deps, ANA, rfp.id, acme.id, sheet("9"))


@pytest.mark.rule("R-18a/b")
def test_a_sheet_with_an_unknown_factor_stores_nothing(deps, opened):
    rfp, received = opened
    clear(deps, rfp, ANA)
    with pytest.raises(ValidationFailed) as refused:
        evaluation.submit_scores(deps, ANA, rfp.id, received["acme"].id, [*sheet(), FactorScore("charm", Decimal(9), "Nice.")])
    assert refused.value.rule == "R-18a/b"
    assert evaluation.score_sheets(deps, PURCHASING, rfp.id, FIRST_PAGE).items == []


# -- classification, ranking, shortlist (services) ---------------------------------------------------------------


def evaluated(deps, rfp, received, totals):
    """Ana scores everything; purchasing records a consensus per proposer with every factor at its `totals` score."""
    clear(deps, rfp, ANA)
    score_all(deps, rfp, received, ANA)
    return {org: consensus(deps, rfp, received[org], totals[org]) for org in received}


@pytest.mark.rule("R-18c")
def test_an_unacceptable_proposer_is_emailed_the_reason_and_no_one_else_is(deps, opened):
    rfp, received = opened
    evaluated(deps, rfp, received, dict(zip(ORGS, ("9", "8", "7", "6", "5"), strict=True)))
    delivered(deps).clear()
    # When purchasing classifies acme acceptable and elm unacceptable
    evaluation.classify(deps, PURCHASING, rfp.id, received["acme"].id, Classification.ACCEPTABLE, "Meets the scope.")
    evaluation.classify(deps, PURCHASING, rfp.id, received["elm"].id, Classification.UNACCEPTABLE, "No migration plan.")
    # Then only elm is emailed, with its reason and nothing of another proposer
    (notice,) = delivered(deps)
    assert notice.to == ("rfp@elm.example",) and "No migration plan." in notice.text and "unacceptable" in notice.subject
    assert not any(name in notice.text for name in ("Acme", "Bolt", "Cedar", "Delta"))
    # When elm's classification changes again without becoming unacceptable / Then no one more is emailed; audited
    evaluation.classify(deps, PURCHASING, rfp.id, received["elm"].id, Classification.POTENTIALLY_ACCEPTABLE, "Reconsidered.")
    assert len(delivered(deps)) == 1
    trail = deps.store.audit_trail(f"rfp-consensus:{rules.consensus_id(rfp.id, 'V-elm')}")
    assert [a.action for a in trail].count("rfp.proposal_classified") == 2


@pytest.mark.rule("R-18c")
def test_a_classification_comes_after_the_consensus(deps, opened):
    rfp, received = opened
    with pytest.raises(Conflict) as refused:
        evaluation.classify(deps, PURCHASING, rfp.id, received["acme"].id, Classification.ACCEPTABLE, "Fine.")
    assert refused.value.rule == "R-18c"


@pytest.mark.rule("R-16g")
def test_the_ranking_orders_proposers_by_consensus_and_on_a_tie_by_receipt(deps, opened):
    rfp, received = opened
    # Given cedar best, then bolt and delta equal (bolt received first), then acme, elm
    evaluated(deps, rfp, received, {"acme": "6", "bolt": "7", "cedar": "9", "delta": "7", "elm": "5"})
    assert [c.vendor_id for c in evaluation.ranking(deps, PURCHASING, rfp.id)] == [
        "V-cedar",
        "V-bolt",
        "V-delta",
        "V-acme",
        "V-elm",
    ]


@pytest.mark.rule("R-16g")
@pytest.mark.rule("R-18c")
def test_a_shortlist_of_three_from_five_starts_discussions_and_tells_each_proposer_only_of_itself(deps, opened):
    rfp, received = opened
    evaluated(deps, rfp, received, dict(zip(ORGS, ("9", "8", "7", "6", "5"), strict=True)))
    for org in ORGS[:4]:
        evaluation.classify(deps, PURCHASING, rfp.id, received[org].id, Classification.ACCEPTABLE, "Meets the scope.")
    evaluation.classify(deps, PURCHASING, rfp.id, received["elm"].id, Classification.UNACCEPTABLE, "No migration plan.")
    delivered(deps).clear()
    # When purchasing selects the top three by proposal id
    ids = [received[org].id for org in ("acme", "bolt", "cedar")]
    selected = evaluation.select_shortlist(deps, PURCHASING, rfp.id, proposal_ids=ids)
    # Then the request is in discussions with the three vendors in ranking order
    assert selected.status is RfpStatus.DISCUSSIONS and selected.shortlist == ("V-acme", "V-bolt", "V-cedar")
    assert selected.shortlisted_at == deps.clock.now() and selected.shortlist_determination is None
    # And the three are invited, delta told it was not selected, elm (told already) not emailed again
    sent = {m.to[0]: m for m in delivered(deps)}
    assert set(sent) == {"rfp@acme.example", "rfp@bolt.example", "rfp@cedar.example", "rfp@delta.example"}
    assert "invited to discussions" in sent["rfp@acme.example"].subject
    assert "not selected" in sent["rfp@delta.example"].subject
    for address, message in sent.items():
        others = [org.title() for org in ORGS if org not in address]
        assert not any(name in message.text for name in others), address
    # And classifications no longer change
    with pytest.raises(Conflict):
        evaluation.classify(deps, PURCHASING, rfp.id, received["elm"].id, Classification.ACCEPTABLE, "Late.")


@pytest.mark.rule("R-16g")
def test_the_shortlist_is_refused_while_a_proposal_is_unclassified_and_stores_nothing(deps, opened):
    rfp, received = opened
    evaluated(deps, rfp, received, dict(zip(ORGS, ("9", "8", "7", "6", "5"), strict=True)))
    with pytest.raises(Conflict) as refused:
        evaluation.select_shortlist(deps, PURCHASING, rfp.id, vendor_ids=["V-acme", "V-bolt", "V-cedar"])
    assert refused.value.rule == "R-16g"
    assert rfps.load(deps, rfp.id).status is RfpStatus.OPENED
