"""The ``landflow`` entry point: a Flask CLI group over the app that ``create_app`` builds, with
the commands of ``api.commands``."""

from __future__ import annotations

import os

from flask import Flask
from flask.cli import FlaskGroup

from workflow.observability.logs import configure_logging

from .app import create_app


def _create_app() -> Flask:
    app = create_app()
    if not os.environ.get("LANDFLOW_LOG_LEVEL"):
        # A command prints what it did; its log lines (one per transition a demo or a sweep
        # fires) are for when they are asked for.
        configure_logging(app.extensions["landflow"].settings.log_format, "WARNING")
    return app


cli = FlaskGroup(name="landflow", create_app=_create_app, add_default_commands=True,
                 add_version_option=False,
                 help="Landflow: the land chain 调规批征供用建验登 for Shizhu County.")
