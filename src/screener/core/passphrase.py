"""Reviewer passphrases: scrypt hashes with a per-reviewer salt, compared in constant time.

Only the hash is stored, never the passphrase. The scrypt parameters are fixed here and
stored beside each hash, so that a later version can raise them without locking anyone
out (an old hash is checked with the parameters it was made with).

- ``N = 2**14, r = 8, p = 1`` (16 MiB of memory, about 50 ms on a laptop: the cost an
  offline guess pays per try), a 32-byte key and a 16-byte random salt from ``os.urandom``.
- The passphrase is NFC-normalised and encoded as UTF-8 first, so that the same typed
  text gives the same bytes on every platform.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import unicodedata
from dataclasses import dataclass

SCRYPT_N = 2**14
SCRYPT_R = 8
SCRYPT_P = 1
KEY_BYTES = 32
SALT_BYTES = 16
MIN_LENGTH = 8


@dataclass(frozen=True, slots=True)
class PassphraseHash:
    """What is stored for one reviewer: salt, derived key and the scrypt parameters used."""

    salt: bytes
    key: bytes
    n: int = SCRYPT_N
    r: int = SCRYPT_R
    p: int = SCRYPT_P


def _derive(passphrase: str, salt: bytes, n: int, r: int, p: int, length: int) -> bytes:
    secret = unicodedata.normalize("NFC", passphrase).encode("utf-8")
    return hashlib.scrypt(secret, salt=salt, n=n, r=r, p=p, maxmem=256 * n * r + (1 << 20), dklen=length)


def hash_passphrase(passphrase: str, *, salt: bytes | None = None) -> PassphraseHash:
    """A new hash of ``passphrase`` with a fresh random salt (or ``salt``, for tests)."""
    salt = os.urandom(SALT_BYTES) if salt is None else salt
    return PassphraseHash(salt, _derive(passphrase, salt, SCRYPT_N, SCRYPT_R, SCRYPT_P, KEY_BYTES))


def verify(passphrase: str, stored: PassphraseHash) -> bool:
    """True if ``passphrase`` is the one ``stored`` was made from (constant-time comparison)."""
    candidate = _derive(passphrase, stored.salt, stored.n, stored.r, stored.p, len(stored.key))
    return hmac.compare_digest(candidate, stored.key)


def weakness(passphrase: str) -> str | None:
    """Why a new passphrase is refused, or None if it can be used."""
    if len(passphrase) < MIN_LENGTH:
        return f"a passphrase needs at least {MIN_LENGTH} characters"
    if passphrase != passphrase.strip():
        return "a passphrase cannot start or end with a space"
    return None
