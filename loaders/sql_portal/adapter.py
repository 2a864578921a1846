"""`sql` adapter: the embedded portal, a content store in its own SQLAlchemy database.

It has every capability: upsert by external key, subsites, media (de-duplicated by sha256),
interim links (a links list) and a revision marker (the hash of the stored fields, an ETag:
any edit made on the portal changes it), kept in the items' `revision` column so planning reads
markers without reading bodies. An edit made in the database by plain SQL that leaves
`revision` as it was gets a new one from a trigger (REVISION_TRIGGER), so no write goes unseen.
Each item keeps the apply run that wrote it (`run`), read back by `recent_runs`."""
from __future__ import annotations

import hashlib
import string

import orjson
from sqlalchemy import bindparam, insert, inspect, select, text, update
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError
from sqlalchemy.orm import Session

from portalize.core.config import masked
from portalize.core.errors import PortalError
from portalize.core.ledger.db import make_engine, nearly_full

from ..base import CategoryCache, ItemWrite, LinkRef, Remote, fields_hash
from .models import Category, Item, Link, Media, PortalBase, Subsite, utcnow

# What a file name keeps unencoded in its URL: ASCII letters, digits and the sub-delimiters a
# path segment may hold, and every non-ASCII letter (Vietnamese names stay readable).
_NAME_SAFE = frozenset(string.ascii_letters + string.digits + "-._~!$&'()*+,;=:@")


def _path_segment(name: str) -> str:
    return "".join(c if c in _NAME_SAFE or (ord(c) > 0x7F and c.isprintable())
                   else "".join(f"%{b:02X}" for b in c.encode()) for c in name)

WRITTEN = "_written"  # kept in an item's fields: the digest it was written from and the fields' hash then
# Any UPDATE of an item's content that leaves its revision and its run as they were (a write
# that is not an apply's: apply sets both) gets a new revision: "edited:" and a random token.
REVISION_TRIGGER = {
    "sqlite": ["""CREATE TRIGGER IF NOT EXISTS items_revision_moves AFTER UPDATE ON items FOR EACH ROW
        WHEN NEW.revision IS OLD.revision AND NEW.run IS OLD.run
             AND (NEW.fields IS NOT OLD.fields OR NEW.slug IS NOT OLD.slug OR NEW.category_id IS NOT OLD.category_id
                  OR NEW.subsite_id IS NOT OLD.subsite_id OR NEW.external_key IS NOT OLD.external_key)
        BEGIN UPDATE items SET revision = 'edited:' || lower(hex(randomblob(12))) WHERE id = NEW.id; END"""],
    # Made once (PostgreSQL 10 and later), in one statement: opening a store never replaces it.
    "postgresql": ["""DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_trigger WHERE tgname = 'items_revision_moves' AND tgrelid = 'items'::regclass) THEN
        CREATE OR REPLACE FUNCTION portalize_items_revision_moves() RETURNS trigger AS $f$
        BEGIN
          IF NEW.revision IS NOT DISTINCT FROM OLD.revision AND NEW.run IS NOT DISTINCT FROM OLD.run
             AND (NEW.fields::text IS DISTINCT FROM OLD.fields::text OR NEW.slug IS DISTINCT FROM OLD.slug
                  OR NEW.category_id IS DISTINCT FROM OLD.category_id OR NEW.subsite_id IS DISTINCT FROM OLD.subsite_id
                  OR NEW.external_key IS DISTINCT FROM OLD.external_key) THEN
            NEW.revision := 'edited:' || substr(md5(random()::text || clock_timestamp()::text), 1, 24);
          END IF;
          RETURN NEW;
        END $f$ LANGUAGE plpgsql;
        CREATE TRIGGER items_revision_moves BEFORE UPDATE ON items FOR EACH ROW
          EXECUTE PROCEDURE portalize_items_revision_moves();
      END IF;
    END $$"""],
}


def _content_hash(fields: dict) -> str:
    """The hash of an item's stored fields (its revision marker): orjson, keys sorted (the
    standard library's encoder took a tenth of a millisecond per article)."""
    return hashlib.sha256(orjson.dumps(fields, option=orjson.OPT_SORT_KEYS)).hexdigest()


def _stamped(fields: dict, digest: str) -> tuple[dict, str]:
    """(what an item stores, its revision marker: the hash of its fields, which any edit of
    them changes); the fields keep the digest they were written from and that hash, so the item
    vouches for the digest while its fields are the ones written."""
    revision = _content_hash(fields)
    return {**fields, WRITTEN: {"digest": digest, "hash": revision, "v": 2}}, revision


