"""Auditor exports (CSV and XLSX) and the operator's parcel export on a large portfolio
(PostgreSQL): time and peak memory against the number of rows.

    python bench/exports.py --parcels 1000000

Generates the portfolio with COPY (or reuses it with --reuse), then, for exports of growing
size, runs each in a fresh process that measures:

- the streamed CSV and XLSX responses of the endpoint (Flask test client, body consumed chunk by
  chunk and dropped), and
- as the baseline, run the same way back to back, the buffered way the exports worked before:
  every item in a list, then the whole file in memory (a lighter baseline than the old code,
  which also read every id into a list first).

Peak memory is the resident high-water mark of the export alone (reset through
/proc/self/clear_refs after a warm-up), minus what the process held before it; a process per
export, since memory a process freed is reused without showing. A synthetic list of 1,000,000
rows goes through the renderers without a database, and the operator's ``export_parcels``
writes every parcel of the portfolio.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

# Python puts this folder first on the import path, where bench/transitions.py would shadow the
# `transitions` library the app uses: take it off and put the project root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

from bench.common import (  # noqa: E402
    DEFAULT_SERVER,
    fresh_database,
    machine,
    psycopg_dsn,
    record_figures,
    stamp,
    write_section,
)

MB = 1024  # /proc reports kB


def _status(field: str) -> int:
    text = Path("/proc/self/status").read_text()
    return int(re.search(rf"{field}:\s+(\d+)", text).group(1))  # type: ignore[union-attr]


def _reset_peak() -> None:
    Path("/proc/self/clear_refs").write_text("5")


def measure(step):  # type: ignore[no-untyped-def]
    """(result, seconds, peak MB above what the process held before the step)."""
    import gc

    gc.collect()
    _reset_peak()
    before = _status("VmRSS")
    t0 = time.perf_counter()
    result = step()
    seconds = time.perf_counter() - t0
    return result, seconds, (_status("VmHWM") - before) / MB


def progress(label: str, every: int = 100_000):  # type: ignore[no-untyped-def]
    count = 0

    def tick(n: int = 1) -> None:
        nonlocal count
        before, count = count, count + n
        if count // every != before // every:
            print(f"\r  {label}: {count:,} rows", end="", file=sys.stderr, flush=True)

    return tick


# --- child: one export case ---------------------------------------------------------------------


WARM_UP = "/api/v1/audit/unsupplied?township=南宾街道&as_of=2021-12-31"
MODES = ("csv", "xlsx", "geojson", "buffered")


def child_case(url: str, path: str, mode: str) -> dict:
    """One export in one mode, after the same mode on a small list (imports, statement caches,
    the allocator's first arenas are not the export's cost)."""
    from api import create_app
    from workflow.accounts.services import add_user
    from workflow.config import Settings
    from workflow.reports import queries as q
    from workflow.reports.exports import flatten
    from workflow.runtime import Runtime, SystemClock

    runtime = Runtime.from_settings(Settings(database_url=url, secret_key="bench", pool_size=2),
                                    clock=SystemClock())
    created = add_user(runtime.uow(), f"bench-export-{time.time_ns()}", "auditor")
    client = create_app(runtime=runtime).test_client()
    headers = {"Authorization": f"Bearer {created.token}"}
    auditor = _actor(runtime, created)

    def streamed(path: str, fmt: str) -> tuple[int, int]:
        tick = progress(f"{fmt}")
        r = client.get(f"{path}&format={fmt}", headers=headers, buffered=False)
        assert r.status_code == 200, r.status_code
        size = lines = 0
        for chunk in r.response:
            size += len(chunk)
            if fmt == "csv":
                n = chunk.count(b"\n")
                lines += n
                tick(n)
            elif fmt == "geojson":
                n = chunk.count(b'"Feature"')
                lines += n
                tick(n)
        if fmt == "geojson":
            lines += 1  # no header line
        r.close()
        print(file=sys.stderr)
        return size, lines - 1

    def buffered(path: str) -> tuple[int, int]:
        # The export before streaming: the whole list, then the whole file, in memory.
        args = dict(a.split("=", 1) for a in path.split("?", 1)[1].split("&") if a)
        table_fn = q.unsupplied_table if "unsupplied" in path else q.idle_land_table
        kwargs: dict = {}
        if "township" in args:
            kwargs["township"] = args["township"]
        if "as_of" in args:
            from datetime import date

            kwargs["as_of"] = date.fromisoformat(args["as_of"])
        table = table_fn(runtime.reader(), auditor, **kwargs)
        rows = [flatten(i) for i in table.items]
        buf = io.StringIO()
        buf.write("\ufeff")
        w = csv.DictWriter(buf, fieldnames=list(table.columns))
        w.writeheader()
        w.writerows(rows)
        return len(buf.getvalue().encode("utf-8")), len(rows)

    def run(path: str) -> tuple[int, int]:
        return buffered(path) if mode == "buffered" else streamed(path, mode)

    run(WARM_UP)
    (size, rows), seconds, mb = measure(lambda: run(path))
    return {"path": path, "mode": mode, "rows": rows, "bytes": size, "s": seconds, "mb": mb,
            "rss": _status("VmHWM") / MB}


def _actor(runtime, created):  # type: ignore[no-untyped-def]
    from workflow.access import Actor
    from workflow.models import Account

    with runtime.reader() as uow:
        row = uow.session.query(Account).filter_by(name=created.name).one()
        return Actor(row.id, row.name, "auditor")


def child_synthetic(rows: int) -> dict:
    """The renderers alone on ``rows`` items shaped like the unsupplied list's."""
    from workflow.reports.exports import Table, csv_chunks, geojson_chunks, xlsx_file
    from workflow.reports.queries import STOCK_COLUMNS

    def items():  # type: ignore[no-untyped-def]
        tick = progress("synthetic")
        for n in range(rows):
            tick()
            yield {"code": f"SZ-2024-{n:07d}", "parcel_id": n,
                   "township": {"code": "500240001", "name": "南宾街道"},
                   "categories": ["approved_unexpropriated", "approved_unsupplied"],
                   "labels": ["批而未征", "批而未供"], "cohort": 2024,
                   "approved_on": "2024-03-01", "approval_no": "渝府地〔2024〕101号",
                   "area_m2": "10000.00", "age_days": 800, "expropriated_on": None,
                   "supplied_on": None, "agreed_start_date": None}
        print(file=sys.stderr)

    def run_csv() -> int:
        return sum(len(c) for c in csv_chunks(Table("s", STOCK_COLUMNS, items())))

    def run_xlsx() -> int:
        with xlsx_file(Table("s", STOCK_COLUMNS, items()), "s") as f:
            return os.fstat(f.fileno()).st_size

    def run_geojson() -> int:
        def with_boundary():  # type: ignore[no-untyped-def]
            for n, item in enumerate(items()):
                x, y = 108.1 + (n % 1000) * 1e-4, 29.99 + (n // 1000) * 1e-5
                item["geometry"] = {"type": "Polygon", "coordinates": [[
                    [x, y], [x + 9e-5, y], [x + 9e-5, y + 9e-6], [x, y + 9e-6], [x, y]]]}
                yield item
        return sum(len(c) for c in geojson_chunks(Table("s", STOCK_COLUMNS, with_boundary())))

    csv_bytes, csv_s, csv_mb = measure(run_csv)
    rss = _status("VmHWM") / MB
    geo_bytes, geo_s, geo_mb = measure(run_geojson)
    rss = max(rss, _status("VmHWM") / MB)
    xlsx_bytes, xlsx_s, xlsx_mb = measure(run_xlsx)
    rss = max(rss, _status("VmHWM") / MB)
    return {"rss": rss, "rows": rows, "csv_bytes": csv_bytes, "csv_s": csv_s, "csv_mb": csv_mb,
            "xlsx_bytes": xlsx_bytes, "xlsx_s": xlsx_s, "xlsx_mb": xlsx_mb,
            "geo_bytes": geo_bytes, "geo_s": geo_s, "geo_mb": geo_mb}


def child_operator(url: str, out: str) -> dict:
    from workflow.config import Settings
    from workflow.operator.importer import export_parcels
    from workflow.runtime import Runtime, SystemClock

    runtime = Runtime.from_settings(Settings(database_url=url, secret_key="bench", pool_size=2),
                                    clock=SystemClock())

    def run() -> int:
        def show(done: int, total: int) -> None:
            print(f"\r  export_parcels: {done:,}/{total:,}", end="", file=sys.stderr,
                  flush=True)

        n = export_parcels(runtime, Path(out), progress=show)
        print(file=sys.stderr)
        return n

    rows, seconds, mb = measure(run)
    size = Path(out).stat().st_size
    Path(out).unlink()
    return {"rows": rows, "bytes": size, "s": seconds, "mb": mb, "fmt": Path(out).suffix[1:],
            "rss": _status("VmHWM") / MB}


# --- parent --------------------------------------------------------------------------------------


def spawn(*args: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, *args], stdout=subprocess.PIPE,
                          text=True, cwd=_HERE.parent)
    assert proc.returncode == 0, args
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--parcels", type=int, default=1_000_000)
    ap.add_argument("--synthetic-rows", type=int, default=1_000_000)
    ap.add_argument("--database", default="landflow_bench_exports")
    ap.add_argument("--reuse", action="store_true", help="keep an already generated database")
    ap.add_argument("--section", default=None)
    ap.add_argument("--child-case", nargs=3, metavar=("URL", "PATH", "MODE"))
    ap.add_argument("--child-synthetic", type=int)
    ap.add_argument("--child-operator", nargs=2, metavar=("URL", "OUT"))
    ap.add_argument("--cases", default="", help="comma-separated indexes of the cases to run "
                    "(default all; 0,4 = the smallest and the largest)")
    ap.add_argument("--peak-limit-mb", type=float, default=300.0)
    args = ap.parse_args()
    if args.child_case:
        print(json.dumps(child_case(*args.child_case)))
        return
    if args.child_synthetic:
        print(json.dumps(child_synthetic(args.child_synthetic)))
        return
    if args.child_operator:
        print(json.dumps(child_operator(*args.child_operator)))
        return

    from sqlalchemy.engine import make_url

    from bench.portfolio import generate
    from workflow.config import Settings
    from workflow.operator.migrate import upgrade
    from workflow.operator.seed import load_seed
    from workflow.runtime import Runtime, SystemClock

    if args.reuse:
        url = make_url(DEFAULT_SERVER).set(database=args.database).render_as_string(False)
        upgrade(url)
        gen = f"{args.parcels:,} parcels generated by an earlier run (--reuse)."
    else:
        url = fresh_database(args.database)
        upgrade(url)
        rt = Runtime.from_settings(Settings(database_url=url, secret_key="bench"),
                                   clock=SystemClock())
        load_seed(rt.uow())
        t0 = time.perf_counter()
        generate(psycopg_dsn(url), args.parcels, today=rt.clock.today())
        gen = (f"{args.parcels:,} parcels generated with COPY in "
               f"{time.perf_counter() - t0:.0f} s.")
        rt.engine.dispose()

    township = "南宾街道"
    cases = [f"/api/v1/audit/unsupplied?township={township}&as_of=2021-12-31",
             "/api/v1/audit/unsupplied?as_of=2021-12-31",
             f"/api/v1/audit/unsupplied?township={township}",
             "/api/v1/audit/idle-land?as_of=2099-12-31",
             "/api/v1/audit/unsupplied?as_of=2099-12-31"]
    if args.cases:
        cases = [cases[int(i)] for i in args.cases.split(",")]
    results = []
    for path in cases:
        print(f"case {path}", file=sys.stderr)
        r = {m: spawn("--child-case", url, path, m) for m in MODES}
        results.append(r)
        print("  " + "; ".join(f"{m} {r[m]['rows']:,} rows {r[m]['s']:.1f} s "
                                f"{r[m]['mb']:.1f} MB" for m in MODES), file=sys.stderr)
    print(f"synthetic {args.synthetic_rows:,} rows", file=sys.stderr)
    synth = spawn("--child-synthetic", str(args.synthetic_rows))
    print("operator export_parcels", file=sys.stderr)
    ops = [spawn("--child-operator", url, str(Path("/tmp") / f"bench-export-{os.getpid()}.{x}"))
           for x in ("csv", "geojson")]

    lines = [f"Run {stamp()} on {machine()}.", "", gen, "",
             "Each export runs in its own fresh process, after the same kind of export of a "
             "small list (imports and caches warmed); its body is consumed chunk by chunk and "
             "dropped. Peak = resident high-water mark of the export alone, above what the "
             "process held before it. Baseline: the buffered export as it was before streaming "
             "(every item in a list, then the whole CSV in memory), run the same way, back to "
             "back.", "",
             "| export | rows | CSV s | CSV peak MB | XLSX s | XLSX peak MB | GeoJSON s | "
             "GeoJSON peak MB | buffered s | buffered peak MB | buffered/CSV peak | "
             "CSV/buffered time |",
             "|---|---|---|---|---|---|---|---|---|---|---|---|"]
    for r in results:
        c, x, g, b = r["csv"], r["xlsx"], r["geojson"], r["buffered"]
        assert c["rows"] == b["rows"] == g["rows"], (c, g, b)
        lines.append(
            f"| `{c['path'].removeprefix('/api/v1/audit/')}` | {c['rows']:,} | "
            f"{c['s']:.1f} | {c['mb']:.1f} | {x['s']:.1f} | {x['mb']:.1f} | "
            f"{g['s']:.1f} | {g['mb']:.1f} | "
            f"{b['s']:.1f} | {b['mb']:.1f} | {b['mb'] / max(c['mb'], 0.1):.1f} | "
            f"{c['s'] / b['s'] if b['s'] else 0:.2f} |")
    big = max(results, key=lambda r: r["csv"]["rows"])
    small = min(results, key=lambda r: r["csv"]["rows"])
    # The XLSX mode does not count its rows; every mode exports the same ones.
    grow = {m: (big[m]["mb"] - small[m]["mb"]) * 1024
            / max(big["csv"]["rows"] - small["csv"]["rows"], 1) for m in MODES}
    lines += [
        "",
        "Growth per row between the smallest and the largest export: " + ", ".join(
            f"{m} {grow[m]:.2f} kB" for m in MODES) + f"; at 1,000,000 rows the buffered "
        f"export would need about {grow['buffered'] * 1_000_000 / 1024 / 1024:.1f} GB more.",
        "",
        f"Renderers alone, {synth['rows']:,} synthetic rows shaped like the unsupplied list "
        f"(no database): CSV {synth['csv_s']:.1f} s, {synth['csv_bytes'] / 1e6:.0f} MB "
        f"written, peak {synth['csv_mb']:.1f} MB; XLSX {synth['xlsx_s']:.1f} s, "
        f"{synth['xlsx_bytes'] / 1e6:.0f} MB file, peak {synth['xlsx_mb']:.1f} MB; GeoJSON "
        f"(each row with a polygon) {synth['geo_s']:.1f} s, {synth['geo_bytes'] / 1e6:.0f} MB, "
        f"peak {synth['geo_mb']:.1f} MB.",
        ""] + [
        f"Operator `export_parcels` ({op['fmt']}), every parcel from the database: "
        f"{op['rows']:,} rows in {op['s']:.1f} s ({op['rows'] / op['s']:,.0f} rows/s), "
        f"{op['bytes'] / 1e6:.0f} MB, peak {op['mb']:.1f} MB.  " for op in ops]
    peaks = [synth["csv_mb"], synth["xlsx_mb"], synth["geo_mb"], *(op["mb"] for op in ops),
             *(r[m]["mb"] for r in results for m in ("csv", "xlsx", "geojson"))]
    rss = [synth["rss"], *(op["rss"] for op in ops),
           *(r[m]["rss"] for r in results for m in ("csv", "xlsx", "geojson"))]
    lines += ["", f"**Peak RSS of any process exporting in a streamed format: {max(rss):.0f} MB** "
              f"(whole process: Python, Flask, SQLAlchemy and the export; target "
              f"< {args.peak_limit_mb:.0f} MB at 1,000,000 rows); the largest growth of an "
              f"export alone above what its process held before: {max(peaks):.1f} MB."]
    write_section(args.section or f"Streamed exports, {args.parcels:,} parcels (issue 10)",
                  "\n".join(lines))
    # The buffered export's whole process at 1,000,000 rows, from its largest measured run and
    # its growth per row.
    buffered = big["buffered"]["rss"] + grow["buffered"] * (
        1_000_000 - big["csv"]["rows"]) / 1024
    record_figures("exports", {"5": {
        "value": round(max(rss), 1),
        "scale": max(synth["rows"], *(op["rows"] for op in ops), big["csv"]["rows"]),
        "figure": f"peak RSS {max(rss):.0f} MB, whole process, of any streamed export "
                  f"(largest growth of an export alone {max(peaks):.1f} MB)",
        "baseline": f"buffered export: {big['buffered']['rss']:.0f} MB at "
                    f"{big['csv']['rows']:,} rows, {grow['buffered']:.2f} kB more per row, "
                    f"about {buffered:,.0f} MB at 1,000,000 rows",
        "ratio": f"streamed/buffered at 1,000,000 rows {max(rss) / buffered:.2f}",
        "limit": f"The largest list of the portfolio has {big['csv']['rows']:,} rows; "
                 f"{synth['rows']:,} rows went through the renderers (peak growth "
                 f"{max(synth['csv_mb'], synth['xlsx_mb'], synth['geo_mb']):.1f} MB) and "
                 f"{max(op['rows'] for op in ops):,} through the operator export ("
                 f"{max(op['mb'] for op in ops):.1f} MB)."}})
    print("\n".join(lines))


if __name__ == "__main__":
    main()
