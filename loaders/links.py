"""Interim links: before anything is converted, the portal links to each unit's existing site."""
from __future__ import annotations

from portalize.core.ledger import agencies as agency_store
from portalize.core.ledger.db import transaction
from portalize.core.ledger.models import AuditLog


def link_title(agency) -> str:
    return f"Trang thông tin điện tử {agency.name}"


def register_links(agencies, portal) -> list[tuple[str, str, bool]]:
    """Put (or refresh) one link per agency on the portal; returns (code, url, created)."""
    done = []
    for agency in agencies:
        with transaction() as session:
            agency_store.register_agency(session, agency)
            ref = portal.register_link(agency.code, link_title(agency), agency.base_urls[0], "links")
            if ref.created:
                session.add(AuditLog(agency=agency.code, action="link", target=ref.url,
                                     detail={"portal": portal.name, "link_id": ref.id}))
                agency_store.record_event(session, agency.code, "linked", url=ref.url)
        done.append((agency.code, ref.url, ref.created))
    return done
