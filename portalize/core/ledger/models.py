"""The ledger: the project's own database. Schema changes go through Alembic
(portalize/ledger/migrations); these models are the source the migrations are written from."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, BigInteger, Boolean, Date, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.sql import false


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc)


class Base(DeclarativeBase):
    type_annotation_map = {dict: JSON, list: JSON}


class AgencyRow(Base):
    __tablename__ = "agencies"
    code: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(300))
    level: Mapped[str] = mapped_column(String(20))
    platform: Mapped[str] = mapped_column(String(40))
    disposition: Mapped[str] = mapped_column(String(20), default="migrate")
    successor: Mapped[str | None] = mapped_column(String(300))
    target_date: Mapped[dt.date | None] = mapped_column(Date)
    config: Mapped[dict] = mapped_column(JSON, default=dict)
    registered_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AgencyEvent(Base):
    """Lifecycle evidence: registered, linked, crawled, transformed, planned, loaded."""
    __tablename__ = "agency_events"
    # The province's last event of a kind (the last transform: what re-plans stand on).
    __table_args__ = (Index("ix_agency_events_event", "event", "id"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    event: Mapped[str] = mapped_column(String(30))
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class CrawlRun(Base):
    __tablename__ = "crawl_runs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    started_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(20), default="running")  # running|finished|failed
    stats: Mapped[dict] = mapped_column(JSON, default=dict)


class RawBody(Base):
    """Response bodies, zlib-compressed, stored once per sha256."""
    __tablename__ = "raw_bodies"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Page(Base):
    """The latest response for one canonical URL of an agency's legacy site."""
    __tablename__ = "pages"
    __table_args__ = (UniqueConstraint("agency", "url"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    url: Mapped[str] = mapped_column(Text)
    kind: Mapped[str] = mapped_column(String(20))  # item|list|asset
    status: Mapped[int | None] = mapped_column(Integer)  # HTTP status; None when no response
    error: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(Text)  # whole, however long (migration 0005)
    headers: Mapped[dict] = mapped_column(JSON, default=dict)
    sha256: Mapped[str | None] = mapped_column(ForeignKey("raw_bodies.sha256"))
    size: Mapped[int | None] = mapped_column(BigInteger)
    referer: Mapped[str | None] = mapped_column(Text)
    crawl_run: Mapped[int] = mapped_column(ForeignKey("crawl_runs.id"))
    fetched_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # True when the last fetch was a conditional request answered 304 Not Modified.
    revalidated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())


class StagedArticle(Base):
    """Transform output: a canonical article, or a skipped page with its reason."""
    __tablename__ = "staged_articles"
    # What a plan reads of every row, answered from the index alone (not the rows' bodies).
    __table_args__ = (Index("ix_staged_articles_state", "agency", "uid", "status", "content_hash", "fingerprint"),
                      # The same content staged by another unit (cross-references), found by fingerprint.
                      Index("ix_staged_articles_fingerprint", "fingerprint", "agency", "status"))
    uid: Mapped[str] = mapped_column(String(80), primary_key=True)
    agency: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    page_id: Mapped[int] = mapped_column(ForeignKey("pages.id"))
    status: Mapped[str] = mapped_column(String(10))  # ok|list|excluded|skipped
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict] = mapped_column(JSON, default=dict)
    content_hash: Mapped[str | None] = mapped_column(String(64))
    # Title and body text folded (transform.duplicates.content_fingerprint): the same content
    # staged by two units has the same one.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    # What plans read instead of `data` (transform.outline): title, addresses, files, body links.
    outline: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    # SHA-256 over the whole stored record (data, outline, content hash), set whenever the row is
    # written (staging.record_hash): apply refuses an article changed since, whatever field.
    record_hash: Mapped[str | None] = mapped_column(String(64))
    transformed_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Plan(Base):
    __tablename__ = "plans"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    agency: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    status: Mapped[str] = mapped_column(String(20), default="pending")  # pending|applying|applied|superseded|rolled-back
    fingerprint: Mapped[str] = mapped_column(String(64))
    summary: Mapped[dict] = mapped_column(JSON, default=dict)
    applied_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    lease: Mapped[str | None] = mapped_column(Text)  # PID@HOST@SINCE of the apply running it (core/leases.py)
    # The items found unchanged without reading them, as one list rather than an entry each:
    # {"uids": [...], "digest": sha256 of their "uid|id-map hash" lines}; apply re-checks the digest.
    unchanged: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))


