"""plan entries keep the exact fields apply writes, and the legacy links left unresolved

Revision ID: 0002
Revises: 0001
"""
import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("plan_entries") as batch:
        batch.add_column(sa.Column("fields", sa.JSON(), nullable=True))
        batch.add_column(sa.Column("unresolved", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("plan_entries") as batch:
        batch.drop_column("unresolved")
        batch.drop_column("fields")
