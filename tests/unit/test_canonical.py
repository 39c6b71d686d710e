"""The canonical JSON that the audit chain hashes is one encoding, whichever encoder writes it:
``canonical_json`` (orjson where it agrees) equals ``canonical_json_std`` (the definition) on
any value an event can hold, so every stored chain still verifies."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from enum import StrEnum

from hypothesis import given, settings
from hypothesis import strategies as st

from workflow.canonical import canonical_json, canonical_json_std

finite = st.floats(allow_nan=False, allow_infinity=False)
scalars = st.one_of(
    st.none(), st.booleans(), st.integers(min_value=-(2**70), max_value=2**70), finite,
    st.text(), st.decimals(allow_nan=False, allow_infinity=False, places=4),
    st.dates(), st.datetimes(timezones=st.sampled_from(
        [UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-5))])),
    st.sampled_from([1e-05, 1e-07, 0.00012, 1.5e-300, 1e16, 1e22, -0.0]),
)
values = st.recursive(
    scalars,
    lambda inner: st.one_of(st.lists(inner, max_size=5), st.tuples(inner, inner),
                            st.dictionaries(st.text(max_size=8), inner, max_size=5)),
    max_leaves=30)


@given(values)
@settings(max_examples=1500, deadline=None)
def test_canonical_json_equals_the_standard_library_definition(value):
    assert canonical_json(value) == canonical_json_std(value)


class Colour(StrEnum):
    red = "红"


def test_values_orjson_would_write_otherwise_take_the_definition():
    deep: list = [1]
    for _ in range(300):  # past orjson's nesting limit
        deep = [deep]
    for value in ({"a": Colour.red}, {1: "x", 2: "y"}, 2**80, {"f": 1e-05, "s": "0.00001"},
                  {"deep": deep},
                  {"d": Decimal("1.10"), "t": date(2026, 1, 2),
                   "ts": datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)}, {"x": {1, 2}}):
        assert canonical_json(value) == canonical_json_std(value)

