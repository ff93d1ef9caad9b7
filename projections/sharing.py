"""Consent-gated sharing views: what a partner agency may see of a family, and why.

The `sharing` view keeps one document per family (key: the family id; tag: its area): the
timeline's document (projections.timeline: every entry as first recorded, with its
corrections and retraction) and two lists more, in recorded order:

    "consents": [{"consent_id", "agencies", "purposes",
                  "given": {"entry_id", "occurred_at", "recorded_at"},
                  "withdrawn": None or {"entry_id", "occurred_at", "recorded_at"}}, ...]
    "sharings": [{"entry_id", "with_agency", "categories", "purpose", "lawful_basis",
                  "consent_id", "episode_id", "occurred_at", "recorded_at", "version"
                  (its place in the family's stream), "retracted" (bool)}, ...]

(times as corrected: when the consent was given or withdrawn, when information was shared).

Like every view it holds ids, codes and times, never personal data. `shared_view(doc, A)`
answers what agency A sees, by these rules (the first that holds is the reason given):

| # | an entry is visible to agency A when ...                    | visible_because        |
|---|-------------------------------------------------------------|------------------------|
| 1 | A recorded it: the contact's `agency` for a contact, else   | own                    |
|   | the recorder's agency (both as first recorded)              |                        |
| 2 | a sharing consent in force covers A and the entry's purpose | consent <consent_id>   |
|   | (domain.disclosure)                                         |                        |
| 3 | it is itself a disclosure to A on a recorded lawful basis:  | shared <this entry>,   |
|   | information shared with A, or an escalation to A            | its lawful basis       |
| 4 | information was shared with A (a sharing not retracted)     | shared <that sharing>, |
|   | naming the entry's category (domain.disclosure), the entry  | its lawful basis       |
|   | was in the record when the sharing was recorded (before it  |                        |
|   | in the family's stream), and, if the sharing names an       |                        |
|   | episode, the entry is of that episode (contact details,     |                        |
|   | which belong to no episode, excepted)                       |                        |
| 5 | it corrects or retracts an entry visible to A               | that entry's reason    |

- Consents count as they stand at the view's position: a withdrawal hides at once what
  only that consent showed; a consent given later shows earlier entries too.
- What was shared (rules 3 and 4) stays shared: a later withdrawal of consent does not
  undo a disclosure, whatever its lawful basis (consent included). Retracting the sharing
  record (recorded in error) does: it then grants nothing, though A still sees the record.
- Rule 5 tells A of every later correction or retraction of what it may see (UK GDPR
  art. 19: recipients are told of rectifications), recorded before or after the sharing.
- Rule 4 covers the record as it stood when the sharing was written down: an entry
  recorded later was not part of what was shared, even if it is about earlier events.
- An entry in no category is never shown by a lawful-basis sharing.
- Personal data is shown on visible entries only: an entry's notes where the entry is
  visible; members' names, dates of birth and addresses live only on the registration and
  member entries (and their corrections), category `contact_details`, so they show only
  where contact details are covered: A registered the family, a consent in force covers A
  for `coordinating_support`, or a sharing with A names `contact_details`.
- A's own correction of an entry A may not see shows (rule 1), the entry itself does not.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import singledispatchmethod

from domain.disclosure import ABOUT_ANOTHER, CONTACT_CATEGORIES, ENTRY_TYPES
from domain.family import Family
from projections.base import Doc, Documents, Event, Projection
from projections.timeline import TimelineProjection, as_of, sort_key

# Entries that are a disclosure to an agency (rule 3): the fact naming it.
DISCLOSED_TO: Mapping[str, str] = {
    "InformationShared": "with_agency",
    "EscalationRaised": "to_service",
}
CONTACT_DETAILS = "contact_details"


class SharingProjection(Projection):
    """The `sharing` view: the timeline, the consents and the sharings of each family (see
    the module docstring); `shared_view` reads what one agency may see of it."""

    name = "sharing"
    version = 1

    def __init__(self) -> None:
        # Looked up once: a singledispatchmethod makes a new wrapper per attribute lookup.
        self._timeline = TimelineProjection().apply
        self._sharing = self._share

    def apply(self, event: Event, docs: Documents) -> None:
        self._timeline(event, docs)
        self._sharing(event, docs)

    @singledispatchmethod
    def _share(self, event: Event, docs: Documents) -> None:
        """Other entries are kept by the timeline part of the document alone."""

    @_share.register
    def _(self, event: Family.Registered, docs: Documents) -> None:
        doc = self.existing(event, docs)
        doc["consents"] = []
        doc["sharings"] = []
        docs.put(self.key(event), doc, tag=doc["area"])

    @_share.register
    def _(self, event: Family.ConsentGiven, docs: Documents) -> None:
        doc = self.existing(event, docs)
        doc["consents"].append(
            {
                "consent_id": str(event.consent_id),
                "agencies": list(event.agencies),
                "purposes": list(event.purposes),
                "given": _when(doc["entries"][-1]),
                "withdrawn": None,
            }
        )
        docs.put(self.key(event), doc, tag=doc["area"])

    @_share.register
    def _(self, event: Family.ConsentWithdrawn, docs: Documents) -> None:
        doc = self.existing(event, docs)
        for consent in doc["consents"]:
            if consent["consent_id"] == str(event.consent_id):
                consent["withdrawn"] = _when(doc["entries"][-1])
        docs.put(self.key(event), doc, tag=doc["area"])

    @_share.register
    def _(self, event: Family.InformationShared, docs: Documents) -> None:
        doc = self.existing(event, docs)
        entry = doc["entries"][-1]  # the timeline part has just added it
        facts = entry["facts"]
        doc["sharings"].append(
            {
                "entry_id": entry["entry_id"],
                "with_agency": facts["with_agency"],
                "categories": list(facts["categories"]),
                "purpose": facts["purpose"],
                "lawful_basis": facts["lawful_basis"],
                "consent_id": facts["consent_id"],
                "episode_id": entry["episode_id"],
                "occurred_at": entry["occurred_at"],
                "recorded_at": entry["recorded_at"],
                "version": entry["version"],
                "retracted": False,
            }
        )
        docs.put(self.key(event), doc, tag=doc["area"])

    @_share.register
    def _(self, event: Family.EntryCorrected, docs: Documents) -> None:
        doc = self.existing(event, docs)
        target = str(event.target_entry_id)
        records = [s for s in doc["sharings"] if s["entry_id"] == target] + [
            moment
            for consent in doc["consents"]
            for moment in (consent["given"], consent["withdrawn"])
            if moment is not None and moment["entry_id"] == target
        ]
        if records:  # a sharing's or consent's time, as the timeline now has it
            stored = next(e for e in reversed(doc["entries"]) if e["entry_id"] == target)
            for record in records:
                record["occurred_at"] = as_of(stored)["occurred_at"]
            docs.put(self.key(event), doc, tag=doc["area"])

    @_share.register
    def _(self, event: Family.EntryRetracted, docs: Documents) -> None:
        doc = self.existing(event, docs)
        for sharing in doc["sharings"]:
            if sharing["entry_id"] == str(event.target_entry_id):
                sharing["retracted"] = True
                docs.put(self.key(event), doc, tag=doc["area"])


def _when(stored: Doc) -> Doc:
    return {k: stored[k] for k in ("entry_id", "occurred_at", "recorded_at")}


# -- queries ----------------------------------------------------------------------------------


def shared_view(doc: Doc, agency: str) -> list[Doc]:
    """The entries of a family that `agency` may see, as the timeline shows them (with all
    their corrections and their retraction), in the order they happened, each with
    `visible_because`: {"basis": "own"}, {"basis": "consent", "consent_id"} or
    {"basis": "shared", "entry_id", "lawful_basis"}. See the rules in the module docstring."""
    reasons = visibility(doc, agency)
    entries = []
    for stored in doc["entries"]:
        reason = reasons.get(stored["entry_id"])
        if reason is not None:
            entry = as_of(stored)
            entry["visible_because"] = dict(reason)
            entries.append(entry)
    entries.sort(key=sort_key)
    return entries


def visibility(doc: Doc, agency: str) -> dict[str, Doc]:
    """Entry id -> why `agency` may see it, for each entry it may see (rules 1 to 5)."""
    consents = [c for c in doc["consents"] if c["withdrawn"] is None and agency in c["agencies"]]
    sharings = [s for s in doc["sharings"] if s["with_agency"] == agency and not s["retracted"]]
    reasons: dict[str, Doc] = {}
    for stored in doc["entries"]:  # in recorded order: an entry before what is about it
        reason = _reason(stored, agency, consents, sharings, reasons)
        if reason is not None:
            reasons[stored["entry_id"]] = reason
    return reasons


def _reason(
    stored: Doc, agency: str, consents: list[Doc], sharings: list[Doc], known: Mapping[str, Doc]
) -> Doc | None:
    kind = stored["type"]
    facts = stored["facts"]
    if recording_agency(stored) == agency:  # rule 1
        return {"basis": "own"}
    if kind in ABOUT_ANOTHER:  # rule 5
        return known.get(facts["target_entry_id"])
    purpose = purpose_of(stored)
    for consent in consents:  # rule 2
        if purpose in consent["purposes"]:
            return {"basis": "consent", "consent_id": consent["consent_id"]}
    if kind in DISCLOSED_TO and facts[DISCLOSED_TO[kind]] == agency:  # rule 3
        return _shared(stored["entry_id"], facts["lawful_basis"])
    category = category_of(stored)
    if category is None:
        return None
    for sharing in sharings:  # rule 4
        if (
            category in sharing["categories"]
            and stored["version"] < sharing["version"]
            and (
                sharing["episode_id"] is None
                or category == CONTACT_DETAILS
                or stored["episode_id"] == sharing["episode_id"]
            )
        ):
            return _shared(sharing["entry_id"], sharing["lawful_basis"])
    return None


def _shared(entry_id: str, lawful_basis: str) -> Doc:
    return {"basis": "shared", "entry_id": entry_id, "lawful_basis": lawful_basis}


def recording_agency(stored: Doc) -> str:
    """The agency an entry is the record of (rule 1): a contact's own agency, else the
    agency of whoever recorded it; as first recorded (a correction does not move an entry
    between agencies' views)."""
    agency: str = (
        stored["facts"]["agency"]
        if stored["type"] == "ContactRecorded"
        else stored["actor"]["agency"]
    )
    return agency


def purpose_of(stored: Doc) -> str | None:
    """The purpose an entry serves (domain.disclosure); None for an unknown type."""
    rule = ENTRY_TYPES.get(stored["type"])
    if rule is None:
        return None
    if rule.purpose_from == "named_purpose":
        named: str = stored["facts"]["purpose"]
        return named
    return rule.purpose


def category_of(stored: Doc) -> str | None:
    """The information category an entry is in (domain.disclosure); None for an unknown
    type, or one in no category."""
    rule = ENTRY_TYPES.get(stored["type"])
    if rule is None:
        return None
    if rule.category_from == "contact_agency":
        return CONTACT_CATEGORIES.get(stored["facts"]["agency"])
    return rule.category


def shared_summary(doc: Doc, agency: str) -> Doc | None:
    """A family at a glance, for the list of families shared with `agency`; None if it sees
    nothing of the family:

        {"family_id", "area", "categories": the information categories of what it sees
         (codes, sorted; domain.disclosure), "bases": the kinds of reason it sees them for
         ("consent", "own", "shared"), "since": {"occurred_at", "recorded_at"} of the
         first entry that let it see something (an entry of its own, a consent given, a
         disclosure to it), as corrected}"""
    reasons = visibility(doc, agency)
    if not reasons:
        return None
    stored = {entry["entry_id"]: entry for entry in doc["entries"]}
    categories = {category_of(stored[entry_id]) for entry_id in reasons}
    grants = [stored[_granted_by(doc, entry_id, reason)] for entry_id, reason in reasons.items()]
    first = min((as_of(entry) for entry in grants), key=lambda e: (e["recorded_at"], e["version"]))
    return {
        "family_id": doc["family_id"],
        "area": doc["area"],
        "categories": sorted(c for c in categories if c is not None),
        "bases": sorted({reason["basis"] for reason in reasons.values()}),
        "since": {"occurred_at": first["occurred_at"], "recorded_at": first["recorded_at"]},
    }


def _granted_by(doc: Doc, entry_id: str, reason: Doc) -> str:
    """The entry that lets the agency see `entry_id`: itself, the consent, the disclosure."""
    if reason["basis"] == "consent":
        consent = next(c for c in doc["consents"] if c["consent_id"] == reason["consent_id"])
        given: str = consent["given"]["entry_id"]
        return given
    if reason["basis"] == "shared":
        shared: str = reason["entry_id"]
        return shared
    return entry_id


def families_shared_with(docs: Iterable[tuple[str, Doc]], agency: str) -> list[Doc]:
    """`shared_summary` of every family `agency` sees something of, in the order given."""
    summaries = (shared_summary(doc, agency) for _, doc in docs)
    return [summary for summary in summaries if summary is not None]


def granting_entry(doc: Doc, entry_id: str, reason: Doc) -> Doc:
    """The entry (as corrected) that lets an agency see `entry_id` for `reason`: the entry
    itself (own), the consent given (consent), or the disclosure to it (shared)."""
    wanted = _granted_by(doc, entry_id, reason)
    return as_of(next(entry for entry in doc["entries"] if entry["entry_id"] == wanted))
