"""GET /audit?entity=kind:id or ?actor=sub: the audit trail of one record or of one actor, for the Bureau of Purchases;
and, public, the signed checkpoints of the audit's Merkle log and its inclusion and consistency proofs."""

from __future__ import annotations

from typing import Any

from chalice import Blueprint
from pydantic import Field

from chalicelib.api.framework import Call, operation
from chalicelib.api.paging import Page, PageQuery, page_of, page_request
from chalicelib.api.types import LocalTime
from chalicelib.api.views import ApiModel, RequestBody
from chalicelib.services import audit, audit_log
from chalicelib.services.ports import Role

bp = Blueprint(__name__)


class AuditQuery(PageQuery):
    entity: str | None = Field(None, min_length=3, description="kind:id, e.g. vendor:V-1a2b3c4d5e6f")
    actor: str | None = Field(None, min_length=1, description="A token's sub, or workflow:<execution> for timers.")


class AuditEntryOut(ApiModel):
    entity: str = Field(description="The record changed, as kind:id.")
    at: LocalTime = Field(description="When the change was committed.")
    actor: str = Field(description="Token subject, or workflow:<execution> for timers.")
    role: str = Field(description="The actor's role: vendor, agency, purchasing, opm, or workflow.")
    org: str = Field(description="The actor's organisation (the token's org claim).")
    action: str = Field(description="What was done, e.g. vendor.registered.")
    before: dict[str, Any] | None = Field(None, description="The record before the change; null when it was created.")
    after: dict[str, Any] | None = Field(None, description="The record after the change; secrets redacted.")


@operation(
    bp,
    "GET",
    "/audit",
    summary="Read the audit trail of a record or an actor",
    tag="audit",
    roles={Role.PURCHASING},
    query=AuditQuery,
    response=Page[AuditEntryOut],
)
def audit_trail(call: Call):
    """Every state change of the record (`entity`), or everything one actor did (`actor`), oldest first: who, when,
    what, before and after."""
    q = call.query
    entries = audit.audit_trail(call.deps, call.actor, page_request(call), entity=q.entity, by=q.actor)
    return page_of(call, entries, lambda e: AuditEntryOut.model_validate(e, from_attributes=True))


class CheckpointOut(ApiModel):
    tree_size: int = Field(description="How many audit entries the log held.")
    root_hash: str = Field(description="The log's RFC 6962 tree hash at that size, hex.")
    time: str = Field(description="When it was signed, ISO 8601 UTC, exactly as signed.")
    signature: str = Field(description="Base64 DER ECDSA P-256 signature of the canonical JSON {root_hash, time, tree_size}.")
    key_id: str = Field(description="The KMS key that signed it (its public key verifies the signature).")
    algorithm: str = Field(description="The signing algorithm: ECDSA_SHA_256.")


class ProofQuery(RequestBody):
    tree_size: int | None = Field(
        None, ge=1, description="The size of the tree to prove against (a checkpoint's); the whole log when omitted."
    )


class InclusionProofOut(ApiModel):
    entry: str = Field(description="The entry's hash, hex.")
    leaf_index: int = Field(description="The entry's place in the log, from 0.")
    tree_size: int = Field(description="The size of the tree proved against.")
    root_hash: str = Field(description="That tree's hash, hex: compare it with the checkpoint's.")
    audit_path: list[str] = Field(description="RFC 6962 PATH(leaf_index, D[tree_size]), hex, from the leaf up.")


class ConsistencyQuery(RequestBody):
    first: int = Field(alias="from", ge=1, description="The older tree size (a checkpoint's).")
    second: int = Field(alias="to", ge=1, description="The newer tree size (a later checkpoint's).")


class ConsistencyProofOut(ApiModel):
    first: int = Field(description="The older tree size (`from`).")
    second: int = Field(description="The newer tree size (`to`).")
    first_root: str = Field(description="The older tree's hash, hex.")
    second_root: str = Field(description="The newer tree's hash, hex.")
    proof: list[str] = Field(description="RFC 6962 PROOF(from, D[to]), hex.")


@operation(
    bp,
    "GET",
    "/audit/checkpoints",
    summary="List the signed checkpoints of the audit log",
    tag="audit",
    query=PageQuery,
    response=Page[CheckpointOut],
)
def audit_checkpoints(call: Call):
    """One checkpoint a day, oldest first: the log's size and root hash at a time, signed with the audit KMS key."""
    found = audit_log.checkpoints(call.deps, page_request(call))
    return page_of(call, found, lambda c: CheckpointOut.model_validate(c, from_attributes=True))


@operation(
    bp,
    "GET",
    "/audit/entries/{entry}/proof",
    summary="Prove an audit entry is in the log",
    tag="audit",
    query=ProofQuery,
    response=InclusionProofOut,
    errors=(404,),
)
def audit_entry_proof(call: Call, entry: str):
    """The inclusion proof (RFC 6962 2.1.1) of the entry in the tree of `tree_size` leaves."""
    proof = audit_log.inclusion_proof(call.deps, entry, call.query.tree_size)
    return InclusionProofOut.model_validate(proof, from_attributes=True)


@operation(
    bp,
    "GET",
    "/audit/consistency",
    summary="Prove an older audit log is a prefix of a newer one",
    tag="audit",
    query=ConsistencyQuery,
    response=ConsistencyProofOut,
)
def audit_consistency(call: Call):
    """The consistency proof (RFC 6962 2.1.2) between two tree sizes, e.g. two checkpoints."""
    proof = audit_log.consistency_proof(call.deps, call.query.first, call.query.second)
    return ConsistencyProofOut.model_validate(proof, from_attributes=True)
