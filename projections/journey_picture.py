"""Pictures of journeys, as SVG: one family's stages over time, and a cohort's pathways.

A family's picture is a swimlane chart: one lane per stage (projections.journey.STAGES, in
their usual order, all shown so that a missing review shows too), dates along the bottom.
Each visit to a stage is a bar from when it began to the next step, coloured by the level of
need in force; grey arrows are the moves from stage to stage; step-ups are red triangles,
step-downs green ones and declined escalations orange crosses; the level of need is written
where an assessment (or social care's acceptance) set it; episodes are shaded bands.

Time to re-referral is a step line per definition (projections.re_referrals), its 95% band
shaded.

A cohort's picture is an arc diagram: the stages in a row, an arc for each pair of stages
that followed one another (forward moves above, moves back below), as thick as the number
of transitions, labelled with it and with the median days it took.

Only code labels, dates, counts and the family id are drawn: never names or other personal
data. Drawn with matplotlib's Figure API (no pyplot, whose global state is not safe in the
API's worker threads), and made repeatable: a fixed salt for element ids, text kept as text
(searchable, small), no creation date in the metadata.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from itertools import pairwise
from typing import TYPE_CHECKING, Any

import matplotlib
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import FancyArrowPatch, Patch
from matplotlib.transforms import blended_transform_factory

from domain.codes import CodeLists
from projections.journey import OPENINGS, STAGE_LABELS, STAGES, JourneyAnswers, Step
from projections.pathways import Pathways
from projections.re_referrals import SUPPRESS_UNDER, Curve

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

# The pathways' row: openings of an episode side by side, so that only moves round again
# (a re-referral, a step-down after a step-up, a plan revised after a review) go back.
ROW = (
    "registered",
    "referred",
    "stepped_down",
    "support_declined",
    "support_agreed",
    "lead_assigned",
    "assessment",
    "assessed",
    "plan",
    "review",
    "escalated",
    "escalation_declined",
    "stepped_up",
    "closed",
)
ROW_LABELS = {
    "registered": "registered",
    "referred": "referred",
    "support_agreed": "support\nagreed",
    "support_declined": "support\ndeclined",
    "lead_assigned": "lead\nassigned",
    "assessment": "assessment\nstarted",
    "assessed": "assessed",
    "plan": "plan",
    "review": "review",
    "escalated": "escalated",
    "stepped_up": "stepped\nup",
    "escalation_declined": "escalation\ndeclined",
    "stepped_down": "stepped\ndown",
    "closed": "closed",
}
# The ladder of need, lighter to darker; grey until the episode is assessed.
LEVEL_COLOURS = {
    "universal": "#c6dbef",
    "universal_plus": "#6baed6",
    "partnership_plus": "#2171b5",
    "statutory": "#08306b",
}
UNKNOWN_LEVEL = "#bdbdbd"
STEP_UP = "#d62728"
STEP_DOWN = "#2ca02c"
DECLINED = "#ff7f0e"
TRANSITION = "#636363"
BACK = "#756bb1"
ARC_COLOURS = {"stepped_up": STEP_UP, "escalated": STEP_UP, "stepped_down": STEP_DOWN}
EPISODE_BANDS = ("#ececec", "#f5f5f5")
LOOP_LANES = {"escalated": "#fde0dd", "stepped_up": "#fde0dd", "stepped_down": "#e5f5e0"}

LANE = {stage: index for index, stage in enumerate(STAGES)}
MARKERS = {  # the loop, highlighted: marker, colour, size
    "escalated": ("^", STEP_UP, 6),
    "stepped_up": ("^", STEP_UP, 9),
    "stepped_down": ("v", STEP_DOWN, 9),
    "escalation_declined": ("X", DECLINED, 8),
}

STYLE: dict[RcKeyType, Any] = {
    "date.epoch": "1970-01-01T00:00:00",  # what _x counts days from
    "date.converter": "concise",
    "svg.hashsalt": "journeys",  # element ids from a fixed salt: the same picture, byte for byte
    "svg.fonttype": "none",  # text stays text: searchable, and a fraction of the size
    "font.family": "DejaVu Sans",
    "font.size": 8,
    "axes.spines.top": False,
    "axes.spines.right": False,
}
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _x(when: datetime) -> float:
    """A time as matplotlib places dates: days since the epoch (its date2num, typed)."""
    return (when - EPOCH) / timedelta(days=1)


# rc_context changes matplotlib's process-wide settings for its duration; one picture at a
# time keeps concurrent requests from seeing each other's settings.
_drawing = threading.Lock()


@contextmanager
def _figure(width: float, height: float) -> Iterator[Figure]:
    with _drawing, matplotlib.rc_context(STYLE):
        # Fixed margins, not a layout engine: constrained layout draws everything twice.
        yield Figure(figsize=(width, height))


def _svg(figure: Figure, title: str) -> bytes:
    buffer = io.BytesIO()
    figure.savefig(buffer, format="svg", metadata={"Date": None, "Title": title})
    return buffer.getvalue()


def _level_label(labels: CodeLists, level: str | None) -> str:
    return "not assessed" if level is None else labels.label("level_of_need", level)


def journey_svg(answers: JourneyAnswers, *, labels: CodeLists) -> bytes:
    """The swimlane picture of one family's journey, as SVG bytes."""
    steps = answers.path
    first = steps[0].at if steps else answers.as_of
    still_going = bool(steps) and steps[-1].stage != "closed"
    last = answers.as_of if still_going or not steps else steps[-1].at
    span = max(last - first, timedelta(days=7))
    with _figure(11, 1.6 + 0.3 * len(STAGES)) as figure:
        figure.subplots_adjust(left=0.17, right=0.98, top=0.88, bottom=0.14)
        ax = figure.add_subplot()
        _episode_bands(ax, steps, last, span)
        for stage, colour in LOOP_LANES.items():  # the lanes of the loop, over the bands
            ax.axhspan(LANE[stage] - 0.5, LANE[stage] + 0.5, color=colour, alpha=0.7, zorder=0.6)
        _visits(ax, steps, last, span)
        _moves(ax, steps)
        for index, step in enumerate(steps):
            if _sets_level(steps, index):
                ax.annotate(
                    _level_label(labels, step.level_of_need),
                    (_x(step.at), LANE[step.stage]),
                    xytext=(5, -11),
                    textcoords="offset points",
                    fontsize=7,
                    color=LEVEL_COLOURS["statutory"],
                    zorder=5,
                )
        ax.set_xlim(_x(first - span * 0.03), _x(last + span * 0.03))
        ax.set_ylim(len(STAGES) - 0.5, -0.5)
        ax.set_yticks(range(len(STAGES)), [STAGE_LABELS[s] for s in STAGES])
        ax.xaxis_date(UTC)  # with "date.converter" concise: months, with the year when it turns
        ax.grid(axis="x", color="#eeeeee", zorder=1)
        ax.set_axisbelow(True)
        _titles(figure, ax, answers, labels)
        ax.legend(
            handles=_legend(labels),
            loc="upper center",
            bbox_to_anchor=(0.5, -0.07),
            ncol=5,
            fontsize=7,
            frameon=False,
        )
        return _svg(figure, "Family journey")


