"""pre-serialized parts of the day GeoJSON: placepart, periodpart, periodstep

The first request of a day of /api/control.geojson assembles its features from these (one
indexed query, app/dayparts.py) instead of building 5,000 features with their sources and
disagreements. They are derived rows: `tidemark load`, `ingest` and `review` rebuild them with
the control periods, in the same transaction. A database upgraded from 0006 has them empty until
its next load; until then the day is built the old way.

Revision ID: 0007
Revises: 0006
"""
from alembic import op
import sqlalchemy as sa


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'placepart',
        sa.Column('place_id', sa.String(), nullable=False),
        sa.Column('head', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('place_id'),
    )
    op.create_table(
        'periodpart',
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('middle', sa.LargeBinary(), nullable=False),
        sa.Column('sources', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('period_id'),
    )
    op.create_table(
        'periodstep',
        sa.Column('period_id', sa.Integer(), nullable=False),
        sa.Column('day', sa.Date(), nullable=False),
        sa.Column('next_day', sa.Date(), nullable=True),
        sa.Column('last_report', sa.Date(), nullable=False),
        sa.Column('legend_key', sa.String(), nullable=False),
        sa.Column('front', sa.LargeBinary(), nullable=False),
        sa.Column('agreement', sa.LargeBinary(), nullable=False),
        sa.Column('back', sa.LargeBinary(), nullable=False),
        sa.Column('sources_end', sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint('period_id', 'day'),
    )


def downgrade() -> None:
    op.drop_table('periodstep')
    op.drop_table('periodpart')
    op.drop_table('placepart')
