"""A negotiation with a shortlisted proposer (R-16h-l) and the written notice of a terminated one (R-16k): the record
and the one rule the notice's timer applies, apart from domain/rfp_negotiations.py (opening and terminating
negotiations, confidentiality decisions, the award) so that the timer's Lambda loads neither the evaluation's
consensus nor the contract."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
from dataclasses import dataclass
from decimal import Decimal

from chalicelib.domain.errors import Conflict


class NegotiationStatus(str, enum.Enum):
    OPEN = "open"
    TERMINATED = "terminated"  # no agreement; the reasons are in the file, the written notice follows (R-16k)
    AGREED = "agreed"  # compensation and other provisions agreed: the contract is awarded (R-16j)


@dataclass(frozen=True)
class Negotiation:
    id: str  # rfp_negotiations.negotiation_id(rfp_id, number)
    rfp_id: str
    number: int  # 1 with the best ranked proposer, then in turn (R-16l)
    vendor_id: str
    proposal_id: str
    proposer_name: str
    proposer_email: str
    opened_at: dt.datetime
    opened_by: str
    status: NegotiationStatus = NegotiationStatus.OPEN
    terminated_at: dt.datetime | None = None
    terminated_by: str | None = None
    reasons: str | None = None  # R-16k: "a written record stating the reasons therefor shall be placed in the file"
    notice_due: dt.datetime | None = None  # the first instant after the notice period (calendar.days_after)
    notice_sent_at: dt.datetime | None = None  # R-16k: "confirmed by written notice within three days"
    notice_sent_by: str | None = None
    agreed_at: dt.datetime | None = None
    price: Decimal | None = None  # the compensation agreed (R-16i(3))
    principal_elements: tuple[str, ...] = ()  # R-16o(2): the significant considerations on price and other terms
    version: int = 0

    @property
    def notice_pending(self) -> bool:
        return self.status is NegotiationStatus.TERMINATED and self.notice_sent_at is None

    @property
    def notice_in_time(self) -> bool | None:
        """Sent before the notice period ended (None while unsent)."""
        if self.notice_sent_at is None or self.notice_due is None:
            return None
        return self.notice_sent_at < self.notice_due


class NoticeSent(Conflict):
    """The written notice of a terminated negotiation is sent once (R-16k)."""


def send_notice(negotiation: Negotiation, now: dt.datetime, sender: str) -> Negotiation:
    """R-16k: the written notice of termination, once; by purchasing or, at the start of the last day, by the timer."""
    if negotiation.status is not NegotiationStatus.TERMINATED:
        raise Conflict(
            f"Negotiation {negotiation.number} is {negotiation.status.value}; only a terminated one is confirmed by notice.",
            rule="R-16h-l",
        )
    if negotiation.notice_sent_at is not None:
        raise NoticeSent(
            f"The written notice of negotiation {negotiation.number} was sent {negotiation.notice_sent_at:%Y-%m-%dT%H:%M:%SZ}.",
            rule="R-16h-l",
        )
    return dataclasses.replace(negotiation, notice_sent_at=now, notice_sent_by=sender)
