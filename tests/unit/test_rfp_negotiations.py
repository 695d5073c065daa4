"""Negotiation and award of a request for proposals with fakes: confidentiality decisions before negotiation
(R-16d), negotiation in shortlist order with the written notice of a terminated one and its timer (R-16h-l),
additional proposers and resolicitation (R-16m-o, 4a-52-16(n)), the agreement that forms the contract, the public
notice of award and the memorandum (R-16m-o), and the register public only after the award (R-16c).

Each test starts from a request in negotiation: four proposals opened by two officials, a consensus record per
proposer (acme ranked first, then bolt, cobalt; dyna unacceptable) and the shortlist acme, bolt."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest

from chalicelib.domain import rfp_negotiations as rules
from chalicelib.domain.calendar import CT
from chalicelib.domain.contracts import Contract
from chalicelib.domain.errors import Conflict, Forbidden, NotFound, ValidationFailed
from chalicelib.domain.rfp_evaluation import Classification, Consensus, FactorScore, consensus_collection, consensus_id
from chalicelib.domain.rfp_negotiation_notice import NegotiationStatus, NoticeSent
from chalicelib.domain.rfp_negotiations import Agreement, DisclosureDecision
from chalicelib.domain.rfps import Rfp, RfpStatus
from chalicelib.services import invoices, orders, proposal_opening, proposals, rfp_negotiation_notice, rfp_negotiations, rfps
from chalicelib.services.ports import Actor, Change, Member, Role
from tests.unit.test_proposals import BODY, CountingSealer, open_with_two
from tests.unit.test_rfps import FACTORS
from tests.unit.test_rfps_services import PURCHASING, draft, vendor

D = Decimal
ORGS = ("acme", "bolt", "cobalt", "dyna")
TOTALS = {"acme": D("8.5"), "bolt": D("7.9"), "cobalt": D("7.0"), "dyna": D("3.0")}
SECRET = {"part": "documents/approach", "reason": "Our migration method is a trade secret."}
TERMINATED = dt.datetime(2026, 4, 20, 13, 0, tzinfo=dt.UTC)  # Monday 20 April 2026, 9:00 in Connecticut
AGREEMENT = Agreement(D("1180000.00"), ("Price reduced to $1,180,000 for five years.", "Migration within six months."))


def actor(org):
    return Actor(f"user@{org}", Role.VENDOR, org)


def local(*args):
    return dt.datetime(*args, tzinfo=CT)


def emails_to(deps, address):
    return [e for e in deps.notifier.sent if address in e.to]


@pytest.fixture
def rfp(deps):
    """The request in negotiation; acme's proposal asks that its approach be withheld, and so does its description."""
    for org in ORGS:
        vendor(deps, org, ("20800",))
    published = rfps.publish(deps, PURCHASING, draft(deps).id)
    sealer = CountingSealer()
    for org in ORGS:
        confidentiality = [SECRET, {"part": "description", "reason": "Names our client."}] if org == "acme" else []
        body = {**BODY, "description": f"{org.title()}'s hosted case management.", "confidentiality": confidentiality}
        proposals.submit_proposal(deps, sealer, actor(org), published.id, body)
    opened = open_with_two(deps, sealer, published)
    records = [consensus(deps, opened, p) for p in proposal_opening.proposals_of(deps, opened.id)]
    negotiating = dataclasses.replace(opened, status=RfpStatus.NEGOTIATION, shortlist=("V-acme", "V-bolt"))
    now = deps.clock.now()
    deps.store.commit(
        PURCHASING,
        now,
        [
            Change(action="rfp.negotiation_began", after=negotiating, before=opened),
            *[Change(action="rfp.consensus_recorded", after=c) for c in records],
            *[Member(consensus_collection(opened.id), c.id) for c in records],
        ],
    )
    return rfps.load(deps, opened.id)


def consensus(deps, rfp, proposal):
    org = proposal.vendor_org
    return Consensus(
        id=consensus_id(rfp.id, proposal.vendor_id),
        rfp_id=rfp.id,
        proposal_id=proposal.id,
        vendor_id=proposal.vendor_id,
        proposer_name=proposal.proposer_name,
        scores=tuple(FactorScore(f.name, TOTALS[org], f"{org} on {f.name}") for f in FACTORS),
        rationale=f"The panel agreed on {org}.",
        total=TOTALS[org],
        recorded_by="officer",
        recorded_at=deps.clock.now(),
        received_at=proposal.received_at,
        classification=Classification.UNACCEPTABLE if org == "dyna" else Classification.ACCEPTABLE,
    )


