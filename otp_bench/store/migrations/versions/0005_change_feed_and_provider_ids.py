"""change feed table; sites point at their provider by id

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-30
"""
from alembic import op
import sqlalchemy as sa


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('changes',
    sa.Column('id', sa.Integer(), autoincrement=True, nullable=False),
    sa.Column('at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('what', sa.String(length=20), nullable=False),
    sa.Column('action', sa.String(length=20), nullable=False),
    sa.Column('entity_id', sa.String(length=40), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    # a rename of a provider no longer touches its sites: they hold its id
    op.execute(
        "UPDATE sites SET handler = (SELECT providers.id FROM providers "
        "WHERE providers.name = sites.handler) WHERE handler IS NOT NULL"
    )
    with op.batch_alter_table('sites') as batch_op:
        batch_op.alter_column('handler', new_column_name='provider_id',
                              existing_type=sa.String(length=200), type_=sa.String(length=18),
                              existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table('sites') as batch_op:
        batch_op.alter_column('provider_id', new_column_name='handler',
                              existing_type=sa.String(length=18), type_=sa.String(length=200),
                              existing_nullable=True)
    op.execute(
        "UPDATE sites SET handler = (SELECT providers.name FROM providers "
        "WHERE providers.id = sites.handler) WHERE handler IS NOT NULL"
    )
    op.drop_table('changes')
