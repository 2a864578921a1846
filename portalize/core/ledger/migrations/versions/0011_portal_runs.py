"""portal runs: the identity of every apply run (kept on the portal's items too) and the runs
adopted from another ledger, so a restored or foreign ledger is noticed before it writes

Revision ID: 0011
Revises: 0010
"""
import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "portal_runs",
        sa.Column("run", sa.String(64), primary_key=True),
        sa.Column("agency", sa.String(64), nullable=False),
        sa.Column("plan_id", sa.Integer(), nullable=True),
        sa.Column("kind", sa.String(20), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("portal_runs")
