"""`landflow import` of a 200,000-row CSV into PostgreSQL: parcels/s and peak memory.

    python bench/import.py --rows 200000

The baseline, in the same run: the same rows loaded with a bare COPY into an empty copy of the
parcels table (no validation, no audit events), i.e. the database's own speed for the data.
"""

from __future__ import annotations

import argparse
import csv
import os
import random
import resource
import subprocess
import sys
import time
from pathlib import Path

# Python puts this folder first on the import path, where bench/transitions.py would shadow the
# `transitions` library the app uses: take it off and put the project root instead.
_HERE = Path(__file__).resolve().parent
sys.path[:] = [p for p in sys.path if Path(p or ".").resolve() != _HERE]
sys.path.insert(0, str(_HERE.parent))

import psycopg  # noqa: E402

from bench.common import fresh_database, machine, psycopg_dsn, stamp, write_section  # noqa: E402

HEADER = ["code", "township", "ownership", "effective_date", "farmland_m2", "paddy_m2",
          "farmland_grade", "other_agricultural_m2", "unused_m2", "construction_m2",
          "basic_farmland_m2", "red_line_m2", "in_development_boundary", "geometry"]
TOWNSHIPS = ["南宾街道", "万安街道", "下路街道", "西沱镇", "黄水镇", "临溪镇", "悦崃镇", "马武镇",
             "沙子镇", "王场镇", "三河镇", "大歇镇", "中益乡", "龙潭乡"]


def write_csv(path: Path, n: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(HEADER)
        for i in range(n):
            farmland = rng.randrange(0, 30000, 100)
            paddy = farmland * rng.choice([0, 0, 10, 30]) // 100
            x, y = 107.9 + rng.random() * 0.8, 29.6 + rng.random() * 0.7
            w.writerow([f"SC3-{i:07d}", rng.choice(TOWNSHIPS),
                        "collective" if rng.random() < 0.8 else "state",
                        f"2021-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
                        f"{farmland}.00", f"{paddy}.00", rng.randint(3, 12) if farmland else "",
                        f"{rng.randrange(0, 15000, 100)}.00", f"{rng.randrange(0, 4000, 100)}.00",
                        f"{rng.randrange(100, 6000, 100)}.00", "0", "0", "true",
                        f'{{"type": "Point", "coordinates": [{x:.6f}, {y:.6f}]}}'])


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--rows", type=int, default=200_000)
    ap.add_argument("--database", default="landflow_bench_import")
    args = ap.parse_args()
    from workflow.runtime import SystemClock
    from workflow.config import Settings
    from workflow.operator.migrate import upgrade
    from workflow.runtime import Runtime
    from workflow.operator.seed import load_seed

    out = Path(__file__).resolve().parent / "out"
    out.mkdir(exist_ok=True)
    data = out / f"survey-{args.rows}.csv"
    if not data.exists():
        t0 = time.perf_counter()
        write_csv(data, args.rows)
        print(f"wrote {data} in {time.perf_counter() - t0:.1f}s", file=sys.stderr)
    url = fresh_database(args.database)
    upgrade(url)
    load_seed(Runtime.from_settings(Settings(database_url=url, secret_key="b"),
                                    clock=SystemClock()).uow())
    landflow = str(Path(sys.executable).parent / "landflow")
    env = dict(os.environ, DATABASE_URL=url)
    t0 = time.perf_counter()
    proc = subprocess.run([landflow, "import", str(data)], env=env, capture_output=True,
                          text=True)
    seconds = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(proc.stdout, proc.stderr[-500:], file=sys.stderr)
    assert proc.returncode == 0, proc.stderr
    rate = args.rows / seconds
    # Baseline: the same file, bare COPY into an unindexed scratch table of the same columns.
    dsn = psycopg_dsn(url)
    with psycopg.connect(dsn) as conn:
        conn.execute("CREATE TEMP TABLE raw_import AS SELECT * FROM parcels WITH NO DATA")
        cols = "code, township_id, ownership, surveyed_on, farmland_m2, paddy_m2, " \
               "farmland_grade, other_agricultural_m2, unused_m2, construction_m2, " \
               "basic_farmland_m2, red_line_m2, in_development_boundary, geometry"
        t1 = time.perf_counter()
        with conn.cursor() as cur, cur.copy(f"COPY raw_import ({cols}) FROM STDIN") as cp, \
                data.open(encoding="utf-8") as f:
            reader = csv.reader(f)
            next(reader)
            for r in reader:
                r[1] = str(TOWNSHIPS.index(r[1]) + 1)
                cp.write_row([v if v != "" else None for v in r])
        raw_s = time.perf_counter() - t1
    raw_rate = args.rows / raw_s
    body = "\n".join([
        f"Run {stamp()} on {machine()}.", "",
        f"`landflow import` of {args.rows:,} CSV rows (every row validated, one hash-chained "
        f"audit event per parcel, batches of 5,000 by COPY): {seconds:.1f} s, "
        f"**{rate:,.0f} parcels/s** (target ≥ 20,000), peak RSS {peak_mb:.0f} MB "
        "(whole process, measured with getrusage).",
        "",
        f"Baseline in the same run: a bare COPY of the same rows into an unindexed temporary "
        f"table from a Python CSV reader: {raw_s:.1f} s, {raw_rate:,.0f} rows/s; "
        f"ratio import/raw = {rate / raw_rate:.2f}.",
        "", "```", proc.stdout.strip(), "```"])
    write_section(f"Import, {args.rows:,} rows", body)
    print(body)


if __name__ == "__main__":
    main()
