"""A standard WARC file of an agency's stored crawl (warcio), so a legacy site can be kept, and
replayed, after it is switched off."""
from __future__ import annotations

import datetime as dt
from http import HTTPStatus
from io import BytesIO
from pathlib import Path

from sqlalchemy import select
from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from . import config
from .ledger import store
from .ledger.db import transaction
from .ledger.models import Page

DROPPED_HEADERS = {"content-length", "content-encoding", "transfer-encoding"}


def write_warc(agency, output: Path | None = None, progress=None) -> tuple[Path, int]:
    """Write every stored response of the agency as a WARC response record; returns (path, records)."""
    output = output or config.var_dir() / "archive" / f"{agency.code}-{dt.date.today():%Y%m%d}.warc.gz"
    output.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with transaction() as session, output.open("wb") as stream:
        pages = session.scalars(select(Page).where(Page.agency == agency.code, Page.status.is_not(None))
                                .order_by(Page.url)).all()
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record(output.name, {
            "software": "portalize", "format": "WARC File Format 1.1",
            "description": f"Legacy website of {agency.name} ({agency.code}), crawled for the provincial portal",
            "isPartOf": agency.code}))
        task = progress.add_task(f"archive {agency.code}", total=len(pages)) if progress else None
        for page in pages:
            body = store.load_body(session, page.sha256)
            headers = [(k, v) for k, v in (page.headers or {}).items() if k.lower() not in DROPPED_HEADERS]
            headers.append(("Content-Length", str(len(body))))
            try:
                reason = HTTPStatus(page.status).phrase
            except ValueError:
                reason = "Unknown"
            http = StatusAndHeaders(f"{page.status} {reason}", headers, protocol="HTTP/1.1")
            record = writer.create_warc_record(page.url, "response", payload=BytesIO(body), length=len(body), http_headers=http,
                                               warc_headers_dict={"WARC-Date": page.fetched_at.strftime("%Y-%m-%dT%H:%M:%SZ")})
            writer.write_record(record)
            count += 1
            if progress:
                progress.advance(task)
        store.record_event(session, agency.code, "archived", path=str(output), records=count)
    return output, count
