"""The receipt's seal (R-5b): an HMAC-SHA-256 commitment of the canonical bid under a random 256-bit salt.

A plain hash of a bid can be inverted by trying every price (a few seconds for all prices up to $100,000); with a
secret 256-bit salt nobody can test a guess without the salt. The salt is sealed with the bid (KMS envelope) and
published with the tabulation at opening, so anyone can then check that the bid opened is the bid that was sent:

    HMAC-SHA-256(key = bytes.fromhex(salt), message = canonical bid) == commitment on the receipt

where the canonical bid is the JSON body the bidder sent, keys sorted, separators ',' and ':', UTF-8
(`canonical`). `python -m local.verify_receipt` does this check.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

SALT_BYTES = 32  # 256 bits: guessing the salt is as hard as breaking AES-256


def commitment(canonical: bytes, salt: bytes) -> str:
    """The receipt's commitment (hex) of a canonical bid under its salt."""
    if len(salt) != SALT_BYTES:
        raise ValueError(f"a commitment salt has {SALT_BYTES} bytes")
    return hmac.new(salt, canonical, hashlib.sha256).hexdigest()


def verifies(canonical: bytes, salt_hex: str, receipt_commitment: str) -> bool:
    """True when the opened bid and the published salt give the commitment the bidder's receipt shows."""
    try:
        salt = bytes.fromhex(salt_hex)
        return hmac.compare_digest(commitment(canonical, salt), receipt_commitment.lower())
    except ValueError:
        return False


def envelope(canonical: bytes, salt: bytes) -> bytes:
    """What is sealed: the salt, then the canonical bid; the salt stays as secret as the prices until opening."""
    if len(salt) != SALT_BYTES:
        raise ValueError(f"a commitment salt has {SALT_BYTES} bytes")
    return salt + canonical


def open_envelope(plaintext: bytes) -> tuple[bytes, bytes]:
    """(canonical bid, salt) of an opened envelope."""
    return plaintext[SALT_BYTES:], plaintext[:SALT_BYTES]


@dataclass(frozen=True)
class Sealed:
    """Envelope encryption (R-5b): AES-GCM ciphertext and the KMS-encrypted data key, all base64."""

    ciphertext: str
    encrypted_key: str
    nonce: str


def canonical(submitted: dict) -> bytes:
    """The canonical bid: the JSON the bidder sent, keys sorted, no spaces, UTF-8: what the commitment covers."""
    return json.dumps(submitted, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
