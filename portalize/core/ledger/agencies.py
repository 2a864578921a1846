"""The agencies aggregate: each agency's row and its lifecycle events. Callers own the transaction."""
from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from .models import AgencyEvent, AgencyRow

def record_event(session: Session, agency: str, event: str, **detail) -> None:
    session.add(AgencyEvent(agency=agency, event=event, detail=detail))


def register_agency(session: Session, agency) -> bool:
    """Insert or refresh the agency row from its mapping; True when it was new."""
    row = session.get(AgencyRow, agency.code)
    fields = dict(name=agency.name, level=agency.level, platform=agency.platform.name,
                  disposition=agency.disposition, successor=agency.successor, target_date=agency.target_date,
                  config={"base_urls": list(agency.base_urls), "hosts": list(agency.hosts),
                          "subsite": agency.subsite_name, "path": agency.subsite_path})
    if row is None:
        session.add(AgencyRow(code=agency.code, **fields))
        session.flush()
        record_event(session, agency.code, "registered")
        return True
    if not agency.platform_declared:
        fields.pop("platform")  # keep what detection recorded
    for key, value in fields.items():
        setattr(row, key, value)
    return False


def detected_platforms(session: Session) -> dict[str, str]:
    """code -> platform recorded by detection (for agencies whose file names none)."""
    rows = session.execute(select(AgencyEvent.agency, AgencyEvent.detail).where(AgencyEvent.event == "detected")
                           .order_by(AgencyEvent.id)).all()
    return {agency: detail["platform"] for agency, detail in rows}


def set_platform(session: Session, agency: str, platform: str) -> None:
    session.get(AgencyRow, agency).platform = platform


def known(session: Session, agency: str) -> bool:
    return session.get(AgencyRow, agency) is not None


def has_event(session: Session, agency: str, event: str) -> bool:
    return session.scalar(select(AgencyEvent.id).where(AgencyEvent.agency == agency, AgencyEvent.event == event)
                          .limit(1)) is not None


def last_event(session: Session, agency: str, event: str) -> dict | None:
    """The detail of the agency's latest event of that kind, or None."""
    return session.scalar(select(AgencyEvent.detail).where(AgencyEvent.agency == agency, AgencyEvent.event == event)
                          .order_by(AgencyEvent.id.desc()).limit(1))


def all_events(session: Session) -> dict[str, list[AgencyEvent]]:
    """Every agency's events in order (one query, for reports over a whole province)."""
    out: dict[str, list[AgencyEvent]] = {}
    for event in session.scalars(select(AgencyEvent).order_by(AgencyEvent.id)):
        out.setdefault(event.agency, []).append(event)
    return out


def events_of(session: Session, agency: str) -> list[AgencyEvent]:
    """One agency's events in order."""
    return list(session.scalars(select(AgencyEvent).where(AgencyEvent.agency == agency).order_by(AgencyEvent.id)))
