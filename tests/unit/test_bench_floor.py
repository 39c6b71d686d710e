"""The stack floor of bench/transitions.py: bench/floor_app.py runs the raw SQL's very statements
through SQLAlchemy Core, and the figures carry floor/raw and app/floor for each client count."""

from __future__ import annotations

from typing import Any

from bench.floor_app import CoreCursor
from bench.transitions import STEP_TARGETS, figures


class RecordingConnection:
    def __init__(self) -> None:
        self.calls: list[tuple[str, dict[str, Any]]] = []

    def execute(self, stmt: Any, params: dict[str, Any]) -> str:
        self.calls.append((str(stmt), params))
        return "result"


def test_core_cursor_binds_the_raw_statements_positional_parameters_by_name() -> None:
    conn = RecordingConnection()
    cur = CoreCursor(conn)  # type: ignore[arg-type]
    sql = ("INSERT INTO outbox_events (seq, type, parcel_id) SELECT "
           "(pg_current_xact_id()::text::bigint << 20), %s, %s")
    cur.execute(sql, ("transition.plan", 7))
    cur.execute(sql, ("transition.approve", 8))
    assert conn.calls[0] == (sql.replace("%s, %s", ":p0, :p1"),
                             {"p0": "transition.plan", "p1": 7})
    assert conn.calls[1][1] == {"p0": "transition.approve", "p1": 8}
    assert CoreCursor._texts[sql] is CoreCursor._texts[sql]  # built once, kept


def test_every_step_of_the_chain_has_the_state_the_raw_sql_writes() -> None:
    assert list(STEP_TARGETS) == ["plan", "approve", "supply", "hand_over", "records",
                                  "start_construction", "inspect", "register"]
    assert STEP_TARGETS["records"] == STEP_TARGETS["hand_over"] == "in_use"


def test_figures_give_floor_over_raw_and_app_over_floor_per_client_count() -> None:
    # (clients, app, raw) with each run as (seconds, latencies, requests)
    chain = [(4, (10.0, [1.0], 200), (1.0, [1.0], 400)),
             (8, (10.0, [1.0], 300), (1.0, [1.0], 800))]
    floor = {"psycopg": [(1.0, [1.0], 100), (1.0, [1.0], 200)]}
    cpu = {("app", 4): (1.0, 20.0, 2.0), ("app", 8): (1.0, 18.0, 2.0),
           ("raw", 4): (1.0, None, 1.0), ("raw", 8): (1.0, None, 1.0),
           ("psycopg", 4): (1.0, 4.0, 1.0), ("psycopg", 8): (1.0, 3.0, 1.0)}
    one = figures(chain, [], floor, cpu)["1"]
    assert [(e["clients"], e["floor_raw"], e["app_floor"]) for e in one["floor"]["psycopg"]] \
        == [(4, 0.25, 0.2), (8, 0.25, 0.15)]
    # by CPU (clients + server + PostgreSQL): raw 2 ms, floor 6 and 5 ms, app 23 and 21 ms
    assert [(e["floor_raw_by_cpu"], e["app_floor_by_cpu"]) for e in one["floor"]["psycopg"]] \
        == [(0.33, 0.26), (0.4, 0.24)]
    assert one["cpu_ms"]["raw"][0] == {"clients": 4, "client": 1.0, "server": None,
                                       "postgres": 1.0, "total": 2.0}
    assert "0.25, 0.25" in one["limit"] and "app 23.0, 21.0" in one["limit"]
    assert "floor" not in figures(chain, [])["1"]