class PlanEntry(Base):
    __tablename__ = "plan_entries"
    __table_args__ = (Index("ix_plan_entries_plan", "plan_id", "position"),
                      # An entry by plan and uid: what an item was last written from (titles, diffs).
                      Index("ix_plan_entries_uid", "plan_id", "uid"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    plan_id: Mapped[int] = mapped_column(ForeignKey("plans.id"))
    position: Mapped[int] = mapped_column(Integer)
    uid: Mapped[str] = mapped_column(String(80))
    action: Mapped[str] = mapped_column(String(20))  # create|update|restore|delete|unchanged|skip|conflict
    title: Mapped[str] = mapped_column(Text, default="")
    reason: Mapped[str | None] = mapped_column(Text)
    diff: Mapped[list] = mapped_column(JSON, default=list)
    expected_hash: Mapped[str | None] = mapped_column(String(64))  # staged content hash planned
    expected_map_hash: Mapped[str | None] = mapped_column(String(80))  # id-map hash when planned
    fields: Mapped[dict | None] = mapped_column(JSON)  # exactly what apply writes (links rewritten)
    # A create planned from its outline: the legacy links' references it was planned with
    # ({"pages": {url: ref or None}, "files": {url: ref}}); apply derives `fields` from the
    # staged article (same content hash) and these, and keeps them in `fields` once written.
    links: Mapped[dict | None] = mapped_column(JSON(none_as_null=True))
    unresolved: Mapped[list | None] = mapped_column(JSON)  # legacy links with no portal address
    applied_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    result: Mapped[dict] = mapped_column(JSON, default=dict)


class IdMap(Base):
    """Legacy uid <-> portal item, like Drupal's migrate map."""
    __tablename__ = "id_map"
    # An agency's loads in brief (how many, by which plan last, when last), from the index alone.
    __table_args__ = (Index("ix_id_map_loads", "agency", "plan_id", "last_loaded_at"),)
    uid: Mapped[str] = mapped_column(String(80), primary_key=True)
    agency: Mapped[str] = mapped_column(ForeignKey("agencies.code"), index=True)
    source_url: Mapped[str] = mapped_column(Text)
    portal_id: Mapped[str] = mapped_column(String(80))
    portal_url: Mapped[str] = mapped_column(Text)
    content_hash: Mapped[str] = mapped_column(String(64))
    portal_hash: Mapped[str] = mapped_column(String(80))  # hash of the planned fields the item was written from
    # The portal's revision marker when we wrote it (modified_gmt, a version): edited there = changed.
    portal_revision: Mapped[str | None] = mapped_column(Text)
    slug: Mapped[str | None] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(20), default="loaded")
    last_loaded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    plan_id: Mapped[int | None] = mapped_column(ForeignKey("plans.id"))


class SettledAgency(Base):
    """An agency found entirely settled: every item loaded from exactly what is staged, with
    its links resolved and the portal's marker where it was; nothing else but skipped pages.
    A re-plan trusts this, instead of checking each item, while what it stood on is the same:
    `ledger` (the province's last transform, the agency's loads, the mappings) and `portal`
    (every revision marker of the subsite). See loaders/plan.py."""
    __tablename__ = "settled_agencies"
    agency: Mapped[str] = mapped_column(ForeignKey("agencies.code"), primary_key=True)
    ledger: Mapped[str] = mapped_column(String(64))
    portal: Mapped[str] = mapped_column(String(64))
    unchanged: Mapped[dict] = mapped_column(JSON)  # a plan's unchanged list: {"uids": [...], "digest": ...}
    skips: Mapped[list] = mapped_column(JSON)  # [uid, legacy URL, reason, content hash] of each skipped page
    recorded_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PortalFile(Base):
    """The asset map: a file (by sha256) on the portal, for each subsite it was put in. Files
    are uploaded before the items that use them, once per subsite, whatever their legacy URLs."""
    __tablename__ = "portal_files"
    sha256: Mapped[str] = mapped_column(String(64), primary_key=True)
    subsite: Mapped[str] = mapped_column(String(300), primary_key=True)
    portal: Mapped[str] = mapped_column(String(40))
    filename: Mapped[str] = mapped_column(Text)
    legacy_url: Mapped[str] = mapped_column(Text)
    portal_url: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class AuditLog(Base):
    """Every write to the portal."""
    __tablename__ = "audit_log"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    agency: Mapped[str | None] = mapped_column(String(64), index=True)
    plan_id: Mapped[int | None] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(30))
    target: Mapped[str] = mapped_column(Text)
    detail: Mapped[dict] = mapped_column(JSON, default=dict)


class PortalRun(Base):
    """Every apply run's identity, recorded before it writes (each item it writes carries it on
    the portal), and the runs of other ledgers taken in by `plan --adopt`: a portal whose
    latest writes carry a run not listed here was written by a ledger this one is not (restored
    from a backup, or another)."""
    __tablename__ = "portal_runs"
    run: Mapped[str] = mapped_column(String(64), primary_key=True)
    agency: Mapped[str] = mapped_column(String(64))
    plan_id: Mapped[int | None] = mapped_column(Integer)
    kind: Mapped[str] = mapped_column(String(20))  # apply|adopted
    at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
