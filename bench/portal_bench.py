"""bench/portal: writing posts into a real WordPress multisite network (Debian's packages, on
loopback) through the `wordpress` adapter, against raw REST calls with the same payloads in the
same run (the baseline), with 1 and 4 clients; where an adapter write's time goes (the
server's answer against portalize's own work); and `apply` of a plan of that many articles
(staged straight into a ledger of its own) with `concurrency: 1` and `4`. Needs
`bash scripts/system-deps.sh` once.

    .venv/bin/python bench/portal_bench.py [--posts 200]
"""
from __future__ import annotations

import argparse
import base64
import json
import resource
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import urllib3

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def fields(i: int) -> dict:
    body = "".join(f"<p>Đoạn {k} của bài {i}: Ủy ban nhân dân tỉnh triển khai kế hoạch chuyển đổi số.</p>"
                   for k in range(12))
    return {"title": f"Bài viết thử tải số {i}", "summary": f"Tóm tắt bài {i}", "body_html": body,
            "body_markdown": "", "published_at": "2024-05-01T08:00:00+07:00", "kind": "article", "group": "news",
            "author": "Phòng Văn hóa", "source_name": None, "source_url": f"http://x.gov.vn/{i}", "attachments": [],
            "images": [], "document": None}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--posts", type=int, default=200)
    args = parser.parse_args()
    from portalize.loaders.base import fields_hash
    from portalize.loaders.references import slug_for
    from portalize.loaders.registry import open_portal
    from tests.sites.wordpress_network import WordPressNetwork

    with tempfile.TemporaryDirectory() as folder:
        network = WordPressNetwork(Path(folder)).start()
        try:
            for slug in ("raw1", "raw4", "ours1", "ours4"):
                network.create_site(slug, slug)
            token = base64.b64encode(f"quantri:{network.app_password}".encode()).decode()
            pool = urllib3.PoolManager(maxsize=4, block=True)
            from portalize.loaders.render import post_content

            def raw(site: str, i: int) -> None:
                f = fields(i)
                payload = {"title": f["title"], "content": post_content(f), "status": "publish",
                           "slug": f"raw-{i}", "excerpt": f["summary"]}
                answer = pool.request("POST", f"{network.origin}/{site}/wp-json/wp/v2/posts", body=json.dumps(payload),
                                      headers={"Authorization": f"Basic {token}", "Content-Type": "application/json"})
                assert answer.status == 201, answer.data[:300]

            portal = open_portal({"adapter": "wordpress", "url": network.origin, "user": "quantri",
                                  "password_file": str(network.root / "app-password"), "concurrency": 4})

            def ours(site: str, i: int) -> None:
                f = fields(i)
                subsite = portal.ensure_subsite(f"/web/{site}", site, f"/web/{site}")
                category = portal.ensure_category(subsite, "news", "Tin tức")
                key = f"bench-{i:012x}"
                portal.write_item(subsite, category, key, slug_for(key, f["title"]), f, fields_hash(f))

            results = {}
            for name, call, site, workers in (("raw REST, 1 client", raw, "raw1", 1), ("adapter, 1 client", ours, "ours1", 1),
                                              ("raw REST, 4 clients", raw, "raw4", 4), ("adapter, 4 clients", ours, "ours4", 4)):
                start = time.perf_counter()
                with ThreadPoolExecutor(workers) as pool_:
                    list(pool_.map(lambda i: call(site, i), range(args.posts)))
                results[name] = time.perf_counter() - start
            # Where an adapter write's time goes: the HTTP round trips against everything else.
            waited = {"http": 0.0}
            real = portal.http.request

            def timed(*a, **k):
                t = time.perf_counter()
                try:
                    return real(*a, **k)
                finally:
                    waited["http"] += time.perf_counter() - t
            portal.http.request = timed
            network.create_site("split", "split")
            start = time.perf_counter()
            for i in range(args.posts // 4):
                ours("split", i)
            total = time.perf_counter() - start
            in_http = waited["http"]
            reads = time.perf_counter()
            subsite = portal.ensure_subsite("/web/ours4", "ours4", "/web/ours4")
            ids = [p["id"] for p in network.all("/ours4/wp-json/wp/v2/posts?_fields=id")]
            reads = time.perf_counter() - reads
            start = time.perf_counter()
            portal.read_items(subsite, [str(i) for i in ids])
            read_time = time.perf_counter() - start
            applied = {workers: apply_run(network, Path(folder), code, workers, args.posts)
                       for workers, code in ((1, "stnmt"), (4, "skhcn"))}
        finally:
            network.stop()
    print(f"WordPress 6.1 multisite (Debian), PHP built-in server with 4 workers, {args.posts} posts per run:")
    for name, seconds in results.items():
        print(f"  {name:<22} {args.posts / seconds:6.1f} posts/s")
    print(f"  adapter / raw REST: {results['raw REST, 1 client'] / results['adapter, 1 client']:.2f} (1 client), "
          f"{results['raw REST, 4 clients'] / results['adapter, 4 clients']:.2f} (4 clients)")
    print(f"  one adapter write: {1000 * total / (args.posts // 4):.1f} ms, of which waiting for WordPress "
          f"{100 * in_http / total:.0f}% (portalize's own work: {1000 * (total - in_http) / (args.posts // 4):.1f} ms)")
    print(f"  revision markers of {len(ids)} posts read back (planning): {read_time:.2f} s "
          f"({len(ids) / read_time:.0f} posts/s, batches of 100)")
    for workers, seconds in applied.items():
        print(f"  portalize apply of {args.posts} creates, concurrency {workers}: {args.posts / seconds:6.1f} articles/s "
              f"(ratio to the adapter with {workers} client(s): "
              f"{results[f'adapter, {workers} client' + ('s' if workers > 1 else '')] / seconds:.2f})")
    print(f"  peak RSS {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


def apply_run(network, folder: Path, code: str, workers: int, posts: int) -> float:
    """Seconds `apply` takes to write a plan of `posts` creates into the unit's WordPress site;
    the articles are staged straight into a ledger (as transform leaves them), then planned."""
    import os
    os.environ["PORTALIZE_DB"] = f"sqlite:///{folder / f'ledger-{code}.db'}"
    from portalize.core.ledger import agencies as agency_store, pages as page_store, staging
    from portalize.core.ledger.db import transaction
    from portalize.core.registry import load_registry
    from portalize.crawlers.items import PageItem
    from portalize.loaders.apply import apply_plan
    from portalize.loaders.plan import make_plan
    from portalize.loaders.registry import open_portal
    from portalize.transform.outline import article_outline
    from portalize.transform.schema import content_hash
    registry = load_registry(ROOT / "mappings")
    agency = registry.agency(code)
    network.create_site(code, agency.subsite_name)
    with transaction() as session:
        agency_store.register_agency(session, agency)
        run = page_store.start_crawl_run(session, code)
        for i in range(posts):
            article = {**fields(i), "uid": f"{code}-{i:012x}", "agency": code, "aliases": [], "warnings": [],
                       "source_url": f"http://{code}.tinhmau.gov.vn/tin/{i}"}
            article["content_hash"] = content_hash(article)
            page = page_store.save_page(session, code, run, PageItem(article["source_url"], "item", 200, b"<html/>"))
            staging.add_article(session, code, page.id, article, article["content_hash"], f"fp-{code}-{i}",
                                article_outline(article))
    portal = open_portal({"adapter": "wordpress", "url": network.origin, "user": "quantri",
                          "password_file": str(network.root / "app-password"), "concurrency": workers})
    plan = make_plan(agency, registry, portal)
    names = {g.code: g.name for g in registry.profile.groups}
    start = time.perf_counter()
    result = apply_plan(plan.id, portal, agency, names)
    seconds = time.perf_counter() - start
    assert result["written"]["create"] == posts, result
    portal.close()
    return seconds


if __name__ == "__main__":
    main()
