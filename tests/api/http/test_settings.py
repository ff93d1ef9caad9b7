"""Production refuses development defaults and offers no development login."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from infra.settings import Settings


def test_production_refuses_the_default_secret(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="JOURNEYS_JWT_SECRET"):
        Settings(mode="production", sqlite_path=tmp_path / "j.sqlite", database_url=None)


def test_production_has_no_login_page(tmp_path: Path) -> None:
    settings = Settings(
        mode="production",
        jwt_secret="a-long-secret-of-our-own-for-this-test-only",
        pseudonym_secret="another-secret-of-our-own-for-this-test",
        signing_key="AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=",
        master_key="ICEiIyQlJicoKSorLC0uLzAxMjM0NTY3ODk6Ozw9Pj8=",
        blind_index_key="journeys-blind-index-key-of-our-own-for-this-test",
        sqlite_path=tmp_path / "j.sqlite",
        database_url=None,
    )
    with TestClient(create_app(settings)) as client:
        page = client.get("/login")
        form = client.post("/login", data={"user_id": "me", "role": "admin", "agency": "police"})
        health = client.get("/health")

    assert (page.status_code, page.json()["error"]) == (404, "not_found")
    assert form.status_code in {404, 405}
    assert health.status_code == 200


def test_development_login_signs_a_token_that_works(client: TestClient) -> None:
    page = client.get("/login")
    signed = client.post(
        "/login", data={"user_id": "dev-qa", "role": "qa_officer", "agency": "early_help"}
    )

    assert page.status_code == 200
    assert "qa_officer" in page.text
    assert "children_social_care" in page.text
    assert "cdn" not in page.text.lower()
    token = signed.text.split('<textarea id="token" rows="5" readonly>')[1].split("</textarea>")[0]
    families = client.get("/families", headers={"Authorization": f"Bearer {token}"})
    assert families.status_code == 200
    assert "curl -H" in signed.text


def test_development_login_refuses_an_unknown_role(client: TestClient) -> None:
    response = client.post(
        "/login", data={"user_id": "x", "role": "superuser", "agency": "early_help"}
    )

    assert (response.status_code, response.json()["field"]) == (422, "role")


def test_the_api_docs_are_served_without_a_cdn(client: TestClient) -> None:
    page = client.get("/docs")
    script = client.get("/docs-assets/swagger-ui-bundle.js")
    schema = client.get("/openapi.json")

    assert page.status_code == 200
    assert "cdn" not in page.text.lower()
    assert "/docs-assets/swagger-ui-bundle.js" in page.text
    assert script.status_code == 200
    assert len(script.content) > 100_000
    assert "/families/{family_id}/contacts" in schema.json()["paths"]
