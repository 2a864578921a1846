"""staged record hash: a digest of each staged row as transform wrote it (its data, outline and
content hash), so apply refuses an article whose stored record was changed since, in any field
(body_markdown, the outline), not only the fields its content hash covers

Revision ID: 0012
Revises: 0011
"""
import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    # Rows staged before it keep NULL: apply checks them by deriving again what transform
    # derives (slower), until the agency is transformed again.
    with op.batch_alter_table("staged_articles") as batch:
        batch.add_column(sa.Column("record_hash", sa.String(64), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staged_articles") as batch:
        batch.drop_column("record_hash")
