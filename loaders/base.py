"""The portal interface every adapter implements, and the item fields it receives."""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Protocol

# The fields of a canonical article that a portal item carries (and that plans diff).
ITEM_FIELDS = ("title", "summary", "body_html", "body_markdown", "published_at", "kind", "group",
               "author", "source_name", "source_url", "attachments", "images", "document")


def item_fields(article: dict) -> dict:
    fields = {k: article.get(k) for k in ITEM_FIELDS}
    fields["attachments"] = [{"filename": a["filename"], "url": a["url"], "sha256": a.get("sha256")} for a in article.get("attachments") or []]
    fields["images"] = [{"filename": a["filename"], "url": a["url"], "sha256": a.get("sha256")} for a in article.get("images") or []]
    return fields


def fields_hash(fields: dict) -> str:
    return hashlib.sha256(json.dumps(fields, sort_keys=True, ensure_ascii=False).encode()).hexdigest()


@dataclass(frozen=True)
class ItemRef:
    id: str
    url: str


@dataclass(frozen=True)
class LinkRef:
    id: str
    url: str
    created: bool


class Portal(Protocol):
    name: str

    # Subsites are keyed by their target (path or host), so several legacy sites merged into
    # one successor unit land in the same subsite.
    def ensure_subsite(self, key: str, name: str, path: str) -> str: ...
    def ensure_category(self, subsite: str, group: str, name: str) -> str: ...
    def find_item(self, key: str) -> dict | None: ...
    def read_item(self, item_id: str) -> dict | None: ...
    # Optional, for planning at scale: many items in one request (else one by one).
    # def read_items(self, item_ids) -> dict[str, dict]: ...
    # def find_items(self, keys) -> dict[str, dict]: ...
    def upsert_item(self, subsite: str, category: str, key: str, fields: dict) -> ItemRef: ...
    def item_url(self, subsite_path: str, key: str, title: str) -> str: ...
    def asset_url(self, sha256: str, filename: str) -> str: ...
    def delete_item(self, item_id: str) -> None: ...
    def upload_asset(self, item_id: str, filename: str, media_type: str | None, data: bytes, sha256: str) -> str: ...
    def register_link(self, key: str, title: str, url: str, group: str) -> LinkRef: ...
    def links(self) -> list[dict]: ...
