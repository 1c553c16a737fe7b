"""cited reports: article.kind and article.summary

A source is either an archived article (kind 'article', with its verbatim text) or a cited
report (kind 'report': outlet, URL, date and our own one-line summary; empty text).

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.add_column(sa.Column('kind', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default='article'))
        batch_op.add_column(sa.Column('summary', sqlmodel.sql.sqltypes.AutoString(), nullable=False,
                                      server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('article', schema=None) as batch_op:
        batch_op.drop_column('summary')
        batch_op.drop_column('kind')
