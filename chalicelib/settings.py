"""Configuration from the environment, read when first needed (never at import time)."""

from __future__ import annotations

import os
from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    region: str
    entities_table: str
    audit_table: str
    idempotency_table: str
    state_machine_arn_prefix: str
    sender_email: str
    opm_reviewers_email: str
    purchasing_email: str
    bid_sealing_key_id: str
    jwt_secret: str | None
    jwt_jwks_url: str | None
    jwt_issuer: str | None
    jwt_audience: str | None
    jwt_max_lifetime_hours: float
    portal_base_url: str = "http://127.0.0.1:8000/portal"  # emails link to the portal's page of each record
    agency_email: str = "procurement.{agency}@example.gov"  # each agency's procurement mailbox, by agency code
    comptroller_email: str = "comptroller@example.gov"  # the State Comptroller's copy of orders under a delegation (R-2e)
    cursor_key: str = ""  # signs list cursors (api/paging.py); on AWS a secret the stack generates
    cors_allowed_origins: frozenset[str] = frozenset()  # portal origins a browser may call from; none by default
    ocds_prefix: str = "ocds-ct0000"  # the registered OCDS prefix of every ocid (chalicelib/ocds)
    # the longest a commit can take after its time is read (the API stops at 28 s, a workflow task at 60 s; and a
    # margin): feed readers and the Merkle log see only what was committed before now minus this, so a commit that
    # lands late is never passed over
    commit_lag_seconds: float = 65.0
    audit_signing_key_id: str = ""  # the KMS key (ECC_NIST_P256) that signs audit checkpoints

    @classmethod
    def from_env(cls) -> Settings:
        env = os.environ
        return cls(
            region=env.get("AWS_REGION") or env.get("AWS_DEFAULT_REGION", "us-east-1"),
            entities_table=env["ENTITIES_TABLE"],
            audit_table=env["AUDIT_TABLE"],
            idempotency_table=env["IDEMPOTENCY_TABLE"],
            state_machine_arn_prefix=env["STATE_MACHINE_ARN_PREFIX"],
            sender_email=env["SENDER_EMAIL"],
            opm_reviewers_email=env.get("OPM_REVIEWERS_EMAIL", "opm-reviewers@example.gov"),
            purchasing_email=env.get("PURCHASING_EMAIL", "purchasing@example.gov"),
            bid_sealing_key_id=env.get("BID_SEALING_KEY_ID", ""),
            jwt_secret=env.get("JWT_SECRET") or None,
            jwt_jwks_url=env.get("JWT_JWKS_URL") or None,
            jwt_issuer=env.get("JWT_ISSUER") or None,
            jwt_audience=env.get("JWT_AUDIENCE") or None,
            jwt_max_lifetime_hours=float(env.get("JWT_MAX_LIFETIME_HOURS") or 12),
            portal_base_url=env.get("PORTAL_BASE_URL") or cls.portal_base_url,
            agency_email=env.get("AGENCY_EMAIL") or cls.agency_email,
            comptroller_email=env.get("COMPTROLLER_EMAIL") or cls.comptroller_email,
            cursor_key=env.get("CURSOR_KEY", ""),
            ocds_prefix=env.get("OCDS_PREFIX") or cls.ocds_prefix,
            commit_lag_seconds=float(env.get("COMMIT_LAG_SECONDS") or cls.commit_lag_seconds),
            audit_signing_key_id=env.get("AUDIT_SIGNING_KEY_ID", ""),
            cors_allowed_origins=frozenset(
                o.strip().rstrip("/") for o in env.get("CORS_ALLOWED_ORIGINS", "").split(",") if o.strip()
            ),
        )
