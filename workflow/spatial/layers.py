"""Reading reference-layer deliveries: GeoJSON FeatureCollections (the admin endpoint), and
GeoJSON, GeoPackage or Shapefile files (pyogrio), into checked features.

The 三调 database standard names its 地类图斑 (DLTB) properties in pinyin initials; the ones the
overlay reads are ``DLBM`` (地类编码, GB/T 21010-2017), ``KCXS`` (扣除地类系数, the share of a
farmland 图斑 that is field ridge) and the farmland grade (耕地等别, ``GDDB``; some deliveries say
``ZLDJ``). Chinese and lower-case spellings are accepted too. Which of these names a county's
delivery uses is listed, with what could not be verified, in ``seed/README.md``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

import numpy as np
import shapely
from pyproj import CRS, Transformer

from workflow.spatial.engines import FeatureRow
from workflow.spatial.geometry import GEOGRAPHIC_EPSG, GeometryRefused, as_multipolygon
from workflow.spatial.land_classes import UnknownLandClass, category

LAND_CLASS_KEYS = ("DLBM", "dlbm", "地类编码", "land_class")
COEFFICIENT_KEYS = ("KCXS", "kcxs", "扣除地类系数", "deduction_coefficient")
GRADE_KEYS = ("GDDB", "gddb", "ZLDJ", "zldj", "耕地等别", "farmland_grade")
# A 图斑 can be large and detailed; a layer polygon may have more vertices than a parcel.
MAX_LAYER_VERTICES = 200_000
# WGS 84 and CGCS2000 differ by centimetres here: GeoJSON files (CRS84 by RFC 7946) are read as
# CGCS2000 geographic coordinates.
GEOGRAPHIC_ALIASES = {4326, 4490, 4479, 4480}


@dataclass
class Rejected:
    index: int
    reason: str


@dataclass
class ReadReport:
    rows: list[FeatureRow] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)


def _first(props: dict[str, Any], keys: tuple[str, ...]) -> Any:
    for k in keys:
        if props.get(k) not in (None, ""):
            return props[k]
    return None


def feature_row(kind: str, geom: Any, props: dict[str, Any]) -> FeatureRow:
    """One checked feature, or ``GeometryRefused`` / ``ValueError`` saying why not."""
    if geom is None or geom.is_empty:
        raise GeometryRefused("无几何图形 / no geometry")
    if shapely.get_num_coordinates(geom) > MAX_LAYER_VERTICES:
        raise GeometryRefused("顶点过多 / too many vertices")
    if not isinstance(geom, shapely.Polygon | shapely.MultiPolygon):
        raise GeometryRefused(f"须为面 / must be a polygon (got {geom.geom_type})")
    coords = shapely.get_coordinates(geom)
    if not np.isfinite(coords).all():
        raise GeometryRefused("坐标含非有限数值 / coordinates must be finite numbers")
    if not geom.is_valid:
        raise GeometryRefused(f"几何图形无效 / invalid geometry: "
                              f"{shapely.validation.explain_validity(geom)}")
    attributes = {str(k): _plain(v) for k, v in props.items()}
    land_class = grade = None
    if kind == "land_use":
        land_class = _first(props, LAND_CLASS_KEYS)
        if land_class is None:
            raise ValueError("缺少地类编码 DLBM / missing DLBM (地类编码)")
        land_class = str(land_class).strip().upper()
        try:
            category(land_class)
        except UnknownLandClass:
            raise ValueError(f"未知地类编码 / unknown DLBM {land_class}") from None
        coefficient = _first(props, COEFFICIENT_KEYS)
        if coefficient is not None:
            try:
                k = Decimal(str(coefficient))
            except InvalidOperation:
                raise ValueError(f"扣除地类系数无效 / invalid KCXS {coefficient!r}") from None
            if not Decimal(0) <= k < Decimal(1):
                raise ValueError(f"扣除地类系数须在 0 与 1 之间 / KCXS {k} must be in [0, 1)")
            attributes["deduction_coefficient"] = str(k)
        raw_grade = _first(props, GRADE_KEYS)
        if raw_grade is not None:
            try:
                grade = int(str(raw_grade).strip())
            except ValueError:
                raise ValueError(f"耕地等别无效 / invalid farmland grade {raw_grade!r}") from None
            if not 1 <= grade <= 15:
                raise ValueError(f"耕地等别须在 1–15 / farmland grade {grade} must be 1-15")
    return FeatureRow(as_multipolygon(geom), land_class, grade, attributes)


def _plain(value: Any) -> Any:
    """A property value as JSON can hold it."""
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not np.isfinite(value):
        return None
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    return str(value)


def from_feature_collection(kind: str, collection: dict[str, Any]) -> ReadReport:
    """The features of a GeoJSON FeatureCollection (EPSG:4490 coordinates)."""
    report = ReadReport()
    for index, feature in enumerate(collection.get("features") or []):
        try:
            if not isinstance(feature, dict) or feature.get("type") != "Feature":
                raise ValueError("须为 GeoJSON Feature / must be a GeoJSON Feature")
            geometry = feature.get("geometry")
            if not isinstance(geometry, dict):
                raise GeometryRefused("无几何图形 / no geometry")
            geom = shapely.geometry.shape(geometry)
            report.rows.append(feature_row(kind, geom, feature.get("properties") or {}))
        except (GeometryRefused, ValueError, TypeError, AttributeError,
                shapely.errors.GEOSException) as err:
            report.rejected.append(Rejected(index, str(err)[:300]))
    return report


def read_file(kind: str, path: Path) -> tuple[int, Iterator[tuple[int, Any]]]:
    """A GeoJSON, GeoPackage or Shapefile layer: (feature count, iterator of (index, FeatureRow
    or ``Rejected``)). Features in a projected CRS are brought to EPSG:4490."""
    from pyogrio import raw  # GDAL is loaded only by the operator's import

    meta, _, geometries, field_data = raw.read(path)
    transformer = _to_geographic(meta.get("crs"))
    names = [str(n) for n in meta.get("fields", [])]
    count = 0 if geometries is None else len(geometries)

    def rows() -> Iterator[tuple[int, Any]]:
        for index, wkb in enumerate(geometries if geometries is not None else []):
            try:
                geom = shapely.from_wkb(wkb) if wkb is not None else None
                if geom is not None and transformer is not None:
                    geom = shapely.transform(geom, transformer)
                props = {name: field_data[i][index] for i, name in enumerate(names)}
                yield index, feature_row(kind, geom, props)
            except (GeometryRefused, ValueError, TypeError,
                    shapely.errors.GEOSException) as err:
                yield index, Rejected(index, str(err)[:300])

    return count, rows()


def _to_geographic(crs_text: str | None) -> Any:
    if not crs_text:
        return None
    crs = CRS.from_user_input(crs_text)
    if crs.to_epsg() in GEOGRAPHIC_ALIASES or (crs.is_geographic and crs.to_epsg() is None):
        return None
    transformer = Transformer.from_crs(crs, GEOGRAPHIC_EPSG, always_xy=True)

    def xy(coords: np.ndarray) -> np.ndarray:
        x, y = transformer.transform(coords[:, 0], coords[:, 1])
        return np.column_stack([x, y])

    return xy
