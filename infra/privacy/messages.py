"""Sealing the original of a message that could not be processed (a dead letter).

An inbound message that is refused may hold a sender's personal data (names, notes), and
it was never appended, so no family key covers it (the family may not even exist). The
dead letter therefore carries it sealed (AES-256-GCM) under a key of its own, derived from
the master key (HKDF-SHA256, `info` below): whoever holds JOURNEYS_MASTER_KEY can open it
to replay or answer the sender, a reader of the topic alone cannot. The associated data
binds each sealed value to where the message was read (topic, partition, offset) and to
what it is (value or headers), so it cannot be moved to another dead letter and still open.
A dead letter is not erased with a family: it lives as long as the topic keeps it
(retention.ms on the cluster), which bounds how long a refused message is kept.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

INFO = b"journeys dead letters v1"
NONCE_BYTES = 12
ALGORITHM = "AES-256-GCM, key HKDF-SHA256(master key, info 'journeys dead letters v1')"


class SealBrokenError(ValueError):
    """A sealed original does not open: another master key, another place, or tampering."""


@dataclass(frozen=True)
class MessageSealer:
    """Seals and opens originals under the dead-letter key derived from `master_key`."""

    master_key: bytes
    _cipher: AESGCM = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=INFO).derive(
            self.master_key
        )
        object.__setattr__(self, "_cipher", AESGCM(key))

    def seal(self, plaintext: bytes, *, context: bytes) -> bytes:
        """`nonce || ciphertext and tag`, bound to `context`."""
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._cipher.encrypt(nonce, plaintext, context)

    def open(self, sealed: bytes, *, context: bytes) -> bytes:
        try:
            return self._cipher.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], context)
        except InvalidTag:
            raise SealBrokenError("the sealed original does not open here") from None
