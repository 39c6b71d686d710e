"""Reference layers as versioned datasets, and the column type of every boundary.

A boundary is a MultiPolygon in EPSG:4490. On PostgreSQL it is a PostGIS ``geometry`` (GiST
indexed by the migration); on the embedded SQLite default it is WKB, with the bounding box in
plain columns and, for layer features, in an R-tree (``layer_features_rtree``) that the SQLite
engine keeps (``workflow.spatial.engines``).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from geoalchemy2 import Geometry
from sqlalchemy import CheckConstraint, ForeignKey, Index, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from workflow.models.base import Base

LAYER_KINDS = ("land_use", "basic_farmland", "ecological_red_line", "development_boundary",
               "village_construction", "township")
BOUNDARY = LargeBinary().with_variant(
    Geometry("MULTIPOLYGON", srid=4490, spatial_index=False), "postgresql")
# Made per engine by the spatial migration, outside the models' metadata: PostGIS's own table,
# SQLite's R-tree (a virtual table and its shadow tables) and the GiST indexes.
RTREE = "layer_features_rtree"
GIST_INDEXES = ("gix_layer_features_geom", "gix_parcels_boundary")


def managed_outside_metadata(name: str | None, type_: str) -> bool:
    """For Alembic's comparisons: objects the spatial migration makes for one engine only."""
    if name is None:
        return False
    if type_ == "table":
        return name == "spatial_ref_sys" or name.startswith(RTREE)
    return type_ == "index" and name in GIST_INDEXES


class LayerVersion(Base):
    """One delivery of a reference layer: in force from ``valid_from`` until a later version of
    the same kind takes over. Versions are never changed or deleted."""

    __tablename__ = "layer_versions"
    __table_args__ = (
        UniqueConstraint("kind", "version"),
        CheckConstraint("kind IN ('" + "', '".join(LAYER_KINDS) + "')", name="kind"),
        Index("ix_layer_versions_kind_valid_from", "kind", "valid_from"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    version: Mapped[str] = mapped_column(String(40))
    valid_from: Mapped[date]
    source: Mapped[str] = mapped_column(String(300))
    synthetic: Mapped[bool] = mapped_column(default=False)
    feature_count: Mapped[int] = mapped_column(default=0)
    rejected_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime]
    audit_event_id: Mapped[int | None] = mapped_column(ForeignKey("audit_events.id"))


class LayerFeature(Base):
    """A polygon of a layer version, with the 三调 attributes the overlay reads."""

    __tablename__ = "layer_features"
    __table_args__ = (Index("ix_layer_features_version", "version_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    version_id: Mapped[int] = mapped_column(ForeignKey("layer_versions.id"))
    # 地类编码 (GB/T 21010-2017), for land_use features.
    land_class: Mapped[str | None] = mapped_column(String(8))
    # 耕地等别 1 (best) … 15, where the delivery has it.
    farmland_grade: Mapped[int | None]
    # The delivery's other properties as given, among them the 扣除地类系数 (the share of a
    # farmland 图斑 that is field ridge) as a decimal string under "deduction_coefficient".
    attributes: Mapped[dict[str, Any]]
    min_lon: Mapped[float]
    min_lat: Mapped[float]
    max_lon: Mapped[float]
    max_lat: Mapped[float]
    geom: Mapped[Any] = mapped_column(BOUNDARY, deferred=True)