class SqlPortal:
    name = "sql"
    capabilities = frozenset({"upsert_by_key", "subsites", "media", "menus", "revision", "batch_writes", "runs"})

    def __init__(self, url: str, base_url: str = "https://portal.example"):
        self.url = url
        self.base_url = base_url.rstrip("/")
        self._categories = CategoryCache()
        self._known_paths: dict[int, str] = {}  # subsite id -> path (a subsite's path never changes)
        try:
            self.engine = make_engine(url)  # SQLite: WAL, synchronous=NORMAL, as the ledger
        except (ArgumentError, NoSuchModuleError) as exc:
            raise PortalError(f"the portal database {masked(url)} is not a database URL portalize can open "
                              f"({masked(str(exc).splitlines()[0])})",
                              "set portal.url in mappings/portal.yml or PORTALIZE_PORTAL_DB to a SQLAlchemy URL, "
                              "e.g. postgresql+psycopg://USER@HOST/DB") from None
        try:
            PortalBase.metadata.create_all(self.engine)
            columns = {c["name"] for c in inspect(self.engine).get_columns("items")}
            for column in ("revision", "run"):  # a store made before revisions (runs) were kept
                if column not in columns:
                    with self.engine.begin() as connection:
                        connection.execute(text(f"ALTER TABLE items ADD COLUMN {column} VARCHAR(64)"))
            for index in Item.__table__.indexes:  # made with the table; added to a store made before
                index.create(self.engine, checkfirst=True)
            with self.engine.begin() as connection:  # made with the store, or added to one made before
                for statement in REVISION_TRIGGER.get(self.engine.dialect.name, ()):
                    connection.execute(text(statement))
        except DBAPIError as exc:  # unreachable, login refused, an option the driver does not know...
            raise _storage_problem(url, exc) from exc

    def _write(self):
        """A session for a write; a full disk or a broken store is named, never a traceback."""
        return _Guarded(self)

    def close(self) -> None:
        """Let go of the database connections (a library caller may open many portals)."""
        self.engine.dispose()

    def _session(self) -> Session:
        return Session(self.engine, expire_on_commit=False)

    def file_url(self, sha256: str, filename: str) -> str:
        """The file's public address; a name's `%`, `?`, `#`, spaces and other URL delimiters are
        percent-encoded (Vietnamese letters stay as they are), so every name gives one exact path."""
        return f"{self.base_url}/documents/{sha256[:16]}/{_path_segment(filename)}"

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
        return self._categories.get(subsite, group, lambda: self._find_or_make_category(subsite, group, name))

    def _find_or_make_category(self, subsite: str, group: str, name: str) -> int:
        with self._session() as s, s.begin():
            row = s.scalar(select(Category).where(Category.subsite_id == int(subsite), Category.group_code == group))
            if row is None:
                row = Category(subsite_id=int(subsite), group_code=group, name=name)
                s.add(row)
                s.flush()
            return row.id

    # -- items -------------------------------------------------------------------------------
    def _remote(self, s, item: Item) -> Remote:
        stored = dict(item.fields)
        written = stored.pop(WRITTEN, None) or {}
        # Items written before hashes were taken with orjson ("v" 2) keep the old hash.
        now = _content_hash(stored) if written.get("v") == 2 else fields_hash(stored)
        vouched = written.get("hash") == now
        return Remote(id=str(item.id), url=self._item_url(s, item.subsite_id, item.slug),
                      revision=item.revision or now, key=item.external_key,
                      digest=written.get("digest") if vouched else None, run=item.run)

    def read_items(self, subsite: str, item_ids) -> dict[str, Remote]:
        """Many items' revision markers by id in one query, without their fields."""
        with self._session() as s:
            out, old = {}, []
            rows = s.execute(select(Item.id, Item.subsite_id, Item.slug, Item.external_key, Item.revision, Item.run)
                             .where(Item.id.in_([int(i) for i in item_ids])))
            for item_id, subsite_id, slug, key, revision, run in rows:
                if revision is None:
                    old.append(item_id)
                    continue
                out[str(item_id)] = Remote(str(item_id), self._item_url(s, subsite_id, slug), revision, key, run=run)
            for item in s.scalars(select(Item).where(Item.id.in_(old))) if old else ():
                out[str(item.id)] = self._remote(s, item)
            return out

    def revisions(self, subsite: str) -> dict[str, str]:
        """Every item's revision marker in the subsite, in one query answered by an index (items
        stored before markers were kept are left out: read_items hashes their fields)."""
        items = Item.__table__
        with self.engine.connect() as connection:
            return {str(item_id): revision for item_id, revision in connection.execute(
                select(items.c.id, items.c.revision).where(items.c.subsite_id == int(subsite),
                                                           items.c.revision.is_not(None))).all()}

    def recent_runs(self, subsite: str) -> list[str]:
        """Every apply run that wrote an item the subsite holds, in one query answered by an index."""
        items = Item.__table__
        with self.engine.connect() as connection:
            return sorted(connection.scalars(select(items.c.run).distinct().where(
                items.c.subsite_id == int(subsite), items.c.run.is_not(None))))

    def find_items(self, subsite: str, wanted: dict[str, str]) -> dict[str, Remote]:
        """Many items by external key in one query (the slugs are not needed here)."""
        with self._session() as s:
            rows = s.scalars(select(Item).where(Item.external_key.in_(list(wanted)))).all()
            return {item.external_key: self._remote(s, item) for item in rows}

    def write_item(self, subsite: str, category: str, key: str, slug: str, fields: dict, digest: str,
                   item_id: str | None = None, run: str | None = None) -> Remote:
        """Create or update the item with this external key: re-running never duplicates."""
        return self.write_items(subsite, [ItemWrite(category, key, slug, fields, digest, item_id, run)])[0]

    def write_items(self, subsite: str, writes: list[ItemWrite]) -> list[Remote]:
        """Many creates and updates in one transaction (all land, or none): the items found by
        key in one query, new ones inserted and the others updated in one statement each."""
        items, now = Item.__table__, utcnow()
        stamped = [_stamped(w.fields, w.digest) for w in writes]
        stored, hashes = [f for f, _ in stamped], [h for _, h in stamped]
        keys = [w.key for w in writes]
        with self._write() as s:  # table statements, not the ORM
            there = _by_key(s, keys)
            new = [dict(external_key=w.key, subsite_id=int(subsite), category_id=int(w.category), slug=w.slug,
                        fields=f, revision=h, run=w.run, created_at=now, updated_at=now)
                   for w, h, f in zip(writes, hashes, stored) if w.key not in there]
            old = [dict(b_id=there[w.key][0], b_category=int(w.category), b_slug=w.slug, b_fields=f, b_revision=h,
                        b_run=w.run)
                   for w, h, f in zip(writes, hashes, stored) if w.key in there]
            if new:
                s.execute(insert(items), new)
                there |= _by_key(s, [n["external_key"] for n in new])
            if old:
                s.execute(update(items).where(items.c.id == bindparam("b_id")).values(
                    category_id=bindparam("b_category"), slug=bindparam("b_slug"),
                    fields=bindparam("b_fields", type_=items.c.fields.type), revision=bindparam("b_revision"),
                    run=bindparam("b_run"), updated_at=now), old)
            return [Remote(str(there[w.key][0]), self._item_url(s, there[w.key][1], w.slug), h, w.key, w.digest, w.run)
                    for w, h in zip(writes, hashes)]

    def _item_url(self, s, subsite_id: int, slug: str) -> str:
        """An item's public address; its subsite's path read once (a subsite's path never changes)."""
        if subsite_id not in self._known_paths:
            self._known_paths[subsite_id] = s.scalar(select(Subsite.path).where(Subsite.id == subsite_id))
        return f"{self.base_url}{self._known_paths[subsite_id]}/-/{slug}"

    def delete_item(self, subsite: str, item_id: str) -> None:
        with self._session() as s, s.begin():
            item = s.get(Item, int(item_id))
            if item is not None:
                s.delete(item)

    def put_file(self, subsite: str, filename: str, media_type: str | None, data: bytes, sha256: str) -> str:
        with self._write() as s:
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


