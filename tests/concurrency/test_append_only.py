"""On PostgreSQL the audit table refuses UPDATE, DELETE and TRUNCATE at the database level."""

from __future__ import annotations

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.factories import World

pytestmark = pytest.mark.postgres_only


@pytest.mark.parametrize("statement", [
    "UPDATE audit_events SET actor = 'someone else'",
    "DELETE FROM audit_events",
    "TRUNCATE audit_events CASCADE",
])
def test_the_audit_trail_cannot_be_rewritten(committed_runtime, statement):
    World(committed_runtime).parcel_in("planned")
    with committed_runtime.engine.connect() as conn:
        with pytest.raises(DBAPIError) as err:
            conn.execute(text(statement))
        assert "append-only" in str(err.value)
        conn.rollback()
        assert conn.execute(text("SELECT count(*) FROM audit_events")).scalar() > 0
