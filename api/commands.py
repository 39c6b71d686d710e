"""The ``landflow`` commands: like the views, each parses its arguments, calls one workflow
operation and prints what it returned. ``create_app`` registers them on the app's CLI; the
``landflow`` entry point (``api.cli``) serves them."""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from flask import Flask
from flask.cli import with_appcontext

from workflow.errors import LandflowError

from .base import runtime


def _fail(err: LandflowError) -> None:
    detail = getattr(err, "errors", None) or err.details
    raise click.ClickException(f"{err.code}: {err.message} / {err.message_en} {detail or ''}")


class Progress:
    """Progress of a long command on stderr: a live line on a terminal, every 10% otherwise."""

    def __init__(self, label: str) -> None:
        self.label = label
        self._last = -1
        self._tty = sys.stderr.isatty()

    def __call__(self, done: int, total: int) -> None:
        pct = 100 if total == 0 else int(done * 100 / total)
        step = pct if self._tty else pct - pct % 10
        if step == self._last:
            return
        self._last = step
        if self._tty:
            click.echo(f"\r{self.label}: {done}/{total} ({pct}%)", nl=done >= total, err=True)
        else:
            click.echo(f"{self.label}: {done}/{total} ({pct}%)", err=True)


def register_commands(app: Flask) -> None:
    for command in (db, seed, demo, users, diagram, audit, rules, sweep, deliver, import_,
                    export, layers, backup, restore):
        app.cli.add_command(command)


# --- database -------------------------------------------------------------------------------


@click.group(help="Database schema (Alembic migrations).")
def db() -> None:
    pass


@db.command("upgrade", help="Migrate the database to the latest schema.")
@click.option("--revision", default="head", show_default=True)
@with_appcontext
def db_upgrade(revision: str) -> None:
    from alembic.util import CommandError

    from workflow.operator.database import DatabaseUnavailable, ensure_database
    from workflow.operator.migrate import NotAnUpgrade, current_head, database_revision, upgrade

    settings = runtime().settings
    url = settings.database_url
    try:
        done = ensure_database(url, create=settings.create_database)
    except DatabaseUnavailable as err:
        raise click.ClickException(str(err)) from None
    if done:
        click.echo(done)
    try:
        upgrade(url, revision)
    except (NotAnUpgrade, CommandError) as err:
        raise click.ClickException(str(err)) from err
    now = database_revision(url)
    label = " (head)" if now == current_head() else ""
    click.echo(f"database at {now}{label}: {_safe_url(url)}")


def _safe_url(url: str) -> str:
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        creds, host = rest.rsplit("@", 1)
        user = creds.split(":", 1)[0]
        return f"{scheme}://{user}@{host}"
    return url


# --- configuration ----------------------------------------------------------------------------


@click.command("config", help="Show the settings in force (secrets masked) and where each comes "
                              "from: the environment, the configuration file, or the default.")
@click.option("--write", "write_to", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write the settings that are not defaults to this TOML file "
                                 "(what `make run` does, so that later commands agree with it)")
@click.option("--get", "get_name", default=None, metavar="NAME",
              help="Print one setting's value alone (unmasked), e.g. for a script")
@click.option("--markdown", is_flag=True, help="The README's configuration table")
def config_command(write_to: Path | None, get_name: str | None, markdown: bool) -> None:
    from workflow import config as cfg

    if markdown:
        click.echo(cfg.markdown_table(), nl=False)
        return
    values = cfg.resolve()
    if get_name is not None:
        if get_name not in cfg.SPEC_BY_NAME:
            raise click.BadParameter(f"no setting {get_name}; known: "
                                     f"{', '.join(cfg.SPEC_BY_NAME)}", param_hint="--get")
        click.echo(values[get_name][0])
        return
    if write_to is not None:
        cfg.write_file(write_to, values)
        click.echo(f"wrote {write_to}")
        return
    path, _ = cfg.config_path()
    click.echo(f"# configuration file: {path if path else 'none'}")
    width = max(len(s.name) for s in cfg.SPECS)
    for spec in cfg.SPECS:
        value, source = values[spec.name]
        shown = cfg.mask(spec, value)
        if spec.env_only:
            source = "env" if value else "default"
        click.echo(f"{spec.name:<{width}} = {shown or '—'}  [{source}; {spec.env}]")