def live(deps, rfp, org):
    return proposals.live_proposal_of(deps, f"V-{org}", rfp.id)


def decide(deps, rfp, org="acme", withheld=True):
    decisions = [
        DisclosureDecision("documents/approach", withheld, "A trade secret, validly identified."),
        DisclosureDecision("description", False, "The register discloses descriptions after award."),
    ]
    return rfp_negotiations.decide_confidentiality(deps, PURCHASING, rfp.id, live(deps, rfp, org).id, decisions)


def negotiate(deps, rfp):
    return rfp_negotiations.open_negotiation(deps, PURCHASING, rfp.id)


def terminated_first(deps, rfp):
    """acme's confidentiality decided, its negotiation opened, and terminated on Monday 20 April 2026 at 9:00."""
    decide(deps, rfp)
    first = negotiate(deps, rfp)
    deps.clock.set(TERMINATED)
    return rfp_negotiations.terminate(deps, PURCHASING, rfp.id, first.number, "The price exceeds the estimate by 40%.")


def awarded_to_bolt(deps, rfp):
    terminated_first(deps, rfp)
    rfp_negotiations.send_notice(deps, PURCHASING, rfp.id, 1)
    second = negotiate(deps, rfp)
    return rfp_negotiations.agree(deps, PURCHASING, rfp.id, second.number, AGREEMENT)


# -- R-16h-l: the order of negotiation and the written notice -------------------------------------------------------
@pytest.mark.rule("R-16h-l")
def test_negotiation_opens_with_the_best_ranked_proposer_and_emails_it(deps, rfp):
    # Given acme's confidentiality requests decided
    decide(deps, rfp)
    # When purchasing opens a negotiation
    first = negotiate(deps, rfp)
    # Then it is number 1, with acme, the best ranked, which is emailed
    assert (first.id, first.number, first.vendor_id, first.status) == (f"{rfp.id}#1", 1, "V-acme", NegotiationStatus.OPEN)
    assert rfps.load(deps, rfp.id).negotiation_number == 1
    (email,) = emails_to(deps, "rfp@acme.example")[-1:]
    assert email.subject.startswith("Negotiation opened")


@pytest.mark.rule("R-16h-l")
def test_a_second_negotiation_is_refused_while_one_is_open(deps, rfp):
    decide(deps, rfp)
    negotiate(deps, rfp)
    # When purchasing opens another / Then 409 under R-16h-l, and nothing changes
    with pytest.raises(Conflict) as refused:
        negotiate(deps, rfp)
    assert refused.value.rule == "R-16h-l" and rfps.load(deps, rfp.id).negotiation_number == 1


@pytest.mark.rule("R-16h-l")
def test_termination_emails_the_proposer_and_the_next_negotiation_waits_for_the_written_notice(deps, rfp):
    # When acme's negotiation is terminated on Monday 20 April 2026 at 9:00
    terminated = terminated_first(deps, rfp)
    # Then the reasons are recorded, acme is advised at once, the timer waits for the start of Thursday 23 April
    assert terminated.status is NegotiationStatus.TERMINATED and terminated.reasons == "The price exceeds the estimate by 40%."
    advised = emails_to(deps, "rfp@acme.example")[-1]
    assert advised.subject.startswith("Negotiation terminated") and "by the end of Thursday, April 23, 2026" in advised.text
    assert "40%" not in advised.text  # the reasons come with the written notice
    assert deps.workflows.started[-1] == (
        "rfp-negotiation-notice",
        f"rfp-notice-{rfp.id}-1",
        {"negotiation_id": f"{rfp.id}#1", "notice_at": "2026-04-23T04:00:00Z"},
    )
    # And no email of it reaches another proposer
    assert not any("Negotiation" in e.subject for e in emails_to(deps, "rfp@bolt.example"))
    # When purchasing opens the next negotiation before the notice / Then 409 under R-16h-l
    with pytest.raises(Conflict) as refused:
        negotiate(deps, rfp)
    assert refused.value.rule == "R-16h-l" and refused.value.details[0]["field"] == "notice"


