"""One contract, every adapter: the embedded `sql` portal, a real WordPress multisite network
(Debian's packages, on loopback) and, beside them, the in-memory fake that tests use for faults.
Each adapter is checked for the same promises: subsites, categories, create and update with a
revision marker, batch reads, find by key, files de-duplicated, interim links, deletes, an edit
made on the portal detected, markup in titles kept inert."""
from __future__ import annotations

import hashlib
import html
import itertools
import json
import re
import sqlite3
import urllib.request

import pytest

from portalize.core.errors import PortalError
from portalize.loaders.base import CAPABILITIES, ItemWrite, fields_hash
from portalize.loaders.registry import open_portal
from portalize.loaders.sql_portal import SqlPortal

from .conftest import wordpress_portal_config
from .fake_portal import FakePortal

_sites = itertools.count(1)


class SqlCase:
    def __init__(self, tmp_path):
        self.db = tmp_path / "portal.db"
        self.portal = SqlPortal(f"sqlite:///{self.db}", "https://tinhmau.gov.vn")

    def subsite(self, slug, name):
        return self.portal.ensure_subsite(f"/web/{slug}", name, f"/web/{slug}")

    def edit(self, subsite, item_id, title):
        db = sqlite3.connect(self.db)
        fields = json.loads(db.execute("select fields from items where id = ?", (int(item_id),)).fetchone()[0])
        # An editor's save: the fields change and so does the revision marker.
        db.execute("update items set fields = ?, revision = 'edited-on-the-portal' where id = ?",
                   (json.dumps({**fields, "title": title}), int(item_id)))
        db.commit()

    def stored_title(self, subsite, item_id):
        db = sqlite3.connect(self.db)
        return json.loads(db.execute("select fields from items where id = ?", (int(item_id),)).fetchone()[0])["title"]

    def file_count(self, subsite):
        return sqlite3.connect(self.db).execute("select count(*) from media").fetchone()[0]


class WordPressCase:
    def __init__(self, network):
        self.network = network
        self.portal = open_portal(wordpress_portal_config(network))

    def subsite(self, slug, name):
        self.network.create_site(slug, name)  # as Network Admin does
        return self.portal.ensure_subsite(f"/web/{slug}", name, f"/web/{slug}")

    def _slug(self, subsite):
        return subsite.split("/wp-json")[0].rstrip("/").rsplit("/", 1)[-1]  # a site URL, or the REST base in it

    def edit(self, subsite, item_id, title):
        import time
        time.sleep(1.1)  # modified_gmt counts seconds
        self.network.site_rest(self._slug(subsite), "POST", f"/wp-json/wp/v2/posts/{item_id}", {"title": title})

    def stored_title(self, subsite, item_id):
        post = self.network.site_rest(self._slug(subsite), "GET", f"/wp-json/wp/v2/posts/{item_id}?context=edit")
        return post["title"]["raw"]

    def file_count(self, subsite):
        return len(self.network.site_rest(self._slug(subsite), "GET", "/wp-json/wp/v2/media?per_page=100"))


class RestOnWordPressCase(WordPressCase):
    """The generic `rest` adapter driven by mappings/portals/wordpress-rest.yml alone."""

    def __init__(self, network):
        self.network = network
        self.portal = open_portal({**wordpress_portal_config(network), "adapter": "rest", "mapping": "wordpress-rest"})


class FakeCase:
    def __init__(self):
        self.portal = FakePortal()

    def subsite(self, slug, name):
        return self.portal.ensure_subsite(f"/web/{slug}", name, f"/web/{slug}")

    def edit(self, subsite, item_id, title):
        self.portal.edit(item_id, title=title)

    def stored_title(self, subsite, item_id):
        return self.portal.items[item_id]["fields"]["title"]

    def file_count(self, subsite):
        return len(self.portal.files)


@pytest.fixture(params=["sql", pytest.param("wordpress", marks=pytest.mark.integration),
                        pytest.param("rest-on-wordpress", marks=pytest.mark.integration), "fake"])
