"""The written notice of a terminated negotiation (R-16k) and the email of a negotiation to its proposer: the task of
the `rfp-negotiation-notice` timer sends the notice at the start of the notice period's last day unless purchasing
sent it first (services/rfp_negotiations.send_notice). A module apart from services/rfp_negotiations.py so that the
timer's Lambda loads neither the proposals' services nor the award's contract and term timer."""

from __future__ import annotations

from chalicelib import emails
from chalicelib.domain import rfp_negotiation_notice as rules
from chalicelib.domain.rfp_negotiation_notice import Negotiation
from chalicelib.domain.rfps import Rfp
from chalicelib.services.ports import Actor, Change, Deps, Send, retry_on_conflict
from chalicelib.services.rfps import load, rfp_named


def notice_timer(deps: Deps, execution: str, negotiation_id: str) -> dict:
    """The timer's task at the start of the notice period's last day: sends the written notice unless purchasing
    did by then; a retried task finds it sent and sends nothing twice."""
    negotiation = deps.load(Negotiation, negotiation_id)
    if negotiation.notice_sent_at is None:
        try:
            negotiation = send_written_notice(deps, Actor.system(execution), load(deps, negotiation.rfp_id), negotiation)
        except rules.NoticeSent:  # purchasing sent it meanwhile
            negotiation = deps.load(Negotiation, negotiation_id)
    return {"negotiation_id": negotiation.id, "notice_sent_by": negotiation.notice_sent_by}


def send_written_notice(deps: Deps, actor: Actor, rfp: Rfp, negotiation: Negotiation) -> Negotiation:
    """The notice and its email in one commit, once: a notice already sent raises `NoticeSent` (R-16k)."""

    def send(current: Negotiation) -> Negotiation:
        now = deps.clock.now()
        noticed = rules.send_notice(current, now, actor.sub)
        (stored,) = deps.commit(
            actor,
            now,
            [
                Change(action="negotiation.notice_sent", after=noticed, before=current),
                Send(f"{current.id}:notice", negotiation_email(deps, "rfp_termination_notice", rfp, noticed)),
            ],
        )
        return stored

    return retry_on_conflict(lambda: send(deps.load(Negotiation, negotiation.id)))


def negotiation_email(deps: Deps, template: str, rfp: Rfp, negotiation: Negotiation):
    """The proposer's own negotiation only (R-17b): its number, its dates, its reasons."""
    return emails.render(
        template,
        to=(negotiation.proposer_email,),
        rfp=rfp_named(rfp),
        proposer=negotiation.proposer_name,
        number=negotiation.number,
        terminated_at=negotiation.terminated_at,
        notice_due=negotiation.notice_due,
        reasons=negotiation.reasons,
        link=deps.portal.page("rfps", rfp.id),
    )