# --- reference data and demo ------------------------------------------------------------------


@click.command(help="Load Shizhu County's reference data (idempotent).")
@click.option("--demo-layers/--no-demo-layers", "with_demo_layers", default=True,
              show_default=True, help="Also load the SYNTHETIC demo reference layers")
@click.option("--quota/--no-quota", "with_quota", default=True, show_default=True,
              help="Also open the plan years' quota accounts (seed/quota.csv) that do not exist")
@with_appcontext
def seed(with_demo_layers: bool, with_quota: bool) -> None:
    from workflow.operator.seed import load_seed, seed_quota_accounts

    report = load_seed(runtime().uow())
    click.echo(f"seed: {report.counties} county, {report.townships} townships, "
               f"{report.indicators} indicators; {report.changed} rows added or changed")
    if with_quota:
        try:
            years = seed_quota_accounts(runtime().uow)
        except LandflowError as err:
            _fail(err)
            return
        click.echo("quota accounts opened for " + (", ".join(map(str, years)) or
                                                   "no year (all there already)")
                   + " [allocation UNV: 专栏3 five-year total ÷ 5, see seed/README.md]")
    if with_demo_layers:
        from workflow.operator.demo_layers import load_demo_layers

        layers = load_demo_layers(runtime())
        click.echo(f"synthetic demo layers: {len(layers.loaded)} loaded, "
                   f"{len(layers.skipped)} already there (SYNTHETIC, not the county's data)")


@click.command(help="Generate a demo portfolio driven through the real transitions.")
@click.option("--parcels", "count", default=60, show_default=True, type=click.IntRange(1, 100000))
@click.option("--seed", "random_seed", default=2021, show_default=True, type=int)
@with_appcontext
def demo(count: int, random_seed: int) -> None:
    from workflow.operator.demo import generate_demo

    try:
        report = generate_demo(runtime(), count=count, random_seed=random_seed,
                               progress=Progress("demo parcels"))
    except LandflowError as err:
        _fail(err)
        return
    click.echo("demo: " + ", ".join(f"{k} {v}" for k, v in sorted(report.items())))


# --- accounts ----------------------------------------------------------------------------------


@click.group(help="Accounts and bearer tokens.")
def users() -> None:
    pass


@users.command("add", help="Create an account; prints its bearer token once, on the last line.")
@click.argument("name")
@click.option("--role", required=True,
              type=click.Choice(["clerk", "approver", "auditor", "portal", "admin"]))
@click.option("--township", default=None, help="Bind the account to one township (name or code)")
@click.option("--expires-days", default=None, type=click.IntRange(1, 3650),
              help="The token expires after this many days")
@with_appcontext
def users_add(name: str, role: str, township: str | None, expires_days: int | None) -> None:
    from datetime import timedelta

    from workflow.accounts.services import add_user

    rt = runtime()
    expires_at = rt.clock.now() + timedelta(days=expires_days) if expires_days else None
    try:
        created = add_user(rt.uow(), name, role, township, expires_at=expires_at)
    except LandflowError as err:
        _fail(err)
        return
    scope = f" in {created.township}" if created.township else ""
    click.echo(f"account {created.account_id} {created.name} ({created.role}{scope}); "
               "the token below is shown only once:", err=False)
    click.echo(created.token)


@users.command("rotate", help="Issue a new token for an account and revoke its old ones at "
                               "once; prints the new token once, on the last line.")
@click.argument("name")
@click.option("--expires-days", default=None, type=click.IntRange(1, 3650),
              help="The new token expires after this many days")
@with_appcontext
def users_rotate(name: str, expires_days: int | None) -> None:
    from datetime import timedelta

    from workflow.accounts.services import rotate_token

    rt = runtime()
    expires_at = rt.clock.now() + timedelta(days=expires_days) if expires_days else None
    try:
        rotated = rotate_token(rt.uow(), name, expires_at=expires_at)
    except LandflowError as err:
        _fail(err)
        return
    click.echo(f"account {rotated.account_id} {rotated.name}: {rotated.revoked} old token(s) "
               "revoked; the token below is shown only once:")
    click.echo(rotated.token)


