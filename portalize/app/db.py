"""The ledger's schema: brought to the newest migration only when asked (`portalize db upgrade`)."""
from __future__ import annotations

from ..core import config
from ..core.ledger import db


def upgrade() -> dict:
    """Run the Alembic migrations under a lock; returns the ledger URL and its revision before and after."""
    url = config.ledger_url()
    before, after = db.upgrade_locked(url)
    return {"ledger": config.masked(url), "from": before, "to": after}


def status() -> dict:
    url = config.ledger_url()
    return {"ledger": config.masked(url), "revision": db.current_revision(url), "head": db.head_revision()}
