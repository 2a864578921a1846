"""The real-page development set (`tests/fixtures/real/`): saved pages of Vietnamese
government and news sites that no one on the project wrote, each with its provenance and a
truth written by hand. Scored through the path a user takes: `portalize extract FILE --url URL`
with no agency (the library call behind it), and trafilatura on the same pages.

    .venv/bin/python bench/real_pages.py          # the per-platform table, ours and trafilatura's

Fields: title (same text, case and spacing aside), date (same day; none where the page shows
none), author (the byline; none where none), kind (list pages must be refused as lists), body
(the text starts with the truth's first words and ends with its last ones, nothing of the page's
chrome before or after), and each legal-document field (number, type, issuer, issue date)."""
from __future__ import annotations

import gzip
import json
import re
import sys
import tempfile
import unicodedata
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REAL = ROOT / "tests" / "fixtures" / "real"
FIELDS = ("title", "date", "author", "kind", "body", "document")
DOCUMENT_FIELDS = ("number", "type", "issuer", "issued")
_SLACK = 300  # characters of chrome tolerated before the body's first words or after its last


def real_pages():
    """(site, platform, page truth, html bytes) for every page of the set."""
    for index in sorted(REAL.glob("*/pages.json")):
        site = json.loads(index.read_text(encoding="utf-8"))
        for page in site["pages"]:
            raw = gzip.decompress((index.parent / page["file"]).read_bytes())
            yield site["site"], site["platform"], page, raw


def _norm(text) -> str:
    text = unicodedata.normalize("NFC", str(text or ""))
    return " ".join(re.sub(r"[\s\u00a0]+", " ", text).split()).strip(" .:;,").casefold()


def _words(text) -> str:
    return " ".join(re.findall(r"\w+", _norm(text)))


def _body_right(truth: dict, text: str) -> bool:
    body, start, end = _words(text), _words(truth.get("body_start")), _words(truth.get("body_end"))
    if not (start and end):
        return True  # the page shows no text body (a video): nothing to check
    first, last = body.find(start), body.rfind(end)
    return 0 <= first <= _SLACK and last >= 0 and len(body) - (last + len(end)) <= _SLACK


def score_page(truth: dict, got: dict | None) -> dict:
    """{field: True/False} for one page; `got` is the extracted article as a dict (None when
    the page was refused, with `refused` naming the outcome)."""
    kind = truth["kind"]
    if kind == "list":
        return {"kind": got is None}
    if got is None:
        return {name: False for name in FIELDS if name != "document"} | (
            {f"document.{f}": False for f in DOCUMENT_FIELDS} if kind == "document" else {})
    marks = {
        "title": _norm(got.get("title")) == _norm(truth.get("title")),
        "date": (got.get("published_at") or "")[:10] == (truth.get("date") or ""),
        "author": _norm(got.get("author")) == _norm(truth.get("author")),
        "kind": got.get("kind") == kind,
        "body": _body_right(truth, got.get("text") or ""),
    }
    if kind == "document":
        document = got.get("document") or {}
        for name in DOCUMENT_FIELDS:
            want = (truth.get("document") or {}).get(name)
            value = document.get(name)
            marks[f"document.{name}"] = (value or "")[:10] == want if name == "issued" else _norm(value) == _norm(want)
    return marks


def ours(raw: bytes, url: str) -> dict | None:
    """`portalize extract FILE --url URL` with no agency, as the library runs it."""
    from portalize.api import extract
    from portalize.core.errors import NotExtracted
    from portalize.transform.sanitize import html_text
    with tempfile.NamedTemporaryFile(suffix=".html") as saved:
        saved.write(raw)
        saved.flush()
        try:
            article = extract(saved.name, url)
        except NotExtracted:
            return None
    return {**article, "text": html_text(article.get("body_html") or "")}


def trafilatura_baseline(raw: bytes, url: str) -> dict | None:
    import trafilatura
    from portalize.transform.decode import decode_html
    html, _ = decode_html(raw, None)
    doc = trafilatura.bare_extraction(html, url=url, with_metadata=True)
    if doc is None:
        return None
    return {"title": doc.title, "published_at": doc.date, "author": doc.author, "kind": "article",
            "text": doc.text or ""}


def score(extract) -> dict:
    """{platform: {field: [right, scored]}} plus an 'all' row, and the misses."""
    table: dict = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    misses = []
    for site, platform, truth, raw in real_pages():
        family = platform.split("-")[0]
        marks = score_page(truth, extract(raw, truth["url"]))
        for name, right in marks.items():
            for row in (family, "all"):
                table[row][name][0] += right
                table[row][name][1] += 1
            if not right:
                misses.append((site, truth["file"], name))
    return {"table": {k: dict(v) for k, v in table.items()}, "misses": misses}


def format_table(scores: dict, name: str) -> str:
    columns = ["title", "date", "author", "kind", "body"] + [f"document.{f}" for f in DOCUMENT_FIELDS]
    lines = [f"{name:<14}" + "".join(f"{c.replace('document.', 'doc.'):>11}" for c in columns)]
    for row, fields in sorted(scores["table"].items(), key=lambda kv: (kv[0] == "all", kv[0])):
        cells = []
        for c in columns:
            right, total = fields.get(c, (0, 0))
            cells.append(f"{right:>4}/{total:<3} " if total else f"{'-':>8}   ")
        lines.append(f"  {row:<12}" + "".join(f"{c:>11}" for c in cells))
    return "\n".join(lines)


def share(scores: dict, field: str, row: str = "all") -> float:
    right, total = scores["table"].get(row, {}).get(field, (0, 0))
    return right / total if total else 1.0


def main() -> None:
    sys.path.insert(0, str(ROOT))
    pages = list(real_pages())
    print(f"{len(pages)} pages from {len({p[0] for p in pages})} sites on "
          f"{len({p[1].split('-')[0] for p in pages})} platform families")
    mine = score(ours)
    print(format_table(mine, "portalize"))
    print(format_table(score(trafilatura_baseline), "trafilatura"))
    for miss in mine["misses"]:
        print("  miss:", *miss)


if __name__ == "__main__":
    main()
