"""A standard WARC file of an agency's stored crawl (warcio), so a legacy site can be kept, and
replayed, after it is switched off."""
from __future__ import annotations

import datetime as dt
from http import HTTPStatus
from io import BytesIO
from pathlib import Path

from warcio.statusandheaders import StatusAndHeaders
from warcio.warcwriter import WARCWriter

from ..core import config
from ..core.errors import UsageProblem
from ..core.ledger import agencies as agency_store, pages as page_store
from ..core.ledger.db import transaction
from . import context
from .results import ArchiveResult

DROPPED_HEADERS = {"content-length", "content-encoding", "transfer-encoding"}


def write_warc(agency, output: Path | None = None, progress=None) -> tuple[Path, int]:
    """Write every stored response of the agency as a WARC response record; returns (path, records)."""
    output = output or config.var_dir() / "archive" / f"{agency.code}-{dt.date.today():%Y%m%d}.warc.gz"
    output.parent.mkdir(parents=True, exist_ok=True)
    count = 0
    with transaction() as session, output.open("wb") as stream:
        pages = page_store.agency_pages(session, agency.code, answered_only=True)
        writer = WARCWriter(stream, gzip=True)
        writer.write_record(writer.create_warcinfo_record(output.name, {
            "software": "portalize", "format": "WARC File Format 1.1",
            "description": f"Legacy website of {agency.name} ({agency.code}), crawled for the provincial portal",
            "isPartOf": agency.code}))
        task = progress.add_task(f"archive {agency.code}", total=len(pages)) if progress else None
        for page in pages:
            body = page_store.load_body(session, page.sha256)
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
        agency_store.record_event(session, agency.code, "archived", path=str(output), records=count)
    return output, count


def archive(codes=(), all_: bool = False, output: Path | None = None, progress=None) -> list[ArchiveResult]:
    """A WARC file per agency; an agency with nothing stored yet gets no file."""
    registry = context.load()
    selected = context.select(registry, codes, all_)
    if output and len(selected) != 1:
        raise UsageProblem("--output names one file: give exactly one agency",
                           "run `portalize archive AGENCY --output FILE.warc.gz` once per agency")
    results = []
    for agency in selected:
        with transaction() as session:
            stored = page_store.page_count(session, agency.code)
        if not stored:
            results.append(ArchiveResult(agency=agency.code, path=None, records=0))
            continue
        path, count = write_warc(agency, Path(output) if output else None, progress)
        results.append(ArchiveResult(agency=agency.code, path=str(path), records=count))
    return results
