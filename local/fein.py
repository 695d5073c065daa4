"""A valid, distinct FEIN for each demo or test vendor, derived from its organisation (R-4: one registration per FEIN)."""

import hashlib

from chalicelib.domain.vendors import FEIN_PREFIXES

_PREFIXES = sorted(FEIN_PREFIXES)


def fein_for(org: str) -> str:
    """NN-NNNNNNN with a prefix the IRS assigns; the same org always gets the same FEIN."""
    digest = int.from_bytes(hashlib.sha256(org.encode()).digest()[:8], "big")
    return f"{_PREFIXES[digest % len(_PREFIXES)]}-{digest // len(_PREFIXES) % 10_000_000:07d}"