@users.command("passwd", help="Set an account's console password, read from standard input "
               "(one line; prompted twice on a terminal). Signs the account's sessions out.")
@click.argument("name")
@with_appcontext
def users_passwd(name: str) -> None:
    from workflow.accounts.sessions import set_password

    stdin = sys.stdin
    if stdin.isatty():
        password = click.prompt("密码 / password", hide_input=True, confirmation_prompt=True)
    else:
        password = stdin.readline().rstrip("\r\n")
    try:
        set_password(runtime().uow(), name, password)
    except LandflowError as err:
        _fail(err)
        return
    click.echo(f"password set for {name}")


@users.command("list", help="List accounts.")
@with_appcontext
def users_list() -> None:
    from workflow.accounts.queries import list_users

    for u in list_users(runtime().reader()):
        state = "active" if u["active"] else "revoked"
        click.echo(f"{u['id']:>4}  {u['name']:<24} {u['role']:<9} {u['township'] or '-':<8} "
                   f"{state}")


@users.command("revoke", help="Deactivate an account and revoke its tokens at once.")
@click.argument("name")
@with_appcontext
def users_revoke(name: str) -> None:
    from workflow.accounts.services import revoke_user

    try:
        n = revoke_user(runtime().uow(), name)
    except LandflowError as err:
        _fail(err)
        return
    click.echo(f"revoked {name}: {n} token(s)")


# --- lifecycle and audit ------------------------------------------------------------------------


@click.command(help="Write the lifecycle as a Mermaid state diagram.")
@click.option("--output", "-o", type=click.Path(dir_okay=False, path_type=Path), default=None)
@click.option("--markdown", "-m", is_flag=True, help="The whole docs/lifecycle.md page")
def diagram(output: Path | None, markdown: bool) -> None:
    from states.diagram import lifecycle_markdown, mermaid

    text = lifecycle_markdown() if markdown else mermaid()
    if output is None:
        click.echo(text, nl=False)
    else:
        output.write_text(text, encoding="utf-8")
        click.echo(f"wrote {output}")


@click.command(help="The daily sweep: breaches, suspected idle land, lapsed approvals.")
@click.option("--as-of", "as_of", default=None, help="Sweep as of this date (default today)")
@with_appcontext
def sweep(as_of: str | None) -> None:
    from workflow.deadlines.sweep import run_sweep
    from workflow.payloads.fields import parse_day

    try:
        day = parse_day(as_of, "--as-of") if as_of else None
    except LandflowError as err:
        _fail(err)
        return
    progress = {}

    def show(phase: str, done: int, total: int) -> None:
        progress.setdefault(phase, Progress(phase))(done, total)

    try:
        report = run_sweep(runtime(), day, progress=show)
    except ValueError as err:
        raise click.ClickException(str(err)) from err
    for line in report.lines():
        click.echo(line)


@click.command(help="Deliver webhook events (a worker loop; --once for cron).")
@click.option("--once", is_flag=True, help="One pass over the due subscriptions, then exit")
@click.option("--interval", default=1.0, show_default=True, type=float)
@with_appcontext
def deliver(once: bool, interval: float) -> None:
    from workflow.portal.addresses import AddressPolicy
    from workflow.portal.delivery import DeliveryPolicy, deliver_once, run_worker

    rt = runtime()
    s = rt.settings
    try:
        policy = DeliveryPolicy(
            backoff_base_s=s.webhook_backoff_base_s, backoff_max_s=s.webhook_backoff_max_s,
            max_failures=s.webhook_max_failures, timeout_s=s.webhook_timeout_s,
            deadline_s=s.webhook_deadline_s,
            addresses=AddressPolicy.from_strings(s.webhook_private_networks, s.webhook_ports))
    except ValueError as err:
        raise click.ClickException(f"webhook settings: {err}") from err
    if once:
        stats = deliver_once(rt.uow, policy)
        click.echo(f"delivered {stats['delivered']}, failed {stats['failed']}, "
                   f"suspended {stats['suspended']}")
        return

    def report(stats: dict[str, int]) -> None:
        if any(stats.values()):
            click.echo(f"delivered {stats['delivered']}, failed {stats['failed']}, "
                       f"suspended {stats['suspended']}")

    click.echo(f"delivering webhooks every {interval}s (Ctrl-C stops)")
    try:
        run_worker(rt.uow, policy, interval_s=interval, on_pass=report)
    except KeyboardInterrupt:
        click.echo("stopped")


