"""Issue 21, hole 7, the fields the content hash leaves out: a staged article's `body_markdown`
(which the `sql` portal stores) or its outline (what plans read instead of the data: its links,
files and addresses), changed in the ledger by SQL with `content_hash` left alone, is refused at
apply, naming the entry; nothing is written. Each staged row carries a record hash over its whole
record; a row staged before record hashes were kept is checked by deriving its Markdown and
outline again. The real CLI in subprocesses, the real Scrapy crawl of the sample sites, the
embedded portal and the ledger in SQLite."""
from __future__ import annotations

import hashlib
import json
import zlib

import pytest

from .test_ledger_truth import apply, cli, ledger, plan, portal

pytestmark = pytest.mark.integration

INJECTED = "Nội dung chèn sau khi duyệt"
EDITS = {
    # The Markdown alone: an injected paragraph and a live link (the sql portal stores it as is).
    "body_markdown": "update staged_articles set data = json_set(data, '$.body_markdown', "
                     f"'{INJECTED} [bấm vào đây](javascript:alert(1))') where uid = ?",
    # The outline alone: a javascript: link, a file on a foreign host, an address it never had.
    "outline": "update staged_articles set outline = json_set(json_insert(json_insert(outline, '$.links[#]', "
               "'javascript:alert(1)'), '$.attachments[#]', json('{\"url\": \"https://ke-xau.example/x.pdf\", "
               "\"sha256\": null}')), '$.aliases', json('[\"http://stnmt.tinhmau.gov.vn/tin-tuc/khac\"]')) "
               "where uid = ?",
}


def _planned_create(ws) -> tuple[int, str, str]:
    """(plan id, uid, legacy URL) of a create planned from its outline: apply derives what it
    writes from the staged article."""
    made = plan("stnmt")
    db = ledger(ws)
    uid = db.execute("select uid from plan_entries where plan_id = ? and action = 'create' "
                     "and (fields is null or fields = 'null') order by uid limit 1", (made["plan"],)).fetchone()[0]
    url = db.execute("select json_extract(data, '$.source_url') from staged_articles where uid = ?",
                     (uid,)).fetchone()[0]
    db.close()
    return made["plan"], uid, url


def _edit(ws, statement: str, uid: str, *, forget_record_hash: bool = False) -> None:
    db = ledger(ws)
    before = db.execute("select content_hash from staged_articles where uid = ?", (uid,)).fetchone()
    assert db.execute(statement, (uid,)).rowcount == 1
    if forget_record_hash:  # as a row staged before record hashes were kept (or an attacker's NULL)
        db.execute("update staged_articles set record_hash = null")
    assert db.execute("select content_hash from staged_articles where uid = ?", (uid,)).fetchone() == before
    db.commit()
    db.close()


def _assert_refused(ws, plan_id: int, uid: str, url: str) -> None:
    refused = apply(plan_id, check=False)
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0, out
    assert f"stnmt {uid} {url}" in out and "was changed after transform" in out, out
    assert "portalize transform stnmt" in out and "portalize plan stnmt" in out and "Traceback" not in out, out
    assert portal(ws).execute("select count(*) from items").fetchone() == (0,)  # nothing written


def _assert_clean_after_transform_again(ws) -> None:
    """The command named: transform again, plan, apply; nothing of the edit reaches the portal."""
    cli("transform", "stnmt", "-s")
    apply(plan("stnmt")["plan"])
    items = [f for (f,) in portal(ws).execute("select fields from items")]
    assert len(items) == 7, items
    assert not any(INJECTED in f or "javascript:" in f or "ke-xau.example" in f for f in items)


@pytest.mark.parametrize("field", sorted(EDITS))
def test_a_staged_field_outside_the_content_hash_changed_after_the_plan_is_refused_at_apply(crawled, field):
    cli("transform", "stnmt", "-s")
    plan_id, uid, url = _planned_create(crawled)
    _edit(crawled, EDITS[field], uid)
    _assert_refused(crawled, plan_id, uid, url)
    _assert_clean_after_transform_again(crawled)


