"""Timeline entries as the API shows them, with the personal data of each read from its
events (projections.shared `personal_details`, the one place it is): for the timeline and
the shared view.
"""

from __future__ import annotations

from collections.abc import Mapping

from api.common.schemas.timeline import TimelineEntryPublic
from projections.base import Doc
from projections.shared import with_personal


def entry_public(entry: Doc, personal: Mapping[str, Doc] | None) -> TimelineEntryPublic:
    """An entry of the timeline with the personal data of it and its corrections, if given."""
    return TimelineEntryPublic.model_validate(with_personal(entry, personal))