def _visits(ax: Any, steps: Sequence[Step], last: datetime, span: timedelta) -> None:
    """A bar per visit, one collection per lane; a dot where each visit began, and the
    markers of the loop."""
    shortest = span / timedelta(days=1) * 0.004  # a visit of an hour still shows
    bars: dict[str, list[tuple[float, float]]] = {}
    colours: dict[str, list[str]] = {}
    marks: dict[str, tuple[list[float], list[int]]] = {}
    for index, step in enumerate(steps):
        end = steps[index + 1].at if index + 1 < len(steps) else last
        start = _x(step.at)
        bars.setdefault(step.stage, []).append((start, max(_x(end) - start, shortest)))
        colours.setdefault(step.stage, []).append(
            LEVEL_COLOURS.get(step.level_of_need or "", UNKNOWN_LEVEL)
        )
        xs, ys = marks.setdefault(step.stage if step.stage in MARKERS else "", ([], []))
        xs.append(start)
        ys.append(LANE[step.stage])
    for stage, segments in bars.items():
        ax.broken_barh(segments, (LANE[stage] - 0.28, 0.56), facecolors=colours[stage], zorder=2)
    for stage, (xs, ys) in marks.items():
        marker, colour, size = MARKERS.get(stage, ("o", "#252525", 3))
        ax.plot(xs, ys, marker=marker, color=colour, markersize=size, linestyle="", zorder=4)


