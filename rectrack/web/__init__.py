"""The web app: FastAPI routes over the same services as the command line."""

from __future__ import annotations

from rectrack.web.app import create_app

__all__ = ["create_app"]
