"""Boundary checks and areas, without a database."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
import shapely

from workflow.spatial.geometry import GeometryRefused, area_m2, parse_boundary


def nested(depth: int):
    value: list = [108.1, 30.0]
    for _ in range(depth):
        value = [value]
    return value


def test_a_3000_deep_nesting_is_refused_at_once():
    t0 = time.perf_counter()
    with pytest.raises(GeometryRefused):
        parse_boundary({"type": "Polygon", "coordinates": nested(3000)})
    assert time.perf_counter() - t0 < 1.0


@pytest.mark.parametrize("bad", [float("inf"), float("nan"), True, "108.1", None])
def test_a_coordinate_that_is_not_a_finite_number_is_refused(bad):
    ring = [[108.1, 30.0], [bad, 30.0], [108.101, 30.001], [108.1, 30.0]]
    with pytest.raises(GeometryRefused):
        parse_boundary({"type": "Polygon", "coordinates": [ring]})


def test_too_many_vertices_are_refused():
    ring = [[108.1 + i * 1e-7, 30.0] for i in range(20_001)] + [[108.1, 30.001], [108.1, 30.0]]
    with pytest.raises(GeometryRefused, match="too many vertices"):
        parse_boundary({"type": "Polygon", "coordinates": [ring]})


def test_a_multipolygon_is_kept_whole_and_measured_in_gauss_krueger():
    a, b = shapely.box(108.1, 30.0, 108.101, 30.001), shapely.box(108.2, 30.0, 108.201, 30.001)
    geom = parse_boundary(shapely.geometry.mapping(shapely.MultiPolygon([a, b])))
    assert len(geom.geoms) == 2
    # A 0.001° square at 30°N is about 96.5 m × 110.9 m; both squares together, to the cent.
    assert area_m2(geom, 4545) == area_m2(a, 4545) + area_m2(b, 4545)
    assert Decimal("10690") < area_m2(a, 4545) < Decimal("10700")
