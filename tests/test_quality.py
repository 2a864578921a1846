"""Extraction quality gates on the shared, scored corpora (written by others). The floors are
the scores measured when they were pinned; CI fails below them. Goals from the transform
fidelity issue, where not reached, are noted beside each floor."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from portalize.transform.pipeline import Mapping, RawPage, transform_page
from portalize.transform.sanitize import html_text
from portalize.transform.schema import SkippedPage

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from scoring import score_eval, score_zyte  # noqa: E402

pytestmark = pytest.mark.quality
# Run as a user runs `portalize extract FILE --url URL` with no agency: the page classified from
# its own signals (a page refused as a list or as not content is a lost body, title and date).
AUTO = Mapping(agency="extract")
REFUSED: list = []

ZYTE_F1_FLOOR = 0.970        # goal 0.97 (reached: 0.970 through extract); trafilatura.extract scores 0.955
# goal 0.90; htmldate alone scores 0.868. Through extract (classification included) 0.863: a
# day read only from an address (an image's folder, a timestamp in the URL) is not taken.
DATE_FLOOR = 0.86
TITLE_FLOOR = 0.809          # goal 0.75; trafilatura's title scores 0.570; 0.727 through extract before the issue
WITH_KEPT_FLOOR = 0.939
WITHOUT_DROPPED_FLOOR = 0.886
# Refused through extract: 1 Zyte page and 26 trafilatura-eval pages before the recall-first
# classifier, then 0 and 3, now none (the forum thread whose posts sit in an unclosed <header>,
# the blog post beside three cards of other posts, the story in an <aside> inside <main>).
EVAL_REFUSED_CEILING = 0


def _auto(url, body, content_type=None):
    result = transform_page(RawPage(url, 200, body, content_type), AUTO)
    if isinstance(result, SkippedPage):
        REFUSED.append((url, result.outcome, result.reason))
    return result


def test_zyte_article_body_f1():
    REFUSED.clear()
    scores = score_zyte(lambda html, url: html_text(getattr(_auto(url, html.encode(), "text/html; charset=utf-8"),
                                                            "body_html", "")))
    print(f"zyte: {scores}; refused: {len(REFUSED)}")
    assert not REFUSED, REFUSED  # every page of the benchmark is an article
    assert scores["f1"] >= ZYTE_F1_FLOOR


@pytest.fixture(scope="module")
def eval_scores():
    def extract(raw, url):
        article = _auto(url, raw)
        return {"title": getattr(article, "title", None), "date": (getattr(article, "published_at", None) or "")[:10],
                "text": html_text(getattr(article, "body_html", ""))}
    REFUSED.clear()
    scores = score_eval(extract)
    scores["refused"] = list(REFUSED)
    print(f"trafilatura eval: {scores | {'refused': len(REFUSED)}}")
    return scores


def test_article_pages_refused(eval_scores):
    assert len(eval_scores["refused"]) <= EVAL_REFUSED_CEILING, eval_scores["refused"]


def test_publication_dates(eval_scores):
    assert eval_scores["dates"] == 212 and eval_scores["date_accuracy"] >= DATE_FLOOR


def test_titles(eval_scores):
    assert eval_scores["titles"] == 242 and eval_scores["title_accuracy"] >= TITLE_FLOOR


def test_body_snippets(eval_scores):
    assert eval_scores["with_kept"] >= WITH_KEPT_FLOOR
    assert eval_scores["without_dropped"] >= WITHOUT_DROPPED_FLOOR
