"""bench/staged_check: what apply's check of the staged records costs per article, on the Zyte
benchmark pages (automatic transform) staged N times into a ledger of its own: the record hash
(migration 0012) against the content hash alone (the check before it), the re-derivation that
checks rows staged before record hashes were kept, and the extra read of stored fields for the
items updates link to.

    .venv/bin/python bench/staged_check_bench.py [N]
"""
import json, statistics, sys, tempfile, time
from pathlib import Path
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
from alembic import command
from sqlalchemy import select
from sqlalchemy.orm import Session
from scoring import zyte_pages
from portalize.core.ledger.db import alembic_config, make_engine
from portalize.core.ledger import staging
from portalize.core.ledger.models import StagedArticle
from portalize.transform.pipeline import Mapping, RawPage, transform_page
from portalize.transform.schema import SkippedPage, content_hash
from portalize.transform.outline import article_outline
from portalize.loaders import apply as apply_mod

N = int(sys.argv[1]) if len(sys.argv) > 1 else 2000
auto = Mapping(agency="bench")
base = [json.loads(json.dumps(r.to_dict())) for _, url, html, _ in zyte_pages()
        for r in [transform_page(RawPage(url, 200, html.encode(), "text/html; charset=utf-8"), auto)]
        if not isinstance(r, SkippedPage)]
tmp = tempfile.mkdtemp()
url = f"sqlite:///{tmp}/ledger.db"
command.upgrade(alembic_config(url), "head")
engine = make_engine(url)
uids = []
with engine.connect() as c:
    c.exec_driver_sql("PRAGMA foreign_keys=OFF")
    with Session(bind=c) as s:
        for i in range(N):
            a = dict(base[i % len(base)], uid=f"bench-{i:06d}")
            uids.append(a["uid"])
            staging.add_article(s, "bench", 1, a, a["content_hash"], f"fp{i}", article_outline(a))
        s.commit()
    c.commit()
print(f"{N} articles, mean body_html {sum(len(base[i % len(base)]['body_html']) for i in range(N)) // N} chars")

class P: id, agency = 1, "bench"

def main_check(session, plan, uids):  # the check before record hashes: the content hash only
    for start in range(0, len(uids), 200):
        rows = session.execute(select(StagedArticle.uid, StagedArticle.data, StagedArticle.content_hash)
                               .where(StagedArticle.uid.in_(uids[start:start + 200]), StagedArticle.status == "ok"))
        assert all(content_hash(d or {}) == h for _, d, h in rows)

def run(check):
    with Session(engine) as s: assert s.query(StagedArticle).count() == N
    with Session(engine) as s:
        t = time.perf_counter(); check(s, P, uids); return (time.perf_counter() - t) / N * 1000

times = {"content hash only (before)": [], "record hash (now)": []}
for _ in range(5):
    times["content hash only (before)"].append(run(main_check))
    times["record hash (now)"].append(run(apply_mod._refuse_altered))
with Session(engine) as s:
    s.execute(StagedArticle.__table__.update().values(record_hash=None)); s.commit()
times["rows staged before record hashes (re-derived)"] = [run(apply_mod._refuse_altered) for _ in range(1)]
for k, v in times.items():
    print(f"{k}: {statistics.median(v):.3f} ms/article (median of {len(v)})")

# Updates (stored fields): the extra read of each entry's fields for its item references.
from portalize.core.ledger.models import Plan, PlanEntry
from portalize.loaders.base import item_fields
with engine.connect() as c:
    c.exec_driver_sql("PRAGMA foreign_keys=OFF")
    with Session(bind=c) as s:
        s.add(Plan(id=1, agency="bench", fingerprint="x", summary={}))
        for i, uid in enumerate(uids):
            s.add(PlanEntry(plan_id=1, position=i, uid=uid, action="update", title="t", fields=item_fields(base[i % len(base)])))
        s.commit()
    c.commit()
def depended(stored):
    with Session(engine) as s:
        entries = list(s.scalars(select(PlanEntry).where(PlanEntry.plan_id == 1)))
        for e in entries:
            e.links = None if stored else {}
        t = time.perf_counter(); apply_mod._depended_on(s, entries, {}); return (time.perf_counter() - t) / N * 1000
print("depended_on, updates (stored fields read again):",
      f"{statistics.median(depended(True) for _ in range(5)):.3f} ms/article;",
      f"creates planned from outlines: {statistics.median(depended(False) for _ in range(5)):.4f} ms/article")
engine.dispose()
__import__("shutil").rmtree(tmp)
