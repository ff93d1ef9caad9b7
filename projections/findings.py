"""Practice-standard findings: a family's record checked against a rule set
(domain.standards), and the audit queue a QA officer works through.

The record is a timeline document (projections.timeline; the findings view keeps the part
of it the standards read, projections.findings_view) as known today: each
entry at its corrected time and with its corrected facts, retracted entries left out, so a
correction or a retraction opens or closes findings at the next read. Days are days in
England (projections.working_days).

A finding names the rule (id and version, in its set), severity, family, episode, the day
the clock started (`started_on`), the day the standard fell due (`due_on`), the day it was
met late (`met_on`, None if never), what was expected, and whether it is still `open`:

- a timed standard not met by its due day is open while its episode is open (an overdue
  review shows the day it fell due), and closed once met late or once the episode closed;
- a breach that no later entry can put right (a share without a basis, a closure that
  leaves an outcome without a status) stays open: a QA officer's audit closes it.

Ids, codes and days only: no personal data.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from domain import standards as s
from domain.standards import SEVERITY_ORDER, Rule, RuleSet
from projections.base import Doc
from projections.timeline import sort_key
from projections.working_days import add_working_days, local_day, utc

BREACH_RULES = frozenset({s.OUTCOMES_HEADLINED, s.SHARING_BASIS, s.CLOSURE_STATUSES})


@dataclass(frozen=True)
class Finding:
    rule_set: str
    rule_id: str
    rule_version: int
    severity: str
    family_id: str
    area: str
    episode_id: str | None
    entry_id: str | None  # the entry the clock started from, or that broke the standard
    started_on: date
    due_on: date
    met_on: date | None
    expected: str
    open: bool

    def age(self, today: date) -> int:
        """Days since the standard fell due."""
        return (today - self.due_on).days

    def public(self, today: date) -> dict[str, Any]:
        return {**asdict(self), "age_days": self.age(today)}


@dataclass
class _Episode:
    episode_id: str
    opened_on: date
    request_entry: str | None = None  # the request for support that opened it
    lead_on: date | None = None
    assessment_entry: str | None = None
    assessed_on: date | None = None
    plan_entry: str | None = None
    plan_on: date | None = None
    plans: dict[str, tuple[str, date, list[Doc]]] = field(default_factory=dict)
    reviews: list[date] = field(default_factory=list)
    escalations: dict[str, tuple[str, date]] = field(default_factory=dict)
    responses: dict[str, date] = field(default_factory=dict)
    closed_on: date | None = None
    closure: Doc | None = None


class _Check:
    def __init__(self, rules: RuleSet, doc: Doc, today: date) -> None:
        self.rules = rules
        self.doc = doc
        self.today = today
        self.found: list[Finding] = []

    def finding(
        self,
        rule_id: str,
        episode: _Episode | None,
        *,
        entry_id: str | None,
        started: date,
        due: date,
        met: date | None,
        is_open: bool = True,
    ) -> None:
        rule = self.rules.rule(rule_id)
        self.found.append(
            Finding(
                rule_set=self.rules.id,
                rule_id=rule.id,
                rule_version=rule.version,
                severity=str(rule.severity),
                family_id=self.doc["family_id"],
                area=self.doc["area"],
                episode_id=episode.episode_id if episode else None,
                entry_id=entry_id,
                started_on=started,
                due_on=due,
                met_on=met,
                expected=rule.describe(),
                open=is_open,
            )
        )

    def timed(
        self,
        rule_id: str,
        episode: _Episode,
        *,
        entry_id: str | None,
        started: date,
        due: date,
        met: date | None,
    ) -> None:
        """A standard due by `due`: a finding if met late, or not met by a day past it
        (open while the episode is; closed if it closed after the due day)."""
        closed = episode.closed_on
        if met is not None and met <= due:
            return
        if met is None and closed is None and self.today <= due:
            return
        if met is None and closed is not None and closed <= due:
            return
        is_open = met is None and closed is None
        self.finding(
            rule_id, episode, entry_id=entry_id, started=started, due=due, met=met, is_open=is_open
        )


def _param(rule: Rule, name: str) -> int:
    return rule.parameters[name]


def _episodes(entries: Iterable[Doc]) -> tuple[dict[str, _Episode], list[Doc], dict[str, Doc]]:
    episodes: dict[str, _Episode] = {}
    shares: list[Doc] = []
    consents: dict[str, Doc] = {}
    for entry in entries:
        kind, day, facts = entry["type"], local_day(utc(entry["occurred_at"])), entry["facts"]
        episode_id = entry["episode_id"]
        if kind in ("SupportRequested", "SteppedDown") and episode_id is not None:
            episodes[episode_id] = _Episode(episode_id, day)
            if kind == "SupportRequested":
                episodes[episode_id].request_entry = entry["entry_id"]
            continue
        if kind == "InformationShared":
            shares.append(entry)
        elif kind == "ConsentGiven":
            consents[facts["consent_id"]] = {**facts, "given_at": entry["occurred_at"]}
        elif kind == "ConsentWithdrawn" and facts["consent_id"] in consents:
            consents[facts["consent_id"]]["withdrawn_at"] = entry["occurred_at"]
        episode = episodes.get(episode_id) if episode_id else None
        if episode is not None:
            _note(episode, kind, day, entry)
    return episodes, shares, consents


def _note(episode: _Episode, kind: str, day: date, entry: Doc) -> None:
    facts = entry["facts"]
    if kind == "LeadPractitionerAssigned" and episode.lead_on is None:
        episode.lead_on = day
    elif kind == "AssessmentStarted" and episode.assessment_entry is None:
        episode.assessment_entry = entry["entry_id"]
    elif kind == "AssessmentCompleted" and episode.assessed_on is None:
        episode.assessed_on = day
    elif kind in ("PlanAgreed", "PlanRevised"):
        if kind == "PlanAgreed" and episode.plan_on is None:
            episode.plan_on, episode.plan_entry = day, entry["entry_id"]
        first = episode.plans.get(facts["plan_id"])
        episode.plans[facts["plan_id"]] = (
            first[0] if first else entry["entry_id"],
            first[1] if first else day,
            list(facts["outcomes"]),
        )
    elif kind == "ReviewHeld":
        episode.reviews.append(day)
    elif kind == "EscalationRaised":
        episode.escalations[facts["escalation_id"]] = (entry["entry_id"], day)
    elif kind == "EscalationResponded":
        episode.responses.setdefault(facts["escalation_id"], day)
    elif kind == "EpisodeClosed":
        episode.closed_on, episode.closure = day, entry


def _corrected(doc: Doc, as_recorded_at: datetime | None) -> list[Doc]:
    """The timeline document's entries (recorded by `as_recorded_at`, when given) with the
    corrections recorded by then applied, the retracted left out, in the order they
    happened: projections.timeline's reading, without the summaries a page shows."""

    def known(record: Doc | None) -> bool:
        return record is not None and (
            as_recorded_at is None or utc(record["recorded_at"]) <= as_recorded_at
        )

    entries = []
    for stored in doc["entries"]:
        if not known(stored) or known(stored["retraction"]):
            continue
        occurred_at, facts = stored["occurred_at"], stored["facts"]
        for correction in stored["corrections"]:
            if not known(correction):
                continue
            facts = dict(facts)
            for change in correction["changes"]:
                if change["field"] == "occurred_at":
                    occurred_at = change["after"]
                else:
                    facts[change["field"]] = change["after"]
        entries.append({**stored, "occurred_at": occurred_at, "facts": facts})
    entries.sort(key=sort_key)
    return entries


