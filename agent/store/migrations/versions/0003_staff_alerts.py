"""staff alerts: urgent handoffs texted to the on-call clinician through the outbox

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('staff_alert',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('handoff_id', sa.Integer(), nullable=False),
    sa.Column('round', sqlmodel.sql.sqltypes.AutoString(length=16), nullable=False),
    sa.Column('to', sqlmodel.sql.sqltypes.AutoString(length=20), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=320), nullable=False),
    sa.Column('twilio_sid', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=True),
    sa.Column('delivery_status', sa.Enum('pending', 'dry_run', 'unknown', 'queued', 'sending', 'sent', 'delivered',
                                         'undelivered', 'failed', 'read', 'accepted', 'scheduled', 'canceled',
                                         'received', name='deliverystatus', native_enum=False, length=24), nullable=True),
    sa.Column('error_code', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ),
    sa.ForeignKeyConstraint(['handoff_id'], ['handoff.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('handoff_id', 'round', 'to', name='uq_staff_alert_round'),
    sa.UniqueConstraint('twilio_sid')
    )
    with op.batch_alter_table('staff_alert', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_staff_alert_clinic_id'), ['clinic_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_staff_alert_handoff_id'), ['handoff_id'], unique=False)

    # A job now carries either a patient's message or a staff alert; alerts have no conversation order.
    with op.batch_alter_table('outboxjob', schema=None) as batch_op:
        batch_op.add_column(sa.Column('staff_alert_id', sa.Integer(), nullable=True))
        batch_op.alter_column('message_id', existing_type=sa.Integer(), nullable=True)
        batch_op.alter_column('conversation_id', existing_type=sa.Integer(), nullable=True)
        batch_op.create_unique_constraint('uq_outboxjob_staff_alert_id', ['staff_alert_id'])
        batch_op.create_foreign_key('fk_outboxjob_staff_alert_id', 'staff_alert', ['staff_alert_id'], ['id'])


def downgrade() -> None:
    op.execute("DELETE FROM outboxjob WHERE staff_alert_id IS NOT NULL")
    with op.batch_alter_table('outboxjob', schema=None) as batch_op:
        batch_op.drop_constraint('fk_outboxjob_staff_alert_id', type_='foreignkey')
        batch_op.drop_constraint('uq_outboxjob_staff_alert_id', type_='unique')
        batch_op.alter_column('conversation_id', existing_type=sa.Integer(), nullable=False)
        batch_op.alter_column('message_id', existing_type=sa.Integer(), nullable=False)
        batch_op.drop_column('staff_alert_id')
    with op.batch_alter_table('staff_alert', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_staff_alert_handoff_id'))
        batch_op.drop_index(batch_op.f('ix_staff_alert_clinic_id'))
    op.drop_table('staff_alert')
