"""Records take ``effective_date`` like steps, with ``date`` as the documented alias
(issue 14, item 7)."""

from __future__ import annotations

from datetime import date

import pytest

from workflow.errors import ValidationFailed
from workflow.payloads.fields import load
from workflow.payloads.records import RecordSchema


@pytest.mark.parametrize("name", ["effective_date", "date"])
def test_a_record_takes_effective_date_or_its_alias_date(name):
    body = load(RecordSchema, {"kind": "note", name: "2025-06-01"})
    assert body["date"] == date(2025, 6, 1) and "effective_date" not in body


def test_a_record_without_a_date_names_effective_date():
    with pytest.raises(ValidationFailed) as err:
        load(RecordSchema, {"kind": "note"})
    assert set(err.value.errors) == {"effective_date"}


def test_two_different_dates_are_refused_and_two_equal_ones_accepted():
    with pytest.raises(ValidationFailed) as err:
        load(RecordSchema, {"kind": "note", "date": "2025-06-01",
                            "effective_date": "2025-06-02"})
    assert set(err.value.errors) == {"date"}
    body = load(RecordSchema, {"kind": "note", "date": "2025-06-01",
                               "effective_date": "2025-06-01"})
    assert body["date"] == date(2025, 6, 1)
