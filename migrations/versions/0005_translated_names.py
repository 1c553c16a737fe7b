"""names of the sides and texts of the conflict in other languages

- side.names, side.short_names: {lang: name} from sides.csv's optional `names` and `short_names`
  columns (`ar:…|fr:…`, as places.csv's `names`).
- conflict.translations: {lang: {title, long_title, description}} from conflict.yaml's optional
  `translations` mapping.

Existing rows get {} (no translation: the English text shows) until the next `tidemark load`.

Revision ID: 0005
Revises: 0004
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('side', schema=None) as batch_op:
        batch_op.add_column(sa.Column('names', sa.JSON(), nullable=False, server_default='{}'))
        batch_op.add_column(sa.Column('short_names', sa.JSON(), nullable=False, server_default='{}'))
    with op.batch_alter_table('conflict', schema=None) as batch_op:
        batch_op.add_column(sa.Column('translations', sa.JSON(), nullable=False, server_default='{}'))


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite >= 3.35, PostgreSQL): a batch copy of `side` would have
    # to drop a table other tables point at.
    op.drop_column('conflict', 'translations')
    op.drop_column('side', 'short_names')
    op.drop_column('side', 'names')
