"""bench/crawl: crawl-and-store throughput against a bare Scrapy spider following the same
links, in the same run, on a generated local site; plus the unchanged re-crawl and memory.

    .venv/bin/python bench/crawl_bench.py [--pages 20000]

The site (NukeViet markup, 20 items per list page, categories of 1,000 items) is served by a
separate process, so the server does not share the crawler's core. Each crawl runs in its own
process (Twisted's reactor starts once per process) and reports its own peak RSS.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from portalize.samples.generated import HOST, generated_server  # noqa: E402


def serve(pages: int, port_file: str) -> None:
    server = generated_server(pages)
    Path(port_file).write_text(str(server.server_address[1]))
    server.serve_forever()


BARE = '''
import sys, time, resource, json
import scrapy
from scrapy.crawler import CrawlerProcess
SEL = ["#menusite a::attr(href)", ".news_column h3 a::attr(href)", ".pagination a::attr(href)"]
class Bare(scrapy.Spider):
    name = "bare"
    pages = 0
    async def start(self):
        yield scrapy.Request("http://{host}/vi/", meta={{"proxy": "{origin}"}})
    def parse(self, response):
        Bare.pages += 1
        for sel in SEL:
            for href in response.css(sel).getall():
                yield response.follow(href, meta={{"proxy": "{origin}"}})
start = time.perf_counter()
p = CrawlerProcess({{"LOG_LEVEL": "ERROR", "ROBOTSTXT_OBEY": False, "CONCURRENT_REQUESTS": 16,
                    "CONCURRENT_REQUESTS_PER_DOMAIN": 8, "TELNETCONSOLE_ENABLED": False, "COOKIES_ENABLED": False,
                    "CONCURRENT_ITEMS": {items}}})
p.crawl(Bare)
p.start()
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"pages": Bare.pages, "seconds": time.perf_counter() - start,
                  "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}}))
'''

OURS = '''
import time, resource, json
from portalize.core.registry import load_registry
from portalize.app.crawl import run_crawls
start = time.perf_counter()
[result] = run_crawls([load_registry().agency("bench")], {{"{host}": "{origin}"}}, progress=False,
                      max_pages={max_pages})
usage = resource.getrusage(resource.RUSAGE_SELF)
print(json.dumps({{"pages": result.pages, "not_modified": result.not_modified,
                  "seconds": time.perf_counter() - start,
                  "cpu": usage.ru_utime + usage.ru_stime, "rss_mb": usage.ru_maxrss / 1024}}))
'''


def run(code: str, env: dict) -> dict:
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def bench(pages: int, workdir: Path) -> dict:
    workdir.mkdir(parents=True, exist_ok=True)
    port_file = workdir / "port"
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(pages), str(port_file)])
    try:
        deadline = time.time() + 30
        while not port_file.exists() or not port_file.read_text():
            if server.poll() is not None or time.time() > deadline:
                raise RuntimeError("the bench site server did not start")
            time.sleep(0.05)
        origin = f"http://127.0.0.1:{port_file.read_text()}"
        mappings = workdir / "mappings"
        shutil.copytree(ROOT / "mappings", mappings, dirs_exist_ok=True)
        (mappings / "agencies" / "bench.yml").write_text(
            f"code: bench\nname: Đơn vị thử tải\nlevel: other\nplatform: nukeviet\nrobots: false\n"
            f"legacy: {{base_urls: ['http://{HOST}/vi/'], hosts: [{HOST}]}}\n"
            "target: {subsite: Thử tải, path: /web/bench}\n", encoding="utf-8")
        env = {**os.environ, "PORTALIZE_MAPPINGS": str(mappings), "PORTALIZE_VAR": str(workdir / f"var{pages}"),
               "PORTALIZE_DB": f"sqlite:///{workdir / f'var{pages}' / 'portalize.db'}"}
        bare = run(BARE.format(host=HOST, origin=origin, items=100), env)  # Scrapy's defaults
        tuned = run(BARE.format(host=HOST, origin=origin, items=4), env)  # our CONCURRENT_ITEMS
        first = run(OURS.format(host=HOST, origin=origin, max_pages=pages * 2), env)
        again = run(OURS.format(host=HOST, origin=origin, max_pages=pages * 2), env)
        return {"bare": bare, "tuned": tuned, "first": first, "again": again}
    finally:
        server.terminate()
        server.wait()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--pages", type=int, default=20000)
    parser.add_argument("--serve", nargs=2)
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1])
        return
    with tempfile.TemporaryDirectory() as tmp:
        small = bench(args.pages // 4, Path(tmp) / "small")
        large = bench(args.pages, Path(tmp) / "large")
    b, t, f, a = large["bare"], large["tuned"], large["first"], large["again"]
    rate = f["pages"] / f["seconds"]
    print(f"generated site: {f['pages']} pages stored by portalize, {b['pages']} followed by the bare spider")
    print(f"bare Scrapy (follow links only): {b['pages'] / b['seconds']:7.1f} pages/s, {b['seconds']:.1f} s")
    print(f"  same, CONCURRENT_ITEMS=4:      {t['pages'] / t['seconds']:7.1f} pages/s, {t['seconds']:.1f} s")
    print(f"portalize crawl-and-store:       {rate:7.1f} pages/s, {f['seconds']:.1f} s; "
          f"ratio {rate / (b['pages'] / b['seconds']):.2f} to bare Scrapy, "
          f"{rate / (t['pages'] / t['seconds']):.2f} to the same with CONCURRENT_ITEMS=4 (target >= 0.8)")
    cpu = {name: 1000 * r["cpu"] / r["pages"] for name, r in (("bare", b), ("tuned", t), ("ours", f))}
    print(f"crawler CPU per page (user+system, whole process; steadier than the wall-clock rates above): "
          f"bare {cpu['bare']:.2f} ms, CONCURRENT_ITEMS=4 {cpu['tuned']:.2f} ms, portalize {cpu['ours']:.2f} ms; "
          f"ratio {cpu['bare'] / cpu['ours']:.2f} and {cpu['tuned'] / cpu['ours']:.2f}")
    print(f"unchanged re-crawl:              {a['seconds']:.1f} s, {a['not_modified']} pages not modified; "
          f"{100 * a['seconds'] / f['seconds']:.0f}% of the first crawl (target <= 10%)")
    print(f"peak RSS: {small['first']['rss_mb']:.0f} MB at {small['first']['pages']} pages, {f['rss_mb']:.0f} MB at "
          f"{f['pages']} pages (+{100 * (f['rss_mb'] / small['first']['rss_mb'] - 1):.0f}%; targets < 300 MB, < +20%); "
          f"bare spider {b['rss_mb']:.0f} MB")


if __name__ == "__main__":
    main()
