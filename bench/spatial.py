"""Spatial benchmarks: layer import, and the overlay at survey, on PostgreSQL (PostGIS) and on
SQLite (shapely over the R-tree), each against a bare baseline run in the same process.

    python bench/spatial.py --features 500000 --surveys 200

- layer import: `landflow`'s import of N land-use 图斑 (checks + COPY of hex EWKB) against a bare
  COPY of the same WKB into a table of the same shape (PostgreSQL);
- overlay: one survey's full overlay (land split + basic farmland + red line + development
  boundary + county check) against a bare `ST_Intersection`/`ST_Area` query of the same parcel
  on the same land-use layer (PostgreSQL), and the SQLite engine's overlay;
- parcel import with geometry: parcels/s through `landflow import` with the overlay.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import shapely

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import fresh_database, machine, percentiles  # noqa: E402

CELL = 0.0005
WEST, SOUTH = 108.0, 29.8


def grid(n: int) -> tuple[int, list[shapely.Polygon]]:
    side = int(n ** 0.5) + 1
    cells = []
    for k in range(n):
        i, j = k % side, k // side
        x, y = WEST + i * CELL, SOUTH + j * CELL
        cells.append(shapely.box(round(x, 7), round(y, 7), round(x + CELL, 7),
                                 round(y + CELL, 7)))
    return side, cells


def rows(cells: list[shapely.Polygon]):
    from workflow.spatial.engines import FeatureRow

    codes = ["0101", "0103", "0201", "0301", "0702", "0601", "1003", "0404"]
    for k, c in enumerate(cells):
        code = codes[k % len(codes)]
        grade = 6 if code.startswith("01") else None
        yield k, FeatureRow(shapely.MultiPolygon([c]), code, grade,
                            {"DLBM": code, "deduction_coefficient": "0.08"}
                            if code.startswith("01") else {"DLBM": code})


def runtime_for(url: str):
    from workflow.config import Settings
    from workflow.operator.migrate import upgrade
    from workflow.operator.seed import load_seed
    from workflow.runtime import Runtime

    upgrade(url)
    rt = Runtime.from_settings(Settings(database_url=url, secret_key="bench"))
    load_seed(rt.uow())
    return rt


def load_layers(rt, cells, side) -> float:
    from workflow.access import OPERATOR
    from workflow.spatial.engines import FeatureRow
    from workflow.spatial.services import import_layer

    extent = shapely.box(WEST - 1, SOUTH - 1, WEST + side * CELL + 1, SOUTH + side * CELL + 1)
    t0 = time.perf_counter()
    import_layer(rt.uow(), OPERATOR, "land_use", "bench", date(2020, 1, 1), "bench",
                 rows(cells))
    seconds = time.perf_counter() - t0
    half = shapely.box(WEST, SOUTH, WEST + side * CELL / 2, SOUTH + side * CELL)
    for kind, geom in (("township", extent), ("development_boundary", half),
                       ("basic_farmland", shapely.box(WEST, SOUTH, WEST + 0.01, SOUTH + 0.01)),
                       ("ecological_red_line",
                        shapely.box(WEST + 0.02, SOUTH + 0.02, WEST + 0.03, SOUTH + 0.03))):
        import_layer(rt.uow(), OPERATOR, kind, "bench", date(2020, 1, 1), "bench",
                     [(0, FeatureRow(shapely.MultiPolygon([geom]), None, None,
                                     {"name": kind}))])
    return seconds


def bare_copy_seconds(url: str, cells) -> float:
    import psycopg

    from bench.common import psycopg_dsn

    with psycopg.connect(psycopg_dsn(url)) as conn:
        conn.execute("CREATE TABLE bare_features (id serial primary key, version_id int, "
                     "land_class varchar(8), geom geometry(MultiPolygon, 4490))")
        t0 = time.perf_counter()
        with conn.cursor() as cur, cur.copy(
                "COPY bare_features (version_id, land_class, geom) FROM STDIN") as cp:
            for _, row in rows(cells):
                cp.write_row((1, row.land_class, shapely.to_wkb(
                    shapely.set_srid(row.geom, 4490), hex=True, include_srid=True)))
        conn.commit()
        return time.perf_counter() - t0


def parcels(side: int, n: int, seed: int = 7) -> list[shapely.Polygon]:
    rng = random.Random(seed)
    found = []
    for _ in range(n):
        x = WEST + rng.uniform(0.1, 0.9) * side * CELL
        y = SOUTH + rng.uniform(0.1, 0.9) * side * CELL
        w, h = rng.uniform(0.0006, 0.002), rng.uniform(0.0006, 0.002)
        found.append(shapely.box(x, y, x + w, y + h))
    return found


def overlay_ms(rt, geoms) -> list[float]:
    from workflow.spatial.services import survey_figures

    samples = []
    for g in geoms:
        with rt.reader() as uow:
            t0 = time.perf_counter()
            survey_figures(uow.session, json.loads(shapely.to_geojson(g)), "500240",
                           date(2024, 1, 1))
            samples.append((time.perf_counter() - t0) * 1000)
    return samples


def bare_intersection_ms(rt, geoms) -> list[float]:
    from sqlalchemy import text

    q = text("SELECT sum(ST_Area(ST_Transform(ST_Intersection(f.geom, g.geom), 4545))) "
             "FROM layer_features f, (SELECT ST_GeomFromWKB(:wkb, 4490) AS geom) g "
             "WHERE f.version_id = :v AND f.geom && g.geom AND ST_Intersects(f.geom, g.geom)")
    samples = []
    with rt.reader() as uow:
        v = uow.session.execute(text("SELECT id FROM layer_versions WHERE kind = 'land_use'")
                                ).scalar_one()
    for g in geoms:
        with rt.reader() as uow:
            t0 = time.perf_counter()
            uow.session.execute(q, {"wkb": shapely.to_wkb(g), "v": v}).scalar()
            samples.append((time.perf_counter() - t0) * 1000)
    return samples


def parcel_import_rate(rt, geoms, tmp: Path) -> float:
    from workflow.operator.importer import import_file

    path = tmp / "parcels.csv"
    with path.open("w", encoding="utf-8", newline="") as f:
        w = csv.writer(f)
        w.writerow(["code", "township", "ownership", "effective_date", "geometry"])
        for k, g in enumerate(geoms):
            w.writerow([f"BENCH-{k}", "南宾街道", "state", "2024-01-01", shapely.to_geojson(g)])
    t0 = time.perf_counter()
    report = import_file(rt, path, batch_size=500)
    seconds = time.perf_counter() - t0
    assert report.imported == len(geoms), report.rejected[:3]
    return len(geoms) / seconds


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--features", type=int, default=500_000)
    ap.add_argument("--surveys", type=int, default=200)
    ap.add_argument("--parcels", type=int, default=2000)
    args = ap.parse_args()
    side, cells = grid(args.features)
    probes = parcels(side, args.surveys)
    lines = [f"## Spatial ({machine()})", "",
             f"land_use layer: {args.features:,} polygons; {args.surveys} survey overlays; "
             f"{args.parcels} parcels imported with geometry", ""]
    with tempfile.TemporaryDirectory() as tmp:
        pg = runtime_for(fresh_database("landflow_bench_spatial"))
        load_s = load_layers(pg, cells, side)
        bare_s = bare_copy_seconds(pg.settings.database_url, cells)
        print(f"PostgreSQL layer import: {args.features / load_s:,.0f} features/s "
              f"(bare COPY {args.features / bare_s:,.0f}/s, ratio {bare_s / load_s:.2f})")
        ours = overlay_ms(pg, probes)
        bare = bare_intersection_ms(pg, probes)
        p50, p95, p99 = percentiles(ours)
        b50, b95, _ = percentiles(bare)
        print(f"PostgreSQL overlay: p50 {p50:.1f} ms, p95 {p95:.1f} ms, p99 {p99:.1f} ms; bare "
              f"ST_Intersection p50 {b50:.1f} ms, p95 {b95:.1f} ms (ratio p95 {p95 / b95:.1f})")
        pg_rate = parcel_import_rate(pg, parcels(side, args.parcels, seed=11), Path(tmp))
        print(f"PostgreSQL parcel import with overlay: {pg_rate:,.0f} parcels/s")
        lines += [
            "| measure | Landflow | baseline (same run) | ratio |", "|---|---|---|---|",
            f"| PostgreSQL layer import | {args.features / load_s:,.0f} features/s | bare COPY "
            f"{args.features / bare_s:,.0f}/s | {bare_s / load_s:.2f} |",
            f"| PostgreSQL overlay at survey, p50 / p95 / p99 | {p50:.1f} / {p95:.1f} / "
            f"{p99:.1f} ms | bare ST_Intersection p50 {b50:.1f} / p95 {b95:.1f} ms | "
            f"{p95 / b95:.1f}× at p95 |",
            f"| PostgreSQL parcel import with overlay | {pg_rate:,.0f} parcels/s | — | — |",
        ]
        lite_url = f"sqlite:///{tmp}/bench.sqlite3"
        lite = runtime_for(lite_url)
        lite_load = load_layers(lite, cells, side)
        ours = overlay_ms(lite, probes)
        s50, s95, s99 = percentiles(ours)
        lite_rate = parcel_import_rate(lite, parcels(side, args.parcels, seed=11), Path(tmp))
        print(f"SQLite layer import: {args.features / lite_load:,.0f} features/s; overlay "
              f"p50 {s50:.1f} ms, p95 {s95:.1f} ms, p99 {s99:.1f} ms; parcel import "
              f"{lite_rate:,.0f}/s")
        lines += [
            f"| SQLite layer import | {args.features / lite_load:,.0f} features/s | — | — |",
            f"| SQLite overlay at survey, p50 / p95 / p99 | {s50:.1f} / {s95:.1f} / {s99:.1f} "
            f"ms | PostGIS p95 {p95:.1f} ms | {s95 / p95:.1f}× PostGIS |",
            f"| SQLite parcel import with overlay | {lite_rate:,.0f} parcels/s | — | — |", ""]
    print("\n".join(lines))
    out = Path(__file__).resolve().parent / "RESULTS-spatial.md"
    out.write_text("\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
