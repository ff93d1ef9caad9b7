"""The access log pages as a QA officer's browser gets them: the next page and the CSV carry
the filters, what a token says is escaped, and a bad filter is a 422 page naming it."""

from __future__ import annotations

import csv
import io
from html.parser import HTMLParser
from urllib.parse import parse_qs, urlsplit
from uuid import uuid4

from fastapi.testclient import TestClient

from infra.audit.access_log import Access
from infra.bootstrap import Journeys
from tests.support.access_log import get


class Links(HTMLParser):
    """The href of every link of a page, by its class."""

    def __init__(self) -> None:
        super().__init__()
        self.by_class: dict[str, str] = {}

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        if tag == "a" and found.get("class") and found.get("href"):
            self.by_class[str(found["class"])] = str(found["href"])


def links(html: str) -> dict[str, str]:
    parser = Links()
    parser.feed(html)
    return parser.by_class


def test_the_next_page_and_the_csv_carry_the_filters(
    client: TestClient, journeys: Journeys
) -> None:
    family = uuid4()
    for n in range(120):
        user = "qa-7" if n % 2 else "qa-8"
        journeys.access_log.append(Access(family, user, "qa_officer", "police", "events", {}, None))
    asked = {"user_id": "qa-7", "agency": "police", "role": "", "from": "", "to": ""}

    first = get(client, journeys, "/web/access-log", role="qa_officer", params=asked)
    found = links(first.text)
    second = get(client, journeys, found["next"], role="qa_officer")
    exported = get(client, journeys, found["csv"], role="qa_officer")

    assert (first.status_code, second.status_code, exported.status_code) == (200, 200, 200)
    carried = parse_qs(urlsplit(found["next"]).query)
    assert (carried["user_id"], carried["agency"], len(carried["after"])) == (
        ["qa-7"],
        ["police"],
        1,
    )
    assert [page.text.count('<td class="user">qa-7</td>') for page in (first, second)] == [50, 10]
    assert "qa-8" not in first.text + second.text
    assert "next" not in links(second.text)
    assert parse_qs(urlsplit(found["csv"]).query) == {"user_id": ["qa-7"], "agency": ["police"]}
    rows = list(csv.DictReader(io.StringIO(exported.text)))
    assert len(rows) == 60
    assert {(r["user_id"], r["agency"]) for r in rows} == {("qa-7", "police")}


def test_what_a_token_says_is_shown_escaped(client: TestClient, journeys: Journeys) -> None:
    journeys.access_log.append(
        Access(uuid4(), "<b>qa</b>", "qa_officer", "early_help", "events", {}, None)
    )

    page = get(client, journeys, "/web/access-log", role="qa_officer")

    assert page.status_code == 200
    assert "<b>qa</b>" not in page.text
    assert "&lt;b&gt;qa&lt;/b&gt;" in page.text


def test_a_bad_filter_is_a_page_naming_it(client: TestClient, journeys: Journeys) -> None:
    page = get(client, journeys, "/web/access-log", role="qa_officer", params={"role": "chief"})

    assert page.status_code == 422
    assert page.headers["content-type"].startswith("text/html")
    assert "not a role" in page.text
