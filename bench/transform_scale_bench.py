"""bench/transform_scale: one page with 10k, 40k and 100k links to files (issue 21: a hostile page
with 100k `.pdf` links took 226 s), to pages or to images, against trafilatura.extract on the
same page in the same run, plus peak memory.

    .venv/bin/python bench/transform_scale_bench.py [--kinds files,links,images] [--sizes 10000,40000,100000] [--no-memory]

- ours: portalize transform_page with a mapping that lists the page's files and images (the
  issue's scenario), then the page's outline and its link rewrite, as `plan` does;
- baseline: trafilatura.extract(html, url) on the same page (ratio: its CPU time over ours,
  as bench/transform_bench.py; ours does more: fields, files, sanitising, Markdown, the plan's links);
- linearity: the time per link against a 1k-link page of the same kind (1.0 is linear);
- memory: peak traced Python allocations of ours, in a separate pass (tracemalloc slows Python
  code), and the process's max RSS at the end.
Timings are wall time (time.perf_counter) and CPU time of this process (time.process_time): on
a shared machine the CPU time is the one other processes do not disturb.
"""
from __future__ import annotations

import argparse
import resource
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from portalize.loaders.base import item_fields  # noqa: E402
from portalize.loaders.link_rewrite import UrlMap, rewrite_fields  # noqa: E402
from portalize.transform.outline import article_outline  # noqa: E402
from portalize.transform.pipeline import Mapping, RawPage, transform_page  # noqa: E402

HOST = "stnmt.tinhmau.gov.vn"
URL = f"http://{HOST}/tin-tuc/thong-bao-so-1.html"
MAPPING = Mapping(agency="stnmt", platform="generic",
                  fields={"title": ["h1::text"], "body": ["article"],
                          "attachments": ["article a[href$='.pdf']::attr(href)"], "images": ["article img::attr(src)"]})
ITEMS = {"files": '<p><a href="/files/bao-cao-{i}.pdf">Báo cáo số {i}</a></p>',
         "links": '<p><a href="/tin-tuc/bai-{i}.html">Bài viết số {i}</a></p>',
         "images": '<p><img src="/anh/hinh-{i}.jpg" alt="Hình {i}"></p>'}


def page_html(kind: str, n: int) -> str:
    items = "".join(ITEMS[kind].format(i=i) for i in range(n))
    return (f"<html><head><title>Thông báo số 1</title></head><body><article><h1>Thông báo số 1</h1>"
            f"<p>Ủy ban nhân dân xã thông báo danh sách văn bản đính kèm của tháng.</p>{items}</article></body></html>")


def url_map(n: int) -> UrlMap:
    """Half the linked pages, files and images are migrated (rewritten), half are not (listed)."""
    return UrlMap(pages={f"http://{HOST}/tin-tuc/bai-{i}.html": f"{{{{item:stnmt-{i}}}}}" for i in range(0, n, 2)},
                  files={f"http://{HOST}{p}{i}{e}": f"{{{{asset:{i:064x}}}}}" for i in range(0, n, 2)
                         for p, e in (("/files/bao-cao-", ".pdf"), ("/anh/hinh-", ".jpg"))},
                  legacy_hosts={HOST})


def ours(html: str, links: UrlMap) -> int:
    article = transform_page(RawPage(URL, 200, html.encode(), "text/html; charset=utf-8"), MAPPING)
    article_outline(article.to_dict())
    rewrite_fields(item_fields(article.to_dict()), links)
    return len(article.attachments) + len(article.images)


def timed(function, *args) -> tuple[float, float]:
    wall, cpu = time.perf_counter(), time.process_time()
    function(*args)
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kinds", default="files,links,images")
    parser.add_argument("--sizes", default="10000,40000,100000")
    parser.add_argument("--no-memory", action="store_true", help="skip the tracemalloc pass (half the time)")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    for kind in args.kinds.split(","):
        small_html, small_map = page_html(kind, 1_000), url_map(1_000)
        small = min((timed(ours, small_html, small_map) for _ in range(3)), key=lambda t: t[1])
        print(f"{kind}: 1k-link page (best of 3): ours {small[0]:6.2f} s wall, {small[1]:6.2f} s CPU")
        for n in sizes:
            html, links = page_html(kind, n), url_map(n)
            wall, cpu = timed(ours, html, links)
            base_wall, base_cpu = timed(trafilatura.extract, html, URL)
            peak = float("nan")
            if not args.no_memory:
                tracemalloc.start()
                ours(html, links)
                _, peak = tracemalloc.get_traced_memory()
                tracemalloc.stop()
            rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
            print(f"  {n // 1000:>4}k: ours {wall:7.2f} s wall, {cpu:7.2f} s CPU; "
                  f"trafilatura.extract {base_wall:6.2f} s wall, {base_cpu:6.2f} s CPU; "
                  f"ratio {base_cpu / cpu:4.2f}x (extract's CPU time over ours); "
                  f"{cpu / small[1]:6.1f}x the 1k page (linear {n / 1000:.0f}x, "
                  f"per link {cpu / small[1] / (n / 1000):4.2f}); "
                  f"peak traced {peak / 2**20:6.1f} MB, max RSS {rss:5.0f} MB", flush=True)


if __name__ == "__main__":
    main()
