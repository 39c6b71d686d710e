"""initial schema

Revision ID: 0001
Revises: 
Create Date: 2026-11-28 20:03:10.951120+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = '0001'
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen column types (see workflow.models.base): exact decimals are NUMERIC on PostgreSQL and integer
# counts of hundredths (ten-thousandths for AMOUNT4) on SQLite.
AMOUNT = sa.Numeric(18, 2).with_variant(sa.BigInteger(), "sqlite")
AMOUNT4 = sa.Numeric(18, 4).with_variant(sa.BigInteger(), "sqlite")
JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table('counties',
    sa.Column('code', sa.String(length=6), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('name_en', sa.String(length=80), nullable=False),
    sa.Column('province', sa.String(length=20), nullable=False),
    sa.Column('plan', sa.String(length=120), nullable=False),
    sa.Column('plan_period_start', sa.Integer(), nullable=False),
    sa.Column('plan_period_end', sa.Integer(), nullable=False),
    sa.Column('new_construction_land_cap_km2', AMOUNT, nullable=False),
    sa.PrimaryKeyConstraint('code', name=op.f('pk_counties'))
    )
    counter = op.create_table('outbox_counter',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('last_seq', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outbox_counter'))
    )
    op.bulk_insert(counter, [{"id": 1, "last_seq": 0}])
    op.create_table('plan_indicators',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('seq', sa.Integer(), nullable=False),
    sa.Column('name_zh', sa.String(length=80), nullable=False),
    sa.Column('name_en', sa.String(length=120), nullable=False),
    sa.Column('unit', sa.String(length=20), nullable=False),
    sa.Column('value_2020', AMOUNT4, nullable=True),
    sa.Column('target_2025', AMOUNT4, nullable=True),
    sa.Column('cumulative', sa.Boolean(), nullable=False),
    sa.Column('nature', sa.String(length=10), nullable=False),
    sa.Column('source', sa.String(length=200), nullable=False),
    sa.CheckConstraint("nature IN ('binding', 'expected')", name=op.f('ck_plan_indicators_nature')),
    sa.ForeignKeyConstraint(['county_code'], ['counties.code'], name=op.f('fk_plan_indicators_county_code_counties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_plan_indicators')),
    sa.UniqueConstraint('key', name=op.f('uq_plan_indicators_key'))
    )
    op.create_table('townships',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=12), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('kind', sa.String(length=4), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.CheckConstraint("kind IN ('街道', '镇', '乡')", name=op.f('ck_townships_kind')),
    sa.ForeignKeyConstraint(['county_code'], ['counties.code'], name=op.f('fk_townships_county_code_counties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_townships')),
    sa.UniqueConstraint('code', name=op.f('uq_townships_code')),
    sa.UniqueConstraint('name', name=op.f('uq_townships_name'))
    )
    with op.batch_alter_table('townships', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_townships_county_code'), ['county_code'], unique=False)

    op.create_table('accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=80), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=True),
    sa.Column('active', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("role IN ('clerk', 'approver', 'auditor', 'portal', 'admin', 'system')", name=op.f('ck_accounts_role')),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_accounts_township_id_townships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_accounts')),
    sa.UniqueConstraint('name', name=op.f('uq_accounts_name'))
    )
    op.create_table('api_tokens',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('prefix', sa.String(length=12), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('expires_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_api_tokens_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_api_tokens')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_api_tokens_token_hash'))
    )
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_api_tokens_account_id'), ['account_id'], unique=False)

    op.create_table('idempotency_keys',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=200), nullable=False),
    sa.Column('operation', sa.String(length=80), nullable=False),
    sa.Column('request_hash', sa.String(length=64), nullable=False),
    sa.Column('response', JSON, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['account_id'], ['accounts.id'], name=op.f('fk_idempotency_keys_account_id_accounts')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_idempotency_keys')),
    sa.UniqueConstraint('account_id', 'key', name=op.f('uq_idempotency_keys_account_id_key'))
    )
    op.create_table('parcels',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=64), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('township_id', sa.Integer(), nullable=False),
    sa.Column('ownership', sa.String(length=12), nullable=False),
    sa.Column('state', sa.String(length=24), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('surveyed_on', sa.Date(), nullable=False),
    sa.Column('last_effective_date', sa.Date(), nullable=False),
    sa.Column('farmland_m2', AMOUNT, nullable=False),
    sa.Column('paddy_m2', AMOUNT, nullable=False),
    sa.Column('farmland_grade', sa.Integer(), nullable=True),
    sa.Column('other_agricultural_m2', AMOUNT, nullable=False),
    sa.Column('unused_m2', AMOUNT, nullable=False),
    sa.Column('construction_m2', AMOUNT, nullable=False),
    sa.Column('basic_farmland_m2', AMOUNT, nullable=False),
    sa.Column('red_line_m2', AMOUNT, nullable=False),
    sa.Column('in_development_boundary', sa.Boolean(), nullable=False),
    sa.Column('geometry', JSON, nullable=True),
    sa.Column('planned_use', sa.String(length=32), nullable=True),
    sa.Column('planning_conditions', JSON, nullable=True),
    sa.Column('major_project', JSON, nullable=True),
    sa.Column('red_line_activity', JSON, nullable=True),
    sa.Column('planned_on', sa.Date(), nullable=True),
    sa.Column('planned_by_id', sa.Integer(), nullable=True),
    sa.Column('approval_no', sa.String(length=64), nullable=True),
    sa.Column('approval_authority', sa.String(length=16), nullable=True),
    sa.Column('approved_on', sa.Date(), nullable=True),
    sa.Column('expropriation_announced_on', sa.Date(), nullable=True),
    sa.Column('expropriated_on', sa.Date(), nullable=True),
    sa.Column('supply_method', sa.String(length=16), nullable=True),
    sa.Column('price_yuan', AMOUNT, nullable=True),
    sa.Column('term_years', sa.Integer(), nullable=True),
    sa.Column('contract_signed_on', sa.Date(), nullable=True),
    sa.Column('agreed_start_date', sa.Date(), nullable=True),
    sa.Column('agreed_completion_date', sa.Date(), nullable=True),
    sa.Column('land_user', sa.String(length=200), nullable=True),
    sa.Column('supplied_area_m2', AMOUNT, nullable=True),
    sa.Column('supplied_on', sa.Date(), nullable=True),
    sa.Column('handed_over_on', sa.Date(), nullable=True),
    sa.Column('permit_no', sa.String(length=64), nullable=True),
    sa.Column('construction_started_on', sa.Date(), nullable=True),
    sa.Column('actual_area_m2', AMOUNT, nullable=True),
    sa.Column('within_approved_boundary', sa.Boolean(), nullable=True),
    sa.Column('planning_verified', sa.Boolean(), nullable=True),
    sa.Column('inspected_on', sa.Date(), nullable=True),
    sa.Column('registered_on', sa.Date(), nullable=True),
    sa.Column('idle_cause', sa.String(length=16), nullable=True),
    sa.Column('idle_declared_on', sa.Date(), nullable=True),
    sa.Column('idle_determination_no', sa.String(length=64), nullable=True),
    sa.Column('idle_fee_yuan', AMOUNT, nullable=True),
    sa.Column('recovered_on', sa.Date(), nullable=True),
    sa.Column('recovery_decision_no', sa.String(length=64), nullable=True),
    sa.Column('closed_on', sa.Date(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("ownership IN ('collective', 'state')", name=op.f('ck_parcels_ownership')),
    sa.CheckConstraint('basic_farmland_m2 <= farmland_m2', name=op.f('ck_parcels_basic_within_farmland')),
    sa.CheckConstraint('farmland_grade BETWEEN 1 AND 15', name=op.f('ck_parcels_grade_range')),
    sa.CheckConstraint('farmland_m2 >= 0 AND paddy_m2 >= 0 AND other_agricultural_m2 >= 0 AND unused_m2 >= 0 AND construction_m2 >= 0', name=op.f('ck_parcels_areas_non_negative')),
    sa.CheckConstraint('paddy_m2 <= farmland_m2', name=op.f('ck_parcels_paddy_within_farmland')),
    sa.CheckConstraint('version >= 1', name=op.f('ck_parcels_version_positive')),
    sa.ForeignKeyConstraint(['planned_by_id'], ['accounts.id'], name=op.f('fk_parcels_planned_by_id_accounts')),
    sa.ForeignKeyConstraint(['township_id'], ['townships.id'], name=op.f('fk_parcels_township_id_townships')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parcels')),
    sa.UniqueConstraint('code', name=op.f('uq_parcels_code'))
    )
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_parcels_planned_use'), ['planned_use'], unique=False)
        batch_op.create_index(batch_op.f('ix_parcels_state'), ['state'], unique=False)
        batch_op.create_index('ix_parcels_township_state', ['township_id', 'state'], unique=False)

    op.create_table('audit_events',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('stream', sa.String(length=64), nullable=False),
    sa.Column('stream_seq', sa.Integer(), nullable=False),
    sa.Column('parcel_id', sa.Integer(), nullable=True),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('from_state', sa.String(length=24), nullable=True),
    sa.Column('to_state', sa.String(length=24), nullable=True),
    sa.Column('actor_id', sa.Integer(), nullable=True),
    sa.Column('actor', sa.String(length=80), nullable=False),
    sa.Column('role', sa.String(length=16), nullable=False),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('payload', JSON, nullable=False),
    sa.Column('rule_results', JSON, nullable=False),
    sa.Column('idempotency_key', sa.String(length=200), nullable=True),
    sa.Column('prev_hash', sa.String(length=64), nullable=True),
    sa.Column('hash', sa.String(length=64), nullable=False),
    sa.ForeignKeyConstraint(['actor_id'], ['accounts.id'], name=op.f('fk_audit_events_actor_id_accounts')),
    sa.ForeignKeyConstraint(['parcel_id'], ['parcels.id'], name=op.f('fk_audit_events_parcel_id_parcels')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_audit_events')),
    sa.UniqueConstraint('stream', 'stream_seq', name=op.f('uq_audit_events_stream_stream_seq'))
    )
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.create_index('ix_audit_events_parcel_id_id', ['parcel_id', 'id'], unique=False)

    op.create_table('outbox_events',
    sa.Column('seq', sa.BigInteger(), autoincrement=False, nullable=False),
    sa.Column('type', sa.String(length=40), nullable=False),
    sa.Column('parcel_id', sa.Integer(), nullable=True),
    sa.Column('audit_event_id', sa.Integer(), nullable=True),
    sa.Column('occurred_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('data', JSON, nullable=False),
    sa.ForeignKeyConstraint(['audit_event_id'], ['audit_events.id'], name=op.f('fk_outbox_events_audit_event_id_audit_events')),
    sa.ForeignKeyConstraint(['parcel_id'], ['parcels.id'], name=op.f('fk_outbox_events_parcel_id_parcels')),
    sa.PrimaryKeyConstraint('seq', name=op.f('pk_outbox_events'))
    )
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_outbox_events_parcel_id'), ['parcel_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_outbox_events_type'), ['type'], unique=False)

    op.create_table('parcel_records',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('parcel_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=40), nullable=False),
    sa.Column('occurred_on', sa.Date(), nullable=False),
    sa.Column('details', JSON, nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['event_id'], ['audit_events.id'], name=op.f('fk_parcel_records_event_id_audit_events')),
    sa.ForeignKeyConstraint(['parcel_id'], ['parcels.id'], name=op.f('fk_parcel_records_parcel_id_parcels')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_parcel_records'))
    )
    with op.batch_alter_table('parcel_records', schema=None) as batch_op:
        batch_op.create_index('ix_parcel_records_parcel_kind', ['parcel_id', 'kind'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('parcel_records', schema=None) as batch_op:
        batch_op.drop_index('ix_parcel_records_parcel_kind')

    op.drop_table('parcel_records')
    with op.batch_alter_table('outbox_events', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_outbox_events_type'))
        batch_op.drop_index(batch_op.f('ix_outbox_events_parcel_id'))

    op.drop_table('outbox_events')
    with op.batch_alter_table('audit_events', schema=None) as batch_op:
        batch_op.drop_index('ix_audit_events_parcel_id_id')

    op.drop_table('audit_events')
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.drop_index('ix_parcels_township_state')
        batch_op.drop_index(batch_op.f('ix_parcels_state'))
        batch_op.drop_index(batch_op.f('ix_parcels_planned_use'))

    op.drop_table('parcels')
    op.drop_table('idempotency_keys')
    with op.batch_alter_table('api_tokens', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_api_tokens_account_id'))

    op.drop_table('api_tokens')
    op.drop_table('accounts')
    with op.batch_alter_table('townships', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_townships_county_code'))

    op.drop_table('townships')
    op.drop_table('plan_indicators')
    op.drop_table('outbox_counter')
    op.drop_table('counties')
