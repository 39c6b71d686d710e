"""documents: files filed with records and portal applications, stored by SHA-256

Revision ID: 0009_ops_b
Revises: 0009_console
Create Date: 2026-12-01 23:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_ops_b'
down_revision: str | None = '0009_console'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen (see workflow.models.documents).
DOCUMENT_KINDS = ("land_use_plan_package", "grant_contract", "idle_land_determination",
                  "completion_survey")
MEDIA_TYPES = ("application/pdf", "image/png", "image/jpeg")


def upgrade() -> None:
    op.create_table(
        'documents',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('parcel_id', sa.Integer(), nullable=False),
        sa.Column('record_id', sa.Integer(), nullable=True),
        sa.Column('application_id', sa.Integer(), nullable=True),
        sa.Column('kind', sa.String(length=40), nullable=False),
        sa.Column('sha256', sa.String(length=64), nullable=False),
        sa.Column('size_bytes', sa.Integer(), nullable=False),
        sa.Column('media_type', sa.String(length=40), nullable=False),
        sa.Column('filename', sa.String(length=200), nullable=False),
        sa.Column('audit_event_id', sa.Integer(), nullable=False),
        sa.Column('uploaded_by_id', sa.Integer(), nullable=True),
        sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint("kind IN ('" + "', '".join(DOCUMENT_KINDS) + "')",
                           name=op.f('ck_documents_kind')),
        sa.CheckConstraint("media_type IN ('" + "', '".join(MEDIA_TYPES) + "')",
                           name=op.f('ck_documents_media_type')),
        sa.CheckConstraint('size_bytes > 0', name=op.f('ck_documents_size_positive')),
        sa.CheckConstraint('length(sha256) = 64', name=op.f('ck_documents_sha256_length')),
        sa.ForeignKeyConstraint(['parcel_id'], ['parcels.id'],
                                name=op.f('fk_documents_parcel_id_parcels')),
        sa.ForeignKeyConstraint(['record_id'], ['parcel_records.id'],
                                name=op.f('fk_documents_record_id_parcel_records')),
        sa.ForeignKeyConstraint(['application_id'], ['applications.id'],
                                name=op.f('fk_documents_application_id_applications')),
        sa.ForeignKeyConstraint(['audit_event_id'], ['audit_events.id'],
                                name=op.f('fk_documents_audit_event_id_audit_events')),
        sa.ForeignKeyConstraint(['uploaded_by_id'], ['accounts.id'],
                                name=op.f('fk_documents_uploaded_by_id_accounts')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_documents')),
    )
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.create_index('ix_documents_parcel_id_id', ['parcel_id', 'id'], unique=False)
        batch_op.create_index('ix_documents_sha256', ['sha256'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('documents', schema=None) as batch_op:
        batch_op.drop_index('ix_documents_sha256')
        batch_op.drop_index('ix_documents_parcel_id_id')
    op.drop_table('documents')
