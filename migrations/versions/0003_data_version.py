"""data version: one row whose value changes whenever load, ingest or review changes the data

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    table = op.create_table('dataversion',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sqlmodel.sql.sqltypes.AutoString(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.bulk_insert(table, [{'id': 1, 'version': 'empty'}])


def downgrade() -> None:
    op.drop_table('dataversion')
