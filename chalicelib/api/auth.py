"""JWT bearer tokens with `sub`, `role` and `org` claims (PyJWT).

Locally tokens are HS256 with a documented dev secret; on AWS set JWT_JWKS_URL, JWT_ISSUER and JWT_AUDIENCE to
verify the identity provider's RS256/ES256 keys instead. Every token must say when it was issued and when it expires,
and may live at most `max_lifetime` (12 hours by default): a stolen token is worth a working day at most.
"""

from __future__ import annotations

import datetime as dt

import jwt

from chalicelib.domain.errors import Unauthenticated
from chalicelib.services.ports import Actor, Role

PERSON_ROLES = {r.value for r in Role if r is not Role.SYSTEM}
CLOCK_SKEW_SECONDS = 30  # identity provider and Lambda clocks differ slightly: iat/nbf/exp tolerance
DEFAULT_MAX_LIFETIME = dt.timedelta(hours=12)
REQUIRED_CLAIMS = ["sub", "role", "org", "iat", "exp"]


class TokenVerifier:
    def __init__(
        self,
        *,
        secret: str | None,
        jwks_url: str | None,
        issuer: str | None,
        audience: str | None,
        max_lifetime: dt.timedelta = DEFAULT_MAX_LIFETIME,
    ):
        if not secret and not jwks_url:
            raise RuntimeError("set JWT_SECRET (local HS256) or JWT_JWKS_URL (identity provider keys)")
        if jwks_url and not (issuer and audience):
            raise RuntimeError(
                "with JWT_JWKS_URL also set JWT_ISSUER and JWT_AUDIENCE: tokens of other issuers or apps are refused"
            )
        self._secret = secret
        self._jwks = jwt.PyJWKClient(jwks_url) if jwks_url else None
        self._issuer = issuer
        self._audience = audience
        self._max_lifetime = max_lifetime

    def actor(self, authorization: str | None) -> Actor:
        if not authorization:
            raise Unauthenticated("This operation needs an 'Authorization: Bearer <token>' header.")
        scheme, _, token = authorization.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated("The Authorization header must be 'Bearer <token>'.")
        try:
            if self._jwks is not None:
                key, algorithms = self._jwks.get_signing_key_from_jwt(token).key, ["RS256", "ES256"]
            else:
                key, algorithms = self._secret, ["HS256"]
            claims = jwt.decode(
                token.strip(),
                key,
                algorithms=algorithms,
                issuer=self._issuer,
                audience=self._audience,
                leeway=CLOCK_SKEW_SECONDS,
                options={"require": REQUIRED_CLAIMS, "verify_aud": self._audience is not None},
            )
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"The bearer token is not valid: {exc}.") from None
        lifetime = dt.timedelta(seconds=claims["exp"] - claims["iat"])
        if lifetime > self._max_lifetime:
            hours = self._max_lifetime.total_seconds() / 3600
            raise Unauthenticated(
                f"The bearer token lives {lifetime}; tokens may live at most {hours:g} hours. Ask for a new one."
            )
        if claims["role"] not in PERSON_ROLES:
            raise Unauthenticated(f"The token's role {claims['role']!r} is not one of {sorted(PERSON_ROLES)}.")
        return Actor(sub=str(claims["sub"]), role=Role(claims["role"]), org=str(claims["org"]))


def issue_dev_token(
    secret: str,
    *,
    sub: str,
    role: str,
    org: str,
    lifetime: dt.timedelta = DEFAULT_MAX_LIFETIME,
    now: dt.datetime | None = None,
) -> str:
    """A local HS256 token (tests, `make token`), issued at `now` (the local stack's clock). Never used on AWS."""
    now = now or dt.datetime.now(dt.UTC)
    return jwt.encode({"sub": sub, "role": role, "org": org, "iat": now, "exp": now + lifetime}, secret, algorithm="HS256")
