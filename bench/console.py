"""The console's pages, rendered server-side: the work queue and the parcel page.

    python bench/console.py --demo            # the demo portfolio (SQLite file and PostgreSQL)
    python bench/console.py --parcels 100000  # a 100k-parcel county on PostgreSQL (COPY)

Signs in through the real login form (argon2id, server-side session), then measures p50/p95 of
whole requests in-process with the Flask test client — routing, session look-up, the queries,
Jinja rendering — and, as the baseline in the same process, the SQL statements those requests
ran, replayed directly on a connection of the same engine: app/raw says what the console adds
on top of the database. Target: p95 < 150 ms.
"""

from __future__ import annotations

import argparse
import re
import sys
import tempfile
import time
from pathlib import Path

_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from sqlalchemy import event  # noqa: E402

from bench.common import (  # noqa: E402
    fresh_database,
    machine,
    percentiles,
    psycopg_dsn,
    stamp,
    timed,
    write_section,
)

PASSWORD = "bench password 123"
BASE = "https://localhost"


def build(url: str, *, demo: int, parcels: int, reuse: bool = False) -> object:
    from workflow.config import Settings
    from workflow.operator.migrate import upgrade
    from workflow.operator.seed import load_seed
    from workflow.runtime import Runtime, SystemClock

    upgrade(url)
    runtime = Runtime.from_settings(Settings(database_url=url, secret_key="bench", pool_size=4),
                                    clock=SystemClock())
    if reuse:
        return runtime
    load_seed(runtime.uow())
    t0 = time.perf_counter()
    if demo:
        from workflow.operator.demo import generate_demo
        from workflow.operator.demo_layers import load_demo_layers

        load_demo_layers(runtime)
        print(generate_demo(runtime, count=demo), file=sys.stderr)
    if parcels:
        from bench.portfolio import generate

        print(generate(psycopg_dsn(url), parcels, today=runtime.clock.today()), file=sys.stderr)
    print(f"built in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    return runtime


def signed_in(app, runtime, role: str):  # noqa: ANN001, ANN201
    from workflow.accounts.services import add_user
    from workflow.accounts.sessions import set_password

    name = f"bench-{role}-{time.time_ns()}"
    add_user(runtime.uow(), name, role)
    set_password(runtime.uow(), name, PASSWORD)
    client = app.test_client()
    page = client.get(BASE + "/console/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    r = client.post(BASE + "/console/login", data={"csrf_token": token, "username": name,
                                                    "password": PASSWORD},
                    headers={"Referer": BASE + "/console/login"})
    assert r.status_code == 303, r.status_code
    return client


def measure(label: str, runtime, engine_name: str, parcels: int, repeat: int) -> list[tuple]:
    from sqlalchemy import select

    from api import create_app
    from workflow.models import Parcel

    app = create_app(runtime=runtime)
    clerk = signed_in(app, runtime, "clerk")
    approver = signed_in(app, runtime, "approver")
    with runtime.reader() as uow:
        ids = list(uow.session.execute(select(Parcel.id).order_by(Parcel.id)).scalars())
        registered = uow.session.execute(select(Parcel.id).where(
            Parcel.state == "registered").limit(1)).scalar()
        planned = uow.session.execute(select(Parcel.id).where(
            Parcel.state == "planned").limit(1)).scalar()
    cases = [
        ("queue, clerk, page 1", clerk, "/console/queue"),
        ("queue, clerk, page 5", clerk, "/console/queue?page=5"),
        ("queue, clerk, stage 供 + use", clerk,
         "/console/queue?stage=supply&planned_use=industrial"),
        ("queue, clerk, code prefix", clerk, "/console/queue?code=DEMO-2021-0001"),
        ("queue, clerk, township", clerk, "/console/queue?township=南宾街道"),
        ("queue, approver", approver, "/console/queue"),
        ("parcel page, registered (clerk)", clerk, f"/console/parcels/{registered}"),
        ("parcel page, planned (approver)", approver, f"/console/parcels/{planned}"),
        ("parcel page, middle id (clerk)", clerk, f"/console/parcels/{ids[len(ids) // 2]}"),
    ]
    statements: list[tuple[str, object]] = []

    @event.listens_for(runtime.engine, "before_cursor_execute")
    def capture(conn, cursor, statement, parameters, context, executemany):  # noqa: ARG001
        statements.append((statement, parameters))

    raw = runtime.engine.raw_connection()
    rows = []
    for name, client, path in cases:
        statements.clear()
        r = client.get(BASE + path)
        assert r.status_code == 200, (path, r.status_code, r.get_data()[:300])
        captured = [s for s in statements if not s[0].lstrip().upper().startswith(
            ("BEGIN", "ROLLBACK", "COMMIT"))]

        def http_call(client=client, path: str = path) -> None:
            client.get(BASE + path).close()

        def raw_call(captured: list = captured) -> None:
            cur = raw.cursor()
            for sql, params in captured:
                cur.execute(sql, params)
                cur.fetchall()
            cur.close()
            raw.rollback()

        app_ms = timed(http_call, repeat)
        raw_ms = timed(raw_call, repeat)
        a50, a95, _ = percentiles(app_ms)
        r50, _, _ = percentiles(raw_ms)
        rows.append((name, a50, a95, r50, len(captured)))
        print(f"{label} {engine_name:<10} {name:<36} p50 {a50:6.1f} p95 {a95:6.1f} ms | "
              f"raw SQL p50 {r50:6.1f} ms ({len(captured)} statements)", file=sys.stderr)
    event.remove(runtime.engine, "before_cursor_execute", capture)
    raw.close()
    return rows