@pytest.mark.parametrize("field", sorted(EDITS))
def test_a_row_staged_before_record_hashes_is_checked_by_deriving_it_again(crawled, field):
    cli("transform", "stnmt", "-s")
    plan_id, uid, url = _planned_create(crawled)
    _edit(crawled, EDITS[field], uid, forget_record_hash=True)
    _assert_refused(crawled, plan_id, uid, url)
    # Rows with no record hash that nobody changed: applied as planned.
    cli("transform", "stnmt", "-s")
    plan_id, _, _ = _planned_create(crawled)
    db = ledger(crawled)
    db.execute("update staged_articles set record_hash = null")
    db.commit()
    db.close()
    apply(plan_id)
    assert portal(crawled).execute("select count(*) from items").fetchone() == (7,)


def test_an_item_linked_to_whose_outline_changed_is_refused_at_apply(crawled):
    """The url map a plan rewrites links with is made of every unit's outlines: a stnmt article
    links to a commune's item (another unit, not written by this plan); that item's outline
    changed by SQL (an address it never had, a javascript: link) refuses stnmt's plan, naming
    the commune's item and its transform."""
    cli("transform", "--all", "-s")
    made = plan("stnmt")
    db = ledger(crawled)
    written = {uid for (uid,) in db.execute("select uid from plan_entries where plan_id = ?", (made["plan"],))}
    linked = {value[len("{{item:"):-2] for (links,) in db.execute(
        "select links from plan_entries where plan_id = ? and links is not null", (made["plan"],))
        for value in (json.loads(links).get("pages") or {}).values() if value and value.startswith("{{item:")}
    uid, url = db.execute("select uid, json_extract(data, '$.source_url') from staged_articles "
                          f"where agency = 'xa-hoaxuan' and uid in ({','.join('?' * len(linked))}) "
                          "order by uid limit 1", sorted(linked)).fetchone()
    assert uid not in written
    db.close()
    _edit(crawled, EDITS["outline"], uid)
    refused = apply(made["plan"], check=False)
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0, out
    assert f"xa-hoaxuan {uid} {url}" in out and "portalize transform xa-hoaxuan" in out, out
    assert "Traceback" not in out and portal(crawled).execute("select count(*) from items").fetchone() == (0,)
    cli("transform", "xa-hoaxuan", "-s")
    apply(plan("stnmt")["plan"])
    assert portal(crawled).execute("select count(*) from items").fetchone() == (7,)


def test_a_file_whose_stored_bytes_changed_is_never_sent(crawled):
    """A file's bytes are found by the sha256 transform listed (which the content hash covers)
    and sent only when they still hash to it: bytes changed in the ledger by SQL after
    transform never reach the portal."""
    cli("transform", "stnmt", "-s")
    made = plan("stnmt")
    db = ledger(crawled)
    files = {a["sha256"]: a["url"] for (data,) in db.execute("select data from staged_articles where status = 'ok'")
             for a in json.loads(data)["attachments"] + json.loads(data)["images"] if a.get("sha256")}
    sha256 = sorted(files)[0]
    hostile = b"<html><script>alert(document.cookie)</script></html>"
    assert db.execute("update raw_bodies set data = ? where sha256 = ?", (zlib.compress(hostile), sha256)).rowcount == 1
    db.commit()
    db.close()
    apply(made["plan"])
    sent = {key: data for key, data in portal(crawled).execute("select sha256, data from media")}
    assert sent and sha256 not in sent and hostile not in sent.values(), sorted(sent)
    assert all(hashlib.sha256(data).hexdigest() == key for key, data in sent.items())
    body = [b for (b,) in portal(crawled).execute("select fields from items") if files[sha256] in b]
    assert body, files[sha256]  # the item keeps the legacy address of that file
