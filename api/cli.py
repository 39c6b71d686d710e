"""The ``landflow`` entry point: a Flask CLI group over the app that ``create_app`` builds, with
the commands of ``api.commands``."""

from __future__ import annotations

from flask import Flask
from flask.cli import FlaskGroup

from .app import create_app


def _create_app() -> Flask:
    return create_app()


cli = FlaskGroup(name="landflow", create_app=_create_app, add_default_commands=True,
                 add_version_option=False,
                 help="Landflow: the land chain 调规批征供用建验登 for Shizhu County.")
