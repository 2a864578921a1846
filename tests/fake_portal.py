"""A portal held in memory, beside the real SQL portal and the real WordPress: for unit tests
of plan and apply decisions, and for faults a real portal will not produce on demand.
`fail_on` makes writes of those keys fail (a portal answering 500); `edit` changes an item as
an editor would (its revision marker moves)."""
from __future__ import annotations

import itertools

from portalize.loaders.base import LinkRef, Remote


class FakePortal:
    name = "fake"
    url = "memory://fake"
    capabilities = frozenset({"upsert_by_key", "subsites", "media", "menus", "revision"})

    def __init__(self):
        self.subsites, self.categories, self.items, self.files, self._links = {}, {}, {}, {}, {}
        self.fail_on: set[str] = set()
        self.writes = 0
        self._revisions = itertools.count(1)

    def find_subsite(self, key, name, path):
        return key if key in self.subsites else None

    def ensure_subsite(self, key, name, path):
        self.subsites.setdefault(key, {"name": name, "path": path})
        return key

    def ensure_category(self, subsite, group, name):
        self.categories.setdefault((subsite, group), name)
        return f"{subsite}:{group}"

    def _remote(self, item) -> Remote:
        return Remote(item["id"], item["url"], item["revision"], item["key"],
                      item["digest"] if item["revision"] == item["written_revision"] else None)

    def read_items(self, subsite, item_ids):
        return {i: self._remote(self.items[i]) for i in item_ids if i in self.items}

    def find_items(self, subsite, wanted):
        return {i["key"]: self._remote(i) for i in self.items.values() if i["key"] in wanted}

    def write_item(self, subsite, category, key, slug, fields, digest, item_id=None):
        if key in self.fail_on:
            raise RuntimeError("HTTP 500 from the portal")
        self.writes += 1
        found = next((i for i in self.items.values() if i["key"] == key), None)
        item_id = item_id or (found["id"] if found else str(len(self.items) + 1))
        revision = str(next(self._revisions))
        self.items[item_id] = {"id": item_id, "key": key, "url": f"https://portal.example/{subsite}/{slug}",
                               "fields": dict(fields), "digest": digest, "revision": revision,
                               "written_revision": revision, "category": category}
        return self._remote(self.items[item_id])

    def edit(self, item_id, **changes):
        item = self.items[item_id]
        item["fields"].update(changes)
        item["revision"] = str(next(self._revisions))

    def delete_item(self, subsite, item_id):
        self.items.pop(item_id, None)

    def put_file(self, subsite, filename, media_type, data, sha256):
        self.files[sha256] = data
        return f"https://portal.example/files/{sha256[:12]}/{filename}"

    def register_link(self, key, title, url, group):
        created = key not in self._links
        self._links[key] = {"key": key, "title": title, "url": url, "group": group}
        return LinkRef(key, url, created)

    def remove_link(self, key):
        return self._links.pop(key, None) is not None

    def links(self):
        return list(self._links.values())

    def close(self):
        pass
