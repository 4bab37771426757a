"""fewer b-trees written per engine step: two unread indexes dropped; on SQLite, challenges and
flows keyed by their own text id (WITHOUT ROWID) instead of a rowid plus a unique index

Every flow step writes a challenge, a flow and its events; each index on them is one more page
in each commit. Nothing reads ``events`` by time (the log pages by id) nor ``challenges`` by flow
(a flow holds its current identifier). A rowid table with a text primary key is two b-trees,
the rows and the key; WITHOUT ROWID makes it one.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-30
"""
from alembic import op


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def _sqlite() -> bool:
    return op.get_bind().dialect.name == "sqlite"


def upgrade() -> None:
    op.drop_index('ix_events_at', table_name='events')
    op.drop_index('ix_challenges_flow_id', table_name='challenges')
    if _sqlite():
        for table in ('challenges', 'flows'):
            # rebuilt by copy: SQLite can't change a table's storage in place
            with op.batch_alter_table(table, recreate='always',
                                      table_kwargs={'sqlite_with_rowid': False}):
                pass


def downgrade() -> None:
    if _sqlite():
        for table in ('challenges', 'flows'):
            with op.batch_alter_table(table, recreate='always',
                                      table_kwargs={'sqlite_with_rowid': True}):
                pass
    op.create_index('ix_challenges_flow_id', 'challenges', ['flow_id'], unique=False)
    op.create_index('ix_events_at', 'events', ['at'], unique=False)
