"""hot query indexes: pending touches in due order, a thread's newest messages, settled replies

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Partial indexes: the predicates are the literal text of the models' (agent/store/models.py), which
    # the claim and the settled look-up repeat so the planner can prove the index applies.
    op.create_index('ix_touch_pending_due', 'touch', ['due_at', 'id'], unique=False,
                    sqlite_where=sa.text("status = 'pending'"), postgresql_where=sa.text("status = 'pending'"))
    op.create_index('ix_message_thread', 'message', ['conversation_id', 'id'], unique=False)
    op.create_index('ix_message_settled', 'message', ['conversation_id'], unique=False,
                    sqlite_where=sa.text("settled = true"), postgresql_where=sa.text("settled = true"))


def downgrade() -> None:
    op.drop_index('ix_message_settled', table_name='message')
    op.drop_index('ix_message_thread', table_name='message')
    op.drop_index('ix_touch_pending_due', table_name='touch')
