"""`sql` adapter: the embedded portal, a content store in its own SQLAlchemy database.

It has every capability: upsert by external key, subsites, media (de-duplicated by sha256),
interim links (a links list) and a revision marker (the hash of the stored fields, an ETag:
any edit made on the portal changes it)."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portalize.core.config import masked
from portalize.core.errors import PortalError

from ..base import LinkRef, Remote, fields_hash
from .models import Category, Item, Link, Media, PortalBase, Subsite, utcnow

WRITTEN = "_written"  # kept in an item's fields: the digest it was written from and the fields' hash then


class SqlPortal:
    name = "sql"
    capabilities = frozenset({"upsert_by_key", "subsites", "media", "menus", "revision"})

    def __init__(self, url: str, base_url: str = "https://portal.example"):
        self.url = url
        self.base_url = base_url.rstrip("/")
        self.engine = create_engine(url)
        database = self.engine.url.database
        if self.engine.dialect.name == "sqlite" and database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        try:
            PortalBase.metadata.create_all(self.engine)
        except OperationalError as exc:
            raise PortalError(f"cannot open the portal database {masked(url)}: {exc.orig}",
                              "check portal.url in mappings/portal.yml or PORTALIZE_PORTAL_DB") from exc

    def close(self) -> None:
        """Let go of the database connections (a library caller may open many portals)."""
        self.engine.dispose()

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def file_url(self, sha256: str, filename: str) -> str:
        return f"{self.base_url}/documents/{sha256[:16]}/{filename}"

    # -- subsites and categories -------------------------------------------------------------
    def find_subsite(self, key: str, name: str, path: str) -> str | None:
        with self._session() as s:
            row = s.scalar(select(Subsite.id).where(Subsite.code == key))
            return None if row is None else str(row)

    def ensure_subsite(self, key: str, name: str, path: str) -> str:
        with self._session() as s, s.begin():
            row = s.scalar(select(Subsite).where(Subsite.code == key))
            if row is None:
                row = Subsite(code=key, name=name, path="/" + path.strip("/"))
                s.add(row)
                s.flush()
            return str(row.id)

    def ensure_category(self, subsite: str, group: str, name: str) -> str:
        with self._session() as s, s.begin():
            row = s.scalar(select(Category).where(Category.subsite_id == int(subsite), Category.group_code == group))
            if row is None:
                row = Category(subsite_id=int(subsite), group_code=group, name=name)
                s.add(row)
                s.flush()
            return str(row.id)

    # -- items -------------------------------------------------------------------------------
    def _remote(self, item: Item, paths: dict[int, str]) -> Remote:
        stored = dict(item.fields)
        written = stored.pop(WRITTEN, None) or {}
        revision = fields_hash(stored)
        return Remote(id=str(item.id), url=f"{self.base_url}{paths[item.subsite_id]}/-/{item.slug}",
                      revision=revision, key=item.external_key,
                      digest=written.get("digest") if written.get("hash") == revision else None)

    @staticmethod
    def _paths(s) -> dict[int, str]:
        return dict(s.execute(select(Subsite.id, Subsite.path)).all())

    def read_items(self, subsite: str, item_ids) -> dict[str, Remote]:
        """Many items by id in one query (planning reads every loaded item)."""
        with self._session() as s:
            rows, paths = s.scalars(select(Item).where(Item.id.in_([int(i) for i in item_ids]))).all(), self._paths(s)
            return {str(item.id): self._remote(item, paths) for item in rows}

    def find_items(self, subsite: str, wanted: dict[str, str]) -> dict[str, Remote]:
        """Many items by external key in one query (the slugs are not needed here)."""
        with self._session() as s:
            rows, paths = s.scalars(select(Item).where(Item.external_key.in_(list(wanted)))).all(), self._paths(s)
            return {item.external_key: self._remote(item, paths) for item in rows}

    def write_item(self, subsite: str, category: str, key: str, slug: str, fields: dict, digest: str,
                   item_id: str | None = None) -> Remote:
        """Create or update the item with this external key: re-running never duplicates."""
        stored = {**fields, WRITTEN: {"digest": digest, "hash": fields_hash(fields)}}
        with self._session() as s, s.begin():
            item = s.scalar(select(Item).where(Item.external_key == key))
            if item is None:
                item = Item(external_key=key, subsite_id=int(subsite), category_id=int(category), slug=slug,
                            fields=stored)
                s.add(item)
            else:
                item.category_id, item.slug, item.fields, item.updated_at = int(category), slug, stored, utcnow()
            s.flush()
            return self._remote(item, self._paths(s))

    def delete_item(self, subsite: str, item_id: str) -> None:
        with self._session() as s, s.begin():
            item = s.get(Item, int(item_id))
            if item is not None:
                s.delete(item)

    def put_file(self, subsite: str, filename: str, media_type: str | None, data: bytes, sha256: str) -> str:
        with self._session() as s, s.begin():
            row = s.scalar(select(Media).where(Media.sha256 == sha256, Media.filename == filename))
            if row is None:
                s.add(Media(item_id=None, filename=filename, media_type=media_type, sha256=sha256, size=len(data),
                            data=data))
            return self.file_url(sha256, filename)

    # -- interim links -----------------------------------------------------------------------
    def register_link(self, key: str, title: str, url: str, group: str) -> LinkRef:
        with self._session() as s, s.begin():
            row = s.scalar(select(Link).where(Link.key == key))
            created = row is None
            if created:
                row = Link(key=key, title=title, url=url, group_code=group)
                s.add(row)
            else:
                row.title, row.url, row.group_code = title, url, group
            s.flush()
            return LinkRef(str(row.id), url, created)

    def remove_link(self, key: str) -> bool:
        with self._session() as s, s.begin():
            row = s.scalar(select(Link).where(Link.key == key))
            if row is not None:
                s.delete(row)
            return row is not None

    def links(self) -> list[dict]:
        with self._session() as s:
            return [{"key": r.key, "title": r.title, "url": r.url, "group": r.group_code}
                    for r in s.scalars(select(Link).order_by(Link.id))]
