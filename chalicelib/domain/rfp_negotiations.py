"""Negotiation and award of a request for proposals (4a-52-16(d), (h) to (o)): the Commissioner's decisions on the
proposers' confidentiality requests (R-16d), negotiation with each shortlisted proposer in ranking order and the
written notice of a terminated one (R-16h-l), additional proposers or resolicitation (R-16n), and the award: the
contract, the public notice and the memorandum of its basis (R-16j, R-16m-o). The negotiation record and the sending
of its written notice are domain/rfp_negotiation_notice.py, which the notice's timer loads alone."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain import calendar
from chalicelib.domain.contracts import Contract, ContractLine
from chalicelib.domain.errors import Conflict, ValidationFailed, field_problem
from chalicelib.domain.proposals import Proposal
from chalicelib.domain.rfp_evaluation import Consensus, qualifying, ranking
from chalicelib.domain.rfp_negotiation_notice import Negotiation, NegotiationStatus
from chalicelib.domain.rfps import Rfp, RfpStatus, require_status

WITHHELD = "withheld"  # what a public view shows in place of a part withheld under R-16d
DECIDING = (RfpStatus.OPENED, RfpStatus.DISCUSSIONS, RfpStatus.BAFO, RfpStatus.NEGOTIATION)  # R-16d: before negotiation


# -- R-16d: confidentiality decisions ------------------------------------------------------------------------------
@dataclass(frozen=True)
class DisclosureDecision:
    part: str  # a part the proposal asked not to disclose (`price`, `description`, `documents/<name>`)
    withheld: bool  # True: the request is valid and the part is not disclosed; False: it will be disclosed
    reason: str


@dataclass(frozen=True)
class Disclosure:
    """The Commissioner's decision on every confidentiality request of one proposal (id: the proposal's), told to the
    proposer in writing; decided again only until its negotiation opens."""

    id: str  # the proposal id
    rfp_id: str
    vendor_id: str
    decisions: tuple[DisclosureDecision, ...]
    decided_at: dt.datetime
    decided_by: str
    round: int = 1  # the decision's number: a later decision replaces the earlier one and is told again
    version: int = 0

    @property
    def withheld_parts(self) -> frozenset[str]:
        return frozenset(d.part for d in self.decisions if d.withheld)


def decide_disclosure(
    rfp: Rfp,
    proposal: Proposal,
    decisions: Sequence[DisclosureDecision],
    negotiated: Iterable[str],
    earlier: Disclosure | None,
    now: dt.datetime,
    official: str,
) -> Disclosure:
    """R-16d: "the Commissioner shall examine the request in the proposal to determine its validity prior to entering
    negotiations": one decision per request of the opened proposal, all at once, before its proposer's negotiation."""
    require_status(rfp, DECIDING, "a decision on confidentiality requests", "R-16d")
    if proposal.vendor_id in set(negotiated):
        raise Conflict(
            f"Negotiation with {proposal.proposer_name} has opened; confidentiality requests are decided before it.",
            rule="R-16d",
        )
    content = proposal.content
    assert content is not None  # an opened proposal has its content
    requested = [r.part for r in content.confidentiality]
    if not requested:
        raise Conflict(f"Proposal {proposal.id} asks for no part to be withheld; there is nothing to decide.", rule="R-16d")
    problems = []
    for i, decision in enumerate(decisions):
        if decision.part not in requested:
            problems.append(
                field_problem(f"decisions[{i}].part", f"is no confidentiality request of the proposal; one of {requested}")
            )
        if not decision.reason.strip():
            problems.append(field_problem(f"decisions[{i}].reason", "a decision states its reason (R-16d)"))
    parts = [d.part for d in decisions]
    if len(set(parts)) != len(parts):
        problems.append(field_problem("decisions", "decide each request once"))
    missing = [part for part in requested if part not in parts]
    if missing:
        problems.append(field_problem("decisions", f"every request is decided at once; undecided: {missing}"))
    if problems:
        raise ValidationFailed(
            "The confidentiality decisions are incomplete or malformed; see details.", rule="R-16d", details=problems
        )
    return Disclosure(
        id=proposal.id,
        rfp_id=rfp.id,
        vendor_id=proposal.vendor_id,
        decisions=tuple(dataclasses.replace(d, reason=d.reason.strip()) for d in decisions),
        decided_at=now,
        decided_by=official,
        round=1 if earlier is None else earlier.round + 1,
        version=0 if earlier is None else earlier.version,
    )


