"""The plans aggregate: saved plans and their entries. Callers own the transaction."""
from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .models import Plan


def get(session: Session, plan_id: int) -> Plan | None:
    return session.get(Plan, plan_id)


def applied_count(session: Session, agency: str) -> int:
    return session.scalar(select(func.count()).select_from(Plan)
                          .where(Plan.agency == agency, Plan.status == "applied")) or 0