def _by_key(session, keys: list[str]) -> dict[str, tuple[int, int]]:
    """external key -> (item id, subsite id) of the items that have these keys."""
    items = Item.__table__
    return {key: (item_id, subsite_id) for key, item_id, subsite_id in session.execute(
        select(items.c.external_key, items.c.id, items.c.subsite_id).where(items.c.external_key.in_(keys)))}


def _storage_problem(url: str, exc) -> PortalError:
    reason = masked(str(getattr(exc, "orig", None) or exc).strip().splitlines()[0])
    if "disk is full" in reason.lower() or ("disk i/o error" in reason.lower() and nearly_full(url)):
        return PortalError(f"the portal database {masked(url)}: the disk is full ({reason}); the step stopped, "
                           "everything finished before it is kept",
                           "free space on that disk, then run the same command again: it goes on from there")
    return PortalError(f"cannot use the portal database {masked(url)}: {reason}",
                       "check portal.url in mappings/portal.yml or PORTALIZE_PORTAL_DB")


class _Guarded:
    def __init__(self, portal):
        self.portal = portal

    def __enter__(self):
        self.session = self.portal._session()
        self.session.begin()
        return self.session

    def __exit__(self, kind, exc, tb):
        try:
            if kind is None:
                self.session.commit()
            else:
                self.session.rollback()
        except OperationalError as failed:
            raise _storage_problem(self.portal.url, failed) from failed
        finally:
            self.session.close()
        if isinstance(exc, OperationalError):
            raise _storage_problem(self.portal.url, exc) from exc
        return False
