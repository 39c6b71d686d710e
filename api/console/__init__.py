"""The browser console at ``/console/``: server-rendered pages for clerks, approvers and
auditors (Jinja2, progressive enhancement with htmx; Leaflet for maps), on the same service
layer as the API."""

from __future__ import annotations

from flask import Flask

from api.console import signin
from api.console.views import blp


def init_app(app: Flask) -> None:
    signin.init_app(app)
    app.register_blueprint(blp)