def require_decided(proposal: Proposal, disclosure: Disclosure | None) -> None:
    """R-16d: a proposal's confidentiality requests are decided "prior to entering negotiations"."""
    content = proposal.content
    if content is not None and content.confidentiality and disclosure is None:
        raise Conflict(
            f"The confidentiality requests of {proposal.proposer_name}'s proposal {proposal.id} are undecided; decide them "
            "before negotiation opens.",
            rule="R-16d",
            details=[field_problem("confidentiality", f"requested for {[r.part for r in content.confidentiality]}")],
        )


def withheld_parts(disclosure: Disclosure | None) -> frozenset[str]:
    return frozenset() if disclosure is None else disclosure.withheld_parts


def public_description(description: str, withheld: frozenset[str]) -> str:
    """What the public sees of a proposal's description after award: the WITHHELD marker where R-16d withheld it."""
    return WITHHELD if "description" in withheld else description


# -- R-16h-l: negotiations ------------------------------------------------------------------------------------------
def negotiation_id(rfp_id: str, number: int) -> str:
    return f"{rfp_id}#{number}"


def notice_period_end(terminated_at: dt.datetime, notice_days: int) -> dt.datetime:
    """R-16k: the written notice follows "within three days" (the request's `negotiation_notice_days`): the first
    instant after the period."""
    return calendar.days_after(terminated_at, notice_days)


def notice_timer_at(terminated_at: dt.datetime, notice_days: int) -> dt.datetime:
    """The timer sends the notice purchasing has not sent at the start of the period's last day, so it is within it."""
    return calendar.days_after(terminated_at, notice_days - 1)


def require_negotiating(rfp: Rfp, what: str) -> None:
    require_status(rfp, (RfpStatus.NEGOTIATION,), what, "R-16h-l")


def require_next_may_open(rfp: Rfp, last: Negotiation | None) -> None:
    """R-16l: the next proposer's negotiation opens only once the one before ended and its written notice was sent."""
    require_negotiating(rfp, "a negotiation")
    if last is None:
        return
    if last.status is NegotiationStatus.OPEN:
        raise Conflict(
            f"Negotiation {last.number} with {last.proposer_name} is open; agree or terminate it first.",
            rule="R-16h-l",
            details=[field_problem("negotiation", f"{last.number} is open")],
        )
    if last.notice_pending:
        raise Conflict(
            f"The written notice of the termination of negotiation {last.number} with {last.proposer_name} is not sent yet; "
            "the next negotiation opens once it is.",
            rule="R-16h-l",
            details=[field_problem("notice", f"negotiation {last.number}'s notice is due {last.notice_due:%Y-%m-%dT%H:%M:%SZ}")],
        )


def next_proposer(shortlist: Sequence[str], negotiated: Iterable[str], live: dict[str, Proposal]) -> str | None:
    """R-16h, R-16l: the best ranked shortlisted proposer not yet negotiated with that still has a live proposal."""
    done = set(negotiated)
    return next((v for v in shortlist if v not in done and v in live), None)


def open_negotiation(rfp: Rfp, proposal: Proposal, now: dt.datetime, official: str) -> tuple[Rfp, Negotiation]:
    number = rfp.negotiation_number + 1
    negotiation = Negotiation(
        id=negotiation_id(rfp.id, number),
        rfp_id=rfp.id,
        number=number,
        vendor_id=proposal.vendor_id,
        proposal_id=proposal.id,
        proposer_name=proposal.proposer_name,
        proposer_email=proposal.proposer_email,
        opened_at=now,
        opened_by=official,
    )
    return dataclasses.replace(rfp, negotiation_number=number), negotiation


def _require_open(negotiation: Negotiation, what: str) -> None:
    if negotiation.status is not NegotiationStatus.OPEN:
        raise Conflict(
            f"Negotiation {negotiation.number} with {negotiation.proposer_name} is {negotiation.status.value}; {what} "
            "needs an open negotiation.",
            rule="R-16h-l",
        )


def terminate(rfp: Rfp, negotiation: Negotiation, reasons: str, now: dt.datetime, official: str) -> Negotiation:
    """R-16k: the reasons are the written record in the file; the notice is due within the request's notice days."""
    require_negotiating(rfp, "terminating a negotiation")
    _require_open(negotiation, "termination")
    if not reasons.strip():
        raise ValidationFailed(
            "A termination states its reasons (R-16k).", rule="R-16h-l", details=[field_problem("reasons", "must not be blank")]
        )
    return dataclasses.replace(
        negotiation,
        status=NegotiationStatus.TERMINATED,
        terminated_at=now,
        terminated_by=official,
        reasons=reasons.strip(),
        notice_due=notice_period_end(now, rfp.negotiation_notice_days),
    )


