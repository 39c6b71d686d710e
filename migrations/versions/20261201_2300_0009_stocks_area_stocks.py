"""stocks are areas: the first supply's area, the approvals it left partly unsupplied, and the
stocks as dated deltas (stock_flows), backfilled

Revision ID: 0009_stocks
Revises: 0009_ops_a
Create Date: 2026-12-01 23:00:00+00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = '0009_stocks'
down_revision: str | None = '0009_ops_a'
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen column type (see workflow.models.base.Amount): NUMERIC on PostgreSQL, hundredths on SQLite.
AMOUNT = sa.Numeric(18, 2).with_variant(sa.BigInteger(), "sqlite")
OLD_COVER = ['id', 'first_supplied_on', 'expropriated_on', 'closed_on', 'ownership', 'total_m2',
             'construction_m2']
COVER = [*OLD_COVER, 'first_supplied_m2']
STOCK = ['id', 'closed_on', 'township_id', 'ownership', 'expropriated_on', 'total_m2']
APPROVED = sa.text('approved_on IS NOT NULL')
PARTLY = sa.text('first_supplied_m2 < total_m2')
CLOCK_COVER = ['opened_on', 'closed_on', 'parcel_id', 'township_id']
FLOW_AREAS = ['approved_m2', 'supplied_m2', 'unexpropriated_m2', 'expropriated_unsupplied_m2',
              'supplied_unused_m2', 'converted_m2', 'idle_determined_m2', 'idle_closed_m2']
FLOW_COUNTS = ['parcels', 'unsupplied_n', 'unexpropriated_n', 'expropriated_unsupplied_n',
               'supplied_unused_n', 'idle_n']
FLOW_COVER = ['cohort', *FLOW_AREAS, *FLOW_COUNTS]


def _cover_indexes(batch_op: object, cover: list[str]) -> None:
    batch_op.create_index('ix_parcels_approval_cover', ['approved_on'], unique=False,  # type: ignore[attr-defined]
                          postgresql_include=cover, postgresql_where=APPROVED,
                          sqlite_where=APPROVED)
    batch_op.create_index('ix_parcels_township_approval_cover',  # type: ignore[attr-defined]
                          ['township_id', 'approved_on'], unique=False,
                          postgresql_include=cover, postgresql_where=APPROVED,
                          sqlite_where=APPROVED)


def upgrade() -> None:
    # RULES.md §3.1: approved = 批而未征 + 征而未供 + supplied, in area. The first supply's area
    # is what the approval had supplied; a parcel supplied before this revision is taken to
    # have been supplied in the area it records (its current supplied area, else all of it).
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.add_column(sa.Column('first_supplied_m2', AMOUNT, nullable=True))
    op.execute("UPDATE parcels SET first_supplied_m2 = coalesce(supplied_area_m2, total_m2) "
               "WHERE first_supplied_on IS NOT NULL")
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.drop_index('ix_parcels_township_approval_cover')
        batch_op.drop_index('ix_parcels_approval_cover')
        _cover_indexes(batch_op, COVER)
        batch_op.create_index('ix_parcels_partly_supplied', ['approved_on'], unique=False,
                              postgresql_include=[*STOCK, 'first_supplied_on',
                                                  'first_supplied_m2'],
                              postgresql_where=PARTLY, sqlite_where=PARTLY)

    # Clocks "running on D" read as the range due_on <= D without visiting the table.
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_index('ix_deadlines_kind_due_on')
        batch_op.create_index('ix_deadlines_kind_due_on', ['kind', 'due_on', 'id'],
                              unique=False, postgresql_include=CLOCK_COVER)

    # The auditors' stocks as dated deltas (workflow.reports.flows), summed up to any as_of.
    op.create_table(
        'stock_flows',
        sa.Column('id', sa.Integer(), nullable=False),
        sa.Column('township_id', sa.Integer(), nullable=False),
        sa.Column('cohort', sa.SmallInteger(), nullable=False),
        sa.Column('grain', sa.String(length=1), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        *[sa.Column(c, sa.Integer(), nullable=False) for c in FLOW_COUNTS[:1]],
        *[sa.Column(c, AMOUNT, nullable=False) for c in FLOW_AREAS],
        *[sa.Column(c, sa.Integer(), nullable=False) for c in FLOW_COUNTS[1:]],
        sa.CheckConstraint("grain IN ('D', 'M', 'Y')", name=op.f('ck_stock_flows_grain')),
        sa.ForeignKeyConstraint(['township_id'], ['townships.id'],
                                name=op.f('fk_stock_flows_township_id_townships')),
        sa.PrimaryKeyConstraint('id', name=op.f('pk_stock_flows')),
    )
    with op.batch_alter_table('stock_flows', schema=None) as batch_op:
        batch_op.create_index('ix_stock_flows_grain_day', ['grain', 'day'], unique=False,
                              postgresql_include=FLOW_COVER)
        batch_op.create_index('ix_stock_flows_township_grain_day',
                              ['township_id', 'grain', 'day'], unique=False,
                              postgresql_include=FLOW_COVER)
    backfill_stock_flows(op.get_bind())


def _greatest(dialect: str, *xs: str) -> str:
    """The latest of dates, NULL if any is NULL (on both dialects)."""
    out = xs[0]
    for x in xs[1:]:
        out = f"(CASE WHEN {out} IS NULL OR {x} IS NULL THEN NULL WHEN {x} > {out} THEN {x} " \
              f"ELSE {out} END)"
    return out


def _least_end(a: str, b: str) -> str:
    """The earlier of two interval ends, NULL meaning 'for good'."""
    return f"(CASE WHEN {a} IS NULL THEN {b} WHEN {b} IS NULL THEN {a} WHEN {b} < {a} THEN {b} " \
           f"ELSE {a} END)"


def backfill_stock_flows(bind: sa.engine.Connection) -> None:
    """The deltas of every approved parcel and every agreed-start and idle-land clock, as
    workflow.reports.flows computes them at each step (a frozen copy in SQL: each stock is a value
    held over [start, end) of effective dates, +value on start, -value on end)."""
    d = bind.dialect.name
    year = ("CAST(strftime('%Y', p.approved_on) AS INTEGER)" if d == "sqlite"
            else "CAST(EXTRACT(YEAR FROM p.approved_on) AS INTEGER)")
    def plus1(x: str) -> str:
        return f"date({x}, '+1 day')" if d == "sqlite" else f"({x} + 1)"
    jan1_closed = ("date(d.closed_on, 'start of year')" if d == "sqlite"
                   else "CAST(date_trunc('year', d.closed_on) AS DATE)")
    first_area = "coalesce(p.first_supplied_m2, p.total_m2)"
    supplied = ("(CASE WHEN p.first_supplied_on IS NULL THEN 0 "
                "ELSE coalesce(p.first_supplied_m2, p.total_m2) END)")
    whole = ("(CASE WHEN p.first_supplied_on IS NOT NULL AND "
             "coalesce(p.first_supplied_m2, p.total_m2) >= p.total_m2 THEN 1 ELSE 0 END)")
    a, c, e, f = "p.approved_on", "p.closed_on", "p.expropriated_on", "p.first_supplied_on"
    fs = _greatest(d, a, f)
    es = _greatest(d, a, e)
    parcels = "parcels p WHERE p.approved_on IS NOT NULL"
    clocks = ("deadlines d JOIN parcels p ON p.id = d.parcel_id "
              "WHERE p.approved_on IS NOT NULL AND d.kind = '{kind}'")
    specs = [  # (from, township, start, end, extra condition, values)
        (parcels, "p.township_id", a, c, "", {"parcels": "1", "approved_m2": "p.total_m2",
                                               "unsupplied_n": "1",
                                               "converted_m2": "p.total_m2 - p.construction_m2"}),
        (parcels, "p.township_id", fs, c, "", {"supplied_m2": supplied,
                                                "unsupplied_n": f"-{whole}"}),
        (parcels, "p.township_id", es, c, "", {"expropriated_unsupplied_m2": "p.total_m2",
                                                "expropriated_unsupplied_n": "1"}),
        (parcels, "p.township_id", _greatest(d, es, f), c, "",
         {"expropriated_unsupplied_m2": f"-{supplied}",
          "expropriated_unsupplied_n": f"-{whole}"}),
        (parcels, "p.township_id", a, _least_end(e, c), " AND p.ownership = 'collective'",
         {"unexpropriated_m2": "p.total_m2", "unexpropriated_n": "1"}),
        (parcels, "p.township_id", fs, _least_end(e, c), " AND p.ownership = 'collective'",
         {"unexpropriated_m2": f"-{supplied}", "unexpropriated_n": f"-{whole}"}),
        (clocks.format(kind="agreed_start"), "coalesce(d.township_id, p.township_id)",
         _greatest(d, "d.opened_on", plus1("d.due_on")), "d.closed_on", "",
         {"supplied_unused_m2": first_area, "supplied_unused_n": "1"}),
        (clocks.format(kind="idle_clock"), "coalesce(d.township_id, p.township_id)",
         _greatest(d, "d.opened_on", "d.due_on"), "d.closed_on", "", {"idle_n": "1"}),
        (clocks.format(kind="idle_clock"), "coalesce(d.township_id, p.township_id)",
         plus1("d.determined_on"), plus1("d.closed_on"), "",
         {"idle_determined_m2": first_area}),
        (clocks.format(kind="idle_clock"), "coalesce(d.township_id, p.township_id)",
         "d.closed_on", "CAST(NULL AS DATE)",
         f" AND d.determined_on IS NOT NULL AND d.determined_on < {jan1_closed}",
         {"idle_closed_m2": first_area}),
    ]
    fields = FLOW_COUNTS[:1] + FLOW_AREAS + FLOW_COUNTS[1:]
    parts = []
    for source, township, start, end, extra, values in specs:
        def row(day: str, sign: str, values: dict[str, str] = values,
                township: str = township) -> str:
            cols = ", ".join(f"{sign}({values[k]}) AS {k}" if k in values else f"0 AS {k}"
                             for k in fields)
            return f"SELECT {township} AS township_id, {year} AS cohort, {day} AS day, {cols}"
        parts.append(f"{row(start, '')} FROM {source}{extra} AND {start} IS NOT NULL "
                     f"AND ({end} IS NULL OR {end} > {start})")
        parts.append(f"{row(end, '-')} FROM {source}{extra} AND {start} IS NOT NULL "
                     f"AND {end} IS NOT NULL AND {end} > {start}")
    sums = ", ".join(f"sum({k})" for k in fields)
    nonzero = " OR ".join(f"sum({k}) <> 0" for k in fields)
    # Each delta on its day (D), in its month (M) and in its year (Y).
    starts = ({"D": "day", "M": "date(day, 'start of month')", "Y": "date(day, 'start of year')"}
              if d == "sqlite" else
              {"D": "day", "M": "CAST(date_trunc('month', day) AS DATE)",
               "Y": "CAST(date_trunc('year', day) AS DATE)"})
    bind.execute(sa.text("DELETE FROM stock_flows"))
    for grain, start in starts.items():
        bind.execute(sa.text(
            f"INSERT INTO stock_flows (township_id, cohort, grain, day, {', '.join(fields)}) "
            f"SELECT township_id, cohort, '{grain}', {start}, {sums} "
            f"FROM ({' UNION ALL '.join(parts)}) AS flows "
            f"GROUP BY township_id, cohort, {start} HAVING {nonzero}"))


def downgrade() -> None:
    with op.batch_alter_table('deadlines', schema=None) as batch_op:
        batch_op.drop_index('ix_deadlines_kind_due_on')
        batch_op.create_index('ix_deadlines_kind_due_on', ['kind', 'due_on'], unique=False)
    with op.batch_alter_table('stock_flows', schema=None) as batch_op:
        batch_op.drop_index('ix_stock_flows_township_grain_day')
        batch_op.drop_index('ix_stock_flows_grain_day')
    op.drop_table('stock_flows')
    with op.batch_alter_table('parcels', schema=None) as batch_op:
        batch_op.drop_index('ix_parcels_partly_supplied')
        batch_op.drop_index('ix_parcels_township_approval_cover')
        batch_op.drop_index('ix_parcels_approval_cover')
        _cover_indexes(batch_op, OLD_COVER)
        batch_op.drop_column('first_supplied_m2')
