"""domain/commitment.py: a receipt that proves the bid without revealing it before opening (R-5b)."""

import hashlib
import json
import subprocess
import sys

import pytest

from chalicelib.domain.commitment import SALT_BYTES, canonical, commitment, envelope, open_envelope, verifies

pytestmark = pytest.mark.rule("R-5b")

BID = {"lines": [{"line_id": "1", "unit_price": "30.00", "quantity": "100"}], "signed": True}
SALT = bytes(range(SALT_BYTES))


def test_the_commitment_is_the_hmac_of_the_canonical_bid_under_the_salt():
    import hmac

    assert commitment(canonical(BID), SALT) == hmac.new(SALT, canonical(BID), hashlib.sha256).hexdigest()


def test_the_commitment_is_not_the_plain_hash_a_guesser_could_recompute():
    assert commitment(canonical(BID), SALT) != hashlib.sha256(canonical(BID)).hexdigest()


def test_the_same_bid_under_two_salts_gives_unrelated_commitments():
    assert commitment(canonical(BID), SALT) != commitment(canonical(BID), bytes(SALT_BYTES))


def test_a_published_salt_verifies_the_bid_that_was_sent():
    receipt = commitment(canonical(BID), SALT)
    assert verifies(canonical(BID), SALT.hex(), receipt)


def test_a_changed_price_does_not_verify():
    receipt = commitment(canonical(BID), SALT)
    changed = {**BID, "lines": [{"line_id": "1", "unit_price": "29.99", "quantity": "100"}]}
    assert not verifies(canonical(changed), SALT.hex(), receipt)


def test_a_malformed_salt_does_not_verify_and_raises_nothing():
    assert not verifies(canonical(BID), "not-hex", commitment(canonical(BID), SALT))


def test_a_salt_shorter_than_256_bits_is_refused():
    with pytest.raises(ValueError, match="32 bytes"):
        commitment(canonical(BID), b"short")


def test_the_sealed_envelope_gives_back_the_bid_and_its_salt():
    assert open_envelope(envelope(canonical(BID), SALT)) == (canonical(BID), SALT)


def test_the_verification_tool_accepts_the_bid_as_sent_in_any_key_order(tmp_path):
    path = tmp_path / "bid.json"
    path.write_text(json.dumps({"signed": True, "lines": BID["lines"]}, indent=2))
    ok = subprocess.run(
        [sys.executable, "-m", "local.verify_receipt", str(path), SALT.hex(), commitment(canonical(BID), SALT)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert ok.returncode == 0, ok.stderr
    bad = subprocess.run(
        [sys.executable, "-m", "local.verify_receipt", str(path), SALT.hex(), "0" * 64],
        capture_output=True,
        text=True,
        check=False,
    )
    assert bad.returncode == 1 and "MISMATCH" in bad.stderr
