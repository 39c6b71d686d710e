"""spatial: versioned reference layers, parcel boundaries, the county's projected CRS

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-01 10:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from geoalchemy2 import Geometry
from sqlalchemy.dialects import postgresql

revision: str = '0008'
down_revision: str | None = '0007'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen column types (see workflow.models.base and workflow.models.spatial).
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BOUNDARY = sa.LargeBinary().with_variant(
    Geometry("MULTIPOLYGON", srid=4490, spatial_index=False), "postgresql")
LAYER_KINDS = ("land_use", "basic_farmland", "ecological_red_line", "development_boundary",
               "village_construction", "township")

NO_POSTGIS = (
    "PostGIS is not available on this PostgreSQL server: Landflow's spatial checks need it. "
    "Install it (Debian: apt-get install postgresql-15-postgis-3, matching the server's major "
    "version) and run `landflow db upgrade` again. / 此 PostgreSQL 服务器未安装 PostGIS。")


def _require_postgis() -> None:
    bind = op.get_bind()
    available = bind.execute(sa.text(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'postgis'")).first()
    if available is None:
        raise RuntimeError(NO_POSTGIS)
    op.execute("CREATE EXTENSION IF NOT EXISTS postgis")


def upgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        _require_postgis()
    op.create_table(
        'layer_versions',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('kind', sa.String(length=32), nullable=False),
        sa.Column('version', sa.String(length=40), nullable=False),
        sa.Column('valid_from', sa.Date(), nullable=False),
        sa.Column('source', sa.String(length=300), nullable=False),
        sa.Column('synthetic', sa.Boolean(), nullable=False),
        sa.Column('feature_count', sa.Integer(), nullable=False),
        sa.Column('rejected_count', sa.Integer(), nullable=False),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.Column('audit_event_id', sa.Integer(), nullable=True),
        sa.CheckConstraint("kind IN ('" + "', '".join(LAYER_KINDS) + "')",
                           name=op.f('ck_layer_versions_kind')),
        sa.ForeignKeyConstraint(['audit_event_id'], ['audit_events.id'],
                                name=op.f('fk_layer_versions_audit_event_id_audit_events')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_layer_versions')),
        sa.UniqueConstraint('kind', 'version', name=op.f('uq_layer_versions_kind_version')),
    )
    op.create_index('ix_layer_versions_kind_valid_from', 'layer_versions',
                    ['kind', 'valid_from'], unique=False)
    op.create_table(
        'layer_features',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('version_id', sa.Integer(), nullable=False),
        sa.Column('land_class', sa.String(length=8), nullable=True),
        sa.Column('farmland_grade', sa.Integer(), nullable=True),
        sa.Column('attributes', JSON, nullable=False),
        sa.Column('min_lon', sa.Double(), nullable=False),
        sa.Column('min_lat', sa.Double(), nullable=False),
        sa.Column('max_lon', sa.Double(), nullable=False),
        sa.Column('max_lat', sa.Double(), nullable=False),
        sa.Column('geom', BOUNDARY, nullable=False),
        sa.ForeignKeyConstraint(['version_id'], ['layer_versions.id'],
                                name=op.f('fk_layer_features_version_id_layer_versions')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_layer_features')),
    )
    op.create_index('ix_layer_features_version', 'layer_features', ['version_id'], unique=False)
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('boundary', BOUNDARY, nullable=True))
        batch_op.add_column(sa.Column('min_lon', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('min_lat', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('max_lon', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('max_lat', sa.Double(), nullable=True))
        batch_op.add_column(sa.Column('spatial', JSON, nullable=True))
        batch_op.add_column(sa.Column('land_basis', sa.String(length=16), nullable=False,
                                      server_default='declared'))
    with op.batch_alter_table('counties', schema=None) as batch_op:
        batch_op.add_column(sa.Column('projected_epsg', sa.Integer(), nullable=False,
                                      server_default='4545'))
    if dialect == "postgresql":
        op.execute("CREATE INDEX gix_layer_features_geom ON layer_features USING GIST (geom)")
        op.execute("CREATE INDEX gix_parcels_boundary ON parcels USING GIST (boundary)")
    else:
        # SQLite's built-in R-tree holds each layer feature's box; the SQLite engine keeps it.
        op.execute("CREATE VIRTUAL TABLE layer_features_rtree "
                   "USING rtree(id, min_lon, max_lon, min_lat, max_lat)")


def downgrade() -> None:
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP INDEX IF EXISTS gix_parcels_boundary")
    else:
        op.execute("DROP TABLE IF EXISTS layer_features_rtree")
    with op.batch_alter_table('counties', schema=None) as batch_op:
        batch_op.drop_column('projected_epsg')
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.drop_column('land_basis')
        batch_op.drop_column('spatial')
        batch_op.drop_column('max_lat')
        batch_op.drop_column('max_lon')
        batch_op.drop_column('min_lat')
        batch_op.drop_column('min_lon')
        batch_op.drop_column('boundary')
    op.drop_index('ix_layer_features_version', table_name='layer_features')
    op.drop_table('layer_features')
    op.drop_index('ix_layer_versions_kind_valid_from', table_name='layer_versions')
    op.drop_table('layer_versions')
