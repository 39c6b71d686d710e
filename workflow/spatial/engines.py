"""The two overlay engines, one answer: PostGIS on PostgreSQL, shapely and pyproj over SQLite's
R-tree on the embedded default.

Both do the same arithmetic in the same order, so that they agree to 0.01 m²: candidates are the
layer features whose box meets the parcel's; each candidate is intersected with the parcel in
geographic coordinates (EPSG:4490, GEOS either way); the intersection is projected into the
county's Gauss–Krüger zone (PROJ either way) and measured there.
"""

from __future__ import annotations

import json
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import shapely
from geoalchemy2 import WKBElement
from shapely.geometry.base import BaseGeometry
from sqlalchemy import bindparam, insert, text
from sqlalchemy.orm import Session

from workflow.canonical import storage_json
from workflow.models import LayerFeature
from workflow.spatial.geometry import GEOGRAPHIC_EPSG, area_m2, as_multipolygon, bounds, m2


@dataclass(frozen=True)
class FeatureRow:
    """A layer feature ready to be stored."""

    geom: shapely.MultiPolygon
    land_class: str | None = None
    farmland_grade: int | None = None
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Piece:
    """The part of a parcel that one layer feature covers, measured in the projected CRS."""

    land_class: str | None
    farmland_grade: int | None
    attributes: dict[str, Any]
    area_m2: Decimal


class SpatialEngine(ABC):
    name: str

    def __init__(self, session: Session) -> None:
        self.session = session

    @abstractmethod
    def to_db(self, geom: BaseGeometry) -> Any:
        """The value a boundary column takes on this engine."""

    @staticmethod
    def from_db(value: Any) -> shapely.MultiPolygon | None:
        if value is None:
            return None
        if isinstance(value, WKBElement):
            value = bytes(value.data) if not isinstance(value.data, str) else value.data
        return as_multipolygon(shapely.from_wkb(value))

    @abstractmethod
    def add_features(self, version_id: int, rows: Iterable[FeatureRow]) -> int:
        """Store features of a layer version; returns how many."""

    @abstractmethod
    def pieces(self, version_id: int, geom: BaseGeometry, epsg: int) -> list[Piece]:
        """Each feature of the version that overlaps ``geom``, with the overlap's area."""

    @abstractmethod
    def covered_m2(self, version_ids: tuple[int, ...], geom: BaseGeometry, epsg: int
                   ) -> Decimal:
        """The area of ``geom`` that the features of these versions cover, overlaps counted
        once."""


class SqliteEngine(SpatialEngine):
    name = "shapely"

    def to_db(self, geom: BaseGeometry) -> bytes:
        return shapely.to_wkb(as_multipolygon(geom))

    def add_features(self, version_id: int, rows: Iterable[FeatureRow]) -> int:
        count = 0
        for batch in _batches(rows, 1000):
            first = self.session.execute(text(
                "SELECT coalesce(max(id), 0) FROM layer_features")).scalar_one() + 1
            records = []
            for offset, row in enumerate(batch):
                minx, miny, maxx, maxy = bounds(row.geom)
                records.append({"id": first + offset, "version_id": version_id,
                                "land_class": row.land_class,
                                "farmland_grade": row.farmland_grade,
                                "attributes": row.attributes, "min_lon": minx, "min_lat": miny,
                                "max_lon": maxx, "max_lat": maxy,
                                "geom": self.to_db(row.geom)})
            self.session.execute(insert(LayerFeature), records)
            self.session.execute(text(
                "INSERT INTO layer_features_rtree (id, min_lon, max_lon, min_lat, max_lat) "
                "VALUES (:id, :min_lon, :max_lon, :min_lat, :max_lat)"), records)
            count += len(records)
        return count

    _CANDIDATES = text(
        "SELECT f.land_class, f.farmland_grade, f.attributes, f.geom "
        "FROM layer_features_rtree r JOIN layer_features f ON f.id = r.id "
        "WHERE r.min_lon <= :maxx AND r.max_lon >= :minx "
        "AND r.min_lat <= :maxy AND r.max_lat >= :miny AND f.version_id IN :vs "
        "ORDER BY f.id").bindparams(bindparam("vs", expanding=True))

    def _candidates(self, version_ids: tuple[int, ...], geom: BaseGeometry
                    ) -> list[tuple[str | None, int | None, Any, BaseGeometry]]:
        minx, miny, maxx, maxy = bounds(geom)
        rows = self.session.execute(self._CANDIDATES, {
            "minx": minx, "miny": miny, "maxx": maxx, "maxy": maxy,
            "vs": list(version_ids)}).all()
        return [(r[0], r[1], r[2], shapely.from_wkb(r[3])) for r in rows]

    def pieces(self, version_id: int, geom: BaseGeometry, epsg: int) -> list[Piece]:
        found = []
        for land_class, grade, attributes, feature in self._candidates((version_id,), geom):
            if not feature.intersects(geom):
                continue
            overlap = as_multipolygon(shapely.intersection(feature, geom))
            if overlap.is_empty:
                continue
            attrs = json.loads(attributes) if isinstance(attributes, str) else attributes
            found.append(Piece(land_class, grade, attrs or {}, area_m2(overlap, epsg)))
        return found

    def covered_m2(self, version_ids: tuple[int, ...], geom: BaseGeometry, epsg: int
                   ) -> Decimal:
        overlaps = [shapely.intersection(f, geom)
                    for *_, f in self._candidates(version_ids, geom) if f.intersects(geom)]
        if not overlaps:
            return Decimal("0.00")
        return area_m2(as_multipolygon(shapely.union_all(overlaps)), epsg)


