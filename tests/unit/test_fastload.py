"""The compiled fast path loads exactly what the schema loads, and refuses what it refuses."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from marshmallow import ValidationError

from workflow.operator.fastload import FastLoader
from workflow.operator.schemas import ImportRowSchema

SCHEMA = ImportRowSchema()
FAST = FastLoader(ImportRowSchema())

amount = st.one_of(st.decimals(min_value=-10, max_value=10**12, places=2).map(str),
                   st.text(max_size=6), st.integers(-5, 10**6), st.floats(allow_nan=True))
amount = st.one_of(amount, st.sampled_from(["５", "1_000", " 5", "5.5\u200b"]))
deep: dict = {"type": "Point", "coordinates": [1, 2]}
for _ in range(40):
    deep = {"type": "GeometryCollection", "geometries": [deep]}
rows = st.fixed_dictionaries(
    {"code": st.one_of(st.text(min_size=0, max_size=70),
                       st.sampled_from(["A\u202eB", "A\u200bB", "A\x85B", "A\ud800"])),
     "township": st.sampled_from(["南宾街道", ""]),
     "ownership": st.sampled_from(["collective", "state", "private"])},
    optional={
        "effective_date": st.one_of(st.dates().map(str), st.text(max_size=12),
                                    st.sampled_from(["1949-09-30", "1949-10-01", "2100-12-31",
                                                     "2101-01-01", "20250301"])),
        "farmland_m2": amount, "paddy_m2": amount, "unused_m2": amount,
        "farmland_grade": st.one_of(st.integers(-2, 20), st.integers(0, 20).map(str),
                                    st.none(), st.text(max_size=3),
                                    st.sampled_from([5.5, 5.0, True])),
        "in_development_boundary": st.one_of(st.booleans(), st.sampled_from(
            ["true", "false", "yes", "0", "1", "maybe"])),
        "geometry": st.one_of(st.none(), st.just({"type": "Point", "coordinates": [1, 2]}),
                              st.just({"type": "Circle"}), st.just("x"), st.just(deep),
                              st.sampled_from([float("nan"), float("inf")]).map(
                                  lambda x: {"type": "Point", "coordinates": [x, 2]})),
        "colour": st.just("red"),
    })


def outcome(loader, row):
    try:
        return "ok", loader(row)
    except ValidationError as err:
        return "error", err.normalized_messages()


@settings(max_examples=400)
@given(row=rows)
def test_the_fast_path_agrees_with_the_schema(row):
    assert outcome(FAST.load, dict(row)) == outcome(SCHEMA.load, dict(row))


def test_an_ordinary_row_takes_the_fast_path():
    assert FAST.complete  # every field of the import row compiles
    row = {"code": "A", "township": "南宾街道", "ownership": "state", "farmland_m2": "5.00",
           "farmland_grade": 5, "in_development_boundary": "true", "effective_date": "2025-03-01",
           "geometry": {"type": "Polygon", "coordinates": [[[108.1, 30.0], [108.101, 30.0],
                                                            [108.101, 30.001], [108.1, 30.0]]]}}
    loaded = FAST._fast(row)  # no exception: no fallback needed
    assert loaded["farmland_m2"] == Decimal("5.00") and loaded["farmland_grade"] == 5
    assert loaded == SCHEMA.load(row)


def test_unusual_input_falls_back_to_the_schema():
    from workflow.operator.fastload import _Unsure

    with pytest.raises(_Unsure):
        FAST._fast({"code": "A", "township": "x", "ownership": "state", "farmland_m2": 5.5})
