"""What a family's state holds, declared once for the aggregate and its command mixins."""

from __future__ import annotations

from datetime import date, datetime
from typing import TYPE_CHECKING, Any

from domain.values import PersonalData


class FamilyState:
    """The attributes of a family's state (set in Family.__init__ and by its events)."""

    area: str
    code_list_version: str
    members: dict[str, dict[str, Any]]
    episodes: dict[str, dict[str, Any]]
    open_episode_id: str | None
    consents: dict[str, dict[str, Any]]
    entries: dict[str, str]
    retracted: dict[str, str]
    erased_at: datetime | None
    legal_holds: tuple[tuple[str, str, str], ...]
    times: dict[str, tuple[datetime, datetime, str]]
    follows: dict[str, tuple[str, ...]]
    periods: dict[str, tuple[date, date]]
    births: dict[str, PersonalData]

    if TYPE_CHECKING:  # given by eventsourcing's Aggregate, which Family also derives from

        def trigger_event(self, event_class: Any, **kwargs: Any) -> None: ...
