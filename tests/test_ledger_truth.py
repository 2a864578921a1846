"""The ledger cannot lie about the portal (issue 21, holes 6 and 7, and the partial "an edit by
SQL that keeps `revision`"), each scenario as the probe ran it: the real CLI in subprocesses,
the real Scrapy crawl of the sample sites, the embedded portal and the ledger in SQLite.

- A restored ledger (a backup taken after `plan`) does not know the apply that ran since: it
  refuses to apply, naming `plan --adopt`, and the portal's edit survives that and the adopt.
- Staged content changed in the ledger by SQL after the plan was reviewed is refused at apply,
  naming the entries.
- An edit made on the embedded portal's database by plain SQL, leaving `revision` as it was,
  is seen by `plan`, `plan --recheck` and the settled-agency shortcut."""
from __future__ import annotations

import json
import sqlite3

import pytest

from .conftest import run_portalize
from .test_settled import _settle

pytestmark = pytest.mark.integration

EDITED = "Biên tập viên đã sửa trên cổng"


def cli(*args, check=True):
    return run_portalize(*args, check=check)


def plan(agency, *options) -> dict:
    return json.loads(cli("plan", agency, "--json", *options).stdout)


def apply(plan_id, check=True):
    return cli("apply", str(plan_id), "-y", "-s", check=check)


def copy_db(source, target) -> None:
    """A consistent copy of a SQLite file (the backup API: what `sqlite3 .backup` does)."""
    with sqlite3.connect(source) as src, sqlite3.connect(target) as dst:
        src.backup(dst)
    src.close()
    dst.close()


def portal(ws):
    return sqlite3.connect(ws / "var" / "portal.db")


def ledger(ws):
    return sqlite3.connect(ws / "var" / "portalize.db")


def edit_on_portal(ws, item_id: int, *, keep_revision: bool = False) -> None:
    """An editor's change of the item's title on the portal: as a portal tool saves it (the
    revision marker set too), or by plain SQL leaving `revision` as it was."""
    db = portal(ws)
    revision = "" if keep_revision else ", revision = 'edited-by-an-editor'"
    db.execute(f"update items set fields = json_set(fields, '$.title', ?){revision} where id = ?", (EDITED, item_id))
    db.commit()
    db.close()


def title_on_portal(ws, item_id: int) -> str:
    db = portal(ws)
    title = db.execute("select json_extract(fields, '$.title') from items where id = ?", (item_id,)).fetchone()[0]
    db.close()
    return title


def test_a_ledger_restored_after_plan_refuses_to_apply_over_a_portal_edit_and_adopt_recovers(crawled):
    cli("transform", "stnmt", "-s")
    first = plan("stnmt")
    assert first["summary"]["create"] == 7
    backup = crawled / "backup.db"
    copy_db(crawled / "var" / "portalize.db", backup)  # the operator's backup, after plan
    apply(first["plan"])
    item_id = portal(crawled).execute("select min(id) from items").fetchone()[0]
    edit_on_portal(crawled, item_id)
    copy_db(backup, crawled / "var" / "portalize.db")  # ... restored
    again = apply(first["plan"], check=False)
    out = again.stdout + again.stderr
    assert again.returncode != 0, out
    assert "has no record of" in out and "restored" in out, out
    assert "portalize plan stnmt --adopt" in out and "Traceback" not in out, out
    assert title_on_portal(crawled, item_id) == EDITED
    # A plan without --adopt: the ledger knows no load of stnmt while the portal holds its items.
    lost = cli("plan", "stnmt", check=False)
    assert lost.returncode != 0 and "--adopt" in lost.stdout + lost.stderr
    adopted = plan("stnmt", "--adopt")
    assert adopted["summary"]["unchanged"] == 6 and adopted["summary"]["conflict"] == 1, adopted["summary"]
    assert adopted["summary"]["create"] == 0 and adopted["summary"]["update"] == 0
    assert adopted["summary"]["adopts_runs"], adopted["summary"]
    apply(adopted["plan"])
    assert title_on_portal(crawled, item_id) == EDITED
    assert ledger(crawled).execute("select count(*) from id_map where agency = 'stnmt'").fetchone() == (6,)
    # From here the ledger knows the portal: the edited item stays a conflict, never overwritten.
    after = plan("stnmt")
    assert after["summary"]["conflict"] == 1 and after["summary"]["create"] == 0, after["summary"]
    apply(after["plan"])
    assert title_on_portal(crawled, item_id) == EDITED
    assert portal(crawled).execute("select count(*), count(distinct external_key) from items").fetchone() == (7, 7)


def test_a_ledger_restored_after_a_later_plan_refuses_and_adopt_keeps_the_edit(crawled):
    """The ledger knew the agency: the backup holds a pending plan that updates an item; the
    apply that ran after the backup, and the editor's second edit, are unknown to it."""
    cli("transform", "stnmt", "-s")
    apply(plan("stnmt")["plan"])
    item_id = portal(crawled).execute("select min(id) from items").fetchone()[0]
    uid = portal(crawled).execute("select external_key from items where id = ?", (item_id,)).fetchone()[0]
    edit_on_portal(crawled, item_id)
    forced = plan("stnmt", "--force", uid)
    assert forced["summary"]["update"] == 1, forced["summary"]
    backup = crawled / "backup.db"
    copy_db(crawled / "var" / "portalize.db", backup)
    apply(forced["plan"])  # the legacy title again, as forced
    assert title_on_portal(crawled, item_id) != EDITED
    edit_on_portal(crawled, item_id)  # the editor's second edit
    copy_db(backup, crawled / "var" / "portalize.db")
    again = apply(forced["plan"], check=False)
    assert again.returncode != 0 and "portalize plan stnmt --adopt" in again.stdout + again.stderr, again.stdout
    assert title_on_portal(crawled, item_id) == EDITED
    adopted = plan("stnmt", "--adopt")
    assert adopted["summary"]["conflict"] == 1 and adopted["summary"]["update"] == 0, adopted["summary"]
    apply(adopted["plan"])
    assert title_on_portal(crawled, item_id) == EDITED
    assert plan("stnmt")["summary"]["conflict"] == 1


