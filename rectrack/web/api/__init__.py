"""The JSON API, `/api/v1`: its own FastAPI app, with its own OpenAPI and docs page.

It is mounted under the web app, so the security headers apply to it too, but it
reads no session cookie: a call is made by the holder of a bearer token.
"""

from __future__ import annotations

import html

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse

from rectrack.app import App
from rectrack.web.api import errors, recs

PREFIX = "/api/v1"
DESCRIPTION = """The tracker's recommendations as JSON, and the changes the command line makes.

Every call sends `Authorization: Bearer <token>`; the clerk makes a token with
`rectrack people token EMAIL`. A change is made on behalf of the token's person, whose
roles must allow it, exactly as `--by EMAIL` on the command line. Errors are
`{"error": sentence, "field": name}`: 400 bad input, 401 no usable token, 403 not
allowed, 404 not found, 409 refused by the workflow (nothing was written).
"""
# The docs page keeps the site's CSP: Swagger UI is served from /static, started by a file.
DOCS_PAGE = """<!doctype html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>rectrack API</title>
<link rel="icon" href="/static/favicon.svg" type="image/svg+xml">
<link rel="stylesheet" href="/static/swagger-ui/swagger-ui.css">
<script src="/static/swagger-ui/swagger-ui-bundle.js" defer></script>
<script src="/static/swagger-ui/init.js" defer></script>
</head>
<body>
<main id="swagger-ui" data-spec="{spec}"></main>
<noscript><p>The API is described in <a href="{spec}">openapi.json</a>.</p></noscript>
</body>
</html>
"""


def create_api(app: App) -> FastAPI:
    """The API over `app`, to be mounted at PREFIX."""
    api = FastAPI(
        title="rectrack API",
        version="1",
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
    )
    api.state.rectrack = app
    api.include_router(recs.router)
    errors.install(api)

    @api.get("/docs", include_in_schema=False)
    def docs(request: Request) -> HTMLResponse:
        spec = html.escape(request.scope.get("root_path", "") + "/openapi.json")
        return HTMLResponse(DOCS_PAGE.replace("{spec}", spec))

    return api
