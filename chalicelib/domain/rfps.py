"""Requests for proposals (competitive negotiation, R-16): the purchasing officer's draft with its evaluation factors
(R-16a, R-18a/b) and optional pre-proposal conference (R-16b), its public notice (R-4), addenda (which may postpone
the due date) and cancellation, each only before the established due date.

Proposals, their opening, evaluation, discussions, best and final offers, negotiation and award hang off the RFP by
its id and extend its status (see RfpStatus)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain.calendar import local_date, require_aware, start_of_local_day, to_utc
from chalicelib.domain.errors import Conflict, DeadlinePassed, ValidationFailed, field_problem
from chalicelib.domain.solicitations import MAX_ADDENDA, REQUIRED_FACTORS, EvaluationFactor, factor_problems
from chalicelib.domain.vendors import COMMODITY_CODE_PROBLEM, is_commodity_code

# R-16a's minimum factors, then R-18a/b's (price, past performance, financial responsibility), each with its rule.
R16A_FACTORS = ("plan_of_performance", "ability", "personnel_equipment_facilities", "past_performance")
REQUIRED_RFP_FACTORS: dict[str, str] = {
    **dict.fromkeys(R16A_FACTORS, "R-16a"),
    **{name: "R-18a/b" for name in REQUIRED_FACTORS if name not in R16A_FACTORS},
}
DEFAULT_NEGOTIATION_NOTICE_DAYS = 3  # R-16k: termination of negotiations "confirmed by written notice within three days"


class RfpStatus(str, enum.Enum):
    DRAFT = "draft"
    OPEN = "open"  # published: public notice given, proposals received until proposals_due
    CANCELLED = "cancelled"
    OPENED = "opened"  # two officials opened the proposals (R-16c); the panel evaluates and classifies them (R-18c)
    DISCUSSIONS = "discussions"  # the shortlist is selected (R-16g); discussions, modifications, withdrawals (R-16f, R-17b)
    BAFO = "bafo"  # discussions concluded; best and final offers are due at one common date and time (R-17c)
    NEGOTIATION = "negotiation"  # the offers are opened; negotiation with each shortlisted proposer in turn (R-16h-l)
    AWARDED = "awarded"  # agreed: the notice of award is public, the contract formed, the memorandum written (R-16j, R-16m-o)
    UNAWARDED = "unawarded"  # no proposer agreed; the request is closed to be resolicited (R-16n)


@dataclass(frozen=True)
class Conference:
    """R-16b: a pre-proposal conference, held before the date established for the submission of proposals."""

    at: dt.datetime
    location: str
    mandatory: bool = False


@dataclass(frozen=True)
class RfpAddendum:
    number: int
    text: str
    issued_at: dt.datetime
    proposals_due: dt.datetime | None = None  # the new, later due date when the addendum postpones it


@dataclass(frozen=True)
class OpeningConfirmation:
    """R-16c: a procurement official (token `sub`) confirms presence at the opening of the proposals."""

    official: str
    at: dt.datetime


OFFICIALS_AT_OPENING = 2  # R-16c: "opened in the presence of two or more procurement officials"


@dataclass(frozen=True)
class Rfp:
    id: str
    title: str
    agency: str
    commodity_codes: tuple[str, ...]
    scope: str
    proposals_due: dt.datetime
    evaluation_factors: tuple[EvaluationFactor, ...]
    created_at: dt.datetime
    created_by: str
    conference: Conference | None = None
    negotiation_notice_days: int = DEFAULT_NEGOTIATION_NOTICE_DAYS
    status: RfpStatus = RfpStatus.DRAFT
    published_at: dt.datetime | None = None
    addenda: tuple[RfpAddendum, ...] = ()
    cancelled_at: dt.datetime | None = None
    cancel_reason: str | None = None
    opening_confirmations: tuple[OpeningConfirmation, ...] = ()
    opened_at: dt.datetime | None = None
    proposal_count: int = 0
    shortlist: tuple[str, ...] = ()  # R-16g: vendor ids of the selected proposers, best ranked first
    shortlisted_at: dt.datetime | None = None
    shortlist_determination: str | None = None  # the written determination behind a list shorter than R-16g's
    bafo_round: int = 0  # R-17c: the round of best and final offers called last (0: none yet)
    bafo_due: dt.datetime | None = None  # R-17c: the common date and time of the current round
    bafo_determinations: tuple[str, ...] = ()  # R-17c: the written determination calling each round after the first
    negotiation_number: int = 0  # R-16h-l: the negotiation under way or held last, 1 with the best ranked (0: none yet)
    awarded_at: dt.datetime | None = None  # R-16j: agreement with a proposer awards the contract
    awarded_vendor_id: str | None = None
    award_price: Decimal | None = None  # the compensation agreed, public with the notice of award (R-16m)
    contract_id: str | None = None
    unawarded_at: dt.datetime | None = None  # R-16n: closed without award, to be resolicited
    unawarded_reason: str | None = None
    version: int = 0

    @property
    def is_public(self) -> bool:
        return self.status is not RfpStatus.DRAFT


def require_status(rfp: Rfp, allowed: tuple[RfpStatus, ...], what: str, rule: str) -> None:
    """Each step of competitive negotiation has its stage: `what` is refused (409 under `rule`) in any other."""
    if rfp.status is RfpStatus.CANCELLED:
        raise RfpCancelled(f"RFP {rfp.id} was cancelled; {what} is not possible.", rule=rule)
    if rfp.status not in allowed:
        stages = " or ".join(s.value for s in allowed)
        raise Conflict(
            f"RFP {rfp.id} is {rfp.status.value}; {what} is possible when it is {stages}.",
            rule=rule,
            details=[field_problem("status", f"is {rfp.status.value}, not {stages}")],
        )


def new_rfp(
    *,
    rfp_id: str,
    title: str,
    agency: str,
    commodity_codes: list[str],
    scope: str,
    proposals_due: dt.datetime,
    evaluation_factors: list[EvaluationFactor],
    now: dt.datetime,
    created_by: str,
    conference: Conference | None = None,
    negotiation_notice_days: int = DEFAULT_NEGOTIATION_NOTICE_DAYS,
) -> Rfp:
    """A draft request for proposals; every problem is listed at once, the rule is the factors' when only they fail."""
    problems = []
    for field, value in (("title", title), ("agency", agency), ("scope", scope)):
        if not value.strip():
            problems.append(field_problem(field, "must not be blank"))
    if not commodity_codes:
        problems.append(field_problem("commodity_codes", "at least one commodity code is needed for the public notice (R-4)"))
    for i, code in enumerate(commodity_codes):
        if not is_commodity_code(code):
            problems.append(field_problem(f"commodity_codes[{i}]", COMMODITY_CODE_PROBLEM))
    due_problems = _due_problems(proposals_due, now, "proposals_due")
    problems += due_problems
    if conference is not None and not due_problems:
        problems += _conference_problems(conference, proposals_due, now)
    if not 1 <= negotiation_notice_days <= DEFAULT_NEGOTIATION_NOTICE_DAYS:
        problems.append(field_problem("negotiation_notice_days", "the written notice follows within 1 to 3 days (R-16h-l)"))
    factors = factor_problems(evaluation_factors, REQUIRED_RFP_FACTORS)
    if problems or factors:
        raise ValidationFailed(
            "The request for proposals is incomplete or malformed; see details.",
            rule=_rule_of(problems, factors),
            details=problems + factors,
        )
    return Rfp(
        id=rfp_id,
        title=title.strip(),
        agency=agency.strip(),
        commodity_codes=tuple(sorted(set(commodity_codes))),
        scope=scope.strip(),
        proposals_due=to_utc(proposals_due),
        evaluation_factors=tuple(evaluation_factors),
        created_at=now,
        created_by=created_by,
        conference=None if conference is None else dataclasses.replace(conference, at=to_utc(conference.at)),
        negotiation_notice_days=negotiation_notice_days,
    )


