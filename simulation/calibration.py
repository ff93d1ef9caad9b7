"""Kent's early help figures, the simulator's model solved to match them, and measuring a store.

Kent 2013-14, per year (size 1.0): 3,754 early help assessments completed; 3,690 team around
the family (TAF) plans closed, 1,554 of them with outcomes achieved; 464 escalated to
children's social care; 1,153 stepped down from children's social care. National 2023-24:
22% of requests for support are re-referrals within 12 months.

What `measure` counts, from the stored events only (never the simulator's own counters),
for entries whose `occurred_at` falls in the window [since, until):

- **assessments completed**: AssessmentCompleted entries.
- **plans closed**: EpisodeClosed entries of episodes in which a plan was agreed (a TAF plan
  closed). Episodes closed before any plan (support declined at the door, or needs met
  without a plan) are not TAF plans and are not counted.
- **outcomes achieved**: plans closed with reason `outcomes_met` (every outcome achieved).
- **escalated to social care**: escalations to `children_social_care` that social care
  *accepted* (EscalationResponded `accepted`). Each closes its episode as `step_up`; declined
  escalations (the family stays in early help) are not counted.
- **stepped down**: SteppedDown entries (CIN closure reason RC9: a new early help episode).
- **re-referral rate**: of the requests for support (SupportRequested) in the window, the
  share whose `occurred_at` is within 365 days after the `occurred_at` of the same family's
  latest earlier episode closure (any closure reason). Step-downs are not requests.

A new service starts empty: re-referrals need earlier closures, and closures lag
assessments by months, so rates settle only after a warm-up (`WARM_UP`); measure after it.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType
from typing import Any
from uuid import UUID

from eventsourcing.persistence import Notification
from eventsourcing.utils import get_topic

from domain.application import JourneysApplication
from domain.family import Family

YEAR = timedelta(days=365.25)
REREFERRAL_WINDOW = timedelta(days=365)
WARM_UP = 2 * YEAR

KENT_PER_YEAR: Mapping[str, float] = MappingProxyType(
    {
        "assessments_completed": 3754,
        "plans_closed": 3690,
        "outcomes_met": 1554,
        "escalated": 464,
        "stepped_down": 1153,
    }
)
NATIONAL_REREFERRAL_RATE = 0.22


@dataclass(frozen=True)
class Figures:
    """The calibrated figures over a window of `years` years (counts) and the re-referral rate."""

    years: float
    assessments_completed: float
    plans_closed: float
    outcomes_met: float
    escalated: float
    stepped_down: float
    rereferral_rate: float

    def per_year(self) -> Figures:
        scale = 1 / self.years if self.years else 0.0
        return Figures(
            years=1.0,
            assessments_completed=self.assessments_completed * scale,
            plans_closed=self.plans_closed * scale,
            outcomes_met=self.outcomes_met * scale,
            escalated=self.escalated * scale,
            stepped_down=self.stepped_down * scale,
            rereferral_rate=self.rereferral_rate,
        )

    def ratios(self) -> dict[str, float]:
        """The size-free ratios the calibration is judged by."""

        def share(part: float, whole: float) -> float:
            return part / whole if whole else 0.0

        return {
            "outcomes_met / plans_closed": share(self.outcomes_met, self.plans_closed),
            "escalated / plans_closed": share(self.escalated, self.plans_closed),
            "stepped_down / assessments": share(self.stepped_down, self.assessments_completed),
            "plans_closed / assessments": share(self.plans_closed, self.assessments_completed),
            "re-referral rate": self.rereferral_rate,
        }


def kent_targets(size: float, years: float) -> Figures:
    """Kent 2013-14 scaled by `size` (1.0 is Kent) over `years`, and the national re-referral
    rate."""
    counts = {name: per_year * size * years for name, per_year in KENT_PER_YEAR.items()}
    return Figures(years=years, rereferral_rate=NATIONAL_REREFERRAL_RATE, **counts)


# -- the model ---------------------------------------------------------------------------------

# Chosen shares, from practice rather than from Kent's table.
CONTACT_ONLY = 0.10  # families known only through contacts: never a request for support
DECLINED = MappingProxyType({"request": 0.10, "step_down": 0.05})  # support declined at the start
STEP_DOWN_AFTER_STEP_UP = 0.40  # stepped-up families later stepped down into early help
LATER_REREFERRAL = 0.06  # of those not re-referred within a year: a request 1-2.5 years on
# How plans that are neither outcomes met nor step-up close; shares of that remainder.
OTHER_PLAN_CLOSURES = MappingProxyType(
    {
        "family_declined": 0.22,
        "lost_contact": 0.15,
        "specialist_service": 0.11,
        "universal_services": 0.22,
        "no_further_action": 0.19,
        "moved_away": 0.11,
    }
)


@dataclass(frozen=True)
class Model:
    """The simulator's branching probabilities, solved so that its steady state is Kent's.

    Every family arrives once (registration). Its first episode is a request for support or
    a step-down (or it never has one: contacts only). Every episode: support declined, or an
    assessment; after it a plan, or closure without one; a plan closes one of several ways.
    A step-up may be followed by a step-down; any other closure (but moving away) by a
    re-referral within a year, or later. In steady state the rate of each entry is the
    arrival rate times its expected count per family, which fixes the unknowns below.
    """

    contact_only: float
    first_step_down: float
    declined: Mapping[str, float]
    no_plan: float
    plan_closure: Mapping[str, float]
    step_down_after_step_up: float
    rereferral_within_year: float
    rereferral_later: float
    families_per_unit_year: float
    expected: Mapping[str, float] = field(default_factory=dict)

    def size_of(self, *, families: int, years: float) -> float:
        """The Kent-size of a run of `families` families arriving over `years` years."""
        return families / (years * self.families_per_unit_year)


def solve_model() -> Model:
    kent = KENT_PER_YEAR
    plan_rate = kent["plans_closed"] / kent["assessments_completed"]
    met = kent["outcomes_met"] / kent["plans_closed"]
    up = kent["escalated"] / kent["plans_closed"]
    rest = 1 - met - up
    plan_closure = {"outcomes_met": met, "step_up": up}
    plan_closure.update({reason: rest * s for reason, s in OTHER_PLAN_CLOSURES.items()})
    moved = plan_closure["moved_away"]
    d_r, d_s = DECLINED["request"], DECLINED["step_down"]
    # Chance that an episode ends in a closure that can be followed by a re-referral.
    after_plan = (1 - plan_rate) + plan_rate * (1 - up - moved)
    e_r = d_r + (1 - d_r) * after_plan
    e_s = d_s + (1 - d_s) * after_plan
    # x_r, x_s: expected request and step-down episodes per family; k = x_s / x_r is fixed by
    # Kent's step-downs per assessment.
    sd_per_assessment = kent["stepped_down"] / kent["assessments_completed"]
    k = sd_per_assessment * (1 - d_r) / (1 - sd_per_assessment * (1 - d_s))
    within = NATIONAL_REREFERRAL_RATE / (e_r + e_s * k)
    again = within + (1 - within) * LATER_REREFERRAL
    back = STEP_DOWN_AFTER_STEP_UP * up * plan_rate * ((1 - d_r) + (1 - d_s) * k)
    x_r = (1 - CONTACT_ONLY) / ((1 - again * (e_r + e_s * k)) + (k - back))
    x_s = k * x_r
    first_step_down = x_r * (k - back)
    assessments = (1 - d_r) * x_r + (1 - d_s) * x_s
    return Model(
        contact_only=CONTACT_ONLY,
        first_step_down=first_step_down,
        declined=DECLINED,
        no_plan=1 - plan_rate,
        plan_closure=MappingProxyType(plan_closure),
        step_down_after_step_up=STEP_DOWN_AFTER_STEP_UP,
        rereferral_within_year=within,
        rereferral_later=LATER_REREFERRAL,
        families_per_unit_year=kent["assessments_completed"] / assessments,
        expected=MappingProxyType({"requests": x_r, "step_downs": x_s, "assessments": assessments}),
    )


MODEL = solve_model()


# -- measuring a store ------------------------------------------------------------------------


@dataclass(frozen=True)
class Measurement:
    """What `measure` found: the figures, and the raw counts behind the re-referral rate."""

    figures: Figures
    since: datetime | None
    until: datetime | None
    requests: int
    rereferrals: int
    step_up_closures: int


_COUNTED = (
    Family.SupportRequested,
    Family.SteppedDown,
    Family.AssessmentCompleted,
    Family.PlanAgreed,
    Family.EscalationRaised,
    Family.EscalationResponded,
    Family.EpisodeClosed,
)


def stored_events(app: JourneysApplication, *, topics: tuple[str, ...] = ()) -> Iterator[Any]:
    """Every stored event in store (notification log) order, optionally only some topics."""
    start = 1
    while True:
        batch: list[Notification] = list(
            app.recorder.select_notifications(start=start, limit=1000, topics=topics)
        )
        if not batch:
            return
        for notification in batch:
            yield app.mapper.to_domain_event(notification)
        start = batch[-1].id + 1


def measure(
    app: JourneysApplication, *, since: datetime | None = None, until: datetime | None = None
) -> Measurement:
    """Count the calibrated figures from the store's events (see the module docstring)."""
    planned: set[UUID] = set()
    to_social_care: set[UUID] = set()
    last_closed: dict[UUID, datetime] = {}
    counts = dict.fromkeys(KENT_PER_YEAR, 0)
    requests = rereferrals = step_ups = 0
    first: datetime | None = None
    last: datetime | None = None

    def counted(when: datetime) -> bool:
        return (since is None or when >= since) and (until is None or when < until)

    for event in stored_events(app, topics=tuple(get_topic(cls) for cls in _COUNTED)):
        when: datetime = event.occurred_at
        first = when if first is None else min(first, when)
        last = when if last is None else max(last, when)
        inside = counted(when)
        if isinstance(event, Family.PlanAgreed):
            planned.add(event.episode_id)
        elif isinstance(event, Family.EscalationRaised):
            if event.to_service == "children_social_care":
                to_social_care.add(event.escalation_id)
        elif isinstance(event, Family.SupportRequested):
            previous = last_closed.get(event.originator_id)
            if inside:
                requests += 1
                if previous is not None and when - previous <= REREFERRAL_WINDOW:
                    rereferrals += 1
        elif isinstance(event, Family.EpisodeClosed):
            last_closed[event.originator_id] = when
            if inside and event.episode_id in planned:
                counts["plans_closed"] += 1
                counts["outcomes_met"] += event.reason == "outcomes_met"
                step_ups += event.reason == "step_up"
        elif inside and isinstance(event, Family.EscalationResponded):
            accepted = event.response == "accepted"
            counts["escalated"] += accepted and event.escalation_id in to_social_care
        elif inside and isinstance(event, Family.AssessmentCompleted):
            counts["assessments_completed"] += 1
        elif inside and isinstance(event, Family.SteppedDown):
            counts["stepped_down"] += 1
    low = since or first
    high = until or last
    years = (high - low) / YEAR if low is not None and high is not None else 0.0
    figures = Figures(
        years=years, rereferral_rate=rereferrals / requests if requests else 0.0, **counts
    )
    return Measurement(figures, since, until, requests, rereferrals, step_ups)
