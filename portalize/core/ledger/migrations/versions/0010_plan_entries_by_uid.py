"""plan entries found by plan and uid (the entry an item was last written from: the titles of
a plan's unchanged items, the fields a diff compares with), not by scanning the plan's entries

Revision ID: 0010
Revises: 0009
"""
from alembic import op

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index("ix_plan_entries_uid", "plan_entries", ["plan_id", "uid"])


def downgrade() -> None:
    op.drop_index("ix_plan_entries_uid", table_name="plan_entries")
