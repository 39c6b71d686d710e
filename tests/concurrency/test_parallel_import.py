"""The parallel import (PostgreSQL): batches from several processes, every row accounted for."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.integration.test_import import row, write_csv
from workflow.audit import verify_chains
from workflow.models import Parcel
from workflow.operator.importer import _flatten, import_file

pytestmark = pytest.mark.postgres_only


def test_two_workers_import_every_good_row_once(committed_runtime, tmp_path):
    rows = [row(n) for n in range(1, 41)]
    rows[5] = row(6, paddy_m2="9999")  # bad
    rows.append(row(3))  # repeated in the file
    path = tmp_path / "big.csv"
    write_csv(path, rows)
    report = import_file(committed_runtime, path, batch_size=7, workers=2)
    assert report.rows == 41 and report.imported == 39
    assert {r.line for r in report.rejected} == {7, 42}
    with committed_runtime.reader() as uow:
        codes = set(uow.session.execute(select(Parcel.code)).scalars())
        assert len(codes) == 39 and "IMP-6" not in codes
        assert uow.session.execute(select(func.count()).select_from(Parcel)).scalar_one() == 39
        assert verify_chains(uow.session).ok


def test_poisoned_rows_are_rejected_by_the_workers_too(committed_runtime, tmp_path):
    rows = [row(n) for n in range(1, 11)]
    rows[2] = row(3, geometry='{"type": "Point", "coordinates": [NaN, 30.0]}')
    rows[7] = row(8, farmland_grade="5.5")
    path = tmp_path / "poisoned.csv"
    write_csv(path, rows)
    report = import_file(committed_runtime, path, batch_size=3, workers=2)
    assert report.rows == 10 and report.imported == 8
    assert {r.line: {f for f, _ in _flatten(r.errors)} for r in report.rejected} == {
        4: {"geometry.coordinates.0"}, 9: {"farmland_grade"}}


def test_rows_without_a_boundary_take_the_lean_path_in_the_workers(committed_runtime, tmp_path):
    from workflow.models import AuditEvent

    rows = [row(n, geometry="") for n in range(1, 41)]
    rows[5] = row(6, geometry="", paddy_m2="9999")  # bad
    rows[9] = row(10)  # with a boundary: the general path, in the same batch
    rows.append(row(3, geometry=""))  # repeated in the file
    path = tmp_path / "flat.csv"
    write_csv(path, rows)
    report = import_file(committed_runtime, path, batch_size=7, workers=2)
    assert report.rows == 41 and report.imported == 39
    assert {r.line for r in report.rejected} == {7, 42}
    with committed_runtime.reader() as uow:
        s = uow.session
        events = {e.parcel_id: e for e in s.execute(select(AuditEvent)).scalars()}
        parcels = s.execute(select(Parcel)).scalars().all()
        assert len(parcels) == len(events) == 39
        for p in parcels:
            payload = events[p.id].payload
            assert payload["code"] == p.code and payload["import"]["line"] == int(p.code[4:]) + 1
            assert (p.geometry is None) == (p.code != "IMP-10")
        assert verify_chains(s).ok