def case(request, tmp_path):
    if request.param == "sql":
        made = SqlCase(tmp_path)
    elif request.param == "wordpress":
        made = WordPressCase(request.getfixturevalue("wordpress_network"))
    elif request.param == "rest-on-wordpress":
        made = RestOnWordPressCase(request.getfixturevalue("wordpress_network"))
    else:
        made = FakeCase()
    yield made
    made.portal.close()


def _fields(title="Hội nghị tổng kết công tác năm 2024", body="<p>Nội dung hội nghị.</p>", **extra):
    return {"title": title, "summary": "Tóm tắt", "body_html": body, "body_markdown": "Nội dung hội nghị.",
            "published_at": "2024-12-20T08:30:00+07:00", "kind": "article", "group": "news", "author": "Nguyễn Văn A",
            "source_name": "Sở", "source_url": "http://so.tinhmau.gov.vn/tin/1", "attachments": [], "images": [],
            "document": None, **extra}


def test_the_adapter_declares_known_capabilities(case):
    assert set(case.portal.capabilities) <= set(CAPABILITIES) and "revision" in case.portal.capabilities


def test_create_read_find_update_and_delete(case):
    n = next(_sites)
    subsite = case.subsite(f"don-vi-{n}", f"Đơn vị thử {n}")
    category = case.portal.ensure_category(subsite, "news", "Tin tức")
    assert case.portal.ensure_category(subsite, "news", "Tin tức") == category  # once
    fields = _fields()
    created = case.portal.write_item(subsite, category, f"don-vi-{n}-a1b2c3d4e5f6", "hoi-nghi-a1b2c3d4e5f6", fields,
                                     fields_hash(fields))
    assert created.id and created.url and created.revision
    read = case.portal.read_items(subsite, [created.id])
    assert read[created.id].revision == created.revision and read[created.id].url == created.url
    found = case.portal.find_items(subsite, {f"don-vi-{n}-a1b2c3d4e5f6": "hoi-nghi-a1b2c3d4e5f6"})
    assert found[f"don-vi-{n}-a1b2c3d4e5f6"].digest == fields_hash(fields)  # it vouches for what was written
    assert case.portal.find_items(subsite, {f"don-vi-{n}-ffffffffffff": "khong-co-ffffffffffff"}) == {}

    if isinstance(case, WordPressCase):
        import time
        time.sleep(1.1)  # modified_gmt counts seconds
    changed = _fields(title="Hội nghị tổng kết công tác năm 2024 (cập nhật)")
    updated = case.portal.write_item(subsite, category, f"don-vi-{n}-a1b2c3d4e5f6", "hoi-nghi-a1b2c3d4e5f6", changed,
                                     fields_hash(changed), item_id=created.id)
    assert updated.id == created.id and updated.revision != created.revision
    assert case.stored_title(subsite, created.id) == "Hội nghị tổng kết công tác năm 2024 (cập nhật)"

    case.portal.delete_item(subsite, created.id)
    assert case.portal.read_items(subsite, [created.id]) == {}


def test_an_edit_made_on_the_portal_moves_the_revision_and_the_item_no_longer_vouches(case):
    n = next(_sites)
    subsite = case.subsite(f"don-vi-{n}", f"Đơn vị thử {n}")
    category = case.portal.ensure_category(subsite, "news", "Tin tức")
    fields = _fields()
    key = f"don-vi-{n}-0a0b0c0d0e0f"
    item = case.portal.write_item(subsite, category, key, "tin-0a0b0c0d0e0f", fields, fields_hash(fields))
    case.edit(subsite, item.id, "Tiêu đề do biên tập viên cổng sửa")
    now = case.portal.read_items(subsite, [item.id])[item.id]
    assert now.revision != item.revision
    assert case.portal.find_items(subsite, {key: "tin-0a0b0c0d0e0f"})[key].digest is None


