"""The id map (Drupal's migrate map): legacy uid <-> portal item. Callers own the transaction."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import IdMap


def loaded_count(session: Session, agency: str) -> int:
    return session.scalar(select(func.count()).select_from(IdMap).where(IdMap.agency == agency)) or 0


def loaded_by_agency(session: Session) -> dict[str, int]:
    return dict(session.execute(select(IdMap.agency, func.count()).group_by(IdMap.agency)).all())
