"""Sealed bids (R-5b): envelope encryption with a KMS data key and AES-256-GCM; and the KMS signature of audit checkpoints.

The encryption context binds each ciphertext to its solicitation and bid: KMS refuses to decrypt the data key
under any other pair, and the same context is the AES-GCM associated data. Only the opening function's role
may call kms:Decrypt (infra/build.py)."""

from __future__ import annotations

import base64
import json
import os
from functools import cached_property

import boto3
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from chalicelib.adapters.throttling import throttling_as_unavailable
from chalicelib.domain.commitment import Sealed


def context_for(solicitation_id: str, bid_id: str) -> dict[str, str]:
    return {"solicitation_id": solicitation_id, "bid_id": bid_id}


def _aad(context: dict[str, str]) -> bytes:
    return json.dumps(context, sort_keys=True, separators=(",", ":")).encode()


class KmsSealer:
    def __init__(self, key_id: str, region: str):
        self.key_id = key_id
        self.region = region

    @cached_property
    def _kms(self):
        """Made on the first seal or open, from boto3's one shared session."""
        return boto3.client("kms", region_name=self.region)

    def seal(self, plaintext: bytes, solicitation_id: str, bid_id: str) -> Sealed:
        context = context_for(solicitation_id, bid_id)
        with throttling_as_unavailable("The sealing key service"):
            key = self._kms.generate_data_key(KeyId=self.key_id, KeySpec="AES_256", EncryptionContext=context)
        nonce = os.urandom(12)
        ciphertext = AESGCM(key["Plaintext"]).encrypt(nonce, plaintext, _aad(context))
        return Sealed(
            ciphertext=base64.b64encode(ciphertext).decode(),
            encrypted_key=base64.b64encode(key["CiphertextBlob"]).decode(),
            nonce=base64.b64encode(nonce).decode(),
        )

    def open(self, sealed: Sealed, solicitation_id: str, bid_id: str) -> bytes:
        context = context_for(solicitation_id, bid_id)
        with throttling_as_unavailable("The sealing key service"):
            key = self._kms.decrypt(
                CiphertextBlob=base64.b64decode(sealed.encrypted_key), EncryptionContext=context, KeyId=self.key_id
            )
        return AESGCM(key["Plaintext"]).decrypt(
            base64.b64decode(sealed.nonce), base64.b64decode(sealed.ciphertext), _aad(context)
        )


class KmsSigner:
    """Signs audit checkpoints with the KMS asymmetric key (ECC_NIST_P256, ECDSA_SHA_256); its private half never
    leaves KMS, and anyone verifies with the public key."""

    ALGORITHM = "ECDSA_SHA_256"

    def __init__(self, key_id: str, region: str):
        self.key_id = key_id
        self._kms = boto3.client("kms", region_name=region)

    def sign(self, message: bytes) -> bytes:
        with throttling_as_unavailable("The signing key service"):
            return self._kms.sign(KeyId=self.key_id, Message=message, MessageType="RAW", SigningAlgorithm=self.ALGORITHM)[
                "Signature"
            ]

    def public_key(self) -> bytes:
        """The DER SubjectPublicKeyInfo of the key."""
        with throttling_as_unavailable("The signing key service"):
            return self._kms.get_public_key(KeyId=self.key_id)["PublicKey"]