# -- R-16n: more proposers, or resolicitation -----------------------------------------------------------------------
def require_exhausted(rfp: Rfp, last: Negotiation | None, remaining: str | None, what: str) -> None:
    """R-16n: "Should the Commissioner be unable to negotiate a contract with any of the acceptable proposers initially
    selected": no negotiation open and no shortlisted proposer left to negotiate with."""
    require_status(rfp, (RfpStatus.NEGOTIATION,), what, "R-16m-o")
    if last is not None and last.status is NegotiationStatus.OPEN:
        raise Conflict(f"Negotiation {last.number} with {last.proposer_name} is open; {what} follows its end.", rule="R-16m-o")
    if remaining is not None:
        raise Conflict(
            f"Shortlisted proposer {remaining} has not been negotiated with yet; {what} comes when the shortlist is exhausted.",
            rule="R-16m-o",
            details=[field_problem("shortlist", f"{remaining} remains")],
        )


def additions(rfp: Rfp, records: Iterable[Consensus], count: int) -> tuple[str, ...]:
    """R-16n: "additional proposers may be selected based on the original, acceptable proposals in order of the
    respective qualification rankings": the next qualifying proposers not shortlisted yet."""
    chosen = tuple(c.vendor_id for c in qualifying(records) if c.vendor_id not in rfp.shortlist)[:count]
    if not chosen:
        raise Conflict(
            "No further acceptable proposer remains to be selected; the request may be resolicited.",
            rule="R-16m-o",
            details=[field_problem("count", "no qualifying proposer outside the shortlist")],
        )
    return chosen


def add_to_shortlist(rfp: Rfp, added: tuple[str, ...]) -> Rfp:
    return dataclasses.replace(rfp, shortlist=rfp.shortlist + added)


# -- R-16j, R-16m-o: agreement, award, contract, memorandum -------------------------------------------------------
@dataclass(frozen=True)
class Agreement:
    price: Decimal
    principal_elements: tuple[str, ...]
    term_start: dt.date | None = None
    term_end: dt.date | None = None


def check_agreement(agreement: Agreement) -> Agreement:
    """The compensation (R-16i(3)) and the principal elements the memorandum states (R-16o(2)); a term is whole."""
    problems = []
    if agreement.price <= 0:
        problems.append(field_problem("price", "the agreed compensation is a positive amount"))
    if not agreement.principal_elements:
        problems.append(
            field_problem("principal_elements", "state the significant considerations on price and other terms (R-16o)")
        )
    for i, element in enumerate(agreement.principal_elements):
        if not element.strip():
            problems.append(field_problem(f"principal_elements[{i}]", "must not be blank"))
    if (agreement.term_start is None) != (agreement.term_end is None):
        problems.append(
            field_problem("term_end" if agreement.term_end is None else "term_start", "give both ends of the term, or neither")
        )
    elif agreement.term_start and agreement.term_end and agreement.term_end < agreement.term_start:
        problems.append(field_problem("term_end", f"must be on or after {agreement.term_start.isoformat()}"))
    if problems:
        raise ValidationFailed("The agreement is incomplete or malformed; see details.", rule="R-16m-o", details=problems)
    return dataclasses.replace(agreement, principal_elements=tuple(e.strip() for e in agreement.principal_elements))


def agree(rfp: Rfp, negotiation: Negotiation, agreement: Agreement, now: dt.datetime) -> Negotiation:
    """R-16j: "If compensation and other contract provisions can be agreed upon ..., the contract shall be awarded"."""
    require_negotiating(rfp, "an agreement")
    _require_open(negotiation, "an agreement")
    return dataclasses.replace(
        negotiation,
        status=NegotiationStatus.AGREED,
        agreed_at=now,
        price=agreement.price,
        principal_elements=agreement.principal_elements,
    )


def contract_for(
    rfp: Rfp, negotiation: Negotiation, vendor_org: str, contract_id: str, agreement: Agreement, now: dt.datetime
) -> Contract:
    """As for bids (R-9a): one line, the request's title as one lot at the agreed price, for the request's agency;
    payment in 45 days (R-13a: the request states no other terms)."""
    assert negotiation.price is not None  # agreed
    return Contract(
        id=contract_id,
        agency=rfp.agency,
        contractor_id=negotiation.vendor_id,
        contractor_org=vendor_org,
        contractor_name=negotiation.proposer_name,
        contractor_email=negotiation.proposer_email,
        lines=(ContractLine("1", rfp.title, "lot", Decimal(1), negotiation.price),),
        created_at=now,
        payment_days=None,
        term_start=agreement.term_start,
        term_end=agreement.term_end,
        rfp_id=rfp.id,
    )


