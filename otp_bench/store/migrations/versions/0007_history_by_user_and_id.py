"""verification history indexed by (user_id, id): a verify's look back to the account's last
success walks one user's newest rows, not all of them

The lock-out check reads ``max(id) … WHERE user_id = ? AND status = 'Succeeded'`` and then the
rows after it. An index on ``user_id`` alone finds the user's rows but not in id order, so
PostgreSQL read every one of them on every verify, a cost growing with the account's history;
``(user_id, id)`` is scanned backwards from the newest row and stops at the last success. On
SQLite an index already ends in the rowid (the same order): the change costs nothing there.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-30
"""
from alembic import op


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index('ix_verification_history_user_id_id', 'verification_history',
                    ['user_id', 'id'], unique=False)
    op.drop_index('ix_verification_history_user_id', table_name='verification_history')


def downgrade() -> None:
    op.create_index('ix_verification_history_user_id', 'verification_history', ['user_id'],
                    unique=False)
    op.drop_index('ix_verification_history_user_id_id', table_name='verification_history')
