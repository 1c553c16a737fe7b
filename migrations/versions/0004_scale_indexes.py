"""indexes for the queries that matter at scale

- event (date, id): keyset pagination of /api/events.json and the streamed CSV, in their order.
- event (status, date, id): per-day counts (timeline, panel) read from the index alone.
- controlperiod (layer, place_id, valid_from): one place's history (popups, per-place sources,
  what changed), without reading other places' periods.

Checked with EXPLAIN QUERY PLAN in tests/test_scale.py.

Revision ID: 0004
Revises: 0003
"""
from alembic import op


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index('ix_event_date_id', ['date', 'id'], unique=False)
        batch_op.create_index('ix_event_status_date', ['status', 'date', 'id'], unique=False)
    with op.batch_alter_table('controlperiod', schema=None) as batch_op:
        batch_op.create_index('ix_period_place', ['layer', 'place_id', 'valid_from'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('controlperiod', schema=None) as batch_op:
        batch_op.drop_index('ix_period_place')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_status_date')
        batch_op.drop_index('ix_event_date_id')
