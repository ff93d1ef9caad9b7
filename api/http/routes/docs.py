"""OpenAPI docs served from the package's own copy of Swagger UI, so they work offline
(FastAPI's default loads Swagger UI from a CDN). The copy is fastapi-offline's: a Swagger UI
5 bundle, which renders the OpenAPI 3.1 document FastAPI writes (the 3.x bundle of
swagger-ui-bundle refused it as "not a valid version")."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import APIRouter, FastAPI
from fastapi.openapi.docs import get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = "/docs-assets"
# The wheel ships the files beside its module; it names the folder nowhere public.
SWAGGER_UI_FILES = Path(fastapi_offline.__file__).parent / "static"

router = APIRouter(include_in_schema=False)


@router.get("/docs")
def swagger_ui() -> HTMLResponse:
    return get_swagger_ui_html(
        openapi_url="/openapi.json",
        title="Journeys — API docs",
        swagger_js_url=f"{ASSETS}/swagger-ui-bundle.js",
        swagger_css_url=f"{ASSETS}/swagger-ui.css",
        swagger_favicon_url=f"{ASSETS}/favicon.png",
    )


def mount(app: FastAPI) -> None:
    app.mount(ASSETS, StaticFiles(directory=SWAGGER_UI_FILES), name="docs-assets")
    app.include_router(router)