def _rule_of(problems: list[dict], factors: list[dict]) -> str:
    """The factors' rule when only factors fail (R-16a when one of its minimum factors is missing), else R-4's."""
    if problems:
        return "R-16b" if all(p["field"].startswith("conference") for p in problems) and not factors else "R-4"
    return "R-16a" if any("(R-16a)" in f["problem"] for f in factors) else "R-18a/b"


def _due_problems(due: dt.datetime, now: dt.datetime, field: str) -> list[dict]:
    try:
        require_aware(due)
    except ValueError:
        return [field_problem(field, "must carry a UTC offset, e.g. 2026-03-20T14:00:00-04:00")]
    return [] if due > now else [field_problem(field, "must be in the future (R-16c)")]


def _conference_problems(conference: Conference, proposals_due: dt.datetime, now: dt.datetime) -> list[dict]:
    """R-16b: "Such conferences may be held anytime prior to the date established for the submission of proposals":
    in the future, and on a Connecticut day before the due date's."""
    try:
        require_aware(conference.at)
    except ValueError:
        return [field_problem("conference.at", "must carry a UTC offset, e.g. 2026-03-10T10:00:00-04:00")]
    problems = []
    if conference.at <= now:
        problems.append(field_problem("conference.at", "must be in the future (R-16b)"))
    if conference.at >= start_of_local_day(local_date(proposals_due)):
        problems.append(
            field_problem(
                "conference.at", f"must be held before {local_date(proposals_due):%Y-%m-%d}, the date proposals are due (R-16b)"
            )
        )
    if not conference.location.strip():
        problems.append(field_problem("conference.location", "must not be blank (R-16b)"))
    return problems


