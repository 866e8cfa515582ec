"""typed outbox status and turn disposition: VARCHAR(16) -> VARCHAR(24), as every enum column

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-01

OutboxJob.status (OutboxStatus) and Turn.disposition (Disposition) become enum columns, stored as the same
plain strings (no data changes); only the length follows enum_column's. On PostgreSQL widening a VARCHAR
rewrites nothing.
"""
from alembic import op
import sqlalchemy as sa


revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None

OUTBOX = ('pending', 'sending', 'unknown', 'reconciling', 'done', 'failed', 'canceled')  # OutboxStatus
DISPOSITION = ('send', 'repair', 'hold', 'block', 'silent')  # Disposition


def upgrade() -> None:
    with op.batch_alter_table('outboxjob', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.VARCHAR(length=16), existing_nullable=False,
                              type_=sa.Enum(*OUTBOX, name='outboxstatus', native_enum=False, length=24))
    with op.batch_alter_table('turn', schema=None) as batch_op:
        batch_op.alter_column('disposition', existing_type=sa.VARCHAR(length=16), existing_nullable=False,
                              type_=sa.Enum(*DISPOSITION, name='disposition', native_enum=False, length=24))


def downgrade() -> None:
    with op.batch_alter_table('turn', schema=None) as batch_op:
        batch_op.alter_column('disposition', existing_type=sa.VARCHAR(length=24), existing_nullable=False,
                              type_=sa.VARCHAR(length=16))
    with op.batch_alter_table('outboxjob', schema=None) as batch_op:
        batch_op.alter_column('status', existing_type=sa.VARCHAR(length=24), existing_nullable=False,
                              type_=sa.VARCHAR(length=16))
