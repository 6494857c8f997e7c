"""The PII key ring: rotation, tamper detection, associated data and lookup hashes."""

from __future__ import annotations

import base64

import pytest

from shared.crypto import (
    DecryptionError,
    KeyRing,
    KeyRingError,
    UnknownKeyError,
    associated_data,
    generate_key,
)

K1, K2, LOOKUP = generate_key(), generate_key(), generate_key()
AAD = associated_data("org-1", "member.email")


def test_round_trip_with_associated_data() -> None:
    ring = KeyRing.from_spec(f"k1:{K1}")
    sealed = ring.encrypt("jana@example.com", AAD)
    assert b"jana" not in sealed
    assert ring.decrypt_str(sealed, AAD) == "jana@example.com"
    assert ring.encrypt("x", AAD) != ring.encrypt("x", AAD)  # fresh nonce each time


def test_decrypts_data_written_under_a_rotated_out_key() -> None:
    old_ring = KeyRing.from_spec(f"k1:{K1}")
    written_before_rotation = old_ring.encrypt(b"+420 777 123 456", AAD)

    rotated = KeyRing.from_spec(f"k2:{K2},k1:{K1}")
    assert rotated.active_key_id == "k2"
    assert rotated.decrypt(written_before_rotation, AAD) == b"+420 777 123 456"
    assert rotated.key_id_of(rotated.encrypt(b"new", AAD)) == "k2"

    assert rotated.needs_reencryption(written_before_rotation)
    migrated = rotated.reencrypt(written_before_rotation, AAD)
    assert rotated.key_id_of(migrated) == "k2"
    assert not rotated.needs_reencryption(migrated)
    # Once everything is migrated the old key can go.
    assert KeyRing.from_spec(f"k2:{K2}").decrypt(migrated, AAD) == b"+420 777 123 456"


def test_rejects_tampered_ciphertext() -> None:
    ring = KeyRing.from_spec(f"k1:{K1}")
    sealed = bytearray(ring.encrypt(b"secret value", AAD))
    for position in (len(sealed) - 1, len(sealed) - 20, 5):  # tag, body, nonce
        tampered = bytearray(sealed)
        tampered[position] ^= 0x01
        with pytest.raises(DecryptionError):
            ring.decrypt(bytes(tampered), AAD)
    with pytest.raises(DecryptionError):
        ring.decrypt(bytes(sealed[:20]), AAD)
    with pytest.raises(DecryptionError):
        ring.decrypt(b"\x07" + bytes(sealed[1:]), AAD)


def test_rejects_wrong_associated_data() -> None:
    ring = KeyRing.from_spec(f"k1:{K1}")
    sealed = ring.encrypt(b"jana@example.com", AAD)
    with pytest.raises(DecryptionError):
        ring.decrypt(sealed, associated_data("org-2", "member.email"))  # moved to another org
    with pytest.raises(DecryptionError):
        ring.decrypt(sealed, associated_data("org-1", "member.phone"))  # moved to another field


def test_relabelled_key_id_is_rejected() -> None:
    # Same key under two ids: swapping the id in the header must still fail authentication.
    ring = KeyRing.from_spec(f"ka:{K1},kb:{K1}")
    sealed = ring.encrypt(b"value")
    relabelled = sealed.replace(b"ka", b"kb", 1)
    with pytest.raises(DecryptionError):
        ring.decrypt(relabelled)


def test_unknown_key_is_a_clear_error() -> None:
    sealed = KeyRing.from_spec(f"k9:{K1}").encrypt(b"value")
    with pytest.raises(UnknownKeyError, match="k9"):
        KeyRing.from_spec(f"k1:{K1}").decrypt(sealed)


@pytest.mark.parametrize(
    "spec",
    [
        "",
        "k1",
        f"k1:{K1},k1:{K2}",
        "k1:not-base64!!",
        f"k1:{base64.b64encode(b'short').decode()}",
        f"bad id:{K1}",
    ],
)
def test_bad_key_ring_specs_fail_without_echoing_key_material(spec: str) -> None:
    with pytest.raises(KeyRingError) as raised:
        KeyRing.from_spec(spec)
    assert K1 not in str(raised.value) and K2 not in str(raised.value)


def test_keyed_hash_is_stable_across_rotation_and_normalizes_emails() -> None:
    before = KeyRing.from_spec(f"k1:{K1},lookup:{LOOKUP}")
    after = KeyRing.from_spec(f"k2:{K2},k1:{K1},lookup:{LOOKUP}")
    digest = before.keyed_hash("Jana@Example.com ", kind="email")
    assert digest == after.keyed_hash("jana@example.com", kind="email")
    assert len(digest) == 32
    assert digest != before.keyed_hash("jana@example.com", kind="phone")
    assert digest != KeyRing.from_spec(f"k1:{K1},lookup:{generate_key()}").keyed_hash(
        "jana@example.com", kind="email"
    )
    with pytest.raises(KeyRingError, match="lookup"):
        KeyRing.from_spec(f"k1:{K1}").keyed_hash("x")


def test_lookup_key_is_never_used_to_encrypt() -> None:
    ring = KeyRing.from_spec(f"lookup:{LOOKUP},k1:{K1}")
    assert ring.active_key_id == "k1"
    assert ring.key_ids == ["k1"]