def publish(rfp: Rfp, now: dt.datetime) -> Rfp:
    """R-4: publication is the public notice; the due date and a conference must still be ahead, the factors stated."""
    if rfp.status is not RfpStatus.DRAFT:
        raise Conflict(f"RFP {rfp.id} is {rfp.status.value}; only a draft can be published.", rule="R-4")
    if rfp.proposals_due <= now:
        raise ProposalsClosed(
            f"The due date {rfp.proposals_due:%Y-%m-%dT%H:%M:%SZ} has passed; a new request is drafted instead.",
            rule="R-16c",
            details=[field_problem("proposals_due", f"server time {now:%Y-%m-%dT%H:%M:%SZ} is not before it")],
        )
    if rfp.conference is not None and rfp.conference.at <= now:
        raise DeadlinePassed(
            f"The pre-proposal conference of {rfp.conference.at:%Y-%m-%dT%H:%M:%SZ} has passed; the notice cannot invite to it.",
            rule="R-16b",
            details=[field_problem("conference.at", f"server time {now:%Y-%m-%dT%H:%M:%SZ} is not before it")],
        )
    problems = factor_problems(rfp.evaluation_factors, REQUIRED_RFP_FACTORS)
    if problems:
        raise ValidationFailed("The request does not state the required evaluation factors.", rule="R-16a", details=problems)
    return dataclasses.replace(rfp, status=RfpStatus.OPEN, published_at=now)


def ensure_before_due(rfp: Rfp, now: dt.datetime, what: str) -> None:
    """Server time decides: at or after proposals_due the published request no longer changes (docs/rules.md, R-16b)."""
    if rfp.status is RfpStatus.CANCELLED:
        raise RfpCancelled(f"RFP {rfp.id} was cancelled; {what} is not possible.", rule="R-16c")
    if rfp.status is RfpStatus.DRAFT:
        raise Conflict(f"RFP {rfp.id} is a draft; {what} is possible once it is published.", rule="R-4")
    if now >= rfp.proposals_due:
        raise ProposalsClosed(
            f"Proposals were due {rfp.proposals_due:%Y-%m-%dT%H:%M:%SZ}; {what} at or after the due date is not possible.",
            rule="R-16c",
            details=[field_problem("proposals_due", f"server time {now:%Y-%m-%dT%H:%M:%SZ} is not before it")],
        )


