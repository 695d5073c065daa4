"""api/auth.py: which bearer tokens open the API (issue: identity that holds against a determined bidder)."""

import datetime as dt

import jwt
import pytest

from chalicelib.api.auth import TokenVerifier, issue_dev_token
from chalicelib.domain.errors import Unauthenticated

SECRET = "a-test-secret-that-is-long-enough-for-hs256"
NOW = dt.datetime.now(dt.UTC).replace(microsecond=0)
verifier = TokenVerifier(secret=SECRET, jwks_url=None, issuer=None, audience=None)


def bearer(claims: dict) -> str:
    return "Bearer " + jwt.encode(claims, SECRET, algorithm="HS256")


def claims(**changes) -> dict:
    base = {"sub": "pat@acme", "role": "vendor", "org": "acme", "iat": NOW, "exp": NOW + dt.timedelta(hours=1)}
    base.update(changes)
    return {k: v for k, v in base.items() if v is not None}


def test_a_token_with_issue_and_expiry_times_within_twelve_hours_is_accepted():
    actor = verifier.actor(bearer(claims()))
    assert (actor.sub, actor.role.value, actor.org) == ("pat@acme", "vendor", "acme")


def test_a_token_without_an_expiry_is_refused():
    with pytest.raises(Unauthenticated, match="exp"):
        verifier.actor(bearer(claims(exp=None)))


def test_a_token_without_an_issue_time_is_refused():
    with pytest.raises(Unauthenticated, match="iat"):
        verifier.actor(bearer(claims(iat=None)))


def test_a_token_living_exactly_twelve_hours_is_accepted():
    verifier.actor(bearer(claims(exp=NOW + dt.timedelta(hours=12))))


def test_a_token_living_one_second_more_than_twelve_hours_is_refused():
    with pytest.raises(Unauthenticated, match="at most 12 hours"):
        verifier.actor(bearer(claims(exp=NOW + dt.timedelta(hours=12, seconds=1))))


def test_the_maximum_lifetime_is_a_setting():
    short = TokenVerifier(secret=SECRET, jwks_url=None, issuer=None, audience=None, max_lifetime=dt.timedelta(hours=1))
    with pytest.raises(Unauthenticated, match="at most 1 hours"):
        short.actor(bearer(claims(exp=NOW + dt.timedelta(hours=2))))


def test_an_identity_provider_without_issuer_and_audience_is_refused_at_start():
    with pytest.raises(RuntimeError, match="JWT_ISSUER and JWT_AUDIENCE"):
        TokenVerifier(secret=None, jwks_url="https://idp.example/.well-known/jwks.json", issuer=None, audience=None)


def test_a_token_of_another_issuer_is_refused_when_an_issuer_is_set():
    strict = TokenVerifier(secret=SECRET, jwks_url=None, issuer="https://idp.ct.example", audience="ct-procurement")
    with pytest.raises(Unauthenticated, match="issuer"):
        strict.actor(bearer(claims(iss="https://other.example", aud="ct-procurement")))


def test_a_token_for_another_audience_is_refused_when_an_audience_is_set():
    strict = TokenVerifier(secret=SECRET, jwks_url=None, issuer="https://idp.ct.example", audience="ct-procurement")
    with pytest.raises(Unauthenticated, match="[Aa]udience"):
        strict.actor(bearer(claims(iss="https://idp.ct.example", aud="another-app")))


def test_a_token_of_the_right_issuer_and_audience_is_accepted():
    strict = TokenVerifier(secret=SECRET, jwks_url=None, issuer="https://idp.ct.example", audience="ct-procurement")
    strict.actor(bearer(claims(iss="https://idp.ct.example", aud="ct-procurement")))


def test_a_dev_token_lives_twelve_hours_from_the_instant_it_is_issued():
    token = issue_dev_token(SECRET, sub="s", role="agency", org="DSS", now=NOW)
    decoded = jwt.decode(token, SECRET, algorithms=["HS256"], options={"verify_exp": False})
    assert decoded["exp"] - decoded["iat"] == 12 * 3600
