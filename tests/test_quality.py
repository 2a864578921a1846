"""Extraction quality gates on the shared, scored corpora (written by others). The floors are
the scores measured when they were pinned; CI fails below them. Goals from the transform
fidelity issue, where not reached, are noted beside each floor."""
from __future__ import annotations

import sys
from pathlib import Path

import pytest

from portalize.transform.pipeline import Mapping, RawPage, transform_page
from portalize.transform.sanitize import html_text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
from scoring import score_eval, score_zyte  # noqa: E402

pytestmark = pytest.mark.quality
# Every page of these corpora is an article by their own ground truth: the classifier is told
# so the way a preset would (a marker every page matches), so that extraction is measured here
# and classification on real sites (tests/test_real_wordpress.py).
AUTO = Mapping(agency="eval", hints={"item": ["*"]})

ZYTE_F1_FLOOR = 0.970        # goal 0.97 (reached: 0.971); trafilatura.extract scores 0.955 on the same pages
# goal 0.90; htmldate alone scores 0.868. Since the real-sites issue the page's own metadata
# (JSON-LD, article:published_time) comes before htmldate, as the fallback chain requires: on
# Vietnamese unit sites it is right where htmldate guesses; on this foreign corpus it costs one
# page of 212 (0.867 -> 0.863), where a publisher's JSON-LD gives the modified date.
DATE_FLOOR = 0.863
TITLE_FLOOR = 0.789          # goal 0.75; trafilatura's title scores 0.570
WITH_KEPT_FLOOR = 0.939
WITHOUT_DROPPED_FLOOR = 0.886


def _auto(url, body, content_type=None):
    return transform_page(RawPage(url, 200, body, content_type), AUTO)


def test_zyte_article_body_f1():
    scores = score_zyte(lambda html, url: html_text(getattr(_auto(url, html.encode(), "text/html; charset=utf-8"),
                                                            "body_html", "")))
    print(f"zyte: {scores}")
    assert scores["f1"] >= ZYTE_F1_FLOOR


@pytest.fixture(scope="module")
def eval_scores():
    def extract(raw, url):
        article = _auto(url, raw)
        return {"title": getattr(article, "title", None), "date": (getattr(article, "published_at", None) or "")[:10],
                "text": html_text(getattr(article, "body_html", ""))}
    scores = score_eval(extract)
    print(f"trafilatura eval: {scores}")
    return scores


def test_publication_dates(eval_scores):
    assert eval_scores["dates"] == 212 and eval_scores["date_accuracy"] >= DATE_FLOOR


def test_titles(eval_scores):
    assert eval_scores["titles"] == 242 and eval_scores["title_accuracy"] >= TITLE_FLOOR


def test_body_snippets(eval_scores):
    assert eval_scores["with_kept"] >= WITH_KEPT_FLOOR
    assert eval_scores["without_dropped"] >= WITHOUT_DROPPED_FLOOR