def _moves(ax: Any, steps: Sequence[Step]) -> None:
    """A grey line from stage to stage at the time of each move, with its arrowhead."""
    lines: list[list[tuple[float, int]]] = []
    heads: dict[str, tuple[list[float], list[float]]] = {"v": ([], []), "^": ([], [])}
    for left, right in pairwise(steps):
        x, y0, y1 = _x(right.at), LANE[left.stage], LANE[right.stage]
        if y0 == y1:
            continue
        lines.append([(x, y0), (x, y1)])
        down = y1 > y0  # lanes run top to bottom
        xs, ys = heads["v" if down else "^"]
        xs.append(x)
        ys.append(y1 - 0.36 if down else y1 + 0.36)
    ax.add_collection(LineCollection(lines, colors=TRANSITION, linewidths=0.7, zorder=3))
    for marker, (xs, ys) in heads.items():
        ax.plot(xs, ys, marker=marker, color=TRANSITION, markersize=3.5, linestyle="", zorder=3)


def _titles(figure: Figure, ax: Any, answers: JourneyAnswers, labels: CodeLists) -> None:
    level = _level_label(labels, answers.current_level_of_need)
    since = answers.current_stage_since
    figure.suptitle(
        f"Family journey: now {STAGE_LABELS[answers.current_stage].lower()}"
        f"{f' since {since:%d %b %Y}' if since else ''}; level of need {level.lower()}",
        fontsize=12,
        x=0.01,
        ha="left",
    )
    ax.set_title(
        f"family {answers.family_id} · {labels.label('area', answers.area)} · "
        f"{answers.episodes} episode{'s' if answers.episodes != 1 else ''} · "
        f"step-up/step-down cycles {answers.step_cycles} · "
        f"re-referrals within 12 months {answers.re_referrals} · "
        f"as of {answers.as_of:%d %b %Y}",
        fontsize=8,
        loc="left",
        color="#404040",
        pad=14,  # above the episode labels
    )


def _sets_level(steps: Sequence[Step], index: int) -> bool:
    """Whether this step changed the level of need in force within its episode."""
    step = steps[index]
    if step.level_of_need is None:
        return False
    before = steps[index - 1] if index else None
    return before is None or (before.episode_id, before.level_of_need) != (
        step.episode_id,
        step.level_of_need,
    )


def _episode_bands(ax: Any, steps: Sequence[Step], last: datetime, span: timedelta) -> None:
    openings = [s for s in steps if s.stage in OPENINGS]
    label = blended_transform_factory(ax.transData, ax.transAxes)
    labelled: datetime | None = None
    for number, opening in enumerate(openings, start=1):
        closing = next(
            (s.at for s in steps if s.stage == "closed" and s.episode_id == opening.episode_id),
            last,
        )
        start, end = _x(opening.at), _x(closing)
        ax.axvspan(start, end, color=EPISODE_BANDS[number % 2], zorder=0.5)
        if labelled is None or opening.at - labelled > span * 0.06:  # no labels on top of labels
            ax.text(start, 1.005, f"episode {number}", transform=label, fontsize=7, va="bottom")
            labelled = opening.at


def _legend(labels: CodeLists) -> list[Any]:
    levels: list[Any] = [
        Patch(color=colour, label=labels.label("level_of_need", level))
        for level, colour in LEVEL_COLOURS.items()
    ]
    levels.append(Patch(color=UNKNOWN_LEVEL, label="not assessed"))
    marks = [
        ("^", STEP_UP, "escalated / stepped up"),
        ("v", STEP_DOWN, "stepped down"),
        ("X", DECLINED, "escalation declined"),
    ]
    return [
        *levels,
        *(
            Line2D([], [], marker=m, color=c, linestyle="", markersize=8, label=text)
            for m, c, text in marks
        ),
        Line2D([], [], color=TRANSITION, linewidth=0.7, label="move to the next stage"),
        Patch(color=EPISODE_BANDS[1], label="episode (request or step-down to closure)"),
    ]


