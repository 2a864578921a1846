"""bench/transform: pages per second of the full transform, against trafilatura.extract on the
same pages in the same run, plus peak memory.

    .venv/bin/python bench/transform_bench.py [--rounds 5]

- mapped: portalize transform_page with the agency's platform mapping, on the sample sites'
  35 article pages (Liferay, NukeViet, WebSphere, SharePoint, DotNetNuke, WordPress);
- automatic: transform_page with no mapping, on the 62 Zyte benchmark pages;
- baseline: trafilatura.extract(html, url) on the same pages.
"""
from __future__ import annotations

import argparse
import resource
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import trafilatura  # noqa: E402

from portalize.core.registry import load_registry  # noqa: E402
from portalize.samples.server import SampleSites  # noqa: E402
from portalize.app.transform import mapping_for  # noqa: E402
from scoring import zyte_pages  # noqa: E402
from portalize.transform.markdown import to_markdown  # noqa: E402
from portalize.transform.pipeline import Mapping, RawPage, transform_page  # noqa: E402


def sample_pages():
    sites, registry = SampleSites(), load_registry(ROOT / "mappings")
    by_host = {a.hosts[0]: mapping_for(registry, a) for a in registry.agencies.values()}
    for host, site in sites.sites.items():
        for cat in site["categories"]:
            for a in cat["articles"]:
                path = sites.styles[host].article_url(a)
                reply = sites.route(host, path)
                assert reply.status == 200, path
                yield f"http://{host}{path}", reply.body, reply.content_type, by_host[host]


def _seconds(function, items, repeat) -> float:
    start = time.perf_counter()
    for _ in range(repeat):
        for item in items:
            function(*item)
    return time.perf_counter() - start


def compare(ours, baselines: dict, items, rounds, repeat=1) -> dict:
    """Pages per second of `ours` and of each baseline, timed in alternation round by round
    (a slow moment of the machine then hits both sides), with the median ratio over rounds."""
    times = {"ours": [], **{name: [] for name in baselines}}
    for _ in range(rounds):
        times["ours"].append(_seconds(ours, items, repeat))
        for name, function in baselines.items():
            times[name].append(_seconds(function, items, repeat))
    pages = len(items) * repeat
    out = {name: pages * len(spent) / sum(spent) for name, spent in times.items()}
    for name in baselines:
        out[f"ratio to {name}"] = statistics.median(b / o for o, b in zip(times["ours"], times[name]))
    return out


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    mapped = [(url, body, ctype, mapping) for url, body, ctype, mapping in sample_pages()]
    zyte = [(url, html.encode("utf-8")) for _, url, html, _ in zyte_pages()]
    auto = Mapping(agency="bench")

    mapped_scores = compare(
        lambda u, b, c, m: transform_page(RawPage(u, 200, b, c), m),
        {"extract": lambda u, b, c, m: trafilatura.extract(b.decode("utf-8", "replace"), url=u)},
        mapped, args.rounds, repeat=20)
    # How much of the mapped transform is the Markdown conversion (markdownify) alone.
    bodies = [(transform_page(RawPage(u, 200, b, c), m).body_html,) for u, b, c, m in mapped]
    transform_rate = len(mapped) * 10 / _seconds(lambda u, b, c, m: transform_page(RawPage(u, 200, b, c), m),
                                                 mapped, 10)
    markdown_rate = len(bodies) * 10 / _seconds(to_markdown, bodies, 10)
    auto_scores = compare(
        lambda u, b: transform_page(RawPage(u, 200, b, "text/html; charset=utf-8"), auto),
        {"extract": lambda u, b: trafilatura.extract(b.decode("utf-8"), url=u),
         "extract+metadata": lambda u, b: trafilatura.extract(b.decode("utf-8"), url=u, with_metadata=True)},
        zyte, args.rounds)
    # Memory in a separate pass: tracemalloc slows Python code and would skew the timings.
    tracemalloc.start()
    for u, b, c, m in mapped:
        transform_page(RawPage(u, 200, b, c), m)
    for u, b in zyte:
        transform_page(RawPage(u, 200, b, "text/html; charset=utf-8"), auto)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"fixture pages ({len(mapped)}), mapped transform: {mapped_scores['ours']:8.1f} pages/s; "
          f"trafilatura.extract {mapped_scores['extract']:8.1f} pages/s; "
          f"ratio {mapped_scores['ratio to extract']:5.2f}x (target >= 10x)")
    print(f"   of which the Markdown conversion (markdownify) alone runs at {markdown_rate:8.1f} pages/s: "
          f"{100 * transform_rate / markdown_rate:4.1f}% of the mapped transform's time")
    print(f"Zyte pages ({len(zyte)}), automatic transform: {auto_scores['ours']:8.1f} pages/s; "
          f"trafilatura.extract {auto_scores['extract']:8.1f} pages/s; "
          f"ratio {auto_scores['ratio to extract']:5.2f}x (target >= 1x)")
    print(f"   same pages, trafilatura.extract(with_metadata=True) (title/date/author too, as ours): "
          f"{auto_scores['extract+metadata']:8.1f} pages/s; ratio {auto_scores['ratio to extract+metadata']:5.2f}x")
    print(f"   (ratios: median over {args.rounds} rounds, each side timed in turn within a round)")
    print(f"memory: peak traced Python allocations {peak / 2**20:.1f} MB; process max RSS {rss:.0f} MB "
          f"(target < 200 MB per worker)")


if __name__ == "__main__":
    main()
