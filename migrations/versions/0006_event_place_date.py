"""index event (place_id, date): each place's claims within a date range

A cold day of /api/control.geojson looks up, for every place not on its baseline, the claims
made about it since its period began up to the day (to show where reports disagree). With
only ix_event_place_id SQLite read every event of the place and filtered the dates; with
(place_id, date) it reads only the range. Checked with EXPLAIN QUERY PLAN in tests/test_scale.py;
measured with bench/cold_day_bench.py.

Revision ID: 0006
Revises: 0005
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index('ix_event_place_date', ['place_id', 'date'], unique=False)


def downgrade() -> None:
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_place_date')
