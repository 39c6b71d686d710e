"""0009_law_d adds audit_events.law_set in place, and will not drop recorded law sets: the hash of
an event covers its law set, so dropping the column would break those chains."""

from __future__ import annotations

import pytest
from alembic import command
from sqlalchemy import text

from workflow.operator.migrate import alembic_config, upgrade
from workflow.runtime import make_engine

INSERT = text(
    "INSERT INTO audit_events (stream, stream_seq, kind, name, actor, role, recorded_at, "
    "effective_date, payload, rule_results, prev_hash, hash, law_set) VALUES ('account:1', 1, "
    "'admin', 'x', 'operator', 'admin', '2026-01-01 00:00:00', '2026-01-01', '{}', '[]', NULL, "
    "'h', :law_set)")


@pytest.mark.parametrize("law_set", [None, "origin#4aed9104bd23"])
def test_the_law_set_column_is_dropped_only_while_no_event_records_one(tmp_path, law_set):
    url = f"sqlite:///{tmp_path / 'law_set.sqlite3'}"
    upgrade(url, "0009_law_d")
    engine = make_engine(url)
    try:
        with engine.begin() as conn:
            conn.execute(INSERT, {"law_set": law_set})
        if law_set is None:
            command.downgrade(alembic_config(url), "0008")
            with engine.connect() as conn:
                columns = {r[1] for r in conn.execute(text("PRAGMA table_info(audit_events)"))}
                triggers = set(conn.execute(text(
                    "SELECT name FROM sqlite_master WHERE type = 'trigger'")).scalars())
            assert "law_set" not in columns
            assert {"audit_events_no_update", "audit_events_no_delete"} <= triggers
        else:
            with pytest.raises(RuntimeError, match="hash"):
                command.downgrade(alembic_config(url), "0008")
    finally:
        engine.dispose()
