"""The embedded portal's content store: subsites, categories, items, media, links."""
from __future__ import annotations

import datetime as dt

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, LargeBinary, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from portalize.core.ledger.models import utcnow


class PortalBase(DeclarativeBase):
    """The portal's own metadata, apart from the ledger's: it lives in another database."""
    type_annotation_map = {dict: JSON, list: JSON}


class Subsite(PortalBase):
    __tablename__ = "subsites"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code: Mapped[str] = mapped_column(String(300), unique=True)  # the target path or host
    name: Mapped[str] = mapped_column(String(300))
    path: Mapped[str] = mapped_column(String(300))


class Category(PortalBase):
    __tablename__ = "categories"
    __table_args__ = (UniqueConstraint("subsite_id", "group_code"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    subsite_id: Mapped[int] = mapped_column(ForeignKey("subsites.id"))
    group_code: Mapped[str] = mapped_column(String(40))
    name: Mapped[str] = mapped_column(String(300))


class Item(PortalBase):
    __tablename__ = "items"
    # Every item's revision marker in a subsite, read from the index alone (a re-plan).
    __table_args__ = (Index("ix_items_revisions", "subsite_id", "id", "revision"),
                      # The apply runs that wrote a subsite's items, from the index alone.
                      Index("ix_items_runs", "subsite_id", "run"))
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    external_key: Mapped[str] = mapped_column(String(80), unique=True)  # the migration uid
    subsite_id: Mapped[int] = mapped_column(ForeignKey("subsites.id"))
    category_id: Mapped[int] = mapped_column(ForeignKey("categories.id"))
    slug: Mapped[str] = mapped_column(String(300))
    fields: Mapped[dict] = mapped_column(JSON)
    # The revision marker: set by every write (a hash of what was stored); an edit made on the
    # portal sets it too, and an UPDATE that leaves it as it was gets a new one from the
    # database's trigger (adapter.REVISION_TRIGGER). NULL in stores made before it existed
    # (then the fields' hash counts).
    revision: Mapped[str | None] = mapped_column(String(64))
    # The apply run that last wrote the item (NULL: written before runs were kept, or not by apply).
    run: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class Media(PortalBase):
    __tablename__ = "media"
    __table_args__ = (UniqueConstraint("sha256", "filename"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    item_id: Mapped[int | None] = mapped_column(ForeignKey("items.id"))
    filename: Mapped[str] = mapped_column(String(300))
    media_type: Mapped[str | None] = mapped_column(String(100))
    sha256: Mapped[str] = mapped_column(String(64))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)


class Link(PortalBase):
    __tablename__ = "links"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key: Mapped[str] = mapped_column(String(80), unique=True)  # agency code
    title: Mapped[str] = mapped_column(String(300))
    url: Mapped[str] = mapped_column(Text)
    group_code: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
