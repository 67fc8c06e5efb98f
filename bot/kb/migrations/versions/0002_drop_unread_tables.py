"""Drop the tables that were written and never read: the red flags and the clinic profile are read from data/kb/
(bot.triage.lexicon, bot.clinic), so a copy in the database could only disagree with them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-02
"""
from alembic import op
import sqlalchemy as sa


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table('red_flag_sources')
    op.drop_table('red_flags')
    op.drop_table('clinic_profile')


def downgrade() -> None:
    op.create_table('clinic_profile',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('document', sa.JSON(), nullable=False),
    sa.Column('loaded_at', sa.DateTime(), nullable=False),
    sa.PrimaryKeyConstraint('id')
    )
    op.create_table('red_flags',
    sa.Column('code', sa.String(length=60), nullable=False),
    sa.Column('label', sa.String(length=120), nullable=False),
    sa.Column('level', sa.String(length=20), nullable=False),
    sa.Column('phrases', sa.JSON(), nullable=False),
    sa.PrimaryKeyConstraint('code')
    )
    op.create_table('red_flag_sources',
    sa.Column('red_flag_code', sa.String(length=60), nullable=False),
    sa.Column('source_id', sa.String(length=80), nullable=False),
    sa.ForeignKeyConstraint(['red_flag_code'], ['red_flags.code'], ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['source_id'], ['sources.id'], ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('red_flag_code', 'source_id')
    )
