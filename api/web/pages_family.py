"""The family page, `/web/families/{family_id}`: the journey panel and the timeline as the
record stood at the end of a chosen day (today if none), from the same reads, under the same
rules, as GET /families/{id}/journey and /timeline.

The day is a form (a slider and a date box; GET `as_recorded_at`), so the page works without
JavaScript; `/static/timeline.js` replays both panels for the day chosen without a reload.
What an entry shows is made here as text, each code by its label (api.web.pages_text);
the templates only lay it out.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from fastapi.responses import HTMLResponse

from api.common.access import AccessRecording
from api.common.deps import FamilyRead, JourneyReader, JourneysDep
from api.common.reads_journey import family_journey
from api.common.reads_timeline import timeline_page
from api.web.pages import PageRoute
from api.web.pages_text import EntryShown, entry_shown, label
from api.web.templating import long_date, moment, render, stage_name
from infra.bootstrap import Journeys
from projections.journey import JourneyAnswers
from projections.timeline import MAX_LIMIT

router = APIRouter(prefix="/web", include_in_schema=False, route_class=PageRoute)

# A family's timeline is read a page at a time; a family with more entries than this is
# shown up to it, and the page says so.
MAX_ENTRIES = 20 * MAX_LIMIT


@dataclass(frozen=True)
class Day:
    """The day whose record a page shows, and the range a reader may choose it from: the
    day of the family's first recorded entry to today (the application's clock, UTC)."""

    shown: date
    first: date
    today: date

    @property
    def end(self) -> datetime:
        """The instant the record is read at: the end of the day shown."""
        return datetime.combine(self.shown, time.max, tzinfo=UTC)

    @property
    def text(self) -> str:
        return long_date(self.shown) + (" (today)" if self.shown == self.today else "")


def day_asked(journeys: Journeys, read: FamilyRead, asked: date | None) -> Day:
    first = moment(read.directory["recorded_at"]).date()
    # A clock behind the store (set back in a test, or skewed) still shows the family.
    today = max(journeys.app.clock().astimezone(UTC).date(), first)
    shown = today if asked is None else min(max(asked, first), today)
    return Day(shown=shown, first=first, today=today)


@dataclass(frozen=True)
class Entries:
    """The timeline as recorded by the end of a day, each entry as a page shows it."""

    shown: list[EntryShown]
    cut: bool  # more than MAX_ENTRIES: only the first are shown

    def count(self, what: str) -> int:
        if what == "corrected":
            return sum(bool(e.corrections) for e in self.shown)
        return sum(e.retraction is not None for e in self.shown)


def entries_by(journeys: Journeys, read: FamilyRead, day: Day) -> Entries:
    """The timeline as the JSON route answers it (all of it, page after page)."""
    entries: list[dict[str, Any]] = []
    after: str | None = None
    while len(entries) < MAX_ENTRIES:
        answer = timeline_page(read, journeys, recorded_by=day.end, after=after, limit=MAX_LIMIT)
        entries += [e.model_dump(mode="json") for e in answer.entries]
        after = answer.next
        if after is None:
            break
    codes = journeys.app.codes
    shown = [entry_shown(e, codes) for e in entries[:MAX_ENTRIES]]
    return Entries(shown=shown, cut=len(entries) > MAX_ENTRIES or after is not None)


def journey_as_recorded(journeys: Journeys, read: FamilyRead, at: datetime) -> JourneyAnswers:
    """The journey's answers as the record showed them at `at`: the family's events recorded
    by then, replayed through the journey projection, as of `at` (or now, if earlier)."""
    return family_journey(journeys, read, at)[1]


def journey_shown(journeys: Journeys, answers: JourneyAnswers) -> Mapping[str, Any]:
    """The journey panel's facts and tables, as text. The current stage is the latest
    episode's since its last stage change where the answers say so (`current_stage_since`,
    `current_stage_days`), else the days spent in the stage reached last."""
    codes = journeys.app.codes
    stage = answers.current_stage
    since = answers.current_stage_since
    days = answers.current_stage_days
    if days is None:
        days = answers.time_in_stage.get(stage)
    level = answers.current_level_of_need
    facts = [
        ("Current stage", stage_name(stage)),
        *((("Since (occurred)", long_date(since.astimezone(UTC))),) if since else ()),
        ("For", days_text(days) if days is not None else "—"),
        ("Level of need", label(codes, "level_of_need", level) if level else "not assessed"),
        ("Step-up / step-down cycles", str(answers.step_cycles)),
        ("Episodes", str(answers.episodes)),
        ("Re-referrals within 12 months", str(answers.re_referrals)),
    ]
    return {
        "facts": facts,
        "services": [
            (label(codes, "agency", s.agency), s.entries, s.first, s.last) for s in answers.services
        ],
        "stages": [(stage_name(st), round(spent)) for st, spent in answers.time_in_stage.items()],
        "path": [
            (
                stage_name(step.stage),
                step.at,
                label(codes, "level_of_need", step.level_of_need),
                label(codes, "agency", step.agency),
            )
            for step in answers.path
        ],
    }


def days_text(days: float) -> str:
    whole = round(days)
    return f"{whole} {'day' if whole == 1 else 'days'}"


def panels(journeys: Journeys, read: FamilyRead, day: Day, reason: str | None) -> dict[str, Any]:
    """What the family page's two panels show for a day: the context of its templates."""
    query = {"as_recorded_at": day.shown.isoformat()} if day.shown != day.today else {}
    if reason:  # the picture is a read of its own: it goes with the page's stated reason
        query["reason"] = reason
    return {
        "family_id": str(read.family_id),
        "day": day,
        "picture_query": "?" + urlencode(query) if query else "",
        "journey": journey_shown(journeys, journey_as_recorded(journeys, read, day.end)),
        "entries": entries_by(journeys, read, day),
        "max_entries": MAX_ENTRIES,
    }


@router.get("/families/{family_id}")
def family_page(
    read: JourneyReader,
    journeys: JourneysDep,
    access: AccessRecording,
    as_recorded_at: date | None = None,
) -> HTMLResponse:
    day = day_asked(journeys, read, as_recorded_at)
    directory = read.directory
    return render(
        "family.html",
        read.identity,
        title="A family's journey",
        area=label(journeys.app.codes, "area", directory["area"]),
        registered=moment(directory["registered_at"]),
        reason=access.reason or "",
        **panels(journeys, read, day, access.reason),
    )
