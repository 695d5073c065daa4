"""The Merkle tree of RFC 6962 section 2.1 and the entry hash chain, checked against the RFC's definitions and the
Certificate Transparency test vectors (leaves D[0..7] of the reference implementation's tests)."""

from __future__ import annotations

import hashlib

import pytest

from chalicelib.domain import audit_log

VECTOR_LEAVES = [
    b"",
    b"\x00",
    b"\x10",
    b"\x20\x21",
    b"\x30\x31",
    b"\x40\x41\x42\x43",
    b"\x50\x51\x52\x53\x54\x55\x56\x57",
    b"\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f",
]
LEAVES = [hashlib.sha256(b"\x00" + d).digest() for d in VECTOR_LEAVES]


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 6962 2.1 word for word: k is the largest power of two smaller than n."""
    if len(leaves) == 1:
        return leaves[0]
    k = 1 << ((len(leaves) - 1).bit_length() - 1)
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


def test_the_tree_hash_of_the_test_vectors_is_the_published_root():
    # Given the eight leaves of the CT test vectors / When hashed / Then the published roots of sizes 1, 6 and 8
    assert audit_log.tree_hash(LEAVES[:1]).hex() == "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d"
    assert audit_log.tree_hash(LEAVES[:6]).hex() == "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef"
    assert audit_log.tree_hash(LEAVES).hex() == "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328"


def test_the_empty_tree_hash_is_the_hash_of_nothing():
    assert audit_log.tree_hash([]) == hashlib.sha256(b"").digest()


def test_a_leaf_hash_prefixes_the_entry_hash_with_a_zero_byte():
    entry = "ab" * 32
    assert audit_log.leaf_hash(entry) == hashlib.sha256(b"\x00" + bytes.fromhex(entry)).digest()


def test_the_consistency_proof_from_six_to_eight_is_the_published_one():
    # Given the test vectors / When proving 6 is a prefix of 8 / Then the published proof
    assert [p.hex() for p in audit_log.consistency_proof(6, LEAVES)] == [
        "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
        "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
        "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    ]


@pytest.mark.parametrize("size", range(1, 18))
def test_every_inclusion_proof_leads_to_the_root_the_rfc_defines(size):
    # Given trees of 1 to 17 leaves / When each leaf's path is followed / Then it leads to MTH as the RFC defines it
    leaves = [hashlib.sha256(bytes([n])).digest() for n in range(size)]
    for index in range(size):
        proof = audit_log.inclusion_proof(index, leaves)
        assert audit_log.root_from_inclusion(index, size, leaves[index], proof) == _mth(leaves)


@pytest.mark.parametrize("size", range(2, 18))
def test_every_consistency_proof_verifies_and_a_changed_leaf_breaks_it(size):
    # Given trees of 2 to 17 leaves / When each prefix is proved consistent / Then it verifies; with one leaf of the
    # old tree changed, it does not
    leaves = [hashlib.sha256(bytes([n])).digest() for n in range(size)]
    for old in range(1, size):
        proof = audit_log.consistency_proof(old, leaves)
        assert audit_log.consistent(old, _mth(leaves[:old]), size, _mth(leaves), proof)
        forged = [hashlib.sha256(b"forged").digest(), *leaves[1:old]]
        assert not audit_log.consistent(old, _mth(forged), size, _mth(leaves), proof)


def test_an_inclusion_proof_of_another_leaf_does_not_lead_to_the_root():
    proof = audit_log.inclusion_proof(2, LEAVES)
    assert audit_log.root_from_inclusion(2, 8, LEAVES[3], proof) != audit_log.tree_hash(LEAVES)


def test_an_entry_hash_covers_every_field_and_the_previous_hash():
    # Given an entry / When any field or the previous hash changes / Then its hash changes
    entry = {
        "entity": "plan:P-1",
        "seq": "s",
        "actor": "a",
        "role": "opm",
        "org": "OPM",
        "action": "x",
        "before": None,
        "after": '{"id": "P-1"}',
        "previous": None,
    }
    original = audit_log.entry_hash(entry)
    for name in audit_log.ENTRY_FIELDS:
        assert audit_log.entry_hash(entry | {name: "changed"}) != original, name
    assert audit_log.entry_hash(entry | {"hash": "ignored"}) == original
