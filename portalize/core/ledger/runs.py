"""Apply runs: each apply's identity, recorded in the ledger before it writes and kept by the
portal on every item it writes, so a ledger can tell whether it knows the portal's latest
writes. Callers own the transaction."""
from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import PortalRun


def new_run() -> str:
    return uuid.uuid4().hex


def record(session: Session, run: str, agency: str, plan_id: int | None, kind: str = "apply") -> None:
    if session.get(PortalRun, run) is None:
        session.add(PortalRun(run=run, agency=agency, plan_id=plan_id, kind=kind))


def unknown(session: Session, runs) -> list[str]:
    """The runs of this list the ledger has no record of."""
    runs = sorted(set(r for r in runs if r))
    if not runs:
        return []
    known = set(session.scalars(select(PortalRun.run).where(PortalRun.run.in_(runs))))
    return [r for r in runs if r not in known]
