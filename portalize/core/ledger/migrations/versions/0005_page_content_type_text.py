"""a page's Content-Type is kept whole, however long (it was varchar(200): PostgreSQL refused
a longer one and the page was lost while the crawl said finished)

Revision ID: 0005
Revises: 0004
"""
import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.alter_column("content_type", type_=sa.Text(), existing_type=sa.String(200), existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("pages") as batch:
        batch.alter_column("content_type", type_=sa.String(200), existing_type=sa.Text(), existing_nullable=True)
