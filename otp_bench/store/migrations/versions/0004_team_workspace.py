"""team workspace: secrets stored in the workspace (encrypted), usernames unique ignoring case

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-30

Usernames that already differ only by case (``Carol@x.com`` and ``carol@x.com``) can't both stay:
the later ones (by id) get ``+dupN`` before the ``@`` so nothing is lost and the index holds.
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        'workspace_secrets',
        sa.Column('name', sa.String(length=200), nullable=False),
        sa.Column('sealed', sa.LargeBinary(), nullable=False),
        sa.PrimaryKeyConstraint('name'),
    )
    conn = op.get_bind()
    seen: dict[str, int] = {}
    for uid, username in conn.execute(sa.text('SELECT id, username FROM users ORDER BY id')):
        key = username.lower()
        if key in seen:
            seen[key] += 1
            local, _, domain = username.partition('@')
            conn.execute(sa.text('UPDATE users SET username = :u WHERE id = :i'),
                         {'u': f'{local}+dup{seen[key]}@{domain}', 'i': uid})
        else:
            seen[key] = 0
    op.create_index('uq_users_username_ci', 'users', [sa.text('lower(username)')], unique=True)


def downgrade() -> None:
    op.drop_index('uq_users_username_ci', table_name='users')
    op.drop_table('workspace_secrets')
