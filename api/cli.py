"""The ``landflow`` entry point: a Flask CLI group over the app that ``create_app`` builds, with
the commands of ``api.commands``.

It reads the same configuration as the server (``workflow.config``: the environment over
``landflow.toml``), not Flask's ``.env`` files, so Flask's ``--env-file``/``--app``/``--debug``
options are not offered. A setting that cannot be read or a database that cannot be reached is
one sentence on stderr and exit status 1, not a traceback.
"""

from __future__ import annotations

import os
from typing import Any

import click
from flask import Flask
from flask.cli import FlaskGroup, ScriptInfo
from sqlalchemy.exc import DBAPIError

from workflow.config import ConfigError
from workflow.observability.logs import configure_logging

from .app import create_app
from .commands import config_command

FLASK_ONLY_OPTIONS = {"env_file", "app", "debug"}


def _create_app() -> Flask:
    app = create_app()
    if not os.environ.get("LANDFLOW_LOG_LEVEL"):
        # A command prints what it did; its log lines (one per transition a demo or a sweep
        # fires) are for when they are asked for.
        configure_logging(app.extensions["landflow"].settings.log_format, "WARNING")
    return app


class LandflowGroup(FlaskGroup):
    def __init__(self, **extra: Any) -> None:
        super().__init__(load_dotenv=False, set_debug_flag=False, **extra)
        self.params = [p for p in self.params if p.name not in FLASK_ONLY_OPTIONS]

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        # FlaskGroup.parse_args evaluates --env-file and --app early for --help; neither is
        # ours, so click's own parsing is all there is.
        return click.Group.parse_args(self, ctx, args)

    def list_commands(self, ctx: click.Context) -> list[str]:
        try:
            ctx.ensure_object(ScriptInfo).load_app()  # cached for what follows
        except ConfigError as err:
            click.secho(f"configuration: {err}", err=True, fg="red")
            return sorted(click.Group.list_commands(self, ctx))
        return super().list_commands(ctx)

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except ConfigError as err:
            raise click.ClickException(f"configuration: {err}") from None
        except DBAPIError as err:
            if not err.connection_invalidated and not _is_connect_error(err):
                raise
            from workflow.config import Settings
            from workflow.operator.database import explain

            raise click.ClickException(explain(err, Settings.from_env().database_url)) from None


def _is_connect_error(err: DBAPIError) -> bool:
    text = str(err.orig)
    return "connection" in text.lower() or "unable to open database" in text


cli = LandflowGroup(name="landflow", create_app=_create_app, add_default_commands=True,
                    add_version_option=False,
                    help="Landflow: the land chain 调规批征供用建验登 for Shizhu County. "
                         "Settings: the environment over landflow.toml (`landflow config`).")
cli.add_command(config_command)
