"""What a partner agency sees of families under the sharing rules (projections.sharing), as
any reader reads it: the HTTP routes and pages, or a Kafka relay, without the API.

`shared_view_for` is one family's shared view for an agency: the entries it may see, each
saying why, with the personal details of the entries shown joined from the family's events
(`personal_details`, the one place entries' personal data is read, so that decrypting it,
or finding it erased, happens here). `shared_families_for` is a page of the families an
agency sees something of. Both read through `family_doc`'s rule (projections.reads).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from uuid import UUID

from projections.base import Doc
from projections.reads import EventSource, ViewReader, family_doc
from projections.serialize import to_json
from projections.sharing import SharingProjection, families_shared_with, shared_view
from projections.timeline import personal_parts


def personal_details(events: Iterable[Any]) -> dict[str, dict[str, Any]]:
    """Entry id -> the personal data its event holds, laid out as the timeline's
    `personal_fields` name it: `{"notes": ..., "members": {member_id: {"given_name": ...}}}`."""
    found: dict[str, dict[str, Any]] = {}
    for event in events:
        details: dict[str, Any] = {}
        for member_id, personal in personal_parts(event):
            shown = to_json(personal, personal=True).items()
            values = {k: v for k, v in shown if v is not None and k != "erased"}
            if member_id is None:
                details.update(values)
            else:
                details.setdefault("members", {})[member_id] = values
        if details:
            found[str(event.entry_id)] = details
    return found


def with_personal(entry: Doc, personal: Mapping[str, Doc] | None) -> Doc:
    """A timeline entry with `personal`: the personal data of it, and of each of its
    corrections, if given (None: not shown)."""

    def joined(record: Doc) -> Doc:
        return {
            **record,
            "personal": None if personal is None else personal.get(record["entry_id"]),
        }

    shown = joined(entry)
    shown["corrections"] = [joined(c) for c in entry["corrections"]]
    return shown


@dataclass(frozen=True)
class SharedView:
    """What `agency` may see of a family: the entries (timeline entries, each with
    `visible_because` and `personal`), the sharing document they are from (which says who
    shared what, and when), and the store position it reflects."""

    family_id: UUID
    agency: str
    position: int
    doc: Doc
    entries: list[Doc]


def shared_view_for(
    reader: ViewReader,
    source: EventSource,
    family_id: UUID,
    agency: str,
    *,
    at_least: int | None = None,
) -> SharedView:
    """The shared view of a family for `agency`, at least as of store position `at_least`
    (the sharing view's, else replayed from the family's events), with the personal details
    of the entries shown. NotFoundError if there is no such family."""
    events = source.family_events(family_id)
    found = family_doc(
        reader, source, SharingProjection(), family_id, at_least=at_least, events=events
    )
    personal = personal_details(events)
    entries = [with_personal(entry, personal) for entry in shared_view(found.doc, agency)]
    return SharedView(family_id, agency, found.position, found.doc, entries)


@dataclass(frozen=True)
class SharedFamilies:
    """A page of the families an agency sees something of (projections.sharing
    `shared_summary`), and the place of the next page (None at the end)."""

    position: int
    items: list[Doc]
    next: int | None


def shared_families_for(
    reader: ViewReader, agency: str, *, after: int, limit: int
) -> SharedFamilies:
    """The families `agency` sees something of, in family id order from place `after`, as
    the sharing view stands."""
    position, docs = reader.read_tagged(SharingProjection.name, None)
    summaries = families_shared_with(docs, agency)
    more = after + limit < len(summaries)
    return SharedFamilies(
        position, summaries[after : after + limit], after + limit if more else None
    )