def findings(
    doc: Doc,
    rules: RuleSet,
    today: date,
    *,
    headlines: frozenset[str] | None = None,
    as_recorded_at: datetime | None = None,
) -> list[Finding]:
    """The findings of one family's timeline document, as its record stands today (or as
    it stood at `as_recorded_at`, with `today` that day). `headlines`: the headline
    outcome codes (None: any non-empty code counts)."""
    entries = _corrected(doc, as_recorded_at)
    episodes, shares, consents = _episodes(entries)
    check = _Check(rules, doc, today)
    for episode in episodes.values():
        _timed_standards(check, episode)
        _reviews(check, episode)
        _plans_and_closure(check, episode, headlines)
    _sharing(check, episodes, shares, consents)
    return check.found


def _timed_standards(check: _Check, episode: _Episode) -> None:
    rules = check.rules
    if episode.request_entry is not None:
        lead = rules.rule(s.LEAD_ASSIGNED)
        due = add_working_days(episode.opened_on, _param(lead, "working_days"))
        entry_id, opened = episode.request_entry, episode.opened_on
        check.timed(
            lead.id, episode, entry_id=entry_id, started=opened, due=due, met=episode.lead_on
        )
        assessment = rules.rule(s.ASSESSMENT_COMPLETED)
        due = add_working_days(episode.opened_on, _param(assessment, "working_days"))
        met = episode.assessed_on
        check.timed(assessment.id, episode, entry_id=entry_id, started=opened, due=due, met=met)
    if episode.assessed_on is not None:
        plan = rules.rule(s.PLAN_AGREED)
        due = episode.assessed_on + timedelta(days=_param(plan, "days"))
        check.timed(
            plan.id,
            episode,
            entry_id=None,
            started=episode.assessed_on,
            due=due,
            met=episode.plan_on,
        )
    answer = rules.rule(s.ESCALATION_ANSWERED)
    for escalation_id, (entry_id, raised) in episode.escalations.items():
        due = add_working_days(raised, _param(answer, "working_days"))
        met = episode.responses.get(escalation_id)
        check.timed(answer.id, episode, entry_id=entry_id, started=raised, due=due, met=met)


