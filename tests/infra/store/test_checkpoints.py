"""Signed checkpoints: a document read back is the one signed, by the key the auditor
trusts, or it is refused saying why."""

from __future__ import annotations

import base64
import copy
from datetime import UTC, datetime
from typing import Any

import pytest

from infra.store.checkpoints import (
    CheckpointError,
    make_checkpoint,
    public_key_text,
    read_checkpoint,
    signing_key,
)

KEY = signing_key(base64.b64encode(bytes(range(32))).decode())
OTHER = signing_key(base64.b64encode(bytes(range(1, 33))).decode())
HEADS = {"a" * 8: (3, "ab" * 32), "b" * 8: (12, "cd" * 32)}


def document(key: Any = KEY) -> dict[str, Any]:
    return make_checkpoint(
        heads=HEADS, position=15, events=15, created_at=datetime(2025, 1, 6, tzinfo=UTC), key=key
    )


def test_a_checkpoint_reads_back_as_signed() -> None:
    read = read_checkpoint(document(), trusted_key=public_key_text(KEY))

    assert (read.position, read.events) == (15, 15)
    assert read.heads == {k: (v, bytes.fromhex(h)) for k, (v, h) in HEADS.items()}


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda d: d.update(position=14), "signature does not match"),
        (lambda d: d.update(created_at="2020-01-01T00:00:00+00:00"), "signature does not match"),
        (lambda d: d["heads"]["a" * 8].update(version=2), "heads are not the signed ones"),
        (lambda d: d["heads"].pop("b" * 8), "heads are not the signed ones"),
        (lambda d: d.update(signature="***"), "not a readable checkpoint"),
        (lambda d: d.pop("heads"), "not a readable checkpoint"),
        (lambda d: d.update(format="something else"), "not a journeys-checkpoint/1"),
    ],
)
def test_an_altered_checkpoint_is_refused(change: Any, why: str) -> None:
    altered = copy.deepcopy(document())
    change(altered)

    with pytest.raises(CheckpointError, match=why):
        read_checkpoint(altered, trusted_key=public_key_text(KEY))


def test_a_checkpoint_signed_by_another_key_is_refused_even_if_it_names_that_key() -> None:
    theirs = document(OTHER)

    with pytest.raises(CheckpointError, match="not by the trusted key"):
        read_checkpoint(theirs, trusted_key=public_key_text(KEY))
    forged = {**theirs, "public_key": public_key_text(KEY)}  # claims our key, their signature
    with pytest.raises(CheckpointError, match="signature does not match"):
        read_checkpoint(forged, trusted_key=public_key_text(KEY))


@pytest.mark.parametrize("seed", ["not base64!", base64.b64encode(b"short").decode()])
def test_a_signing_key_must_be_a_32_byte_seed(seed: str) -> None:
    with pytest.raises(ValueError, match="32"):
        signing_key(seed)
