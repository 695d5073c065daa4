"""The one place that builds adapters, lazily, from Settings. Tests and the local stack call reset()."""

from __future__ import annotations

from functools import lru_cache

from chalicelib.settings import Settings


@lru_cache(maxsize=1)
def settings() -> Settings:
    return Settings.from_env()


@lru_cache(maxsize=1)
def deps():
    from chalicelib.adapters.aws import RandomIds, SesNotifier, StepFunctionsWorkflows, SystemClock
    from chalicelib.adapters.dynamo import DynamoStore
    from chalicelib.services.ports import Deps, Mailboxes, Portal

    s = settings()
    return Deps(
        store=DynamoStore(s.entities_table, s.audit_table, s.region),
        clock=SystemClock(),
        ids=RandomIds(),
        notifier=SesNotifier(s.sender_email, s.region),
        workflows=StepFunctionsWorkflows(s.state_machine_arn_prefix, s.region),
        mailboxes=Mailboxes(
            opm_reviewers=s.opm_reviewers_email,
            purchasing=s.purchasing_email,
            agencies=s.agency_email,
            comptroller=s.comptroller_email,
        ),
        portal=Portal(s.portal_base_url),
    )


@lru_cache(maxsize=1)
def sealer():
    from chalicelib.adapters.sealing import KmsSealer

    s = settings()
    return KmsSealer(s.bid_sealing_key_id, s.region)


@lru_cache(maxsize=1)
def signer():
    from chalicelib.adapters.sealing import KmsSigner

    s = settings()
    return KmsSigner(s.audit_signing_key_id, s.region)


@lru_cache(maxsize=1)
def token_verifier():
    import datetime as dt

    from chalicelib.api.auth import TokenVerifier

    s = settings()
    return TokenVerifier(
        secret=s.jwt_secret,
        jwks_url=s.jwt_jwks_url,
        issuer=s.jwt_issuer,
        audience=s.jwt_audience,
        max_lifetime=dt.timedelta(hours=s.jwt_max_lifetime_hours),
    )


@lru_cache(maxsize=1)
def idempotency_store():
    """Its client comes from boto3's shared session, as every adapter's does: a session of its own would load the
    endpoint and service data a second time on the first request."""
    import boto3
    from aws_lambda_powertools.utilities.idempotency import DynamoDBPersistenceLayer

    return DynamoDBPersistenceLayer(table_name=settings().idempotency_table, boto3_client=boto3.client("dynamodb"))


def reset() -> None:
    for cached in (settings, deps, token_verifier, idempotency_store, sealer, signer):
        cached.cache_clear()
