"""`sql` adapter: the embedded portal, a content store in its own SQLAlchemy database."""
from __future__ import annotations

from pathlib import Path

from sqlalchemy import create_engine, select
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from portalize.core.config import masked
from portalize.core.errors import PortalError
from portalize.transform.taxonomy import fold

from ..base import ItemRef, LinkRef
from .models import Category, Item, Link, Media, PortalBase, Subsite, utcnow


def slugify(text: str) -> str:
    return "-".join(fold(text).split())[:120] or "bai-viet"


class SqlPortal:
    name = "sql"

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

    def _item_url(self, session, item: Item) -> str:
        subsite = session.get(Subsite, item.subsite_id)
        return f"{self.base_url}{subsite.path}/-/{item.slug}"

    def item_url(self, subsite_path: str, key: str, title: str) -> str:
        """The address an item will have, known before it is created (links are rewritten to
        it when the plan is built). The slug is fixed at creation: later title edits keep it."""
        return f"{self.base_url}/{subsite_path.strip('/')}/-/{self._slug(key, title)}"

    @staticmethod
    def _slug(key: str, title: str) -> str:
        return f"{slugify(title)[:90]}-{key.rsplit('-', 1)[-1]}"

    def asset_url(self, sha256: str, filename: str) -> str:
        """The address of an uploaded file, from its content: known before upload."""
        return f"{self.base_url}/documents/{sha256[:16]}/{filename}"

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

    def _as_dict(self, s, item: Item | None, paths: dict | None = None) -> dict | None:
        if item is None:
            return None
        url = f"{self.base_url}{paths[item.subsite_id]}/-/{item.slug}" if paths else self._item_url(s, item)
        return {"id": str(item.id), "key": item.external_key, "url": url, "fields": dict(item.fields)}

    def find_item(self, key: str) -> dict | None:
        with self._session() as s:
            return self._as_dict(s, s.scalar(select(Item).where(Item.external_key == key)))

    def read_items(self, item_ids) -> dict[str, dict]:
        """Many items by id in one query (planning reads every loaded item)."""
        with self._session() as s:
            rows, paths = s.scalars(select(Item).where(Item.id.in_([int(i) for i in item_ids]))).all(), self._paths(s)
            return {str(item.id): self._as_dict(s, item, paths) for item in rows}

    def find_items(self, keys) -> dict[str, dict]:
        """Many items by external key in one query."""
        with self._session() as s:
            rows, paths = s.scalars(select(Item).where(Item.external_key.in_(list(keys)))).all(), self._paths(s)
            return {item.external_key: self._as_dict(s, item, paths) for item in rows}

    @staticmethod
    def _paths(s) -> dict[int, str]:
        return dict(s.execute(select(Subsite.id, Subsite.path)).all())

    def read_item(self, item_id: str) -> dict | None:
        with self._session() as s:
            return self._as_dict(s, s.get(Item, int(item_id)))

    def upsert_item(self, subsite: str, category: str, key: str, fields: dict) -> ItemRef:
        """Create or update the item with this external key: re-running never duplicates."""
        with self._session() as s, s.begin():
            item = s.scalar(select(Item).where(Item.external_key == key))
            if item is None:
                item = Item(external_key=key, subsite_id=int(subsite), category_id=int(category),
                            slug=self._slug(key, fields["title"]), fields=fields)
                s.add(item)
            else:
                item.category_id, item.fields, item.updated_at = int(category), fields, utcnow()
            s.flush()
            return ItemRef(str(item.id), self._item_url(s, item))

    def delete_item(self, item_id: str) -> None:
        with self._session() as s, s.begin():
            item = s.get(Item, int(item_id))
            if item is not None:
                s.delete(item)

    def upload_asset(self, item_id: str, filename: str, media_type: str | None, data: bytes, sha256: str) -> str:
        with self._session() as s, s.begin():
            row = s.scalar(select(Media).where(Media.sha256 == sha256, Media.filename == filename))
            if row is None:
                row = Media(item_id=int(item_id), filename=filename, media_type=media_type, sha256=sha256,
                            size=len(data), data=data)
                s.add(row)
                s.flush()
            return self.asset_url(sha256, filename)

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

    def links(self) -> list[dict]:
        with self._session() as s:
            return [{"key": r.key, "title": r.title, "url": r.url, "group": r.group_code}
                    for r in s.scalars(select(Link).order_by(Link.id))]