def table(title: str, rows: list[tuple]) -> str:
    out = [f"**{title}**", "", "| page | p50 ms | p95 ms | raw SQL p50 ms | app/raw | statements |",
           "|---|---:|---:|---:|---:|---:|"]
    for name, a50, a95, r50, n in rows:
        ratio = f"{a50 / r50:.1f}" if r50 else "—"
        out.append(f"| {name} | {a50:.1f} | {a95:.1f} | {r50:.1f} | {ratio} | {n} |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--demo", action="store_true", help="the demo portfolio (make demo)")
    ap.add_argument("--demo-parcels", type=int, default=60)
    ap.add_argument("--parcels", type=int, default=0, help="a COPY-generated county (PostgreSQL)")
    ap.add_argument("--repeat", type=int, default=40)
    ap.add_argument("--no-postgres", action="store_true")
    ap.add_argument("--reuse", action="store_true",
                    help="keep the large database of an earlier run (migrated to head)")
    args = ap.parse_args()
    parts = []
    if args.demo:
        with tempfile.TemporaryDirectory() as tmp:
            rt = build(f"sqlite:///{tmp}/bench-console.sqlite3", demo=args.demo_parcels,
                       parcels=0)
            parts.append(table(f"demo portfolio ({args.demo_parcels} parcels), SQLite",
                               measure("demo", rt, "sqlite", args.demo_parcels, args.repeat)))
            rt.engine.dispose()
        if not args.no_postgres:
            rt = build(fresh_database("landflow_bench_console_demo"), demo=args.demo_parcels,
                       parcels=0)
            parts.append(table(f"demo portfolio ({args.demo_parcels} parcels), PostgreSQL",
                               measure("demo", rt, "postgresql", args.demo_parcels,
                                       args.repeat)))
            rt.engine.dispose()
    if args.parcels:
        name = "landflow_bench_console_big"
        if args.reuse:
            from sqlalchemy.engine import make_url

            from bench.common import DEFAULT_SERVER

            url = make_url(DEFAULT_SERVER).set(database=name).render_as_string(False)
        else:
            url = fresh_database(name)
        rt = build(url, demo=0, parcels=args.parcels, reuse=args.reuse)
        parts.append(table(f"{args.parcels:,} parcels, PostgreSQL",
                           measure("big", rt, "postgresql", args.parcels, args.repeat)))
        rt.engine.dispose()
    body = (f"{stamp()} on {machine()}.\n\nWhole requests in-process (routing, session, "
            "queries, templates), signed in through the login form; target p95 < 150 ms. "
            "On SQLite the app/raw ratio is mostly the per-unit-of-work connection set-up "
            "(NullPool, PRAGMAs) and the templates; the raw replay reuses one connection. The "
            "100k queue walks the running clocks along ix_deadlines_queue (wide filters) or "
            "groups the clocks of the few matching parcels (narrow filters).\n\n"
            + "\n\n".join(parts) + "\n")
    which = "demo" if args.demo and not args.parcels else f"{args.parcels:,} parcels" \
        if args.parcels and not args.demo else "demo and large"
    write_section(f"Console pages (bench/console.py): {which}", body)
    print(body)


if __name__ == "__main__":
    main()