@dataclass(frozen=True)
class AppliedFactor:
    factor: str
    weight: Decimal
    score: Decimal
    reason: str


@dataclass(frozen=True)
class RankedProposer:
    rank: int
    vendor_id: str
    proposer_name: str
    proposal_id: str
    classification: str | None
    total: Decimal
    rationale: str
    factors: tuple[AppliedFactor, ...]
    description: str  # of the proposal; a public reading shows WITHHELD where R-16d withheld it
    proposed_price: str
    withheld: tuple[str, ...] = ()  # the parts withheld under R-16d


@dataclass(frozen=True)
class TerminatedNegotiation:
    number: int
    proposer_name: str
    terminated_at: dt.datetime
    reasons: str
    notice_sent_at: dt.datetime | None


@dataclass(frozen=True)
class AwardMemorandum:
    """R-16o: "a memorandum setting forth the basis of award including: (1) how the evaluation factors stated in the
    request for proposals were applied ...; and, (2) the principal elements of the negotiations including the
    significant considerations relating to price and other terms of the contract". Id: the request's."""

    id: str  # the rfp id
    rfp_title: str
    agency: str
    awarded_at: dt.datetime
    awardee_vendor_id: str
    awardee_name: str
    contract_id: str
    price: Decimal
    ranked: tuple[RankedProposer, ...]
    terminated: tuple[TerminatedNegotiation, ...]
    principal_elements: tuple[str, ...]


@dataclass(frozen=True)
class MemorandumRecord:
    """The memorandum as the award wrote it (R-16o): its fingerprint, not a copy. It rests on records fixed once the
    request is awarded (the consensus records, the opened proposals, the R-16d decisions, the negotiations), so each
    reading builds it again from them and checks it against the fingerprint (`as_written`). A copy would not fit an
    item: one ranked proposer's texts alone can be 1.15 MB (docs/decisions.md, "Items sized by design")."""

    id: str  # the rfp id
    fingerprint: str  # `fingerprint` of the memorandum built at the award
    written_at: dt.datetime
    version: int = 0


def fingerprint(memo: AwardMemorandum) -> str:
    """SHA-256 of the memorandum's canonical JSON: keys sorted, amounts as written, instants in UTC."""
    document = json.dumps(
        dataclasses.asdict(memo), sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=_canonical_value
    )
    return hashlib.sha256(document.encode()).hexdigest()


def _canonical_value(value: object) -> str:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).isoformat()
    if isinstance(value, (Decimal, dt.date)):
        return str(value)
    raise TypeError(f"no canonical form for {type(value).__name__}")


def record_of(memo: AwardMemorandum) -> MemorandumRecord:
    return MemorandumRecord(id=memo.id, fingerprint=fingerprint(memo), written_at=memo.awarded_at)


def as_written(memo: AwardMemorandum, record: MemorandumRecord) -> AwardMemorandum:
    """The memorandum built from the record now, refused when it differs from the one written at the award: a record
    it rests on changed after the award, which no write allows."""
    if fingerprint(memo) != record.fingerprint:
        raise Conflict(
            f"The records the memorandum of award of {memo.id} rests on changed after the award; it cannot be read as "
            + "written. Purchasing should examine the audit log.",
            rule="R-16m-o",
        )
    return memo


def memorandum(
    rfp: Rfp,
    agreed: Negotiation,
    negotiations: Sequence[Negotiation],
    records: Iterable[Consensus],
    proposals: dict[str, Proposal],
    disclosures: dict[str, Disclosure],
    contract_id: str,
    now: dt.datetime,
) -> AwardMemorandum:
    """Built from the record: every ranked proposer's consensus per stated factor with its weight and reason, the
    terminated negotiations with their reasons, the principal elements and the price agreed."""
    weights = {f.name: f.weight for f in rfp.evaluation_factors}
    ranked = []
    for rank, record in enumerate(ranking(records), start=1):
        proposal = proposals[record.proposal_id]
        content = proposal.content
        assert content is not None  # ranked proposals were opened
        ranked.append(
            RankedProposer(
                rank=rank,
                vendor_id=record.vendor_id,
                proposer_name=record.proposer_name,
                proposal_id=record.proposal_id,
                classification=None if record.classification is None else record.classification.value,
                total=record.total,
                rationale=record.rationale,
                factors=tuple(AppliedFactor(s.factor, weights[s.factor], s.score, s.reason) for s in record.scores),
                description=content.description,
                proposed_price=content.price,
                withheld=tuple(sorted(withheld_parts(disclosures.get(proposal.id)))),
            )
        )
    assert agreed.price is not None  # agreed
    return AwardMemorandum(
        id=rfp.id,
        rfp_title=rfp.title,
        agency=rfp.agency,
        awarded_at=now,
        awardee_vendor_id=agreed.vendor_id,
        awardee_name=agreed.proposer_name,
        contract_id=contract_id,
        price=agreed.price,
        ranked=tuple(ranked),
        terminated=tuple(
            TerminatedNegotiation(n.number, n.proposer_name, n.terminated_at, n.reasons or "", n.notice_sent_at)
            for n in negotiations
            if n.status is NegotiationStatus.TERMINATED and n.terminated_at is not None
        ),
        principal_elements=agreed.principal_elements,
    )


