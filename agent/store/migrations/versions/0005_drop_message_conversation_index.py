"""drop ix_message_conversation_id: ix_message_thread (conversation_id, id) leads with the same column

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""
from alembic import op


revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Every query by conversation (and the foreign key's checks) uses the composite's leading column; on
    # SQLite the two were the same index (an index ends with the rowid), here only a cost per insert.
    op.drop_index('ix_message_conversation_id', table_name='message')


def downgrade() -> None:
    op.create_index('ix_message_conversation_id', 'message', ['conversation_id'], unique=False)
