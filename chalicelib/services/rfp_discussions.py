"""Discussions with each shortlisted proposer (R-17b) and the best and final offers that conclude them (R-17c).

Each message is written in its proposer's thread and emailed to the other side in the same commit: purchasing's to
the proposer's address on its own proposal, the proposer's to the purchasing mailbox. A proposer's view and every email
to it are built from its own records only (its thread, its proposal), never from another proposer's (R-17b).

The call for best and final offers sets the common date and time, writes every shortlisted thread (so an oral
clarification recorded meanwhile makes it read again) and starts the `rfp-bafo` timer, whose task is the opening's:
it opens the round's sealed offers at the common date and time, and negotiation follows."""

from __future__ import annotations

import datetime as dt

from chalicelib import emails
from chalicelib.domain import rfp_discussions as rules
from chalicelib.domain.calendar import iso_utc
from chalicelib.domain.errors import NotFound, ValidationFailed, field_problem
from chalicelib.domain.proposals import Proposal
from chalicelib.domain.rfp_discussions import DiscussionMessage, DiscussionThread, MessageKind
from chalicelib.domain.rfps import Rfp, RfpStatus, require_status
from chalicelib.services.ports import (
    Actor,
    Change,
    Deps,
    Listing,
    Member,
    PageRequest,
    Role,
    Send,
    Unchanged,
    Write,
    require_role,
    retry_on_conflict,
)
from chalicelib.services.proposals import live_proposal_of, submit_proposal
from chalicelib.services.rfps import get_rfp, load, rfp_named
from chalicelib.services.sealed import Sealer
from chalicelib.services.vendors import acting_vendor, vendor_of

BAFO = "rfp-bafo"  # the state machine that waits for the common date and time, then opens the round's offers


def post_message(
    deps: Deps,
    actor: Actor,
    rfp_id: str,
    text: str,
    *,
    vendor_id: str | None = None,
    kind: MessageKind | None = None,
    confirms: str | None = None,
) -> DiscussionMessage:
    """R-17b: purchasing writes to one shortlisted proposer (`vendor_id`), or records an oral clarification (`kind`
    oral); the proposer writes in its own thread, and confirms an oral clarification in writing (`confirms`)."""
    if actor.role is Role.PURCHASING:
        return _purchasing_writes(deps, actor, rfp_id, text, vendor_id, kind or MessageKind.WRITTEN, confirms)
    require_role(actor, Role.VENDOR)
    return _proposer_writes(deps, actor, rfp_id, text, vendor_id, kind, confirms)


def _purchasing_writes(
    deps: Deps, actor: Actor, rfp_id: str, text: str, vendor_id: str | None, kind: MessageKind, confirms: str | None
) -> DiscussionMessage:
    problems = [] if vendor_id else [field_problem("vendor_id", "names the shortlisted proposer the message is for")]
    if confirms is not None:
        problems.append(field_problem("confirms", "the proposer confirms an oral clarification; purchasing records it"))
    _refuse(problems)
    assert vendor_id is not None
    message_id = deps.ids.new("MSG")

    def write() -> DiscussionMessage:
        rfp, live, stored = _discussion(deps, actor, rfp_id, vendor_id)
        now = deps.clock.now()
        thread, message = rules.purchasing_message(
            stored or rules.new_thread(rfp.id, vendor_id), message_id, kind, text, actor.sub, now
        )
        email = emails.render(
            "rfp_discussion",
            to=(live.proposer_email,),
            rfp=rfp_named(rfp),
            proposer=live.proposer_name,
            number=message.number,
            oral=kind is MessageKind.ORAL,
            text=message.text,
            link=deps.portal.page("rfps", rfp.id, "discussions"),
        )
        changes = _message_changes(rfp, live, stored, thread, message)
        return deps.commit(actor, now, [*changes, Send(f"{rfp.id}:discussion:{message.id}", email)])[1]

    return retry_on_conflict(write)


def _proposer_writes(
    deps: Deps, actor: Actor, rfp_id: str, text: str, vendor_id: str | None, kind: MessageKind | None, confirms: str | None
) -> DiscussionMessage:
    vendor = acting_vendor(deps, actor)
    problems = (
        [] if vendor_id in (None, vendor.id) else [field_problem("vendor_id", "a proposer writes in its own discussion only")]
    )
    if kind is MessageKind.ORAL:
        problems.append(field_problem("kind", "a proposer writes; purchasing records an oral clarification"))
    _refuse(problems)
    message_id = deps.ids.new("MSG")

    def write() -> DiscussionMessage:
        rfp, live, stored = _discussion(deps, actor, rfp_id, vendor.id)
        confirmed = None if confirms is None else deps.store.get(DiscussionMessage, confirms)
        if confirms is not None and confirmed is None:
            _refuse([field_problem("confirms", "names no oral clarification of the proposer's discussion")])
        now = deps.clock.now()
        thread, message, done = rules.proposer_message(
            stored or rules.new_thread(rfp.id, vendor.id), message_id, text, actor.sub, now, confirmed
        )
        email = emails.render(
            "rfp_discussion_reply",
            to=(deps.mailboxes.purchasing,),
            rfp=rfp_named(rfp),
            proposer=live.proposer_name,
            number=message.number,
            confirms=None if confirmed is None else confirmed.number,
            text=message.text,
            link=deps.portal.page("rfps", rfp.id, "discussions"),
        )
        changes = _message_changes(rfp, live, stored, thread, message)
        if done is not None:
            changes.append(Change(action="rfp.oral_clarification_confirmed", after=done, before=confirmed))
        return deps.commit(actor, now, [*changes, Send(f"{rfp.id}:discussion:{message.id}", email)])[1]

    return retry_on_conflict(write)


