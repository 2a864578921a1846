"""The raw store: crawl runs, pages and their bodies (compressed, once per sha256).
Callers own the transaction."""
from __future__ import annotations

import hashlib
import zlib
from collections import Counter

from sqlalchemy import func, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from .. import leases
from ..errors import Busy
from .agencies import record_event
from .models import CrawlRun, Page, RawBody, utcnow

def start_crawl_run(session: Session, agency: str) -> int:
    run = CrawlRun(agency=agency, stats={"lease": leases.mine()})
    session.add(run)
    session.flush()
    return run.id


def refuse_if_crawling(session: Session, agency: str) -> None:
    """Raise Busy, naming the process, if a crawl of this agency still runs in a live process."""
    for run in session.scalars(select(CrawlRun).where(CrawlRun.agency == agency, CrawlRun.status == "running")):
        _refuse_if_held(agency, run)


def _refuse_if_held(agency: str, run: CrawlRun) -> None:
    lease = (run.stats or {}).get("lease")
    if lease and leases.held(lease):
        raise Busy(f"agency {agency} is being crawled by {leases.describe(lease)} (crawl run {run.id})",
                   f"wait for it to finish, or stop it, then run `portalize crawl {agency}` again")


def take_unfinished_runs(session: Session, agency: str) -> list[tuple[int, str]]:
    """The agency's latest crawl runs that a new crawl should build on from the ledger rather
    than from Scrapy's job state, newest first, as (run id, why): runs still marked running
    (their process died without closing them: SIGKILL, power loss; marked `killed` now) and
    runs stopped by the page limit (their in-flight requests were dropped, not queued)."""
    runs = session.scalars(select(CrawlRun).where(CrawlRun.agency == agency).order_by(CrawlRun.id.desc()))
    found = []
    for run in runs:
        if run.status not in ("running", "killed", "limited"):
            break
        if run.status == "running":
            _refuse_if_held(agency, run)  # not dead: another crawl of this agency is running now
            run.status = "killed"
        found.append((run.id, run.status))
    return found


def stored_items(session: Session, agency: str, run_ids) -> list[tuple[str, str | None, str | None]]:
    """(url, body sha256, content type) of the article pages stored by the given crawl runs
    (bodies are loaded one at a time by the caller: a run may hold thousands)."""
    return list(session.execute(select(Page.url, Page.sha256, Page.content_type).where(
        Page.agency == agency, Page.crawl_run.in_(list(run_ids)), Page.kind == "item", Page.status == 200)))


def save_body(session: Session, body: bytes) -> str:
    """Store a body once per sha256 (one INSERT .. ON CONFLICT DO NOTHING, no read of the blob)."""
    digest = hashlib.sha256(body).hexdigest()
    dialect = session.get_bind().dialect.name
    if dialect in ("sqlite", "postgresql"):
        insert = sqlite_insert if dialect == "sqlite" else postgresql_insert
        session.execute(insert(RawBody).values(sha256=digest, size=len(body), data=zlib.compress(body, 6))
                        .on_conflict_do_nothing(index_elements=["sha256"]))
    elif session.scalar(select(RawBody.sha256).where(RawBody.sha256 == digest)) is None:
        session.add(RawBody(sha256=digest, size=len(body), data=zlib.compress(body, 6)))
        session.flush()
    return digest


def load_body(session: Session, sha256: str | None) -> bytes:
    if not sha256:
        return b""
    # The compressed bytes only: no ORM object kept in the session for every body read.
    data = session.scalar(select(RawBody.data).where(RawBody.sha256 == sha256))
    return zlib.decompress(data) if data is not None else b""


def save_page(session: Session, agency: str, run_id: int, item) -> Page:
    with session.no_autoflush:
        page = session.scalar(select(Page).where(Page.agency == agency, Page.url == item.url))
    if page is None:
        page = Page(agency=agency, url=item.url, kind=item.kind, crawl_run=run_id)
        session.add(page)
    if item.status is None and page.sha256:
        # A failed re-fetch never hides a good earlier copy; it is recorded as the error.
        page.error, page.crawl_run = item.error, run_id
        return page
    if item.status == 304 and page.sha256:
        # Not modified since the stored copy: keep it, note when it was confirmed.
        page.crawl_run, page.fetched_at, page.revalidated, page.error = run_id, utcnow(), True, None
        session.flush()
        return page
    page.revalidated = False
    page.kind, page.status, page.error = item.kind, item.status, item.error
    page.content_type, page.headers, page.referer = item.content_type, item.headers, item.referer
    page.sha256 = save_body(session, item.body) if item.status is not None else None
    page.size = len(item.body) if item.status is not None else None
    page.crawl_run, page.fetched_at = run_id, utcnow()
    session.flush()
    return page