def test_the_apply_run_that_wrote_an_item_is_read_back_after_an_edit(case):
    """With `runs`: each write keeps the apply run's identity; `recent_runs` names the runs of
    the subsite's latest writes, and an edit made on the portal keeps the run it was written by
    (a restored ledger is noticed whatever the editor did since)."""
    if "runs" not in case.portal.capabilities:
        pytest.skip("the adapter keeps no run identity (apply neither sends one nor reads one back)")
    n = next(_sites)
    subsite = case.subsite(f"don-vi-{n}", f"Đơn vị thử {n}")
    category = case.portal.ensure_category(subsite, "news", "Tin tức")
    first, second = _fields(), _fields(title="Tin thứ hai")
    keys = (f"don-vi-{n}-0c0c0c0c0c01", f"don-vi-{n}-0c0c0c0c0c02")
    slugs = {keys[0]: "tin-0c0c0c0c0c01", keys[1]: "tin-0c0c0c0c0c02"}
    item = case.portal.write_item(subsite, category, keys[0], slugs[keys[0]], first, fields_hash(first),
                                  run="run0a1b2c")
    case.portal.write_item(subsite, category, keys[1], slugs[keys[1]], second, fields_hash(second),
                           run="run3d4e5f")
    assert set(case.portal.recent_runs(subsite)) == {"run0a1b2c", "run3d4e5f"}
    found = case.portal.find_items(subsite, slugs)
    assert (found[keys[0]].run, found[keys[1]].run) == ("run0a1b2c", "run3d4e5f")
    case.edit(subsite, item.id, "Tiêu đề do biên tập viên cổng sửa")
    edited = case.portal.find_items(subsite, {keys[0]: slugs[keys[0]]})[keys[0]]
    assert edited.digest is None and edited.run == "run0a1b2c"
    assert "run0a1b2c" in case.portal.recent_runs(subsite)
    again = case.portal.write_item(subsite, category, keys[0], slugs[keys[0]], first, fields_hash(first),
                                   item_id=item.id, run="run6a7b8c")
    assert again.id == item.id
    assert case.portal.find_items(subsite, {keys[0]: slugs[keys[0]]})[keys[0]].run == "run6a7b8c"


def test_many_items_are_read_in_batches(case):
    n = next(_sites)
    subsite = case.subsite(f"don-vi-{n}", f"Đơn vị thử {n}")
    category = case.portal.ensure_category(subsite, "news", "Tin tức")
    made = {}
    for i in range(120):  # more than one WordPress page of 100
        fields = _fields(title=f"Tin số {i}")
        key = f"don-vi-{n}-{i:012x}"
        made[key] = case.portal.write_item(subsite, category, key, f"tin-so-{i}-{i:012x}", fields, fields_hash(fields))
    assert {k: r.revision for k, r in case.portal.read_items(subsite, [r.id for r in made.values()]).items()} == \
        {r.id: r.revision for r in made.values()}
    found = case.portal.find_items(subsite, {k: f"tin-so-{i}-{i:012x}" for i, k in enumerate(made)})
    assert set(found) == set(made)


def test_a_batch_of_writes_creates_and_updates_in_order(case):
    """`write_items`, where the adapter declares `batch_writes`: new and known keys in one call,
    the answers in the order asked, each as `write_item` would answer it."""
    if "batch_writes" not in case.portal.capabilities:
        assert not callable(getattr(case.portal, "write_items", None))
        return
    n = next(_sites)
    subsite = case.subsite(f"don-vi-{n}", f"Đơn vị thử {n}")
    category = case.portal.ensure_category(subsite, "news", "Tin tức")
    first = _fields(title="Tin đã có")
    known = case.portal.write_item(subsite, category, f"don-vi-{n}-000000000001", "tin-da-co-000000000001", first,
                                   fields_hash(first))
    writes = [ItemWrite(category, f"don-vi-{n}-{i:012x}", f"tin-{i}-{i:012x}", _fields(title=f"Tin số {i}"),
                        fields_hash(_fields(title=f"Tin số {i}"))) for i in range(2, 5)]
    changed = _fields(title="Tin đã có (cập nhật)")
    writes.insert(1, ItemWrite(category, known.key, "tin-da-co-000000000001", changed, fields_hash(changed), known.id))
    answers = case.portal.write_items(subsite, writes)
    assert [a.key for a in answers] == [w.key for w in writes]
    assert answers[1].id == known.id and answers[1].revision != known.revision
    assert case.stored_title(subsite, known.id) == "Tin đã có (cập nhật)"
    assert len({a.id for a in answers}) == 4
    read = case.portal.read_items(subsite, [a.id for a in answers])
    assert {a.id: a.revision for a in answers} == {i: r.revision for i, r in read.items()}
    found = case.portal.find_items(subsite, {w.key: w.slug for w in writes})
    assert {k: r.digest for k, r in found.items()} == {w.key: w.digest for w in writes}
    assert [case.stored_title(subsite, a.id) for a in answers] == [w.fields["title"] for w in writes]