def test_staged_content_changed_after_the_plan_is_refused_at_apply(crawled):
    cli("transform", "stnmt", "-s")
    made = plan("stnmt")
    db = ledger(crawled)
    # A create planned from the article's outline: apply derives what it writes from the staged data.
    uid = db.execute("select uid from plan_entries where plan_id = ? and action = 'create' "
                     "and (fields is null or fields = 'null') "
                     "order by uid limit 1", (made["plan"],)).fetchone()[0]
    url = db.execute("select json_extract(data, '$.source_url') from staged_articles where uid = ?",
                     (uid,)).fetchone()[0]
    db.execute("update staged_articles set data = json_set(data, '$.body_html', '<p>Nội dung chèn sau khi duyệt</p>') "
               "where uid = ?", (uid,))  # content_hash left as it was
    db.commit()
    db.close()
    refused = apply(made["plan"], check=False)
    out = refused.stdout + refused.stderr
    assert refused.returncode != 0, out
    assert f"stnmt {uid} {url}" in out and "no longer matches its content hash" in out, out
    assert "portalize transform stnmt" in out and "portalize plan stnmt" in out and "Traceback" not in out, out
    assert portal(crawled).execute("select count(*) from items").fetchone() == (0,)  # nothing written
    # The next command named: transform again, plan, apply.
    cli("transform", "stnmt", "-s")
    apply(plan("stnmt")["plan"])
    bodies = [b for (b,) in portal(crawled).execute("select json_extract(fields, '$.body_html') from items")]
    assert len(bodies) == 7 and not any("chèn sau khi duyệt" in (b or "") for b in bodies)


def test_an_sql_edit_that_keeps_the_revision_is_seen_by_plan_recheck_and_the_settled_shortcut(crawled):
    _settle(crawled)  # both sample units loaded until nothing is left to write
    settled = plan("stnmt")
    assert settled["summary"].get("settled_since"), settled["summary"]  # answered from the record
    db = portal(crawled)
    # A store made before the trigger existed: opening it (any command) adds it.
    db.execute("drop trigger if exists items_revision_moves")
    db.commit()
    assert plan("stnmt")["summary"].get("settled_since")
    item_id, revision = db.execute("select id, revision from items order by id limit 1").fetchone()
    db.close()
    edit_on_portal(crawled, item_id, keep_revision=True)
    assert title_on_portal(crawled, item_id) == EDITED
    assert portal(crawled).execute("select revision from items where id = ?", (item_id,)).fetchone()[0] != revision
    seen = plan("stnmt")
    assert "settled_since" not in seen["summary"]
    assert seen["summary"]["conflict"] == 1 and seen["summary"]["unchanged"] == 6, seen["summary"]
    rechecked = plan("stnmt", "--recheck")
    assert rechecked["summary"]["conflict"] == 1, rechecked["summary"]
    apply(rechecked["plan"])
    assert title_on_portal(crawled, item_id) == EDITED


@pytest.mark.postgres
def test_on_postgresql_an_sql_edit_that_keeps_the_revision_moves_it(pg_url):
    """The embedded portal in PostgreSQL: the same trigger, as a PL/pgSQL function."""
    import sqlalchemy as sa

    from portalize.loaders.base import fields_hash
    from portalize.loaders.sql_portal import SqlPortal

    store = SqlPortal(pg_url, "https://tinhmau.gov.vn")
    subsite = store.ensure_subsite("/web/stnmt", "Sở", "/web/stnmt")
    category = store.ensure_category(subsite, "news", "Tin tức")
    fields = {"title": "Tin", "body_html": "<p>Nội dung</p>"}
    written = store.write_item(subsite, category, "stnmt-0a0b0c0d0e0f", "tin-0a0b0c0d0e0f", fields, fields_hash(fields),
                               run="run0a1b2c")
    again = store.write_item(subsite, category, "stnmt-0a0b0c0d0e0f", "tin-0a0b0c0d0e0f", fields, fields_hash(fields),
                             run="run3d4e5f")  # the same content by another apply: the same marker
    assert store.read_items(subsite, [written.id])[written.id].revision == again.revision == written.revision
    store.close()
    store = SqlPortal(pg_url, "https://tinhmau.gov.vn")  # opening an existing store keeps one trigger
    with store.engine.begin() as connection:
        connection.execute(sa.text("update items set fields = cast(:f as json) where id = :id"),
                           {"f": '{"title": "Sửa bằng SQL", "body_html": "<p>khác</p>"}', "id": int(written.id)})
    now = store.read_items(subsite, [written.id])[written.id]
    assert now.revision != written.revision and now.revision.startswith("edited:")
    assert store.revisions(subsite)[written.id] == now.revision
    assert store.recent_runs(subsite) == ["run3d4e5f"]
    store.close()