def crawl_summary(session: Session, run_id: int) -> dict:
    failed = Page.error.is_not(None)
    rows = session.execute(select(Page.kind, Page.status, Page.revalidated, failed, func.count())
                           .where(Page.crawl_run == run_id)
                           .group_by(Page.kind, Page.status, Page.revalidated, failed)).all()
    by_status, by_kind, unchanged = Counter(), Counter(), 0
    for kind, status, revalidated, error, n in rows:
        # A page whose re-fetch failed keeps its earlier copy and status 200, with the error: it
        # got no answer now (a 200 answer itself never carries an error).
        by_status["no response" if status is None or (status == 200 and error) else str(status)] += n
        by_kind[kind] += n
        unchanged += n if revalidated else 0
    return {"pages": sum(by_kind.values()), "by_status": dict(by_status), "by_kind": dict(by_kind),
            "not_modified": unchanged}


def validators(session: Session, agency: str) -> dict[str, dict]:
    """url -> the ETag / Last-Modified of its stored copy, for conditional re-crawls."""
    out = {}
    for url, headers in session.execute(select(Page.url, Page.headers).where(
            Page.agency == agency, Page.status == 200, Page.sha256.is_not(None))):
        found = {k.lower(): v for k, v in (headers or {}).items() if k.lower() in ("etag", "last-modified")}
        if found:
            out[url] = found
    return out


def digests(session: Session, agency: str) -> dict[str, tuple[str, str]]:
    """url -> (sha256, kind) of its stored copy (every stored page): a re-crawl compares answers
    with them where the server sends no validators."""
    return {url: (sha256, kind) for url, sha256, kind in session.execute(select(Page.url, Page.sha256, Page.kind).where(
        Page.agency == agency, Page.status == 200, Page.sha256.is_not(None)))}


def stored_body(session: Session, agency: str, url: str) -> tuple[bytes, str | None]:
    page = session.scalar(select(Page).where(Page.agency == agency, Page.url == url))
    return (load_body(session, page.sha256), page.content_type) if page else (b"", None)


def finish_crawl_run(session: Session, agency: str, run_id: int, reason: str) -> dict:
    run = session.get(CrawlRun, run_id)
    summary = crawl_summary(session, run_id)
    ok = summary["by_status"].get("200", 0) > 0
    run.finished_at, run.stats = utcnow(), {**summary, "reason": reason}
    if not ok:
        run.status = "failed"
    elif reason == "finished":
        run.status = "finished"
    elif reason.startswith("page limit"):
        run.status = "limited"  # stopped by PORTALIZE_MAX_PAGES / --max-pages: what was fetched is kept
    elif reason == "shutdown":
        run.status = "interrupted"  # Ctrl-C or SIGTERM: the job state is kept and the next crawl resumes
    else:
        run.status = "failed"
    if ok:
        record_event(session, agency, "crawled", run=run_id, pages=summary["pages"])
    return summary


def stored_urls(session: Session, agency: str) -> set[str]:
    """Every URL of the agency the ledger holds, answered or failed (any crawl run)."""
    return set(session.scalars(select(Page.url).where(Page.agency == agency)))


def pages_with_errors(session: Session, run_id: int) -> list[Page]:
    """Pages of a crawl run that ended in an error: no response, or a refused redirect."""
    return list(session.scalars(select(Page).where(Page.crawl_run == run_id, Page.error.is_not(None))))


def crawl_run(session: Session, run_id: int) -> CrawlRun | None:
    return session.get(CrawlRun, run_id)


def finished_runs(session: Session, agency: str) -> int:
    return session.scalar(select(func.count()).select_from(CrawlRun)
                          .where(CrawlRun.agency == agency, CrawlRun.status == "finished")) or 0


def page_count(session: Session, agency: str) -> int:
    return session.scalar(select(func.count()).select_from(Page).where(Page.agency == agency)) or 0


def agency_pages(session: Session, agency: str, answered_only: bool = False) -> list[Page]:
    """Every stored page of the agency, by URL (bodies are not loaded)."""
    query = select(Page).where(Page.agency == agency)
    if answered_only:
        query = query.where(Page.status.is_not(None))
    return list(session.scalars(query.order_by(Page.url)))


def counts_by_agency(session: Session) -> dict[str, dict]:
    """agency -> {pages, finished_runs, limited_runs} in grouped queries (reports over a province)."""
    out: dict[str, dict] = {}
    for agency, n in session.execute(select(Page.agency, func.count()).group_by(Page.agency)):
        out.setdefault(agency, {})["pages"] = n
    for agency, status, n in session.execute(select(CrawlRun.agency, CrawlRun.status, func.count())
                                             .where(CrawlRun.status.in_(("finished", "limited")))
                                             .group_by(CrawlRun.agency, CrawlRun.status)):
        out.setdefault(agency, {})[f"{status}_runs"] = n
    return out