# Exit status of `landflow import` when some rows were rejected (the good ones are imported).
IMPORT_REJECTED_EXIT = 2


@click.command("import", help="Import surveyed parcels from CSV or GeoJSON. Rejected rows go to "
                              "a CSV with their reasons (--report, default FILE.rejected.csv) "
                              f"and the exit status is {IMPORT_REJECTED_EXIT}.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--batch-size", default=5000, show_default=True, type=click.IntRange(1, 100000))
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write rejected rows and reasons to this CSV")
@click.option("--workers", default=None, type=click.IntRange(1, 64),
              help="Processes validating and writing batches (PostgreSQL; default: CPUs)")
@with_appcontext
def import_(path: Path, batch_size: int, report_path: Path | None, workers: int | None) -> None:
    import time

    from workflow.operator.importer import import_file

    total = None
    if path.suffix.lower() == ".csv":
        with path.open(encoding="utf-8-sig") as f:
            total = max(sum(1 for _ in f) - 1, 0)
    t0 = time.perf_counter()
    import os

    report = import_file(runtime(), path, batch_size=batch_size,
                         progress=Progress("rows"), total_hint=total,
                         workers=workers or min(4, os.cpu_count() or 1))
    seconds = time.perf_counter() - t0
    rate = report.imported / seconds if seconds else 0
    click.echo(f"import {path.name}: {report.rows} rows, {report.imported} imported in "
               f"{report.batches} batches, {len(report.rejected)} rejected; {seconds:.1f} s "
               f"({rate:,.0f} parcels/s)")
    if report.rejected:
        target = report_path or path.with_name(path.stem + ".rejected.csv")
        report.write(target)
        click.echo(f"rejected rows and reasons: {target}")
        for r in report.rejected[:10]:
            click.echo(f"  line {r.line} ({r.code}): {r.errors}")
        # The good rows are in; a script (cron, CI) still has to learn that some were not.
        click.echo(f"error: {len(report.rejected)} row(s) rejected, see {target}", err=True)
        sys.exit(IMPORT_REJECTED_EXIT)


@click.command(help="Export every parcel's survey in the import format (CSV or GeoJSON).")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def export(path: Path) -> None:
    from workflow.operator.importer import export_parcels

    n = export_parcels(runtime(), path, progress=Progress("parcels"))
    click.echo(f"exported {n} parcels to {path}")


@click.command(help="The rule registry: every guard, its codes and its legal source.")
@click.option("--markdown", is_flag=True, help="docs/rules.md")
@click.option("--law-on", "law_on", type=click.DateTime(["%Y-%m-%d"]), default=None,
              help="The legal parameters in force on a day (an audit event's law_set).")
def rules(markdown: bool, law_on: datetime | None) -> None:
    from workflow import law
    from workflow.rules import GUARDS
    from workflow.rules.doc import rules_markdown

    if markdown:
        click.echo(rules_markdown(), nl=False)
        return
    if law_on is not None:
        s = law.in_force_on(law_on.date())
        click.echo(f"law_set {s.id}  in force {s.since or '…'} – {s.until or 'now'}")
        for key, p in s.params.items():
            click.echo(f"{key:<52} {s.value(key)!s:<40} {p.source}")
        return
    for name, g in sorted(GUARDS.items()):
        click.echo(f"{name:<40} {', '.join(g.codes)}")


@click.group(help="Reference layers: 三调 land use, basic farmland, red line, boundaries.")
def layers() -> None:
    pass


@layers.command("import", help="Load a new layer version from GeoJSON, GeoPackage or Shapefile.")
@click.argument("kind", type=click.Choice(["land_use", "basic_farmland", "ecological_red_line",
                                           "development_boundary", "village_construction",
                                           "township"]))
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--version", "version", required=True, help="The delivery's label, e.g. 2023")
@click.option("--valid-from", "valid_from", required=True, type=click.DateTime(["%Y-%m-%d"]),
              help="In force for steps dated from this day (YYYY-MM-DD)")
