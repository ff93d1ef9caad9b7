"""Pseudonymous family identifiers for research: a keyed hash of the family id.

The same family always gets the same pseudonym under one secret, so a researcher can follow
a family across extracts (re-referral, step-up / step-down) without its real id; without the
secret, a pseudonym cannot be turned back into a family id, nor checked against a guessed
one. Changing the secret gives every family a new, unlinkable pseudonym.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from uuid import UUID

PREFIX = "p-"
DIGEST_BYTES = 20  # 160 bits: collisions are out of reach for any number of families


class Pseudonyms:
    """Turns family ids into pseudonyms with one secret (`JOURNEYS_PSEUDONYM_SECRET`)."""

    def __init__(self, secret: str) -> None:
        if not secret:
            raise ValueError("the pseudonym secret must not be empty")
        self._key = secret.encode()

    def of(self, family_id: UUID) -> str:
        """The family's pseudonym: `p-` and 32 base32 characters."""
        return self._hash(b"family", family_id.bytes)

    def of_episode(self, episode_id: UUID) -> str:
        """An episode's pseudonym, unlinkable to the family's without the secret."""
        return self._hash(b"episode", episode_id.bytes)

    def _hash(self, kind: bytes, value: bytes) -> str:
        # The kind keeps a family's pseudonym and an episode's apart even for equal bytes.
        digest = hmac.new(self._key, kind + b"\x00" + value, hashlib.sha256).digest()
        return PREFIX + base64.b32encode(digest[:DIGEST_BYTES]).decode().lower()
