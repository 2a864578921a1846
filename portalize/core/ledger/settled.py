"""Settled agencies: an agency with nothing to write, recorded with what that stood on, so a
re-plan can trust it instead of checking each item while none of it has moved. Callers own
the transaction; loaders/plan.py decides when an agency is settled.

What the ledger side stands on (`ledger_state`): the province's last transform (staging is
only ever written by a transform, in one transaction ending with its event: any unit's new
articles can change this one's links and cross-references), and the agency's loads in brief
(how many, the last plan that wrote one, the last write; every write of the id map sets the
latter two, a delete changes the count)."""
from __future__ import annotations

import hashlib

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from .models import AgencyEvent, IdMap, SettledAgency, utcnow

# Raised when what a plan decides from changes, so every earlier record stops matching.
RULES = 1


def ledger_state(session: Session, agency: str) -> tuple:
    """(items the agency has loaded, the last plan that wrote one, its last write, the
    province's last transform): what the agency's plan reads of the ledger, in brief, in one
    query answered from indexes."""
    events, loads = AgencyEvent.__table__, IdMap.__table__
    last_transform = select(func.max(events.c.id)).where(events.c.event == "transformed").scalar_subquery()
    return tuple(session.execute(select(func.count(), func.max(loads.c.plan_id), func.max(loads.c.last_loaded_at),
                                        last_transform).where(loads.c.agency == agency)).one())


def stamp(agency: str, state: tuple, mappings: str) -> str:
    """A digest of the ledger state (`ledger_state`) and of what the plan reads of the mappings."""
    return hashlib.sha256("|".join(map(str, (RULES, agency, mappings, *state))).encode()).hexdigest()


def recall(session: Session, agency: str, ledger: str, portal: str):
    """The agency's record (unchanged, skips, recorded_at), if it stood on exactly this ledger
    state and these portal markers."""
    table = SettledAgency.__table__
    return session.execute(select(table.c.unchanged, table.c.skips, table.c.recorded_at).where(
        table.c.agency == agency, table.c.ledger == ledger, table.c.portal == portal)).first()


def record(session: Session, agency: str, ledger: str, portal: str, unchanged: dict, skips: list) -> None:
    row = session.get(SettledAgency, agency)
    if row is None:
        session.add(SettledAgency(agency=agency, ledger=ledger, portal=portal, unchanged=unchanged, skips=skips))
    else:
        row.ledger, row.portal, row.unchanged, row.skips, row.recorded_at = ledger, portal, unchanged, skips, utcnow()


def forget(session: Session, agency: str) -> None:
    session.execute(delete(SettledAgency).where(SettledAgency.agency == agency))
