"""Sealed bids with KMS (moto): envelope encryption bound to (solicitation, bid) by the encryption context, and
kms:Decrypt granted to the opening function only (R-5b)."""

import boto3
import pytest
from botocore.exceptions import ClientError

from app import app
from chalicelib import bootstrap
from chalicelib.adapters.sealing import KmsSealer
from infra import build


@pytest.fixture
def sealer(stack):
    return bootstrap.sealer()


@pytest.mark.rule("R-5b")
def test_a_sealed_bid_opens_only_under_its_own_solicitation_and_bid(sealer):
    sealed = sealer.seal(b'{"unit_price":"25.10"}', "ITB-1", "BID-1")
    assert b"25.10" not in sealed.ciphertext.encode() and sealed.encrypted_key
    assert sealer.open(sealed, "ITB-1", "BID-1") == b'{"unit_price":"25.10"}'
    with pytest.raises(ClientError, match="InvalidCiphertext"):
        sealer.open(sealed, "ITB-1", "BID-2")


@pytest.mark.rule("R-5b")
def test_each_bid_gets_its_own_data_key(sealer):
    one, two = sealer.seal(b"x", "ITB-1", "BID-1"), sealer.seal(b"x", "ITB-1", "BID-1")
    assert one.encrypted_key != two.encrypted_key and one.ciphertext != two.ciphertext


@pytest.mark.rule("R-5b")
def test_the_data_key_is_refused_by_kms_under_another_encryption_context(stack, sealer):
    import base64

    sealed = sealer.seal(b"x", "ITB-1", "BID-1")
    kms = boto3.client("kms", region_name="us-east-1")
    with pytest.raises(kms.exceptions.InvalidCiphertextException):
        kms.decrypt(
            CiphertextBlob=base64.b64decode(sealed.encrypted_key),
            EncryptionContext={"solicitation_id": "ITB-9", "bid_id": "BID-1"},
        )


@pytest.mark.rule("R-5b")
def test_the_sealer_uses_the_configured_key(stack):
    assert (
        isinstance(bootstrap.sealer(), KmsSealer) and bootstrap.sealer().key_id == bootstrap.settings().bid_sealing_key_id != ""
    )


@pytest.mark.rule("R-5b")
@pytest.mark.rule("R-16c")
def test_only_the_bid_and_proposal_openings_may_decrypt_with_the_sealing_key():
    policy = build.merge_template(app)["Resources"]["BidSealingKey"]["Properties"]["KeyPolicy"]
    decrypting = [s["Principal"]["AWS"] for s in policy["Statement"] if "kms:Decrypt" in s["Action"]]
    assert decrypting == [[{"Fn::GetAtt": ["ItbOpenBidsRole", "Arn"]}, {"Fn::GetAtt": ["RfpOpenProposalsRole", "Arn"]}]]
