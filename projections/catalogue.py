"""Every projection the engine runs, in one list: add a read model here to have it built."""

from __future__ import annotations

from projections.base import Projection
from projections.case_audits import CaseAuditsProjection
from projections.caseload import CaseloadProjection
from projections.episode_facts import EpisodeFactsProjection
from projections.families import FamilyDirectory
from projections.findings_view import FindingsProjection
from projections.journey import JourneyProjection
from projections.sharing import SharingProjection
from projections.timeline import TimelineProjection


def all_projections() -> list[Projection]:
    return [
        FamilyDirectory(),
        TimelineProjection(),
        JourneyProjection(),
        SharingProjection(),
        CaseloadProjection(),
        EpisodeFactsProjection(),
        FindingsProjection(),
        CaseAuditsProjection(),
    ]