@click.option("--source", default=None, help="Where it comes from (default: the file name)")
@click.option("--report", "report_path", type=click.Path(dir_okay=False, path_type=Path),
              default=None, help="Write the rejected features to this CSV")
@with_appcontext
def layers_import(kind: str, path: Path, version: str, valid_from: datetime, source: str | None,
                  report_path: Path | None) -> None:
    from workflow.access import OPERATOR
    from workflow.spatial.layers import read_file
    from workflow.spatial.services import import_layer

    total, features = read_file(kind, path)
    progress = Progress("features")
    try:
        result = import_layer(runtime().uow(), OPERATOR, kind, version, valid_from.date(),
                              source or path.name, features,
                              progress=lambda n: progress(n, total))
    except LandflowError as err:
        _fail(err)
        return
    if report_path is not None:
        with report_path.open("w", encoding="utf-8", newline="") as f:
            f.write("index,reason\n")
            for r in result.rejected:
                f.write(f"{r.index},\"{r.reason.replace(chr(34), chr(39))}\"\n")
    click.echo(f"{kind} {version} (in force from {result.valid_from}): "
               f"{result.feature_count} features, {len(result.rejected)} rejected")
    for r in result.rejected[:20]:
        click.echo(f"  feature {r.index}: {r.reason}", err=True)


@layers.command("list", help="Every layer kind with its versions.")
@with_appcontext
def layers_list() -> None:
    from workflow.access import OPERATOR
    from workflow.spatial.queries import list_layers

    for item in list_layers(runtime().reader(), OPERATOR)["items"]:
        for v in item["versions"]:
            flag = " (synthetic)" if v["synthetic"] else ""
            click.echo(f"{item['kind']:22} {v['version']:12} from {v['valid_from']}  "
                       f"{v['feature_count']:>8} features{flag}")


@click.group(help="The audit trail.")
def audit() -> None:
    pass


@audit.command("verify", help="Walk every hash chain; report the first broken link.")
@with_appcontext
def audit_verify() -> None:
    from workflow.audit import verify_chains

    with runtime().reader() as uow:
        report = verify_chains(uow.session, progress=Progress("audit events"))
    if report.ok:
        click.echo(f"audit OK: {report.events} events in {report.streams} chains verified")
        return
    b = report.broken
    assert b is not None
    click.echo(f"audit BROKEN at {b.stream} #{b.stream_seq} (event {b.event_id}): {b.reason}",
               err=True)
    sys.exit(1)


# --- backup and restore -------------------------------------------------------------------------


@click.command(help="Back up the database to FILE (PostgreSQL: pg_dump custom format; SQLite: "
                    "the online backup API). Documents' files are not in it: back up their "
                    "store too.")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(path: Path) -> None:
    from workflow.operator.backup import BackupError
    from workflow.operator.backup import backup as make_backup

    settings = runtime().settings
    try:
        report = make_backup(settings.database_url, path, pg_bin_dir=settings.pg_bin_dir)
    except BackupError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"backup of {_safe_url(settings.database_url)} ({report.kind}): "
               f"{report.path} ({report.bytes:,} bytes)")


@click.command(help="Restore the database from FILE, made by `landflow backup`. The backup is "
                    "restored beside the database and its audit chains verified first; one "
                    "that does not verify is refused and nothing is changed.")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask before replacing the database")
@with_appcontext
def restore(path: Path, yes: bool) -> None:
    from workflow.operator.backup import BackupError, BackupRefused
    from workflow.operator.backup import restore as restore_backup

    settings = runtime().settings
    target = _safe_url(settings.database_url)
    if not yes:
        click.confirm(f"Replace every row of {target} with {path}?", abort=True)
    runtime().engine.dispose()  # this process's own connections must not hold the database
    try:
        report = restore_backup(settings.database_url, path, pg_bin_dir=settings.pg_bin_dir,
                                progress=Progress("audit events"))
    except BackupRefused as err:
        click.echo(f"audit BROKEN in the backup: {err}", err=True)
        sys.exit(1)
    except BackupError as err:
        raise click.ClickException(str(err)) from err
    click.echo(f"restored {path} into {target} ({report.kind}, migration {report.revision}); "
               f"audit OK: {report.events} events in {report.streams} chains verified")