def add_addendum(rfp: Rfp, text: str, now: dt.datetime, proposals_due: dt.datetime | None = None) -> Rfp:
    """An amendment of the request: before the due date, when it may postpone the due date (R-16c); during discussions,
    to incorporate a substantial clarification or change (R-17b), the due date having passed and staying as it is."""
    if rfp.status is RfpStatus.DISCUSSIONS:
        return _amended(rfp, text, now, None, _addendum_problems(text, proposals_due, rfp, now), "R-17b")
    ensure_no_changes_after_offers(rfp, "an addendum", "R-17c")
    ensure_before_due(rfp, now, "an addendum")
    return _amended(rfp, text, now, proposals_due, _addendum_problems(text, proposals_due, rfp, now), "R-16c")


def _addendum_problems(text: str, proposals_due: dt.datetime | None, rfp: Rfp, now: dt.datetime) -> list[dict]:
    problems = [] if text.strip() else [field_problem("text", "must not be blank")]
    if len(rfp.addenda) >= MAX_ADDENDA:
        problems.append(
            field_problem("addenda", f"a request for proposals has at most {MAX_ADDENDA} addenda; issue a new request instead")
        )
    if proposals_due is None:
        return problems
    if rfp.status is RfpStatus.DISCUSSIONS:
        return problems + [
            field_problem("proposals_due", "proposals were due already; an addendum during discussions keeps the date (R-17b)")
        ]
    problems += _due_problems(proposals_due, now, "proposals_due")
    if not problems and proposals_due <= rfp.proposals_due:
        due = f"{rfp.proposals_due:%Y-%m-%dT%H:%M:%SZ}"
        problems.append(field_problem("proposals_due", f"an addendum postpones the due date: give a time after {due}"))
    return problems


def _amended(rfp: Rfp, text: str, now: dt.datetime, proposals_due: dt.datetime | None, problems: list[dict], rule: str) -> Rfp:
    if problems:
        raise ValidationFailed("The addendum is incomplete or malformed; see details.", rule=rule, details=problems)
    new_due = None if proposals_due is None else to_utc(proposals_due)
    addendum = RfpAddendum(number=len(rfp.addenda) + 1, text=text.strip(), issued_at=now, proposals_due=new_due)
    return dataclasses.replace(rfp, addenda=rfp.addenda + (addendum,), proposals_due=new_due or rfp.proposals_due)


def cancel(rfp: Rfp, reason: str, now: dt.datetime) -> Rfp:
    """Cancellation before the due date, with a reason."""
    ensure_before_due(rfp, now, "cancellation")
    if not reason.strip():
        raise ValidationFailed(
            "A cancellation states its reason.", rule="R-4", details=[field_problem("reason", "must not be blank")]
        )
    return dataclasses.replace(rfp, status=RfpStatus.CANCELLED, cancelled_at=now, cancel_reason=reason.strip())


def confirm_opening(rfp: Rfp, official: str, now: dt.datetime) -> Rfp:
    """R-16c: after the due date, each purchasing official confirms once; the same official twice is refused."""
    if rfp.status is RfpStatus.CANCELLED:
        raise RfpCancelled(f"RFP {rfp.id} was cancelled; there is no opening.", rule="R-16c")
    if rfp.status is not RfpStatus.OPEN:
        raise Conflict(f"RFP {rfp.id} is {rfp.status.value}; only a published request's proposals are opened.", rule="R-16c")
    if now < rfp.proposals_due:
        raise Conflict(
            f"Proposals are due {rfp.proposals_due:%Y-%m-%dT%H:%M:%SZ}; they are kept sealed until then.",
            rule="R-16c",
            details=[field_problem("proposals_due", f"server time {now:%Y-%m-%dT%H:%M:%SZ} is before it")],
        )
    if any(c.official == official for c in rfp.opening_confirmations):
        raise Conflict(
            f"{official} has confirmed already; a second, different procurement official must confirm the opening.",
            rule="R-16c",
        )
    return dataclasses.replace(rfp, opening_confirmations=rfp.opening_confirmations + (OpeningConfirmation(official, now),))


def may_open(rfp: Rfp) -> bool:
    """Two or more distinct officials have confirmed (confirm_opening keeps them distinct)."""
    return rfp.status is RfpStatus.OPEN and len(rfp.opening_confirmations) >= OFFICIALS_AT_OPENING


