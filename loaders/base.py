"""The portal contract every adapter implements, the item fields it receives, and the
references plans hold in place of portal addresses that are only known after apply."""
from __future__ import annotations

import hashlib
import json
import re
import threading
from dataclasses import dataclass
from typing import Protocol

from portalize.transform.embedded import KEY_PREFIX
from portalize.transform.safe_urls import safe_url

# The fields of a canonical article that a portal item carries (and that plans diff).
ITEM_FIELDS = ("title", "summary", "body_html", "body_markdown", "published_at", "kind", "group",
               "author", "source_name", "source_url", "attachments", "images", "document")

# What an adapter may declare it can do (`capabilities`); apply and plan adapt to it.
CAPABILITIES = (
    "upsert_by_key",  # the portal finds an item by our external key: no intent record needed
    "subsites",       # one subsite per unit (else everything lands in one site)
    "media",          # files go to the portal's own media store
    "menus",          # interim links are kept by the portal (a menu or a links page)
    "redirects",      # the portal can hold redirects itself
    "revision",       # each item carries a revision marker (edited on the portal = marker changed)
    "batch_writes",   # `write_items`: many items in one request or transaction
    "runs",           # each write keeps the apply run's identity (`run`); `recent_runs` reads it back
)

# "Known after apply": a plan's bodies link to {{item:UID}} and {{asset:SHA256}}; apply puts
# in the portal's addresses once the targets exist.
ITEM_REF = "{{item:%s}}"
ASSET_REF = "{{asset:%s}}"
REFERENCE = re.compile(r"\{\{(item|asset):([A-Za-z0-9_.:-]+)\}\}")


def item_fields(article: dict) -> dict:
    fields = {k: article.get(k) for k in ITEM_FIELDS}
    # A file whose address is not http(s) (javascript:, file:) is never sent: only safe_url's
    # schemes reach a portal, whatever the staged data holds.
    fields["attachments"] = [{"filename": a["filename"], "url": a["url"], "sha256": a.get("sha256")}
                             for a in article.get("attachments") or [] if _is_file_url(a["url"])]
    fields["images"] = [{"filename": a["filename"], "url": a["url"], "sha256": a.get("sha256")}
                        for a in article.get("images") or [] if _is_file_url(a["url"])]
    return fields


def _is_file_url(url: str) -> bool:
    """A file's address a portal may hold (a pasted image's key stands for its bytes)."""
    return url.startswith(KEY_PREFIX) or safe_url(url) is not None


def fields_hash(fields: dict) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class Remote:
    """An item as the portal holds it. `revision` is the portal's own marker (WordPress's
    modified_gmt, a version, an ETag); `digest` is the hash of the planned fields the item was
    written from, when the portal can still vouch for it (None once it was edited there)."""
    id: str
    url: str
    revision: str
    key: str | None = None
    digest: str | None = None
    run: str | None = None  # the apply run that last wrote it, where the portal keeps it ("runs")


ItemRef = Remote  # what a write returns


@dataclass(frozen=True)
class ItemWrite:
    """One item of a `write_items` batch: `write_item`'s arguments."""
    category: str
    key: str
    slug: str
    fields: dict
    digest: str
    item_id: str | None = None
    run: str | None = None


@dataclass(frozen=True)
class LinkRef:
    id: str
    url: str
    created: bool


class CategoryCache:
    """Each (subsite, group) category looked up or made once per adapter, however many threads
    write: `get(subsite, group, make)` calls `make()` the first time only."""

    def __init__(self):
        self._known: dict[tuple[str, str], str] = {}
        self._lock = threading.Lock()

    def get(self, subsite: str, group: str, make) -> str:
        with self._lock:
            if (subsite, group) not in self._known:
                self._known[(subsite, group)] = str(make())
            return self._known[(subsite, group)]


class Portal(Protocol):
    name: str
    capabilities: frozenset

    # Subsites are keyed by their target (path or host), so several legacy sites merged into
    # one successor unit land in the same subsite. Returns the adapter's handle for it.
    def ensure_subsite(self, key: str, name: str, path: str) -> str: ...
    # Read only (plans): the handle, or None when the subsite does not exist yet. A portal that
    # cannot create subsites raises PortalError naming how to create it.
    def find_subsite(self, key: str, name: str, path: str) -> str | None: ...
    def ensure_category(self, subsite: str, group: str, name: str) -> str: ...
    # Batch reads: one request for many items (planning never asks one by one).
    def read_items(self, subsite: str, item_ids: list[str]) -> dict[str, Remote]: ...
    # Optional: every item's revision marker in the subsite ({item id: revision}), in as few
    # requests as the portal allows; a re-plan of an unchanged agency reads nothing else.
    def revisions(self, subsite: str) -> dict[str, str]: ...
    # Items by external key; `wanted` maps each key to the slug it was (or will be) written with,
    # for portals that can only find by slug.
    def find_items(self, subsite: str, wanted: dict[str, str]) -> dict[str, Remote]: ...
    # Create (item_id None) or update. `digest` is kept with the item when the portal can; with
    # the `runs` capability, so is `run` (the apply run's identity; apply passes it only then).
    def write_item(self, subsite: str, category: str, key: str, slug: str, fields: dict, digest: str,
                   item_id: str | None = None, run: str | None = None) -> Remote: ...
    # With `runs`: the runs that made the subsite's latest writes (at least the latest one's),
    # read from the items; a ledger that does not know one of them refuses to apply.
    def recent_runs(self, subsite: str) -> list[str]: ...
    # Optional, with the `batch_writes` capability: many writes in one request or transaction,
    # their items in the same order. Apply writes a refused batch again one item at a time.
    def write_items(self, subsite: str, writes: list[ItemWrite]) -> list[Remote]: ...
    def delete_item(self, subsite: str, item_id: str) -> None: ...
    # A file, de-duplicated by sha256 on the portal's side when it can; returns its public URL.
    def put_file(self, subsite: str, filename: str, media_type: str | None, data: bytes, sha256: str) -> str: ...
    def register_link(self, key: str, title: str, url: str, group: str) -> LinkRef: ...
    def remove_link(self, key: str) -> bool: ...
    def links(self) -> list[dict]: ...
    def close(self) -> None: ...