def pathways_svg(found: Pathways, *, title: str) -> bytes:
    """The arc diagram of a cohort's transitions between stages, as SVG bytes."""
    seen = {s for gap in found.days_between_stages for s in (gap.from_stage, gap.to_stage)}
    stages = [s for s in ROW if s in seen]
    x = {stage: index for index, stage in enumerate(stages)}
    most = max((gap.transitions for gap in found.days_between_stages), default=1)
    with _figure(11, 6) as figure:
        figure.subplots_adjust(left=0.02, right=0.98, top=0.86, bottom=0.02)
        ax = figure.add_subplot()
        for gap in found.days_between_stages:
            start, end = x[gap.from_stage], x[gap.to_stage]
            weight = 0.5 + 6 * gap.transitions / most
            ax.add_patch(
                FancyArrowPatch(
                    (start, 0),
                    (end, 0),
                    # One bend turns left of the direction of travel: moves onwards arc
                    # above the row, moves back below it, peaking at a quarter of the span.
                    connectionstyle="arc3,rad=-0.5",
                    arrowstyle="-|>",
                    mutation_scale=9,
                    linewidth=weight,
                    color=ARC_COLOURS.get(gap.to_stage, TRANSITION if end > start else BACK),
                    alpha=0.6,
                    shrinkA=5,
                    shrinkB=5,
                )
            )
            ax.text(
                (start + end) / 2,
                0.25 * (end - start),
                f"{gap.transitions} · {gap.median_days:.1f} d",
                ha="center",
                va="bottom" if end > start else "top",
                fontsize=6,
                color="#252525",
            )
        ax.plot(list(x.values()), [0] * len(x), "o", color="#252525", markersize=6, zorder=3)
        for stage, position in x.items():
            ax.text(position, -0.1, ROW_LABELS[stage], ha="center", va="top", zorder=4)
        reach = max(len(stages) - 1, 1) * 0.27
        ax.set_xlim(-0.7, max(len(stages) - 1, 1) + 0.7)
        ax.set_ylim(-reach, reach)
        ax.set_aspect("equal")  # arcs are drawn in screen space: keep labels on their peaks
        ax.axis("off")
        figure.suptitle(title, fontsize=12, x=0.01, ha="left")
        few = f"fewer than {SUPPRESS_UNDER}"
        families = few if found.families is None else found.families
        cycles = few if found.repeated_step_cycles is None else found.repeated_step_cycles
        note = f" · arcs of fewer than {SUPPRESS_UNDER} transitions left out" * found.suppressed
        ax.set_title(
            f"{families} families · each arc: transitions · median days · above: "
            "onwards; below: back round (re-referral, step-down, plan revised) · red: "
            f"step-ups, green: step-downs · {cycles} families went round "
            f"the step-up/step-down loop more than once{note}",
            fontsize=8,
            loc="left",
            color="#404040",
            wrap=True,
        )
        return _svg(figure, title)


CURVE_COLOURS = {"cin": "#2b8cbe", "closure": "#e6550d"}


def re_referral_svg(curves: Mapping[str, Curve], *, labels: Mapping[str, str], title: str) -> bytes:
    """Time to re-referral: each definition's Kaplan-Meier curve (the share not yet
    re-referred) as a step line with its 95% band shaded; a withheld curve is named as such."""
    with _figure(9, 5) as figure:
        figure.subplots_adjust(left=0.08, right=0.98, top=0.86, bottom=0.12)
        ax = figure.add_subplot()
        for definition, curve in curves.items():
            colour = CURVE_COLOURS.get(definition, "#404040")
            if curve.suppressed or not curve.points:
                ax.plot([], [], color=colour, label=f"{labels[definition]}: withheld (under 5)")
                continue
            days = [p.day for p in curve.points]
            ax.step(
                days,
                [p.not_re_referred for p in curve.points],
                where="post",
                color=colour,
                label=f"{labels[definition]} ({curve.index_events} index events)",
            )
            ax.fill_between(
                days,
                [p.lower for p in curve.points],
                [p.upper for p in curve.points],
                step="post",
                color=colour,
                alpha=0.2,
            )
        ax.set_ylim(0, 1.02)
        ax.set_xlim(left=0)
        ax.set_xlabel("days after the index event")
        ax.set_ylabel("share not re-referred")
        ax.legend(loc="lower left", fontsize=7)
        figure.suptitle(title, fontsize=12, x=0.01, ha="left")
        ax.set_title(
            "Kaplan-Meier estimate, 95% band (exponential Greenwood); open episodes censored",
            fontsize=8,
            loc="left",
            color="#404040",
        )
        return _svg(figure, title)
