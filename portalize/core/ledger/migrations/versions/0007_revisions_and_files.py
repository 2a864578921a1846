"""real portals: the portal's revision marker and the slug on the id map; the asset map
(portal_files); planned-fields hashes may carry a prefix (unresolved references)

Revision ID: 0007
Revises: 0006
"""
import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("id_map") as batch:
        batch.add_column(sa.Column("portal_revision", sa.Text(), nullable=True))
        batch.add_column(sa.Column("slug", sa.Text(), nullable=True))
        batch.alter_column("portal_hash", type_=sa.String(80), existing_type=sa.String(64))
    with op.batch_alter_table("plan_entries") as batch:
        batch.alter_column("expected_map_hash", type_=sa.String(80), existing_type=sa.String(64))
    op.create_table(
        "portal_files",
        sa.Column("sha256", sa.String(64), primary_key=True),
        sa.Column("subsite", sa.String(300), primary_key=True),
        sa.Column("portal", sa.String(40), nullable=False),
        sa.Column("filename", sa.Text(), nullable=False),
        sa.Column("legacy_url", sa.Text(), nullable=False),
        sa.Column("portal_url", sa.Text(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("portal_files")
    with op.batch_alter_table("id_map") as batch:
        batch.drop_column("slug")
        batch.drop_column("portal_revision")