def _discussion(deps: Deps, actor: Actor, rfp_id: str, vendor_id: str) -> tuple[Rfp, Proposal, DiscussionThread | None]:
    """The request in discussions, the proposer's live proposal and its thread (None before the first message)."""
    rfp = get_rfp(deps, actor, rfp_id)
    live = rules.ensure_discussions_open(rfp, vendor_id, live_proposal_of(deps, vendor_id, rfp.id))
    return rfp, live, deps.store.get(DiscussionThread, rules.thread_id(rfp.id, vendor_id))


def _message_changes(
    rfp: Rfp, live: Proposal, stored: DiscussionThread | None, thread: DiscussionThread, message: DiscussionMessage
) -> list[Write]:
    """The thread and its new message, conditioned on the request still in discussions and the proposal still live."""
    return [
        Change(action="rfp.discussion_thread_updated", after=thread, before=stored),
        Change(action="rfp.discussion_message", after=message),
        Member(rules.thread_collection(rfp.id, thread.vendor_id), rules.thread_member(message)),
        Unchanged(rfp),
        Unchanged(live),
    ]


def list_messages(deps: Deps, actor: Actor, rfp_id: str, vendor_id: str | None, page: PageRequest) -> Listing[DiscussionMessage]:
    """A proposer reads its own thread only (another's is 404, as if none existed); purchasing names the proposer.
    One strongly consistent read of the thread's collection, then one batch read of its messages."""
    rfp = get_rfp(deps, actor, rfp_id)
    if actor.role is Role.PURCHASING:
        if not vendor_id:
            _refuse([field_problem("vendor_id", "names the proposer whose discussion is read")])
        assert vendor_id is not None
        thread_of = vendor_id
    else:
        thread_of = vendor_of(deps, actor).id
        if vendor_id not in (None, thread_of):
            raise NotFound(f"No discussion of {vendor_id} is yours to read.")
    members = list(deps.store.members(rules.thread_collection(rfp.id, thread_of), after=page.after, limit=page.limit + 1))
    shown = members[: page.limit]
    ids = [member.split("#", 1)[1] for member in shown]
    found = {m.id: m for m in deps.store.get_many(DiscussionMessage, ids)}
    return Listing([found[i] for i in ids if i in found], shown[-1] if len(members) > page.limit else None)


def call_bafo(deps: Deps, actor: Actor, rfp_id: str, due: dt.datetime, determination: str | None = None) -> Rfp:
    """R-17c: the common date and time of a round of best and final offers, emailed to each shortlisted proposer with a
    live proposal; the first round concludes the discussions (each thread is written with the call). The timer's
    execution is named by the request and the round, so each round is started once; the same call again (after a lost
    start) changes nothing and starts it again."""
    require_role(actor, Role.PURCHASING)

    def call() -> Rfp:
        rfp = load(deps, rfp_id)
        if rfp.status is RfpStatus.BAFO and rfp.bafo_due == due and determination is None:
            return rfp
        now = deps.clock.now()
        stored = {v: deps.store.get(DiscussionThread, rules.thread_id(rfp.id, v)) for v in rfp.shortlist}
        threads = [thread or rules.new_thread(rfp.id, v) for v, thread in stored.items()]
        called = rules.call_bafo(rfp, due, determination, now, threads)
        changes: list[Write] = [Change(action="rfp.bafo_called", after=called, before=rfp)]
        if rfp.status is RfpStatus.DISCUSSIONS:
            changes += [
                Change(action="rfp.discussions_concluded", after=rules.conclude(t, now), before=stored[t.vendor_id])
                for t in threads
            ]
        changes += [_bafo_request(deps, called, proposal) for proposal in participants(deps, called)]
        return deps.commit(actor, now, changes)[0]

    called = retry_on_conflict(call)
    assert called.bafo_due is not None
    name = f"rfp-bafo-{called.id}-{called.bafo_round}"
    deps.workflows.start(BAFO, name, {"rfp_id": called.id, "bafo_round": called.bafo_round, "bafo_due": iso_utc(called.bafo_due)})
    return called


def _bafo_request(deps: Deps, rfp: Rfp, proposal: Proposal) -> Send:
    return Send(
        f"{rfp.id}:bafo:{rfp.bafo_round}:{proposal.vendor_id}",
        emails.render(
            "rfp_bafo_request",
            to=(proposal.proposer_email,),
            rfp=rfp_named(rfp),
            proposer=proposal.proposer_name,
            round=rfp.bafo_round,
            due=rfp.bafo_due,
            link=deps.portal.page("rfps", rfp.id),
        ),
    )


def submit_offer(deps: Deps, sealer: Sealer, actor: Actor, rfp_id: str, submitted: dict) -> Proposal:
    """R-17c: a shortlisted proposer's best and final offer of the round called last, sealed as a proposal."""
    require_role(actor, Role.VENDOR)
    rfp = get_rfp(deps, actor, rfp_id)
    require_status(rfp, (RfpStatus.BAFO,), "a best and final offer", "R-17c")
    return submit_proposal(deps, sealer, actor, rfp_id, submitted, bafo_round=rfp.bafo_round)


def participants(deps: Deps, rfp: Rfp) -> list[Proposal]:
    """The live proposals of the shortlisted proposers, in shortlist order: whom discussions, addenda during them and
    calls for best and final offers reach (one who withdrew is no longer a proposer)."""
    live = (live_proposal_of(deps, vendor_id, rfp.id) for vendor_id in rfp.shortlist)
    return [proposal for proposal in live if proposal is not None]


def _refuse(problems: list[dict]) -> None:
    if problems:
        raise ValidationFailed("The discussion message is malformed; see details.", rule="R-17b", details=problems)
