"""Requests for proposals: draft, publication as the public notice (R-4), addenda and cancellation before the due date
(R-16c), each emailed to the registered vendors of the request's commodities through the outbox; addenda during
discussions, emailed to the shortlisted proposers only (R-17b)."""

from __future__ import annotations

from chalicelib import emails
from chalicelib.domain import rfps as rules
from chalicelib.domain.errors import NotFound
from chalicelib.domain.outbox import Audience
from chalicelib.domain.rfps import Rfp, RfpAddendum, RfpStatus
from chalicelib.services.ports import Actor, Broadcast, Change, Deps, Listing, PageRequest, Role, Send, require_role
from chalicelib.services.vendors import commodity_vendors_page

INVITED = "rfp-invited-vendors"  # the audience of the notice (services/outbox.py AUDIENCES)
RECIPIENTS = "rfp-recipients"  # of addenda and cancellation: the invited vendors, then every live proposer


def create_rfp(deps: Deps, actor: Actor, **fields) -> Rfp:
    """A draft, visible to purchasing only until published."""
    require_role(actor, Role.PURCHASING)
    now = deps.clock.now()
    rfp = rules.new_rfp(rfp_id=deps.ids.new("RFP"), now=now, created_by=actor.sub, **fields)
    (rfp,) = deps.store.commit(actor, now, [Change(action="rfp.drafted", after=rfp)])
    return rfp


def publish(deps: Deps, actor: Actor, rfp_id: str) -> Rfp:
    """R-4: the public notice, emailed to every registered vendor of the request's commodities in the same commit."""
    require_role(actor, Role.PURCHASING)
    rfp = load(deps, rfp_id)
    now = deps.clock.now()
    published = rules.publish(rfp, now)
    (published,) = deps.commit(
        actor,
        now,
        [
            Change(action="rfp.published", after=published, before=rfp),
            Broadcast(
                f"{rfp.id}:notice",
                Audience(INVITED, rfp.id),
                emails.render("rfp_notice", to=(), rfp=rfp_facts(published), link=deps.portal.page("rfps", rfp.id)),
            ),
        ],
    )
    return published


def add_addendum(deps: Deps, actor: Actor, rfp_id: str, text: str, proposals_due=None) -> Rfp:
    """Before the due date, when it may postpone the due date, emailed to the invited vendors (R-16c); during
    discussions, emailed to each shortlisted proposer with a live proposal, from its own proposal (R-17b)."""
    require_role(actor, Role.PURCHASING)
    rfp = load(deps, rfp_id)
    now = deps.clock.now()
    amended = rules.add_addendum(rfp, text, now, proposals_due)
    addendum = amended.addenda[-1]
    change = Change(action="rfp.addendum_issued", after=amended, before=rfp)
    link = deps.portal.page("rfps", rfp.id)
    if amended.status is RfpStatus.DISCUSSIONS:
        (amended,) = deps.commit(actor, now, [change, *_to_shortlisted(deps, amended, addendum, link)])
        return amended
    email = emails.render(
        "rfp_addendum",
        to=(),
        rfp=rfp_facts(amended),
        number=addendum.number,
        text=addendum.text,
        postponed_from=rfp.proposals_due if addendum.proposals_due else None,
        link=link,
    )
    (amended,) = deps.commit(
        actor, now, [change, Broadcast(f"{rfp.id}:addendum:{addendum.number}", Audience(RECIPIENTS, rfp.id), email)]
    )
    return amended


def _to_shortlisted(deps: Deps, rfp: Rfp, addendum: RfpAddendum, link: str) -> list[Send]:
    """R-17b: the amendment reaches the proposers in discussion, one email each, addressed from its own proposal."""
    from chalicelib.services.rfp_discussions import participants  # it builds on this module's reads

    return [
        Send(
            f"{rfp.id}:addendum:{addendum.number}:{proposal.vendor_id}",
            emails.render(
                "rfp_addendum_shortlisted",
                to=(proposal.proposer_email,),
                rfp={"id": rfp.id, "title": rfp.title},
                proposer=proposal.proposer_name,
                number=addendum.number,
                text=addendum.text,
                link=link,
            ),
        )
        for proposal in participants(deps, rfp)
    ]


def cancel(deps: Deps, actor: Actor, rfp_id: str, reason: str) -> Rfp:
    """Before the due date only; the invited vendors and every proposer are told."""
    require_role(actor, Role.PURCHASING)
    rfp = load(deps, rfp_id)
    now = deps.clock.now()
    cancelled = rules.cancel(rfp, reason, now)
    (cancelled,) = deps.commit(
        actor,
        now,
        [
            Change(action="rfp.cancelled", after=cancelled, before=rfp),
            Broadcast(
                f"{rfp.id}:cancelled",
                Audience(RECIPIENTS, rfp.id),
                emails.render(
                    "rfp_cancelled",
                    to=(),
                    rfp=rfp_facts(cancelled),
                    reason=cancelled.cancel_reason,
                    link=deps.portal.page("rfps", rfp.id),
                ),
            ),
        ],
    )
    return cancelled


def get_rfp(deps: Deps, actor: Actor | None, rfp_id: str) -> Rfp:
    """Public once published; a draft exists only for purchasing."""
    rfp = deps.store.get(Rfp, rfp_id)
    if rfp is None or (not rfp.is_public and (actor is None or actor.role is not Role.PURCHASING)):
        raise NotFound(f"No published request for proposals {rfp_id}.")
    return rfp


def list_rfps(deps: Deps, actor: Actor | None, status: RfpStatus, page: PageRequest) -> Listing[Rfp]:
    """R-4: requests of one status by due date: one Query of the status index; drafts for purchasing only."""
    if status is RfpStatus.DRAFT and (actor is None or actor.role is not Role.PURCHASING):
        return Listing([])
    return deps.store.page(Rfp, "by_status", status.value, after=page.after, limit=page.limit)


def invited_page(deps: Deps, rfp_id: str, cursor: str, size: int) -> tuple[list[str], str | None]:
    """R-4: the broadcasts' audience, a page of the registered vendors of the request's commodities."""
    return commodity_vendors_page(deps, load(deps, rfp_id).commodity_codes, cursor, size)


def rfp_named(rfp: Rfp) -> dict:
    """What every email about a request after its notice names: the request itself, never a proposer (R-17b)."""
    return {"id": rfp.id, "title": rfp.title, "agency": rfp.agency}


def rfp_facts(rfp: Rfp) -> dict:
    """What a vendor needs to decide to propose: the scope, the factors with their weights, the conference, the due date."""
    conference = rfp.conference
    return {
        "id": rfp.id,
        "title": rfp.title,
        "agency": rfp.agency,
        "commodity_codes": list(rfp.commodity_codes),
        "scope": rfp.scope,
        "proposals_due": rfp.proposals_due,
        "factors": [{"name": f.name, "weight": f.weight} for f in rfp.evaluation_factors],
        "conference": None
        if conference is None
        else {"at": conference.at, "location": conference.location, "mandatory": conference.mandatory},
    }


def load(deps: Deps, rfp_id: str) -> Rfp:
    rfp = deps.store.get(Rfp, rfp_id)
    if rfp is None:
        raise NotFound(f"No request for proposals {rfp_id}.")
    return rfp