def test_files_are_stored_once_per_content(case):
    n = next(_sites)
    subsite = case.subsite(f"don-vi-{n}", f"Đơn vị thử {n}")
    data = b"%PDF-1.4\n% quyet dinh\n%%EOF\n"
    sha = hashlib.sha256(data).hexdigest()
    before = case.file_count(subsite)
    first = case.portal.put_file(subsite, "Quyết định số 12-QĐ-UBND.pdf", "application/pdf", data, sha)
    again = case.portal.put_file(subsite, "Quyết định số 12-QĐ-UBND.pdf", "application/pdf", data, sha)
    assert first == again and case.file_count(subsite) == before + 1
    if isinstance(case, WordPressCase):  # the media library serves it
        with urllib.request.urlopen(first, timeout=30) as answer:
            assert answer.read() == data


def test_interim_links_are_registered_changed_and_removed(case):
    n = next(_sites)
    key = f"don-vi-{n}"
    first = case.portal.register_link(key, "Trang thông tin điện tử Đơn vị", f"http://{key}.tinhmau.gov.vn/", "links")
    assert first.created
    again = case.portal.register_link(key, "Trang thông tin điện tử Đơn vị", f"https://tinhmau.gov.vn/web/{key}",
                                      "links")
    assert not again.created
    assert [link["url"] for link in case.portal.links() if link["key"] == key] == [f"https://tinhmau.gov.vn/web/{key}"]
    assert case.portal.remove_link(key) and not case.portal.remove_link(key)
    assert key not in {link["key"] for link in case.portal.links()}


def test_markup_in_a_title_stays_inert(case):
    n = next(_sites)
    subsite = case.subsite(f"don-vi-{n}", f"Đơn vị thử {n}")
    category = case.portal.ensure_category(subsite, "news", "Tin tức")
    title = 'Thông báo <script>alert("xss")</script><img src=x onerror=alert(1)>'
    fields = _fields(title=title)
    item = case.portal.write_item(subsite, category, f"don-vi-{n}-dededededede", "thong-bao-dededededede", fields,
                                  fields_hash(fields))
    # Kept as text: the title itself, or (a portal that takes HTML in titles) its escaped form.
    assert case.stored_title(subsite, item.id) in (title, html.escape(title, quote=False))
    if isinstance(case, WordPressCase):  # the public page shows the text, runs nothing
        with urllib.request.urlopen(item.url, timeout=30) as answer:
            page = answer.read().decode()
        assert "<script>alert(" not in page and "onerror=alert" not in page.replace("&lt;img src=x onerror=alert", "")
        assert "&lt;script&gt;alert" in page


def test_a_missing_site_is_named_with_how_to_create_it(case):
    if isinstance(case, WordPressCase):
        with pytest.raises(PortalError) as missing:
            case.portal.find_subsite("/web/chua-co", "Xã Chưa Có", "/web/chua-co")
        assert re.search(r"has no (site /chua-co/|subsite) for Xã Chưa Có", missing.value.message)
        assert "Network Admin → Sites → Add New" in missing.value.hint and "wp site create --slug=chua-co" in missing.value.hint
    else:  # portals that create subsites: none yet, then one
        assert case.portal.find_subsite("/web/chua-co", "Xã Chưa Có", "/web/chua-co") is None
        made = case.portal.ensure_subsite("/web/chua-co", "Xã Chưa Có", "/web/chua-co")
        assert case.portal.find_subsite("/web/chua-co", "Xã Chưa Có", "/web/chua-co") == made
