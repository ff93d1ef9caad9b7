"""Signed checkpoints: a JSON document over every stream's head (version and chain hash) at
a store position, signed with Ed25519, for an auditor to keep away from the database.

The signature covers the header (format, time, position, counts, the digest over the heads
and the public key); the digest covers the heads. A checkpoint is only as good as the
public key it is checked against: `read_checkpoint` wants the key the auditor trusts, not
the one the file names, since whoever can rewrite the file can sign it with a key of
their own.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

FORMAT = "journeys-checkpoint/1"
SIGNED = ("format", "created_at", "position", "events", "streams", "digest", "public_key")
CONTEXT = b"journeys checkpoint\n"  # what is signed is never valid as anything else


class CheckpointError(ValueError):
    """A checkpoint file that is malformed, altered, or signed by another key."""


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint as read back, its signature checked."""

    created_at: str
    position: int
    events: int
    heads: Mapping[str, tuple[int, bytes]]
    """Stream id -> (version, chain hash)."""
    public_key: str


def signing_key(seed: str) -> Ed25519PrivateKey:
    """The key from JOURNEYS_SIGNING_KEY: base64 of a 32-byte Ed25519 seed."""
    try:
        raw = base64.b64decode(seed, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not base64 (of a 32-byte Ed25519 seed)") from None
    if len(raw) != 32:
        raise ValueError(f"decodes to {len(raw)} bytes; an Ed25519 seed has 32")
    return Ed25519PrivateKey.from_private_bytes(raw)


def public_key_text(key: Ed25519PrivateKey) -> str:
    """The public key, base64 of its 32 raw bytes: what to hand to auditors."""
    return base64.b64encode(key.public_key().public_bytes_raw()).decode("ascii")


def key_id(public_key: str) -> str:
    """A short fingerprint of a public key, for people to compare."""
    return hashlib.sha256(public_key.encode("ascii")).hexdigest()[:16]


def heads_digest(heads: Mapping[str, tuple[int, str]]) -> str:
    """sha256 over the heads, one `stream version hash` line each, sorted by stream id."""
    digest = hashlib.sha256()
    for stream_id in sorted(heads):
        version, hash_hex = heads[stream_id]
        digest.update(f"{stream_id} {version} {hash_hex}\n".encode("ascii"))
    return digest.hexdigest()


def signed_bytes(document: Mapping[str, Any]) -> bytes:
    header = {name: document[name] for name in SIGNED}
    return CONTEXT + json.dumps(header, sort_keys=True, separators=(",", ":")).encode("utf-8")


def make_checkpoint(
    *,
    heads: Mapping[str, tuple[int, str]],
    position: int,
    events: int,
    created_at: datetime,
    key: Ed25519PrivateKey,
) -> dict[str, Any]:
    """The checkpoint document for these heads (stream id -> (version, hash hex))."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "created_at": created_at.isoformat(),
        "position": position,
        "events": events,
        "streams": len(heads),
        "digest": heads_digest(heads),
        "public_key": public_key_text(key),
    }
    document["signature"] = base64.b64encode(key.sign(signed_bytes(document))).decode("ascii")
    document["heads"] = {
        stream_id: {"version": version, "hash": hash_hex}
        for stream_id, (version, hash_hex) in sorted(heads.items())
    }
    return document


def read_checkpoint(document: Any, *, trusted_key: str) -> Checkpoint:
    """Check a checkpoint document: its form, that `trusted_key` signed it, and that its
    heads are the ones signed. Raises CheckpointError saying what is wrong."""
    try:
        if document.get("format") != FORMAT:
            raise CheckpointError(f"not a {FORMAT} document")
        if document["public_key"] != trusted_key:
            raise CheckpointError(
                f"signed by key {key_id(document['public_key'])}, not by the trusted key "
                f"{key_id(trusted_key)}"
            )
        public = Ed25519PublicKey.from_public_bytes(base64.b64decode(trusted_key))
        signature = base64.b64decode(document["signature"], validate=True)
        heads = {
            str(stream_id): (int(head["version"]), str(head["hash"]))
            for stream_id, head in document["heads"].items()
        }
        header = signed_bytes(document)
        position, events = int(document["position"]), int(document["events"])
    except CheckpointError:
        raise
    except (KeyError, TypeError, ValueError, AttributeError, binascii.Error) as error:
        raise CheckpointError(f"not a readable checkpoint ({type(error).__name__})") from None
    try:
        public.verify(signature, header)
    except InvalidSignature:
        raise CheckpointError("the signature does not match: the file was altered") from None
    if heads_digest(heads) != document["digest"] or len(heads) != document["streams"]:
        raise CheckpointError("the heads are not the signed ones: the file was altered")
    try:
        decoded = {k: (v, bytes.fromhex(h)) for k, (v, h) in heads.items()}
    except ValueError:
        raise CheckpointError("a head's hash is not hexadecimal") from None
    return Checkpoint(str(document["created_at"]), position, events, decoded, trusted_key)
