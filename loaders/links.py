"""Interim links: before anything is converted, the portal links to each unit's existing site;
once the unit's content is loaded the link is switched to its subsite; a unit merged away or
archived has its link removed. Each change is audited and recorded as an event."""
from __future__ import annotations

from portalize.core.ledger import agencies as agency_store
from portalize.core.ledger.db import transaction
from portalize.core.ledger.models import AuditLog


def link_title(agency) -> str:
    return f"Trang thông tin điện tử {agency.name}"


def register_link(agency, portal) -> tuple[str, bool]:
    """Put (or refresh) the link to the agency's legacy site; returns (url, created)."""
    with transaction() as session:
        agency_store.register_agency(session, agency)
        ref = portal.register_link(agency.code, link_title(agency), agency.base_urls[0], "links")
        if ref.created:
            session.add(AuditLog(agency=agency.code, action="link", target=ref.url,
                                 detail={"portal": portal.name, "link_id": ref.id}))
            agency_store.record_event(session, agency.code, "linked", url=ref.url)
    return ref.url, ref.created


def switch_link(agency, portal, subsite_url: str) -> tuple[str, str | None]:
    """Point the agency's link at its subsite; returns (new url, old url or None)."""
    old = next((link["url"] for link in portal.links() if link["key"] == agency.code), None)
    with transaction() as session:
        ref = portal.register_link(agency.code, link_title(agency), subsite_url, "links")
        session.add(AuditLog(agency=agency.code, action="link-switch", target=ref.url,
                             detail={"portal": portal.name, "from": old, "to": ref.url}))
        agency_store.record_event(session, agency.code, "link-switched", url=ref.url, previous=old)
    return ref.url, old


def remove_link(agency, portal) -> str | None:
    """Take the agency's link off the portal; returns the url it had (None: there was none)."""
    old = next((link["url"] for link in portal.links() if link["key"] == agency.code), None)
    if old is None:
        return None
    with transaction() as session:
        portal.remove_link(agency.code)
        session.add(AuditLog(agency=agency.code, action="link-remove", target=old, detail={"portal": portal.name}))
        agency_store.record_event(session, agency.code, "link-removed", url=old)
    return old