@pytest.mark.rule("R-16h-l")
def test_purchasing_sends_the_notice_once_and_the_next_negotiation_opens_with_the_next_ranked(deps, rfp):
    terminated_first(deps, rfp)
    # When purchasing sends the written notice
    noticed = rfp_negotiations.send_notice(deps, PURCHASING, rfp.id, 1)
    # Then acme has it with the reasons, and a second notice is refused
    notice = emails_to(deps, "rfp@acme.example")[-1]
    assert notice.subject.startswith("Written notice of termination") and "40%" in notice.text
    assert noticed.notice_sent_by == PURCHASING.sub and noticed.notice_in_time
    with pytest.raises(NoticeSent):
        rfp_negotiations.send_notice(deps, PURCHASING, rfp.id, 1)
    # And the next negotiation opens with bolt
    assert negotiate(deps, rfp).vendor_id == "V-bolt"


@pytest.mark.rule("R-16h-l")
def test_the_timer_task_sends_the_notice_when_purchasing_did_not(deps, rfp):
    terminated_first(deps, rfp)
    # When the timer's task runs at the start of the last day
    deps.clock.set(local(2026, 4, 23, 0, 0))
    answer = rfp_negotiation_notice.notice_timer(deps, f"rfp-notice-{rfp.id}-1", f"{rfp.id}#1")
    # Then it sent the written notice, once; a retried task sends nothing more
    assert answer["notice_sent_by"] == f"workflow:rfp-notice-{rfp.id}-1"
    rfp_negotiation_notice.notice_timer(deps, f"rfp-notice-{rfp.id}-1", f"{rfp.id}#1")
    notices = [e for e in emails_to(deps, "rfp@acme.example") if e.subject.startswith("Written notice")]
    assert len(notices) == 1 and "40%" in notices[0].text


@pytest.mark.rule("R-16h-l")
def test_the_timer_task_does_nothing_when_purchasing_sent_the_notice(deps, rfp):
    terminated_first(deps, rfp)
    rfp_negotiations.send_notice(deps, PURCHASING, rfp.id, 1)
    sent = len(deps.notifier.sent)
    deps.clock.set(local(2026, 4, 23, 0, 0))
    answer = rfp_negotiation_notice.notice_timer(deps, f"rfp-notice-{rfp.id}-1", f"{rfp.id}#1")
    assert answer["notice_sent_by"] == PURCHASING.sub and len(deps.notifier.sent) == sent


@pytest.mark.rule("R-16h-l")
def test_the_timer_fires_at_the_start_of_the_last_day_and_the_period_ends_after_it():
    # Given a termination on Monday 2 March 2026 at 15:30 with 3 days of notice
    terminated = local(2026, 3, 2, 15, 30)
    # Then the timer waits for 00:00 on Thursday 5 March, the last day, not a second before
    timer = rules.notice_timer_at(terminated, 3)
    assert timer == local(2026, 3, 5, 0, 0) and local(2026, 3, 4, 23, 59, 59) < timer
    # And the period's first instant after it is 00:00 on Friday 6 March
    assert rules.notice_period_end(terminated, 3) == local(2026, 3, 6, 0, 0)
    # And with 1 day of notice the timer fires at the start of the next day, the only day of the period
    assert rules.notice_timer_at(terminated, 1) == local(2026, 3, 3, 0, 0)


@pytest.mark.rule("R-16h-l")
@pytest.mark.parametrize(("sent", "in_time"), [(local(2026, 4, 23, 23, 59, 59), True), (local(2026, 4, 24, 0, 0), False)])
def test_a_notice_at_the_last_second_of_the_period_is_in_time_and_at_the_first_second_after_it_is_late(deps, rfp, sent, in_time):
    # Given acme's negotiation terminated on Monday 20 April (3 days of notice: until the end of Thursday 23 April)
    terminated_first(deps, rfp)
    # When purchasing sends the notice at `sent`
    deps.clock.set(sent)
    noticed = rfp_negotiations.send_notice(deps, PURCHASING, rfp.id, 1)
    # Then it is recorded as in time only within the period
    assert noticed.notice_in_time is in_time


# -- R-16d: confidentiality decisions ---------------------------------------------------------------------------
@pytest.mark.rule("R-16d")
def test_an_undecided_confidentiality_request_blocks_the_negotiation(deps, rfp):
    # Given acme's requests undecided / When purchasing opens negotiation / Then 409 under R-16d, nothing opened
    with pytest.raises(Conflict) as refused:
        negotiate(deps, rfp)
    assert refused.value.rule == "R-16d" and rfps.load(deps, rfp.id).negotiation_number == 0


