"""ledgers

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-28 20:19:25.891969+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0002'
down_revision: str | None = '0001'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen column type (see workflow.models.base.Amount): NUMERIC on PostgreSQL, hundredths on SQLite.
AMOUNT = sa.Numeric(18, 2).with_variant(sa.BigInteger(), "sqlite")


def upgrade() -> None:
    op.create_table('land_tickets',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ticket_no', sa.String(length=64), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('area_m2', AMOUNT, nullable=False),
    sa.Column('cultivated_m2', AMOUNT, nullable=False),
    sa.Column('paddy_m2', AMOUNT, nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('acceptance_ref', sa.String(length=120), nullable=False),
    sa.Column('accepted_on', sa.Date(), nullable=False),
    sa.Column('trade_price_yuan', AMOUNT, nullable=False),
    sa.Column('reclamation_cost_yuan', AMOUNT, nullable=False),
    sa.Column('farmer_share_yuan', AMOUNT, nullable=False),
    sa.Column('collective_share_yuan', AMOUNT, nullable=False),
    sa.Column('buyer', sa.String(length=200), nullable=False),
    sa.Column('traded_on', sa.Date(), nullable=False),
    sa.Column('remaining_m2', AMOUNT, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('cultivated_m2 <= area_m2 AND paddy_m2 <= cultivated_m2', name=op.f('ck_land_tickets_parts_within_area')),
    sa.CheckConstraint('grade BETWEEN 1 AND 15', name=op.f('ck_land_tickets_grade_range')),
    sa.CheckConstraint('remaining_m2 >= 0 AND remaining_m2 <= area_m2', name=op.f('ck_land_tickets_remaining_range')),
    sa.ForeignKeyConstraint(['county_code'], ['counties.code'], name=op.f('fk_land_tickets_county_code_counties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_land_tickets')),
    sa.UniqueConstraint('ticket_no', name=op.f('uq_land_tickets_ticket_no'))
    )
    op.create_table('quota_accounts',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('category', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=120), nullable=False),
    sa.Column('balance_m2', AMOUNT, nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('balance_m2 >= 0', name=op.f('ck_quota_accounts_balance_non_negative')),
    sa.CheckConstraint('year BETWEEN 2000 AND 2100', name=op.f('ck_quota_accounts_year_range')),
    sa.ForeignKeyConstraint(['county_code'], ['counties.code'], name=op.f('fk_quota_accounts_county_code_counties')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quota_accounts')),
    sa.UniqueConstraint('county_code', 'year', 'category', name=op.f('uq_quota_accounts_county_code_year_category'))
    )
    op.create_table('farmland_credits',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('county_code', sa.String(length=6), nullable=False),
    sa.Column('source', sa.String(length=16), nullable=False),
    sa.Column('project_no', sa.String(length=120), nullable=False),
    sa.Column('area_m2', AMOUNT, nullable=False),
    sa.Column('paddy_m2', AMOUNT, nullable=False),
    sa.Column('grade', sa.Integer(), nullable=False),
    sa.Column('accepted_on', sa.Date(), nullable=False),
    sa.Column('remaining_area_m2', AMOUNT, nullable=False),
    sa.Column('remaining_paddy_m2', AMOUNT, nullable=False),
    sa.Column('land_ticket_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("source IN ('consolidation', 'reclamation', 'land_ticket', 'purchase')", name=op.f('ck_farmland_credits_source')),
    sa.CheckConstraint('grade BETWEEN 1 AND 15', name=op.f('ck_farmland_credits_grade_range')),
    sa.CheckConstraint('paddy_m2 <= area_m2', name=op.f('ck_farmland_credits_paddy_within_area')),
    sa.CheckConstraint('remaining_area_m2 >= 0 AND remaining_area_m2 <= area_m2', name=op.f('ck_farmland_credits_remaining_area_range')),
    sa.CheckConstraint('remaining_paddy_m2 >= 0 AND remaining_paddy_m2 <= paddy_m2 AND remaining_paddy_m2 <= remaining_area_m2', name=op.f('ck_farmland_credits_remaining_paddy_range')),
    sa.ForeignKeyConstraint(['county_code'], ['counties.code'], name=op.f('fk_farmland_credits_county_code_counties')),
    sa.ForeignKeyConstraint(['land_ticket_id'], ['land_tickets.id'], name=op.f('fk_farmland_credits_land_ticket_id_land_tickets')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_farmland_credits'))
    )
    op.create_table('farmland_pairings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('credit_id', sa.Integer(), nullable=False),
    sa.Column('parcel_id', sa.Integer(), nullable=False),
    sa.Column('audit_event_id', sa.Integer(), nullable=False),
    sa.Column('area_m2', AMOUNT, nullable=False),
    sa.Column('paddy_m2', AMOUNT, nullable=False),
    sa.Column('occupied_grade', sa.Integer(), nullable=True),
    sa.Column('paired_on', sa.Date(), nullable=False),
    sa.Column('released_on', sa.Date(), nullable=True),
    sa.Column('release_event_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('area_m2 > 0 AND paddy_m2 >= 0 AND paddy_m2 <= area_m2', name=op.f('ck_farmland_pairings_amounts')),
    sa.ForeignKeyConstraint(['audit_event_id'], ['audit_events.id'], name=op.f('fk_farmland_pairings_audit_event_id_audit_events')),
    sa.ForeignKeyConstraint(['credit_id'], ['farmland_credits.id'], name=op.f('fk_farmland_pairings_credit_id_farmland_credits')),
    sa.ForeignKeyConstraint(['parcel_id'], ['parcels.id'], name=op.f('fk_farmland_pairings_parcel_id_parcels')),
    sa.ForeignKeyConstraint(['release_event_id'], ['audit_events.id'], name=op.f('fk_farmland_pairings_release_event_id_audit_events')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_farmland_pairings'))
    )
    with op.batch_alter_table('farmland_pairings', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_farmland_pairings_credit_id'), ['credit_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_farmland_pairings_parcel_id'), ['parcel_id'], unique=False)

    op.create_table('quota_entries',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('account_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.String(length=16), nullable=False),
    sa.Column('amount_m2', AMOUNT, nullable=False),
    sa.Column('balance_after_m2', AMOUNT, nullable=False),
    sa.Column('parcel_id', sa.Integer(), nullable=True),
    sa.Column('audit_event_id', sa.Integer(), nullable=True),
    sa.Column('document_no', sa.String(length=120), nullable=True),
    sa.Column('land_ticket_id', sa.Integer(), nullable=True),
    sa.Column('reverses_entry_id', sa.Integer(), nullable=True),
    sa.Column('counterparty_account_id', sa.Integer(), nullable=True),
    sa.Column('effective_date', sa.Date(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint("kind IN ('allocate', 'land_ticket', 'deduct', 'release', 'transfer')", name=op.f('ck_quota_entries_kind')),
    sa.CheckConstraint('balance_after_m2 >= 0', name=op.f('ck_quota_entries_balance_after_non_negative')),
    sa.ForeignKeyConstraint(['account_id'], ['quota_accounts.id'], name=op.f('fk_quota_entries_account_id_quota_accounts')),
    sa.ForeignKeyConstraint(['audit_event_id'], ['audit_events.id'], name=op.f('fk_quota_entries_audit_event_id_audit_events')),
    sa.ForeignKeyConstraint(['counterparty_account_id'], ['quota_accounts.id'], name=op.f('fk_quota_entries_counterparty_account_id_quota_accounts')),
    sa.ForeignKeyConstraint(['land_ticket_id'], ['land_tickets.id'], name=op.f('fk_quota_entries_land_ticket_id_land_tickets')),
    sa.ForeignKeyConstraint(['parcel_id'], ['parcels.id'], name=op.f('fk_quota_entries_parcel_id_parcels')),
    sa.ForeignKeyConstraint(['reverses_entry_id'], ['quota_entries.id'], name=op.f('fk_quota_entries_reverses_entry_id_quota_entries')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quota_entries')),
    sa.UniqueConstraint('reverses_entry_id', name=op.f('uq_quota_entries_reverses_entry_id'))
    )
    with op.batch_alter_table('quota_entries', schema=None) as batch_op:
        batch_op.create_index('ix_quota_entries_account_id_id', ['account_id', 'id'], unique=False)
        batch_op.create_index(batch_op.f('ix_quota_entries_parcel_id'), ['parcel_id'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('quota_entries', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_quota_entries_parcel_id'))
        batch_op.drop_index('ix_quota_entries_account_id_id')

    op.drop_table('quota_entries')
    with op.batch_alter_table('farmland_pairings', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_farmland_pairings_parcel_id'))
        batch_op.drop_index(batch_op.f('ix_farmland_pairings_credit_id'))

    op.drop_table('farmland_pairings')
    op.drop_table('farmland_credits')
    op.drop_table('quota_accounts')
    op.drop_table('land_tickets')
