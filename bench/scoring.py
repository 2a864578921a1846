"""Scoring extraction on the shared corpora (written by others, in ../shared/data).

- Zyte's article-extraction benchmark: article body, with the benchmark's own metric (word
  tokens, 4-token shingles counted with multiplicity, per-document TP/FP/FN normalised, then
  precision and recall averaged over documents and F1 taken from the averages).
- trafilatura's evaluation set: publication date and title accuracy, and the share of `with`
  snippets kept and `without` snippets dropped.
"""
from __future__ import annotations

import gzip
import json
import re
import statistics
from collections import Counter
from pathlib import Path

SHARED = Path(__file__).resolve().parent.parent.parent / "shared" / "data"
ZYTE = SHARED / "zyte-article-benchmark-dev"
TRAFILATURA_EVAL = SHARED / "trafilatura-eval-dev"
_TOKEN = re.compile(r"\w+", re.UNICODE)


def _shingles(text: str, n: int = 4) -> Counter:
    tokens = _TOKEN.findall(text or "")
    return Counter(tuple(tokens[i:i + n]) for i in range(max(1, len(tokens) - n + 1)) if tokens[i:i + n])


def tp_fp_fn(true: str, pred: str) -> tuple[float, float, float]:
    t, p = _shingles(true), _shingles(pred)
    tp = sum(min(t[k], p[k]) for k in t.keys() | p.keys())
    fp = sum(max(0, p[k] - t[k]) for k in t.keys() | p.keys())
    fn = sum(max(0, t[k] - p[k]) for k in t.keys() | p.keys())
    total = tp + fp + fn
    return (tp / total, fp / total, fn / total) if total else (0.0, 0.0, 0.0)


def prf(results: list[tuple[float, float, float]]) -> dict:
    def precision(tp, fp, fn):
        return 1.0 if fp == fn == 0 else 0.0 if tp == fp == 0 else tp / (tp + fp)

    def recall(tp, fp, fn):
        return 1.0 if fp == fn == 0 else 0.0 if tp == fn == 0 else tp / (tp + fn)

    p = statistics.mean(precision(*r) for r in results if r[0] + r[1] > 0)
    r = statistics.mean(recall(*x) for x in results if x[0] + x[2] > 0)
    return {"precision": p, "recall": r, "f1": 2 * p * r / (p + r)}


def zyte_pages():
    truth = json.loads((ZYTE / "ground-truth.json").read_text(encoding="utf-8"))
    for key, item in sorted(truth.items()):
        html = gzip.decompress((ZYTE / "html" / f"{key}.html.gz").read_bytes()).decode("utf-8", errors="replace")
        yield key, item["url"], html, item["articleBody"]


def score_zyte(extract_body) -> dict:
    """extract_body(html, url) -> plain text of the article body."""
    return prf([tp_fp_fn(truth, extract_body(html, url) or "") for _, url, html, truth in zyte_pages()])


def eval_pages():
    data = json.loads((TRAFILATURA_EVAL / "evaldata.json").read_text(encoding="utf-8"))
    for url, item in sorted(data.items()):
        path = TRAFILATURA_EVAL / "html" / (item["file"] + ("" if item["file"].endswith(".gz") else ".gz"))
        if not path.exists():
            path = TRAFILATURA_EVAL / "html" / item["file"]
        raw = path.read_bytes()
        if raw[:2] == b"\x1f\x8b":
            raw = gzip.decompress(raw)
        yield page_address(url), raw, item


def page_address(key: str) -> str:
    """The page's address: a few keys of the eval set are names (`hard::elfaro.net-asamblea.html`),
    not URLs, and transform takes only http(s) pages; those get one in the reserved .invalid domain."""
    if key.startswith(("http://", "https://")):
        return key
    return "http://eval.invalid/" + key.replace("::", "/")


def _norm(text: str | None) -> str:
    return " ".join((text or "").split()).strip().lower()


def score_eval(extract) -> dict:
    """extract(raw_bytes, url) -> dict(title, date 'YYYY-MM-DD' or None, text)."""
    n = dates_ok = dates_total = titles_ok = titles_total = 0
    with_kept = with_total = without_dropped = without_total = 0
    for url, raw, item in eval_pages():
        n += 1
        got = extract(raw, url)
        if item.get("date"):
            dates_total += 1
            dates_ok += (got.get("date") or "")[:10] == item["date"][:10]
        if item.get("title"):
            titles_total += 1
            titles_ok += _norm(got.get("title")) == _norm(item["title"])
        text = _norm(got.get("text"))
        for snippet in item.get("with", []):
            with_total += 1
            with_kept += _norm(snippet) in text
        for snippet in item.get("without", []):
            without_total += 1
            without_dropped += _norm(snippet) not in text
    return {"pages": n, "date_accuracy": dates_ok / dates_total, "dates": dates_total,
            "title_accuracy": titles_ok / titles_total, "titles": titles_total,
            "with_kept": with_kept / with_total, "without_dropped": without_dropped / without_total}
