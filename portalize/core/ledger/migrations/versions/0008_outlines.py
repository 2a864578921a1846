"""plans without bodies: each staged article's outline (title, addresses, files, the links its
body points at) beside it, and each plan entry's link resolutions, from which apply derives the
fields of a create instead of the plan storing them; the items a plan finds unchanged kept as
one list on the plan; an index that answers what a re-plan asks of staged articles

Revision ID: 0008
Revises: 0007
"""
import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


# SQLite keeps a row's columns in one record: a column after a large one (an article's
# `data`, an entry's `fields`) is reached through that value's overflow pages. The small
# columns plans read go first; the tables are rebuilt in that order. (PostgreSQL moves large
# values out of line itself.)
STAGED_ORDER = ("uid", "agency", "page_id", "status", "reason", "content_hash", "fingerprint", "outline",
                "transformed_at", "data")
ENTRY_ORDER = ("id", "plan_id", "position", "uid", "action", "title", "reason", "expected_hash", "expected_map_hash",
               "links", "unresolved", "applied_at", "result", "diff", "fields")


def _batch(table: str, order: tuple):
    if op.get_bind().dialect.name == "sqlite":
        return op.batch_alter_table(table, recreate="always", partial_reordering=[order])
    return op.batch_alter_table(table)


def upgrade() -> None:
    with _batch("staged_articles", STAGED_ORDER) as batch:
        batch.add_column(sa.Column("outline", sa.JSON(), nullable=True))
    with _batch("plan_entries", ENTRY_ORDER) as batch:
        batch.add_column(sa.Column("links", sa.JSON(), nullable=True))
    with op.batch_alter_table("plans") as batch:
        batch.add_column(sa.Column("unchanged", sa.JSON(), nullable=True))
    op.create_index("ix_staged_articles_state", "staged_articles",
                    ["agency", "uid", "status", "content_hash", "fingerprint"])
    op.create_index("ix_staged_articles_fingerprint", "staged_articles", ["fingerprint", "agency", "status"])


def downgrade() -> None:
    op.drop_index("ix_staged_articles_fingerprint", table_name="staged_articles")
    op.drop_index("ix_staged_articles_state", table_name="staged_articles")
    with op.batch_alter_table("plans") as batch:
        batch.drop_column("unchanged")
    with op.batch_alter_table("plan_entries") as batch:
        batch.drop_column("links")
    with op.batch_alter_table("staged_articles") as batch:
        batch.drop_column("outline")