def _reviews(check: _Check, episode: _Episode) -> None:
    """First review within N days of the plan, then reviews at most M days apart while the
    episode is open; an overdue review's finding shows the day it fell due."""
    if episode.plan_on is None:
        return
    first = check.rules.rule(s.FIRST_REVIEW)
    interval = check.rules.rule(s.REVIEW_INTERVAL)
    rule, started = first, episode.plan_on
    for review in sorted(d for d in episode.reviews if d >= episode.plan_on):
        due = started + timedelta(days=_param(rule, "days"))
        check.timed(
            rule.id, episode, entry_id=episode.plan_entry, started=started, due=due, met=review
        )
        rule, started = interval, review
    due = started + timedelta(days=_param(rule, "days"))
    check.timed(rule.id, episode, entry_id=episode.plan_entry, started=started, due=due, met=None)


def _plans_and_closure(check: _Check, episode: _Episode, headlines: frozenset[str] | None) -> None:
    for entry_id, agreed_on, outcomes in episode.plans.values():
        if any(not _headlined(o.get("headline_outcome"), headlines) for o in outcomes):
            check.finding(
                s.OUTCOMES_HEADLINED,
                episode,
                entry_id=entry_id,
                started=agreed_on,
                due=agreed_on,
                met=None,
            )
    if episode.closure is None or episode.closed_on is None:
        return
    latest = next(reversed(episode.plans.values()), None)
    planned = {o["outcome_id"] for o in latest[2]} if latest else set()
    stated = [st["outcome_id"] for st in episode.closure["facts"].get("outcome_statuses", [])]
    if set(stated) != planned or len(stated) != len(set(stated)):
        day = episode.closed_on
        entry_id = episode.closure["entry_id"]
        check.finding(
            s.CLOSURE_STATUSES, episode, entry_id=entry_id, started=day, due=day, met=None
        )


def _headlined(code: Any, headlines: frozenset[str] | None) -> bool:
    return isinstance(code, str) and bool(code) and (headlines is None or code in headlines)


def _sharing(
    check: _Check, episodes: Mapping[str, _Episode], shares: list[Doc], consents: dict[str, Doc]
) -> None:
    """A share on the basis of consent needs a consent given by then, not withdrawn by
    then, covering the agency; any other lawful basis stands on its own."""
    for share in shares:
        facts, at = share["facts"], utc(share["occurred_at"])
        if facts["lawful_basis"] != "consent":
            continue
        consent = consents.get(facts.get("consent_id") or "")
        valid = (
            consent is not None
            and utc(consent["given_at"]) <= at
            and facts["with_agency"] in consent["agencies"]
            and ("withdrawn_at" not in consent or utc(consent["withdrawn_at"]) > at)
        )
        if not valid:
            day = local_day(at)
            episode = episodes.get(share["episode_id"] or "")
            check.finding(
                s.SHARING_BASIS, episode, entry_id=share["entry_id"], started=day, due=day, met=None
            )


def queue(found: Iterable[Finding], today: date) -> list[Finding]:
    """The audit queue: open findings, most severe first, then the longest overdue."""
    return sorted(
        (f for f in found if f.open),
        key=lambda f: (SEVERITY_ORDER.get(f.severity, 9), -f.age(today), f.family_id),
    )