@pytest.mark.rule("R-16d")
def test_every_request_is_decided_at_once_and_an_unknown_part_is_refused(deps, rfp):
    proposal_id = live(deps, rfp, "acme").id
    only_one = [DisclosureDecision("documents/approach", True, "A trade secret.")]
    unknown = [*only_one, DisclosureDecision("description", True, "x"), DisclosureDecision("price", True, "x")]
    for decisions, field in ((only_one, "decisions"), (unknown, "decisions[2].part")):
        with pytest.raises(ValidationFailed) as refused:
            rfp_negotiations.decide_confidentiality(deps, PURCHASING, rfp.id, proposal_id, decisions)
        assert refused.value.rule == "R-16d" and [d["field"] for d in refused.value.details] == [field]
    assert not any(e.subject.startswith("What of your") for e in deps.notifier.sent)


@pytest.mark.rule("R-16d")
def test_the_proposer_is_told_in_writing_what_will_be_disclosed_unless_it_withdraws(deps, rfp):
    # When purchasing withholds the approach and discloses the description
    decided = decide(deps, rfp)
    # Then the decision is recorded and acme is told, in writing, each part and the consequence
    assert decided.withheld_parts == {"documents/approach"}
    told = emails_to(deps, "rfp@acme.example")[-1]
    assert 'Not disclosed, as you requested:\n  The document "approach"' in told.text
    assert "Disclosed, although you asked that it not be:\n  The description" in told.text
    assert "Unless you withdraw the proposal, it will be so disclosed." in told.text


@pytest.mark.rule("R-16d")
def test_confidentiality_is_not_decided_once_the_proposers_negotiation_opened(deps, rfp):
    decide(deps, rfp)
    negotiate(deps, rfp)
    with pytest.raises(Conflict) as refused:
        decide(deps, rfp, withheld=False)
    assert refused.value.rule == "R-16d"


# -- R-16m-o: agreement, award, contract, memorandum; 4a-52-16(n) ------------------------------------------------
@pytest.mark.rule("R-16m-o")
def test_agreement_forms_the_contract_and_the_award_notice_is_public(deps, rfp):
    # Given no notice of award before the agreement
    with pytest.raises(NotFound):
        rfp_negotiations.award_notice(deps, None, rfp.id)
    # When purchasing agrees with bolt after acme's terminated negotiation
    awarded = awarded_to_bolt(deps, rfp)
    # Then the request is awarded and one contract formed: one lot at the agreed price, for the request's agency
    assert (awarded.status, awarded.awarded_vendor_id, awarded.award_price) == (RfpStatus.AWARDED, "V-bolt", AGREEMENT.price)
    contract = deps.store.get(Contract, awarded.contract_id)
    assert (contract.rfp_id, contract.agency, contract.contractor_id, contract.payment_days) == (rfp.id, "DSS", "V-bolt", None)
    assert [(x.description, x.unit, x.quantity, x.unit_price) for x in contract.lines] == [
        ("Case management system", "lot", 1, AGREEMENT.price)
    ]
    # And the notice of award is public, and emailed to bolt; the agency may order
    public, agreed = rfp_negotiations.award_notice(deps, None, rfp.id)
    assert public.contract_id == contract.id and agreed.vendor_id == "V-bolt"
    assert emails_to(deps, "rfp@bolt.example")[-1].subject.startswith("Notice of award")
    formed = emails_to(deps, deps.mailboxes.agency("DSS"))[-1]
    assert formed.subject.startswith(f"Contract {contract.id}") and "request for proposals" in formed.text


@pytest.mark.rule("R-16m-o")
def test_the_other_shortlisted_proposers_are_told_who_was_awarded_and_at_what_price(deps, rfp):
    awarded_to_bolt(deps, rfp)
    (told,) = [e for e in emails_to(deps, "rfp@acme.example") if e.subject.startswith("Award made")]
    assert "Bolt LLC" in told.text and "$1,180,000.00" in told.text
    # And the proposers outside the shortlist are not emailed about it
    assert not [e for e in emails_to(deps, "rfp@cobalt.example") if "Award" in e.subject]


