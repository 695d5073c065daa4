"""Sealed proposals to a request for proposals (R-16c, R-16d, R-16f) and the register built at their opening.

A proposal is sealed as a bid is (domain/commitment.py, adapters/sealing.py): nothing of it, confidentiality
requests included, is readable before the opening. A proposer's new proposal replaces its live one and counts as a
modification (R-16f); the register lists each proposer's live proposal with its number of modifications (R-16c)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import json
from dataclasses import dataclass

from chalicelib.domain.commitment import Sealed, canonical
from chalicelib.domain.errors import Conflict, Forbidden, ValidationFailed, field_problem

# a storage bound (R-16c): the proposal as sent, sealed (its envelope one part item) and opened (its content in parts),
# so that the largest fits its items and the opening's transactions of six (services/bids.open_sealed) fit 4 MB
MAX_PROPOSAL_BYTES = 256 * 1024


class ProposalStatus(str, enum.Enum):
    SEALED = "sealed"  # received, sealed until the opening
    REPLACED = "replaced"  # superseded by the proposer's later proposal (R-16f)
    WITHDRAWN = "withdrawn"  # withdrawn by the proposer before the opening or during discussions (R-16f)
    OPENED = "opened"  # decrypted at the opening (R-16c), or received in the clear during discussions (R-16f)


@dataclass(frozen=True)
class ProposalDocument:
    name: str
    text: str


@dataclass(frozen=True)
class ConfidentialityRequest:
    """R-16d: the proposer asks that a named part (`price`, `description` or `documents/<name>`) not be disclosed."""

    part: str
    reason: str


@dataclass(frozen=True)
class ProposalContent:
    price: str
    description: str
    documents: tuple[ProposalDocument, ...] = ()
    confidentiality: tuple[ConfidentialityRequest, ...] = ()


@dataclass(frozen=True)
class Proposal:
    id: str
    rfp_id: str
    vendor_id: str
    vendor_org: str
    proposer_name: str
    proposer_email: str
    received_at: dt.datetime
    commitment: str  # HMAC-SHA-256 of the canonical proposal under a sealed salt (domain/commitment.py)
    sealed: Sealed | None  # the KMS envelope until the opening; None once opened or when received in discussions
    modifications: int = 0  # proposals of this proposer to this request before this one (R-16f)
    replaces: str | None = None
    replaced_by: str | None = None
    status: ProposalStatus = ProposalStatus.SEALED
    withdrawn_at: dt.datetime | None = None
    opened_at: dt.datetime | None = None
    content: ProposalContent | None = None  # set at the opening only
    salt: str | None = None  # published at the opening so the receipt's commitment can be checked
    bafo_round: int = 0  # R-17c: 0 for the proposal and its modifications, N for a best and final offer of round N
    version: int = 0


@dataclass(frozen=True)
class RegisterEntry:
    """R-16c: "a register of proposals ... containing the name of each proposer, the number of modifications
    received, if any, and a description sufficient to identify the supply or service item offered"."""

    proposal_id: str
    proposer_name: str
    modifications: int
    description: str


def check_proposal(submitted: dict) -> ProposalContent:
    """The proposal as sent; each confidentiality request names a part of it and gives a reason (R-16d)."""
    documents = tuple(ProposalDocument(d["name"], d["text"]) for d in submitted.get("documents", ()))
    requests = tuple(ConfidentialityRequest(c["part"], c["reason"]) for c in submitted.get("confidentiality", ()))
    parts = {"price", "description", *(f"documents/{d.name}" for d in documents)}
    problems = []
    size = len(canonical(submitted))
    if size > MAX_PROPOSAL_BYTES:
        stored = f"the proposal as sent takes {size:,} bytes; its description, documents and requests take at most {MAX_PROPOSAL_BYTES:,}"
        problems.append(field_problem("documents", stored) | {"rule": "R-16c"})
    names = [d.name for d in documents]
    if len(set(names)) != len(names):
        problems.append(field_problem("documents", "document names must be distinct"))
    if not str(submitted.get("description", "")).strip():
        problems.append(field_problem("description", "must not be blank"))
    for i, request in enumerate(requests):
        if request.part not in parts:
            problems.append(field_problem(f"confidentiality[{i}].part", f"names no part of the proposal; one of {sorted(parts)}"))
        if not request.reason.strip():
            problems.append(field_problem(f"confidentiality[{i}].reason", "a confidentiality request states its reason (R-16d)"))
    if problems:
        rule = "R-16d" if all(p["field"].startswith("confidentiality") for p in problems) else "R-16c"
        raise ValidationFailed("The proposal is incomplete or malformed; see details.", rule=rule, details=problems)
    return ProposalContent(str(submitted["price"]), submitted["description"].strip(), documents, requests)


def content_of(document: bytes) -> ProposalContent:
    """The content of an opened proposal from its canonical document (checked when it was received)."""
    return check_proposal(json.loads(document))


def ensure_owner(proposal: Proposal, vendor_id: str) -> None:
    if proposal.vendor_id != vendor_id:
        raise Forbidden(f"Proposal {proposal.id} is another proposer's.", rule="R-16c")


def withdraw(proposal: Proposal, now: dt.datetime) -> Proposal:
    """R-16f: the proposer's live proposal: sealed before the opening, opened during discussions."""
    if proposal.status not in (ProposalStatus.SEALED, ProposalStatus.OPENED):
        raise Conflict(f"Proposal {proposal.id} is {proposal.status.value}; only a live proposal is withdrawn.", rule="R-16f")
    return dataclasses.replace(proposal, status=ProposalStatus.WITHDRAWN, withdrawn_at=now)


def opened(proposal: Proposal, content: ProposalContent, salt: str, now: dt.datetime) -> Proposal:
    return dataclasses.replace(proposal, status=ProposalStatus.OPENED, sealed=None, content=content, salt=salt, opened_at=now)


def register_entry(proposal: Proposal) -> RegisterEntry:
    assert proposal.content is not None  # the register lists opened proposals only
    return RegisterEntry(proposal.id, proposal.proposer_name, proposal.modifications, proposal.content.description)