class PostgisEngine(SpatialEngine):
    name = "postgis"

    def to_db(self, geom: BaseGeometry) -> WKBElement:
        return WKBElement(shapely.to_wkb(as_multipolygon(geom)), srid=GEOGRAPHIC_EPSG)

    def add_features(self, version_id: int, rows: Iterable[FeatureRow]) -> int:
        """COPY in batches: the geometry travels as hex EWKB text, which PostGIS parses."""
        raw: Any = self.session.connection().connection.driver_connection
        count = 0
        columns = ("version_id, land_class, farmland_grade, attributes, min_lon, min_lat, "
                   "max_lon, max_lat, geom")
        with raw.cursor() as cur, cur.copy(f"COPY layer_features ({columns}) FROM STDIN") as cp:
            for row in rows:
                minx, miny, maxx, maxy = bounds(row.geom)
                ewkb = shapely.to_wkb(shapely.set_srid(as_multipolygon(row.geom),
                                                       GEOGRAPHIC_EPSG),
                                      hex=True, include_srid=True)
                cp.write_row((version_id, row.land_class, row.farmland_grade,
                              storage_json(row.attributes), minx, miny, maxx, maxy, ewkb))
                count += 1
        return count

    _PIECES = text(
        "WITH g AS (SELECT ST_GeomFromWKB(:wkb, 4490) AS geom) "
        "SELECT f.land_class, f.farmland_grade, f.attributes, "
        "       ST_Area(ST_Transform(ST_Intersection(f.geom, g.geom), :epsg)) "
        "FROM layer_features f, g "
        "WHERE f.version_id = :v AND f.geom && g.geom AND ST_Intersects(f.geom, g.geom) "
        "ORDER BY f.id")
    _COVERED = text(
        "WITH g AS (SELECT ST_GeomFromWKB(:wkb, 4490) AS geom) "
        "SELECT coalesce(ST_Area(ST_Transform(ST_Union(ST_Intersection(f.geom, g.geom)), "
        "       :epsg)), 0) "
        "FROM layer_features f, g "
        "WHERE f.version_id = ANY(:vs) AND f.geom && g.geom AND ST_Intersects(f.geom, g.geom)")

    def pieces(self, version_id: int, geom: BaseGeometry, epsg: int) -> list[Piece]:
        rows = self.session.execute(self._PIECES, {
            "wkb": shapely.to_wkb(geom), "epsg": epsg, "v": version_id}).all()
        return [Piece(r[0], r[1], r[2] or {}, m2(r[3])) for r in rows if r[3] and r[3] > 0]

    def covered_m2(self, version_ids: tuple[int, ...], geom: BaseGeometry, epsg: int
                   ) -> Decimal:
        value = self.session.execute(self._COVERED, {
            "wkb": shapely.to_wkb(geom), "epsg": epsg, "vs": list(version_ids)}).scalar_one()
        return m2(value or 0)


def engine_for(session: Session) -> SpatialEngine:
    dialect = session.get_bind().dialect.name
    return PostgisEngine(session) if dialect == "postgresql" else SqliteEngine(session)


def _batches(rows: Iterable[FeatureRow], size: int) -> Iterator[list[FeatureRow]]:
    batch: list[FeatureRow] = []
    for row in rows:
        batch.append(row)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch

