"""JWT bearer tokens with `sub`, `role` and `org` claims (PyJWT).

Locally tokens are HS256 with a documented dev secret; on AWS set JWT_JWKS_URL (and issuer/audience) to
verify the identity provider's RS256 keys instead.
"""

from __future__ import annotations

from typing import Optional

import jwt

from chalicelib.domain.errors import Unauthenticated
from chalicelib.services.ports import Actor, Role

PERSON_ROLES = {r.value for r in Role if r is not Role.SYSTEM}
CLOCK_SKEW_SECONDS = 30  # identity provider and Lambda clocks differ slightly: iat/nbf/exp tolerance


class TokenVerifier:
    def __init__(self, *, secret: Optional[str], jwks_url: Optional[str], issuer: Optional[str], audience: Optional[str]):
        if not secret and not jwks_url:
            raise RuntimeError("set JWT_SECRET (local HS256) or JWT_JWKS_URL (identity provider keys)")
        self._secret = secret
        self._jwks = jwt.PyJWKClient(jwks_url) if jwks_url else None
        self._issuer = issuer
        self._audience = audience

    def actor(self, authorization: Optional[str]) -> Actor:
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
                token.strip(), key, algorithms=algorithms, issuer=self._issuer, audience=self._audience, leeway=CLOCK_SKEW_SECONDS,
                options={"require": ["sub", "role", "org"], "verify_aud": self._audience is not None},
            )
        except jwt.PyJWTError as exc:
            raise Unauthenticated(f"The bearer token is not valid: {exc}.") from None
        if claims["role"] not in PERSON_ROLES:
            raise Unauthenticated(f"The token's role {claims['role']!r} is not one of {sorted(PERSON_ROLES)}.")
        return Actor(sub=str(claims["sub"]), role=Role(claims["role"]), org=str(claims["org"]))


def issue_dev_token(secret: str, *, sub: str, role: str, org: str, lifetime_days: int = 365, now=None) -> str:
    """A local HS256 token (tests, `make token`). Never used on AWS."""
    import datetime as dt

    now = now or dt.datetime.now(dt.timezone.utc)
    return jwt.encode(
        {"sub": sub, "role": role, "org": org, "iat": now, "exp": now + dt.timedelta(days=lifetime_days)},
        secret, algorithm="HS256",
    )
