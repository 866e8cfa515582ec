"""referral loop: referral codes, rewards, the friend page's attempts; a referral's source, flag and friend

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('referral_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('patient_id', sa.Integer(), nullable=False),
    sa.Column('code', sqlmodel.sql.sqltypes.AutoString(length=12), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ),
    sa.ForeignKeyConstraint(['patient_id'], ['patient.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('code'),
    sa.UniqueConstraint('patient_id')
    )
    op.create_index(op.f('ix_referral_code_clinic_id'), 'referral_code', ['clinic_id'], unique=False)
    op.create_table('friend_page_attempt',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('code_id', sa.Integer(), nullable=False),
    sa.Column('ip_digest', sqlmodel.sql.sqltypes.AutoString(length=64), nullable=False),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ),
    sa.ForeignKeyConstraint(['code_id'], ['referral_code.id'], ),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_index(op.f('ix_friend_page_attempt_clinic_id'), 'friend_page_attempt', ['clinic_id'], unique=False)
    op.create_index(op.f('ix_friend_page_attempt_code_id'), 'friend_page_attempt', ['code_id'], unique=False)
    op.create_index(op.f('ix_friend_page_attempt_created_at'), 'friend_page_attempt', ['created_at'], unique=False)
    op.create_index(op.f('ix_friend_page_attempt_ip_digest'), 'friend_page_attempt', ['ip_digest'], unique=False)
    op.create_table('reward',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('referral_id', sa.Integer(), nullable=False),
    sa.Column('referrer_id', sa.Integer(), nullable=False),
    sa.Column('description', sqlmodel.sql.sqltypes.AutoString(length=200), nullable=False),
    sa.Column('credit_cents', sa.Integer(), nullable=True),
    sa.Column('status', sa.Enum('due', 'issued', name='rewardstatus', native_enum=False, length=24), nullable=False),
    sa.Column('due_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.Column('issued_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
    sa.Column('issued_by', sa.Integer(), nullable=True),
    sa.Column('created_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ),
    sa.ForeignKeyConstraint(['referral_id'], ['referral.id'], ),
    sa.ForeignKeyConstraint(['referrer_id'], ['patient.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('referral_id')
    )
    op.create_index(op.f('ix_reward_clinic_id'), 'reward', ['clinic_id'], unique=False)
    op.create_index(op.f('ix_reward_referrer_id'), 'reward', ['referrer_id'], unique=False)
    op.create_index(op.f('ix_reward_status'), 'reward', ['status'], unique=False)
    # Existing referrals were all named in a conversation: the server default fills them, then goes.
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.add_column(sa.Column('source', sa.Enum('conversation', 'friend_page', name='referralsource',
                                                        native_enum=False, length=24),
                                      nullable=False, server_default='conversation'))
        batch_op.add_column(sa.Column('flag', sa.Enum('self_referral', 'already_patient', name='referralflag',
                                                      native_enum=False, length=24), nullable=True))
        batch_op.add_column(sa.Column('friend_patient_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('first_contact_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True))
        batch_op.create_index(batch_op.f('ix_referral_friend_patient_id'), ['friend_patient_id'], unique=False)
        batch_op.create_foreign_key('fk_referral_friend_patient_id_patient', 'patient', ['friend_patient_id'], ['id'])
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.alter_column('source', server_default=None)


def downgrade() -> None:
    with op.batch_alter_table('referral', schema=None) as batch_op:
        batch_op.drop_constraint('fk_referral_friend_patient_id_patient', type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_referral_friend_patient_id'))
        batch_op.drop_column('first_contact_at')
        batch_op.drop_column('friend_patient_id')
        batch_op.drop_column('flag')
        batch_op.drop_column('source')
    op.drop_index(op.f('ix_reward_status'), table_name='reward')
    op.drop_index(op.f('ix_reward_referrer_id'), table_name='reward')
    op.drop_index(op.f('ix_reward_clinic_id'), table_name='reward')
    op.drop_table('reward')
    op.drop_index(op.f('ix_friend_page_attempt_ip_digest'), table_name='friend_page_attempt')
    op.drop_index(op.f('ix_friend_page_attempt_created_at'), table_name='friend_page_attempt')
    op.drop_index(op.f('ix_friend_page_attempt_code_id'), table_name='friend_page_attempt')
    op.drop_index(op.f('ix_friend_page_attempt_clinic_id'), table_name='friend_page_attempt')
    op.drop_table('friend_page_attempt')
    op.drop_index(op.f('ix_referral_code_clinic_id'), table_name='referral_code')
    op.drop_table('referral_code')
