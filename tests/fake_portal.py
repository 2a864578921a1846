"""A portal held in memory, beside the real SQL portal and the real WordPress: for unit tests
of plan and apply decisions. `fail_on` makes upsert_item fail for a key (a portal answering 500)."""
from __future__ import annotations

from portalize.loaders.base import ItemRef, LinkRef


class FakePortal:
    name = "fake"
    url = "memory://fake"

    def __init__(self):
        self.subsites, self.categories, self.items, self.assets, self._links = {}, {}, {}, {}, {}
        self.fail_on: set[str] = set()

    def ensure_subsite(self, key, name, path):
        self.subsites.setdefault(key, {"name": name, "path": path})
        return key

    def ensure_category(self, subsite, group, name):
        self.categories.setdefault((subsite, group), name)
        return f"{subsite}:{group}"

    def item_url(self, subsite_path, key, title):
        return f"https://portal.example{subsite_path}/{key}"

    def asset_url(self, sha256, filename):
        return f"https://portal.example/files/{sha256[:12]}/{filename}"

    def find_item(self, key):
        return next((dict(i) for i in self.items.values() if i["key"] == key), None)

    def read_item(self, item_id):
        item = self.items.get(item_id)
        return {**item, "fields": dict(item["fields"])} if item else None

    def upsert_item(self, subsite, category, key, fields):
        if key in self.fail_on:
            raise RuntimeError("HTTP 500 from the portal")
        found = self.find_item(key)
        item_id = found["id"] if found else str(len(self.items) + 1)
        url = f"https://portal.example/{subsite}/{item_id}"
        self.items[item_id] = {"id": item_id, "key": key, "url": url, "fields": dict(fields)}
        return ItemRef(item_id, url)

    def delete_item(self, item_id):
        self.items.pop(item_id, None)

    def upload_asset(self, item_id, filename, media_type, data, sha256):
        self.assets[sha256] = data
        return self.asset_url(sha256, filename)

    def register_link(self, key, title, url, group):
        created = key not in self._links
        self._links[key] = {"key": key, "title": title, "url": url}
        return LinkRef(key, url, created)

    def links(self):
        return list(self._links.values())
