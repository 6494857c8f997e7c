"""Application-level AES-GCM encryption of PII with a rotating key ring and keyed lookup hashes."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

if TYPE_CHECKING:
    from shared.settings import ServiceSettings

# Ciphertext layout (all fields concatenated, no separators):
#
#   version   1 byte   FORMAT_VERSION (0x01)
#   id_len    1 byte   length n of the key id, 1..32
#   key_id    n bytes  ASCII key id from the key ring spec
#   nonce     12 bytes random per encryption
#   sealed    rest     AES-GCM ciphertext followed by its 16-byte tag
#
# The header (version..nonce) is also authenticated, together with the caller's associated data,
# so a ciphertext cannot be relabelled with another key id or moved to another row or field.
FORMAT_VERSION = 1
NONCE_BYTES = 12
TAG_BYTES = 16
LOOKUP_KEY_ID = "lookup"

_KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,32}$")


class CryptoError(Exception):
    """Base class: something about keys or ciphertext is wrong. Never shown to API callers."""


class KeyRingError(CryptoError):
    """The key ring spec is malformed or lacks a needed key."""


class UnknownKeyError(CryptoError):
    """The ciphertext names a key id that is not in the ring (retired too early?)."""


class DecryptionError(CryptoError):
    """The ciphertext is malformed, was tampered with, or the associated data does not match."""


def generate_key() -> str:
    """A fresh random AES-256 key, base64-encoded for a key ring spec."""
    return base64.b64encode(AESGCM.generate_key(bit_length=256)).decode("ascii")


def associated_data(*parts: str) -> bytes:
    """Builds associated data binding a ciphertext to its place, e.g. (org_id, "member.email").

    Parts are length-prefixed so ("ab", "c") and ("a", "bc") differ.
    """
    out = bytearray()
    for part in parts:
        raw = part.encode()
        out += len(raw).to_bytes(4, "big") + raw
    return bytes(out)


def _decode_key(key_id: str, text: str) -> bytes:
    try:
        key = base64.b64decode(text.strip() + "=" * (-len(text.strip()) % 4), validate=True)
    except (binascii.Error, ValueError):
        try:
            key = base64.urlsafe_b64decode(text.strip() + "=" * (-len(text.strip()) % 4))
        except (binascii.Error, ValueError) as error:
            raise KeyRingError(f"key {key_id!r} is not valid base64") from error
    if len(key) not in (16, 24, 32):
        raise KeyRingError(f"key {key_id!r} must be 16, 24 or 32 bytes, got {len(key)}")
    return key


@dataclass(frozen=True)
class _Header:
    key_id: str
    nonce: bytes
    header: bytes
    sealed: bytes


class KeyRing:
    """Encrypts with the active key and decrypts with any key in the ring.

    Spec: comma-separated `id:base64key` entries; the first is active, the rest decrypt only.
    An entry with the reserved id `lookup` is the HMAC key for `keyed_hash` and is never used to
    encrypt; it must stay the same across rotations or lookups by hash stop matching.
    Example: `k2:<b64>,k1:<b64>,lookup:<b64>`.
    Rotation: put the new key first, re-encrypt rows with `reencrypt` (or lazily on write), and
    drop the old key only when `needs_reencryption` is false for every stored ciphertext.
    """

    def __init__(self, keys: list[tuple[str, bytes]], lookup_key: bytes | None = None) -> None:
        if not keys:
            raise KeyRingError("the key ring has no encryption key")
        seen: set[str] = set()
        for key_id, key in keys:
            if not _KEY_ID.match(key_id) or key_id == LOOKUP_KEY_ID:
                raise KeyRingError(f"invalid key id {key_id!r} (1-32 of A-Z a-z 0-9 _ -)")
            if key_id in seen:
                raise KeyRingError(f"duplicate key id {key_id!r}")
            if len(key) not in (16, 24, 32):
                raise KeyRingError(f"key {key_id!r} must be 16, 24 or 32 bytes")
            seen.add(key_id)
        self._active_id = keys[0][0]
        self._ciphers = {key_id: AESGCM(key) for key_id, key in keys}
        self._lookup_key = lookup_key

    @classmethod
    def from_spec(cls, spec: str) -> KeyRing:
        keys: list[tuple[str, bytes]] = []
        lookup: bytes | None = None
        for index, entry in enumerate(e.strip() for e in spec.split(",")):
            if not entry:
                continue
            key_id, sep, material = entry.partition(":")
            key_id = key_id.strip()
            if not sep or not key_id or not material.strip():
                # Do not echo the entry: it contains key material.
                raise KeyRingError(f"key ring entry #{index + 1} is not of the form id:base64key")
            key = _decode_key(key_id, material)
            if key_id == LOOKUP_KEY_ID:
                lookup = key
            else:
                keys.append((key_id, key))
        return cls(keys, lookup)

    @classmethod
    def from_settings(cls, settings: ServiceSettings) -> KeyRing:
        """The ring from SP_PII_KEYS; fails with a clear message when it is not configured."""
        spec = settings.pii_keys.get_secret_value()
        if not spec.strip():
            raise KeyRingError("SP_PII_KEYS is empty: set it to e.g. k1:<base64 key>,lookup:<base64 key>")
        return cls.from_spec(spec)

    @property
    def active_key_id(self) -> str:
        return self._active_id

    @property
    def key_ids(self) -> list[str]:
        return list(self._ciphers)

    def encrypt(self, plaintext: bytes | str, aad: bytes | str = b"") -> bytes:
        data = plaintext.encode() if isinstance(plaintext, str) else plaintext
        key_id = self._active_id.encode("ascii")
        nonce = os.urandom(NONCE_BYTES)
        header = bytes([FORMAT_VERSION, len(key_id)]) + key_id + nonce
        sealed = self._ciphers[self._active_id].encrypt(nonce, data, header + _aad(aad))
        return header + sealed

    def decrypt(self, ciphertext: bytes, aad: bytes | str = b"") -> bytes:
        parsed = _parse(ciphertext)
        cipher = self._ciphers.get(parsed.key_id)
        if cipher is None:
            raise UnknownKeyError(f"ciphertext was written with unknown key id {parsed.key_id!r}")
        try:
            return cipher.decrypt(parsed.nonce, parsed.sealed, parsed.header + _aad(aad))
        except InvalidTag:
            raise DecryptionError(
                "ciphertext failed authentication (tampered, or wrong associated data)"
            ) from None

    def decrypt_str(self, ciphertext: bytes, aad: bytes | str = b"") -> str:
        return self.decrypt(ciphertext, aad).decode()

    def key_id_of(self, ciphertext: bytes) -> str:
        return _parse(ciphertext).key_id

    def needs_reencryption(self, ciphertext: bytes) -> bool:
        return self.key_id_of(ciphertext) != self._active_id

    def reencrypt(self, ciphertext: bytes, aad: bytes | str = b"") -> bytes:
        """Returns the value sealed under the active key (unchanged if it already is)."""
        if not self.needs_reencryption(ciphertext):
            return ciphertext
        return self.encrypt(self.decrypt(ciphertext, aad), aad)

    def keyed_hash(self, value: str, *, kind: str = "") -> bytes:
        """HMAC-SHA256 for finding rows by an encrypted value (equality only).

        Values are normalized first (trimmed; emails lower-cased) so lookups match regardless of
        how a user typed them. `kind` separates namespaces (e.g. "email" vs "phone").
        """
        if self._lookup_key is None:
            raise KeyRingError(f"the key ring has no '{LOOKUP_KEY_ID}' key for keyed hashes")
        normalized = value.strip()
        if kind == "email" or "@" in normalized:
            normalized = normalized.lower()
        message = associated_data(kind, normalized)
        return hmac.new(self._lookup_key, message, hashlib.sha256).digest()


def _aad(aad: bytes | str) -> bytes:
    return aad.encode() if isinstance(aad, str) else aad


def _parse(ciphertext: bytes) -> _Header:
    if len(ciphertext) < 2 or ciphertext[0] != FORMAT_VERSION:
        raise DecryptionError("ciphertext has an unknown format version")
    id_len = ciphertext[1]
    start = 2 + id_len
    if id_len == 0 or len(ciphertext) < start + NONCE_BYTES + TAG_BYTES:
        raise DecryptionError("ciphertext is truncated")
    try:
        key_id = ciphertext[2:start].decode("ascii")
    except UnicodeDecodeError:
        raise DecryptionError("ciphertext has a malformed key id") from None
    nonce = ciphertext[start : start + NONCE_BYTES]
    return _Header(
        key_id=key_id,
        nonce=nonce,
        header=ciphertext[: start + NONCE_BYTES],
        sealed=ciphertext[start + NONCE_BYTES :],
    )