@pytest.mark.rule("R-16m-o")
def test_the_memorandum_lists_every_factor_of_every_ranked_proposer_and_the_negotiated_elements(deps, rfp):
    awarded_to_bolt(deps, rfp)
    memo = rfp_negotiations.memorandum(deps, PURCHASING, rfp.id)
    # Then every ranked proposer is there in ranking order, each stated factor with its weight, score and reason
    assert [r.vendor_id for r in memo.ranked] == ["V-acme", "V-bolt", "V-cobalt", "V-dyna"]
    weights = {f.name: f.weight for f in FACTORS}
    for r in memo.ranked:
        org = r.vendor_id.removeprefix("V-")
        assert [(f.factor, f.weight, f.score, f.reason) for f in r.factors] == [
            (name, weights[name], TOTALS[org], f"{org} on {name}") for name in weights
        ]
        assert r.total == TOTALS[org] and r.classification == ("unacceptable" if org == "dyna" else "acceptable")
    # And the terminated negotiation with its reasons, the principal elements and the price
    assert [(t.number, t.reasons) for t in memo.terminated] == [(1, "The price exceeds the estimate by 40%.")]
    assert memo.principal_elements == AGREEMENT.principal_elements and memo.price == AGREEMENT.price
    text = rules.memorandum_text(memo)
    assert "plan_of_performance (weight 25): 8.5 - acme on plan_of_performance" in text and "Migration within six months." in text


def pages_of(memo, budget):
    """Every page of `memo` whose entries each weigh 1, `budget` to a page."""
    pages, start, last = [], 0, False
    while not last:
        pages.append(page := rules.memorandum_page(memo, start, lambda entry: 1, budget))
        start, last = page.end, page.last
    return pages


