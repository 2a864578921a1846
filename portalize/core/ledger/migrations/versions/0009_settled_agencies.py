"""settled agencies: what a re-plan of an agency with nothing to do may trust instead of
checking each item, and the indexes that tell cheaply whether it still holds (the province's
last transform; an agency's loads in brief)

Revision ID: 0009
Revises: 0008
"""
import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "settled_agencies",
        sa.Column("agency", sa.String(64), sa.ForeignKey("agencies.code"), primary_key=True),
        sa.Column("ledger", sa.String(64), nullable=False),
        sa.Column("portal", sa.String(64), nullable=False),
        sa.Column("unchanged", sa.JSON(), nullable=False),
        sa.Column("skips", sa.JSON(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_index("ix_agency_events_event", "agency_events", ["event", "id"])
    op.create_index("ix_id_map_loads", "id_map", ["agency", "plan_id", "last_loaded_at"])


def downgrade() -> None:
    op.drop_index("ix_id_map_loads", table_name="id_map")
    op.drop_index("ix_agency_events_event", table_name="agency_events")
    op.drop_table("settled_agencies")
