"""The project's README, which tests hold to what the code does."""

from __future__ import annotations

from pathlib import Path

README = Path(__file__).parents[2] / "README.md"