@pytest.mark.rule("R-16m-o")
@pytest.mark.parametrize("budget", [1, 2, 3, 4, 5])
def test_a_memorandum_read_page_by_page_is_the_whole_memorandum_in_its_order(deps, rfp, budget):
    # Given the memorandum of four ranked proposers and one terminated negotiation
    awarded_to_bolt(deps, rfp)
    memo = rfp_negotiations.memorandum(deps, PURCHASING, rfp.id)
    # When it is read in pages of `budget` entries (a page may end anywhere, at the end of the ranking too)
    pages = pages_of(memo, budget)
    # Then the pages hold every entry once, in order, the principal elements on the last, and their texts are the text
    assert len(pages) == -(-5 // budget)
    assert tuple(r for p in pages for r in p.memo.ranked) == memo.ranked
    assert tuple(t for p in pages for t in p.memo.terminated) == memo.terminated
    assert [p.memo.principal_elements for p in pages] == [()] * (len(pages) - 1) + [AGREEMENT.principal_elements]
    assert "".join(p.text for p in pages) == rules.memorandum_text(memo)


@pytest.mark.rule("R-16m-o")
def test_an_entry_larger_than_a_page_is_a_page_of_its_own(deps, rfp):
    # Given the memorandum and entries each larger than a page's budget
    awarded_to_bolt(deps, rfp)
    memo = rfp_negotiations.memorandum(deps, PURCHASING, rfp.id)
    # When its first pages are read / Then each holds one entry: a reading always moves on
    first = rules.memorandum_page(memo, 0, lambda entry: 10, 5)
    second = rules.memorandum_page(memo, first.end, lambda entry: 10, 5)
    assert (first.memo.ranked, second.memo.ranked) == (memo.ranked[:1], memo.ranked[1:2])


@pytest.mark.rule("R-16m-o")
def test_the_award_keeps_the_memorandums_fingerprint_rather_than_a_copy_of_the_record(deps, rfp):
    awarded_to_bolt(deps, rfp)
    # Then what is stored is the fingerprint of the memorandum read back from the record, and no text of it
    record = deps.store.get(rules.MemorandumRecord, rfp.id)
    assert record.fingerprint == rules.fingerprint(rfp_negotiations.memorandum(deps, PURCHASING, rfp.id))
    assert record.written_at == rfps.load(deps, rfp.id).awarded_at


@pytest.mark.rule("R-16m-o")
def test_a_memorandum_whose_records_changed_after_the_award_is_refused_rather_than_read_otherwise(deps, rfp):
    # Given the award made, then a consensus record altered behind the services' back
    awarded_to_bolt(deps, rfp)
    (acme,) = [c for c in rfp_negotiations.consensus_of(deps, rfp.id) if c.vendor_id == "V-acme"]
    altered = dataclasses.replace(acme, rationale="Rewritten after the award.")
    deps.store.commit(PURCHASING, deps.clock.now(), [Change(action="rfp.consensus_recorded", after=altered, before=acme)])
    # When anyone reads the memorandum / Then it is refused: it no longer reads as written
    for viewer in (PURCHASING, None):
        with pytest.raises(Conflict, match="changed after the award"):
            rfp_negotiations.memorandum(deps, viewer, rfp.id)


@pytest.mark.rule("R-16m-o")
def test_a_memorandums_fingerprint_is_the_same_instant_in_any_zone_and_differs_for_any_other_text(deps, rfp):
    awarded_to_bolt(deps, rfp)
    memo = rfp_negotiations.memorandum(deps, PURCHASING, rfp.id)
    same_instant = dataclasses.replace(memo, awarded_at=memo.awarded_at.astimezone(CT))
    assert rules.fingerprint(same_instant) == rules.fingerprint(memo)
    other = dataclasses.replace(memo, principal_elements=(*memo.principal_elements[:-1], "Another element."))
    assert rules.fingerprint(other) != rules.fingerprint(memo)


@pytest.mark.rule("R-16d")
def test_the_public_memorandum_shows_the_parts_withheld_as_withheld(deps, rfp):
    # Given acme's description withheld and the award made
    rfp_negotiations.decide_confidentiality(
        deps,
        PURCHASING,
        rfp.id,
        live(deps, rfp, "acme").id,
        [
            DisclosureDecision("documents/approach", True, "A trade secret."),
            DisclosureDecision("description", True, "Names a client."),
        ],
    )
    first = negotiate(deps, rfp)
    rfp_negotiations.terminate(deps, PURCHASING, rfp.id, first.number, "No agreement on the price.")
    rfp_negotiations.send_notice(deps, PURCHASING, rfp.id, 1)
    rfp_negotiations.agree(deps, PURCHASING, rfp.id, negotiate(deps, rfp).number, AGREEMENT)
    # When the public reads the memorandum / Then acme's description is withheld; purchasing reads it in full
    public = {r.vendor_id: r for r in rfp_negotiations.memorandum(deps, None, rfp.id).ranked}
    assert public["V-acme"].description == rules.WITHHELD and public["V-bolt"].description == "Bolt's hosted case management."
    full = {r.vendor_id: r for r in rfp_negotiations.memorandum(deps, PURCHASING, rfp.id).ranked}
    assert full["V-acme"].description == "Acme's hosted case management."


@pytest.mark.rule("R-16c")
def test_the_register_is_hidden_before_the_award_and_public_after_it_with_withheld_parts_marked(deps, rfp):
    # Before the award: the public gets 404, a proposer 403, purchasing the register
    with pytest.raises(NotFound):
        proposals.register(deps, None, rfp.id)
    with pytest.raises(Forbidden):
        proposals.register(deps, actor("bolt"), rfp.id)
    assert len(proposals.register(deps, PURCHASING, rfp.id)[1]) == 4
    # After the award, with acme's description withheld: the public reads it, acme's description marked withheld
    rfp_negotiations.decide_confidentiality(
        deps,
        PURCHASING,
        rfp.id,
        live(deps, rfp, "acme").id,
        [
            DisclosureDecision("documents/approach", True, "A trade secret."),
            DisclosureDecision("description", True, "Names a client."),
        ],
    )
    rfp_negotiations.agree(deps, PURCHASING, rfp.id, negotiate(deps, rfp).number, AGREEMENT)
    _, entries = proposals.register(deps, None, rfp.id)
    assert {e.proposer_name: e.description for e in entries} == {
        "Acme LLC": "withheld",
        "Bolt LLC": "Bolt's hosted case management.",
        "Cobalt LLC": "Cobalt's hosted case management.",
        "Dyna LLC": "Dyna's hosted case management.",
    }


@pytest.mark.rule("R-16m-o")
def test_additional_proposers_join_in_ranking_order_only_once_the_shortlist_is_exhausted(deps, rfp):
    # Given bolt still to negotiate with / When purchasing adds proposers / Then 409: the shortlist is not exhausted
    terminated_first(deps, rfp)
    rfp_negotiations.send_notice(deps, PURCHASING, rfp.id, 1)
    with pytest.raises(Conflict) as refused:
        rfp_negotiations.add_proposers(deps, PURCHASING, rfp.id, 2)
    assert refused.value.rule == "R-16m-o"
    # Given bolt's negotiation terminated too
    rfp_negotiations.terminate(deps, PURCHASING, rfp.id, negotiate(deps, rfp).number, "No agreement on staffing.")
    # When purchasing adds two / Then only cobalt joins: dyna is unacceptable
    added = rfp_negotiations.add_proposers(deps, PURCHASING, rfp.id, 2)
    assert added.shortlist == ("V-acme", "V-bolt", "V-cobalt")
    # And a further addition finds no one
    with pytest.raises(Conflict):
        rfp_negotiations.add_proposers(deps, PURCHASING, rfp.id, 1)


@pytest.mark.rule("R-16m-o")
def test_resolicitation_closes_the_request_unawarded_and_emails_the_shortlisted(deps, rfp):
    # Given both shortlisted negotiations terminated
    terminated_first(deps, rfp)
    rfp_negotiations.send_notice(deps, PURCHASING, rfp.id, 1)
    rfp_negotiations.terminate(deps, PURCHASING, rfp.id, negotiate(deps, rfp).number, "No agreement on staffing.")
    # When purchasing resolicits
    closed = rfp_negotiations.resolicit(deps, PURCHASING, rfp.id, "No proposer agreed to a fair price.")
    # Then the request is unawarded with the reason and each shortlisted proposer is told; nothing is awarded
    assert closed.status is RfpStatus.UNAWARDED and closed.unawarded_reason == "No proposer agreed to a fair price."
    for org in ("acme", "bolt"):
        assert emails_to(deps, f"rfp@{org}.example")[-1].subject.startswith(f"Request for proposals {rfp.id} closed")
    with pytest.raises(NotFound):
        rfp_negotiations.award_notice(deps, None, rfp.id)


@pytest.mark.rule("R-16m-o")
def test_an_agreement_without_principal_elements_is_refused_and_nothing_stored(deps, rfp):
    decide(deps, rfp)
    first = negotiate(deps, rfp)
    with pytest.raises(ValidationFailed) as refused:
        rfp_negotiations.agree(deps, PURCHASING, rfp.id, first.number, Agreement(D("0"), ()))
    assert refused.value.rule == "R-16m-o" and {d["field"] for d in refused.value.details} == {"price", "principal_elements"}
    assert deps.store.get(Rfp, rfp.id).status is RfpStatus.NEGOTIATION


@pytest.mark.rule("R-16m-o")
def test_the_contract_of_the_award_takes_orders_and_invoices_as_a_bids_does(deps, rfp):
    # Given the contract formed by the agreement with a term
    termed = dataclasses.replace(AGREEMENT, term_start=dt.date(2026, 3, 2), term_end=dt.date(2031, 3, 1))
    decide(deps, rfp)
    awarded = rfp_negotiations.agree(deps, PURCHASING, rfp.id, negotiate(deps, rfp).number, termed)
    contract_id = awarded.contract_id
    assert deps.workflows.started[-1][1] == f"contract-term-{contract_id}-2031-03-01"
    # When the agency orders the lot, the Comptroller approves, it is delivered and acme invoices it
    agency = Actor("buyer@DSS", Role.AGENCY, "DSS")
    order = orders.place_order(
        deps, agency, contract_id, lines=[("1", D("1"))], deliver_by=dt.date(2026, 6, 30), contact_email="buyer@dss.example"
    )
    orders.approve_order(deps, PURCHASING, order.id, "OSC-1")
    orders.receive_delivery(deps, agency, order.id, lines=[("1", D("1"))])
    invoice = invoices.submit_invoice(deps, actor("acme"), contract_id, order_id=order.id, amount=AGREEMENT.price)
    # Then the invoice is due 45 days after the goods and the invoice of 15 April, as under any contract (R-13a)
    assert invoice.contract_id == contract_id and invoice.amount == AGREEMENT.price
    assert invoice.due_date == dt.date(2026, 5, 30)


@pytest.mark.rule("R-16d")
def test_a_decision_may_be_taken_again_until_the_negotiation_opens_and_is_told_again(deps, rfp):
    # Given a first decision withholding the approach / When purchasing decides again to disclose it
    decide(deps, rfp)
    again = decide(deps, rfp, withheld=False)
    # Then the second replaces the first, and acme is told twice
    assert again.round == 2 and again.withheld_parts == frozenset()
    assert len([e for e in emails_to(deps, "rfp@acme.example") if e.subject.startswith("What of your")]) == 2
