"""The staging aggregate: what transform made of each stored page, one row per uid: `ok` (an
item), `list` (a list page), `excluded` (not content, with its reason) or `skipped` (looked like
an item but could not be read, with its reason; shown in plans).
Every row is sealed with its record hash when it is written (`record_hash`): apply refuses an
article whose stored record was changed since by other means (SQL).
Callers own the transaction."""
from __future__ import annotations

import hashlib
import json
from collections import Counter

import orjson
from sqlalchemy import delete, event, func, select
from sqlalchemy.orm import Session

from .models import StagedArticle


def record_hash(data: dict | None, outline: dict | None, content_hash: str | None) -> str:
    """SHA-256 over a staged row's whole record: every field of its data (body_markdown, lang,
    warnings... not only those its content hash covers), its outline (what plans read instead of
    the data) and its content hash. A few hundredths of a millisecond per article (orjson)."""
    record = {"data": data, "outline": outline, "content_hash": content_hash}
    try:
        payload = orjson.dumps(record, option=orjson.OPT_SORT_KEYS)
    except TypeError:  # orjson.JSONEncodeError: an integer beyond 64 bits, a key that is not a string
        payload = json.dumps(record, sort_keys=True, ensure_ascii=False).encode()
    return hashlib.sha256(payload).hexdigest()


def is_intact(row) -> bool:
    """Whether a staged row (with data, outline, content_hash, record_hash) is as last written."""
    return row.record_hash == record_hash(row.data, row.outline, row.content_hash)


@event.listens_for(StagedArticle, "before_insert")
@event.listens_for(StagedArticle, "before_update")
def _seal(_mapper, _connection, row: StagedArticle) -> None:
    """Whoever writes a staged row through the ledger (transform, the merge of duplicates), its
    record hash is set from what is written."""
    row.record_hash = record_hash(row.data, row.outline, row.content_hash)


def clear(session: Session, agency: str) -> None:
    session.execute(delete(StagedArticle).where(StagedArticle.agency == agency))


def add_skipped(session: Session, agency: str, page_id: int, uid: str, source_url: str, reason: str,
                status: str = "skipped") -> None:
    """A page that is no item: `skipped`, `excluded` or `list`, with its reason."""
    session.add(StagedArticle(uid=uid, agency=agency, page_id=page_id, status=status, reason=reason,
                              data={"source_url": source_url}, outline={"source_url": source_url}))


def add_article(session: Session, agency: str, page_id: int, article: dict, content_hash: str,
                fingerprint: str, outline: dict | None = None) -> None:
    """An item; `outline` (transform.outline.article_outline) lets plans leave its body unread."""
    session.add(StagedArticle(uid=article["uid"], agency=agency, page_id=page_id, status="ok", data=article,
                              content_hash=content_hash, fingerprint=fingerprint, outline=outline))


def get(session: Session, uid: str) -> StagedArticle | None:
    return session.get(StagedArticle, uid)


def counts(session: Session, agency: str) -> dict[str, int]:
    """status -> number of staged rows (ok, list, excluded, skipped)."""
    return dict(session.execute(select(StagedArticle.status, func.count()).where(StagedArticle.agency == agency)
                                .group_by(StagedArticle.status)).all())


def category_counts(session: Session, agency: str) -> Counter:
    """(legacy category, content group) -> number of ok articles; reads only those two fields."""
    rows = session.scalars(select(StagedArticle.data).where(StagedArticle.agency == agency,
                                                            StagedArticle.status == "ok")
                           .execution_options(yield_per=200))
    return Counter((data.get("legacy_category") or "", data.get("group")) for data in rows)


def staged_items(session: Session, agency: str):
    """The data of every ok row (items), for reports over fields: streamed 200 rows at a time
    (an ORM result is buffered whole by default: 250 MB of bodies at 4,000 articles)."""
    return session.scalars(select(StagedArticle.data).where(StagedArticle.agency == agency,
                                                            StagedArticle.status == "ok")
                           .execution_options(yield_per=200))


def counts_by_agency(session: Session) -> dict[str, dict[str, int]]:
    """agency -> status -> staged rows, in one grouped query."""
    out: dict[str, dict[str, int]] = {}
    for agency, status, n in session.execute(select(StagedArticle.agency, StagedArticle.status, func.count())
                                             .group_by(StagedArticle.agency, StagedArticle.status)):
        out.setdefault(agency, {})[status] = n
    return out
