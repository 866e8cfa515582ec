"""lease indexes: the inbound and outbox jobs held right now, for the lease-expiry check of every step

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa


revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None

# The literal predicates of agent/store/channel_models.py LEASED_INBOUND and models.py LEASED_OUTBOX,
# which the expiry queries repeat so the planner can prove the partial index applies.
LEASED_INBOUND = "status = 'processing'"
LEASED_OUTBOX = "status IN ('sending', 'reconciling')"


def upgrade() -> None:
    op.create_index('ix_inbound_job_leased', 'inbound_job', ['locked_at'], unique=False,
                    sqlite_where=sa.text(LEASED_INBOUND), postgresql_where=sa.text(LEASED_INBOUND))
    op.create_index('ix_outboxjob_leased', 'outboxjob', ['locked_at'], unique=False,
                    sqlite_where=sa.text(LEASED_OUTBOX), postgresql_where=sa.text(LEASED_OUTBOX))


def downgrade() -> None:
    op.drop_index('ix_outboxjob_leased', table_name='outboxjob')
    op.drop_index('ix_inbound_job_leased', table_name='inbound_job')