def mark_opened(rfp: Rfp, now: dt.datetime, proposal_count: int) -> Rfp:
    if not may_open(rfp):
        raise Conflict(f"The proposals of {rfp.id} open once two distinct procurement officials confirm.", rule="R-16c")
    return dataclasses.replace(rfp, status=RfpStatus.OPENED, opened_at=now, proposal_count=proposal_count)


class ProposalsClosed(DeadlinePassed):
    """Server time is at or after the due date of the proposals (R-16c)."""


class RfpCancelled(Conflict):
    """The request for proposals was cancelled."""


def shortlisted(rfp: Rfp, vendor_ids: tuple[str, ...], determination: str | None, now: dt.datetime) -> Rfp:
    """R-16g: the proposers selected in ranking order (domain/rfp_evaluation.check_shortlist); discussions follow."""
    require_status(rfp, (RfpStatus.OPENED,), "selecting the shortlist", "R-16g")
    written = (determination or "").strip() or None
    return dataclasses.replace(
        rfp, status=RfpStatus.DISCUSSIONS, shortlist=vendor_ids, shortlisted_at=now, shortlist_determination=written
    )


# -- discussions and best and final offers (R-16f, R-17b, R-17c) ---------------------------------------------------

AFTER_OFFERS = (RfpStatus.BAFO, RfpStatus.NEGOTIATION)  # discussions concluded, best and final offers called


def ensure_no_changes_after_offers(rfp: Rfp, what: str, rule: str) -> None:
    """R-17c: "no discussion of or changes in the best and final proposals shall be allowed prior to award"; R-16f:
    modifications and withdrawals end with the conclusion of discussions."""
    if rfp.status in AFTER_OFFERS:
        raise Conflict(
            f"Discussions of RFP {rfp.id} concluded with the call for best and final offers; {what} is not possible before the award.",
            rule=rule,
            details=[field_problem("status", f"is {rfp.status.value}")],
        )


def bafo_called(rfp: Rfp, due: dt.datetime, determination: str | None) -> Rfp:
    """R-17c: a round of best and final offers at one common date and time (to the second, as the timer waits for it);
    the first concludes the discussions, a further one records the written determination that calls it."""
    return dataclasses.replace(
        rfp,
        status=RfpStatus.BAFO,
        bafo_round=rfp.bafo_round + 1,
        bafo_due=to_utc(due).replace(microsecond=0),
        bafo_determinations=rfp.bafo_determinations + ((determination.strip(),) if determination else ()),
    )


def offers_opened(rfp: Rfp, now: dt.datetime) -> Rfp:
    """R-17c: at the common date and time the round's offers are opened; negotiation follows (R-16h-l)."""
    require_status(rfp, (RfpStatus.BAFO,), "opening the best and final offers", "R-17c")
    assert rfp.bafo_due is not None  # set with the status by bafo_called
    if now < rfp.bafo_due:
        raise Conflict(
            f"The best and final offers of {rfp.id} are due {rfp.bafo_due:%Y-%m-%dT%H:%M:%SZ}; they stay sealed until then.",
            rule="R-17c",
            details=[field_problem("bafo_due", f"server time {now:%Y-%m-%dT%H:%M:%SZ} is before it")],
        )
    return dataclasses.replace(rfp, status=RfpStatus.NEGOTIATION)


def award(rfp: Rfp, vendor_id: str, price: Decimal, contract_id: str, now: dt.datetime) -> Rfp:
    """R-16j: the request is awarded to the proposer agreed with, at the agreed price, with the contract formed."""
    return dataclasses.replace(
        rfp, status=RfpStatus.AWARDED, awarded_at=now, awarded_vendor_id=vendor_id, award_price=price, contract_id=contract_id
    )


def close_unawarded(rfp: Rfp, reason: str, now: dt.datetime) -> Rfp:
    """R-16n: "proposals may be resolicited": the request closes unawarded, with the reason."""
    if not reason.strip():
        raise ValidationFailed(
            "A resolicitation states its reason.", rule="R-16m-o", details=[field_problem("reason", "must not be blank")]
        )
    return dataclasses.replace(rfp, status=RfpStatus.UNAWARDED, unawarded_at=now, unawarded_reason=reason.strip())
