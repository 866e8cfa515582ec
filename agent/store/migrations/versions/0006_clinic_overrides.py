"""clinic overrides: a clinic's own reply/touch wording and touch timing, over the files' defaults

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-01
"""
from alembic import op
import sqlalchemy as sa
import sqlmodel


revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('clinic', schema=None) as batch_op:
        batch_op.add_column(sa.Column('overrides_revision', sa.Integer(), server_default='0', nullable=False))
    op.create_table('clinic_template',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('name', sqlmodel.sql.sqltypes.AutoString(length=80), nullable=False),
    sa.Column('body', sqlmodel.sql.sqltypes.AutoString(length=1600), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('clinic_id', 'name', name='uq_clinic_template_name')
    )
    with op.batch_alter_table('clinic_template', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_clinic_template_clinic_id'), ['clinic_id'], unique=False)
    op.create_table('clinic_timing',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('clinic_id', sa.Integer(), nullable=False),
    sa.Column('fields', sa.JSON(), nullable=False),
    sa.Column('updated_by', sqlmodel.sql.sqltypes.AutoString(length=60), nullable=False),
    sa.Column('updated_at', sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
    sa.ForeignKeyConstraint(['clinic_id'], ['clinic.id'], ),
    sa.PrimaryKeyConstraint('id'),
    sa.UniqueConstraint('clinic_id')
    )


def downgrade() -> None:
    op.drop_table('clinic_timing')
    with op.batch_alter_table('clinic_template', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_clinic_template_clinic_id'))
    op.drop_table('clinic_template')
    with op.batch_alter_table('clinic', schema=None) as batch_op:
        batch_op.drop_column('overrides_revision')
