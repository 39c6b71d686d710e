"""Parcel and layer geometry: GeoJSON in CGCS2000 geographic coordinates (EPSG:4490, longitude
then latitude) checked and turned into shapely polygons, and areas measured in the county's
CGCS2000 3-degree Gauss–Krüger projection (Shizhu: EPSG:4545, central meridian 108°E).

Floats are the coordinates' own type; every area leaves this module as a ``Decimal`` of m² to
0.01.
"""

from __future__ import annotations

import math
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import Any

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry
from shapely.validation import explain_validity

GEOGRAPHIC_EPSG = 4490
CENT = Decimal("0.01")
# A surveyed boundary (勘测定界) has tens to hundreds of vertices; a parcel with more is a
# mistake or an attack on the overlay.
MAX_VERTICES = 20_000
# GeoJSON Polygon: [ring][point][coordinate]; MultiPolygon one level more.
_DEPTH = {"Polygon": 3, "MultiPolygon": 4}


class GeometryRefused(ValueError):
    """The geometry cannot be a parcel boundary; the message says why (zh / en)."""


def _depth_ok(value: Any, depth: int) -> bool:
    """Every leaf sits exactly ``depth`` lists deep and is a finite number (iterative, so a
    nesting 3,000 deep costs nothing)."""
    stack = [(value, 0)]
    while stack:
        item, level = stack.pop()
        if level == depth - 1:
            if not isinstance(item, list | tuple) or len(item) not in (2, 3):
                return False
            for c in item:
                if isinstance(c, bool) or not isinstance(c, (int, float)) or not math.isfinite(c):
                    return False
            continue
        if not isinstance(item, list | tuple):
            return False
        stack.extend((child, level + 1) for child in item)
    return True


def parse_boundary(value: Any) -> shapely.MultiPolygon:
    """A GeoJSON Polygon or MultiPolygon in EPSG:4490 as a valid shapely MultiPolygon, or
    ``GeometryRefused`` saying what is wrong with it."""
    if not isinstance(value, dict) or value.get("type") not in _DEPTH:
        raise GeometryRefused("须为 GeoJSON Polygon 或 MultiPolygon / must be a GeoJSON Polygon "
                              "or MultiPolygon")
    coords = value.get("coordinates")
    depth = _DEPTH[value["type"]]
    if not isinstance(coords, list | tuple) or not coords or not _depth_ok(coords, depth):
        raise GeometryRefused("坐标结构不正确或含非有限数值 / coordinates are not a "
                              f"{value['type']} of finite numbers")
    polygons = coords if value["type"] == "MultiPolygon" else [coords]
    vertices = sum(len(ring) for polygon in polygons for ring in polygon)
    if vertices > MAX_VERTICES:
        raise GeometryRefused(f"顶点过多 / too many vertices ({vertices} > {MAX_VERTICES})")
    for polygon in polygons:
        if not polygon:
            raise GeometryRefused("多边形没有外环 / a polygon has no exterior ring")
        for ring in polygon:
            if len(ring) < 4:
                raise GeometryRefused("环至少需要四个点 / a ring needs at least four positions")
            if ring[0][:2] != ring[-1][:2]:
                raise GeometryRefused("环未闭合 / a ring is not closed (first position must "
                                      "equal the last)")
            for x, y, *_ in ring:
                if not (-180 <= x <= 180 and -90 <= y <= 90):
                    raise GeometryRefused("坐标须为经纬度 (EPSG:4490) / coordinates must be "
                                          "longitude and latitude (EPSG:4490)")
    geom = shapely.geometry.shape({"type": value["type"], "coordinates": coords})
    geom = shapely.force_2d(geom)
    if not geom.is_valid:
        raise GeometryRefused(f"几何图形无效 / invalid geometry: {explain_validity(geom)}")
    if geom.is_empty or geom.area == 0:
        raise GeometryRefused("面积为零 / the geometry has no area")
    return as_multipolygon(geom)


def as_multipolygon(geom: BaseGeometry) -> shapely.MultiPolygon:
    """The polygonal part of ``geom`` as one MultiPolygon (an overlay may yield lines or
    points where boundaries touch: they have no area and are dropped)."""
    if isinstance(geom, shapely.MultiPolygon):
        return geom
    if isinstance(geom, shapely.Polygon):
        return shapely.MultiPolygon([geom])
    parts = [g for g in shapely.get_parts(geom) if isinstance(g, shapely.Polygon)]
    return shapely.MultiPolygon(parts)


def to_geojson(geom: BaseGeometry | None) -> dict[str, Any] | None:
    return None if geom is None else shapely.geometry.mapping(geom)  # type: ignore[return-value]


@lru_cache(maxsize=8)
def _transformer(epsg: int) -> Transformer:
    return Transformer.from_crs(GEOGRAPHIC_EPSG, epsg, always_xy=True)


def project(geom: BaseGeometry, epsg: int) -> BaseGeometry:
    """``geom`` in the projected CRS ``epsg`` (metres)."""
    transformer = _transformer(epsg)

    def xy(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return shapely.transform(geom, xy)


def m2(value: float) -> Decimal:
    """An area in m² to 0.01."""
    return Decimal(repr(float(value))).quantize(CENT, rounding=ROUND_HALF_UP)


def area_m2(geom: BaseGeometry, epsg: int) -> Decimal:
    """The area of a geographic geometry measured in the projected CRS ``epsg``."""
    if geom.is_empty:
        return Decimal("0.00")
    return m2(project(geom, epsg).area)


def bounds(geom: BaseGeometry) -> tuple[float, float, float, float]:
    minx, miny, maxx, maxy = geom.bounds
    return float(minx), float(miny), float(maxx), float(maxy)