def public_memorandum(memo: AwardMemorandum) -> AwardMemorandum:
    """The memorandum as the public reads it: each proposer's parts withheld under R-16d show the WITHHELD marker."""
    return dataclasses.replace(
        memo,
        ranked=tuple(
            dataclasses.replace(
                r,
                description=public_description(r.description, frozenset(r.withheld)),
                proposed_price=WITHHELD if "price" in r.withheld else r.proposed_price,
            )
            for r in memo.ranked
        ),
    )


MemorandumEntry = RankedProposer | TerminatedNegotiation


@dataclass(frozen=True)
class MemorandumPage:
    """One page of a memorandum: `memo` with this page's ranked proposers and terminated negotiations (the principal
    elements on the last page only), this page's part of the text (the pages' texts in order are the whole text), and
    the entries shown up to its end."""

    memo: AwardMemorandum
    text: str
    end: int
    last: bool


def memorandum_page(memo: AwardMemorandum, start: int, size: Callable[[MemorandumEntry], int], budget: int) -> MemorandumPage:
    """R-16o: the entries (ranked proposers, then terminated negotiations) from `start` while their sizes fit in
    `budget`, and at least one: nothing bounds a request's proposers, and a reading must stay one answer's size."""
    entries: list[MemorandumEntry] = [*memo.ranked, *memo.terminated]
    end, used = start, 0
    while end < len(entries):
        used += size(entries[end])
        if end > start and used > budget:
            break
        end += 1
    last, ranked = end >= len(entries), len(memo.ranked)
    shown = dataclasses.replace(
        memo,
        ranked=memo.ranked[start:end],
        terminated=memo.terminated[max(0, start - ranked) : max(0, end - ranked)],
        principal_elements=memo.principal_elements if last else (),
    )
    return MemorandumPage(shown, _memorandum_lines(memo, shown, start, last), end, last)


def memorandum_text(memo: AwardMemorandum) -> str:
    """The memorandum as the contract file keeps it, in words (R-16o); dates on Connecticut's calendar."""
    return memorandum_page(memo, 0, lambda entry: 0, 0).text


def _memorandum_lines(memo: AwardMemorandum, shown: AwardMemorandum, start: int, last: bool) -> str:
    """The words of the page `shown` of `memo` from entry `start`: the heading on the first page, each section's
    heading on the page where the section begins, the principal elements and price on the last."""
    lines = []
    if start == 0:
        lines += [
            f"Memorandum of the basis of award: request for proposals {memo.id}, {memo.rfp_title} (agency {memo.agency})",
            f"Awarded {calendar.local_date(memo.awarded_at).isoformat()} to {memo.awardee_name}, contract "
            + f"{memo.contract_id}, at a compensation of ${memo.price:,.2f}.",
            "",
            "1. How the evaluation factors stated in the request were applied (4a-52-16(o)(1)):",
        ]
    for r in shown.ranked:
        classification = (r.classification or "unclassified").replace("_", " ")
        lines.append(f"  {r.rank}. {r.proposer_name} (proposal {r.proposal_id}): total {r.total}, {classification}")
        lines.append(f"     Proposal: {r.description}; proposed price: {r.proposed_price}")
        lines += [f"     {f.factor} (weight {f.weight}): {f.score} - {f.reason}" for f in r.factors]
        lines.append(f"     Consensus: {r.rationale}")
    section_two = len(memo.ranked)  # the entry where the principal elements begin
    if start <= section_two and (section_two < start + len(shown.ranked) + len(shown.terminated) or last):
        lines += ["", "2. The principal elements of the negotiations (4a-52-16(o)(2)):"]
    for t in shown.terminated:
        lines.append(f"  Negotiation {t.number} with {t.proposer_name} terminated: {t.reasons}")
    if last:
        lines += [f"  - {element}" for element in memo.principal_elements]
        lines.append(f"  Price agreed: ${memo.price:,.2f}")
    return "\n".join(lines) + "\n"
